"""The SQLite library: schema and migrations, generations and images, search, models, jobs."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api.models import GeneratedImage, Generation, Variation
from leodesk.core.catalog import ModelInfo
from leodesk.core.jobs import JobState
from leodesk.core.library import (
    APPLICATION_ID,
    MAX_DOWNLOAD_ATTEMPTS,
    SCHEMA_VERSION,
    Filter,
    Library,
    LibraryError,
    Pick,
    fts_query,
)
from leodesk.core.library import db as library_module

T0 = "2024-05-01T12:00:00Z"
T0_MS = 1714564800000


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_gen(
    gen_id: str,
    prompt: str | None = "a cat",
    *,
    created_at: str | None = T0,
    images: int = 2,
    negative: str | None = None,
    status: str = "COMPLETE",
    **kwargs: Any,
) -> Generation:
    return Generation(
        id=gen_id,
        status=status,
        prompt=prompt,
        negative_prompt=negative,
        created_at=created_at,
        images=tuple(
            GeneratedImage(id=f"{gen_id}-{n}", url=f"https://cdn.example/{gen_id}/{n}.jpg")
            for n in range(images)
        ),
        **kwargs,
    )


def at(minutes: int) -> str:
    """A server timestamp ``minutes`` after T0."""
    return datetime.fromtimestamp(T0_MS / 1000 + 60 * minutes, tz=UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "library.sqlite3"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lib(db_path: Path, clock: Clock) -> Iterator[Library]:
    library = Library.open(db_path, clock=clock)
    try:
        yield library
    finally:
        library.close()


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


# ------------------------------------------------------------------------------ schema


def test_open_creates_schema_with_wal_and_pragmas(lib: Library, db_path: Path) -> None:
    assert lib.schema_version() == SCHEMA_VERSION == len(library_module.MIGRATIONS)
    conn = raw(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert {"generations", "generations_fts", "images", "models", "model_favourites"} <= names
    assert {"jobs", "collections", "collection_images", "sync_state"} <= names
    pragmas = lib._connection()
    assert pragmas.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert pragmas.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert pragmas.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700


def test_open_twice_keeps_data_and_version(db_path: Path) -> None:
    with Library.open(db_path) as first:
        first.upsert_generation(make_gen("g1"))
    with Library.open(db_path) as second:
        assert second.schema_version() == SCHEMA_VERSION
        assert second.count_images() == 2
    conn = raw(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_migrations_run_in_order_and_a_failing_one_rolls_back(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Library.open(db_path).close()
    real = library_module.MIGRATIONS

    def v3(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE later (image_id TEXT PRIMARY KEY)")

    def v4_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(library_module, "MIGRATIONS", (*real, v3, v4_broken))
    with pytest.raises(RuntimeError, match="boom"):
        Library.open(db_path)
    conn = raw(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(real) + 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert "later" in tables
    assert "half_done" not in tables  # the failed step left nothing behind

    monkeypatch.setattr(library_module, "MIGRATIONS", (*real, v3))
    with Library.open(db_path) as lib:
        assert lib.schema_version() == len(real) + 1


def test_a_newer_library_is_refused(db_path: Path) -> None:
    Library.open(db_path).close()
    conn = raw(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(LibraryError, match="newer version") as info:
        Library.open(db_path)
    assert info.value.reason == "newer"
    with pytest.raises(LibraryError):
        Library.open_readonly(db_path)


def test_another_programs_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = raw(db_path)
    conn.execute("CREATE TABLE something_else (x)")
    conn.commit()
    conn.close()
    with pytest.raises(LibraryError, match="not a leodesk library") as info:
        Library.open(db_path)
    assert info.value.reason == "foreign"


def test_a_garbage_file_is_a_corrupt_library(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite at all" * 200)
    with pytest.raises(LibraryError, match="not a valid database") as info:
        Library.open(db_path)
    assert info.value.reason == "corrupt"
    assert isinstance(info.value.__cause__, sqlite3.DatabaseError)


def test_disk_full_becomes_a_library_error(lib: Library) -> None:
    conn = lib._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # a "disk" with no room left
    with pytest.raises(LibraryError, match=r"disk .* is full") as info:
        lib.upsert_generation(make_gen("big", "word " * 20000, images=50))
    assert info.value.reason == "full"
    assert lib.get_generation("big") is None  # rolled back
    assert lib.count_images() == 0


def test_other_sqlite_errors_propagate(lib: Library) -> None:
    with pytest.raises(sqlite3.Error) as info, lib._writing() as conn:
        conn.execute("SELECT * FROM no_such_table")
    assert not isinstance(info.value, LibraryError)


def test_closed_library(lib: Library) -> None:
    lib.close()
    lib.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        lib.count_images()


# ------------------------------------------------------------------------------ readers


def test_readonly_connection_reads_from_another_thread_and_refuses_writes(
    lib: Library, db_path: Path
) -> None:
    lib.upsert_generation(make_gen("g1", "red fox"))
    reader = Library.open_readonly(db_path)
    try:
        result: dict[str, Any] = {}

        def read() -> None:
            result["ids"] = reader.image_ids_page(0, 10, query="fox")

        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
        assert result["ids"] == ["g1-0", "g1-1"]
        lib.upsert_generation(make_gen("g2", "blue fox", created_at=at(1)))
        assert reader.count_images("fox") == 4  # sees the writer's commits
        assert reader.readonly
        with pytest.raises(LibraryError) as info:
            reader.upsert_generation(make_gen("g3"))
        assert info.value.reason == "readonly"
        with pytest.raises(LibraryError):
            reader.set_model_favourite("m", True)
    finally:
        reader.close()


def test_readonly_open_of_a_missing_file_is_a_library_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryError) as info:
        Library.open_readonly(tmp_path / "missing.sqlite3")
    assert info.value.reason == "cantopen"
    assert not (tmp_path / "missing.sqlite3").exists()


# ------------------------------------------------------------------------------ generations


def test_generation_round_trip(lib: Library, clock: Clock) -> None:
    gen = make_gen(
        "g1",
        "a lighthouse at dusk",
        negative="blurry",
        model_id="m1",
        image_width=1024,
        image_height=768,
        seed=9_999_999_998,
        guidance_scale=7.5,
        inference_steps=30,
        scheduler="LEONARDO",
        preset_style="CINEMATIC",
        photo_real=True,
        init_strength=0.4,
        extra={"alchemy": True, "futureField": [1, 2]},
    )
    request = json.dumps({"prompt": "a lighthouse at dusk", "num_images": 2, "alchemy": True})
    lib.upsert_generation(gen, request_json=request)
    rec = lib.get_generation("g1")
    assert rec is not None
    assert (rec.prompt, rec.negative_prompt, rec.model_id) == (
        "a lighthouse at dusk",
        "blurry",
        "m1",
    )
    assert (rec.width, rec.height, rec.num_images) == (1024, 768, 2)
    assert rec.seed == 9_999_999_998
    assert (rec.guidance_scale, rec.steps, rec.scheduler) == (7.5, 30, "LEONARDO")
    assert (rec.preset_style, rec.photo_real, rec.alchemy, rec.prompt_magic) == (
        "CINEMATIC",
        True,
        True,
        None,
    )
    assert rec.init_strength == 0.4
    assert rec.created_at == T0 and rec.created_ms == T0_MS
    assert rec.status == "COMPLETE" and not rec.deleted_remote
    assert rec.request_json == request
    assert rec.added_ms == rec.updated_ms == int(clock.now * 1000)
    assert rec.raw_json is not None
    raw_row = json.loads(rec.raw_json)
    assert raw_row["futureField"] == [1, 2] and raw_row["seed"] == 9_999_999_998
    assert [i.id for i in rec.images] == ["g1-0", "g1-1"]
    assert [i.index for i in rec.images] == [0, 1]
    assert rec.images[0].width == 1024  # the generation's size until the file is known
    assert lib.get_generation("nope") is None


@pytest.mark.parametrize("seed", [0, 2_147_483_637, 9_999_999_998, 2**63 - 1, -(2**63)])
def test_64_bit_seeds_round_trip(lib: Library, seed: int) -> None:
    lib.upsert_generation(make_gen("g", seed=seed))
    rec = lib.get_generation("g")
    assert rec is not None and rec.seed == seed
    assert lib.image_records(["g-0"])["g-0"].seed == seed


def test_a_seed_beyond_64_bits_is_kept_only_in_the_raw_row(lib: Library) -> None:
    lib.upsert_generation(make_gen("g", seed=2**64))
    rec = lib.get_generation("g")
    assert rec is not None and rec.seed is None
    assert rec.raw_json is not None and json.loads(rec.raw_json)["seed"] == 2**64


def test_raw_json_given_by_the_caller_is_stored_verbatim(lib: Library) -> None:
    lib.upsert_generation(make_gen("g"), raw_json='{"id": "g", "weird": true}')
    rec = lib.get_generation("g")
    assert rec is not None and rec.raw_json == '{"id": "g", "weird": true}'


def test_upsert_is_idempotent_and_keeps_downloaded_files(lib: Library, clock: Clock) -> None:
    pending = make_gen("g", "first prompt", status="PENDING", images=0, created_at=at(5))
    lib.upsert_generation(pending, request_json='{"num_images": 2}')
    rec = lib.get_generation("g")
    assert rec is not None and rec.status == "PENDING" and rec.images == ()
    assert rec.num_images == 2
    added = rec.added_ms

    clock.now += 10
    lib.upsert_generation(make_gen("g", "first prompt", created_at=at(5)))
    lib.set_image_file("g-0", "ab" * 32, "png", width=2048, height=1536)
    clock.now += 10
    again = make_gen("g", None, created_at=None, seed=42)  # a sparse row: nothing is erased
    lib.upsert_generation(again, request_json='{"num_images": 9}')
    lib.upsert_generation(again)

    rec = lib.get_generation("g")
    assert rec is not None
    assert rec.status == "COMPLETE"
    assert rec.prompt == "first prompt" and rec.created_ms == T0_MS + 5 * 60_000
    assert rec.request_json == '{"num_images": 2}'  # the first request is kept
    assert rec.seed == 42
    assert rec.added_ms == added and rec.updated_ms == int(clock.now * 1000)
    first = rec.images[0]
    assert (first.sha256, first.ext, first.download_state) == ("ab" * 32, "png", "done")
    assert (first.width, first.height) == (2048, 1536) and first.has_file
    assert not rec.images[1].has_file
    assert lib.count_images() == 2
    conn = lib._connection()
    assert conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == 1


def test_generation_without_id_is_rejected(lib: Library) -> None:
    with pytest.raises(ValueError):
        lib.upsert_generation(Generation(id=None, prompt="x"))


def test_missing_created_at_uses_the_local_clock(lib: Library, clock: Clock) -> None:
    lib.upsert_generation(make_gen("g", created_at=None))
    rec = lib.get_generation("g")
    assert rec is not None and rec.created_ms == int(clock.now * 1000)


def test_variations_and_motion_are_images_with_lineage(lib: Library) -> None:
    gen = Generation(
        id="g",
        status="COMPLETE",
        prompt="p",
        created_at=T0,
        images=(
            GeneratedImage(
                id="base",
                url="https://cdn/x.jpg",
                nsfw=True,
                variations=(
                    Variation(
                        id="up", status="COMPLETE", transform_type="UPSCALE", url="https://u"
                    ),
                    Variation(id="wip", status="PENDING", transform_type="NOBG", url=None),
                ),
            ),
            GeneratedImage(id="mov", url="https://cdn/m.jpg", motion_mp4_url="https://m.mp4"),
        ),
    )
    lib.upsert_generation(gen)
    rec = lib.get_generation("g")
    assert rec is not None
    by_id = {i.id: i for i in rec.images}
    assert set(by_id) == {"base", "up", "mov"}  # the unfinished variation waits
    assert by_id["up"].kind == "variation" and by_id["up"].parent_image_id == "base"
    assert by_id["up"].transform == "UPSCALE" and by_id["up"].nsfw
    assert by_id["mov"].kind == "motion" and by_id["mov"].motion_url == "https://m.mp4"
    assert by_id["base"].kind == "image" and by_id["base"].nsfw
    assert [i.id for i in rec.images] == ["base", "up", "mov"]


def test_images_made_from_a_library_image_record_it_as_their_parent(lib: Library) -> None:
    lib.upsert_generation(make_gen("src", images=1))
    # sent with the gallery image as init image: pending first (no images), then complete
    req = json.dumps({"prompt": "again", "init_generation_image_id": "src-0"})
    lib.upsert_generation(make_gen("child", images=0, status="PENDING"), request_json=req)
    lib.upsert_generation(make_gen("child", images=2))  # as a sync or a poll brings it
    assert [a.id for a in lib.ancestors_of("child-1")] == ["src-0"]
    assert [c.id for c in lib.children_of("src-0")] == ["child-0", "child-1"]
    # an image prompt from the gallery counts too; an uploaded init image starts a chain
    prompts = json.dumps({"prompt": "p", "image_prompts": ["child-0"]})
    lib.upsert_generation(make_gen("grand", images=1), request_json=prompts)
    assert [a.id for a in lib.ancestors_of("grand-0")] == ["child-0", "src-0"]
    upload = json.dumps({"prompt": "p", "init_image_id": "uploaded-xyz"})
    lib.upsert_generation(make_gen("fresh", images=1), request_json=upload)
    assert lib.ancestors_of("fresh-0") == []
    assert lib.image_records(["fresh-0"])["fresh-0"].parent_image_id is None


def test_deleted_remote_flag(lib: Library) -> None:
    lib.upsert_generation(make_gen("g"))
    lib.set_deleted_remote("g")
    rec = lib.get_generation("g")
    assert rec is not None and rec.deleted_remote
    assert lib.image_records(["g-0"])["g-0"].deleted_remote
    lib.upsert_generation(make_gen("g"))  # the server has it again
    rec = lib.get_generation("g")
    assert rec is not None and not rec.deleted_remote


# ------------------------------------------------------------------------------ gallery


def test_pages_are_newest_first_then_by_index(lib: Library) -> None:
    lib.upsert_generation(make_gen("old", created_at=at(0), images=3))
    lib.upsert_generation(make_gen("new", created_at=at(10), images=2))
    lib.upsert_generation(make_gen("mid", created_at=at(5), images=2))
    expected = ["new-0", "new-1", "mid-0", "mid-1", "old-0", "old-1", "old-2"]
    assert lib.image_ids_page(0, 100) == expected
    assert lib.image_ids_page(0, 3) + lib.image_ids_page(3, 3) + lib.image_ids_page(6, 3) == (
        expected
    )
    assert lib.image_ids_page(7, 3) == []
    assert lib.image_ids_page(-5, 2) == expected[:2]
    assert lib.image_ids_page(0, 0) == []
    assert lib.count_images() == 7


def test_image_records(lib: Library) -> None:
    lib.upsert_generation(make_gen("g", "a cat", seed=5, model_id="m"))
    records = lib.image_records(["g-1", "missing", "g-1"])
    assert set(records) == {"g-1"}
    r = records["g-1"]
    assert (r.generation_id, r.index, r.prompt, r.seed, r.model_id, r.status) == (
        "g",
        1,
        "a cat",
        5,
        "m",
        "COMPLETE",
    )
    assert r.url == "https://cdn.example/g/1.jpg" and r.created_ms == T0_MS
    assert lib.image_records([]) == {}


def test_image_records_in_chunks(lib: Library) -> None:
    lib.upsert_generation(make_gen("g", images=1234))
    ids = lib.image_ids_page(0, 2000)
    assert len(ids) == 1234
    assert set(lib.image_records(ids)) == set(ids)


@pytest.fixture
def searchable(lib: Library) -> Library:
    prompts = {
        "cafe": ("Un café crème à Paris", None),
        "creme": ("creme brulee dessert", "burnt"),
        "fox": ("a quick brown fox, cinematic", "blurry, cat"),
        "hamlet": ("to be or not to be", None),
        "cyr": ("Кошка на крыше", None),
        "greek": ("Ελληνικό φως", None),
        "cjk": ("東京の夜景", None),
        "near": ("NEAR the lighthouse AND the sea", None),
        "emoji": ("rocket 🚀 launch", None),
        "scifi": ("sci-fi city", None),
        "quote": ('say "cheese"', None),
    }
    for n, (gen_id, (prompt, negative)) in enumerate(prompts.items()):
        searchable_gen = make_gen(gen_id, prompt, negative=negative, created_at=at(n), images=1)
        lib.upsert_generation(searchable_gen)
    return lib


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cafe", {"cafe"}),
        ("CAFÉ", {"cafe"}),
        ("crème", {"cafe", "creme"}),
        ("CREME", {"cafe", "creme"}),
        ("brûlée", {"creme"}),
        ("cré", {"cafe", "creme"}),  # prefix on the last word
        ("fox cinem", {"fox"}),
        ("cinematic fox", {"fox"}),  # order does not matter
        ("fox cat", set()),  # "cat" is only in the negative prompt
        ("blurry", set()),
        ("or not", {"hamlet"}),  # operators are words
        ("NOT", {"hamlet"}),
        ("AND", {"near"}),
        ("NEAR lighthouse", {"near"}),
        ("кошка", {"cyr"}),
        ("КРЫШ", {"cyr"}),
        ("ΕΛΛΗΝΙΚ", {"greek"}),  # case folding works beyond Latin...
        ("ελληνικό", {"greek"}),
        ("ελληνικο", set()),  # ...but unicode61 strips diacritics from Latin letters only
        ("東京", {"cjk"}),
        ("-fox", {"fox"}),  # a dash is not NOT
        ("sci-fi", {"scifi"}),
        ('"cheese"', {"quote"}),
        ('chee"', {"quote"}),
        ("rocket 🚀", {"emoji"}),
        ("lighthouse*", {"near"}),
        ("nothing-matches-this", set()),
    ],
)
def test_search_finds_the_right_rows(searchable: Library, query: str, expected: set[str]) -> None:
    ids = searchable.image_ids_page(0, 100, query=query)
    assert {i.rsplit("-", 1)[0] for i in ids} == expected
    assert searchable.count_images(query) == len(ids)


def test_search_in_negative_prompts_on_request(searchable: Library) -> None:
    ids = searchable.image_ids_page(0, 100, query="blurry", include_negative=True)
    assert ids == ["fox-0"]
    assert searchable.count_images("burnt", include_negative=True) == 1


ODD_QUERIES = [
    '"',
    '""',
    '"""',
    "'",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    "NEAR(a b, 2)",
    "a AND",
    "OR b",
    "NOT NOT",
    "*",
    "**",
    "a*b",
    "-",
    "--",
    "-a",
    "+",
    "^",
    "^a",
    "(",
    ")",
    "()",
    "a:b",
    "prompt:",
    "prompt: x",
    "{prompt}:x",
    "negative_prompt : cat",
    "rowid",
    "\\",
    "\x00",
    "a\x00b",
    "\x00cat",
    "\ud800",
    "cat\udfff",
    "\x1b[31m",
    "\u0301",
    "\u200b",
    "🚀",
    "   ",
    "\t\n",
    "",
    "%",
    "_",
    "' OR 1=1 --",
    "x" * 5000,
    " ".join(["a"] * 300),
    " ".join(f"w{n}" for n in range(1000)),
]


