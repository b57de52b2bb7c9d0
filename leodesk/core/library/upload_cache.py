"""The upload cache (schema v3): ``uploads`` maps the sha256 of a prepared init image to the id it
was uploaded as, so the same picture is not uploaded twice (ids older than a day are not reused)."""

from __future__ import annotations

from typing import Final

from leodesk.core.library.db import Store, _require_id

UPLOAD_REUSE_S: Final = 24 * 3600.0  # an uploaded init image id is reused for a day


class UploadCache(Store):
    """The ``uploads`` table."""

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

    def uploads(self) -> list[tuple[str, int]]:
        """Every init image id this library uploaded, newest first, with when (epoch ms)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT init_image_id, MAX(created_ms) FROM uploads "
                "GROUP BY init_image_id ORDER BY 2 DESC"
            ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    def forget_upload(self, init_image_id: str) -> None:
        """Drop ``init_image_id`` (deleted on the server): its picture is uploaded afresh."""
        with self._writing() as conn:
            conn.execute("DELETE FROM uploads WHERE init_image_id = ?", (init_image_id,))
