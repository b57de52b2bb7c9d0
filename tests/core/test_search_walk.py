"""The chunked walk (an ordered page with full-text words, read chunk by chunk) and the one-read
page of records, on a library filled in mixed orders: synced pages (newest first), jobs made in
the app (oldest first) and a shuffled batch, so rowids and time disagree in every way."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leodesk.core import search
from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import ImageRecord, Library
from leodesk.core.search import Filter, compile_filter

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _gen(n: int, rng: random.Random) -> Generation:
    words = ["filler"] * rng.randint(3, 8)
    if n % 2 == 0:
        words.append("alpha")  # half of the generations
    if n % 19 == 0:
        words.append("beta")  # about 5 %
    if n % 211 == 0:
        words.append("gamma")  # a handful
    if n % 7 == 0:
        words.append("alphabet")  # matches the prefix "alpha" too
    rng.shuffle(words)
    created = T0 + timedelta(seconds=90 * n + rng.randint(0, 30))
    return Generation(
        id=f"{n:08x}-0000-4000-8000-000000000000",
        status="COMPLETE",
        prompt=" ".join(words),
        model_id=f"m{n % 3}",
        image_width=512,
        image_height=512,
        created_at=created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        images=tuple(
            GeneratedImage(id=f"{n:08x}-{k:04x}-4000-8000-000000000001", url=f"https://x/{n}/{k}")
            for k in range(1 + n % 4)
        ),
    )


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    path: Path = tmp_path_factory.mktemp("walk") / "library.sqlite3"
    library = Library.open(path)
    rng = random.Random(11)
    gens = [_gen(n, rng) for n in range(1600)]
    # A sync of the older 1000 (newest first, in pages), then jobs made in the app (oldest
    # first), then a sync that also brings a shuffled batch.
    older = sorted(gens[:1000], key=lambda g: g.created_at or "", reverse=True)
    for start in range(0, len(older), 50):
        library.upsert_generations(older[start : start + 50])
    for gen in gens[1000:1300]:
        library.upsert_generation(gen)
    rest = gens[1300:]
    rng.shuffle(rest)
    library.upsert_generations(rest)
    library.set_deleted_remote(gens[1200].id or "")
    try:
        yield library
    finally:
        library.close()


FILTERS = [
    Filter(text="alpha"),
    Filter(text="alph"),
    Filter(text="beta"),
    Filter(text="gamma"),
    Filter(text="alpha beta"),
    Filter(text="filler alpha", model_ids=("m1",)),
    Filter(text="beta", include_deleted_remote=True),
    Filter(text="nothing-matches-this"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f"{f.text}|{f.model_ids}")
@pytest.mark.parametrize(("offset", "limit"), [(0, 7), (0, 500), (13, 40), (0, 5000)])
def test_the_chunked_walk_gives_the_rows_of_the_set_driver(
    lib: Library, flt: Filter, offset: int, limit: int
) -> None:
    with lib._reading() as conn:
        compiled = compile_filter(flt)
        assert search.walks_in_chunks(compiled, "time")
        walked = lib._page(conn, compiled, "time", offset, limit)
        params = {**compiled.params, "limit": limit, "offset": offset}
        reference = [r[0] for r in conn.execute(search.page_sql(compiled, "fts"), params)]
        # The plain walk that tests every row against the list of all matches: same rows.
        plain = [r[0] for r in conn.execute(search.page_sql(compiled, "time"), params)]
    assert walked == reference == plain
    if flt.text == "alpha" and limit == 5000:
        assert len(walked) > 1500


def test_a_rare_word_takes_several_growing_chunks(lib: Library) -> None:
    statements: list[str] = []
    with lib._reading() as conn:
        compiled = compile_filter(Filter(text="gamma"))
        conn.set_trace_callback(statements.append)
        try:
            walked = lib._page(conn, compiled, "time", 0, 7)
        finally:
            conn.set_trace_callback(None)
        params = {**compiled.params, "limit": 7, "offset": 0}
        reference = [r[0] for r in conn.execute(search.page_sql(compiled, "fts"), params)]
    chunks = [s for s in statements if s.startswith("WITH w AS MATERIALIZED")]
    assert walked == reference and len(walked) == 7
    assert len(chunks) >= 3, chunks


@pytest.mark.parametrize(
    ("flt", "reads_rows"),
    [
        (Filter(text="alpha"), False),
        (Filter(text="alpha", include_deleted_remote=True), False),
        (Filter(text="alpha", model_ids=("m1",)), True),  # the model is in the row
    ],
)
def test_a_chunk_reads_a_generations_row_only_to_test_it(
    lib: Library, flt: Filter, reads_rows: bool
) -> None:
    """Words alone need only the generation's pk (the full-text rowid) in the walk: the index
    on ids holds it; the rows deleted on the server are left out by id."""
    compiled = compile_filter(flt)
    sql = search.walk_sql(compiled, "time", cursor=False)
    params = {**compiled.params, "chunk": 100, "need": 10}
    with lib._reading() as conn:
        steps = [str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    join = next(s for s in steps if s.startswith("SEARCH g "))
    assert ("COVERING INDEX" not in join) == reads_rows, steps


def test_keyset_pages_of_a_walk_join_up(lib: Library) -> None:
    flt = Filter(text="beta")
    everything = lib.image_ids_page(0, 10_000, filter=flt)
    pages: list[str] = []
    page = lib.image_ids_page(0, 9, filter=flt)
    while page:
        pages += page
        page = lib.image_ids_page(0, 9, filter=flt, after=page[-1])
    assert pages == everything and len(everything) > 100


@pytest.mark.parametrize("flt", [*FILTERS, Filter(), Filter(model_ids=("m2",)), None])
def test_image_page_is_the_records_of_the_ids_page(lib: Library, flt: Filter | None) -> None:
    ids = lib.image_ids_page(0, 300, filter=flt)
    records = lib.image_page(0, 300, filter=flt)
    assert [r.id for r in records] == ids
    by_id = lib.image_records(ids)
    assert records == [by_id[i] for i in ids]
    after = ids[-1] if ids else None
    if after is not None:
        assert [r.id for r in lib.image_page(0, 50, filter=flt, after=after)] == (
            lib.image_ids_page(0, 50, filter=flt, after=after)
        )


def test_a_record_has_every_field_and_stays_frozen(lib: Library) -> None:
    record = lib.image_page(0, 1, filter=Filter(text="gamma"))[0]
    assert set(vars(record)) == {f.name for f in fields(ImageRecord)}
    assert record.prompt and "gamma" in record.prompt
    with pytest.raises(AttributeError):
        record.rating = 3  # type: ignore[misc]


def test_the_cost_model_walks_for_common_words_and_sorts_rare_ones() -> None:
    compiled = compile_filter(Filter(text="alpha"))
    kw = {"rows_needed": 500, "images": 1_000_000, "generations": 400_000}
    assert search.choose_driver(compiled, sizes={"fts": 200_000}, **kw) == "time"
    assert search.choose_driver(compiled, sizes={"fts": 300}, **kw) == "fts"


@pytest.mark.parametrize("text", ["alpha", "alph", "beta", "gamma", "alpha beta"])
def test_a_chunked_walk_can_carry_the_records(lib: Library, text: str) -> None:
    from leodesk.core.library.records import (
        _IMAGE_COLUMNS,
        _IMAGE_KEY,
        _IMAGE_WIDTH,
        _image_record,
    )

    with lib._reading() as conn:
        columns = conn.execute(
            f"SELECT {_IMAGE_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id"
        ).description
        assert len(columns) == _IMAGE_WIDTH
        compiled = compile_filter(Filter(text=text))
        rows = lib._walk(conn, compiled, "time", 400, _IMAGE_COLUMNS, _IMAGE_WIDTH, _IMAGE_KEY)
        ids = lib._page(conn, compiled, "time", 0, 400)
    records = [_image_record(r, None, 1) for r in rows]
    assert [r.id for r in records] == ids
    by_id = lib.image_records(ids)
    assert records == [replace_name(by_id[i]) for i in ids]


def replace_name(record: ImageRecord) -> ImageRecord:
    """The record without the model's name (the walk above is given no names)."""
    from dataclasses import replace

    return replace(record, model_name=None)


@pytest.mark.parametrize("text", ["alpha", "beta", "alpha beta"])
def test_a_chunked_walk_after_an_image_continues_the_same_order(lib: Library, text: str) -> None:
    flt = Filter(text=text)
    everything = lib.image_ids_page(0, 10_000, filter=flt)
    with lib._reading() as conn:
        for start in (0, 5, len(everything) // 2):
            row = conn.execute(
                "SELECT created_ms, idx, id FROM images WHERE id = ?", (everything[start],)
            ).fetchone()
            compiled = compile_filter(flt, after=(int(row[0]), int(row[1]), str(row[2])))
            walked = lib._page(conn, compiled, "time", 0, 60, chunked=True)
            assert walked == everything[start + 1 : start + 61]