@pytest.mark.parametrize("query", [*ODD_QUERIES, None])
def test_odd_queries_never_raise(searchable: Library, query: str | None) -> None:
    ids = searchable.image_ids_page(0, 50, query=query)
    assert searchable.count_images(query) == len(ids) or len(ids) == 50
    assert searchable.count_images(query, include_negative=True) >= 0


def test_text_without_words_filters_nothing(searchable: Library) -> None:
    everything = searchable.image_ids_page(0, 100)
    for query in ("", "   ", "*", '"', "-", "()", "\u0301"):
        assert searchable.image_ids_page(0, 100, query=query) == everything


def test_fts_query_quotes_everything() -> None:
    assert fts_query(None) is None
    assert fts_query(" * - ") is None
    assert fts_query("cat") == '"cat"*'
    assert fts_query('a "b" NOT', column="prompt") == 'prompt : ("a" """b""" "NOT"*)'


def test_search_follows_prompt_changes(lib: Library) -> None:
    lib.upsert_generation(make_gen("g", "old words"))
    lib.upsert_generation(make_gen("g", "fresh words"))
    assert lib.count_images("old") == 0
    assert lib.count_images("fresh") == 2
    conn = lib._connection()
    # FTS5's own consistency check against the content table.
    conn.execute("INSERT INTO generations_fts(generations_fts, rank) VALUES ('integrity-check', 1)")


