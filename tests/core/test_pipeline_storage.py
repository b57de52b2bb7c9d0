"""The generate pipeline when the disk refuses an image: the job fails with what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api import LeonardoClient
from leodesk.core.api.models import GenerationRequest
from leodesk.core.imagestore import StorageError
from leodesk.core.pipeline import FAILED, JobFailed, Pipeline, Progress
from tests.conftest import SIM_KEY


class FullDisk:
    def put(self, data: bytes, ext: str) -> Any:
        raise StorageError("The disk is full", errno=28)


class Recorder:
    def __init__(self) -> None:
        self.ended: list[tuple[int, str, str | None]] = []
        self.generations: list[Any] = []

    def job_submitting(self, job_id: int, submitted_at: float) -> None: ...
    def job_accepted(self, job_id: int, generation_id: str) -> None: ...
    def generation_seen(self, generation: Any, request_json: str | None) -> None:
        self.generations.append(generation)

    def image_stored(self, image_id: str, sha256: str, ext: str) -> None:
        raise AssertionError("nothing can be stored on a full disk")

    def job_ended(self, job_id: int, state: str, message: str | None) -> None:
        self.ended.append((job_id, state, message))


def test_full_disk_fails_the_job_with_a_next_step(sim: Any, tmp_path: Path) -> None:
    persist = Recorder()
    progress: list[Progress] = []
    with LeonardoClient(SIM_KEY, base_url=sim.base_url) as client:
        pipeline = Pipeline(client, FullDisk(), persist, progress.append, poll_interval=0.05)
        with pytest.raises(JobFailed) as info:
            pipeline.run(
                7, GenerationRequest(prompt="a quiet harbour", num_images=1, width=512, height=512)
            )
    assert "disk is full" in str(info.value) and "free some disk space" in str(info.value)
    assert persist.ended == [(7, FAILED, str(info.value))]
    assert progress[-1].state == FAILED
    assert len(persist.generations) == 1  # the generation (and its URLs) reached the library
    assert sim.count("POST", "/generations") == 1
