"""The library file: the one connection, the versioned schema, and the errors.

Threading: a library opened with :meth:`Store.open` is the *writer*. It is opened with
``check_same_thread=False`` so the app can create it on one thread and hand it over, but every
write must go through one thread (the app's single DB worker thread). Each public method holds
an internal lock and runs in its own transaction, so a call is atomic even if that rule is
broken, but interleaving writers from several threads is still a design error. Other threads
read through their own :meth:`Store.open_readonly` connection (WAL lets readers run beside
the writer).

Schema versions are kept in ``PRAGMA user_version`` and applied by :data:`MIGRATIONS`, an
ordered list of functions, each run in one transaction together with the version bump. A file
whose version is newer than this code knows is refused rather than guessed at.

Errors: a full disk, a read-only or unopenable file, a corrupt database and a database locked
for too long become :class:`LibraryError`, whose ``str()`` is a message for the user; every
other ``sqlite3`` error propagates (it is a bug).

:class:`Store` holds the connection, its lock and the clock; every part of the library
(:mod:`leodesk.core.library`) reads and writes through its :meth:`Store._reading` and
:meth:`Store._writing`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, Self

from leodesk.core.errors import LeodeskError
from leodesk.core.ids import is_valid_id

# Named after the package: the parts of the library log as one.
log = logging.getLogger("leodesk.core.library")


# "LeoD" — lets us tell our own database from some other SQLite file.
APPLICATION_ID: Final = 0x4C656F44
BUSY_TIMEOUT_MS: Final = 5000
_CHUNK: Final = 500  # ids per IN (...) list


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class LibraryError(LeodeskError):
    """A problem with the library file the user can act on. ``user_message`` (and ``str(err)``)
    is for the user.

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


# v5: local generations (realtime results kept on this machine only): sync never flags them
# deleted on the server.
_V5: Final = (
    """
    ALTER TABLE generations ADD COLUMN local INTEGER NOT NULL DEFAULT 0
        CHECK (local IN (0, 1))
    """,
)


def _migrate_v5(conn: sqlite3.Connection) -> None:
    for statement in _V5:
        conn.execute(statement)


# elements: the platform's and the user's own elements as last fetched (the form's list).
_ELEMENTS: Final = (
    """
    CREATE TABLE element_cache (
        kind       TEXT NOT NULL CHECK (kind IN ('platform', 'own')),
        key        TEXT NOT NULL,
        position   INTEGER NOT NULL,
        info_json  TEXT NOT NULL,
        fetched_ms INTEGER NOT NULL,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID
    """,
)


