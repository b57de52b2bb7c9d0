"""Filters and search over a real library file: every filter alone and combined, checked
against a plain-Python reference, on every query plan; odd input never raises."""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leodesk.core import search
from leodesk.core.api.models import GeneratedImage, Generation, Variation
from leodesk.core.library import GenerationRecord, ImageRecord, Library
from leodesk.core.search import Filter, choose_driver, compile_filter
from tests.core.test_library import ODD_QUERIES

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
WORDS = [
    "red",
    "fox",
    "blue",
    "whale",
    "green",
    "forest",
    "portrait",
    "lighthouse",
    "castle",
    "neon",
    "city",
    "rain",
]
MODELS = ["m-kino", "m-vision", "m-phoenix", "m-anime"]
SIZES = [(512, 512), (1024, 768), (768, 1024)]
STATUSES = ["COMPLETE", "COMPLETE", "COMPLETE", "FAILED", "PENDING"]


def ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def build(lib: Library, seed: int = 5) -> None:
    rng = random.Random(seed)
    for k in range(60):
        created = T0 + timedelta(minutes=7 * (k // 2))  # pairs share a timestamp
        width, height = SIZES[k % 3]
        images = []
        for n in range(1 + k % 3):
            variations: tuple[Variation, ...] = ()
            if k % 7 == 0 and n == 0:
                variations = (
                    Variation(
                        id=f"g{k:02d}-{n}-up",
                        status="COMPLETE",
                        transform_type="UPSCALE",
                        url=f"https://cdn.example/g{k}/{n}/up.jpg",
                        created_at=ts(created + timedelta(minutes=200)),
                    ),
                )
            images.append(
                GeneratedImage(
                    id=f"g{k:02d}-{n}",
                    url=f"https://cdn.example/g{k}/{n}.jpg",
                    variations=variations,
                )
            )
        flag = [True, False, None][k % 3]
        lib.upsert_generation(
            Generation(
                id=f"g{k:02d}",
                status=STATUSES[k % len(STATUSES)],
                prompt=" ".join(rng.sample(WORDS, rng.randint(2, 5))),
                negative_prompt="blurry " + rng.choice(WORDS),
                model_id=MODELS[k % 4] if k % 11 else None,
                image_width=width,
                image_height=height,
                seed=k * 1000 + 1,
                created_at=ts(created),
                images=tuple(images),
                photo_real=flag,
                prompt_magic=[False, None, True][k % 3],
                extra={"alchemy": k % 2 == 0} if k % 5 else {},
            )
        )
    ids = [r[0] for r in lib._connection().execute("SELECT id FROM images ORDER BY id")]
    lib.set_favourite(rng.sample(ids, 14), True)
    for rating in range(1, 6):
        lib.set_rating(rng.sample(ids, 5), rating)
    lib.set_pick(rng.sample(ids, 8), "picked")
    lib.set_pick(rng.sample(ids, 6), "rejected")
    a = lib.create_collection("Keepers")
    b = lib.create_collection("Tiny")
    lib.add_to_collection(a, rng.sample(ids, 20))
    lib.add_to_collection(b, rng.sample(ids, 3))
    lib.set_image_file("g03-0", "ab" * 32, "png", width=2048, height=1536)  # an upscaled file
    for gen_id in ("g04", "g17", "g33"):
        lib.set_deleted_remote(gen_id)
    lib.mark_deleted_local(["g10-0", "g21-1", "g07-0-up"])


@pytest.fixture(scope="module")
def module_lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    path = tmp_path_factory.mktemp("search") / "library.sqlite3"
    library = Library.open(path)
    build(library)
    try:
        yield library
    finally:
        library.close()


# ------------------------------------------------------------------------------ reference


def everything(lib: Library) -> list[tuple[ImageRecord, GenerationRecord]]:
    ids = [r[0] for r in lib._connection().execute("SELECT id FROM images")]
    records = lib.image_records(ids)
    gens: dict[str, GenerationRecord] = {}
    out = []
    for rec in records.values():
        if rec.generation_id not in gens:
            found = lib.get_generation(rec.generation_id)
            assert found is not None
            gens[rec.generation_id] = found
        out.append((rec, gens[rec.generation_id]))
    return out


def words_match(text: str, query: str) -> bool:
    tokens = re.findall(r"\w+", text.lower())
    wanted = query.lower().split()
    if not wanted:
        return True
    *whole, last = wanted
    return all(w in tokens for w in whole) and any(t.startswith(last) for t in tokens)


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def passes(f: Filter, rec: ImageRecord, gen: GenerationRecord) -> bool:
    if rec.deleted_local or (rec.deleted_remote and not f.include_deleted_remote):
        return False
    if f.text:
        text = gen.prompt + (" " + gen.negative_prompt if f.include_negative else "")
        if not words_match(text, f.text):
            return False
    if f.model_ids and rec.model_id not in f.model_ids:
        return False
    if f.statuses and rec.status not in f.statuses:
        return False
    if f.seed is not None and rec.seed != f.seed:
        return False
    for name in ("alchemy", "photo_real", "prompt_magic"):
        wanted = getattr(f, name)
        if wanted is True and getattr(gen, name) is not True:
            return False
        if wanted is False and getattr(gen, name) is True:
            return False
    width, height = rec.width, rec.height
    lo_w, hi_w, lo_h, hi_h = f.min_width, f.max_width, f.min_height, f.max_height
    if f.size is not None:
        lo_w = hi_w = f.size[0]
        lo_h = hi_h = f.size[1]
    checks = [(width, lo_w, 1), (width, hi_w, -1), (height, lo_h, 1), (height, hi_h, -1)]
    for value, bound, sign in checks:
        if bound is not None and (value is None or sign * (value - bound) < 0):
            return False
    if f.since is not None and rec.created_ms < ms(f.since):
        return False
    if f.until is not None and rec.created_ms > ms(f.until):
        return False
    if f.favourite is not None and rec.favourite != f.favourite:
        return False
    if rec.rating < f.min_rating:
        return False
    if f.picks and rec.pick not in f.picks:
        return False
    if f.collection_id is not None and f.collection_id not in rec.collection_ids:
        return False
    return f.has_children is None or rec.has_children == f.has_children


def expected_ids(rows: list[tuple[ImageRecord, GenerationRecord]], f: Filter) -> list[str]:
    chosen = [rec for rec, gen in rows if passes(f, rec, gen)]
    chosen.sort(key=lambda r: (-r.created_ms, r.index, r.id))
    return [r.id for r in chosen]


def check(lib: Library, f: Filter, rows: list[tuple[ImageRecord, GenerationRecord]]) -> list[str]:
    """The page, the count and every driver agree with the reference; returns the ids."""
    want = expected_ids(rows, f)
    assert lib.image_ids_page(0, 1000, filter=f) == want, f
    assert lib.count_images(filter=f) == len(want), f
    assert lib.image_ids_page(3, 4, filter=f) == want[3:7], f
    compiled = compile_filter(f)
    conn = lib._connection()
    for driver in compiled.drivers:
        assert lib._page(conn, compiled, driver, 0, 1000) == want, (f, driver)
        assert lib._page(conn, compiled, driver, 2, 5) == want[2:7], (f, driver)
        count = conn.execute(search.count_sql(compiled, driver), compiled.params).fetchone()[0]
        assert count == len(want), (f, driver)
    return want


@pytest.fixture(scope="module")
def rows(module_lib: Library) -> list[tuple[ImageRecord, GenerationRecord]]:
    return everything(module_lib)


# ------------------------------------------------------------------------------ one at a time


def keepers(lib: Library) -> int:
    return next(c.id for c in lib.collections() if c.name == "Keepers")


SINGLE: list[tuple[str, dict[str, Any]]] = [
    ("nothing", {}),
    ("text", {"text": "fox"}),
    ("text prefix", {"text": "light"}),
    ("two words", {"text": "red por"}),
    ("negative", {"text": "blurry", "include_negative": True}),
    ("negative off", {"text": "blurry"}),
    ("one model", {"model_ids": ("m-kino",)}),
    ("two models", {"model_ids": ["m-kino", "m-anime"]}),
    ("model as a string", {"model_ids": "m-vision"}),
    ("unknown model", {"model_ids": ("nope",)}),
    ("since", {"since": T0 + timedelta(minutes=70)}),
    ("until", {"until": T0 + timedelta(minutes=70)}),
    ("window", {"since": T0 + timedelta(minutes=21), "until": T0 + timedelta(minutes=49)}),
    ("min width", {"min_width": 1000}),
    ("max width", {"max_width": 800}),
    ("min height", {"min_height": 1000}),
    ("max height", {"max_height": 600}),
    ("exact size", {"size": (1024, 768)}),
    ("file size", {"size": (2048, 1536)}),
    ("seed", {"seed": 12001}),
    ("alchemy on", {"alchemy": True}),
    ("alchemy off", {"alchemy": False}),
    ("photo real on", {"photo_real": True}),
    ("photo real off", {"photo_real": False}),
    ("prompt magic on", {"prompt_magic": True}),
    ("prompt magic off", {"prompt_magic": False}),
    ("status", {"statuses": ("FAILED",)}),
    ("statuses", {"statuses": ("FAILED", "PENDING")}),
    ("favourites", {"favourite": True}),
    ("not favourites", {"favourite": False}),
    ("rated", {"min_rating": 1}),
    ("four stars", {"min_rating": 4}),
    ("picked", {"picks": ("picked",)}),
    ("rejected", {"picks": ("rejected",)}),
    ("unmarked", {"picks": (None,)}),
    ("picked or unmarked", {"picks": ("picked", None)}),
    ("has children", {"has_children": True}),
    ("no children", {"has_children": False}),
    ("deleted on server too", {"include_deleted_remote": True}),
]


@pytest.mark.parametrize(("label", "kwargs"), SINGLE, ids=[s[0] for s in SINGLE])
def test_each_filter_alone(
    module_lib: Library,
    rows: list[tuple[ImageRecord, GenerationRecord]],
    label: str,
    kwargs: dict[str, Any],
) -> None:
    want = check(module_lib, Filter(**kwargs), rows)
    visible = len(check(module_lib, Filter(), rows))
    expected_size = {
        "nothing": visible,
        "negative": visible,  # every negative prompt says "blurry"
        "unknown model": 0,
        "negative off": 0,
    }
    if label in expected_size:
        assert len(want) == expected_size[label]
    elif label == "deleted on server too":
        assert len(want) > visible
    else:
        assert 0 < len(want) < visible, label  # the filter does filter


def test_collection_filter(
    module_lib: Library, rows: list[tuple[ImageRecord, GenerationRecord]]
) -> None:
    cid = keepers(module_lib)
    want = check(module_lib, Filter(collection_id=cid), rows)
    assert 0 < len(want) < 20  # 20 were added; some are hidden (deleted)
    assert check(module_lib, Filter(collection_id=cid + 1000), rows) == []


def test_deleted_images_never_show(
    module_lib: Library, rows: list[tuple[ImageRecord, GenerationRecord]]
) -> None:
    shown = set(check(module_lib, Filter(include_deleted_remote=True), rows))
    assert not shown & {"g10-0", "g21-1", "g07-0-up"}
    assert {"g04-0", "g17-0"} <= shown
    assert not {"g04-0", "g17-0"} & set(module_lib.image_ids_page(0, 1000))


# ------------------------------------------------------------------------------ combined


def random_filter(rng: random.Random, cid: int) -> Filter:
    pool: dict[str, list[Any]] = {
        "text": ["fox", "re", "blue whale", "c", "portrait neon", "zzz"],
        "include_negative": [True],
        "model_ids": [("m-kino",), ("m-vision", "m-phoenix"), ("m-anime",)],
        "since": [T0 + timedelta(minutes=m) for m in (0, 35, 140)],
        "until": [T0 + timedelta(minutes=m) for m in (60, 150, 400)],
        "min_width": [600, 1000],
        "max_height": [800, 1024],
        "size": [(512, 512), (768, 1024)],
        "seed": [1, 7001, 42],
        "alchemy": [True, False],
        "photo_real": [True, False],
        "prompt_magic": [True, False],
        "statuses": [("COMPLETE",), ("FAILED", "PENDING")],
        "favourite": [True, False],
        "min_rating": [1, 3, 5],
        "collection_id": [cid],
        "has_children": [True, False],
        "include_deleted_remote": [True],
        "picks": [("picked",), ("rejected", None), (None,)],
    }
    chosen = rng.sample(sorted(pool), rng.randint(2, 4))
    return Filter(**{name: rng.choice(pool[name]) for name in chosen})


def test_filters_combine(
    module_lib: Library, rows: list[tuple[ImageRecord, GenerationRecord]]
) -> None:
    rng = random.Random(11)
    cid = keepers(module_lib)
    non_empty = 0
    for _ in range(300):
        if check(module_lib, random_filter(rng, cid), rows):
            non_empty += 1
    assert non_empty > 60  # the combinations are not all trivially empty


def test_query_shortcut_still_works(
    module_lib: Library, rows: list[tuple[ImageRecord, GenerationRecord]]
) -> None:
    assert module_lib.image_ids_page(0, 100, query="fox") == expected_ids(rows, Filter(text="fox"))
    with_model = Filter(model_ids=("m-kino",))
    assert module_lib.image_ids_page(0, 100, query="fox", filter=with_model) == expected_ids(
        rows, replace(with_model, text="fox")
    )
    assert module_lib.count_images(with_model) == len(expected_ids(rows, with_model))
    assert module_lib.count_images("blurry", include_negative=True) == len(
        expected_ids(rows, Filter(text="blurry", include_negative=True))
    )
    # The filter's own text wins over the shortcut.
    assert module_lib.image_ids_page(0, 100, query="fox", filter=Filter(text="red")) == (
        expected_ids(rows, Filter(text="red"))
    )


def test_keyset_paging_matches_offsets(
    module_lib: Library, rows: list[tuple[ImageRecord, GenerationRecord]]
) -> None:
    for f in (Filter(), Filter(text="fox"), Filter(favourite=True), Filter(min_width=1000)):
        want = expected_ids(rows, f)
        walked: list[str] = []
        page = module_lib.image_ids_page(0, 7, filter=f)
        while page:
            walked += page
            page = module_lib.image_ids_page(0, 7, filter=f, after=page[-1])
        assert walked == want
        if len(want) > 5:
            assert module_lib.image_ids_page(2, 3, filter=f, after=want[0]) == want[3:6]
    assert module_lib.image_ids_page(0, 5, after="no-such-image") == []


# ------------------------------------------------------------------------------ odd input


ODD_FILTERS: list[dict[str, Any]] = [
    {"seed": 2**70},
    {"seed": -(2**70)},
    {"seed": -1},
    {"seed": True},
    {"seed": "12001"},
    {"size": (0, 0)},
    {"size": (1, 2, 3)},
    {"size": ("a", "b")},
    {"size": [1024, 768]},
    {"min_width": -5},
    {"min_width": 2**80},
    {"max_height": 1.5},
    {"min_rating": 99},
    {"min_rating": -3},
    {"min_rating": "4"},
    {"since": T0 + timedelta(days=1), "until": T0},
    {"since": datetime(1, 1, 1)},
    {"until": datetime(1, 1, 1)},
    {"since": datetime(9999, 12, 31, 23, 59)},
    {"until": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)},
    {"since": "2024-05-01"},
    {"since": datetime(2024, 5, 1)},  # naive: local time
    {"collection_id": -1},
    {"collection_id": 2**70},
    {"collection_id": "1"},
    {"picks": ("bogus",)},
    {"picks": "picked"},
    {"picks": ("picked", 7)},
    {"model_ids": [""] * 1000},
    {"model_ids": [f"m{n}" for n in range(2000)]},
    {"model_ids": 42},
    {"statuses": ["'; DROP TABLE images; --"]},
    {"alchemy": "yes"},
    {"favourite": 1},
    {"has_children": "no"},
    {"include_deleted_remote": 1},
]


@pytest.mark.parametrize("kwargs", ODD_FILTERS)
def test_odd_filter_values_never_raise(module_lib: Library, kwargs: dict[str, Any]) -> None:
    f = Filter(**kwargs)
    ids = module_lib.image_ids_page(0, 1000, filter=f)
    assert module_lib.count_images(filter=f) == len(ids)
    compiled = compile_filter(f)
    conn = module_lib._connection()
    for driver in compiled.drivers:
        assert module_lib._page(conn, compiled, driver, 0, 1000) == ids
    hash(f)  # filters stay usable as cache keys


def test_impossible_filters_match_nothing(module_lib: Library) -> None:
    for kwargs in (
        {"seed": 2**70},
        {"min_rating": 99},
        {"since": T0 + timedelta(days=1), "until": T0},
        {"until": datetime(1, 1, 1)},
        {"picks": ("bogus",)},
        {"size": (1, 2, 3)},
    ):
        assert module_lib.image_ids_page(0, 10, filter=Filter(**kwargs)) == [], kwargs


@pytest.mark.parametrize("query", [*ODD_QUERIES, None])
def test_odd_text_with_filters_never_raises(module_lib: Library, query: str | None) -> None:
    for f in (
        Filter(text=query),
        Filter(text=query, include_negative=True, favourite=True),
        Filter(text=query, model_ids=("m-kino",), min_rating=1),
        Filter(text=query, collection_id=1, has_children=False),
    ):
        ids = module_lib.image_ids_page(0, 1000, filter=f)
        assert module_lib.count_images(filter=f) == len(ids)


def test_every_field_has_a_default_that_filters_nothing(
    module_lib: Library, rows: list[tuple[ImageRecord, GenerationRecord]]
) -> None:
    defaults = Filter()
    assert all(getattr(defaults, f.name) in (None, (), False, 0) for f in fields(Filter))
    assert module_lib.image_ids_page(0, 1000, filter=defaults) == module_lib.image_ids_page(0, 1000)


# ------------------------------------------------------------------------------ plans


def plan(lib: Library, f: Filter, driver: str) -> str:
    compiled = compile_filter(f)
    sql = search.page_sql(compiled, driver)
    params = {**compiled.params, "limit": 10, "offset": 0}
    rows = lib._connection().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "\n".join(str(r[3]) for r in rows)


@pytest.mark.parametrize(
    ("f", "driver"),
    [
        (Filter(), "time"),
        (Filter(text="fox"), "time"),
        (Filter(model_ids=("m-kino",), since=T0, photo_real=True), "time"),
        (Filter(favourite=True, text="fox"), "favourites"),
        (Filter(min_rating=3), "rated"),
        (Filter(picks=("picked",)), "picked"),
    ],
)
def test_ordered_drivers_never_sort(module_lib: Library, f: Filter, driver: str) -> None:
    text = plan(module_lib, f, driver)
    assert "TEMP B-TREE" not in text, text
    assert "USING" in text and "INDEX" in text


def test_the_unfiltered_page_reads_only_the_index(module_lib: Library) -> None:
    assert "COVERING INDEX images_live_by_time" in plan(module_lib, Filter(), "time")


def test_set_drivers_sort_only_their_set(module_lib: Library) -> None:
    text = plan(module_lib, Filter(text="fox"), "fts")
    assert "VIRTUAL TABLE" in text
    assert "TEMP B-TREE FOR ORDER BY" in text


def test_driver_choice() -> None:
    text = compile_filter(Filter(text="portrait"))
    common = {"fts": 12_000}
    rare = {"fts": 100}
    kw: dict[str, Any] = {"rows_needed": 200, "images": 100_000, "generations": 40_000}
    assert choose_driver(text, sizes=common, **kw) == "time"
    assert choose_driver(text, sizes=rare, **kw) == "fts"
    fav = compile_filter(Filter(favourite=True))
    assert choose_driver(fav, sizes={"favourites": 300}, **kw) == "favourites"
    both = compile_filter(Filter(text="portrait", favourite=True))
    assert choose_driver(both, sizes={"fts": 12_000, "favourites": 300}, **kw) == "favourites"
    assert choose_driver(both, sizes={"fts": 20, "favourites": 30_000}, **kw) == "fts"
    model = compile_filter(Filter(text="portrait", model_ids=("m",)))
    assert choose_driver(model, sizes={"fts": 12_000, "model": 2_000}, **kw) == "model"
    assert choose_driver(compile_filter(Filter()), sizes={}, **kw) == "time"


def test_a_driver_the_filter_cannot_use_is_refused() -> None:
    with pytest.raises(ValueError):
        search.page_sql(compile_filter(Filter()), "fts")


def test_pages_are_fast_enough_to_not_scan(tmp_path: Path) -> None:
    """A no-match search and an unfiltered first page do not depend on the library size
    (checked by SQLite's own step counter, not by time)."""
    path = tmp_path / "big.sqlite3"
    with Library.open(path) as lib:
        for k in range(300):
            lib.upsert_generation(
                Generation(
                    id=f"g{k}",
                    status="COMPLETE",
                    prompt=f"common words {k}",
                    created_at=ts(T0 + timedelta(minutes=k)),
                    images=(GeneratedImage(id=f"i{k}", url="https://x/y.jpg"),),
                )
            )
        conn = sqlite3.connect(path)
        steps: list[int] = []
        conn.set_progress_handler(lambda: steps.append(1) and 0, 10)
        for f in (Filter(), Filter(text="zzz")):
            compiled = compile_filter(f)
            driver = "time" if f.text is None else "fts"
            steps.clear()
            sql = search.page_sql(compiled, driver)
            conn.execute(sql, {**compiled.params, "limit": 5, "offset": 0}).fetchall()
            assert len(steps) < 100, (f, len(steps))  # a scan of 300 rows takes 300+
        conn.close()
