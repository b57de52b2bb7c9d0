"""The local library: generations, images, the model cache and the job queue in one SQLite file.

Threading: a :class:`Library` from :meth:`Library.open` is the *writer*. It is opened with
``check_same_thread=False`` so the app can create it on one thread and hand it over, but every
write must go through one thread (the app's single DB worker thread). Each public method holds
an internal lock and runs in its own transaction, so a call is atomic even if that rule is
broken, but interleaving writers from several threads is still a design error. Other threads
read through their own :meth:`Library.open_readonly` connection (WAL lets readers run beside
the writer).

Schema versions are kept in ``PRAGMA user_version`` and applied by :data:`MIGRATIONS`, an
ordered list of functions, each run in one transaction together with the version bump. A file
whose version is newer than this code knows is refused rather than guessed at.

Search: ``generations_fts`` is an FTS5 external-content index over ``prompt`` and
``negative_prompt`` (unicode61, diacritics removed), kept in sync by triggers. User text never
reaches ``MATCH`` as syntax: :func:`fts_query` turns it into quoted phrases, with a prefix match
on the last one, so operators, quotes and stray punctuation are plain text. Filters
(:class:`~leodesk.core.search.Filter`) and the choice of query plan live in
:mod:`leodesk.core.search`.

Curation (schema v2) is per image: ``favourite``, ``rating`` (0-5), ``pick`` (picked/rejected),
local collections, and ``deleted_local_ms`` for delete-with-undo (such images are hidden from
every page until :meth:`Library.purge_deleted` removes them). ``sync_state`` is a small key/value
table for :mod:`leodesk.core.sync` (resumable full passes) and for the job queue's paused flag
(key ``queue.paused``); ``generations.sync_pass`` records the last full pass that saw a
generation on the server.

Uploads (schema v3): ``uploads`` maps the sha256 of a prepared init image to the id it was
uploaded as, so the same picture is not uploaded twice (ids older than a day are not reused).

Errors: a full disk, a read-only or unopenable file, a corrupt database and a database locked
for too long become :class:`LibraryError`, whose ``str()`` is a message for the user; every
other ``sqlite3`` error propagates (it is a bug).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from leodesk.core import search
from leodesk.core.api.models import GeneratedImage, Generation, parse_timestamp
from leodesk.core.api.parse import is_valid_id
from leodesk.core.catalog import ModelInfo
from leodesk.core.jobs import TERMINAL_STATES, Job, JobState
from leodesk.core.search import MAX_QUERY_WORDS, PICK_STATES, Filter, fts_query

__all__ = [
    "APPLICATION_ID",
    "DIFF_FIELDS",
    "MAX_DOWNLOAD_ATTEMPTS",
    "MAX_QUERY_WORDS",
    "MIGRATIONS",
    "MODEL_KINDS",
    "SCHEMA_VERSION",
    "UPLOAD_REUSE_S",
    "CollectionRecord",
    "DownloadState",
    "FileRef",
    "Filter",
    "GenerationRecord",
    "ImageKind",
    "ImageRecord",
    "JobRecord",
    "Library",
    "LibraryError",
    "Pick",
    "UpsertBatch",
    "fts_query",
]

log = logging.getLogger(__name__)

# "LeoD" — lets us tell our own database from some other SQLite file.
APPLICATION_ID: Final = 0x4C656F44
MAX_DOWNLOAD_ATTEMPTS: Final = 3
MODEL_KINDS: Final = frozenset({"platform", "own"})
BUSY_TIMEOUT_MS: Final = 5000
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_CHUNK: Final = 500  # ids per IN (...) list
# Candidate sets are counted up to this many rows when choosing a query plan (beyond it the
# ordered walk always wins, and counting further would cost more than it tells).
_ESTIMATE_CAP: Final = 20_000


class DownloadState:
    """Values of ``images.download_state``."""

    PENDING: Final = "pending"
    DONE: Final = "done"
    FAILED: Final = "failed"


class ImageKind:
    """Values of ``images.kind``."""

    IMAGE: Final = "image"
    VARIATION: Final = "variation"
    MOTION: Final = "motion"


class Pick:
    """Values of ``images.pick`` (None = not marked)."""

    PICKED: Final = "picked"
    REJECTED: Final = "rejected"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class LibraryError(Exception):
    """A problem with the library file the user can act on. ``str(err)`` is for the user.

    ``reason`` is one of ``full``, ``readonly``, ``corrupt``, ``cantopen``, ``io``, ``busy``,
    ``newer`` (written by a newer leodesk) or ``foreign`` (not a leodesk library).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# Primary SQLite result codes (the low byte of extended codes).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

_KNOWN: Final[Mapping[int, tuple[str, str]]] = {
    _SQLITE_FULL: (
        "full",
        "The disk holding your leodesk library is full. Free some space and try again.",
    ),
    _SQLITE_READONLY: (
        "readonly",
        "The leodesk library cannot be written to (the file or its folder is read-only).",
    ),
    _SQLITE_CORRUPT: (
        "corrupt",
        "The leodesk library file is damaged. Restore it from a backup or move it aside to start "
        "a new library.",
    ),
    _SQLITE_NOTADB: (
        "corrupt",
        "The leodesk library file is not a valid database. Restore it from a backup or move it "
        "aside to start a new library.",
    ),
    _SQLITE_CANTOPEN: (
        "cantopen",
        "The leodesk library file cannot be opened (check that its folder exists and is "
        "accessible).",
    ),
    _SQLITE_IOERR: (
        "io",
        "A disk error occurred while reading or writing the leodesk library.",
    ),
    _SQLITE_BUSY: (
        "busy",
        "The leodesk library is busy in another program (is leodesk open twice?). Try again.",
    ),
    _SQLITE_LOCKED: (
        "busy",
        "The leodesk library is busy in another program (is leodesk open twice?). Try again.",
    ),
}


_KNOWN_BY_REASON: Final[Mapping[str, str]] = {reason: msg for reason, msg in _KNOWN.values()}


def _classify(exc: sqlite3.Error) -> LibraryError | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    known = _KNOWN.get(code & 0xFF)
    if known is None:
        return None
    reason, message = known
    return LibraryError(message, reason=reason)


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        known = _classify(exc)
        if known is None:
            raise
        raise known from exc


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

_V1: Final[tuple[str, ...]] = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """
    CREATE TABLE generations (
        pk              INTEGER PRIMARY KEY,            -- local; the FTS rowid
        id              TEXT NOT NULL UNIQUE,           -- server generation id
        created_at      TEXT,                           -- server timestamp, as sent
        created_ms      INTEGER NOT NULL,               -- for ordering (UTC epoch ms)
        status          TEXT,                           -- PENDING | COMPLETE | FAILED | ...
        prompt          TEXT NOT NULL DEFAULT '',
        negative_prompt TEXT NOT NULL DEFAULT '',
        model_id        TEXT,
        width           INTEGER,
        height          INTEGER,
        num_images      INTEGER,
        seed            INTEGER,                        -- up to 64-bit
        guidance_scale  REAL,
        steps           INTEGER,
        scheduler       TEXT,
        preset_style    TEXT,
        sd_version      TEXT,
        alchemy         INTEGER,                        -- NULL = unknown
        photo_real      INTEGER,
        prompt_magic    INTEGER,
        init_strength   REAL,
        request_json    TEXT,                           -- the body we sent, if we sent it
        raw_json        TEXT,                           -- the server's row
        deleted_remote  INTEGER NOT NULL DEFAULT 0,
        added_ms        INTEGER NOT NULL,               -- first seen locally
        updated_ms      INTEGER NOT NULL                -- last written locally
    )
    """,
    "CREATE INDEX generations_by_time ON generations(created_ms DESC)",
    """
    CREATE VIRTUAL TABLE generations_fts USING fts5(
        prompt, negative_prompt,
        content = 'generations', content_rowid = 'pk',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
        INSERT INTO generations_fts(rowid, prompt, negative_prompt)
        VALUES (new.pk, new.prompt, new.negative_prompt);
    END
    """,
    """
    CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
        VALUES ('delete', old.pk, old.prompt, old.negative_prompt);
    END
    """,
    """
    CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt, negative_prompt ON generations
    WHEN old.prompt IS NOT new.prompt OR old.negative_prompt IS NOT new.negative_prompt
    BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
        VALUES ('delete', old.pk, old.prompt, old.negative_prompt);
        INSERT INTO generations_fts(rowid, prompt, negative_prompt)
        VALUES (new.pk, new.prompt, new.negative_prompt);
    END
    """,
    """
    CREATE TABLE images (
        id                TEXT PRIMARY KEY,             -- server image (or variation) id
        generation_id     TEXT NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        idx               INTEGER NOT NULL DEFAULT 0,   -- position in the generation
        kind              TEXT NOT NULL DEFAULT 'image'
                          CHECK (kind IN ('image', 'variation', 'motion')),
        parent_image_id   TEXT,                         -- lineage; may point outside the library
        transform         TEXT,                         -- variation type (UPSCALE, NOBG...)
        url               TEXT,
        motion_url        TEXT,
        nsfw              INTEGER NOT NULL DEFAULT 0,
        width             INTEGER,                      -- of the actual file, once known
        height            INTEGER,
        sha256            TEXT,                         -- content address in the image store
        ext               TEXT,
        download_state    TEXT NOT NULL DEFAULT 'pending'
                          CHECK (download_state IN ('pending', 'done', 'failed')),
        download_attempts INTEGER NOT NULL DEFAULT 0,
        created_ms        INTEGER NOT NULL,
        updated_ms        INTEGER NOT NULL
    )
    """,
    "CREATE INDEX images_by_time ON images(created_ms DESC, idx, id)",
    "CREATE INDEX images_by_generation ON images(generation_id, idx)",
    "CREATE INDEX images_by_parent ON images(parent_image_id) WHERE parent_image_id IS NOT NULL",
    """
    CREATE INDEX images_to_download ON images(created_ms DESC)
    WHERE download_state = 'pending'
    """,
    """
    CREATE TABLE models (
        kind       TEXT NOT NULL CHECK (kind IN ('platform', 'own')),
        id         TEXT NOT NULL,
        position   INTEGER NOT NULL,
        info_json  TEXT NOT NULL,                       -- ModelInfo.to_json()
        fetched_ms INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID
    """,
    # No foreign key: a favourite outlives the model list it came from (lists are replaced).
    """
    CREATE TABLE model_favourites (
        model_id TEXT PRIMARY KEY,
        added_ms INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE jobs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        kind          TEXT NOT NULL,
        state         TEXT NOT NULL,
        generation_id TEXT,                             -- no FK: may arrive before the row
        request_json  TEXT,
        submitted_ms  INTEGER,
        error         TEXT,
        created_ms    INTEGER NOT NULL,
        updated_ms    INTEGER NOT NULL
    )
    """,
    "CREATE INDEX jobs_by_state ON jobs(state)",
)


