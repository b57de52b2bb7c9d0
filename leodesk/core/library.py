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
on the last one, so operators, quotes and stray punctuation are plain text.

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
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from leodesk.core.api.models import GeneratedImage, Generation, parse_timestamp
from leodesk.core.catalog import ModelInfo
from leodesk.core.jobs import TERMINAL_STATES, Job, JobState

__all__ = [
    "APPLICATION_ID",
    "MAX_DOWNLOAD_ATTEMPTS",
    "MAX_QUERY_WORDS",
    "MIGRATIONS",
    "MODEL_KINDS",
    "SCHEMA_VERSION",
    "DownloadState",
    "GenerationRecord",
    "ImageKind",
    "ImageRecord",
    "JobRecord",
    "Library",
    "LibraryError",
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
MAX_QUERY_WORDS: Final = 32


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


Migration = Callable[[sqlite3.Connection], None]

# MIGRATIONS[n] takes a database from user_version n to n + 1. Append only; never edit.
MIGRATIONS: Final[tuple[Migration, ...]] = (_migrate_v1,)
SCHEMA_VERSION: Final = len(MIGRATIONS)


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
# Search
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
    if not text:
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


_ORDER_PAGE: Final = "ORDER BY i.created_ms DESC, i.idx, i.id LIMIT ? OFFSET ?"
_FTS_COUNT: Final = "SELECT COUNT(*) FROM generations_fts WHERE generations_fts MATCH ?"
_MATCHING_IMAGE: Final = """
    i.generation_id IN (
        SELECT g.id FROM generations g WHERE g.pk IN (
            SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?
        )
    )
"""


def _prefer_walk(matches: int, generations: int, rows_needed: int) -> bool:
    """Pick the cheaper plan for a search page.

    Walking the images in time order and testing each against the (materialised) match set
    costs about ``rows_needed * generations / matches`` steps; starting from the matches and
    sorting them costs about ``4 * matches`` (a few images each). Common words favour the walk
    (a page of "portrait" over 25k generations: ~4 ms instead of ~60 ms), rare ones the sort.
    """
    return rows_needed * generations < 4 * matches * matches


def _search_sql(*, walk: bool) -> str:
    if walk:
        # INDEXED BY makes SQLite walk newest-first and stop after the page. EXISTS (not IN)
        # keeps the materialised set to the FTS rowids instead of every matching generation id.
        return f"""
            SELECT i.id FROM images i INDEXED BY images_by_time
            WHERE EXISTS (
                SELECT 1 FROM generations g WHERE g.id = i.generation_id AND g.pk IN (
                    SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?
                )
            )
            {_ORDER_PAGE}
        """
    return f"SELECT i.id FROM images i WHERE {_MATCHING_IMAGE} {_ORDER_PAGE}"


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


def _image_kind(image: GeneratedImage) -> str:
    if image.motion or image.motion_mp4_url:
        return ImageKind.MOTION
    return ImageKind.IMAGE


_IMAGE_COLUMNS: Final = """
    i.id, i.generation_id, i.idx, i.kind, i.url, i.nsfw,
    COALESCE(i.width, g.width) AS width, COALESCE(i.height, g.height) AS height,
    i.sha256, i.ext, i.download_state, i.download_attempts, i.parent_image_id, i.transform,
    i.motion_url, i.created_ms, g.prompt, g.negative_prompt, g.model_id, g.seed, g.status,
    g.deleted_remote
"""


def _image_record(row: sqlite3.Row) -> ImageRecord:
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
        model_id=row["model_id"],
        seed=row["seed"],
        status=row["status"],
        deleted_remote=bool(row["deleted_remote"]),
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
        kept from the first time it was given, and images keep their download state and file.
        Images the server no longer lists are kept (sync decides about those). ``raw_json`` is
        the server's row; without it a JSON dump of ``gen`` (fields plus ``extra``) is stored.
        Completed variations with a URL are stored as images of kind ``variation`` whose
        ``parent_image_id`` is the image they came from.
        """
        if not gen.id:
            raise ValueError("a generation without an id cannot be stored")
        now = self._now_ms()
        created = gen.created_at_datetime
        created_ms = None if created is None else int(created.timestamp() * 1000)
        request = _request_dict(request_json)
        plain_images = [img for img in gen.images if img.id]
        raw = raw_json if raw_json is not None else json.dumps(_jsonable(gen), sort_keys=True)
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
        }
        with self._writing() as conn:
            conn.execute(
                """
                INSERT INTO generations (
                    id, created_at, created_ms, status, prompt, negative_prompt, model_id,
                    width, height, num_images, seed, guidance_scale, steps, scheduler,
                    preset_style, sd_version, alchemy, photo_real, prompt_magic, init_strength,
                    request_json, raw_json, deleted_remote, added_ms, updated_ms
                ) VALUES (
                    :id, :created_at, COALESCE(:created_ms, :now), :status,
                    COALESCE(:prompt, ''), COALESCE(:negative_prompt, ''), :model_id,
                    :width, :height, :num_images, :seed, :guidance_scale, :steps, :scheduler,
                    :preset_style, :sd_version, :alchemy, :photo_real, :prompt_magic,
                    :init_strength, :request_json, :raw_json, 0, :now, :now
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
                    updated_ms = :now
                """,
                params,
            )
            gen_ms = conn.execute(
                "SELECT created_ms FROM generations WHERE id = ?", (gen.id,)
            ).fetchone()[0]
            for idx, image in enumerate(plain_images):
                self._upsert_image(
                    conn,
                    image_id=image.id or "",
                    generation_id=gen.id,
                    idx=idx,
                    kind=_image_kind(image),
                    parent=None,
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
                parent_image_id = COALESCE(:parent, parent_image_id),
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
            images=tuple(_image_record(r) for r in images),
        )

    def set_deleted_remote(self, generation_id: str, deleted: bool = True) -> None:
        """Flag a generation the server no longer has (its local files stay)."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE generations SET deleted_remote = ?, updated_ms = ? WHERE id = ?",
                (int(deleted), self._now_ms(), generation_id),
            )

    # ---------------------------------------------------------------------------- gallery

    def image_ids_page(
        self,
        offset: int,
        limit: int,
        *,
        query: str | None = None,
        include_negative: bool = False,
    ) -> list[str]:
        """Image ids, newest first (by ``created_ms``, then position in the generation, then id).

        ``query`` searches prompts (and negative prompts with ``include_negative``); any text is
        accepted, see :func:`fts_query`. Text with nothing searchable in it filters nothing.
        """
        offset, limit = max(0, offset), max(0, limit)
        match = fts_query(query, column=None if include_negative else "prompt")
        with self._reading() as conn:
            if match is None:
                rows = conn.execute(
                    f"SELECT i.id FROM images i {_ORDER_PAGE}", (limit, offset)
                ).fetchall()
                return [r[0] for r in rows]
            matches = conn.execute(_FTS_COUNT, (match,)).fetchone()[0]
            if not matches or not limit:
                return []
            approx_generations = conn.execute("SELECT MAX(pk) FROM generations").fetchone()[0]
            walk = _prefer_walk(matches, approx_generations or 1, offset + limit)
            rows = conn.execute(_search_sql(walk=walk), (match, limit, offset)).fetchall()
        return [r[0] for r in rows]

    def count_images(self, query: str | None = None, *, include_negative: bool = False) -> int:
        """How many images :meth:`image_ids_page` can return for ``query``."""
        match = fts_query(query, column=None if include_negative else "prompt")
        with self._reading() as conn:
            if match is None:
                row = conn.execute("SELECT COUNT(*) FROM images").fetchone()
            else:
                row = conn.execute(
                    f"SELECT COUNT(*) FROM images i WHERE {_MATCHING_IMAGE}", (match,)
                ).fetchone()
        return int(row[0])

    def image_records(self, ids: Iterable[str]) -> dict[str, ImageRecord]:
        """The records of ``ids`` that exist (missing ids are simply absent)."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, ImageRecord] = {}
        with self._reading() as conn:
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
                    out[row["id"]] = _image_record(row)
        return out

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
        with self._writing() as conn:
            conn.execute(
                """
                UPDATE images SET sha256 = ?, ext = ?, width = COALESCE(?, width),
                    height = COALESCE(?, height), download_state = 'done', updated_ms = ?
                WHERE id = ?
                """,
                (sha256, ext, width, height, self._now_ms(), image_id),
            )

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

    def images_to_download(self, limit: int) -> list[ImageRecord]:
        """Images with a URL still waiting for their file, newest first."""
        with self._reading() as conn:
            rows = conn.execute(
                f"""
                SELECT {_IMAGE_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id
                WHERE i.download_state = 'pending' AND i.url IS NOT NULL
                ORDER BY i.created_ms DESC, i.idx, i.id LIMIT ?
                """,
                (max(0, limit),),
            ).fetchall()
        return [_image_record(r) for r in rows]

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
        self, kind: str, request_json: str | None, *, state: JobState | str = JobState.QUEUED
    ) -> int:
        """Store a new job and return its local id."""
        now = self._now_ms()
        with self._writing() as conn:
            cur = conn.execute(
                """
                INSERT INTO jobs (kind, state, request_json, created_ms, updated_ms)
                VALUES (?, ?, ?, ?, ?)
                """,
                (kind, JobState(state).value, request_json, now, now),
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
