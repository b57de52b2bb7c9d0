"""Uploaded videos and motion variations in the library (schema ``_migrate_media``).

* ``uploaded_media``: the videos this library uploaded to the account (``POST /media``), with
  the file's name and size, so the app lists them after a restart (the API has no list call).
* Motion variations (``GET /motion-variations/{id}``: e.g. a 720p upscale of a video) are video
  items like any other: an image row of kind ``motion`` whose parent is the video it came from
  (``transform`` e.g. ``UPSCALE_720``), its poster the parent's, with a ``videos`` row copying the
  parent's origin and model. ``motion_checks`` says which videos were asked about and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from leodesk.core.library.db import _require_id
from leodesk.core.library.images import Images
from leodesk.core.library.records import ImageKind

#: How often a video's motion variations are asked for again (a sync) at most.
MOTION_RECHECK_S: Final = 24 * 3600.0


@dataclass(frozen=True)
class MediaUpload:
    """A video this library uploaded: its media id, the file's name and size, when."""

    media_id: str
    name: str
    size: int
    created_ms: int


class MediaLibrary(Images):
    """The ``uploaded_media`` and ``motion_checks`` tables, and motion variation children."""

    def remember_media(self, media_id: str, name: str, size: int) -> None:
        """Record an uploaded video (now)."""
        _require_id(media_id, "media id")
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO uploaded_media (id, name, size, created_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name, size = excluded.size",
                (media_id, name, int(size), self._now_ms()),
            )

    def media_uploads(self) -> list[MediaUpload]:
        """Every video this library uploaded, newest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT id, name, size, created_ms FROM uploaded_media ORDER BY created_ms DESC, id"
            ).fetchall()
        return [MediaUpload(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    def forget_media(self, media_id: str) -> None:
        """Drop an uploaded video (deleted on the server)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM uploaded_media WHERE id = ?", (media_id,))

    # ------------------------------------------------------------------ motion variations

    def add_motion_variation(
        self,
        *,
        variation_id: str,
        video_id: str,
        transform: str,
        url: str,
        created_ms: int | None = None,
    ) -> bool:
        """Store a motion variation of the video item ``video_id`` as its child (idempotent);
        True when it is new. The video must be in the library; ``created_ms`` defaults to now."""
        _require_id(variation_id, "motion variation id")
        _require_id(video_id, "video image id")
        now = self._now_ms()
        with self._writing() as conn:
            parent = conn.execute(
                "SELECT i.generation_id, i.idx, i.nsfw, i.url, v.origin, v.model FROM images i "
                "LEFT JOIN videos v ON v.image_id = i.id WHERE i.id = ?",
                (video_id,),
            ).fetchone()
            if parent is None:
                raise KeyError(video_id)
            known = conn.execute("SELECT 1 FROM images WHERE id = ?", (variation_id,)).fetchone()
            self._upsert_image(
                conn,
                image_id=variation_id,
                generation_id=parent["generation_id"],
                idx=parent["idx"],
                kind=ImageKind.MOTION,
                parent=video_id,
                transform=transform,
                url=parent["url"],
                motion_url=url,
                nsfw=bool(parent["nsfw"]),
                created_ms=now if created_ms is None else created_ms,
                now=now,
            )
            conn.execute(
                "INSERT INTO videos (image_id, origin, model, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(image_id) DO NOTHING",
                (variation_id, parent["origin"] or "motion", parent["model"], now),
            )
        return known is None

    def mark_motion_checked(self, video_id: str) -> None:
        """Record that ``video_id``'s motion variations were just asked for."""
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO motion_checks (image_id, checked_ms) VALUES (?, ?) "
                "ON CONFLICT(image_id) DO UPDATE SET checked_ms = excluded.checked_ms",
                (video_id, self._now_ms()),
            )

    def videos_to_check(self, limit: int = 20, max_age_s: float = MOTION_RECHECK_S) -> list[str]:
        """Server video items (newest first) whose motion variations were not asked for within
        ``max_age_s``; motion variations themselves are not asked about."""
        oldest = self._now_ms() - int(max_age_s * 1000)
        with self._reading() as conn:
            rows = conn.execute(
                """
                SELECT i.id FROM images i
                JOIN generations g ON g.id = i.generation_id
                LEFT JOIN images p ON p.id = i.parent_image_id
                LEFT JOIN motion_checks c ON c.image_id = i.id
                WHERE i.kind = 'motion' AND g.local = 0 AND i.deleted_local_ms IS NULL
                  AND (p.id IS NULL OR p.kind != 'motion')
                  AND (c.checked_ms IS NULL OR c.checked_ms < ?)
                ORDER BY i.created_ms DESC, i.id LIMIT ?
                """,
                (oldest, limit),
            ).fetchall()
        return [str(r[0]) for r in rows]
