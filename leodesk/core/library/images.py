"""Images: gallery pages and counts (the query plans live in :mod:`leodesk.core.search`),
image records, downloads into the image store, and lineage (variations and motion made from an
image, and the chain back)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Final

from leodesk.core import search
from leodesk.core.library.db import _chunks, _require_id
from leodesk.core.library.model_cache import ModelCache
from leodesk.core.library.records import (
    _IMAGE_COLUMNS,
    _IMAGE_KEY,
    _IMAGE_WIDTH,
    ImageKind,
    ImageRecord,
    _image_records,
)
from leodesk.core.search import Filter

MAX_DOWNLOAD_ATTEMPTS: Final = 3
# Candidate sets are counted up to this many rows when choosing a query plan (beyond it the
# ordered walk always wins, and counting further would cost more than it tells).
_ESTIMATE_CAP: Final = 20_000
_WALK_CHUNK_MAX: Final = 50_000  # rows of a chunked walk read at once (see Images._walk)


def _with_query(flt: Filter | None, query: str | None, include_negative: bool) -> Filter:
    if flt is None:
        return Filter(text=query, include_negative=include_negative)
    if query is not None and not flt.text:
        return replace(flt, text=query, include_negative=include_negative or flt.include_negative)
    return flt


class Images(ModelCache):
    """The ``images`` table: pages, records, downloads, lineage."""

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
        """Insert or update one image row (a generation's image, a variation or a motion)."""
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
            plan = self._choose(conn, compiled, offset + limit)
            if plan is None:
                return []
            return self._page(conn, compiled, plan[0], offset, limit, chunked=plan[1])

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
        compiled = search.compile_filter(flt, after=key)
        if compiled is not None and not compiled.empty:
            word = search.prefix_word(compiled.match)
            if word is not None and self._only_word_so(conn, word):
                compiled.match_last_word_whole()  # the same rows, without merging lists
        return compiled

    def _only_word_so(self, conn: sqlite3.Connection, word: str) -> bool:
        """True when no word in the full-text index other than ``word`` starts with
        ``word``: its prefix match is then the word matched whole. Asked of the index's
        vocabulary (a temporary fts5vocab table of this connection), the answer kept until
        the library changes."""
        version = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
        known: tuple[tuple[int, int], dict[str, bool]] | None
        known = self.__dict__.get("_words_known")
        if known is None or known[0] != version:
            known = (version, {})
            self.__dict__["_words_known"] = known
        answer: bool | None = known[1].get(word)
        if answer is None:
            try:
                answer = self._no_longer_word(conn, word)
            except sqlite3.Error:  # no vocabulary table: the prefix match stays
                return False
            if len(known[1]) > 1000:
                known[1].clear()
            known[1][word] = answer
        return answer

    @staticmethod
    def _no_longer_word(conn: sqlite3.Connection, word: str) -> bool:
        # The range stops the vocabulary's walk at the first word past the prefix (it counts
        # the rows of each word it visits: a range holding no other word costs nothing).
        sql = "SELECT 1 FROM temp.leodesk_fts_words WHERE term > ? AND term < ? LIMIT 1"
        args = (word, word + "\U0010ffff")
        try:
            row = conn.execute(sql, args).fetchone()
        except sqlite3.OperationalError:
            # A table of this connection's own temporary schema: the library file is not
            # written, so a read-only connection (query_only) may make it too.
            query_only = conn.execute("PRAGMA query_only").fetchone()[0]
            try:
                conn.execute("PRAGMA query_only = OFF")
                conn.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.leodesk_fts_words "
                    "USING fts5vocab(main, generations_fts, row)"
                )
            finally:
                conn.execute(f"PRAGMA query_only = {1 if query_only else 0}")
            row = conn.execute(sql, args).fetchone()
        return row is None

    def _driver_sizes(
        self,
        conn: sqlite3.Connection,
        compiled: search.Compiled,
        cap: int = _ESTIMATE_CAP,
        gen_cap: int | None = None,
    ) -> dict[str, int]:
        return {
            name: int(conn.execute(sql, compiled.params).fetchone()[0])
            for name, sql in search.driver_sizes_sql(compiled, cap, gen_cap).items()
        }

    def _choose(
        self, conn: sqlite3.Connection, compiled: search.Compiled, rows_needed: int
    ) -> tuple[str, bool] | None:
        """The driver for a page and whether a walk with words goes in chunks (its words match
        so many generations that the list of them all would cost more than the page); None
        when a candidate set is empty (nothing matches)."""
        if compiled.drivers == ["time"]:
            return "time", False
        totals = conn.execute(
            "SELECT (SELECT MAX(rowid) FROM images), (SELECT MAX(pk) FROM generations)"
        ).fetchone()
        images, generations = int(totals[0] or 1), int(totals[1] or 1)
        cap = search.estimate_cap(rows_needed, max(images, generations))
        gen_cap = max(1000, cap * generations // max(images, generations))
        sizes = self._driver_sizes(conn, compiled, cap, gen_cap)
        if any(size == 0 for size in sizes.values()):
            return None
        driver = search.choose_driver(
            compiled,
            rows_needed=rows_needed,
            images=images,
            generations=generations,
            sizes=sizes,
        )
        return driver, sizes.get("fts", 0) >= gen_cap

    @staticmethod
    def _page(
        conn: sqlite3.Connection,
        compiled: search.Compiled,
        driver: str,
        offset: int,
        limit: int,
        *,
        chunked: bool = True,
    ) -> list[str]:
        """A page by ``driver``. An ordered walk with words is read in chunks (``chunked``:
        right when the words match many generations) or, for fewer matches, tests every row
        against the list of all of them (cheap to build then)."""
        if chunked and search.walks_in_chunks(compiled, driver):
            return [r[3] for r in Images._walk(conn, compiled, driver, offset + limit)[offset:]]
        params = {**compiled.params, "limit": limit, "offset": offset}
        return [r[0] for r in conn.execute(search.page_sql(compiled, driver), params)]

    @staticmethod
    def _walk(
        conn: sqlite3.Connection,
        compiled: search.Compiled,
        driver: str,
        rows_needed: int,
        columns: str | None = None,
        width: int = 0,
        key: tuple[int, int, int] = (0, 1, 2),
    ) -> list[tuple[Any, ...]]:
        """The first ``rows_needed`` rows of an ordered walk with full-text words, as
        ``(1, created_ms, idx, id)`` or, with ``columns``, ``(1, *columns)`` (``key``: where
        ``created_ms``, ``idx`` and ``id`` are among the columns), read in chunks: each chunk
        of the walk keeps the rows whose generation matches, asking the full-text index only
        about the chunk's range of generations (see :func:`leodesk.core.search.walk_sql`). A
        common word then costs about the page, not the list of every match. The rows are
        handed on as read (no copies: a page of records is hundreds of wide rows)."""
        params: dict[str, Any] = dict(compiled.params)
        chunk = min(_WALK_CHUNK_MAX, rows_needed * 5 // 2 + 64)
        out: list[tuple[Any, ...]] = []
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples
        sql = search.walk_sql(compiled, driver, cursor=False, columns=columns, width=width)
        ms, ix, id_ = (1, 2, 3) if columns is None else (key[0] + 1, key[1] + 1, key[2] + 1)
        while len(out) < rows_needed:
            params["chunk"] = chunk
            params["need"] = rows_needed - len(out)
            rows = cursor.execute(sql, params).fetchall()
            # The chunk's last row comes after the matches (UNION ALL), but look if not.
            last = rows[-1] if rows and not rows[-1][0] else None
            if last is not None:
                hits = rows[:-1]
            else:
                last = next((r for r in rows if not r[0]), None)
                hits = [r for r in rows if r[0]]
            hits.sort(key=lambda r: (-r[ms], r[ix], r[id_]))
            out += hits
            if last is None:  # the chunk was not full: the walk is over
                break
            params.update(w_ms=last[1], w_idx=last[2], w_id=last[3])
            sql = search.walk_sql(compiled, driver, cursor=True, columns=columns, width=width)
            # The next chunk: the rows still needed at this chunk's share of matches, and some.
            share = max(1, len(hits)) / chunk
            need = rows_needed - len(out)
            chunk = min(_WALK_CHUNK_MAX, max(chunk, int(need / share * 1.25) + 64))
        return out[:rows_needed]

    def image_page(
        self,
        offset: int,
        limit: int,
        *,
        query: str | None = None,
        include_negative: bool = False,
        filter: Filter | None = None,
        after: str | None = None,
    ) -> list[ImageRecord]:
        """The records of the page :meth:`image_ids_page` gives for the same arguments, in its
        order, read in one go (one read transaction: the ids and their records agree)."""
        offset, limit = max(0, int(offset)), max(0, int(limit))
        flt = _with_query(filter, query, include_negative)
        with self._reading() as conn:
            compiled = self._compile(conn, flt, after)
            if compiled is None or compiled.empty or not limit:
                return []
            plan = self._choose(conn, compiled, offset + limit)
            if plan is None:
                return []
            driver, chunked = plan
            if chunked and search.walks_in_chunks(compiled, driver):
                # The records come with the walk (read by rowid): no second lookup by id.
                names = self._model_names(conn)
                rows = self._walk(
                    conn, compiled, driver, offset + limit, _IMAGE_COLUMNS, _IMAGE_WIDTH, _IMAGE_KEY
                )
                return _image_records(rows[offset:], names, 1)
            ids = self._page(conn, compiled, driver, offset, limit, chunked=chunked)
            found = self._records(conn, ids)
        return [found[i] for i in ids if i in found]

    def image_records(self, ids: Iterable[str]) -> dict[str, ImageRecord]:
        """The records of ``ids`` that exist (missing ids are simply absent), with their
        curation, collections and the model's name when the model list knows it."""
        wanted = list(dict.fromkeys(ids))
        with self._reading() as conn:
            return self._records(conn, wanted)

    def _records(self, conn: sqlite3.Connection, wanted: list[str]) -> dict[str, ImageRecord]:
        names = self._model_names(conn)
        out: dict[str, ImageRecord] = {}
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: _image_records reads by position
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = cursor.execute(
                f"""
                SELECT {_IMAGE_COLUMNS} FROM images i
                JOIN generations g ON g.id = i.generation_id WHERE i.id IN ({marks})
                """,
                tuple(chunk),
            ).fetchall()
            for record in _image_records(rows, names):
                out[record.id] = record
        return out

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
        return _image_records(rows, names)

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
        return _image_records(rows, names)

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
