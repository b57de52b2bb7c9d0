"""The variation / motion pipeline against the simulator, with a real library and image store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api.client import LeonardoClient
from leodesk.core.api.errors import WaitCancelledError
from leodesk.core.api.models import GenerationRequest
from leodesk.core.imagestore import ImageStore
from leodesk.core.library import Library
from leodesk.core.pipeline import JobFailed, LibraryRecord
from leodesk.core.variations import (
    JOB_KIND,
    Kind,
    Source,
    UniversalOptions,
    VariationJob,
    VariationPipeline,
    cost_of,
    cost_text,
    job_body,
    job_from_body,
    video_path,
)
from leodesk.core.video_job import record_motion_probed
from tests.conftest import SIM_KEY


class _Persist:
    def __init__(self, lib: Library) -> None:
        self.lib = lib

    def add_variation_child(
        self, *, image_id: str, source: Source, transform: str, url: Any, created_at: Any
    ) -> None:
        self.lib.add_variation_child(
            image_id=image_id, parent_image_id=source.image_id, transform=transform, url=url
        )

    def add_motion_child(self, generation: Any, source: Source) -> None:
        self.lib.upsert_generation(generation)
        for image in generation.images:
            self.lib.set_image_parent(image.id, source.image_id, Kind.MOTION.value)

    def image_stored(self, image_id: str, sha256: str, ext: str) -> None:
        self.lib.set_image_file(image_id, sha256, ext)

    def motion_probed(self, image_id: str, info: Any, sha256: str) -> None:
        record_motion_probed(self.lib, image_id, info, sha256)

    # the job row, when the test stored one (job ids of plain runs are just labels)
    def _job(self, job_id: int, **fields: Any) -> None:
        if self.lib.get_job(job_id) is not None:
            LibraryRecord(self.lib).move(job_id, **fields)

    def job_submitting(self, job_id: int, submitted_at: float) -> None:
        self._job(job_id, state="submitting", submitted_at=submitted_at)

    def job_accepted(self, job_id: int, remote_id: str) -> None:
        self._job(job_id, state="pending", generation_id=remote_id)

    def job_checking(self, job_id: int) -> None:
        self._job(job_id, state="unknown")

    def stored_images(self, generation_id: str) -> set[str]:
        return self.lib.stored_image_ids(generation_id)

    def job_ended(self, job_id: int, state: str, message: str | None) -> None:
        self._job(job_id, state=state, error=message)


@pytest.fixture
def setup(sim: Any, tmp_path: Path) -> Any:
    client = LeonardoClient(SIM_KEY, base_url=sim.base_url)
    lib = Library.open(tmp_path / "lib.db")
    store = ImageStore(tmp_path / "images")
    job = client.create_generation(GenerationRequest(prompt="a red fox", num_images=1))
    gen = client.wait_for_generation(job.generation_id, interval=0.05)
    lib.upsert_generation(gen)
    seen: list[Any] = []
    pipe = VariationPipeline(
        client,
        store,
        _Persist(lib),
        seen.append,
        poll_interval=0.05,
        max_poll_interval=0.2,
        reconcile_delay=0.01,
        reconcile_max_delay=0.1,
        settle=0.0,  # the first complete look that finds nothing is final
    )
    yield client, lib, store, pipe, gen, seen
    lib.close()
    client.close()


def _source(lib: Library, image_id: str) -> Source:
    rec = lib.image_records([image_id])[image_id]
    return Source(
        rec.id,
        rec.generation_id,
        rec.kind == "variation",
        rec.index,
        rec.width,
        rec.height,
        rec.prompt,
    )


def test_chain_of_variations_and_motion(setup: Any) -> None:
    _client, lib, store, pipe, gen, seen = setup
    root = gen.images[0].id
    up = pipe.run(1, Kind.UPSCALE, _source(lib, root))
    assert up.cost == 15
    nobg = pipe.run(2, Kind.NOBG, _source(lib, up.image_id))
    motion = pipe.run(3, Kind.MOTION, _source(lib, root), motion_strength=3)
    assert [r.id for r in lib.ancestors_of(nobg.image_id)] == [up.image_id, root]
    assert {r.id for r in lib.children_of(root)} == {up.image_id, motion.image_id}
    rec = lib.image_records([motion.image_id])[motion.image_id]
    assert rec.kind == "motion" and rec.transform == "MOTION_SVD" and rec.has_file
    assert motion.video == video_path(store.root, motion.image_id) and motion.video.is_file()
    assert seen[-1].state == "done"
    assert rec.is_video and rec.video_duration == 4.0  # the real MP4, probed: the gallery badge
    facts = lib.get_video(motion.image_id)
    assert facts is not None and facts.origin == "motion" and facts.fps == 24.0


def test_upscale_of_a_variation_is_refused_before_sending(setup: Any, sim: Any) -> None:
    _client, lib, _store, pipe, gen, _seen = setup
    up = pipe.run(1, Kind.UPSCALE, _source(lib, gen.images[0].id))
    before = sim.count("POST", "/variations/upscale")
    with pytest.raises(JobFailed, match="universal upscaler"):
        pipe.run(2, Kind.UPSCALE, _source(lib, up.image_id))
    assert sim.count("POST", "/variations/upscale") == before


def test_costs(setup: Any) -> None:
    client, lib, _store, _pipe, gen, _seen = setup
    src = _source(lib, gen.images[0].id)
    assert cost_of(client.price, Kind.MOTION, src) == 45
    assert cost_of(client.price, Kind.UNIVERSAL, src, UniversalOptions(multiplier=2.0)) > 10
    assert cost_of(client.price, Kind.UPSCALE, src) is None
    assert cost_of(client.price, Kind.UPSCALE, src, known={Kind.UPSCALE: 15}) == 15
    assert cost_text(Kind.UPSCALE, 15) == "Upscale costs 15 credits."
    with pytest.raises(ValueError):
        UniversalOptions(creativity=11)


def test_a_sync_keeps_the_exact_parent_of_a_variation_of_a_variation(tmp_path: Path) -> None:
    """The server lists every variation under the root image; the library keeps the parent the
    app recorded when it made the variation."""
    from leodesk.core.api.models import GeneratedImage, Generation, Variation

    lib = Library.open(tmp_path / "lineage.sqlite3")
    root = GeneratedImage(id="root", url="http://127.0.0.1:9/root.jpg")
    lib.upsert_generation(Generation(id="g", status="COMPLETE", prompt="p", images=(root,)))
    lib.add_variation_child(
        image_id="v1", parent_image_id="root", transform="UPSCALE", url="http://127.0.0.1:9/v1.jpg"
    )
    lib.add_variation_child(
        image_id="v2", parent_image_id="v1", transform="NOBG", url="http://127.0.0.1:9/v2.jpg"
    )
    synced_root = GeneratedImage(
        id="root",
        url="http://127.0.0.1:9/root.jpg",
        variations=(
            Variation(
                id="v1",
                status="COMPLETE",
                transform_type="UPSCALE",
                url="http://127.0.0.1:9/v1.jpg",
            ),
            Variation(
                id="v2", status="COMPLETE", transform_type="NOBG", url="http://127.0.0.1:9/v2.jpg"
            ),
        ),
    )
    lib.upsert_generation(Generation(id="g", status="COMPLETE", prompt="p", images=(synced_root,)))
    records = lib.image_records(["v1", "v2"])
    assert records["v1"].parent_image_id == "root"
    assert records["v2"].parent_image_id == "v1"
    lib.close()


def test_a_stored_job_round_trips_and_a_bad_body_is_refused() -> None:
    job = VariationJob(
        Kind.UNIVERSAL,
        Source("img", "gen", True, 2, 512, 768, "a fox in the snow"),
        UniversalOptions(creativity=7, multiplier=1.5),
    )
    assert job_from_body(job_body(job)) == job
    assert job.label == "Universal upscale · a fox in the snow"
    for bad in ("", "{}", '{"variation": "SHARPEN", "source": {"image_id": "x"}}', "[1]"):
        with pytest.raises(ValueError):
            job_from_body(bad)


@pytest.mark.parametrize("kind", [Kind.UNZOOM, Kind.MOTION])
def test_a_job_cut_off_while_followed_resumes_without_a_second_submit(
    setup: Any, sim: Any, kind: Kind
) -> None:
    client, lib, store, _pipe, gen, _seen = setup
    source = _source(lib, gen.images[0].id)
    job = VariationJob(kind, source, motion_strength=2)
    job_id = lib.add_job(JOB_KIND, job_body(job))
    stop = {"now": False}
    seen: list[Any] = []

    def progress(p: Any) -> None:
        seen.append(p)
        if p.state == "pending":
            stop["now"] = True  # the app closes while the server works on it

    first = VariationPipeline(
        client,
        store,
        _Persist(lib),
        progress,
        cancelled=lambda: stop["now"],
        poll_interval=0.05,
    )
    with pytest.raises(WaitCancelledError):
        first.run(job_id, kind, source, motion_strength=2)
    row = lib.get_job(job_id)
    assert row is not None and row.state.value == "pending" and row.generation_id
    posts = len([q for q in sim.requests if q.method == "POST"])

    # the next start: the same stored job, followed again by its server id
    again = VariationPipeline(client, store, _Persist(lib), seen.append, poll_interval=0.05)
    child = again.resume(
        job_id,
        job_from_body(row.request_json),
        remote_id=row.generation_id,
        submitted_at=row.submitted_at,
    )
    assert len([q for q in sim.requests if q.method == "POST"]) == posts  # nothing re-sent
    assert lib.get_job(job_id).state.value == "done"  # type: ignore[union-attr]
    assert [a.id for a in lib.ancestors_of(child.image_id)] == [source.image_id]


def test_a_job_sent_without_an_answer_is_not_sent_again(setup: Any, sim: Any) -> None:
    _client, lib, _store, pipe, gen, _seen = setup
    source = _source(lib, gen.images[0].id)
    job_id = lib.add_job(JOB_KIND, job_body(VariationJob(Kind.NOBG, source)))
    lib.update_job(job_id, state="submitting", submitted_at=1_700_000_000.0)  # then killed
    before = sim.count("POST", "/variations/nobg")
    with pytest.raises(JobFailed, match="Nothing was charged"):
        pipe.resume(
            job_id,
            VariationJob(Kind.NOBG, source),
            remote_id=None,
            submitted_at=1_700_000_000.0,
        )
    assert sim.count("POST", "/variations/nobg") == before
    row = lib.get_job(job_id)
    assert row is not None and row.state.value == "failed" and "Nothing was made" in row.error


def test_a_job_whose_answer_was_lost_is_found_on_the_server(setup: Any, sim: Any) -> None:
    client, lib, _store, pipe, gen, _seen = setup
    source = _source(lib, gen.images[0].id)
    job_id = lib.add_job(JOB_KIND, job_body(VariationJob(Kind.UNZOOM, source)))
    sent = time.time()
    lib.update_job(job_id, state="submitting", submitted_at=sent)
    made = client.unzoom(source.image_id)  # the server made it; the app never heard back
    before = sim.count("POST", "/variations/unzoom")
    child = pipe.resume(
        job_id, VariationJob(Kind.UNZOOM, source), remote_id=None, submitted_at=sent
    )
    assert child.image_id == made.id  # found by its kind, place and time, not sent again
    assert sim.count("POST", "/variations/unzoom") == before
    row = lib.get_job(job_id)
    assert row is not None and row.state.value == "done" and row.generation_id == made.id
    # made before the job was sent (no clock skew allowed here): not taken for it
    other = lib.add_job(JOB_KIND, job_body(VariationJob(Kind.UNZOOM, source)))
    late = time.time() + 0.3
    lib.update_job(other, state="submitting", submitted_at=late)
    pipe.reconcile_skew = 0.0
    with pytest.raises(JobFailed, match="Nothing was charged"):
        pipe.resume(other, VariationJob(Kind.UNZOOM, source), remote_id=None, submitted_at=late)
