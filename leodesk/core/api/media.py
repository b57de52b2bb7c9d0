"""Uploaded media and motion variations (a mixin of
:class:`~leodesk.core.api.client.LeonardoClient`).

* ``upload_media``: ``POST /media`` presigns an S3 POST for an mp4 or mov file, which is then
  sent exactly as an init image is (:mod:`.uploads`: fields first, ``file`` last, no
  Authorization header, one new presign if it expired). Returns the media id.
* ``get_media`` / ``delete_media``: ``GET`` / ``DELETE /media/{id}``.
* ``get_motion_variations``: ``GET /motion-variations/{id}`` with a video's *image* id: the
  variations (e.g. a 720p upscale) of that video.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ProtocolError
from .media_models import MEDIA_EXTENSIONS, MotionVariation, UploadedMedia
from .parse import as_float, as_int, as_str, parse_init_image_upload, parse_list
from .serialize import check_body
from .transport import path_id
from .uploads import InitImageUpload, _checked, _payload, _Presign

__all__ = ["MediaCalls", "media_body"]


def media_body(extension: str) -> dict[str, Any]:
    """The JSON body of ``uploadMedia``; ``extension`` normalised (``.MP4`` → ``mp4``)."""
    if not isinstance(extension, str):
        raise TypeError("extension must be a string")
    ext = extension.strip().lower().lstrip(".")
    if ext not in MEDIA_EXTENSIONS:
        raise ValueError(f"only mp4 and mov videos can be uploaded, not {ext or 'no extension'!r}")
    body = {"extension": ext}
    check_body("uploadMedia", body)
    return body


def parse_uploaded_media(data: Mapping[str, Any]) -> UploadedMedia:
    """``uploaded_media_by_pk`` (unknown keys ignored, wrong types read as missing)."""
    return UploadedMedia(
        id=as_str(data.get("id")),
        created_at=as_str(data.get("createdAt")),
        url=as_str(data.get("url")),
        thumbnail_url=as_str(data.get("thumbnailUrl")),
        status=as_str(data.get("status")),
        status_reason=as_str(data.get("statusReason")),
        media_type=as_str(data.get("mediaType")),
        duration=as_float(data.get("duration")),
        width=as_int(data.get("width")),
        height=as_int(data.get("height")),
        fps=as_float(data.get("video_fps")),
    )


def parse_motion_variation(data: Mapping[str, Any]) -> MotionVariation:
    """One ``generated_image_variation_motion`` entry."""
    return MotionVariation(
        id=as_str(data.get("id")),
        created_at=as_str(data.get("createdAt")),
        status=as_str(data.get("status")),
        transform=as_str(data.get("motionTransformType")),
        resolution=as_str(data.get("resolution")),
        url=as_str(data.get("url")),
    )


class MediaCalls(InitImageUpload):
    """``upload_media``, ``get_media``, ``delete_media`` and ``get_motion_variations``."""

    def upload_media(self, data: bytes, extension: str) -> str:
        """Upload an mp4 or mov video to the account; returns its media id."""
        payload = _payload(data, "data")
        body = media_body(extension)

        def presign() -> list[_Presign]:
            raw = self._presign_call("/media", "uploadMedia", body)
            if not isinstance(raw, Mapping):
                raw = {}
            reply = {"id": raw.get("uploadId"), "url": raw.get("url"), "fields": raw.get("fields")}
            return [_checked(parse_init_image_upload(reply), "uploadMedia")]

        (done,) = self._upload_presigned(presign, [("media", payload, body["extension"])])
        return done.id

    def get_media(self, media_id: str) -> UploadedMedia | None:
        """``GET /media/{id}``; None when the server has no such media."""
        item = self._get(
            f"/media/{path_id(media_id)}", "getUploadedMediaById", "uploaded_media_by_pk"
        )
        if item is None:
            return None
        if not isinstance(item, Mapping):
            raise ProtocolError(server_message="getUploadedMediaById: not an object")
        return parse_uploaded_media(item)

    def delete_media(self, media_id: str) -> str | None:
        """``DELETE /media/{id}``: the deleted id, or None if nothing was deleted."""
        return self._delete(
            f"/media/{path_id(media_id)}", "deleteUploadedMediaById", "delete_uploaded_media_by_pk"
        )

    def get_motion_variations(self, image_id: str) -> list[MotionVariation]:
        """``GET /motion-variations/{id}`` with a video's image id (empty when it has none)."""
        value = self._get(
            f"/motion-variations/{path_id(image_id)}",
            "getMotionVariationById",
            "generated_image_variation_motion",
        )
        return parse_list(value, parse_motion_variation)