# ------------------------------------------------------------------------------ downloads


def test_download_queue(lib: Library) -> None:
    lib.upsert_generation(make_gen("old", created_at=at(0), images=2))
    lib.upsert_generation(make_gen("new", created_at=at(1), images=2))
    lib.upsert_generation(Generation(id="nourl", created_at=at(2), images=(GeneratedImage("x"),)))
    assert [r.id for r in lib.images_to_download(10)] == ["new-0", "new-1", "old-0", "old-1"]
    assert [r.id for r in lib.images_to_download(1)] == ["new-0"]

    lib.set_image_file("new-0", "cd" * 32, "jpg")
    for attempt in range(1, MAX_DOWNLOAD_ATTEMPTS + 1):
        lib.mark_image_failed("new-1")
        rec = lib.image_records(["new-1"])["new-1"]
        assert rec.download_attempts == attempt
        assert rec.download_state == ("failed" if attempt == MAX_DOWNLOAD_ATTEMPTS else "pending")
    assert [r.id for r in lib.images_to_download(10)] == ["old-0", "old-1"]

    lib.mark_image_failed("new-0")  # a finished download is not un-done
    assert lib.image_records(["new-0"])["new-0"].download_state == "done"


# ------------------------------------------------------------------------------ models


def models(*ids: str, kind: str = "platform") -> list[ModelInfo]:
    return [ModelInfo(id=i, name=f"Model {i}", kind=kind, sd_version="SDXL_1_0") for i in ids]


