"""Video items (schema ``_migrate_video``): the ``videos`` table beside an image row of kind
``motion``.

A video in the library is an image row (kind ``motion``: an SVD motion, an image to video or a
text to video) whose file in the image store is its poster frame, the thumbnail source the
gallery shows; the MP4 itself is kept beside the store (see
:func:`leodesk.core.variations.video_path`). Its ``videos`` row says how it was made (``origin``),
the model, and what probing the MP4 found: duration in seconds, the picture's width/height,
frames per second, whether it has sound, and the sha256 of the file.
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass

from leodesk.core.library.db import Store, _require_id


class VideoOrigin(enum.StrEnum):
    """Values of ``videos.origin``."""

    MOTION = "motion"
    IMAGE_TO_VIDEO = "image_to_video"
    TEXT_TO_VIDEO = "text_to_video"


@dataclass(frozen=True)
class VideoRecord:
    """A video item's facts (None: not known yet, e.g. the MP4 is not downloaded)."""

    image_id: str
    origin: VideoOrigin
    model: str | None
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None
    has_audio: bool
    file_sha256: str | None
    request_json: str | None


def note_video(
    conn: sqlite3.Connection,
    image_id: str,
    *,
    image_to_video: bool | None,
    model: str | None,
    now: int,
) -> None:
    """Record a video item seen in a server generation (a sync, a finished job): how it was
    made and its model, from the API's ``imageToVideo`` and ``motionModel``. What is already
    known of it is kept."""
    if image_to_video:
        origin = VideoOrigin.IMAGE_TO_VIDEO
    elif (model or "SVD").upper() == "SVD":
        origin = VideoOrigin.MOTION
    else:
        origin = VideoOrigin.TEXT_TO_VIDEO
    conn.execute(
        "INSERT INTO videos (image_id, origin, model, updated_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(image_id) DO NOTHING",
        (image_id, origin.value, model, now),
    )


class Videos(Store):
    """The ``videos`` table."""

    def set_video(
        self,
        image_id: str,
        *,
        origin: VideoOrigin | str,
        model: str | None = None,
        duration: float | None = None,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        has_audio: bool = False,
        file_sha256: str | None = None,
        request_json: str | None = None,
    ) -> None:
        """Record (or update) the facts of the video item ``image_id`` (its image row must
        exist). Values left None keep what is stored."""
        _require_id(image_id, "video image id")
        values = {
            "id": image_id,
            "origin": VideoOrigin(origin).value,
            "model": model,
            "duration": duration,
            "width": width,
            "height": height,
            "fps": fps,
            "audio": int(has_audio),
            "sha": file_sha256,
            "req": request_json,
            "now": self._now_ms(),
        }
        with self._writing() as conn:
            conn.execute(
                """
                INSERT INTO videos (image_id, origin, model, duration_s, width, height, fps,
                    has_audio, file_sha256, request_json, updated_ms)
                VALUES (:id, :origin, :model, :duration, :width, :height, :fps, :audio, :sha,
                    :req, :now)
                ON CONFLICT(image_id) DO UPDATE SET
                    origin = excluded.origin,
                    model = COALESCE(excluded.model, model),
                    duration_s = COALESCE(excluded.duration_s, duration_s),
                    width = COALESCE(excluded.width, width),
                    height = COALESCE(excluded.height, height),
                    fps = COALESCE(excluded.fps, fps),
                    has_audio = MAX(excluded.has_audio, has_audio),
                    file_sha256 = COALESCE(excluded.file_sha256, file_sha256),
                    request_json = COALESCE(excluded.request_json, request_json),
                    updated_ms = excluded.updated_ms
                """,
                values,
            )

    def get_video(self, image_id: str) -> VideoRecord | None:
        """The facts of the video item ``image_id``, or None when none are recorded."""
        with self._reading() as conn:
            row = conn.execute("SELECT * FROM videos WHERE image_id = ?", (image_id,)).fetchone()
        if row is None:
            return None
        return VideoRecord(
            image_id=row["image_id"],
            origin=VideoOrigin(row["origin"]),
            model=row["model"],
            duration=row["duration_s"],
            width=row["width"],
            height=row["height"],
            fps=row["fps"],
            has_audio=bool(row["has_audio"]),
            file_sha256=row["file_sha256"],
            request_json=row["request_json"],
        )
