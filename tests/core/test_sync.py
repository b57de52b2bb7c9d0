"""The sync engine against the simulator over loopback HTTP, into real SQLite files."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api import GenerationRequest, LeonardoClient
from leodesk.core.api.errors import RateLimitedError
from leodesk.core.api.models import Generation
from leodesk.core.api.retry import RetryPolicy
from leodesk.core.imagestore import ImageStore
from leodesk.core.library import Library
from leodesk.core.search import Filter
from leodesk.core.sync import (
    STATE_FULL_FINISHED,
    STATE_FULL_OFFSET,
    STATE_FULL_PASS,
    STATE_WATERMARK,
    Phase,
    Syncer,
    SyncProgress,
)
from leodesk.sim import SimConfig, SimServer
from tests.conftest import SIM_KEY

HISTORY = 120
LIST = "/generations/user/*"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """An account with HISTORY finished generations (1-4 images each)."""
    server = SimServer(
        SimConfig(
            seed=7,
            seed_generations=HISTORY,
            generation_seconds=0.05,
            api_key=SIM_KEY,
            latency_ms=0,
        )
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(sim: SimServer) -> Iterator[LeonardoClient]:
    """No retries inside the client: the syncer's own handling is what is tested."""
    with LeonardoClient(
        SIM_KEY,
        base_url=sim.base_url,
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda _s: None,
    ) as c:
        yield c


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite3"


@pytest.fixture
def lib(db_path: Path) -> Iterator[Library]:
    library = Library.open(db_path)
    try:
        yield library
    finally:
        library.close()


