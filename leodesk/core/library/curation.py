"""Curation (schema v2), per image: ``favourite``, ``rating`` (0-5), ``pick`` (picked/rejected),
local collections, and ``deleted_local_ms`` for delete-with-undo (such images are hidden from
every page until :meth:`Curation.purge_deleted` removes them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from leodesk.core.library.db import Store, _chunks, _distinct_ids
from leodesk.core.library.records import CollectionRecord, FileRef
from leodesk.core.search import PICK_STATES


def _collection_name(name: str) -> str:
    clean = " ".join(name.split()) if isinstance(name, str) else ""
    if not clean:
        raise ValueError("A collection needs a name.")
    return clean


class Curation(Store):
    """Marks on images, collections, and delete with undo."""

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
