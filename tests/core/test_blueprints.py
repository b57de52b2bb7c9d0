"""Blueprint runs end to end on the simulator over real HTTP, into a real library: inputs
checked before sending, image inputs uploaded or sent by address, the execution followed, its
generations stored with their origin, a lost answer looked for and never re-sent, a restart
following the accepted execution again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leodesk.core.api import LeonardoClient, RetryPolicy
from leodesk.core.api.blueprint_models import BlueprintVersion
from leodesk.core.blueprint_inputs import (
    FILE,
    JOB_KIND,
    URL,
    ImageChoice,
    InputError,
    build_job,
    job_body,
    job_from_body,
)
from leodesk.core.blueprints import BlueprintPipeline, BlueprintRecord
from leodesk.core.imagestore import ImageStore, verify_image
from leodesk.core.jobs import JobState
from leodesk.core.library import Library
from leodesk.core.pipeline import JobFailed, Progress
from leodesk.sim import SimConfig, SimServer

KEY = "bp-core-key"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(
        SimConfig(seed=5, generation_seconds=0.1, api_key=KEY, latency_ms=0, seed_generations=1)
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(sim: SimServer) -> Iterator[LeonardoClient]:
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, jitter=0.0)
    with LeonardoClient(KEY, base_url=sim.base_url, retry=retry) as c:
        yield c


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library.db") as lib:
        yield lib


def versions(client: LeonardoClient, prefix: str) -> tuple[Any, list[BlueprintVersion]]:
    bp = next(b for b in client.list_all_blueprints() if b.name.startswith(prefix))
    return bp, client.list_blueprint_versions(bp.id)


def pipeline(client: Any, tmp_path: Path, library: Library, **kw: Any) -> BlueprintPipeline:
    seen: list[Progress] = []
    p = BlueprintPipeline(
        client=client,
        store=ImageStore(tmp_path / "images"),
        persist=BlueprintRecord(library),
        on_progress=seen.append,
        verify=verify_image,
        poll_interval=0.05,
        reconcile_delay=0.05,
        download_delay=0.01,
        **kw,
    )
    p.seen = seen  # type: ignore[attr-defined]
    return p


def stored_job(library: Library, job: Any) -> int:
    job_id = int(library.add_job(JOB_KIND, job_body(job)))
    assert library.claim_job(job_id)
    return job_id


def executes(sim: SimServer) -> int:
    return len(
        [r for r in sim.requests if r.method == "POST" and r.path == "/blueprint-executions"]
    )


def test_wrong_values_are_refused_before_anything_is_sent(client: LeonardoClient) -> None:
    bp, (version,) = versions(client, "Detailed Recipe")
    dish, servings = version.inputs
    cases = [
        ({}, "“Dish” is required"),
        ({dish.key: "pie", servings.key: "lots"}, "takes a number"),
        ({dish.key: "pie", servings.key: "2.5"}, "whole number"),
        ({dish.key: "pie", servings.key: "0"}, "between 1 and 8"),
        ({dish.key: "x" * 201}, "at most 200 characters"),
        ({dish.key: "pie", "nope.text": "1"}, "no input nope.text"),
    ]
    for values, message in cases:
        with pytest.raises(InputError, match=message):
            build_job(bp.id, bp.name, version, values, {})
    with pytest.raises(InputError, match="takes text"):
        build_job(bp.id, bp.name, version, {}, {dish.key: ImageChoice(url="https://x/y.png")})
    golden, (newest, _old) = versions(client, "Golden Hour")
    photo = newest.inputs[0]
    with pytest.raises(InputError, match="takes an image, not text"):
        build_job(golden.id, golden.name, newest, {photo.key: "hello"}, {})
    job = build_job(bp.id, bp.name, version, {dish.key: "pie", servings.key: "3"}, {})
    assert job_from_body(job_body(job)) == job and job.cost == version.cost


def test_a_run_stores_its_generations_with_the_blueprint_as_origin(
    sim: SimServer, client: LeonardoClient, library: Library, tmp_path: Path
) -> None:
    bp, (newest, _old) = versions(client, "Golden Hour")
    picture = tmp_path / "me.png"
    Image.new("RGB", (320, 240), (200, 120, 60)).save(picture)
    photo, mood, warmth = newest.inputs
    job = build_job(
        bp.id,
        bp.name,
        newest,
        {mood.key: "misty", warmth.key: "70"},
        {photo.key: ImageChoice(path=picture)},
    )
    assert job.inputs[0].source == FILE
    job_id = stored_job(library, job)
    before = sim.state.credits
    result = pipeline(client, tmp_path, library).run(job_id, job)
    assert sim.state.credits == before - (newest.cost or 0)
    assert len(result.image_ids) == newest.outputs == 2
    rec = library.get_job(job_id)
    assert (
        rec is not None and rec.state == JobState.DONE and rec.generation_id == result.execution_id
    )
    gen_id = result.generation_ids[0]
    origin = library.generation_origin(gen_id)
    assert origin is not None and origin.name == bp.name and origin.version_id == newest.id
    stored = library.image_records(list(result.image_ids))
    assert all(r.sha256 for r in stored.values())
    sent = next(r for r in sim.requests if r.path == "/blueprint-executions")
    assert sent.json["input"]["nodeInputs"][0]["value"].startswith(sim.origin + "/cdn/")
    gen = library.get_generation(gen_id)
    assert gen is not None and "misty" in gen.prompt


def test_a_gallery_image_is_sent_by_address_without_upload(
    sim: SimServer, client: LeonardoClient, library: Library, tmp_path: Path
) -> None:
    bp, (newest, _old) = versions(client, "Golden Hour")
    url = next(g for g in client.list_generations(sim.user_id) if g.images).images[0].url
    job = build_job(bp.id, bp.name, newest, {}, {newest.inputs[0].key: ImageChoice(url=url)})
    assert job.inputs[0].source == URL
    pipeline(client, tmp_path, library).run(stored_job(library, job), job)
    assert not [r for r in sim.requests if r.path == "/init-image"]


def test_a_lost_answer_is_found_and_never_sent_again(
    sim: SimServer, client: LeonardoClient, library: Library, tmp_path: Path
) -> None:
    bp, (version,) = versions(client, "Detailed Recipe")
    job = build_job(bp.id, bp.name, version, {version.inputs[0].key: "saffron risotto"}, {})
    job_id = stored_job(library, job)
    sim.add_fault("POST", "/blueprint-executions", "500", commit=True, times=1)
    result = pipeline(client, tmp_path, library).run(job_id, job)
    assert executes(sim) == 1
    assert result.execution_id is None and len(result.image_ids) == 1
    assert library.generation_origin(result.generation_ids[0]) is not None
    rec = library.get_job(job_id)
    assert rec is not None and rec.state == JobState.DONE


def test_a_lost_answer_with_nothing_made_fails_saying_nothing_was_charged(
    sim: SimServer, client: LeonardoClient, library: Library, tmp_path: Path
) -> None:
    bp, (version,) = versions(client, "Detailed Recipe")
    job = build_job(bp.id, bp.name, version, {version.inputs[0].key: "plum cake"}, {})
    job_id = stored_job(library, job)
    sim.add_fault("POST", "/blueprint-executions", "500", times=1)
    with pytest.raises(JobFailed, match="Nothing was charged"):
        pipeline(client, tmp_path, library, settle=0.3).run(job_id, job)
    assert executes(sim) == 1
    rec = library.get_job(job_id)
    assert rec is not None and rec.state == JobState.FAILED


def test_a_restart_follows_the_accepted_execution_again(
    sim: SimServer, client: LeonardoClient, library: Library, tmp_path: Path
) -> None:
    bp, (version,) = versions(client, "Detailed Recipe")
    job = build_job(bp.id, bp.name, version, {version.inputs[0].key: "pho"}, {})
    job_id = stored_job(library, job)
    first = pipeline(client, tmp_path, library, cancelled=lambda: executes(sim) > 0)
    with pytest.raises(Exception, match="cancelled"):
        first.run(job_id, job)
    rec = library.get_job(job_id)
    assert rec is not None and rec.generation_id  # accepted before the app "closed"
    again = pipeline(client, tmp_path, library).resume(
        job_id, job, remote_id=rec.generation_id, submitted_at=rec.submitted_at
    )
    assert executes(sim) == 1 and len(again.image_ids) == 1


def test_moderated_inputs_fail_with_the_servers_reason(
    sim: SimServer, client: LeonardoClient, library: Library, tmp_path: Path
) -> None:
    bp, (version,) = versions(client, "Detailed Recipe")
    job = build_job(bp.id, bp.name, version, {version.inputs[0].key: "nsfwword stew"}, {})
    with pytest.raises(JobFailed, match=r"Content policy violation.*not charged"):
        pipeline(client, tmp_path, library).run(stored_job(library, job), job)
