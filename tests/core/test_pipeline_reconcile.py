"""The generate pipeline after a submit whose answer was lost (a crash, a timeout): the job is
looked for among the account's generations, never sent again, and never takes a generation
another job already follows (two Generate clicks with the same prompt)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api import LeonardoClient
from leodesk.core.api.models import Generation, GenerationRequest
from leodesk.core.imagestore import ImageStore
from leodesk.core.jobs import JobState
from leodesk.core.library import Library
from leodesk.core.pipeline import DONE, FAILED, JobFailed, LibraryRecord, Pipeline, request_json
from tests.conftest import SIM_KEY

REQ = GenerationRequest(prompt="a red fox in fresh snow", num_images=1, width=512, height=512)


@pytest.fixture
def client(sim: Any) -> Iterator[LeonardoClient]:
    with LeonardoClient(SIM_KEY, base_url=sim.base_url) as c:
        yield c


def _pipeline(client: Any, lib: Library, tmp_path: Path, **kw: Any) -> Pipeline:
    options: dict[str, Any] = {
        "poll_interval": 0.05,
        "settle": 0.0,  # the first complete look that finds nothing is final
        "reconcile_delay": 0.05,
        "sleep": lambda s: None,
        **kw,
    }
    return Pipeline(
        client,
        ImageStore(tmp_path / "images"),
        LibraryRecord(lib),
        lambda p: None,
        claim=lib.claim_generation,
        **options,
    )


def _lost_submit(lib: Library, submitted_at: float) -> int:
    """A job whose submit was sent and never answered (what a crash leaves in the library)."""
    job_id = lib.add_job("generation", request_json(REQ))
    lib.update_job(job_id, state=JobState.SUBMITTING, submitted_at=submitted_at)
    return job_id


def _resume(pipeline: Pipeline, job_id: int, submitted_at: float) -> Generation:
    return pipeline.resume(
        job_id,
        generation_id=None,
        prompt=REQ.prompt,
        submitted_at=submitted_at,
        req_json=request_json(REQ),
    )


def test_two_lost_submits_with_one_prompt_each_find_their_own_generation(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    submitted = time.time()
    first = client.create_generation(REQ).generation_id  # the server took both ...
    # Two clicks, not one instant: the server's times have milliseconds (truncated), so with
    # both sent within a millisecond or two of ``submitted`` "the closest" was a coin toss.
    time.sleep(0.01)
    second = client.create_generation(REQ).generation_id
    a, b = _lost_submit(lib, submitted), _lost_submit(lib, submitted)  # ... no answer came back
    pipeline = _pipeline(client, lib, tmp_path)

    assert _resume(pipeline, a, submitted).id == first  # the closest in time
    # For b the closest is first too, but a follows it: b takes the other one.
    assert _resume(pipeline, b, submitted).id == second
    jobs = [lib.get_job(j) for j in (a, b)]
    assert [(j.state.value, j.generation_id) for j in jobs if j] == [
        (DONE, first),
        (DONE, second),
    ]
    assert sim.count("POST", "/generations") == 2  # nothing was sent again
    assert sim.count("GET", "/generations/user/*") == 3  # b looked twice


def test_a_lost_submit_never_takes_an_earlier_job_s_generation(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    """The same prompt was generated a minute ago; this submit never reached the server. The
    earlier generation is not this job's: the job fails (nothing re-sent, nothing charged)."""
    earlier = lib.add_job("generation", request_json(REQ))
    generation = _pipeline(client, lib, tmp_path).run(earlier, REQ)
    later = time.time()
    job_id = _lost_submit(lib, later)

    with pytest.raises(JobFailed, match=r"Nothing was made for this job.*Nothing was charged"):
        _resume(_pipeline(client, lib, tmp_path), job_id, later)
    job = lib.get_job(job_id)
    assert job is not None and job.state.value == FAILED and job.generation_id is None
    assert lib.get_job(earlier).generation_id == generation.id  # type: ignore[union-attr]
    assert sim.count("POST", "/generations") == 1
