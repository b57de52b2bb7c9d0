"""Search and filters over the library: :class:`Filter`, safe FTS queries and the SQL they become.

Pure (no database access): :class:`~leodesk.core.library.Library` compiles a :class:`Filter` with
:func:`compile_filter`, asks the database a few cheap questions to estimate the candidate sets,
picks a *driver* with :func:`choose_driver` and runs :func:`page_sql` / :func:`count_sql`.

Every page comes back newest first (image ``created_ms`` descending, then the position in the
generation, then the id), whichever driver produced it:

* ``time``, ``favourites``, ``rated``, ``picked`` walk an index that is already in that order
  (``images_live_by_time`` or one of the partial indexes of curated images) and stop after the
  page: no sort, so a common word or no filter costs about the page size.
* ``fts``, ``model``, ``collection``, ``children`` start from a set (the full-text matches, the
  generations of the chosen models, a collection, the images that have variations) and sort
  only that set: right for rare words and small sets.

An ordered walk with words tests each row's generation against the words' matches. When the
words match many generations (a common word), the list of them all costs far more than the
page, so the walk goes in chunks (:func:`walk_sql`), each asking the full-text index only about
its own range of generations (a synced library is written newest first, so a chunk of the
time order is a narrow range of rowids). Otherwise the walk tests each row's generation id
against the ids of all the matches, read from a small index by pk.

The last word a user typed is matched as a prefix (results follow typing). FTS5 answers a
prefix by merging the lists of every indexed word that starts so; when no other word does
(checked by the library in the index's vocabulary, :func:`prefix_word`), the word is matched
whole instead: the same rows, without building a merged list as long as a common word's.

The choice only changes the speed, never the rows (the tests run every driver on the same
filters and compare).

User text never reaches ``MATCH`` as syntax (see :func:`fts_query`), and no input to
:class:`Filter` makes a query raise: impossible combinations simply match nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

__all__ = [
    "DRIVERS",
    "MAX_FILTER_VALUES",
    "MAX_QUERY_WORDS",
    "PICK_STATES",
    "Compiled",
    "Filter",
    "choose_driver",
    "compile_filter",
    "count_sql",
    "driver_sizes_sql",
    "estimate_cap",
    "fts_query",
    "page_sql",
    "prefix_word",
    "walk_sql",
    "walks_in_chunks",
]

MAX_QUERY_WORDS: Final = 32
#: At most this many model ids / statuses are used from a filter (a filter is not a data dump).
MAX_FILTER_VALUES: Final = 500
PICKED: Final = "picked"
REJECTED: Final = "rejected"
PICK_STATES: Final = frozenset({PICKED, REJECTED})

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

#: Every way of producing a page (see the module docstring).
DRIVERS: Final = (
    "time",
    "favourites",
    "rated",
    "picked",
    "fts",
    "model",
    "collection",
    "children",
)
_ORDERED: Final = frozenset({"time", "favourites", "rated", "picked"})
_PER_GENERATION: Final = frozenset({"fts", "model"})  # sizes counted in generations
_INDEX: Final[Mapping[str, str]] = {
    "time": "images_live_by_time",
    "favourites": "images_favourites",
    "rated": "images_rated",
    "picked": "images_picked",
}
# The literal terms that let SQLite use the partial indexes (it matches them textually).
_INDEX_TERM: Final[Mapping[str, str]] = {
    "favourites": "i.favourite = 1",
    "rated": "i.rating > 0",
    "picked": "i.pick IS NOT NULL",
}


# --------------------------------------------------------------------------------------------
# Full-text queries
# --------------------------------------------------------------------------------------------


def _is_token_char(ch: str) -> bool:
    # unicode61's default token characters: letters, numbers and private-use code points.
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


def fts_query(text: str | None, *, column: str | None = None) -> str | None:
    """Turn what a user typed into a safe FTS5 query, or None when nothing is searchable.

    Every whitespace-separated chunk that contains a letter or digit becomes one quoted phrase
    (so ``AND``, ``NEAR``, ``*``, ``-`` and quotes are plain text); all phrases must match; the
    last one is a prefix match so results follow typing. ``column`` restricts the search.
    """
    if not text or not isinstance(text, str):
        return None
    # NUL ends a C string and lone surrogates cannot be encoded: treat control characters and
    # surrogates as spaces. Only the first MAX_QUERY_WORDS words count (a pasted essay is not
    # a search).
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)
    chunks = [c for c in cleaned.split() if any(_is_token_char(ch) for ch in c)]
    chunks = chunks[:MAX_QUERY_WORDS]
    if not chunks:
        return None
    phrases = ['"' + c.replace('"', '""') + '"' for c in chunks]
    phrases[-1] += "*"
    expr = " ".join(phrases)
    return f"{column} : ({expr})" if column else expr


def _exact(match: str) -> str:
    """``match`` (from :func:`fts_query`) with its last word matched whole, not as a prefix."""
    if match.endswith('"*)'):
        return match[:-3] + '")'
    if match.endswith('"*'):
        return match[:-1]
    return match


_PLAIN_WORD: Final = re.compile(r"[A-Za-z0-9]+")


def prefix_word(match: str | None) -> str | None:
    """The last word of ``match`` (from :func:`fts_query`) as the full-text index stores it
    (lowercase), when it is one plain ASCII word matched as a prefix; else None.

    A prefix match reads and merges the lists of every word that starts so, which costs far
    more than one word's list for a common word. When the index holds no other word that
    starts with it, the word matched whole finds exactly the same rows
    (:meth:`Compiled.match_last_word_whole`)."""
    if match is None:
        return None
    for tail in ('"*)', '"*'):
        if match.endswith(tail):
            body = match[: -len(tail)]
            break
    else:
        return None
    before, quote, word = body.rpartition('"')
    if not quote or (before and before[-1] not in " (") or not _PLAIN_WORD.fullmatch(word):
        return None
    return word.lower()


# --------------------------------------------------------------------------------------------
# The filter
# --------------------------------------------------------------------------------------------


def _strings(value: Any) -> tuple[str, ...]:
    """A tuple of distinct strings from a string, an iterable or None (other items dropped)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        items = list(value)
    except TypeError:
        return ()
    return tuple(dict.fromkeys(v for v in items if isinstance(v, str)))


