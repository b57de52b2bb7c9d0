"""The records of uploaded media and motion variations (:mod:`leodesk.core.api.media`), without
httpx. Every field is optional and every enum open, as the API's answers may leave any out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The file types ``POST /media`` takes (the spec: "Supported extensions: mp4, mov").
MEDIA_EXTENSIONS: Final = ("mp4", "mov")


@dataclass(frozen=True)
class UploadedMedia:
    """``GET /media/{id}`` (``uploaded_media_by_pk``). ``status`` is open text (the app knows
    ``PENDING``, ``COMPLETE`` and ``FAILED``)."""

    id: str | None = None
    created_at: str | None = None
    url: str | None = None
    thumbnail_url: str | None = None
    status: str | None = None
    status_reason: str | None = None
    media_type: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None


@dataclass(frozen=True)
class MotionVariation:
    """One entry of ``GET /motion-variations/{id}`` (``generated_image_variation_motion``):
    ``transform`` is ``motionTransformType`` (e.g. ``UPSCALE``), ``resolution`` e.g.
    ``RESOLUTION_720``; both open."""

    id: str | None = None
    created_at: str | None = None
    status: str | None = None
    transform: str | None = None
    resolution: str | None = None
    url: str | None = None

    @property
    def label(self) -> str:
        """A short name for the library's transform column: ``UPSCALE_720``."""
        kind = self.transform or "MOTION"
        res = (self.resolution or "").removeprefix("RESOLUTION_")
        return f"{kind}_{res}" if res else kind
