"""A simulator with ``state_dir`` keeps its account: a later server on the folder continues it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from leodesk.sim import SimConfig, SimServer
from tests.sim._util import (
    completed_image,
    download,
    generate,
    generation,
    upload_init_image,
    wait_done,
    wait_until,
    wait_variation,
)

KEY = "sim-test-key"
Open = Callable[..., SimServer]


@pytest.fixture
def open_sim(tmp_path: Path) -> Iterator[Open]:
    """Factory: a server keeping its account in ``tmp_path/account``; all stopped at teardown."""
    servers: list[SimServer] = []

    def factory(**overrides: Any) -> SimServer:
        values: dict[str, Any] = {
            "seed": 1,
            "generation_seconds": 0.05,
            "api_key": KEY,
            "seed_generations": 6,
            "state_dir": str(tmp_path / "account"),
        }
        values.update(overrides)
        sim = SimServer(SimConfig(**values)).start()
        servers.append(sim)
        return sim

    yield factory
    for sim in servers:
        sim.stop()


def client(sim: SimServer) -> httpx.Client:
    return httpx.Client(
        base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=5.0
    )


def listing(api: httpx.Client, user_id: str) -> list[dict[str, Any]]:
    resp = api.get(f"/generations/user/{user_id}", params={"offset": 0, "limit": 50})
    assert resp.status_code == 200, resp.text
    rows: list[dict[str, Any]] = resp.json()["generations"]
    return rows


def all_ids(rows: list[dict[str, Any]]) -> set[str]:
    ids = set()
    for row in rows:
        ids.add(row["id"])
        for img in row["generated_images"]:
            ids.add(img["id"])
            ids.update(v["id"] for v in img["generated_image_variation_generics"])
    return ids


def test_restart_continues_the_account(open_sim: Open, tmp_path: Path) -> None:
    sim = open_sim()
    with client(sim) as api:
        gen_id, image_id = completed_image(api, prompt="kept lighthouse", num_images=2)
        up = api.post("/variations/upscale", json={"id": image_id}).json()["sdUpscaleJob"]
        upscale = wait_variation(api, up["id"])
        motion = api.post(
            "/generations-motion-svd", json={"imageId": image_id, "motionStrength": 3}
        ).json()["motionSvdGenerationJob"]["generationId"]
        (clip,) = wait_done(api, motion)["generated_images"]
        init_id = upload_init_image(sim, api)
        init_url = api.get(f"/init-image/{init_id}").json()["init_images_by_pk"]["url"]
        before = listing(api, sim.user_id)
        me = api.get("/me").json()["user_details"][0]
        urls = [i["url"] for i in generation(api, gen_id)["generated_images"]]
        urls += [upscale["url"], init_url, clip["url"], clip["motionMP4URL"]]
        blobs = [download(u).content for u in urls]
    user_id, origin = sim.user_id, sim.origin
    sim.stop()
    assert (tmp_path / "account" / "state.json").is_file()

    again = open_sim()
    assert again.state.restored
    assert again.user_id == user_id
    assert again.origin == origin  # the port is reused, so old URLs keep working
    with client(again) as api:
        after = listing(api, user_id)
        assert [r["id"] for r in after] == [r["id"] for r in before]
        assert after == before
        assert len(after) == 8  # 6 seeded once + 1 image + 1 motion made, no second seeding
        me2 = api.get("/me").json()["user_details"][0]
        assert me2["apiSubscriptionTokens"] == me["apiSubscriptionTokens"]
        assert me2["apiPaidTokens"] == me["apiPaidTokens"]
        # Every URL handed out before serves the same bytes.
        assert [download(u).content for u in urls] == blobs
        # The old upload is still a valid init image; the old image can be upscaled.
        new_gen = generate(api, prompt="from the old upload", init_image_id=init_id)
        assert wait_done(api, new_gen)["status"] == "COMPLETE"
        var = api.post("/variations/upscale", json={"id": image_id})
        assert var.status_code == 200, var.text
        assert wait_variation(api, var.json()["sdUpscaleJob"]["id"])["status"] == "COMPLETE"
        # New ids never repeat old ones.
        assert new_gen not in all_ids(before)
        now = listing(api, user_id)
        assert not all_ids(now[:1]) & all_ids(before)
        assert [r["id"] for r in now[1:]] == [r["id"] for r in before]


def test_the_billed_request_window_survives_a_restart(open_sim: Open) -> None:
    """The per-minute budget of billed requests is the server's: a restart does not reset it."""
    sim = open_sim(rate_limit_per_minute=2)
    with client(sim) as api:
        generate(api)
        generate(api)
        assert api.post("/generations", json={"prompt": "third"}).status_code == 429
    sim.stop()
    again = open_sim(rate_limit_per_minute=2)
    with client(again) as api:
        refused = api.post("/generations", json={"prompt": "third, after a restart"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 50


def test_pending_jobs_finish_after_a_restart_at_their_own_time(open_sim: Open) -> None:
    sim = open_sim(generation_seconds=0.6, concurrency_slots=1)
    with client(sim) as api:
        first = generate(api, prompt="first in line")
        second = generate(api, prompt="waits for the slot")
        assert generation(api, first)["status"] == "PENDING"
        credits = sim.state.credits
    sim.stop()
    time.sleep(0.7)  # the first job's time passes while nothing serves the account

    again = open_sim(generation_seconds=0.6, concurrency_slots=1)
    with client(again) as api:
        row = generation(api, first)
        assert row["status"] == "COMPLETE" and len(row["generated_images"]) == 1
        assert download(row["generated_images"][0]["url"]).status_code == 200
        # The second took the slot when the first finished, while the server was down.
        job = again.state.job(second)
        assert job is not None and job.started_at is not None
        assert job.started_at < time.monotonic()
        assert wait_done(api, second, timeout=3)["status"] == "COMPLETE"
        assert again.state.credits == credits  # billed once, never refunded or billed again


def test_ids_handed_out_after_the_last_write_are_never_repeated(open_sim: Open) -> None:
    """A crash loses what was not written yet, but the next run never reuses its ids."""
    sim = open_sim(save_interval_s=60)
    assert not sim.save()  # the seeded account was written at start: nothing new
    with client(sim) as api:
        lost = {
            api.post("/init-image", json={"extension": "png"}).json()["uploadInitImage"]["id"]
            for _ in range(4)
        }
        lost_gen = generate(api, prompt="made just before a crash")
        lost |= all_ids([wait_done(api, lost_gen)])
    # A crash: the folder is given up without writing the last changes.
    sim.state.close_store()
    again = open_sim()
    with client(again) as api:
        assert generation(api, lost_gen) is None
        fresh = {
            api.post("/init-image", json={"extension": "png"}).json()["uploadInitImage"]["id"]
            for _ in range(4)
        }
        made = generate(api, prompt="made after the crash")
        fresh |= all_ids([wait_done(api, made)])
    assert len(fresh) == len(lost) == 6
    assert not fresh & lost


def test_a_second_process_gets_a_copy_and_does_not_write(
    open_sim: Open, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    owner = open_sim()
    with caplog.at_level(logging.WARNING, logger="leodesk.sim"):
        copy = open_sim()
    assert owner.state.kept and not copy.state.kept
    assert "another process keeps the demo account" in caplog.text
    assert copy.user_id == owner.user_id
    with client(owner) as a, client(copy) as b:
        mine = generate(a, prompt="kept")
        theirs = generate(b, prompt="not kept")
        assert mine != theirs
        assert wait_done(b, theirs)["status"] == "COMPLETE"
    copy.stop()
    owner.stop()
    again = open_sim()
    ids = again.state.generation_ids()
    assert mine in ids and theirs not in ids


@pytest.mark.parametrize(
    "content",
    [
        b"{not json at all",
        b"",
        b'{"format": "leodesk-sim-state", "version": 1, "user_id": "u"}',
        b'{"format": "something-else"}',
        b"\xff\xfe\x00garbage",
    ],
    ids=["damaged", "empty", "inconsistent", "foreign", "binary"],
)
def test_an_unreadable_state_file_is_moved_aside_and_a_new_account_starts(
    open_sim: Open, tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    folder = tmp_path / "account"
    folder.mkdir()
    (folder / "state.json").write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="leodesk.sim"):
        sim = open_sim()
    assert not sim.state.restored
    aside = list(folder.glob("state.json.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert "moved" in caplog.text or "kept it as" in caplog.text
    with client(sim) as api:
        assert len(listing(api, sim.user_id)) == 6  # a new account, seeded
        made = generate(api, prompt="after the damage")
        wait_done(api, made)
    sim.stop()
    saved = json.loads((folder / "state.json").read_bytes())
    assert saved["format"] == "leodesk-sim-state"
    assert open_sim().state.generation_ids()[0] == made


def test_writes_are_atomic_and_only_after_changes(open_sim: Open, tmp_path: Path) -> None:
    sim = open_sim(save_interval_s=0.05)
    state = tmp_path / "account" / "state.json"
    wait_until(state.is_file)
    written = state.stat().st_mtime_ns
    with client(sim) as api:
        for _ in range(20):  # reads change nothing
            api.get("/me")
            api.get(f"/generations/user/{sim.user_id}")
        time.sleep(0.2)
        assert state.stat().st_mtime_ns == written
        assert not sim.save()
        generate(api, prompt="a change")
        wait_until(lambda: state.stat().st_mtime_ns != written)
    assert [p.name for p in state.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_fresh_account_keeps_the_seeded_history_but_never_repeats_new_ids(
    tmp_path: Path,
) -> None:
    """Started afresh (first launch, or after a damaged file), the demo account is the same
    user with the same seeded history, so a library synced earlier still matches it; what it
    makes from then on never reuses an id an earlier account in that folder handed out."""
    made: list[set[str]] = []
    for name in ("a", "b"):
        cfg = SimConfig(
            seed=1,
            state_dir=str(tmp_path / name),
            seed_generations=2,
            api_key=KEY,
            generation_seconds=0.05,
        )
        with SimServer(cfg) as sim, client(sim) as api:
            assert len(sim.state.generation_ids()) == 2
            history = (sim.user_id, sim.state.generation_ids())
            new = {
                api.post("/init-image", json={"extension": "png"}).json()["uploadInitImage"]["id"]
                for _ in range(3)
            }
            new |= all_ids([wait_done(api, generate(api, prompt="new"))])
            made.append(new)
        if name == "a":
            first_history = history
    assert history == first_history
    assert not made[0] & made[1]


def test_demo_runtime_continues_the_first_launch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leodesk import runtime

    monkeypatch.setenv("LEODESK_HOME", str(tmp_path / "home"))
    fast = {"generation_seconds": 0.05, "latency_ms": 0}
    first = runtime.start(demo=True, sim_options=fast)
    try:
        assert first.sim is not None
        folder = first.paths.sim_state
        assert folder.is_relative_to(tmp_path / "home")
        key = first.api_key()
        assert key
        with httpx.Client(
            base_url=first.base_url or "", headers={"Authorization": f"Bearer {key}"}
        ) as api:
            made = generate(api, prompt="a demo picture")
            row = wait_done(api, made)
            url = row["generated_images"][0]["url"]
            picture = download(url).content
            user_id = first.sim.user_id
            before = listing(api, user_id)
            credits = first.sim.state.credits
    finally:
        first.close()
    assert (folder / "state.json").is_file()

    second = runtime.start(demo=True, sim_options=fast)
    try:
        assert second.sim is not None
        assert second.sim.user_id == user_id
        assert second.sim.state.credits == credits
        with httpx.Client(
            base_url=second.base_url or "",
            headers={"Authorization": f"Bearer {second.api_key()}"},
        ) as api:
            assert listing(api, user_id) == before
            assert len(second.sim.state.generation_ids()) == 150 + 2 + 1  # seeded, videos, made
            assert download(url).content == picture
            newer = generate(api, prompt="a second launch picture")
            assert newer not in all_ids(before)
    finally:
        second.close()


def test_unchanged_generations_are_encoded_once(open_sim: Open) -> None:
    """A write re-encodes only what changed, so a big account stays cheap to keep."""
    sim = open_sim(seed_generations=40)
    first = sim.state.snapshot().parts["generations"]
    with client(sim) as api:
        _, image_id = completed_image(api, prompt="one more")
    second = sim.state.snapshot().parts["generations"]
    assert len(second) == len(first) + 1
    assert all(a is b for a, b in zip(first, second, strict=False))  # reused, not re-encoded
    with client(sim) as api:
        api.post("/variations/upscale", json={"id": image_id})
    third = sim.state.snapshot().parts["generations"]
    assert third[-1] is not second[-1] and '"variation_ids":["' in third[-1]
    assert all(a is b for a, b in zip(second[:-1], third[:-1], strict=True))


def test_a_saved_account_with_a_damaged_row_is_moved_aside(
    open_sim: Open, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    open_sim().stop()
    state = tmp_path / "account" / "state.json"
    data = json.loads(state.read_bytes())
    data["generations"][0]["images"] = "not a list of images"
    state.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING, logger="leodesk.sim"):
        sim = open_sim()
    assert not sim.state.restored and "inconsistent" in caplog.text
    (aside,) = state.parent.glob("state.json.unreadable-*")
    assert json.loads(aside.read_bytes()) == data
    with client(sim) as api:
        assert len(listing(api, sim.user_id)) == 6


def test_an_unusable_folder_does_not_stop_the_simulator(
    open_sim: Open, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.ERROR, logger="leodesk.sim"):
        sim = open_sim(state_dir=str(blocker / "account"))
    assert "cannot use" in caplog.text and not sim.state.kept
    with client(sim) as api:
        assert wait_done(api, generate(api))["status"] == "COMPLETE"
    sim.stop()
    assert blocker.read_text() == "not a folder"