def _migrate_v1(conn: sqlite3.Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


# v2: curation, collections, delete-with-undo, resumable sync. ADD COLUMN keeps existing rows
# (no table rewrite); the partial indexes keep curated views in gallery order without a sort.
_V2: Final[tuple[str, ...]] = (
    """
    ALTER TABLE images ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0
        CHECK (favourite IN (0, 1))
    """,
    """
    ALTER TABLE images ADD COLUMN rating INTEGER NOT NULL DEFAULT 0
        CHECK (rating BETWEEN 0 AND 5)
    """,
    "ALTER TABLE images ADD COLUMN pick TEXT CHECK (pick IN ('picked', 'rejected'))",
    "ALTER TABLE images ADD COLUMN deleted_local_ms INTEGER",  # NULL = not deleted
    "ALTER TABLE generations ADD COLUMN sync_pass INTEGER",  # last full pass that saw it
    # The gallery order over visible images. It also holds everything the unfiltered page and
    # count test (generation_id for deleted-on-server; deleted_local_ms, always NULL here, is
    # there because SQLite does not count a partial index's condition as covered), so those
    # never touch the table.
    "DROP INDEX images_by_time",
    """
    CREATE INDEX images_live_by_time
    ON images(created_ms DESC, idx, id, generation_id, deleted_local_ms)
    WHERE deleted_local_ms IS NULL
    """,
    "CREATE INDEX images_favourites ON images(created_ms DESC, idx, id) WHERE favourite = 1",
    "CREATE INDEX images_rated ON images(created_ms DESC, idx, id) WHERE rating > 0",
    "CREATE INDEX images_picked ON images(created_ms DESC, idx, id) WHERE pick IS NOT NULL",
    """
    CREATE INDEX images_deleted_local ON images(deleted_local_ms)
    WHERE deleted_local_ms IS NOT NULL
    """,
    "CREATE INDEX images_by_file ON images(sha256, ext) WHERE sha256 IS NOT NULL",
    "CREATE INDEX generations_deleted_remote ON generations(id) WHERE deleted_remote = 1",
    "CREATE INDEX generations_by_model ON generations(model_id)",
    """
    CREATE TABLE collections (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
        created_ms INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE collection_images (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        image_id      TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        added_ms      INTEGER NOT NULL,
        PRIMARY KEY (collection_id, image_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX collection_images_by_image ON collection_images(image_id)",
    """
    CREATE TABLE sync_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID
    """,
)


def _migrate_v2(conn: sqlite3.Connection) -> None:
    for statement in _V2:
        conn.execute(statement)


# v3: init images already uploaded, by the sha256 of the prepared bytes (never upload twice).
_V3: Final = (
    """
    CREATE TABLE uploads (
        sha256        TEXT PRIMARY KEY,
        init_image_id TEXT NOT NULL,
        created_ms    INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
)


def _migrate_v3(conn: sqlite3.Connection) -> None:
    for statement in _V3:
        conn.execute(statement)


# v4: the job queue. ``position`` orders the queue panel (and what is sent next),
# ``group_label`` ties jobs sent together, ``cleared_ms`` hides a finished job from the panel.
_V4: Final = (
    "ALTER TABLE jobs ADD COLUMN position INTEGER",
    "ALTER TABLE jobs ADD COLUMN group_label TEXT",
    "ALTER TABLE jobs ADD COLUMN cleared_ms INTEGER",
    "UPDATE jobs SET position = id",
    """
    UPDATE jobs SET cleared_ms = updated_ms
    WHERE state IN ('done', 'failed', 'cancelled')
    """,
    "CREATE INDEX jobs_in_queue ON jobs(position, id) WHERE cleared_ms IS NULL",
)


def _migrate_v4(conn: sqlite3.Connection) -> None:
    for statement in _V4:
        conn.execute(statement)


Migration = Callable[[sqlite3.Connection], None]

# MIGRATIONS[n] takes a database from user_version n to n + 1. Append only; never edit.
MIGRATIONS: Final[tuple[Migration, ...]] = (_migrate_v1, _migrate_v2, _migrate_v3, _migrate_v4)
SCHEMA_VERSION: Final = len(MIGRATIONS)
UPLOAD_REUSE_S: Final = 24 * 3600.0  # an uploaded init image id is reused for a day
QUEUE_PAUSED_KEY: Final = "queue.paused"  # in sync_state: "1" while the user keeps it paused


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRecord:
    """An image row joined with what the gallery needs from its generation.

    ``width``/``height`` are the file's own size once downloaded, else the generation's requested
    size (the output can be larger, e.g. upscales). ``status`` is the generation's status.
    """

    id: str
    generation_id: str
    index: int
    kind: str
    url: str | None
    nsfw: bool
    width: int | None
    height: int | None
    sha256: str | None
    ext: str | None
    download_state: str
    download_attempts: int
    parent_image_id: str | None
    transform: str | None
    motion_url: str | None
    created_ms: int
    prompt: str
    negative_prompt: str
    model_id: str | None
    seed: int | None
    status: str | None
    deleted_remote: bool
    favourite: bool = False
    rating: int = 0
    pick: str | None = None
    collection_ids: tuple[int, ...] = ()
    has_children: bool = False
    deleted_local: bool = False
    model_name: str | None = None

    @property
    def has_file(self) -> bool:
        """True once the image is in the image store."""
        return self.sha256 is not None and self.ext is not None


@dataclass(frozen=True)
class GenerationRecord:
    """A stored generation with its images (in generation order)."""

    id: str
    status: str | None
    created_at: str | None
    created_ms: int
    prompt: str
    negative_prompt: str
    model_id: str | None
    width: int | None
    height: int | None
    num_images: int | None
    seed: int | None
    guidance_scale: float | None
    steps: int | None
    scheduler: str | None
    preset_style: str | None
    sd_version: str | None
    alchemy: bool | None
    photo_real: bool | None
    prompt_magic: bool | None
    init_strength: float | None
    request_json: str | None
    raw_json: str | None
    deleted_remote: bool
    added_ms: int
    updated_ms: int
    images: tuple[ImageRecord, ...] = ()


@dataclass(frozen=True)
class CollectionRecord:
    """A local collection; ``count`` is how many (not locally deleted) images it holds."""

    id: int
    name: str
    created_ms: int
    count: int


@dataclass(frozen=True)
class FileRef:
    """A file in the image store (``ImageStore.path_for(sha256, ext)``)."""

    sha256: str
    ext: str


@dataclass(frozen=True)
class UpsertBatch:
    """What :meth:`Library.upsert_generations` did: generation ids that were new, changed or
    already stored exactly so (in input order), and how many images the batch carried."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    images: int = 0


#: The stored parameters :meth:`Library.diff_generations` compares, in display order.
DIFF_FIELDS: Final = (
    "prompt",
    "negative_prompt",
    "model_id",
    "width",
    "height",
    "num_images",
    "seed",
    "guidance_scale",
    "steps",
    "scheduler",
    "preset_style",
    "sd_version",
    "alchemy",
    "photo_real",
    "prompt_magic",
    "init_strength",
)


@dataclass(frozen=True)
class JobRecord:
    """A stored job. ``submitted_at`` is when the submit request was sent, in epoch seconds
    (``time.time()`` style, millisecond precision)."""

    id: int
    kind: str
    state: JobState
    generation_id: str | None
    request_json: str | None
    submitted_at: float | None
    error: str | None
    created_ms: int
    updated_ms: int
    position: int | None = None  # order in the queue panel (schema v4)
    group_label: str | None = None  # jobs sent together share it

    def to_job(self) -> Job:
        """The state machine's view of this job (``error`` becomes the message)."""
        return Job(
            local_id=self.id,
            kind=self.kind,
            state=self.state,
            generation_id=self.generation_id,
            message=self.error or "",
            created_ms=self.created_ms,
            updated_ms=self.updated_ms,
        )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _int64(value: int | None) -> int | None:
    if value is None or not _INT64_MIN <= value <= _INT64_MAX:
        return None
    return value


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _jsonable(value: Any) -> Any:
    """A JSON-ready copy of a response dataclass (fields plus ``extra``), for ``raw_json``."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name == "extra" and isinstance(item, Mapping):
                for key, extra_value in item.items():
                    out.setdefault(str(key), _jsonable(extra_value))
            else:
                out[f.name] = _jsonable(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _request_dict(request_json: str | None) -> Mapping[str, Any]:
    if not request_json:
        return {}
    try:
        data = json.loads(request_json)
    except ValueError:
        return {}
    return data if isinstance(data, Mapping) else {}


def _lineage_parent(request: Mapping[str, Any]) -> str | None:
    """The library image a generation was made from: its init image when that was a generated
    image (``init_generation_image_id``), else the first image prompt (uploaded init images have
    no image in the library, so they start a chain)."""
    for key in ("init_generation_image_id", "initGenerationImageId"):
        value = request.get(key)
        if isinstance(value, str) and value:
            return value
    for key in ("image_prompts", "imagePrompts"):
        prompts = request.get(key)
        if isinstance(prompts, list | tuple):
            for item in prompts:
                if isinstance(item, str) and item:
                    return item
    return None


def _first_bool(*values: Any) -> bool | None:
    for v in values:
        if isinstance(v, bool):
            return v
    return None


def _first_int(*values: Any) -> int | None:
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _distinct_ids(ids: Iterable[str]) -> list[str]:
    """The distinct string ids of ``ids`` in order (a lone string is one id)."""
    if isinstance(ids, str):
        return [ids]
    return list(dict.fromkeys(i for i in ids if isinstance(i, str)))


def _with_query(flt: Filter | None, query: str | None, include_negative: bool) -> Filter:
    if flt is None:
        return Filter(text=query, include_negative=include_negative)
    if query is not None and not flt.text:
        return replace(flt, text=query, include_negative=include_negative or flt.include_negative)
    return flt


def _collection_name(name: str) -> str:
    clean = " ".join(name.split()) if isinstance(name, str) else ""
    if not clean:
        raise ValueError("A collection needs a name.")
    return clean


def _require_id(value: str | None, what: str) -> str:
    """``value`` if it is a valid server id (see :func:`leodesk.core.api.parse.is_valid_id`):
    ids become keys here and file names elsewhere, so anything else is refused."""
    if not is_valid_id(value):
        shown = repr(value)[:60]
        raise ValueError(f"the library refuses a {what} that is not a valid id: {shown}")
    assert value is not None
    return value


def _check_generation_ids(gen: Generation) -> None:
    """Refuse ``gen`` when any id it would store is not a valid id."""
    _require_id(gen.id, "generation id")
    if gen.model_id is not None:
        _require_id(gen.model_id, "model id")
    for image in gen.images:
        if image.id:
            _require_id(image.id, "image id")
        for variation in image.variations:
            if variation.id:
                _require_id(variation.id, "variation id")


def _image_count(gen: Generation) -> int:
    """Images :meth:`Library.upsert_generation` stores for ``gen`` (variations included)."""
    count = 0
    for image in gen.images:
        if image.id:
            count += 1 + sum(1 for v in image.variations if v.id and v.url)
    return count


def _write_state(conn: sqlite3.Connection, values: Mapping[str, str | int | None]) -> None:
    for key, value in values.items():
        if value is None:
            conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
        else:
            conn.execute(
                "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )


def _image_kind(image: GeneratedImage) -> str:
    if image.motion or image.motion_mp4_url:
        return ImageKind.MOTION
    return ImageKind.IMAGE


_IMAGE_COLUMNS: Final = """
    i.id, i.generation_id, i.idx, i.kind, i.url, i.nsfw,
    COALESCE(i.width, g.width) AS width, COALESCE(i.height, g.height) AS height,
    i.sha256, i.ext, i.download_state, i.download_attempts, i.parent_image_id, i.transform,
    i.motion_url, i.created_ms, g.prompt, g.negative_prompt, g.model_id, g.seed, g.status,
    g.deleted_remote, i.favourite, i.rating, i.pick, i.deleted_local_ms,
    (SELECT group_concat(ci.collection_id) FROM collection_images ci WHERE ci.image_id = i.id)
        AS collection_ids,
    EXISTS (SELECT 1 FROM images ch WHERE ch.parent_image_id = i.id) AS has_children
"""


def _collection_ids(value: Any) -> tuple[int, ...]:
    if not value:
        return ()
    return tuple(sorted(int(part) for part in str(value).split(",") if part.strip()))


def _image_record(row: sqlite3.Row, model_names: Mapping[str, str] | None = None) -> ImageRecord:
    model_id = row["model_id"]
    return ImageRecord(
        id=row["id"],
        generation_id=row["generation_id"],
        index=row["idx"],
        kind=row["kind"],
        url=row["url"],
        nsfw=bool(row["nsfw"]),
        width=row["width"],
        height=row["height"],
        sha256=row["sha256"],
        ext=row["ext"],
        download_state=row["download_state"],
        download_attempts=row["download_attempts"],
        parent_image_id=row["parent_image_id"],
        transform=row["transform"],
        motion_url=row["motion_url"],
        created_ms=row["created_ms"],
        prompt=row["prompt"],
        negative_prompt=row["negative_prompt"],
        model_id=model_id,
        seed=row["seed"],
        status=row["status"],
        deleted_remote=bool(row["deleted_remote"]),
        favourite=bool(row["favourite"]),
        rating=int(row["rating"]),
        pick=row["pick"],
        collection_ids=_collection_ids(row["collection_ids"]),
        has_children=bool(row["has_children"]),
        deleted_local=row["deleted_local_ms"] is not None,
        model_name=None if model_names is None or model_id is None else model_names.get(model_id),
    )


def _job_state(value: str) -> JobState:
    try:
        return JobState(value)
    except ValueError:
        # Written by a newer version: the safest reading is "needs a look".
        return JobState.UNKNOWN


def _job_record(row: sqlite3.Row) -> JobRecord:
    submitted = row["submitted_ms"]
    return JobRecord(
        id=row["id"],
        kind=row["kind"],
        state=_job_state(row["state"]),
        generation_id=row["generation_id"],
        request_json=row["request_json"],
        submitted_at=None if submitted is None else submitted / 1000,
        error=row["error"],
        created_ms=row["created_ms"],
        updated_ms=row["updated_ms"],
        position=row["position"],
        group_label=row["group_label"],
    )


# --------------------------------------------------------------------------------------------
# The library
# --------------------------------------------------------------------------------------------


class Library:
    """The SQLite library. Create with :meth:`open` (writer) or :meth:`open_readonly`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        readonly: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Wrap an already configured connection; use :meth:`open`/:meth:`open_readonly`."""
        self._conn: sqlite3.Connection | None = conn
        self._readonly = readonly
        self._clock = clock
        self._lock = threading.RLock()
        self._names_cache: tuple[tuple[Any, ...], Mapping[str, str]] | None = None

    # ---------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Library:
        """Open (creating or migrating) the library at ``path`` for reading and writing."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                # Prompts are private: create the file 0600 before SQLite does (its WAL and shm
                # files copy the database file's permissions).
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            reason = "full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "cantopen"
            raise LibraryError(_KNOWN_BY_REASON[reason], reason=reason) from exc
        with _translated():
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                _check_identity(conn)
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":  # e.g. some network file systems
                    log.warning("library: WAL unavailable, journal mode is %s", mode)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                _migrate(conn)
            except BaseException:
                conn.close()
                raise
        return cls(conn, readonly=False, clock=clock)

    @classmethod
    def open_readonly(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Library:
        """A read-only connection for a thread other than the writer's (the file must exist
        and be at the current schema version; every write method then raises LibraryError)."""
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        with _translated():
            conn = sqlite3.connect(
                uri,
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA query_only = ON")
                _check_identity(conn)
                version = _user_version(conn)
                if version > len(MIGRATIONS):
                    raise LibraryError(_NEWER, reason="newer")
                if version < len(MIGRATIONS):
                    raise LibraryError(
                        "The leodesk library has not been upgraded yet; open it in leodesk first.",
                        reason="cantopen",
                    )
            except BaseException:
                conn.close()
                raise
        return cls(conn, readonly=True, clock=clock)

    def quick_check(self, max_findings: int = 20) -> list[str]:
        """SQLite's ``PRAGMA quick_check``: an empty list when the file is sound, else what it
        found (at most ``max_findings`` lines). A page so damaged that the check itself stops is
        a finding too. It reads the whole file (about half a second for 100,000 generations),
        so run it on a worker, on its own connection (:meth:`open_readonly`)."""
        with self._lock:
            conn = self._connection()
            try:
                rows = conn.execute(f"PRAGMA quick_check({max(1, int(max_findings))})").fetchall()
            except sqlite3.DatabaseError as exc:
                return [str(exc)]
        found = [str(row[0]) for row in rows]
        return [] if found == ["ok"] else found

    @staticmethod
    def move_aside(path: Path, *, clock: Callable[[], float] = time.time) -> list[Path]:
        """Rename the library file at ``path`` and its WAL and shared-memory files to
        ``<name>.damaged-<date-time>`` beside it (kept, never deleted), so a new library can be
        created at ``path``. Returns the new paths of the files that existed. The library must
        be closed everywhere first."""
        path = Path(path)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
        base = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
        n = 1
        while any(Path(f"{base}{tail}").exists() for tail in ("", "-wal", "-shm")):
            n += 1
            base = path.with_name(f"{path.stem}.damaged-{stamp}-{n}{path.suffix}")
        moved: list[Path] = []
        for tail in ("", "-wal", "-shm"):
            source = Path(f"{path}{tail}")
            if source.exists():
                target = Path(f"{base}{tail}")
                source.rename(target)
                moved.append(target)
        return moved

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def readonly(self) -> bool:
        return self._readonly

    def schema_version(self) -> int:
        with self._reading() as conn:
            return _user_version(conn)

    # ---------------------------------------------------------------------------- uploads

    def upload_id_for(self, sha256: str, *, max_age_s: float = UPLOAD_REUSE_S) -> str | None:
        """The init image id uploaded for content ``sha256`` within ``max_age_s``, else None."""
        oldest = self._now_ms() - int(max_age_s * 1000)
        with self._reading() as conn:
            row = conn.execute(
                "SELECT init_image_id FROM uploads WHERE sha256 = ? AND created_ms >= ?",
                (sha256, oldest),
            ).fetchone()
        return str(row[0]) if row is not None else None

    def remember_upload(self, sha256: str, init_image_id: str) -> None:
        """Record that content ``sha256`` was uploaded as ``init_image_id`` (now)."""
        _require_id(init_image_id, "init image id")
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO uploads (sha256, init_image_id, created_ms) VALUES (?, ?, ?) "
                "ON CONFLICT(sha256) DO UPDATE SET init_image_id = excluded.init_image_id, "
                "created_ms = excluded.created_ms",
                (sha256, init_image_id, self._now_ms()),
            )

    # ---------------------------------------------------------------------------- plumbing

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the library is closed")
        return self._conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _translated():
            yield self._connection()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE takes the write lock up front, so a WAL reader
        can never force us into a deadlocked upgrade)."""
        with self._lock, _translated():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # ---------------------------------------------------------------------------- generations

    def upsert_generation(
        self,
        gen: Generation,
        *,
        request_json: str | None = None,
        raw_json: str | None = None,
    ) -> None:
        """Insert or update ``gen`` and its images; idempotent.

        Server fields that arrive empty never erase what is already stored, ``request_json`` is
        kept from the first time it was given, and images keep their download state, file and
        curation (favourite, rating, pick, collections, local deletion). Images the server no
        longer lists are kept (sync decides about those). ``raw_json`` is the server's row;
        without it a JSON dump of ``gen`` (fields plus ``extra``) is stored. Completed
        variations with a URL are stored as images of kind ``variation`` whose
        ``parent_image_id`` is the image they came from. Storing a generation clears its
        ``deleted_remote`` flag (the server has it).
        """
        if not gen.id:
            raise ValueError("a generation without an id cannot be stored")
        _check_generation_ids(gen)
        now = self._now_ms()
        with self._writing() as conn:
            self._upsert_one(conn, gen, request_json=request_json, raw_json=raw_json, now=now)

    def upsert_generations(
        self,
        gens: Sequence[Generation],
        *,
        sync_pass: int | None = None,
        state: Mapping[str, str | int | None] | None = None,
    ) -> UpsertBatch:
        """Store a page of generations (as :meth:`upsert_generation` does) in one transaction.

        Generations without an id are skipped; an id repeated in the batch is stored once.
        ``sync_pass`` marks every generation as seen by that full sync pass (see
        :meth:`seen_in_pass`), and ``state`` is written to the sync state in the same
        transaction (so a saved resume offset never runs ahead of the stored rows).
        """
        now = self._now_ms()
        new: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        images = 0
        seen: set[str] = set()
        with self._writing() as conn:
            for gen in gens:
                if not gen.id or gen.id in seen:
                    continue
                _check_generation_ids(gen)
                seen.add(gen.id)
                images += _image_count(gen)
                outcome = self._upsert_one(conn, gen, now=now, sync_pass=sync_pass)
                {"new": new, "updated": updated, "unchanged": unchanged}[outcome].append(gen.id)
            if state:
                _write_state(conn, state)
        return UpsertBatch(tuple(new), tuple(updated), tuple(unchanged), images)

    def _upsert_one(
        self,
        conn: sqlite3.Connection,
        gen: Generation,
        *,
        now: int,
        request_json: str | None = None,
        raw_json: str | None = None,
        sync_pass: int | None = None,
    ) -> str:
        """Store one generation; returns ``new``, ``updated`` or ``unchanged`` (the stored row
        already holds exactly this server row: only the sync marks are written)."""
        assert gen.id
        created = gen.created_at_datetime
        created_ms = None if created is None else int(created.timestamp() * 1000)
        request = _request_dict(request_json)
        plain_images = [img for img in gen.images if img.id]
        raw = raw_json if raw_json is not None else json.dumps(_jsonable(gen), sort_keys=True)
        prior = conn.execute(
            "SELECT raw_json, request_json FROM generations WHERE id = ?", (gen.id,)
        ).fetchone()
        if prior is not None and request_json is None and prior["raw_json"] == raw:
            conn.execute(
                """
                UPDATE generations SET deleted_remote = 0, sync_pass = COALESCE(?, sync_pass)
                WHERE id = ?
                """,
                (sync_pass, gen.id),
            )
            return "unchanged"
        params: dict[str, Any] = {
            "id": gen.id,
            "created_at": gen.created_at,
            "created_ms": created_ms,
            "now": now,
            "status": gen.status,
            "prompt": gen.prompt,
            "negative_prompt": gen.negative_prompt,
            "model_id": gen.model_id,
            "width": gen.image_width,
            "height": gen.image_height,
            "num_images": len(plain_images) or _first_int(request.get("num_images")),
            "seed": _int64(gen.seed),
            "guidance_scale": _finite(gen.guidance_scale),
            "steps": gen.inference_steps,
            "scheduler": gen.scheduler,
            "preset_style": gen.preset_style,
            "sd_version": gen.sd_version,
            "alchemy": _first_bool(gen.extra.get("alchemy"), request.get("alchemy")),
            "photo_real": _first_bool(
                gen.photo_real, request.get("photoReal"), request.get("photo_real")
            ),
            "prompt_magic": _first_bool(
                gen.prompt_magic, request.get("promptMagic"), request.get("prompt_magic")
            ),
            "init_strength": _finite(gen.init_strength),
            "request_json": request_json,
            "raw_json": raw,
            "sync_pass": sync_pass,
        }
        conn.execute(
            """
            INSERT INTO generations (
                id, created_at, created_ms, status, prompt, negative_prompt, model_id,
                width, height, num_images, seed, guidance_scale, steps, scheduler,
                preset_style, sd_version, alchemy, photo_real, prompt_magic, init_strength,
                request_json, raw_json, deleted_remote, added_ms, updated_ms, sync_pass
            ) VALUES (
                :id, :created_at, COALESCE(:created_ms, :now), :status,
                COALESCE(:prompt, ''), COALESCE(:negative_prompt, ''), :model_id,
                :width, :height, :num_images, :seed, :guidance_scale, :steps, :scheduler,
                :preset_style, :sd_version, :alchemy, :photo_real, :prompt_magic,
                :init_strength, :request_json, :raw_json, 0, :now, :now, :sync_pass
            )
            ON CONFLICT (id) DO UPDATE SET
                created_at = COALESCE(:created_at, created_at),
                created_ms = COALESCE(:created_ms, created_ms),
                status = COALESCE(:status, status),
                prompt = COALESCE(:prompt, prompt),
                negative_prompt = COALESCE(:negative_prompt, negative_prompt),
                model_id = COALESCE(:model_id, model_id),
                width = COALESCE(:width, width),
                height = COALESCE(:height, height),
                num_images = COALESCE(:num_images, num_images),
                seed = COALESCE(:seed, seed),
                guidance_scale = COALESCE(:guidance_scale, guidance_scale),
                steps = COALESCE(:steps, steps),
                scheduler = COALESCE(:scheduler, scheduler),
                preset_style = COALESCE(:preset_style, preset_style),
                sd_version = COALESCE(:sd_version, sd_version),
                alchemy = COALESCE(:alchemy, alchemy),
                photo_real = COALESCE(:photo_real, photo_real),
                prompt_magic = COALESCE(:prompt_magic, prompt_magic),
                init_strength = COALESCE(:init_strength, init_strength),
                request_json = COALESCE(request_json, :request_json),
                raw_json = :raw_json,
                deleted_remote = 0,
                updated_ms = :now,
                sync_pass = COALESCE(:sync_pass, sync_pass)
            """,
            params,
        )
        gen_ms = conn.execute(
            "SELECT created_ms FROM generations WHERE id = ?", (gen.id,)
        ).fetchone()[0]
        if request_json is None and prior is not None:
            request = _request_dict(prior["request_json"])
        made_from = _lineage_parent(request)
        if made_from is not None and not is_valid_id(made_from):
            made_from = None  # a request naming no usable image starts a chain
        for idx, image in enumerate(plain_images):
            self._upsert_image(
                conn,
                image_id=image.id or "",
                generation_id=gen.id,
                idx=idx,
                kind=_image_kind(image),
                parent=made_from if made_from != image.id else None,
                transform=None,
                url=image.url,
                motion_url=image.motion_mp4_url,
                nsfw=image.nsfw,
                created_ms=gen_ms,
                now=now,
            )
            for variation in image.variations:
                if not variation.id or not variation.url:
                    continue
                when = parse_timestamp(variation.created_at)
                self._upsert_image(
                    conn,
                    image_id=variation.id,
                    generation_id=gen.id,
                    idx=idx,
                    kind=ImageKind.VARIATION,
                    parent=image.id,
                    transform=variation.transform_type,
                    url=variation.url,
                    motion_url=None,
                    nsfw=image.nsfw,
                    created_ms=gen_ms if when is None else int(when.timestamp() * 1000),
                    now=now,
                )
        return "new" if prior is None else "updated"

    @staticmethod
    def _upsert_image(
        conn: sqlite3.Connection,
        *,
        image_id: str,
        generation_id: str,
        idx: int,
        kind: str,
        parent: str | None,
        transform: str | None,
        url: str | None,
        motion_url: str | None,
        nsfw: bool | None,
        created_ms: int,
        now: int,
    ) -> None:
        conn.execute(
            """
            INSERT INTO images (
                id, generation_id, idx, kind, parent_image_id, transform, url, motion_url, nsfw,
                created_ms, updated_ms
            ) VALUES (
                :id, :generation_id, :idx, :kind, :parent, :transform, :url, :motion_url,
                COALESCE(:nsfw, 0), :created_ms, :now
            )
            ON CONFLICT (id) DO UPDATE SET
                idx = :idx,
                kind = :kind,
                -- the first parent known wins: the app records a variation of a variation
                -- exactly, while the server lists every variation under the root image
                parent_image_id = COALESCE(parent_image_id, :parent),
                transform = COALESCE(:transform, transform),
                url = COALESCE(:url, url),
                motion_url = COALESCE(:motion_url, motion_url),
                nsfw = COALESCE(:nsfw, nsfw),
                created_ms = :created_ms,
                updated_ms = :now
            """,
            {
                "id": image_id,
                "generation_id": generation_id,
                "idx": idx,
                "kind": kind,
                "parent": parent,
                "transform": transform,
                "url": url,
                "motion_url": motion_url,
                "nsfw": nsfw,
                "created_ms": created_ms,
                "now": now,
            },
        )

    def get_generation(self, generation_id: str) -> GenerationRecord | None:
        """The stored generation with its images, or None."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT * FROM generations WHERE id = ?", (generation_id,)
            ).fetchone()
            if row is None:
                return None
            images = conn.execute(
                f"""
                SELECT {_IMAGE_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id
                WHERE i.generation_id = ?
                ORDER BY i.idx, i.parent_image_id IS NOT NULL, i.created_ms, i.id
                """,
                (generation_id,),
            ).fetchall()
            names = self._model_names(conn)
        return GenerationRecord(
            id=row["id"],
            status=row["status"],
            created_at=row["created_at"],
            created_ms=row["created_ms"],
            prompt=row["prompt"],
            negative_prompt=row["negative_prompt"],
            model_id=row["model_id"],
            width=row["width"],
            height=row["height"],
            num_images=row["num_images"],
            seed=row["seed"],
            guidance_scale=row["guidance_scale"],
            steps=row["steps"],
            scheduler=row["scheduler"],
            preset_style=row["preset_style"],
            sd_version=row["sd_version"],
            alchemy=_bool_or_none(row["alchemy"]),
            photo_real=_bool_or_none(row["photo_real"]),
            prompt_magic=_bool_or_none(row["prompt_magic"]),
            init_strength=row["init_strength"],
            request_json=row["request_json"],
            raw_json=row["raw_json"],
            deleted_remote=bool(row["deleted_remote"]),
            added_ms=row["added_ms"],
            updated_ms=row["updated_ms"],
            images=tuple(_image_record(r, names) for r in images),
        )

    def set_deleted_remote(self, generation_id: str, deleted: bool = True) -> None:
        """Flag a generation the server no longer has (its local files stay)."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE generations SET deleted_remote = ?, updated_ms = ? WHERE id = ?",
                (int(deleted), self._now_ms(), generation_id),
            )

    def diff_generations(self, a: str, b: str) -> list[tuple[str, Any, Any]]:
        """The stored parameters that differ between generations ``a`` and ``b``, as
        ``(field, a_value, b_value)`` in :data:`DIFF_FIELDS` order. KeyError if one is missing.
        """
        first, second = self.get_generation(a), self.get_generation(b)
        if first is None:
            raise KeyError(a)
        if second is None:
            raise KeyError(b)
        out: list[tuple[str, Any, Any]] = []
        for name in DIFF_FIELDS:
            left, right = getattr(first, name), getattr(second, name)
            if left != right:
                out.append((name, left, right))
        return out

    # ---------------------------------------------------------------------------- gallery

    def image_ids_page(
        self,
        offset: int,
        limit: int,
        *,
        query: str | None = None,
        include_negative: bool = False,
        filter: Filter | None = None,
        after: str | None = None,
    ) -> list[str]:
        """Image ids, newest first (by ``created_ms``, then position in the generation, then id).

        ``filter`` selects what is shown (see :class:`~leodesk.core.search.Filter`; None shows
        every visible image: not deleted locally, not deleted on the server). ``query`` /
        ``include_negative`` are a shortcut for the filter's ``text`` / ``include_negative``
        (used when the filter has no text of its own). Any input is accepted: text with nothing
        searchable in it filters nothing, impossible filters give ``[]``.

        ``after`` (an image id) continues after that image in this order, so deep pages cost
        about as much as the first one; ``offset`` then counts from there. An unknown ``after``
        id gives ``[]``.
        """
        offset, limit = max(0, int(offset)), max(0, int(limit))
        flt = _with_query(filter, query, include_negative)
        with self._reading() as conn:
            compiled = self._compile(conn, flt, after)
            if compiled is None or compiled.empty or not limit:
                return []
            driver = self._choose(conn, compiled, offset + limit)
            if driver is None:
                return []
            return self._page(conn, compiled, driver, offset, limit)

    def count_images(
        self,
        query: str | Filter | None = None,
        *,
        include_negative: bool = False,
        filter: Filter | None = None,
    ) -> int:
        """How many images :meth:`image_ids_page` can return for the same arguments
        (``count_images(Filter(...))`` works too)."""
        if isinstance(query, Filter):
            query, filter = None, query if filter is None else filter
        flt = _with_query(filter, query, include_negative)
        with self._reading() as conn:
            compiled = self._compile(conn, flt, None)
            if compiled is None or compiled.empty:
                return 0
            sizes = self._driver_sizes(conn, compiled)
            if any(size == 0 for size in sizes.values()):
                return 0
            # Counting visits every match anyway: start from the smallest candidate set.
            driver = min(sizes, key=lambda name: sizes[name]) if sizes else "time"
            row = conn.execute(search.count_sql(compiled, driver), compiled.params).fetchone()
        return int(row[0])

    def _compile(
        self, conn: sqlite3.Connection, flt: Filter, after: str | None
    ) -> search.Compiled | None:
        key: tuple[int, int, str] | None = None
        if after is not None:
            row = conn.execute(
                "SELECT created_ms, idx, id FROM images WHERE id = ?", (after,)
            ).fetchone()
            if row is None:
                return None
            key = (int(row[0]), int(row[1]), str(row[2]))
        return search.compile_filter(flt, after=key)

    def _driver_sizes(
        self, conn: sqlite3.Connection, compiled: search.Compiled, cap: int = _ESTIMATE_CAP
    ) -> dict[str, int]:
        return {
            name: int(conn.execute(sql, compiled.params).fetchone()[0])
            for name, sql in search.driver_sizes_sql(compiled, cap).items()
        }

    def _choose(
        self, conn: sqlite3.Connection, compiled: search.Compiled, rows_needed: int
    ) -> str | None:
        """The driver for a page, or None when a candidate set is empty (nothing matches)."""
        if compiled.drivers == ["time"]:
            return "time"
        totals = conn.execute(
            "SELECT (SELECT MAX(rowid) FROM images), (SELECT MAX(pk) FROM generations)"
        ).fetchone()
        images, generations = int(totals[0] or 1), int(totals[1] or 1)
        sizes = self._driver_sizes(
            conn, compiled, search.estimate_cap(rows_needed, max(images, generations))
        )
        if any(size == 0 for size in sizes.values()):
            return None
        return search.choose_driver(
            compiled,
            rows_needed=rows_needed,
            images=images,
            generations=generations,
            sizes=sizes,
        )

    @staticmethod
    def _page(
        conn: sqlite3.Connection, compiled: search.Compiled, driver: str, offset: int, limit: int
    ) -> list[str]:
        params = {**compiled.params, "limit": limit, "offset": offset}
        return [r[0] for r in conn.execute(search.page_sql(compiled, driver), params)]

    def image_records(self, ids: Iterable[str]) -> dict[str, ImageRecord]:
        """The records of ``ids`` that exist (missing ids are simply absent), with their
        curation, collections and the model's name when the model list knows it."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, ImageRecord] = {}
        with self._reading() as conn:
            names = self._model_names(conn)
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"""
                    SELECT {_IMAGE_COLUMNS} FROM images i
                    JOIN generations g ON g.id = i.generation_id WHERE i.id IN ({marks})
                    """,
                    tuple(chunk),
                ).fetchall()
                for row in rows:
                    out[row["id"]] = _image_record(row, names)
        return out

    def _model_names(self, conn: sqlite3.Connection) -> Mapping[str, str]:
        """Model id → name from the cached model lists (own models win), cached until the lists
        change."""
        stamp = tuple(conn.execute("SELECT COUNT(*), MAX(fetched_ms) FROM models").fetchone())
        cached = self._names_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        names: dict[str, str] = {}
        rows = conn.execute("SELECT id, info_json FROM models ORDER BY kind = 'own'").fetchall()
        for row in rows:
            try:
                data = json.loads(row[1])
            except ValueError:
                continue
            name = data.get("name") if isinstance(data, Mapping) else None
            if isinstance(name, str) and name:
                names[row[0]] = name
        self._names_cache = (stamp, names)
        return names

    def library_models(self) -> list[tuple[str, str | None, int]]:
        """The models the stored generations used, as ``(model_id, name, generations)``, most
        used first (for a model filter)."""
        with self._reading() as conn:
            names = self._model_names(conn)
            rows = conn.execute(
                """
                SELECT model_id, COUNT(*) AS n FROM generations
                WHERE model_id IS NOT NULL GROUP BY model_id ORDER BY n DESC, model_id
                """
            ).fetchall()
        return [(r[0], names.get(r[0]), int(r[1])) for r in rows]

    def month_counts(self) -> list[tuple[str, int]]:
        """Visible images per month (local time), newest month first, as ``("2026-11", n)``:
        the gallery's date scrubber (the unfiltered, newest-first order)."""
        with self._reading() as conn:
            rows = conn.execute(
                """
                SELECT strftime('%Y-%m', i.created_ms / 1000, 'unixepoch', 'localtime') AS ym,
                       COUNT(*)
                FROM images i INDEXED BY images_live_by_time
                WHERE i.deleted_local_ms IS NULL
                GROUP BY ym ORDER BY ym DESC
                """
            ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows if r[0] is not None]

    # ---------------------------------------------------------------------------- curation

    def _update_images(self, sql: str, args: Sequence[Any], image_ids: Iterable[str]) -> int:
        """Run ``UPDATE images SET ... WHERE <extra> AND id IN (chunk)`` over ``image_ids``."""
        wanted = _distinct_ids(image_ids)
        changed = 0
        with self._writing() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(f"{sql} AND id IN ({marks})", (*args, *chunk))
                changed += cur.rowcount
        return changed

    def set_favourite(self, image_ids: Iterable[str], on: bool) -> int:
        """Mark or unmark images as favourites; returns how many changed."""
        flag = int(bool(on))
        return self._update_images(
            "UPDATE images SET favourite = ?, updated_ms = ? WHERE favourite != ?",
            (flag, self._now_ms(), flag),
            image_ids,
        )

    def set_rating(self, image_ids: Iterable[str], rating: int) -> int:
        """Set the star rating (0 = none, 1-5); ValueError outside 0-5. Returns how many
        changed."""
        if isinstance(rating, bool) or not isinstance(rating, int) or not 0 <= rating <= 5:
            raise ValueError(f"a rating is 0 to 5, not {rating!r}")
        return self._update_images(
            "UPDATE images SET rating = ?, updated_ms = ? WHERE rating != ?",
            (rating, self._now_ms(), rating),
            image_ids,
        )

    def set_pick(self, image_ids: Iterable[str], state: str | None) -> int:
        """Mark images :attr:`Pick.PICKED`, :attr:`Pick.REJECTED` or unmarked (None);
        ValueError for anything else. Returns how many changed."""
        if state is not None and state not in PICK_STATES:
            raise ValueError(f"a pick is 'picked', 'rejected' or None, not {state!r}")
        return self._update_images(
            "UPDATE images SET pick = ?, updated_ms = ? WHERE pick IS NOT ?",
            (state, self._now_ms(), state),
            image_ids,
        )

    def create_collection(self, name: str) -> int:
        """Create a local collection and return its id. ValueError for an empty name or one
        already used (names compare case-insensitively)."""
        clean = _collection_name(name)
        with self._writing() as conn:
            try:
                cur = conn.execute(
                    "INSERT INTO collections (name, created_ms) VALUES (?, ?)",
                    (clean, self._now_ms()),
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"A collection named “{clean}” already exists.") from None
            new_id = cur.lastrowid
        assert new_id is not None
        return new_id

    def rename_collection(self, collection_id: int, name: str) -> None:
        """Rename a collection; KeyError if it does not exist, ValueError as for create."""
        clean = _collection_name(name)
        with self._writing() as conn:
            try:
                cur = conn.execute(
                    "UPDATE collections SET name = ? WHERE id = ?", (clean, collection_id)
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"A collection named “{clean}” already exists.") from None
            if cur.rowcount == 0:
                raise KeyError(collection_id)

    def delete_collection(self, collection_id: int) -> bool:
        """Delete a collection (its images stay in the library); False if it did not exist."""
        with self._writing() as conn:
            cur = conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))
        return cur.rowcount > 0

    def collections(self) -> list[CollectionRecord]:
        """Every collection, by name."""
        with self._reading() as conn:
            rows = conn.execute(
                """
                SELECT c.id, c.name, c.created_ms,
                    (SELECT COUNT(*) FROM collection_images ci JOIN images i ON i.id = ci.image_id
                     WHERE ci.collection_id = c.id AND i.deleted_local_ms IS NULL) AS n
                FROM collections c ORDER BY c.name, c.id
                """
            ).fetchall()
        return [CollectionRecord(r[0], r[1], r[2], r[3]) for r in rows]

    def add_to_collection(self, collection_id: int, image_ids: Iterable[str]) -> int:
        """Add images (unknown ids are ignored); returns how many were not in it yet. KeyError
        if the collection does not exist."""
        wanted = _distinct_ids(image_ids)
        added = 0
        now = self._now_ms()
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM collections WHERE id = ?", (collection_id,)).fetchone():
                for chunk in _chunks(wanted):
                    marks = ",".join("?" * len(chunk))
                    cur = conn.execute(
                        f"""
                        INSERT INTO collection_images (collection_id, image_id, added_ms)
                        SELECT ?, id, ? FROM images WHERE id IN ({marks})
                        ON CONFLICT DO NOTHING
                        """,
                        (collection_id, now, *chunk),
                    )
                    added += cur.rowcount
            else:
                raise KeyError(collection_id)
        return added

    def remove_from_collection(self, collection_id: int, image_ids: Iterable[str]) -> int:
        """Remove images from a collection; returns how many were in it."""
        wanted = _distinct_ids(image_ids)
        removed = 0
        with self._writing() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(
                    "DELETE FROM collection_images WHERE collection_id = ? "
                    f"AND image_id IN ({marks})",
                    (collection_id, *chunk),
                )
                removed += cur.rowcount
        return removed

    def mark_deleted_local(self, image_ids: Iterable[str], on: bool = True) -> int:
        """Hide images pending deletion (``on``) or bring them back (undo, ``on=False``).
        Hidden images leave every page and count at once; :meth:`purge_deleted` removes them.
        Returns how many changed."""
        if on:
            return self._update_images(
                "UPDATE images SET deleted_local_ms = ? WHERE deleted_local_ms IS NULL",
                (self._now_ms(),),
                image_ids,
            )
        return self._update_images(
            "UPDATE images SET deleted_local_ms = NULL WHERE deleted_local_ms IS NOT NULL",
            (),
            image_ids,
        )

    def deleted_local_ids(self) -> list[str]:
        """Images marked deleted but not purged yet, oldest mark first (e.g. left over by a
        crash inside the undo window)."""
        with self._reading() as conn:
            rows = conn.execute(
                """
                SELECT id FROM images INDEXED BY images_deleted_local
                WHERE deleted_local_ms IS NOT NULL ORDER BY deleted_local_ms, id
                """
            ).fetchall()
        return [r[0] for r in rows]

    def purge_deleted(self, image_ids: Iterable[str] | None = None) -> list[FileRef]:
        """Remove the rows of images marked deleted (all of them, or those of ``image_ids``;
        unmarked ids are left alone) together with their collection entries, and generations
        left with no image. Returns the image-store files no remaining image uses: the caller
        deletes them from disk."""
        with self._writing() as conn:
            if image_ids is None:
                ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM images WHERE deleted_local_ms IS NOT NULL"
                    )
                ]
            else:
                ids = []
                for chunk in _chunks(_distinct_ids(image_ids)):
                    marks = ",".join("?" * len(chunk))
                    ids += [
                        r[0]
                        for r in conn.execute(
                            f"SELECT id FROM images WHERE id IN ({marks}) "
                            "AND deleted_local_ms IS NOT NULL",
                            tuple(chunk),
                        )
                    ]
            files: dict[tuple[str, str], None] = {}
            generations: dict[str, None] = {}
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT generation_id, sha256, ext FROM images WHERE id IN ({marks})",
                    tuple(chunk),
                ):
                    generations[row[0]] = None
                    if row[1] is not None and row[2] is not None:
                        files[(row[1], row[2])] = None
                conn.execute(f"DELETE FROM images WHERE id IN ({marks})", tuple(chunk))
            for chunk in _chunks(list(generations)):
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    f"""
                    DELETE FROM generations WHERE id IN ({marks})
                    AND NOT EXISTS (SELECT 1 FROM images i WHERE i.generation_id = generations.id)
                    """,
                    tuple(chunk),
                )
            orphaned = [
                FileRef(sha, ext)
                for sha, ext in files
                if conn.execute(
                    "SELECT 1 FROM images WHERE sha256 = ? AND ext = ? LIMIT 1", (sha, ext)
                ).fetchone()
                is None
            ]
        return orphaned

    def generation_ids_for(self, image_ids: Iterable[str]) -> list[str]:
        """The generations of ``image_ids`` (each once, in the order first met; unknown ids are
        skipped): what a cloud delete of those images has to delete."""
        wanted = _distinct_ids(image_ids)
        found: dict[str, str] = {}
        with self._reading() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT id, generation_id FROM images WHERE id IN ({marks})", tuple(chunk)
                ):
                    found[row[0]] = row[1]
        return list(dict.fromkeys(found[i] for i in wanted if i in found))

    # ---------------------------------------------------------------------------- sync

    def now_ms(self) -> int:
        """The library clock in epoch milliseconds (the one ``added_ms`` is written with)."""
        return self._now_ms()

    def sync_state(self) -> dict[str, str]:
        """The sync engine's saved state (key → value)."""
        with self._reading() as conn:
            return {r[0]: r[1] for r in conn.execute("SELECT key, value FROM sync_state")}

    def set_sync_state(self, values: Mapping[str, str | int | None]) -> None:
        """Write sync state keys atomically (None deletes a key)."""
        with self._writing() as conn:
            _write_state(conn, values)

    def seen_in_pass(self, generation_ids: Iterable[str], sync_pass: int) -> set[str]:
        """Which of ``generation_ids`` the full pass ``sync_pass`` has stored."""
        wanted = _distinct_ids(generation_ids)
        out: set[str] = set()
        with self._reading() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                out.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM generations WHERE sync_pass = ? AND id IN ({marks})",
                        (sync_pass, *chunk),
                    )
                )
        return out

    def mark_unseen_deleted_remote(
        self,
        sync_pass: int,
        started_ms: int,
        *,
        state: Mapping[str, str | int | None] | None = None,
    ) -> list[str]:
        """End a complete full pass: flag ``deleted_remote`` on every generation it did not see
        that was stored before the pass started (``added_ms < started_ms``; newer rows may
        simply have been created after the listing passed them). Rows are never removed.
        ``state`` is written in the same transaction. Returns the newly flagged ids."""
        with self._writing() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    """
                    SELECT id FROM generations
                    WHERE sync_pass IS NOT ? AND added_ms < ? AND deleted_remote = 0
                    """,
                    (sync_pass, started_ms),
                )
            ]
            now = self._now_ms()
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    f"UPDATE generations SET deleted_remote = 1, updated_ms = ? "
                    f"WHERE id IN ({marks})",
                    (now, *chunk),
                )
            if state:
                _write_state(conn, state)
        return ids

    # ---------------------------------------------------------------------------- downloads

    def set_image_file(
        self,
        image_id: str,
        sha256: str,
        ext: str,
        *,
        width: int | None = None,
        height: int | None = None,
    ) -> None:
        """Record that ``image_id`` is in the image store as ``sha256``.``ext``."""
        _require_id(image_id, "image id")
        with self._writing() as conn:
            conn.execute(
                """
                UPDATE images SET sha256 = ?, ext = ?, width = COALESCE(?, width),
                    height = COALESCE(?, height), download_state = 'done', updated_ms = ?
                WHERE id = ?
                """,
                (sha256, ext, width, height, self._now_ms(), image_id),
            )

    def stored_image_ids(self, generation_id: str) -> set[str]:
        """Ids of ``generation_id``'s images (variations and motion included) whose file is in
        the image store."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT id FROM images WHERE generation_id = ? AND sha256 IS NOT NULL",
                (generation_id,),
            ).fetchall()
        return {str(r[0]) for r in rows}

    def mark_image_failed(self, image_id: str) -> None:
        """Count a failed download; after :data:`MAX_DOWNLOAD_ATTEMPTS` the image stops being
        offered by :meth:`images_to_download`."""
        with self._writing() as conn:
            conn.execute(
                """
                UPDATE images SET download_attempts = download_attempts + 1,
                    download_state = CASE WHEN download_attempts + 1 >= ? THEN 'failed'
                                          ELSE 'pending' END,
                    updated_ms = ?
                WHERE id = ? AND download_state != 'done'
                """,
                (MAX_DOWNLOAD_ATTEMPTS, self._now_ms(), image_id),
            )

    def images_to_download(self, limit: int, *, after: str | None = None) -> list[ImageRecord]:
        """Images with a URL still waiting for their file, newest first (locally deleted ones
        excluded). ``after`` (an image id) continues after that image in the same order, so a
        caller can walk past images it has just failed on."""
        key: tuple[int, int, str] | None = None
        with self._reading() as conn:
            if after is not None:
                row = conn.execute(
                    "SELECT created_ms, idx, id FROM images WHERE id = ?", (after,)
                ).fetchone()
                if row is None:
                    return []
                key = (int(row[0]), int(row[1]), str(row[2]))
            where = ""
            args: list[Any] = []
            if key is not None:
                where = (
                    "AND i.created_ms <= ? AND (i.created_ms < ? OR (i.created_ms = ? AND "
                    "(i.idx > ? OR (i.idx = ? AND i.id > ?))))"
                )
                args = [key[0], key[0], key[0], key[1], key[1], key[2]]
            rows = conn.execute(
                f"""
                SELECT {_IMAGE_COLUMNS} FROM images i INDEXED BY images_to_download
                JOIN generations g ON g.id = i.generation_id
                WHERE i.download_state = 'pending' AND i.url IS NOT NULL
                    AND i.deleted_local_ms IS NULL {where}
                ORDER BY i.created_ms DESC, i.idx, i.id LIMIT ?
                """,
                (*args, max(0, limit)),
            ).fetchall()
            names = self._model_names(conn)
        return [_image_record(r, names) for r in rows]

    # ---------------------------------------------------------------------------- lineage
    # Variations and motion (leodesk.core.variations): children of an image, and the chain back.

    def add_variation_child(
        self,
        *,
        image_id: str,
        parent_image_id: str,
        transform: str,
        url: str | None,
        created_ms: int | None = None,
    ) -> None:
        """Store a finished variation as an image of kind ``variation`` under its parent's
        generation (idempotent; the parent must be in the library)."""
        _require_id(image_id, "variation id")
        _require_id(parent_image_id, "image id")
        now = self._now_ms()
        with self._writing() as conn:
            row = conn.execute(
                "SELECT generation_id, idx, nsfw FROM images WHERE id = ?", (parent_image_id,)
            ).fetchone()
            if row is None:
                raise KeyError(parent_image_id)
            self._upsert_image(
                conn,
                image_id=image_id,
                generation_id=row["generation_id"],
                idx=row["idx"],
                kind=ImageKind.VARIATION,
                parent=parent_image_id,
                transform=transform,
                url=url,
                motion_url=None,
                nsfw=bool(row["nsfw"]),
                created_ms=now if created_ms is None else created_ms,
                now=now,
            )

    def set_image_parent(self, image_id: str, parent_image_id: str, transform: str) -> None:
        """Record where an image came from (a motion made from ``parent_image_id``)."""
        _require_id(parent_image_id, "image id")
        with self._writing() as conn:
            conn.execute(
                "UPDATE images SET parent_image_id = ?, transform = ?, updated_ms = ? WHERE id = ?",
                (parent_image_id, transform, self._now_ms(), image_id),
            )

    def children_of(self, image_id: str) -> list[ImageRecord]:
        """The images made from ``image_id`` (variations, motion), oldest first."""
        with self._reading() as conn:
            rows = conn.execute(
                f"""
                SELECT {_IMAGE_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id
                WHERE i.parent_image_id = ? AND i.deleted_local_ms IS NULL
                ORDER BY i.created_ms, i.id
                """,
                (image_id,),
            ).fetchall()
            names = self._model_names(conn)
        return [_image_record(r, names) for r in rows]

    def ancestors_of(self, image_id: str, limit: int = 50) -> list[ImageRecord]:
        """The chain back from ``image_id``: its parent, grandparent… (nearest first). Stops at
        an image the library does not hold, and never loops."""
        chain: list[str] = []
        seen = {image_id}
        with self._reading() as conn:
            current = image_id
            while len(chain) < limit:
                row = conn.execute(
                    "SELECT parent_image_id FROM images WHERE id = ?", (current,)
                ).fetchone()
                parent = None if row is None else row[0]
                if parent is None or parent in seen:
                    break
                seen.add(parent)
                chain.append(parent)
                current = parent
        records = self.image_records(chain)
        return [records[i] for i in chain if i in records]

    # ---------------------------------------------------------------------------- models

    def save_models(self, kind: str, models: Sequence[ModelInfo]) -> None:
        """Replace the cached list of ``kind`` (``platform`` or ``own``); favourites stay."""
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind: {kind!r}")
        now = self._now_ms()
        with self._writing() as conn:
            conn.execute("DELETE FROM models WHERE kind = ?", (kind,))
            conn.executemany(
                """
                INSERT INTO models (kind, id, position, info_json, fetched_ms)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO NOTHING
                """,
                [
                    (kind, m.id, pos, json.dumps(m.to_json(), sort_keys=True), now)
                    for pos, m in enumerate(models)
                    if m.id
                ],
            )

    def load_models(self, kind: str) -> list[ModelInfo]:
        """The cached list of ``kind`` in the order it was saved (unreadable rows skipped)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT info_json FROM models WHERE kind = ? ORDER BY position", (kind,)
            ).fetchall()
        out: list[ModelInfo] = []
        for row in rows:
            try:
                data = json.loads(row[0])
            except ValueError:
                continue
            if isinstance(data, Mapping):
                out.append(ModelInfo.from_json(data))
        return out

    def update_models(self, kind: str, models: Sequence[ModelInfo]) -> int:
        """Replace the cached entries of ``models`` in the list of ``kind`` (by id), keeping the
        list, its order and when it was fetched; models not in the list are ignored. Returns how
        many entries changed."""
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind: {kind!r}")
        with self._writing() as conn:
            changed = 0
            for m in models:
                if not m.id:
                    continue
                cur = conn.execute(
                    "UPDATE models SET info_json = ? WHERE kind = ? AND id = ?",
                    (json.dumps(m.to_json(), sort_keys=True), kind, m.id),
                )
                changed += cur.rowcount
        return changed

    def models_fetched_ms(self, kind: str) -> int | None:
        """When the cached list of ``kind`` was saved (epoch ms), or None if never."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT MAX(fetched_ms) FROM models WHERE kind = ?", (kind,)
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def set_model_favourite(self, model_id: str, on: bool) -> None:
        with self._writing() as conn:
            if on:
                conn.execute(
                    "INSERT INTO model_favourites (model_id, added_ms) VALUES (?, ?) "
                    "ON CONFLICT (model_id) DO NOTHING",
                    (model_id, self._now_ms()),
                )
            else:
                conn.execute("DELETE FROM model_favourites WHERE model_id = ?", (model_id,))

    def model_favourites(self) -> set[str]:
        with self._reading() as conn:
            return {r[0] for r in conn.execute("SELECT model_id FROM model_favourites")}

    # ---------------------------------------------------------------------------- jobs

    def add_job(
        self,
        kind: str,
        request_json: str | None,
        *,
        state: JobState | str = JobState.QUEUED,
        group_label: str | None = None,
    ) -> int:
        """Store a new job (at the end of the queue) and return its local id."""
        now = self._now_ms()
        with self._writing() as conn:
            cur = conn.execute(
                """
                INSERT INTO jobs (kind, state, request_json, created_ms, updated_ms, position,
                                  group_label)
                VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM jobs), ?)
                """,
                (kind, JobState(state).value, request_json, now, now, group_label),
            )
            job_id = cur.lastrowid
        assert job_id is not None
        return job_id

    def update_job(
        self,
        job_id: int,
        *,
        state: JobState | str | None = None,
        generation_id: str | None = None,
        error: str | None = None,
        submitted_at: float | datetime | None = None,
    ) -> None:
        """Change the given fields of a job (None = unchanged); KeyError if it does not exist.

        ``state`` is a :class:`JobState` or its value (ValueError otherwise); ``submitted_at`` is
        epoch seconds or an aware datetime.

        This is storage only: use :func:`leodesk.core.jobs.advance` to check the transition.
        """
        sets = ["updated_ms = ?"]
        args: list[Any] = [self._now_ms()]
        if state is not None:
            sets.append("state = ?")
            args.append(JobState(state).value)
        if generation_id is not None:
            sets.append("generation_id = ?")
            args.append(generation_id)
        if error is not None:
            sets.append("error = ?")
            args.append(error)
        if submitted_at is not None:
            if isinstance(submitted_at, datetime):
                if submitted_at.tzinfo is None:
                    raise ValueError("submitted_at must be timezone-aware")
                seconds = submitted_at.timestamp()
            else:
                seconds = float(submitted_at)
            sets.append("submitted_ms = ?")
            args.append(round(seconds * 1000))
        with self._writing() as conn:
            cur = conn.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", (*args, job_id))
            if cur.rowcount == 0:
                raise KeyError(job_id)

    def submitted_since(self, since: float) -> list[float]:
        """When jobs were sent (epoch seconds) at or after ``since``, oldest first: the rate
        limit counts them across restarts."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT submitted_ms FROM jobs WHERE submitted_ms >= ? ORDER BY submitted_ms",
                (round(since * 1000),),
            ).fetchall()
        return [int(r[0]) / 1000 for r in rows]

    def get_job(self, job_id: int) -> JobRecord | None:
        with self._reading() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job_record(row)

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs not yet DONE, FAILED or CANCELLED, oldest first (to resume after a restart)."""
        terminal = sorted(s.value for s in TERMINAL_STATES)
        marks = ",".join("?" * len(terminal))
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT * FROM jobs WHERE state NOT IN ({marks}) ORDER BY id", terminal
            ).fetchall()
        return [_job_record(r) for r in rows]

    # ---------------------------------------------------------------------------- the job queue
    # What the queue panel shows and the sender takes from: jobs not cleared, by ``position``.
    # A job is *claimed* (QUEUED -> SUBMITTING in one statement) before it is sent, so a cancel
    # and a send can never both win.

    def queue_jobs(self) -> list[JobRecord]:
        """Jobs shown in the queue panel (not cleared), in queue order."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM jobs WHERE cleared_ms IS NULL ORDER BY position, id"
            ).fetchall()
        return [_job_record(r) for r in rows]

    def claim_job(self, job_id: int) -> bool:
        """QUEUED -> SUBMITTING (nothing sent yet: ``submitted_at`` stays empty); False when the
        job is no longer queued (cancelled meanwhile)."""
        with self._writing() as conn:
            cur = conn.execute(
                "UPDATE jobs SET state = ?, updated_ms = ? WHERE id = ? AND state = ?",
                (JobState.SUBMITTING.value, self._now_ms(), job_id, JobState.QUEUED.value),
            )
            return cur.rowcount == 1

    def requeue_job(self, job_id: int, message: str | None = None) -> None:
        """Back to QUEUED after a submit the server refused without creating anything (429)."""
        with self._writing() as conn:
            conn.execute(
                """
                UPDATE jobs SET state = ?, submitted_ms = NULL, error = ?, updated_ms = ?
                WHERE id = ? AND generation_id IS NULL
                """,
                (JobState.QUEUED.value, message, self._now_ms(), job_id),
            )

    def claim_generation(self, job_id: int, generation_id: str) -> bool:
        """Record that ``job_id`` follows ``generation_id`` (found by reconciling a submit whose
        answer was lost), unless another job already follows it: then False, nothing changes.
        One statement, so two jobs reconciling at once can never take the same generation."""
        with self._writing() as conn:
            cur = conn.execute(
                """
                UPDATE jobs SET generation_id = ?, updated_ms = ?
                WHERE id = ? AND NOT EXISTS (
                    SELECT 1 FROM jobs WHERE generation_id = ? AND id != ?
                )
                """,
                (generation_id, self._now_ms(), job_id, generation_id, job_id),
            )
            return cur.rowcount == 1

    def queue_paused(self) -> bool:
        """Whether the user paused the queue (it stays paused across restarts)."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT value FROM sync_state WHERE key = ?", (QUEUE_PAUSED_KEY,)
            ).fetchone()
        return row is not None and row[0] == "1"

    def set_queue_paused(self, paused: bool) -> None:
        with self._writing() as conn:
            _write_state(conn, {QUEUE_PAUSED_KEY: "1" if paused else None})

    def cancel_queued_jobs(self, job_ids: Iterable[int] | None = None) -> list[int]:
        """Cancel the given jobs (all when None) that are still QUEUED; returns those cancelled."""
        with self._writing() as conn:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE state = ? AND cleared_ms IS NULL",
                (JobState.QUEUED.value,),
            ).fetchall()
            wanted = None if job_ids is None else set(job_ids)
            ids = [r[0] for r in rows if wanted is None or r[0] in wanted]
            now = self._now_ms()
            conn.executemany(
                "UPDATE jobs SET state = ?, error = ?, updated_ms = ? WHERE id = ? AND state = ?",
                [
                    (
                        JobState.CANCELLED.value,
                        "Cancelled before it was sent",
                        now,
                        i,
                        JobState.QUEUED.value,
                    )
                    for i in ids
                ],
            )
        return ids

    def move_jobs_to_front(self, job_ids: Sequence[int]) -> None:
        """Put ``job_ids`` (in this order) before every other job of the queue."""
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return
        with self._writing() as conn:
            low = conn.execute("SELECT COALESCE(MIN(position), 0) FROM jobs").fetchone()[0]
            conn.executemany(
                "UPDATE jobs SET position = ? WHERE id = ?",
                [(low - len(ids) + n, i) for n, i in enumerate(ids)],
            )

    def reorder_jobs(self, job_ids: Sequence[int]) -> None:
        """Give ``job_ids`` the places they hold between them, in the given order (a drag)."""
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        with self._writing() as conn:
            rows = conn.execute(
                f"SELECT id, position FROM jobs WHERE id IN ({marks})", ids
            ).fetchall()
            places = sorted(r[1] if r[1] is not None else r[0] for r in rows)
            known = {r[0] for r in rows}
            ordered = [i for i in ids if i in known]
            # Equal places (never expected) would lose the order: spread them out first.
            if len(set(places)) < len(places):
                places = [places[0] + n for n in range(len(places))]
            conn.executemany(
                "UPDATE jobs SET position = ? WHERE id = ?", list(zip(places, ordered, strict=True))
            )

    def clear_finished_jobs(self) -> int:
        """Hide DONE, FAILED and CANCELLED jobs from the queue panel; returns how many."""
        terminal = sorted(s.value for s in TERMINAL_STATES)
        marks = ",".join("?" * len(terminal))
        with self._writing() as conn:
            cur = conn.execute(
                f"UPDATE jobs SET cleared_ms = ? WHERE cleared_ms IS NULL AND state IN ({marks})",
                (self._now_ms(), *terminal),
            )
            return cur.rowcount


# --------------------------------------------------------------------------------------------
# Opening and migrating
# --------------------------------------------------------------------------------------------


_NEWER: Final = (
    "This leodesk library was written by a newer version of leodesk. Update leodesk to open it."
)


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _check_identity(conn: sqlite3.Connection) -> None:
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id not in (0, APPLICATION_ID):
        raise LibraryError(
            "This file is not a leodesk library (it belongs to another program).",
            reason="foreign",
        )
    if app_id == 0 and conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
        raise LibraryError(
            "This file is not a leodesk library (it belongs to another program).",
            reason="foreign",
        )


def _migrate(conn: sqlite3.Connection) -> None:
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the write lock: another process may have migrated meanwhile.
            # len(MIGRATIONS) rather than SCHEMA_VERSION so tests can swap the list.
            version = _user_version(conn)
            if version > len(MIGRATIONS):
                raise LibraryError(_NEWER, reason="newer")
            if version == len(MIGRATIONS):
                conn.execute("COMMIT")
                return
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
