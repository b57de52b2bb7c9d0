"""A last word no other word in the index starts with is matched whole (its prefix match would
merge lists for nothing): the same rows as the prefix match, on a library filled in mixed
orders, and the prefix match again as soon as a longer word arrives."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from leodesk.core import search
from leodesk.core.library import Library, LibraryError
from leodesk.core.search import Filter
from tests.core.test_search_walk import _gen


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "library.sqlite3")
    rng = random.Random(5)
    gens = [_gen(n, rng) for n in range(700)]
    older = sorted(gens[:400], key=lambda g: g.created_at or "", reverse=True)
    for start in range(0, len(older), 50):
        library.upsert_generations(older[start : start + 50])  # synced, newest first
    for gen in gens[400:550]:
        library.upsert_generation(gen)  # made in the app, oldest first
    rest = gens[550:]
    rng.shuffle(rest)
    library.upsert_generations(rest)
    try:
        yield library
    finally:
        library.close()


def _whole(lib: Library, text: str) -> bool:
    """Whether the library matches the last word of ``text`` whole."""
    with lib._reading() as conn:
        compiled = lib._compile(conn, Filter(text=text), None)
    assert compiled is not None
    return compiled.params[compiled.match_param[1:]] == compiled.params[compiled.exact_param[1:]]


def _as_prefix(lib: Library, flt: Filter, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    """The pages and count with every last word matched as a prefix (the shortcut off)."""
    with monkeypatch.context() as m:
        m.setattr(Library, "_only_word_so", lambda self, conn, word: False)
        return _answers(lib, flt)


def _answers(lib: Library, flt: Filter) -> tuple[object, ...]:
    return (
        lib.image_ids_page(0, 500, filter=flt),
        lib.image_ids_page(7, 30, filter=flt),
        lib.image_page(0, 500, filter=flt),
        lib.count_images(filter=flt),
    )


def test_prefix_word_reads_the_last_plain_word() -> None:
    assert search.prefix_word(search.fts_query("Detailed")) == "detailed"
    assert search.prefix_word(search.fts_query("red Car", column="prompt")) == "car"
    assert search.prefix_word(search.fts_query("a b42")) == "b42"
    for text in ('say "hi"', "café", "rock-n-roll", "x_y", None):
        assert search.prefix_word(search.fts_query(text)) is None, text
    assert search.prefix_word('"whole"') is None  # not a prefix match


@pytest.mark.parametrize(
    "text", ["beta", "gamma", "filler beta", "alpha", "alph", "alphabet", "Beta", "zzz"]
)
def test_the_same_rows_as_the_prefix_match(
    lib: Library, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for flt in (Filter(text=text), Filter(text=text, include_negative=True)):
        assert _answers(lib, flt) == _as_prefix(lib, flt, monkeypatch)
    # "alpha" is also the start of "alphabet": it stays a prefix match. ("zzz" starts no word:
    # matched whole, it finds nothing either.)
    whole = ("beta", "gamma", "filler beta", "alphabet", "zzz")
    assert _whole(lib, text) == (text.lower() in whole)


def test_a_longer_word_arriving_brings_the_prefix_match_back(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    flt = Filter(text="gamma")
    before = lib.image_ids_page(0, 500, filter=flt)
    assert _whole(lib, "gamma")
    rng = random.Random(9)
    newer = _gen(5000, rng)
    newer = replace(newer, prompt="gammaray burst")
    lib.upsert_generation(newer)
    assert not _whole(lib, "gamma")
    after = lib.image_ids_page(0, 500, filter=flt)
    assert after == _as_prefix(lib, flt, monkeypatch)[0]
    assert len(after) > len(before) and set(before) < set(after)


def test_a_reader_of_another_connection_sees_the_new_word(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = Library.open_readonly(tmp_path / "library.sqlite3")
    try:
        flt = Filter(text="beta")
        assert _answers(reader, flt) == _as_prefix(reader, flt, monkeypatch)
        assert _whole(reader, "beta")
        newer = replace(_gen(6000, random.Random(3)), prompt="betamax tape")
        lib.upsert_generation(newer)  # written by the other connection
        assert not _whole(reader, "beta")
        assert _answers(reader, flt) == _as_prefix(reader, flt, monkeypatch)
        with pytest.raises(LibraryError):  # still read-only after making its word list
            reader.set_favourite(reader.image_ids_page(0, 1), True)
    finally:
        reader.close()


@pytest.mark.parametrize("cap", [10, 100_000])
def test_a_word_matched_whole_is_counted_once(lib: Library, cap: int) -> None:
    """Below the cap, a prefix match is counted again after the word itself; matched whole,
    the two counts would be one and the same: one is made, and says the same."""
    with lib._reading() as conn:
        whole = lib._compile(conn, Filter(text="beta"), None)
        prefix = search.compile_filter(Filter(text="beta"))
        assert whole is not None and prefix is not None
        sql = search.driver_sizes_sql(whole, cap)["fts"]
        assert sql.count("MATCH") == 1
        assert search.driver_sizes_sql(prefix, cap)["fts"].count("MATCH") == 2
        sizes = [
            conn.execute(search.driver_sizes_sql(c, cap)["fts"], c.params).fetchone()[0]
            for c in (whole, prefix)
        ]
    assert sizes[0] == sizes[1] == min(cap, sizes[1]) > 0