class FakeTime:
    """A clock that only moves when the syncer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def syncer(
    client: Any,
    lib: Library,
    *,
    page_size: int = 25,
    on_progress: Callable[[SyncProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    fake: FakeTime | None = None,
    min_interval: float = 0.0,
) -> Syncer:
    fake = fake or FakeTime()
    return Syncer(
        client,
        lib,
        page_size=page_size,
        min_interval=min_interval,
        on_progress=on_progress,
        cancelled=cancelled,
        sleep=fake.sleep,
        clock=fake.clock,
    )


def server_ids(client: LeonardoClient, sim: SimServer) -> list[str]:
    return [g.id or "" for g in client.list_generations(sim.user_id, 0, 10_000)]


def stored(db_path: Path) -> dict[str, int]:
    """generation id → deleted_remote, read straight from the file."""
    conn = sqlite3.connect(db_path)
    try:
        return {r[0]: r[1] for r in conn.execute("SELECT id, deleted_remote FROM generations")}
    finally:
        conn.close()


def list_offsets(sim: SimServer) -> list[int]:
    return [
        int(r.query["offset"])
        for r in sim.requests
        if r.method == "GET" and r.path.startswith("/generations/user/")
    ]


def make_new(client: LeonardoClient, sim: SimServer, prompt: str, n: int = 1) -> list[str]:
    ids = [
        client.create_generation(
            GenerationRequest(prompt=f"{prompt} {k}", num_images=1, width=512, height=512)
        ).generation_id
        for k in range(n)
    ]
    sim.complete_all()
    return ids


# ------------------------------------------------------------------------------ full pass


def test_full_sync_mirrors_the_account(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    seen: list[SyncProgress] = []
    result = syncer(client, lib, on_progress=seen.append).sync()
    offsets = list_offsets(sim)
    assert result.phase == Phase.DONE and result.ok and result.mode == "full"
    expected = server_ids(client, sim)
    assert len(expected) == HISTORY
    assert set(stored(db_path)) == set(expected)
    assert result.generations == result.new == HISTORY and result.updated == 0
    total_images = sum(len(g.images) for g in client.list_generations(sim.user_id, 0, 10_000))
    assert result.images == total_images == lib.count_images()
    # Progress: snapshots whose counts never go down, ending with the result.
    assert seen[-1] == result
    for before, after in itertools.pairwise(seen):
        assert after.pages >= before.pages and after.generations >= before.generations
    # One row of overlap after the first page; pages stop at the short one.
    assert offsets == [0, 24, 49, 74, 99]
    state = lib.sync_state()
    assert STATE_FULL_PASS not in state and STATE_FULL_OFFSET not in state
    assert STATE_FULL_FINISHED in state and STATE_WATERMARK in state
    newest = max(r.created_ms for r in lib.image_records(lib.image_ids_page(0, 1)).values())
    assert int(state[STATE_WATERMARK]) == newest
    # Stored rows are complete: prompts searchable, images with their URLs.
    some = client.list_generations(sim.user_id, 7, 1)[0]
    rec = lib.get_generation(some.id or "")
    assert rec is not None and rec.prompt == some.prompt and rec.seed == some.seed
    assert [i.url for i in rec.images] == [i.url for i in some.images]


def test_sync_is_full_first_then_incremental(
    sim: SimServer, client: LeonardoClient, lib: Library
) -> None:
    assert syncer(client, lib).sync().mode == "full"
    sim.clear_requests()
    again = syncer(client, lib).sync()
    assert again.mode == "incremental" and again.ok
    assert again.new == 0 and again.updated == 0
    assert sim.count("GET", LIST) == 1  # the first page is already known: stop


def test_cancel_after_pages_then_resume_from_the_stored_offset(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    progress: list[SyncProgress] = []
    result = syncer(
        client,
        lib,
        page_size=20,
        on_progress=progress.append,
        cancelled=lambda: bool(progress) and progress[-1].pages >= 2,
    ).sync()
    assert result.phase == Phase.CANCELLED and "continues" in result.message
    state = lib.sync_state()
    assert STATE_FULL_PASS in state and STATE_FULL_FINISHED not in state
    offset = int(state[STATE_FULL_OFFSET])
    assert offset == 40 and len(stored(db_path)) == 40

    sim.clear_requests()
    resumed = syncer(client, lib, page_size=20).sync()
    assert resumed.ok and resumed.mode == "full"
    offsets = list_offsets(sim)
    # Only the one row of overlap before the stored offset is asked again.
    assert offsets[0] == offset - 1 and min(offsets) == offset - 1
    assert resumed.generations == HISTORY - offset + 1
    assert set(stored(db_path)) == set(server_ids(client, sim))
    assert not any(stored(db_path).values())
    assert int(lib.sync_state()[STATE_FULL_FINISHED]) > 0


@pytest.mark.parametrize("kind", ["500", "reset"])
def test_an_error_mid_pass_stops_with_a_message_and_the_pass_resumes(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path, kind: str
) -> None:
    def inject(p: SyncProgress) -> None:
        if p.pages == 3 and not sim.faults:
            sim.add_fault("GET", LIST, kind, times=1)

    result = syncer(client, lib, page_size=20, on_progress=inject).sync()
    assert result.phase == Phase.FAILED
    assert result.message.startswith("Sync stopped:") and "kept" in result.message
    assert "\n" not in result.message
    offset = int(lib.sync_state()[STATE_FULL_OFFSET])
    assert offset == 60 and len(stored(db_path)) == 60

    sim.clear_requests()
    resumed = syncer(client, lib, page_size=20).sync()
    assert resumed.ok
    assert min(list_offsets(sim)) == offset - 1
    assert set(stored(db_path)) == set(server_ids(client, sim))


def test_a_crash_between_runs_resumes_from_the_file(
    sim: SimServer, client: LeonardoClient, db_path: Path
) -> None:
    first = Library.open(db_path)
    progress: list[SyncProgress] = []
    syncer(
        client,
        first,
        page_size=30,
        on_progress=progress.append,
        cancelled=lambda: bool(progress) and progress[-1].pages >= 1,
    ).full()
    first.close()  # the process ends here
    sim.clear_requests()
    with Library.open(db_path) as second:
        assert int(second.sync_state()[STATE_FULL_OFFSET]) == 30
        assert syncer(client, second, page_size=30).sync().ok
    assert min(list_offsets(sim)) == 29
    assert len(stored(db_path)) == HISTORY


# ------------------------------------------------------------------------------ drift


def test_generations_created_during_a_full_pass_lose_nothing(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    created: list[str] = []

    def during(p: SyncProgress) -> None:
        if p.pages == 2 and not created:
            created.extend(make_new(client, sim, "fresh during the pass", 7))
            # The app stores one of them itself, as its generate pipeline does.
            gen = client.get_generation(created[0])
            assert gen is not None
            lib.upsert_generation(gen)

    result = syncer(client, lib, page_size=20, on_progress=during).full()
    assert result.ok and len(created) == 7
    rows = stored(db_path)
    # Every generation that existed when the pass started is stored; every row pushed down by
    # the new ones was seen again rather than skipped; nothing is flagged deleted.
    assert set(server_ids(client, sim)) - set(created) <= set(rows)
    assert len([i for i in rows if i not in created]) == HISTORY
    assert not any(rows.values())
    assert result.deleted_remote == 0
    # Rows seen twice (pushed across a page boundary) count once.
    assert result.generations == HISTORY
    # The next incremental pass fetches the rest of the new ones.
    follow = syncer(client, lib, page_size=20).sync()
    assert follow.mode == "incremental" and follow.new == 6
    assert set(stored(db_path)) == set(server_ids(client, sim))


def test_generations_deleted_during_a_full_pass_do_not_hide_others(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    removed: list[str] = []

    def during(p: SyncProgress) -> None:
        if p.pages == 3 and not removed:
            # Delete rows the pass has already stored: every later row moves up by 9.
            victims = [g.id or "" for g in client.list_generations(sim.user_id, 5, 9)]
            for gid in victims:
                assert client.delete_generation(gid) == gid
            removed.extend(victims)

    result = syncer(client, lib, page_size=20, on_progress=during).full()
    assert result.ok and len(removed) == 9
    rows = stored(db_path)
    live = server_ids(client, sim)
    assert len(live) == HISTORY - 9
    assert set(live) <= set(rows)  # nothing skipped...
    assert not any(rows[i] for i in live)  # ...so nothing live is flagged deleted
    offsets = list_offsets(sim)
    assert any(b < a for a, b in itertools.pairwise(offsets))  # it stepped back
    # The next full pass flags the deleted ones (they were seen before they went).
    again = syncer(client, lib, page_size=20).full()
    assert again.deleted_remote == 9
    assert {i for i, flag in stored(db_path).items() if flag} == set(removed)


# ------------------------------------------------------------------------------ deletes


def test_a_generation_deleted_on_the_server_is_flagged_not_dropped(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    assert syncer(client, lib).sync().ok
    victims = server_ids(client, sim)[10:12] + server_ids(client, sim)[-1:]
    for gid in victims:
        assert client.delete_generation(gid) == gid
    visible_before = lib.count_images()
    hidden = sum(len(r.images) for r in (lib.get_generation(v) for v in victims) if r)

    result = syncer(client, lib).full()
    assert result.ok and result.deleted_remote == 3
    rows = stored(db_path)
    assert len(rows) == HISTORY  # still there
    assert {i for i, flag in rows.items() if flag} == set(victims)
    rec = lib.get_generation(victims[0])
    assert rec is not None and rec.deleted_remote and rec.images  # images kept too
    # Hidden by default, shown on request.
    assert lib.count_images() == visible_before - hidden
    assert lib.count_images(filter=Filter(include_deleted_remote=True)) == visible_before
    assert "deleted on the server" in result.message


def test_generations_stored_after_the_pass_started_are_never_flagged(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    local_only = Generation(id="made-locally", status="PENDING", prompt="not on the server")
    stored_early = Generation(id="stored-early", status="COMPLETE", prompt="gone from server")
    lib.upsert_generation(stored_early)

    def during(p: SyncProgress) -> None:
        if p.pages == 1:
            lib.upsert_generation(local_only)

    assert syncer(client, lib, page_size=40, on_progress=during).full().ok
    rows = stored(db_path)
    assert rows["made-locally"] == 0
    assert rows["stored-early"] == 1


# ------------------------------------------------------------------------------ incremental


def test_incremental_stops_at_the_first_known_page(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    assert syncer(client, lib, page_size=10).sync().ok
    new = make_new(client, sim, "a new one", 3)
    sim.clear_requests()
    result = syncer(client, lib, page_size=10).sync()
    assert result.ok and result.mode == "incremental"
    assert result.new == 3 and result.updated == 0
    assert set(new) <= set(stored(db_path))
    # Page 1 (new + known) and page 2 (all known, past the watermark): then stop.
    assert list_offsets(sim) == [0, 9]
    assert int(lib.sync_state()[STATE_WATERMARK]) == max(
        r.created_ms for r in (lib.get_generation(i) for i in new) if r
    )


def test_incremental_finds_a_website_generation_behind_the_apps_own(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    assert syncer(client, lib, page_size=10).sync().ok
    (website,) = make_new(client, sim, "made on the website")
    app_made = make_new(client, sim, "made in the app", 12)
    for gid in app_made:  # the app stores its own generations as they finish
        gen = client.get_generation(gid)
        assert gen is not None
        lib.upsert_generation(gen)
    sim.clear_requests()
    result = syncer(client, lib, page_size=10).sync()
    assert result.ok
    # The first page is all known, but newer than the last sync: the pass goes on.
    assert website in stored(db_path)
    assert result.new == 1
    assert list_offsets(sim) == [0, 9, 19]


def test_incremental_picks_up_changed_generations(
    sim: SimServer, client: LeonardoClient, lib: Library
) -> None:
    assert syncer(client, lib, page_size=10).sync().ok
    newest = server_ids(client, sim)[0]
    image_id = client.get_generation(newest).images[0].id  # type: ignore[union-attr]
    job = client.upscale(image_id or "")
    sim.complete_all()
    result = syncer(client, lib, page_size=10).sync()
    assert result.ok and result.updated == 1
    rec = lib.get_generation(newest)
    assert rec is not None
    assert any(i.kind == "variation" and i.id == job.id for i in rec.images)


# ------------------------------------------------------------------------------ budget, 429


def test_requests_are_paced_within_the_budget(
    sim: SimServer, client: LeonardoClient, lib: Library
) -> None:
    fake = FakeTime()
    stamps: list[float] = []
    last = [0]

    def note(p: SyncProgress) -> None:
        if p.requests != last[0]:
            last[0] = p.requests
            stamps.append(fake.now)

    result = syncer(client, lib, page_size=10, fake=fake, min_interval=0.05, on_progress=note)
    assert result.sync().ok
    assert len(stamps) == 1 + 13  # GET /me and the pages
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.05 - 1e-9
    assert 60 / min(gaps) <= 2000


def test_429_with_retry_after_waits_and_continues(
    sim: SimServer, client: LeonardoClient, lib: Library, db_path: Path
) -> None:
    sim.add_faults(f"GET {LIST}=429:0.5x2")
    fake = FakeTime()
    messages: list[str] = []
    result = syncer(client, lib, fake=fake, on_progress=lambda p: messages.append(p.message)).sync()
    assert result.ok
    assert sum(fake.sleeps) >= 1.0  # twice Retry-After
    assert sim.count("GET", LIST) == 5 + 2  # every page, plus the two refused tries
    assert any("Rate limited" in m for m in messages)
    assert len(stored(db_path)) == HISTORY


class Limited:
    """The real client, but the first ``n`` listings answer 429 without Retry-After."""

    def __init__(self, real: LeonardoClient, n: int) -> None:
        self.real = real
        self.left = n

    def get_me(self) -> Any:
        return self.real.get_me()

    def list_generations(self, user_id: str, offset: int = 0, limit: int = 10) -> Any:
        if self.left:
            self.left -= 1
            raise RateLimitedError(retry_after=None)
        return self.real.list_generations(user_id, offset, limit)

    def download(self, url: str, *, max_bytes: int = 1 << 30) -> bytes:
        return self.real.download(url, max_bytes=max_bytes)


def test_429_without_retry_after_backs_off_exponentially(
    client: LeonardoClient, lib: Library
) -> None:
    fake = FakeTime()
    assert syncer(Limited(client, 3), lib, fake=fake).sync().ok
    assert fake.sleeps == [0.25] * 4 + [0.25] * 8 + [0.25] * 16  # 1 s, 2 s, 4 s in slices


def test_too_many_429s_stop_the_run(client: LeonardoClient, lib: Library) -> None:
    result = syncer(Limited(client, 100), lib).sync()
    assert result.phase == Phase.FAILED and "rate limit" in result.message


def test_a_cancel_during_a_long_backoff_is_prompt(
    sim: SimServer, client: LeonardoClient, lib: Library
) -> None:
    sim.add_faults(f"GET {LIST}=429:30x1")
    fake = FakeTime()
    result = syncer(client, lib, fake=fake, cancelled=lambda: fake.now > 1002).sync()
    assert result.phase == Phase.CANCELLED
    assert sum(fake.sleeps) < 3


def test_an_account_switch_starts_over(
    sim: SimServer, client: LeonardoClient, lib: Library
) -> None:
    progress: list[SyncProgress] = []
    syncer(
        client,
        lib,
        on_progress=progress.append,
        cancelled=lambda: bool(progress) and progress[-1].pages >= 1,
    ).sync()
    lib.set_sync_state({"user_id": "someone-else"})
    sim.clear_requests()
    assert syncer(client, lib).sync().ok
    assert min(list_offsets(sim)) == 0  # the other account's offset is not reused


# ------------------------------------------------------------------------------ images


@pytest.fixture
def small_sim() -> Iterator[SimServer]:
    server = SimServer(
        SimConfig(seed=3, seed_generations=6, generation_seconds=0.05, api_key=SIM_KEY)
    ).start()
    try:
        yield server
    finally:
        server.stop()


def store_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_eager_images_are_downloaded_once_and_failures_retried_later(
    small_sim: SimServer, lib: Library, tmp_path: Path
) -> None:
    sim = small_sim
    store = ImageStore(tmp_path / "images")
    with LeonardoClient(
        SIM_KEY, base_url=sim.base_url, retry=RetryPolicy(max_attempts=1)
    ) as client:
        assert syncer(client, lib).sync().ok
        pending = lib.images_to_download(1000)
        total = len(pending)
        broken = pending[2]
        broken_path = "/cdn/" + (broken.url or "").split("/cdn/", 1)[1]
        sim.add_fault("GET", broken_path, "500", times=1)
        sim.clear_requests()

        first = syncer(client, lib).download_images(store)
        assert first.ok and first.mode == "images"
        assert (first.downloaded, first.download_failed) == (total - 1, 1)
        assert "retried next time" in first.message
        assert sim.count("GET", "/cdn/*") == total
        files = store_files(store.root)
        assert len(files) == total - 1
        failed = lib.image_records([broken.id])[broken.id]
        assert failed.download_state == "pending" and failed.download_attempts == 1

        sim.clear_requests()
        second = syncer(client, lib).download_images(store)
        assert (second.downloaded, second.download_failed) == (1, 0)
        assert sim.count("GET", "/cdn/*") == 1  # only the one that failed
        assert len(store_files(store.root)) == total

        sim.clear_requests()
        third = syncer(client, lib).download_images(store)
        assert third.downloaded == 0 and sim.count("GET", "/cdn/*") == 0

    records = lib.image_records(r.id for r in pending)
    for rec in records.values():
        assert rec.has_file and store.path_for(rec.sha256 or "", rec.ext or "").is_file()
        assert rec.width and rec.height
    assert len({(r.sha256, r.ext) for r in records.values()}) == total  # no duplicates


def test_image_download_respects_the_limit_and_skips_deleted(
    small_sim: SimServer, lib: Library, tmp_path: Path
) -> None:
    with LeonardoClient(SIM_KEY, base_url=small_sim.base_url) as client:
        assert syncer(client, lib).sync().ok
        order = [r.id for r in lib.images_to_download(1000)]
        lib.mark_deleted_local(order[:1])
        small_sim.clear_requests()
        store = ImageStore(tmp_path / "images")
        result = syncer(client, lib).download_images(store, limit=2)
    assert result.downloaded == 2 and small_sim.count("GET", "/cdn/*") == 2
    records = lib.image_records(order[:4])
    assert [records[i].has_file for i in order[:4]] == [False, True, True, False]
    assert [r.id for r in lib.images_to_download(1000)] == order[3:]


class Corrupting:
    """The real client, but one URL's bytes come back cut in half (a complete HTTP reply)."""

    def __init__(self, real: LeonardoClient, url: str) -> None:
        self.real = real
        self.url = url

    def get_me(self) -> Any:
        return self.real.get_me()

    def list_generations(self, user_id: str, offset: int = 0, limit: int = 10) -> Any:
        return self.real.list_generations(user_id, offset, limit)

    def download(self, url: str, *, max_bytes: int = 1 << 30) -> bytes:
        data = self.real.download(url, max_bytes=max_bytes)
        return data[: len(data) // 2] if url == self.url else data


def test_a_corrupt_image_is_not_stored(small_sim: SimServer, lib: Library, tmp_path: Path) -> None:
    with LeonardoClient(SIM_KEY, base_url=small_sim.base_url) as real:
        assert syncer(real, lib).sync().ok
        first, second = lib.images_to_download(2)
        store = ImageStore(tmp_path / "images")
        result = syncer(Corrupting(real, first.url or ""), lib).download_images(store, limit=2)
    assert (result.download_failed, result.downloaded) == (1, 1)
    records = lib.image_records([first.id, second.id])
    assert not records[first.id].has_file and records[first.id].download_attempts == 1
    assert records[second.id].has_file
    assert len(store_files(store.root)) == 1
    # Unverified downloads trust the bytes (and take the extension from the URL).
    with LeonardoClient(SIM_KEY, base_url=small_sim.base_url) as real:
        loose = syncer(real, lib).download_images(store, limit=1, verify=False)
    assert loose.downloaded == 1
    assert lib.image_records([first.id])[first.id].ext == "jpg"


def test_unreadable_saved_state_starts_a_fresh_pass(
    sim: SimServer, client: LeonardoClient, lib: Library
) -> None:
    lib.set_sync_state({"user_id": sim.user_id, STATE_FULL_PASS: "garbage", STATE_FULL_OFFSET: "x"})
    result = syncer(client, lib).sync()
    assert result.ok and result.mode == "full" and result.generations == HISTORY
    assert list_offsets(sim)[0] == 0