def test_model_cache_replaces_per_kind_and_keeps_favourites(lib: Library, clock: Clock) -> None:
    assert lib.load_models("platform") == []
    assert lib.models_fetched_ms("platform") is None
    lib.save_models("platform", models("b", "a", "c"))
    lib.save_models("own", models("mine", kind="own"))
    lib.set_model_favourite("a", True)
    lib.set_model_favourite("a", True)
    lib.set_model_favourite("mine", True)
    assert [m.id for m in lib.load_models("platform")] == ["b", "a", "c"]
    assert lib.load_models("platform")[0] == models("b")[0]
    assert lib.models_fetched_ms("platform") == int(clock.now * 1000)

    clock.now += 60
    lib.save_models("platform", models("c", "d"))
    assert [m.id for m in lib.load_models("platform")] == ["c", "d"]
    assert [m.id for m in lib.load_models("own")] == ["mine"]
    assert lib.model_favourites() == {"a", "mine"}  # "a" is gone from the list, still a favourite
    assert lib.models_fetched_ms("platform") == int(clock.now * 1000)

    lib.set_model_favourite("a", False)
    lib.set_model_favourite("never", False)
    assert lib.model_favourites() == {"mine"}
    lib.save_models("platform", [])
    assert lib.load_models("platform") == []


