"""Uploading videos to the account and collecting motion variations (Qt-free: the app's
:mod:`leodesk.qt.media` and the CLI's ``leodesk media`` share these).

* :func:`upload_video_file`: an mp4 or mov file to ``POST /media`` and S3, recorded in the
  library's ``uploaded_media`` so it is listed later (the API has no list call). Any other file
  type is refused before anything is sent.
* :func:`collect_motion_variations`: ``GET /motion-variations/{id}`` for a video item; each
  variation with a URL becomes a child video of it in the library (lineage, transform such as
  ``UPSCALE_720``), which the gallery shows and the app plays like any video.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from leodesk.core.api.media_models import MEDIA_EXTENSIONS, MotionVariation
from leodesk.core.api.models import parse_timestamp

if TYPE_CHECKING:
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.library import Library

#: The largest video uploaded (the simulated S3 policy allows 50 MB; say so before sending).
MAX_MEDIA_BYTES: Final = 50 * 1024 * 1024


class MediaFileError(ValueError):
    """A file that cannot be uploaded as a video (its message says why, for the user)."""


def media_extension(path: Path) -> str:
    """``mp4`` or ``mov`` for a video file, else :class:`MediaFileError`."""
    ext = path.suffix.lower().lstrip(".")
    if ext not in MEDIA_EXTENSIONS:
        shown = f".{ext} files" if ext else "Files without an extension"
        raise MediaFileError(
            f"{shown} cannot be uploaded: Leonardo takes MP4 and MOV videos only ({path.name})."
        )
    return ext


def read_media_file(path: Path) -> tuple[bytes, str]:
    """The bytes and extension of a video file to upload, or :class:`MediaFileError`."""
    ext = media_extension(path)
    try:
        size = path.stat().st_size
        if size > MAX_MEDIA_BYTES:
            raise MediaFileError(
                f"{path.name} is {size / 1e6:.0f} MB; videos up to "
                f"{MAX_MEDIA_BYTES // (1024 * 1024)} MB can be uploaded."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise MediaFileError(f"{path.name} could not be read: {exc.strerror or exc}") from exc
    if not data:
        raise MediaFileError(f"{path.name} is empty.")
    return data, ext


def upload_video_file(client: LeonardoApi, library: Library | None, path: Path) -> str:
    """Upload a video file to the account; its media id (recorded in ``library``)."""
    data, ext = read_media_file(path)
    media_id = client.upload_media(data, ext)
    if library is not None:
        library.remember_media(media_id, path.name, len(data))
    return media_id


def record_motion_variations(
    library: Library, video_id: str, variations: Iterable[MotionVariation]
) -> int:
    """Record ``variations`` of the video item ``video_id`` as its children; how many were new.
    Variations without an id or URL (not finished) are left for a later look."""
    added = 0
    for var in variations:
        if not var.id or not var.url:
            continue
        when = parse_timestamp(var.created_at)
        if library.add_motion_variation(
            variation_id=var.id,
            video_id=video_id,
            transform=var.label,
            url=var.url,
            created_ms=None if when is None else int(when.timestamp() * 1000),
        ):
            added += 1
    library.mark_motion_checked(video_id)
    return added


def collect_motion_variations(client: LeonardoApi, library: Library, video_id: str) -> int:
    """``GET /motion-variations/{id}`` for a video item, recorded (see above)."""
    return record_motion_variations(library, video_id, client.get_motion_variations(video_id))


def collect_for_library(client: LeonardoApi, library: Library, limit: int = 20) -> int:
    """:func:`collect_motion_variations` for the newest videos not asked about lately."""
    return sum(
        collect_motion_variations(client, library, video_id)
        for video_id in library.videos_to_check(limit)
    )
