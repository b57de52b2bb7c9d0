"""The library's parts: each works over the one connection, and the package front exports them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import leodesk.core.library as library
from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.catalog import ModelInfo
from leodesk.core.jobs import JobState
from leodesk.core.library import Library
from leodesk.core.library.curation import Curation
from leodesk.core.library.job_queue import JobQueue
from leodesk.core.library.model_cache import ModelCache
from leodesk.core.library.records import JobRecord
from leodesk.core.library.upload_cache import UploadCache


def a_generation() -> Generation:
    return Generation(
        id="gen-1",
        status="COMPLETE",
        prompt="a lighthouse",
        model_id="model-1",
        created_at="2026-01-01T10:00:00Z",
        images=(GeneratedImage(id="img-1", url="http://127.0.0.1:9/1.jpg"),),
    )


def test_a_part_opened_on_its_own_writes_the_library_file(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    with JobQueue.open(path) as queue:
        job_id = queue.add_job("generation", '{"prompt": "a fox"}')
        assert isinstance(queue.get_job(job_id), JobRecord)
    with ModelCache.open(path) as models:
        models.save_models("own", [ModelInfo(id="model-1", name="My model")])
    with UploadCache.open(path) as uploads:
        uploads.remember_upload("ab" * 32, "init-1")
    with Library.open(path) as lib:
        job = lib.get_job(job_id)
        assert job is not None and job.state is JobState.QUEUED
        assert job.request_json == '{"prompt": "a fox"}'
        lib.upsert_generation(a_generation())
        # Image records carry the name the model cache holds.
        assert lib.image_records(["img-1"])["img-1"].model_name == "My model"
        assert lib.upload_id_for("ab" * 32) == "init-1"


def test_curation_alone_marks_images_a_library_stored(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        lib.upsert_generation(a_generation())
    with Curation.open(path) as curation:
        assert curation.set_favourite(["img-1"], True) == 1
        assert curation.mark_deleted_local(["img-1"]) == 1
    with Library.open_readonly(path) as reader:
        record = reader.image_records(["img-1"])["img-1"]
        assert record.favourite and record.deleted_local
        assert reader.count_images() == 0


CALLS: list[tuple[str, Callable[[Library], Any]]] = [
    ("generations", lambda lib: lib.get_generation("gen-1")),
    ("sync state", lambda lib: lib.sync_state()),
    ("images", lambda lib: lib.image_ids_page(0, 10)),
    ("downloads", lambda lib: lib.images_to_download(10)),
    ("lineage", lambda lib: lib.children_of("img-1")),
    ("curation", lambda lib: lib.collections()),
    ("job queue", lambda lib: lib.queue_jobs()),
    ("model cache", lambda lib: lib.load_models("own")),
    ("upload cache", lambda lib: lib.upload_id_for("ab" * 32)),
]


@pytest.mark.parametrize(("part", "call"), CALLS, ids=[part for part, _ in CALLS])
def test_every_part_goes_through_the_one_connection(
    tmp_path: Path, part: str, call: Callable[[Library], Any]
) -> None:
    lib = Library.open(tmp_path / "library.sqlite3")
    lib.upsert_generation(a_generation())
    call(lib)  # works while open
    lib.close()
    with pytest.raises(RuntimeError, match="the library is closed"):
        call(lib)


def test_the_package_exports_what_callers_import() -> None:
    for name in library.__all__:
        assert getattr(library, name) is not None, name
    assert library.JobRecord is JobRecord
    assert issubclass(Library, JobQueue) and issubclass(Library, Curation)