def test_model_facts_update_the_cached_entries_in_place(
    lib: Library, clock: Clock, db_path: Path
) -> None:
    listed = [ModelInfo(id=i, name=f"Model {i}") for i in ("b", "a", "c")]
    lib.save_models("platform", listed)
    lib.save_models("own", [ModelInfo(id="a", name="My a", kind="own")])
    fetched = lib.models_fetched_ms("platform")
    clock.now += 60
    phoenix = listed[1].with_facts(sd_version="PHOENIX", width=1024, height=1024, status="COMPLETE")
    stray = ModelInfo(id="not-listed", name="x").with_facts(
        sd_version="FLUX", width=8, height=8, status="COMPLETE"
    )
    assert lib.update_models("platform", [phoenix, stray]) == 1
    got = lib.load_models("platform")
    assert [m.id for m in got] == ["b", "a", "c"]  # the list and its order stay
    assert got[1] == phoenix and not got[0].facts_known
    assert lib.models_fetched_ms("platform") == fetched  # facts are not a new list
    assert lib.load_models("own") == [ModelInfo(id="a", name="My a", kind="own")]  # other kind
    with pytest.raises(ValueError):
        lib.update_models("community", [phoenix])
    # The facts survive a reopen (a restart has them at once).
    lib.close()
    again = Library.open(db_path)
    try:
        assert again.load_models("platform")[1] == phoenix
    finally:
        again.close()


def test_model_cache_edge_cases(lib: Library) -> None:
    with pytest.raises(ValueError):
        lib.save_models("community", models("x"))
    lib.save_models("platform", [*models("dup", "dup"), ModelInfo(id="", name="no id")])
    assert [m.id for m in lib.load_models("platform")] == ["dup"]


# ------------------------------------------------------------------------------ jobs


def test_jobs_survive_a_reopen(db_path: Path) -> None:
    submitted = 1714564801.5  # epoch seconds, as time.time() gives them
    with Library.open(db_path) as lib:
        a = lib.add_job("generation", '{"prompt": "a"}')
        b = lib.add_job("generation", '{"prompt": "b"}')
        c = lib.add_job("motion", None)
        lib.update_job(a, state=JobState.SUBMITTING, submitted_at=submitted)
        lib.update_job(a, state=JobState.PENDING, generation_id="g-a")
        lib.update_job(b, state=JobState.FAILED, error="Moderated")
        lib.update_job(c, state="cancelled")  # the plain value works too
    with Library.open(db_path) as lib:
        unfinished = lib.unfinished_jobs()
        assert [j.id for j in unfinished] == [a]
        job = unfinished[0]
        assert (job.kind, job.state, job.generation_id) == ("generation", JobState.PENDING, "g-a")
        assert job.request_json == '{"prompt": "a"}'
        assert job.submitted_at == submitted
        failed = lib.get_job(b)
        assert failed is not None and failed.state is JobState.FAILED
        assert failed.error == "Moderated"
        assert lib.get_job(999) is None
        d = lib.add_job("generation", "{}")
        assert d > c  # ids are never reused
        assert [j.id for j in lib.unfinished_jobs()] == [a, d]


def test_update_job_checks_its_input(lib: Library) -> None:
    job_id = lib.add_job("generation", None)
    with pytest.raises(KeyError):
        lib.update_job(job_id + 1, state=JobState.DONE)
    with pytest.raises(ValueError):
        lib.update_job(job_id, submitted_at=datetime(2024, 1, 1))  # naive
    with pytest.raises(ValueError):
        lib.update_job(job_id, state="bogus")
    lib.update_job(job_id, state="downloading", submitted_at=datetime(2024, 1, 1, tzinfo=UTC))
    rec = lib.get_job(job_id)
    assert rec is not None and rec.state is JobState.DOWNLOADING
    assert rec.submitted_at == datetime(2024, 1, 1, tzinfo=UTC).timestamp()


