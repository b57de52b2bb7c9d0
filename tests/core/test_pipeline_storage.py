"""The generate pipeline when the disk is full: a job already sent waits for space (saying so)
and goes on when space returns; nothing the server made is dropped, nothing is sent twice."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from leodesk.core.api import LeonardoClient
from leodesk.core.api.models import GenerationRequest
from leodesk.core.imagestore import ImageStore, StorageError
from leodesk.core.library import Library, LibraryError
from leodesk.core.pipeline import DONE, LibraryRecord, Pipeline, Progress, is_disk_full
from tests.conftest import SIM_KEY

REQ = GenerationRequest(prompt="a quiet harbour", num_images=2, width=512, height=512)


class FillingDisk:
    """An image store on a disk that is full for the first ``full_for`` writes."""

    def __init__(self, root: Path, full_for: int) -> None:
        self.inner = ImageStore(root)
        self.refused = 0
        self.full_for = full_for

    def put(self, data: bytes, ext: str) -> Any:
        if self.refused < self.full_for:
            self.refused += 1
            raise StorageError("The disk is full", errno=errno.ENOSPC)
        return self.inner.put(data, ext)


class FullLibrary(LibraryRecord):
    """The library's disk is full when the server's answer arrives (the first two tries)."""

    def __init__(self, lib: Library) -> None:
        super().__init__(lib)
        self.refused = 0

    def job_accepted(self, job_id: int, generation_id: str) -> None:
        if self.refused < 2:
            self.refused += 1
            raise LibraryError("The disk holding your leodesk library is full.", reason="full")
        super().job_accepted(job_id, generation_id)


def _run(sim: Any, store: Any, persist: LibraryRecord, job_id: int) -> list[Progress]:
    progress: list[Progress] = []
    with LeonardoClient(SIM_KEY, base_url=sim.base_url) as client:
        pipeline = Pipeline(
            client, store, persist, progress.append, poll_interval=0.05, space_wait=0.05
        )
        gen = pipeline.run(job_id, REQ)
    assert len(persist.stored_images(gen.id or "")) == 2
    return progress


def test_a_full_image_disk_makes_the_job_wait_then_finish(sim: Any, tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "library.sqlite3")
    try:
        job_id = lib.add_job("generation", None)
        store = FillingDisk(tmp_path / "images", full_for=3)
        progress = _run(sim, store, LibraryRecord(lib), job_id)
        job = lib.get_job(job_id)
        assert job is not None and job.state.value == DONE
    finally:
        lib.close()
    assert store.refused == 3
    waits = [p for p in progress if "disk is full" in p.message]
    assert waits and "free some space" in waits[0].message
    assert sim.count("POST", "/generations") == 1


def test_a_full_library_disk_keeps_the_generation_id(sim: Any, tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "library.sqlite3")
    try:
        job_id = lib.add_job("generation", None)
        persist = FullLibrary(lib)
        progress = _run(sim, ImageStore(tmp_path / "images"), persist, job_id)
        job = lib.get_job(job_id)
        assert job is not None and job.state.value == DONE and job.generation_id
    finally:
        lib.close()
    assert persist.refused == 2
    assert any("disk is full" in p.message for p in progress)
    assert sim.count("POST", "/generations") == 1


def test_what_counts_as_a_full_disk() -> None:
    assert is_disk_full(StorageError("full", errno=errno.ENOSPC))
    assert is_disk_full(OSError(errno.EDQUOT, "quota"))
    assert is_disk_full(LibraryError("full", reason="full"))
    assert not is_disk_full(LibraryError("damaged", reason="corrupt"))
    assert not is_disk_full(StorageError("no permission", errno=errno.EACCES))
    assert not is_disk_full(ValueError("no"))