def _picks(value: Any) -> tuple[str | None, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        items = list(value)
    except TypeError:
        return ()
    return tuple(dict.fromkeys(v for v in items if v is None or isinstance(v, str)))


@dataclass(frozen=True)
class Filter:
    """What the gallery shows. Every field left at its default filters nothing; set fields
    combine with AND. Any value is accepted: impossible combinations match nothing.

    * ``text``: words searched in prompts (also negative prompts with ``include_negative``);
      every word must match, the last one as a prefix (see :func:`fts_query`).
    * ``model_ids``: any of these models. ``statuses``: any of these generation statuses.
    * ``since`` / ``until``: the image's creation time, both inclusive. A naive datetime is
      local time (as :meth:`datetime.timestamp` reads it).
    * ``min_width`` … ``max_height``, ``size`` (exact ``(width, height)``): the image's size
      (its file's once downloaded, else the generation's).
    * ``seed``; ``alchemy`` / ``photo_real`` / ``prompt_magic``: None = either, True = on,
      False = not known to be on.
    * ``favourite``: None = either, True = favourites only, False = the others.
      ``min_rating``: at least this many stars (0 = any). ``picks``: any of ``"picked"``,
      ``"rejected"`` and None (unmarked).
    * ``collection_id``: images in this local collection. ``has_children``: images that have
      (True) or do not have (False) variations made from them.
    * ``include_deleted_remote``: also show generations deleted on the server (hidden by
      default; they stay in the library). Images deleted locally are never shown.
    """

    text: str | None = None
    include_negative: bool = False
    model_ids: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    min_width: int | None = None
    max_width: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    size: tuple[int, int] | None = None
    seed: int | None = None
    alchemy: bool | None = None
    photo_real: bool | None = None
    prompt_magic: bool | None = None
    statuses: tuple[str, ...] = ()
    favourite: bool | None = None
    min_rating: int = 0
    collection_id: int | None = None
    has_children: bool | None = None
    include_deleted_remote: bool = False
    picks: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        # Lists and single strings are accepted for convenience; stored as tuples so a Filter
        # stays hashable (the UI can cache by filter).
        object.__setattr__(self, "model_ids", _strings(self.model_ids))
        object.__setattr__(self, "statuses", _strings(self.statuses))
        object.__setattr__(self, "picks", _picks(self.picks))
        if self.size is not None and not isinstance(self.size, tuple):
            try:
                object.__setattr__(self, "size", tuple(self.size))
            except TypeError:
                object.__setattr__(self, "size", None)


# --------------------------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------------------------


@dataclass
class Compiled:
    """A filter as SQL terms. ``image_terms`` use only ``i`` (images); ``gen_terms`` need the
    generation joined as ``g``. ``keyed`` maps a driver name to the term it makes redundant."""

    params: dict[str, Any] = field(default_factory=dict)
    image_terms: list[str] = field(default_factory=list)
    gen_terms: list[str] = field(default_factory=list)
    keyed: dict[str, str] = field(default_factory=dict)
    drivers: list[str] = field(default_factory=lambda: ["time"])
    match: str | None = None
    match_param: str = ""
    exact_param: str = ""  # the words without the prefix match of the last one
    model_list: str = ""
    empty: bool = False
    include_deleted_remote: bool = False

    def add(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def match_last_word_whole(self) -> None:
        """Match the last word whole instead of as a prefix: only for a caller that checked
        that no other word in the index starts with it (:func:`prefix_word`), so that the
        rows are the same."""
        if self.match is not None:
            self.params[self.match_param[1:]] = self.params[self.exact_param[1:]]


def _int(value: Any) -> int | None:
    """An int in SQLite's range, or None (bools, floats and out-of-range ints are not ints)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _epoch_ms(value: Any, *, upper: bool) -> int | None:
    """Milliseconds since the epoch; None for "no bound" (not a datetime, or beyond range on
    the open side). A bound beyond range on the closed side matches nothing (int64 extreme)."""
    if not isinstance(value, datetime):
        return None
    try:
        return int(value.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        early = value.year < 1970
        if upper:
            return _INT64_MIN if early else None
        return None if early else _INT64_MAX


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def compile_filter(flt: Filter | None, *, after: tuple[int, int, str] | None = None) -> Compiled:
    """The SQL terms of ``flt`` (None = everything visible). ``after`` is the sort key
    ``(created_ms, idx, id)`` of an image: only images after it in gallery order are kept."""
    flt = flt if flt is not None else Filter()
    c = Compiled(include_deleted_remote=bool(flt.include_deleted_remote))
    c.image_terms.append("i.deleted_local_ms IS NULL")
    _generation_terms(flt, c)
    _size_terms(flt, c)
    _time_and_curation_terms(flt, c)
    _pick_collection_lineage_terms(flt, c)
    if after is not None:
        ms, idx, image_id = (c.add(v) for v in after)
        # The first term lets SQLite seek in the time index; the second is the exact key.
        c.image_terms.append(f"i.created_ms <= {ms}")
        c.image_terms.append(
            f"(i.created_ms < {ms} OR (i.created_ms = {ms} AND "
            f"(i.idx > {idx} OR (i.idx = {idx} AND i.id > {image_id}))))"
        )
    if c.empty:
        # The SQL agrees with the flag whatever plan runs it. (A literal 0 would do, but SQLite
        # then refuses INDEXED BY a partial index: "no query solution".)
        c.image_terms.append(f"{c.add(0)} = 1")
    return c


def _generation_terms(flt: Filter, c: Compiled) -> None:
    """Prompt text, models, statuses, seed and modes (columns of the generation)."""
    c.match = fts_query(flt.text, column=None if flt.include_negative else "prompt")
    if c.match is not None:
        c.match_param = c.add(c.match)
        c.exact_param = c.add(_exact(c.match))
        # The unary + keeps SQLite from turning the match list into a lookup of g per match
        # (per image row!): the list is built once and each row is tested against it.
        term = (
            "+g.pk IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH "
            f"{c.match_param})"
        )
        c.gen_terms.append(term)
        c.keyed["fts"] = term
        c.drivers.append("fts")
    models = flt.model_ids[:MAX_FILTER_VALUES]
    if models:
        c.model_list = ", ".join(c.add(m) for m in models)
        term = f"g.model_id IN ({c.model_list})"
        c.gen_terms.append(term)
        c.keyed["model"] = term
        c.drivers.append("model")
    statuses = flt.statuses[:MAX_FILTER_VALUES]
    if statuses:
        c.gen_terms.append(f"g.status IN ({', '.join(c.add(s) for s in statuses)})")
    if flt.seed is not None:
        seed = _int(flt.seed)
        if seed is None:
            c.empty = True
        else:
            c.gen_terms.append(f"g.seed = {c.add(seed)}")
    for column, value in (
        ("alchemy", flt.alchemy),
        ("photo_real", flt.photo_real),
        ("prompt_magic", flt.prompt_magic),
    ):
        flag = _bool(value)
        if flag is True:
            c.gen_terms.append(f"g.{column} = 1")
        elif flag is False:
            c.gen_terms.append(f"g.{column} IS NOT 1")


def _size_terms(flt: Filter, c: Compiled) -> None:
    """An exact size or bounds on width and height (the file's when known, else the request's)."""
    size = flt.size
    min_w, max_w, min_h, max_h = flt.min_width, flt.max_width, flt.min_height, flt.max_height
    if size is not None:
        if len(size) != 2 or _int(size[0]) is None or _int(size[1]) is None:
            c.empty = True
        else:
            min_w = max_w = size[0]
            min_h = max_h = size[1]
    for expr, bound, op in (
        ("COALESCE(i.width, g.width)", min_w, ">="),
        ("COALESCE(i.width, g.width)", max_w, "<="),
        ("COALESCE(i.height, g.height)", min_h, ">="),
        ("COALESCE(i.height, g.height)", max_h, "<="),
    ):
        if bound is None:
            continue
        number = _int(bound)
        if number is None:
            c.empty = True
        else:
            c.gen_terms.append(f"{expr} {op} {c.add(number)}")


def _time_and_curation_terms(flt: Filter, c: Compiled) -> None:
    """When the image was made, favourites and ratings."""
    since = _epoch_ms(flt.since, upper=False)
    until = _epoch_ms(flt.until, upper=True)
    if since is not None:
        c.image_terms.append(f"i.created_ms >= {c.add(since)}")
    if until is not None:
        c.image_terms.append(f"i.created_ms <= {c.add(until)}")
    if since is not None and until is not None and since > until:
        c.empty = True
    favourite = _bool(flt.favourite)
    if favourite is True:
        c.image_terms.append("i.favourite = 1")
        c.drivers.append("favourites")
    elif favourite is False:
        c.image_terms.append("i.favourite = 0")
    min_rating = _int(flt.min_rating)
    if min_rating is not None and min_rating > 0:
        if min_rating > 5:
            c.empty = True
        else:
            c.image_terms.append(f"i.rating >= {c.add(min_rating)}")
            c.drivers.append("rated")


def _pick_collection_lineage_terms(flt: Filter, c: Compiled) -> None:
    """Picks and rejects, a collection, and images that have children (variations, motion)."""
    if flt.picks:
        states = [p for p in flt.picks if p in PICK_STATES]
        unmarked = None in flt.picks
        parts = []
        if states:
            parts.append(f"i.pick IN ({', '.join(c.add(p) for p in states)})")
        if unmarked:
            parts.append("i.pick IS NULL")
        if not parts:
            c.empty = True
        else:
            c.image_terms.append(parts[0] if len(parts) == 1 else f"({' OR '.join(parts)})")
            if not unmarked:
                c.drivers.append("picked")
    if flt.collection_id is not None:
        cid = _int(flt.collection_id)
        if cid is None:
            c.empty = True
        else:
            c.params["cid"] = cid
            term = (
                "EXISTS (SELECT 1 FROM collection_images ci "
                "WHERE ci.collection_id = :cid AND ci.image_id = i.id)"
            )
            c.image_terms.append(term)
            c.keyed["collection"] = term
            c.drivers.append("collection")
    has_children = _bool(flt.has_children)
    if has_children is not None:
        term = "EXISTS (SELECT 1 FROM images ch WHERE ch.parent_image_id = i.id)"
        if has_children:
            c.image_terms.append(term)
            c.keyed["children"] = term
            c.drivers.append("children")
        else:
            c.image_terms.append(f"NOT {term}")


# --------------------------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------------------------

_ORDER: Final = "ORDER BY i.created_ms DESC, i.idx, i.id"
_ORDER_W: Final = "ORDER BY ms DESC, ix, id"  # the same order over a walk's chunk
# Without a join to the generation: the (few) generations deleted on the server, as one list.
_GONE_IDS: Final = (
    "SELECT id FROM generations INDEXED BY generations_deleted_remote WHERE deleted_remote = 1"
)
_REMOTE_GONE: Final = f"i.generation_id NOT IN ({_GONE_IDS})"


def _from_and_where(
    c: Compiled, driver: str, *, without_match: bool = False
) -> tuple[str, list[str]]:
    if driver not in c.drivers:
        raise ValueError(f"driver {driver!r} is not available for this filter")
    skip = c.keyed.get(driver)
    image_terms = [t for t in c.image_terms if t != skip]
    gen_terms = [t for t in c.gen_terms if t != skip]
    if without_match:  # the chunked walk tests the full-text match itself (see walk_sql)
        gen_terms = [t for t in gen_terms if t != c.keyed.get("fts")]
    elif driver in _ORDERED and c.match is not None and gen_terms == [c.keyed["fts"]]:
        # Words alone: the walk tests each row's generation id against the matching
        # generations' ids (deleted ones left out there), without looking up its generation.
        gone = "" if c.include_deleted_remote else " AND m.deleted_remote = 0"
        image_terms.append(
            "i.generation_id IN (SELECT m.id FROM generations m INDEXED BY generations_id_by_pk "
            "WHERE m.pk IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH "
            f"{c.match_param}){gone})"
        )
        gen_terms = []
        where_ = [_INDEX_TERM[driver]] if driver in _INDEX_TERM else []
        sql_ = f"FROM images i INDEXED BY {_INDEX[driver]}"
        return sql_, where_ + [t for t in image_terms if t not in where_]
    joins_g = bool(gen_terms) or driver in ("fts", "model") or without_match
    # A chunked walk with no other test on the generation joins it only for its pk (the
    # full-text rowid), which the index on ids holds: the (few) generations deleted on the
    # server are then left out by id, and the generation's row is never read.
    pk_only = without_match and not gen_terms
    if joins_g and not c.include_deleted_remote and not pk_only:
        gen_terms.append("g.deleted_remote = 0")
    elif not c.include_deleted_remote:
        image_terms.append(_REMOTE_GONE)
    join_g = "CROSS JOIN generations g ON g.id = i.generation_id"
    where: list[str] = []
    if driver in _ORDERED:
        sql = f"FROM images i INDEXED BY {_INDEX[driver]}"
        if driver in _INDEX_TERM:
            where.append(_INDEX_TERM[driver])
        if joins_g:
            sql += f" {join_g}"
    elif driver == "fts":
        sql = (
            "FROM generations_fts CROSS JOIN generations g ON g.pk = generations_fts.rowid "
            "CROSS JOIN images i INDEXED BY images_by_generation ON i.generation_id = g.id"
        )
        where.append(f"generations_fts MATCH {c.match_param}")
    elif driver == "model":
        sql = (
            "FROM generations g INDEXED BY generations_by_model "
            "CROSS JOIN images i INDEXED BY images_by_generation ON i.generation_id = g.id"
        )
        where.append(f"g.model_id IN ({c.model_list})")
    elif driver == "collection":
        sql = "FROM collection_images ci CROSS JOIN images i ON i.id = ci.image_id"
        where.append("ci.collection_id = :cid")
        if joins_g:
            sql += f" {join_g}"
    else:  # children
        sql = (
            "FROM (SELECT DISTINCT parent_image_id AS pid FROM images "
            "WHERE parent_image_id IS NOT NULL) ch CROSS JOIN images i ON i.id = ch.pid"
        )
        if joins_g:
            sql += f" {join_g}"
    where += [t for t in image_terms if t not in where] + gen_terms
    return sql, where


def page_sql(c: Compiled, driver: str) -> str:
    """``SELECT i.id ...`` for one page; binds ``:limit`` and ``:offset`` besides ``c.params``."""
    source, where = _from_and_where(c, driver)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT i.id {source}{clause} {_ORDER} LIMIT :limit OFFSET :offset"


#: The sort key of the last row of the previous chunk of a walk (see :func:`walk_sql`).
_CURSOR: Final = (
    "i.created_ms <= :w_ms AND (i.created_ms < :w_ms OR (i.created_ms = :w_ms AND "
    "(i.idx > :w_idx OR (i.idx = :w_idx AND i.id > :w_id))))"
)


def walks_in_chunks(c: Compiled, driver: str) -> bool:
    """True when a page of ``driver`` is read as a chunked walk (:func:`walk_sql`): an ordered
    driver with full-text words. Testing every row against the list of *all* matches means
    building that list first, which for a common word costs far more than the page; a chunk of
    the walk only needs the matches among its own generations."""
    return driver in _ORDERED and c.match is not None


def walk_sql(
    c: Compiled, driver: str, *, cursor: bool, columns: str | None = None, width: int = 0
) -> str:
    """One chunk of an ordered walk, its full-text test done inside: ``:chunk`` rows of the
    walk (after the key ``:w_ms``, ``:w_idx``, ``:w_id`` of the previous chunk's last row, with
    ``cursor``), of which it returns ``(1, created_ms, idx, id)`` for the first ``:need`` rows
    whose generation matches (asking the full-text index only about the chunk's range of
    generations: FTS5 seeks to the range in each word's list), then ``(0, created_ms, idx,
    id)`` of the chunk's last row when the chunk is full (the walk goes on after it). The
    matching rows come in no promised order: the caller sorts them.

    With ``columns`` (``width`` of them, at least 3, over ``i`` and ``g``), each matching row
    is ``(1, *columns)`` instead, read by rowid: a page of records in the same read (the
    columns hold the sort key; the last row is ``(0, created_ms, idx, id)`` padded with NULL
    to the same width)."""
    if not walks_in_chunks(c, driver):
        raise ValueError(f"driver {driver!r} does not walk in chunks for this filter")
    if columns is not None and width < 3:
        raise ValueError("a walk's columns are at least 3 (they hold the sort key)")
    source, where = _from_and_where(c, driver, without_match=True)
    if cursor:
        where.append(_CURSOR)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    # The first :need matching rows of the chunk (in gallery order) are all the page needs.
    # The chunk's range of generations (r) is read in one pass over it.
    matches = (
        "SELECT * FROM w WHERE pk IN (SELECT rowid FROM generations_fts WHERE generations_fts "
        f"MATCH {c.match_param} AND rowid BETWEEN (SELECT lo FROM r) AND "
        f"(SELECT hi FROM r)) {_ORDER_W} LIMIT :need"
    )
    if columns is None:
        hits = f"SELECT 1, h.ms, h.ix, h.id FROM ({matches}) h"
        pad = ""
    else:
        # Only the columns: every value a row carries costs the same to hand over.
        hits = (
            f"SELECT 1, {columns} FROM ({matches}) h "
            "CROSS JOIN images i ON i.rowid = h.ir CROSS JOIN generations g ON g.pk = h.pk"
        )
        pad = ", NULL" * (width - 3)
    return (
        "WITH w AS MATERIALIZED (SELECT g.pk AS pk, i.rowid AS ir, i.created_ms AS ms, "
        f"i.idx AS ix, i.id AS id {source}{clause} {_ORDER} LIMIT :chunk), "
        "r AS MATERIALIZED (SELECT MIN(pk) AS lo, MAX(pk) AS hi FROM w) "
        f"{hits} UNION ALL SELECT 0, ms, ix, id{pad} FROM "
        "(SELECT ms, ix, id FROM w LIMIT 1 OFFSET :chunk - 1)"
    )


def count_sql(c: Compiled, driver: str) -> str:
    """``SELECT COUNT(*) ...`` of every image the filter matches."""
    source, where = _from_and_where(c, driver)
    if _REMOTE_GONE in where:
        # Testing every row against the deleted-on-server list costs more than the count
        # itself: count all, then take away the (few) rows of those generations.
        kept = [t for t in where if t != _REMOTE_GONE]
        clause = f" WHERE {' AND '.join(kept)}" if kept else ""
        gone = " AND ".join(
            [*kept, "g.deleted_remote = 1"]
            if driver in _ORDERED
            else [*kept, f"i.generation_id IN ({_GONE_IDS})"]
        )
        if driver in _ORDERED:
            minus = (
                "SELECT COUNT(*) FROM generations g INDEXED BY generations_deleted_remote "
                "CROSS JOIN images i INDEXED BY images_by_generation ON i.generation_id = g.id "
                f"WHERE {gone}"
            )
        else:
            minus = f"SELECT COUNT(*) {source} WHERE {gone}"
        return f"SELECT (SELECT COUNT(*) {source}{clause}) - ({minus})"
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT COUNT(*) {source}{clause}"


# The cost model, in microseconds per row (measured at 100k images on a 2-vCPU VM, SORT_ROW
# again at 1M images of a synced-shape library, where a set driver's rows are scattered; only
# the ratios matter): stepping over one row of an ordered index; joining its generation (for
# generation-level filters); fetching, testing and sorting one row of a set driver (which
# always joins); putting one full-text match into the list a walk tests rows against.
WALK_ROW: Final = 0.1
JOIN_ROW: Final = 0.6
SORT_ROW: Final = 2.0
MATCH_ROW: Final = 0.12
CHUNK_ROW: Final = 0.3  # a row of a chunked walk: kept in the chunk, tested against its range


def choose_driver(
    c: Compiled,
    *,
    rows_needed: int,
    images: int,
    generations: int,
    sizes: Mapping[str, int],
) -> str:
    """The cheapest driver for a page of ``rows_needed`` rows (offset + limit).

    ``images``/``generations`` are (approximate) totals, ``sizes`` the number of candidates of
    each available driver other than ``time`` (``fts`` and ``model`` count generations, the
    others images), possibly capped. An ordered walk costs the rows it steps over before the
    page is full (the estimated share of rows passing every filter decides how many); a set
    driver costs fetching and sorting its whole set. A walk that tests full-text words reads its
    rows in chunks (:func:`walks_in_chunks`) and pays per row for that and for the matches in
    its range; a set driver that tests them pays for the list of all matches.
    """
    images = max(1, images)
    per_gen = images / max(1, generations)
    sets: dict[str, float] = {"time": float(images)}
    for name in c.drivers:
        if name == "time":
            continue
        size = float(max(0, sizes.get(name, images)))
        sets[name] = size * per_gen if name in _PER_GENERATION else size
    # Independent filters: the share of rows that pass all of them.
    share = 1.0
    for name, size in sets.items():
        if name != "time":
            share *= min(1.0, size / images)
    expected = max(1.0, images * share)
    match_list = sizes.get("fts", 0) * MATCH_ROW if c.match is not None else 0.0
    # A walk with words reads its rows in chunks and looks up only the matches among them.
    match_share = min(1.0, sizes.get("fts", 0) / max(1, generations))
    walk_row = WALK_ROW + (JOIN_ROW if c.gen_terms else 0.0)
    if c.match is not None:
        walk_row += CHUNK_ROW + match_share * MATCH_ROW / per_gen
    best, best_cost = "time", float("inf")
    for name in c.drivers:
        size = sets[name]
        if name in _ORDERED:
            cost = min(size, rows_needed * size / expected) * walk_row
        else:
            cost = size * SORT_ROW + (match_list if name != "fts" else 0.0)
        if cost < best_cost:
            best, best_cost = name, cost
    return best


def estimate_cap(rows_needed: int, total: int) -> int:
    """How far to count a candidate set when choosing a plan. Past about
    ``sqrt(rows_needed * total)`` candidates an ordered walk beats sorting the set whatever the
    exact size, so counting on (which costs as much as the count) tells nothing more."""
    return max(1000, 2 * math.isqrt(max(0, rows_needed) * max(0, total)))


def driver_sizes_sql(c: Compiled, cap: int, gen_cap: int | None = None) -> Mapping[str, str]:
    """For each driver besides ``time``: a query counting (at most ``cap``) candidates; the
    drivers that count generations stop at ``gen_cap`` (default ``cap``): a cap in images
    over the images a generation has on average."""
    gen_cap = cap if gen_cap is None else gen_cap
    out: dict[str, str] = {}
    for name in c.drivers:
        if name == "fts":
            # A prefix match reads every matching word's whole list, however few rows are
            # counted: when the word itself (matched whole) already reaches the cap, the
            # prefix cannot match fewer, and is not counted.
            cap_n = int(gen_cap)
            if c.params.get(c.match_param[1:]) == c.params.get(c.exact_param[1:]):
                # No prefix (the last word is matched whole): one count.
                out[name] = (
                    "SELECT COUNT(*) FROM (SELECT 1 FROM generations_fts WHERE generations_fts "
                    f"MATCH {c.match_param} LIMIT {cap_n})"
                )
                continue
            out[name] = (
                f"SELECT CASE WHEN e >= {cap_n} THEN e ELSE (SELECT COUNT(*) FROM (SELECT 1 "
                f"FROM generations_fts WHERE generations_fts MATCH {c.match_param} "
                f"LIMIT {cap_n})) END FROM (SELECT COUNT(*) AS e FROM (SELECT 1 FROM "
                f"generations_fts WHERE generations_fts MATCH {c.exact_param} LIMIT {cap_n}))"
            )
        elif name == "model":
            out[name] = (
                "SELECT COUNT(*) FROM (SELECT 1 FROM generations INDEXED BY generations_by_model "
                f"WHERE model_id IN ({c.model_list}) LIMIT {int(gen_cap)})"
            )
        elif name in _INDEX_TERM:
            out[name] = (
                f"SELECT COUNT(*) FROM (SELECT 1 FROM images i INDEXED BY {_INDEX[name]} "
                f"WHERE {_INDEX_TERM[name]} LIMIT {int(cap)})"
            )
        elif name == "collection":
            out[name] = (
                "SELECT COUNT(*) FROM (SELECT 1 FROM collection_images "
                f"WHERE collection_id = :cid LIMIT {int(cap)})"
            )
        elif name == "children":
            out[name] = (
                "SELECT COUNT(*) FROM (SELECT DISTINCT parent_image_id FROM images "
                f"WHERE parent_image_id IS NOT NULL LIMIT {int(cap)})"
            )
    return out