def test_a_state_from_a_newer_version_reads_as_unknown(lib: Library) -> None:
    job_id = lib.add_job("generation", None)
    lib._connection().execute("UPDATE jobs SET state = 'paused' WHERE id = ?", (job_id,))
    rec = lib.get_job(job_id)
    assert rec is not None and rec.state is JobState.UNKNOWN
    assert [j.id for j in lib.unfinished_jobs()] == [job_id]


# ------------------------------------------------------------------------------ schema v2


def make_v1_library(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library as leodesk with schema v1 left it: rows written with v1's columns only."""
    with monkeypatch.context() as m:
        m.setattr(library_module, "MIGRATIONS", (library_module._migrate_v1,))
        Library.open(path).close()
    conn = raw(path)
    with conn:
        conn.execute(
            """
            INSERT INTO generations (id, created_at, created_ms, status, prompt, negative_prompt,
                model_id, width, height, num_images, seed, raw_json, deleted_remote, added_ms,
                updated_ms)
            VALUES ('old', ?, ?, 'COMPLETE', 'an old lighthouse', 'fog', 'm1', 512, 512, 2,
                    9999999998, '{"id": "old"}', 0, 1, 1),
                   ('gone', ?, ?, 'COMPLETE', 'a deleted castle', '', 'm2', 512, 512, 1, 5,
                    NULL, 1, 1, 1)
            """,
            (T0, T0_MS, at(1), T0_MS + 60_000),
        )
        conn.execute(
            """
            INSERT INTO images (id, generation_id, idx, url, sha256, ext, download_state,
                created_ms, updated_ms)
            VALUES ('old-0', 'old', 0, 'https://c/0.jpg', ?, 'jpg', 'done', ?, 1),
                   ('old-1', 'old', 1, 'https://c/1.jpg', NULL, NULL, 'pending', ?, 1),
                   ('gone-0', 'gone', 0, 'https://c/g.jpg', NULL, NULL, 'pending', ?, 1)
            """,
            ("ef" * 32, T0_MS, T0_MS, T0_MS + 60_000),
        )
        conn.execute(
            "INSERT INTO jobs (kind, state, generation_id, created_ms, updated_ms) "
            "VALUES ('generation', 'pending', 'old', 1, 1)"
        )
        conn.execute("INSERT INTO model_favourites (model_id, added_ms) VALUES ('m1', 1)")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_a_v1_library_is_upgraded_to_v2_keeping_everything(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_v1_library(db_path, monkeypatch)
    with Library.open(db_path) as lib:
        assert lib.schema_version() == SCHEMA_VERSION
        rec = lib.get_generation("old")
        assert rec is not None and rec.prompt == "an old lighthouse" and rec.seed == 9999999998
        assert [i.id for i in rec.images] == ["old-0", "old-1"]
        first = rec.images[0]
        assert first.has_file and first.sha256 == "ef" * 32
        assert (first.favourite, first.rating, first.pick, first.collection_ids) == (
            False,
            0,
            None,
            (),
        )
        assert not first.deleted_local
        # Search and pages work on the old rows (FTS kept, new indexes built).
        assert lib.image_ids_page(0, 10, query="lighthouse") == ["old-0", "old-1"]
        assert lib.image_ids_page(0, 10) == ["old-0", "old-1"]  # "gone" is deleted remotely
        assert lib.image_ids_page(0, 10, filter=Filter(include_deleted_remote=True)) == [
            "gone-0",
            "old-0",
            "old-1",
        ]
        assert [r.id for r in lib.images_to_download(10)] == ["gone-0", "old-1"]
        assert lib.unfinished_jobs()[0].generation_id == "old"
        assert lib.model_favourites() == {"m1"}
        assert lib.sync_state() == {}
        # The new features work on migrated rows.
        lib.set_favourite(["old-1"], True)
        assert lib.image_ids_page(0, 10, filter=Filter(favourite=True)) == ["old-1"]
    conn = raw(db_path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        conn.execute("INSERT INTO generations_fts(generations_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    assert {"images_live_by_time", "images_favourites", "collections", "sync_state"} <= names
    assert "images_by_time" not in names


# ------------------------------------------------------------------------------ batches, sync


def test_upsert_generations_reports_what_changed(lib: Library) -> None:
    first = lib.upsert_generations([make_gen("a"), make_gen("b", images=3), Generation(id=None)])
    assert (first.new, first.updated, first.unchanged, first.images) == (("a", "b"), (), (), 5)
    changed = make_gen("b", "a new prompt", images=3)
    second = lib.upsert_generations([make_gen("a"), changed, make_gen("a"), make_gen("c")])
    assert (second.new, second.updated, second.unchanged) == (("c",), ("b",), ("a",))
    assert lib.count_images("new prompt") == 3


def test_a_batch_and_its_state_commit_together(lib: Library) -> None:
    lib.upsert_generations([make_gen("a")], state={"full.offset": 50})
    conn = lib._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(LibraryError):
        lib.upsert_generations(
            [make_gen(f"big{n}", "word " * 5000, images=20) for n in range(5)],
            state={"full.offset": 100},
        )
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert lib.sync_state() == {"full.offset": "50"}
    assert lib.get_generation("big0") is None


def test_sync_state_and_pass_marks(lib: Library, clock: Clock) -> None:
    lib.set_sync_state({"a": 1, "b": "two"})
    lib.set_sync_state({"a": None, "c": 3})
    assert lib.sync_state() == {"b": "two", "c": "3"}
    lib.upsert_generation(make_gen("before"))
    clock.now += 1
    started = lib.now_ms()
    lib.upsert_generations([make_gen("seen")], sync_pass=started)
    clock.now += 1
    lib.upsert_generation(make_gen("after"))
    assert lib.seen_in_pass(["seen", "before", "after", "missing"], started) == {"seen"}
    flagged = lib.mark_unseen_deleted_remote(started, started, state={"done": 1})
    assert flagged == ["before"]
    assert lib.sync_state()["done"] == "1"
    assert lib.mark_unseen_deleted_remote(started, started) == []  # already flagged
    lib.upsert_generations([make_gen("before")], sync_pass=started + 1)  # seen again
    rec = lib.get_generation("before")
    assert rec is not None and not rec.deleted_remote


def test_an_unchanged_row_is_not_rewritten(lib: Library, clock: Clock) -> None:
    lib.upsert_generation(make_gen("g"))
    rec = lib.get_generation("g")
    assert rec is not None
    clock.now += 100
    assert lib.upsert_generations([make_gen("g")]).unchanged == ("g",)
    again = lib.get_generation("g")
    assert again is not None and again.updated_ms == rec.updated_ms


# ------------------------------------------------------------------------------ curation


def test_curation_is_per_image_and_survives_sync(lib: Library) -> None:
    lib.upsert_generation(make_gen("g", images=3))
    assert lib.set_favourite(["g-0", "g-1", "missing"], True) == 2
    assert lib.set_favourite(["g-0"], True) == 0  # already
    assert lib.set_rating(["g-1", "g-2"], 4) == 2
    assert lib.set_pick(["g-2"], "rejected") == 1
    assert lib.set_pick(["g-0"], Pick.PICKED) == 1
    lib.upsert_generation(make_gen("g", "a changed prompt", images=3))  # the server changed
    records = lib.image_records(["g-0", "g-1", "g-2"])
    assert [(r.favourite, r.rating, r.pick) for r in records.values()] == [
        (True, 0, "picked"),
        (True, 4, None),
        (False, 4, "rejected"),
    ]
    assert lib.set_pick(["g-0", "g-2"], None) == 2
    assert lib.set_rating("g-1", 0) == 1  # a lone id is one id, not characters
    assert lib.set_favourite(iter(["g-0"]), False) == 1
    rec = lib.image_records(["g-0", "g-1"])
    assert not rec["g-0"].favourite and rec["g-0"].pick is None and rec["g-1"].rating == 0


@pytest.mark.parametrize("rating", [-1, 6, 2.5, True, "3", None])
def test_a_bad_rating_is_refused(lib: Library, rating: Any) -> None:
    with pytest.raises(ValueError):
        lib.set_rating(["x"], rating)


@pytest.mark.parametrize("pick", ["", "PICKED", "keep", 1])
def test_a_bad_pick_is_refused(lib: Library, pick: Any) -> None:
    with pytest.raises(ValueError):
        lib.set_pick(["x"], pick)


def test_collections(lib: Library) -> None:
    lib.upsert_generation(make_gen("g", images=3))
    travel = lib.create_collection("  Travel   ideas ")
    best = lib.create_collection("Best")
    assert travel != best
    with pytest.raises(ValueError, match="already exists"):
        lib.create_collection("BEST")
    with pytest.raises(ValueError, match="needs a name"):
        lib.create_collection("   ")
    assert lib.add_to_collection(travel, ["g-0", "g-1", "nope", "g-0"]) == 2
    assert lib.add_to_collection(travel, ["g-1", "g-2"]) == 1
    assert lib.add_to_collection(best, ["g-1"]) == 1
    with pytest.raises(KeyError):
        lib.add_to_collection(999, ["g-0"])
    assert [(c.name, c.count) for c in lib.collections()] == [("Best", 1), ("Travel ideas", 3)]
    assert lib.image_records(["g-1"])["g-1"].collection_ids == tuple(sorted((travel, best)))
    lib.rename_collection(best, "Keepers")
    with pytest.raises(ValueError):
        lib.rename_collection(best, "travel IDEAS")
    with pytest.raises(KeyError):
        lib.rename_collection(999, "x")
    assert lib.remove_from_collection(travel, ["g-0", "g-0", "nope"]) == 1
    assert lib.image_ids_page(0, 10, filter=Filter(collection_id=travel)) == ["g-1", "g-2"]
    lib.mark_deleted_local(["g-2"])
    assert {c.name: c.count for c in lib.collections()} == {"Keepers": 1, "Travel ideas": 1}
    assert lib.delete_collection(travel)
    assert not lib.delete_collection(travel)
    assert lib.image_records(["g-1"])["g-1"].collection_ids == (best,)
    assert lib.get_generation("g") is not None  # images stay


def test_delete_with_undo_then_purge(lib: Library) -> None:
    lib.upsert_generation(make_gen("a", images=2))
    lib.upsert_generation(make_gen("b", images=1, created_at=at(1)))
    lib.set_image_file("a-0", "aa" * 32, "png")
    lib.set_image_file("a-1", "bb" * 32, "jpg")
    lib.set_image_file("b-0", "aa" * 32, "png")  # the same bytes as a-0
    cid = lib.create_collection("c")
    lib.add_to_collection(cid, ["a-0"])
    assert lib.mark_deleted_local(["a-0", "a-1"]) == 2
    assert lib.image_ids_page(0, 10) == ["b-0"]
    assert lib.count_images() == 1 and lib.count_images("cat") == 1
    assert lib.deleted_local_ids() == ["a-0", "a-1"]
    assert lib.image_records(["a-0"])["a-0"].deleted_local
    assert lib.mark_deleted_local(["a-1"], on=False) == 1  # undo one
    assert lib.image_ids_page(0, 10) == ["b-0", "a-1"]
    assert lib.purge_deleted(["a-1"]) == []  # not marked: left alone
    files = lib.purge_deleted()
    assert files == []  # a-0's file is still used by b-0
    assert lib.image_records(["a-0"]) == {}
    assert lib.collections()[0].count == 0
    rec = lib.get_generation("a")
    assert rec is not None and [i.id for i in rec.images] == ["a-1"]

    lib.mark_deleted_local(["a-1", "b-0"])
    files = lib.purge_deleted(["a-1", "b-0", "never"])
    assert sorted((f.sha256, f.ext) for f in files) == [("aa" * 32, "png"), ("bb" * 32, "jpg")]
    assert lib.get_generation("a") is None and lib.get_generation("b") is None  # emptied
    assert lib.count_images() == 0 and lib.count_images("cat") == 0
    lib._connection().execute(
        "INSERT INTO generations_fts(generations_fts) VALUES ('integrity-check')"
    )


def test_generation_ids_for_and_diff(lib: Library) -> None:
    lib.upsert_generation(
        make_gen("a", "a fox", model_id="m1", seed=1, image_width=512, guidance_scale=7.0)
    )
    lib.upsert_generation(
        make_gen("b", "a fox", model_id="m2", seed=2, image_width=512, photo_real=True)
    )
    assert lib.generation_ids_for(["b-1", "a-0", "b-0", "zzz", "a-1"]) == ["b", "a"]
    assert lib.generation_ids_for([]) == []
    assert lib.diff_generations("a", "b") == [
        ("model_id", "m1", "m2"),
        ("seed", 1, 2),
        ("guidance_scale", 7.0, None),
        ("photo_real", None, True),
    ]
    assert lib.diff_generations("a", "a") == []
    with pytest.raises(KeyError):
        lib.diff_generations("a", "missing")


def test_image_records_carry_the_model_name_and_lineage(lib: Library) -> None:
    gen = Generation(
        id="g",
        status="COMPLETE",
        prompt="p",
        model_id="m-own",
        created_at=T0,
        images=(
            GeneratedImage(
                id="base",
                url="https://c/b.jpg",
                variations=(
                    Variation(id="up", status="COMPLETE", transform_type="UPSCALE", url="u"),
                ),
            ),
        ),
    )
    lib.upsert_generation(gen)
    assert lib.image_records(["base"])["base"].model_name is None
    lib.save_models("platform", models("m-own"))
    assert lib.image_records(["base"])["base"].model_name == "Model m-own"
    lib.save_models("own", [ModelInfo(id="m-own", name="My own", kind="own")])
    records = lib.image_records(["base", "up"])
    assert records["base"].model_name == "My own"  # own models win
    assert records["base"].has_children and not records["up"].has_children
    assert lib.library_models() == [("m-own", "My own", 1)]


def test_images_to_download_continue_after_an_image(lib: Library) -> None:
    for n in range(3):
        lib.upsert_generation(make_gen(f"g{n}", created_at=at(n), images=2))
    order = [r.id for r in lib.images_to_download(10)]
    assert order == ["g2-0", "g2-1", "g1-0", "g1-1", "g0-0", "g0-1"]
    assert [r.id for r in lib.images_to_download(2, after="g2-1")] == ["g1-0", "g1-1"]
    assert lib.images_to_download(2, after="unknown") == []
    lib.mark_deleted_local(["g1-0"])
    assert [r.id for r in lib.images_to_download(2, after="g2-1")] == ["g1-1", "g0-0"]


def test_a_reconciled_generation_is_claimed_by_one_job_only(lib: Library) -> None:
    a = lib.add_job("generation", '{"prompt": "a fox"}', state=JobState.SUBMITTING)
    b = lib.add_job("generation", '{"prompt": "a fox"}', state=JobState.SUBMITTING)
    assert lib.claim_generation(a, "g1")
    assert not lib.claim_generation(b, "g1")  # job a follows it already
    job_b = lib.get_job(b)
    assert job_b is not None and job_b.generation_id is None
    assert lib.claim_generation(a, "g1")  # its own: fine again
    assert lib.claim_generation(b, "g2")
    assert [lib.get_job(j).generation_id for j in (a, b)] == ["g1", "g2"]  # type: ignore[union-attr]
    assert not lib.claim_generation(b + 1, "g3")  # no such job


def test_the_queue_paused_flag_survives_a_reopen(db_path: Path) -> None:
    with Library.open(db_path) as lib:
        assert not lib.queue_paused()
        lib.set_queue_paused(True)
        assert lib.queue_paused()
    with Library.open(db_path) as lib:
        assert lib.queue_paused()
        lib.set_queue_paused(False)
    with Library.open(db_path) as lib:
        assert not lib.queue_paused()
        assert lib.sync_state() == {}  # resumed: the key is gone, the sync state untouched
