"""Video jobs over the simulator on real HTTP: the MP4 downloaded whole, probed, its poster kept
as the item's picture, the facts in the library; a lost submit found, never sent again; a
restart follows the accepted job; probe/poster on real files."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leodesk.core.api import GenerationRequest, LeonardoClient
from leodesk.core.api.video import FrameRef, VideoRequest
from leodesk.core.imagestore import ImageStore, verify_image
from leodesk.core.jobs import JobState
from leodesk.core.library import ImageKind, Library
from leodesk.core.pipeline import DONE, FAILED, JobFailed
from leodesk.core.video import VideoError, poster, probe
from leodesk.core.video_job import (
    JOB_KIND,
    LibraryVideoRecord,
    VideoJob,
    VideoPipeline,
    job_body,
    job_from_body,
)
from tests.conftest import SIM_KEY


@pytest.fixture
def client(sim: Any) -> Iterator[LeonardoClient]:
    with LeonardoClient(SIM_KEY, base_url=sim.base_url) as c:
        yield c


def _pipeline(client: Any, lib: Library, tmp_path: Path, **kw: Any) -> VideoPipeline:
    options: dict[str, Any] = {
        "poll_interval": 0.05,
        "settle": 0.0,
        "reconcile_delay": 0.05,
        "sleep": lambda s: None,
        **kw,
    }
    return VideoPipeline(
        client,
        ImageStore(tmp_path / "images"),
        LibraryVideoRecord(lib),
        lambda p: None,
        verify=verify_image,
        claim=lib.claim_generation,
        **options,
    )


def _stored_job(lib: Library, job: VideoJob) -> int:
    return int(lib.add_job(JOB_KIND, job_body(job)))


def _count(sim: Any, path: str) -> int:
    return sum(1 for r in sim.requests if r.method == "POST" and r.path.endswith(path))


def test_job_bodies_round_trip() -> None:
    req = VideoRequest("x", image=FrameRef("a"), end_frame=FrameRef("b", "UPLOADED"), seed=4)
    job = VideoJob(req, "gen-1")
    assert job_from_body(job_body(job)) == job
    with pytest.raises(ValueError):
        job_from_body('{"video": {"no": "prompt"}}')


def test_text_to_video_lands_in_the_library(
    client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    job = VideoJob(VideoRequest("a comet over the sea", model="VEO3", duration=4))
    job_id = _stored_job(lib, job)
    made = _pipeline(client, lib, tmp_path).run(job_id, job)
    assert made.info.duration == 4.0 and made.info.fps == 24.0 and not made.info.has_audio
    assert made.path.read_bytes()[4:8] == b"ftyp"
    (record,) = lib.image_records([made.image_id]).values()
    assert record.kind == ImageKind.MOTION and record.is_video and record.video_duration == 4.0
    assert record.has_file  # the poster frame, taken from the MP4
    stored = ImageStore(tmp_path / "images").path_for(record.sha256 or "", record.ext or "")
    with Image.open(stored) as picture:
        assert picture.size == (made.info.width, made.info.height) == (640, 360)
    video = lib.get_video(made.image_id)
    assert video is not None and video.origin == "text_to_video" and video.model == "VEO3"
    assert (video.width, video.height, video.fps) == (640, 360, 24.0)
    rec = lib.get_job(job_id)
    assert rec is not None and rec.state is JobState.DONE


def test_image_to_video_is_a_child_of_its_image(
    client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    made = client.create_generation(
        GenerationRequest("a pier", width=512, height=512, num_images=1)
    )
    gen = client.wait_for_generation(made.generation_id, interval=0.05)
    lib.upsert_generation(gen)
    source = gen.images[0].id or ""
    job = VideoJob(VideoRequest("the tide rises", image=FrameRef(source)), gen.id)
    result = _pipeline(client, lib, tmp_path).run(_stored_job(lib, job), job)
    assert [r.id for r in lib.children_of(source)] == [result.image_id]
    video = lib.get_video(result.image_id)
    assert video is not None and video.origin == "image_to_video"


def test_a_lost_answer_is_found_and_never_sent_again(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    sim.add_fault("POST", "/generations-text-to-video", "reset", commit=True, times=1)
    job = VideoJob(VideoRequest("a lost lantern", prompt_enhance=True))
    job_id = _stored_job(lib, job)
    made = _pipeline(client, lib, tmp_path).run(job_id, job)
    assert _count(sim, "/generations-text-to-video") == 1
    assert lib.get_video(made.image_id) is not None
    rec = lib.get_job(job_id)
    assert (
        rec is not None and rec.state is JobState.DONE and rec.generation_id == made.generation_id
    )


def test_a_lost_answer_that_made_nothing_fails_without_a_resend(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    sim.add_fault("POST", "/generations-text-to-video", "reset", times=1)  # nothing performed
    job = VideoJob(VideoRequest("never made"))
    job_id = _stored_job(lib, job)
    with pytest.raises(JobFailed, match="not charged twice"):
        _pipeline(client, lib, tmp_path).run(job_id, job)
    assert _count(sim, "/generations-text-to-video") == 1
    rec = lib.get_job(job_id)
    assert rec is not None and rec.state.value == FAILED


def test_a_restart_follows_the_accepted_job(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    job = VideoJob(VideoRequest("picked up later"))
    job_id = _stored_job(lib, job)
    accepted = client.create_video(job.request).generation_id
    lib.update_job(job_id, state=JobState.SUBMITTING, submitted_at=time.time())
    lib.update_job(job_id, state=JobState.PENDING, generation_id=accepted)
    made = _pipeline(client, lib, tmp_path).resume(
        job_id, job, remote_id=accepted, submitted_at=None
    )
    assert made.generation_id == accepted
    assert _count(sim, "/generations-text-to-video") == 1
    rec = lib.get_job(job_id)
    assert rec is not None and rec.state.value == DONE


def test_a_refused_option_fails_with_the_servers_reason(
    client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    job = VideoJob(VideoRequest("x", model="VEO3", frame_interpolation=True))
    with pytest.raises(JobFailed, match="frameInterpolation"):
        _pipeline(client, lib, tmp_path).run(_stored_job(lib, job), job)


def test_a_request_the_client_refuses_fails_before_sending(
    sim: Any, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    job = VideoJob(VideoRequest("   "))
    job_id = _stored_job(lib, job)
    with pytest.raises(JobFailed, match="needs a prompt"):
        _pipeline(client, lib, tmp_path).run(job_id, job)
    rec = lib.get_job(job_id)
    assert rec is not None and rec.state.value == FAILED and rec.submitted_at is None
    assert _count(sim, "/generations-text-to-video") == 0


def test_probe_and_poster_refuse_what_is_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 50)
    with pytest.raises(VideoError, match="not a video"):
        probe(bad)
    with pytest.raises(VideoError, match="missing"):
        poster(tmp_path / "none.mp4")
