"""A submit whose answer was lost is never a failure and never a resend: the job keeps looking
(through 429s, 5xx and network errors of the look itself, however many generations were made
since) until it finds its generation, and says "nothing was charged" only when that is certain.
Every case runs the real pipeline against the simulator over HTTP, with a real library."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api import LeonardoClient
from leodesk.core.api.models import GenerationRequest
from leodesk.core.imagestore import ImageStore
from leodesk.core.library import Library
from leodesk.core.pipeline import (
    DONE,
    FAILED,
    UNKNOWN,
    JobFailed,
    LibraryRecord,
    Pipeline,
    Progress,
    request_json,
)
from tests.conftest import SIM_KEY

REQ = GenerationRequest(prompt="a lighthouse in a storm", num_images=2, width=512, height=512)
LIST = "/generations/user/*"


@pytest.fixture
def client(sim: Any) -> Iterator[LeonardoClient]:
    # The client's own retries do not wait (the pipeline's waits are what is tested).
    with LeonardoClient(SIM_KEY, base_url=sim.base_url, sleep=lambda s: None) as c:
        yield c


def _pipeline(
    client: Any, lib: Library, tmp_path: Path, progress: list[Progress], **kw: Any
) -> Pipeline:
    options: dict[str, Any] = {
        "poll_interval": 0.05,
        "reconcile_delay": 0.05,
        "reconcile_max_delay": 0.2,
        "settle": 30.0,
        **kw,
    }
    return Pipeline(
        client,
        ImageStore(tmp_path / "images"),
        LibraryRecord(lib),
        progress.append,
        claim=lib.claim_generation,
        **options,
    )


def _job(lib: Library) -> int:
    return lib.add_job("generation", request_json(REQ))


def _made(sim: Any) -> list[str]:
    return list(sim.state.generation_ids())


def test_a_429_while_looking_is_not_taken_for_a_refused_submit(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    """The submit is accepted but its answer is lost; the first look is answered 429 past
    every retry of the client. The job keeps looking and follows its generation: one submit."""
    sim.add_fault("POST", "/generations", "reset", commit=True, times=1)
    sim.add_fault("GET", LIST, "429", retry_after=0, times=5)  # the client's 5 attempts
    progress: list[Progress] = []
    job_id = _job(lib)
    gen = _pipeline(client, lib, tmp_path, progress).run(job_id, REQ)

    assert sim.count("POST", "/generations") == 1
    assert _made(sim) == [gen.id]
    job = lib.get_job(job_id)
    assert job is not None and (job.state.value, job.generation_id) == (DONE, gen.id)
    said = [p.message for p in progress if p.state == UNKNOWN]
    assert any("Too many requests" in m or "429" in m or "Trying again" in m for m in said), said
    assert len(lib.stored_image_ids(gen.id or "")) == 2


@pytest.mark.parametrize("fault", ["500", "502", "reset"])
def test_server_and_network_errors_while_looking_never_end_the_search(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path, fault: str
) -> None:
    sim.add_fault("POST", "/generations", "500", commit=True, times=1)
    sim.add_fault("GET", LIST, fault, times=12)  # more than two looks' worth of retries
    progress: list[Progress] = []
    job_id = _job(lib)
    gen = _pipeline(client, lib, tmp_path, progress).run(job_id, REQ)
    assert sim.count("POST", "/generations") == 1
    job = lib.get_job(job_id)
    assert job is not None and (job.state.value, job.generation_id) == (DONE, gen.id)
    assert sum(1 for p in progress if "Trying again" in p.message) >= 2


def test_a_busy_account_is_paged_back_to_the_send(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    """Sixty other generations were made after the lost submit (a busy queue): the look pages
    back through all of them to the one this job made."""
    sent_at = time.time()
    mine = client.create_generation(REQ).generation_id  # accepted; pretend the answer was lost
    job_id = _job(lib)
    lib.update_job(job_id, state="submitting", submitted_at=sent_at)
    for n in range(60):
        client.create_generation(
            GenerationRequest(prompt=f"a busy day {n}", num_images=1, width=512, height=512)
        )
    sim.clear_requests()
    progress: list[Progress] = []
    gen = _pipeline(client, lib, tmp_path, progress).resume(
        job_id,
        generation_id=None,
        prompt=REQ.prompt,
        submitted_at=sent_at,
        req_json=request_json(REQ),
    )
    assert gen.id == mine
    assert sim.count("GET", LIST) >= 2  # more than one page
    assert sim.count("POST", "/generations") == 0


def test_not_charged_is_said_only_once_it_is_certain(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    """The connection dies before the server took the job. Complete looks that find nothing
    are not enough until ``settle`` seconds after the send; then the job fails and says that
    nothing was charged."""
    sim.add_fault("POST", "/generations", "reset", times=1)  # nothing performed
    progress: list[Progress] = []
    job_id = _job(lib)
    started = time.monotonic()
    with pytest.raises(JobFailed, match=r"Nothing was made for this job.*Nothing was charged"):
        _pipeline(client, lib, tmp_path, progress, settle=1.0).run(job_id, REQ)
    assert time.monotonic() - started >= 1.0
    assert sim.count("GET", LIST) >= 3  # it looked again and again meanwhile
    assert sim.count("POST", "/generations") == 1 and _made(sim) == []
    job = lib.get_job(job_id)
    assert job is not None and job.state.value == FAILED and job.generation_id is None
    assert any("not among your jobs yet" in p.message for p in progress)


def test_a_job_checking_when_the_app_closes_stays_checking(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    """Closing the app while a job is being looked for leaves it UNKNOWN with its send time:
    the next start looks again (never sends again), and finds it."""
    sim.add_fault("POST", "/generations", "reset", commit=True, times=1)
    sim.add_fault("GET", LIST, "500", times=1000)
    closing = {"now": False}
    progress: list[Progress] = []

    def on_progress(p: Progress) -> None:
        progress.append(p)
        if "Trying again" in p.message:
            closing["now"] = True

    job_id = _job(lib)
    pipeline = _pipeline(client, lib, tmp_path, [], cancelled=lambda: closing["now"])
    pipeline.on_progress = on_progress
    with pytest.raises(Exception, match="cancelled"):
        pipeline.run(job_id, REQ)
    job = lib.get_job(job_id)
    assert job is not None and job.state.value == UNKNOWN and job.submitted_at is not None

    sim.clear_faults()
    gen = _pipeline(client, lib, tmp_path, []).resume(
        job_id,
        generation_id=None,
        prompt=REQ.prompt,
        submitted_at=job.submitted_at,
        req_json=request_json(REQ),
    )
    assert _made(sim) == [gen.id]
    assert sim.count("POST", "/generations") == 1


@pytest.mark.parametrize("fault", ["short_length", "html200", "bomb", "malformed_json"])
def test_an_image_broken_once_is_downloaded_again_and_stored_whole(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path, fault: str
) -> None:
    """The CDN answers 200 with bytes that do not decode (cut with an honest Content-Length, a
    web page, a decompression bomb): the image is fetched again, and the job is done only with
    every image whole."""
    from leodesk.core.imagestore import verify_image

    sim.add_fault("GET", "/cdn/*Leonardo_0.*", fault, times=1)
    progress: list[Progress] = []
    job_id = _job(lib)
    pipeline = _pipeline(client, lib, tmp_path, progress, download_delay=0.01)
    pipeline.verify = verify_image
    gen = pipeline.run(job_id, REQ)
    job = lib.get_job(job_id)
    assert job is not None and job.state.value == DONE
    assert len(lib.stored_image_ids(gen.id or "")) == 2
    assert sim.count("GET", "/cdn/*Leonardo_0.*") == 2  # the broken answer, then a whole one