# video: the facts of a video item (an image row of kind 'motion' whose file is the poster
# frame): how it was made, its model, duration, picture size, frame rate, audio, and the sha256 of
# the MP4 kept beside the image store (leodesk.core.variations.video_path).
_VIDEO: Final = (
    """
    CREATE TABLE videos (
        image_id     TEXT PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        origin       TEXT NOT NULL
                     CHECK (origin IN ('motion', 'image_to_video', 'text_to_video')),
        model        TEXT,
        duration_s   REAL,
        width        INTEGER,
        height       INTEGER,
        fps          REAL,
        has_audio    INTEGER NOT NULL DEFAULT 0 CHECK (has_audio IN (0, 1)),
        file_sha256  TEXT,
        request_json TEXT,
        updated_ms   INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
)


# training: datasets and their images, each with its upload state (see
# leodesk.core.library.training): an image is uploaded once, and resumed where it stopped.
_TRAINING: Final = (
    """
    CREATE TABLE datasets (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT,
        created_ms  INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE dataset_images (
        local_id     INTEGER PRIMARY KEY,
        dataset_id   TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        source       TEXT NOT NULL CHECK (source IN ('file', 'gen')),
        path         TEXT,
        sha256       TEXT,
        ext          TEXT,
        gen_image_id TEXT,
        remote_id    TEXT,
        state        TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'presigned', 'sending', 'uploaded')),
        url          TEXT,
        error        TEXT,
        created_ms   INTEGER NOT NULL,
        UNIQUE (dataset_id, sha256),
        UNIQUE (dataset_id, gen_image_id)
    )
    """,
)


# Blueprints: the catalogue as last fetched (with each blueprint's versions), and which
# blueprint version made a generation.
_BLUEPRINTS: Final = (
    """
    CREATE TABLE blueprints (
        id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        info_json TEXT NOT NULL,
        versions_json TEXT,
        fetched_ms INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE generation_origins (
        generation_id TEXT PRIMARY KEY,
        blueprint_id TEXT NOT NULL,
        version_id TEXT NOT NULL,
        name TEXT NOT NULL,
        execution_id TEXT,
        added_ms INTEGER NOT NULL
    )
    """,
)


def _migrate_elements(conn: sqlite3.Connection) -> None:
    for statement in _ELEMENTS:
        conn.execute(statement)


def _migrate_training(conn: sqlite3.Connection) -> None:
    for statement in _TRAINING:
        conn.execute(statement)


def _migrate_blueprints(conn: sqlite3.Connection) -> None:
    for statement in _BLUEPRINTS:
        conn.execute(statement)


def _migrate_video(conn: sqlite3.Connection) -> None:
    for statement in _VIDEO:
        conn.execute(statement)


# Uploaded videos (POST /media) and which videos' motion variations were asked for (see
# leodesk.core.library.media).
_MEDIA: Final = (
    """
    CREATE TABLE uploaded_media (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE motion_checks (
        image_id   TEXT PRIMARY KEY,
        checked_ms INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
)


def _migrate_media(conn: sqlite3.Connection) -> None:
    for statement in _MEDIA:
        conn.execute(statement)


# The prompt history and the form presets (see leodesk.core.library.history). The history is
# started from the generations already stored.
_HISTORY: Final = (
    """
    CREATE TABLE prompt_history (
        id              INTEGER PRIMARY KEY,
        prompt          TEXT NOT NULL,
        negative_prompt TEXT NOT NULL DEFAULT '',
        uses            INTEGER NOT NULL DEFAULT 1,
        first_ms        INTEGER NOT NULL,
        last_ms         INTEGER NOT NULL,
        UNIQUE (prompt, negative_prompt)
    )
    """,
    "CREATE INDEX prompt_history_last ON prompt_history (last_ms DESC)",
    "CREATE TABLE prompt_uses (generation_id TEXT PRIMARY KEY) WITHOUT ROWID",
    """
    CREATE TABLE presets (
        name       TEXT PRIMARY KEY COLLATE NOCASE,
        state_json TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    )
    """,
    """
    INSERT INTO prompt_history (prompt, negative_prompt, uses, first_ms, last_ms)
    SELECT trim(prompt, char(32, 9, 10, 13)), trim(negative_prompt, char(32, 9, 10, 13)),
           COUNT(*), MIN(created_ms), MAX(created_ms)
    FROM generations WHERE trim(prompt, char(32, 9, 10, 13)) != ''
    GROUP BY 1, 2
    """,
    """
    INSERT INTO prompt_uses (generation_id)
    SELECT id FROM generations WHERE trim(prompt, char(32, 9, 10, 13)) != ''
    """,
)


def _migrate_history(conn: sqlite3.Connection) -> None:
    for statement in _HISTORY:
        conn.execute(statement)


# How long past generation jobs took, by kind (see leodesk.core.library.timings): the poll
# schedule is planned from it. And the generations' ids by pk, for searches.
_JOB_DURATIONS: Final = (
    """
    CREATE TABLE job_durations (
        id          INTEGER PRIMARY KEY,
        key         TEXT NOT NULL,
        model_key   TEXT NOT NULL,
        seconds     REAL NOT NULL,
        recorded_ms INTEGER NOT NULL
    )
    """,
    "CREATE INDEX job_durations_by_key ON job_durations (key, id)",
    "CREATE INDEX job_durations_by_model ON job_durations (model_key, id)",
    # The ids of the generations a full-text search matched (by pk), read from this small
    # index instead of each generation's wide row: a gallery search for a word of middling
    # frequency builds that list first (see leodesk.core.search).
    "CREATE INDEX generations_id_by_pk ON generations (pk, id, deleted_remote)",
)


def _migrate_job_durations(conn: sqlite3.Connection) -> None:
    for statement in _JOB_DURATIONS:
        conn.execute(statement)


Migration = Callable[[sqlite3.Connection], None]

# MIGRATIONS[n] takes a database from user_version n to n + 1. Append only; never edit.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    _migrate_v1,
    _migrate_v2,
    _migrate_v3,
    _migrate_v4,
    _migrate_v5,
    _migrate_elements,
    _migrate_training,
    _migrate_blueprints,
    _migrate_video,
    _migrate_media,
    _migrate_history,
    _migrate_job_durations,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


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


# --------------------------------------------------------------------------------------------
# Plumbing shared by every part
# --------------------------------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _distinct_ids(ids: Iterable[str]) -> list[str]:
    """The distinct string ids of ``ids`` in order (a lone string is one id)."""
    if isinstance(ids, str):
        return [ids]
    return list(dict.fromkeys(i for i in ids if isinstance(i, str)))


def _require_id(value: str | None, what: str) -> str:
    """``value`` if it is a valid server id (see :func:`leodesk.core.api.parse.is_valid_id`):
    ids become keys here and file names elsewhere, so anything else is refused."""
    if not is_valid_id(value):
        shown = repr(value)[:60]
        raise ValueError(f"the library refuses a {what} that is not a valid id: {shown}")
    assert value is not None
    return value


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


# --------------------------------------------------------------------------------------------
# The connection
# --------------------------------------------------------------------------------------------


class Store:
    """The one connection of a library, its lock and its clock. Create with :meth:`open`
    (writer) or :meth:`open_readonly`."""

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
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Self:
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
    def open_readonly(cls, path: Path, *, clock: Callable[[], float] = time.time) -> Self:
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def readonly(self) -> bool:
        return self._readonly

    def schema_version(self) -> int:
        with self._reading() as conn:
            return _user_version(conn)

    def now_ms(self) -> int:
        """The library clock in epoch milliseconds (the one ``added_ms`` is written with)."""
        return self._now_ms()

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
