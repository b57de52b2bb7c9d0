"""Video generations: ``POST /generations-image-to-video`` and ``POST /generations-text-to-video``
(a mixin of :class:`~leodesk.core.api.client.LeonardoClient`).

Both are billed job submits, so they are never re-sent once they may have been accepted (an
:class:`~leodesk.core.api.errors.OutcomeUnknownError` says so; look for the generation). They
answer ``{"motionVideoGenerationJob": {"generationId", "apiCreditCost", "cost"}}``; the video is
then a generation whose one image has ``motion_mp4_url`` (poll with ``wait_for_generation``).

:class:`VideoRequest` holds only the spec's keys; :func:`video_body` sends the ones that are set,
always with ``isPublic: false``. Which model takes which option is in
:mod:`leodesk.core.video_options`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from .models import ElementRef, GenerationJob
from .parse import parse_generation_job
from .serialize import check_body
from .transport import Transport

__all__ = [
    "IMAGE_TO_VIDEO",
    "IMAGE_TYPES",
    "TEXT_TO_VIDEO",
    "FrameRef",
    "Video",
    "VideoRequest",
    "video_body",
]

IMAGE_TO_VIDEO: Final = "createImageToVideoGeneration"
TEXT_TO_VIDEO: Final = "createTextToVideoGeneration"
IMAGE_TYPES: Final = ("GENERATED", "UPLOADED")
_PATHS: Final = {
    IMAGE_TO_VIDEO: "/generations-image-to-video",
    TEXT_TO_VIDEO: "/generations-text-to-video",
}


@dataclass(frozen=True)
class FrameRef:
    """A start or end frame: an image ``id`` and its ``type`` (GENERATED or UPLOADED)."""

    id: str
    type: str = "GENERATED"

    def body(self, name: str) -> dict[str, str]:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"{name} needs an image id")
        if self.type not in IMAGE_TYPES:
            raise ValueError(f"{name} type must be GENERATED or UPLOADED, not {self.type!r}")
        return {"id": self.id, "type": self.type}


@dataclass(frozen=True)
class VideoRequest:
    """A video to make. With ``image`` it is an image to video (``imageId``/``imageType``, and
    ``end_frame`` where the model allows one); without, a text to video. ``None`` = not sent."""

    prompt: str
    image: FrameRef | None = None
    end_frame: FrameRef | None = None
    model: str | None = None
    resolution: str | None = None
    frame_interpolation: bool | None = None
    seed: int | None = None
    negative_prompt: str | None = None
    prompt_enhance: bool | None = None
    prompt_enhance_instruction: str | None = None
    style_ids: tuple[str, ...] | None = None
    elements: tuple[ElementRef, ...] | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None

    @property
    def operation(self) -> str:
        """The operation id this request is sent as."""
        return IMAGE_TO_VIDEO if self.image is not None else TEXT_TO_VIDEO


# (attribute, API key, Python type) of the optional scalar keys both operations take.
_FIELDS: Final = (
    ("model", "model", str),
    ("resolution", "resolution", str),
    ("frame_interpolation", "frameInterpolation", bool),
    ("seed", "seed", int),
    ("negative_prompt", "negativePrompt", str),
    ("prompt_enhance", "promptEnhance", bool),
    ("prompt_enhance_instruction", "promptEnhanceInstruction", str),
    ("width", "width", int),
    ("height", "height", int),
    ("duration", "duration", int),
)


def _scalar(name: str, value: Any, kind: type) -> Any:
    if kind is int and isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not bool")
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}")
    return value


def video_body(req: VideoRequest) -> dict[str, Any]:
    """The JSON body of ``req``'s operation: the set fields, plus ``isPublic: false``."""
    if not isinstance(req.prompt, str) or not req.prompt.strip():
        raise ValueError("a video needs a prompt")
    body: dict[str, Any] = {"prompt": req.prompt}
    if req.image is not None:
        frame = req.image.body("the start image")
        body["imageId"], body["imageType"] = frame["id"], frame["type"]
        if req.end_frame is not None:
            body["endFrameImage"] = req.end_frame.body("the end frame")
    elif req.end_frame is not None:
        raise ValueError("an end frame needs a start image")
    for attr, key, kind in _FIELDS:
        value = getattr(req, attr)
        if value is not None:
            body[key] = _scalar(attr, value, kind)
    if req.style_ids is not None:
        body["styleIds"] = [_scalar("style_ids[]", s, str) for s in req.style_ids]
    if req.elements is not None:
        body["elements"] = [
            {"akUUID": e.ak_uuid, **({} if e.weight is None else {"weight": e.weight})}
            for e in req.elements
        ]
    body["isPublic"] = False
    check_body(req.operation, body)
    return body


class Video(Transport):
    """``create_video`` (either operation, chosen by the request), ``create_image_to_video`` and
    ``create_text_to_video``."""

    def create_video(self, req: VideoRequest) -> GenerationJob:
        """Submit ``req`` (billed; never re-sent once it may have been accepted)."""
        if not isinstance(req, VideoRequest):
            raise TypeError("req must be a VideoRequest")
        operation = req.operation
        job = self._submit(
            _PATHS[operation], operation, video_body(req), req, "motionVideoGenerationJob"
        )
        return parse_generation_job(job, operation=operation)

    def create_image_to_video(self, req: VideoRequest) -> GenerationJob:
        """``POST /generations-image-to-video`` (``req.image`` is required)."""
        if req.image is None:
            raise ValueError("an image to video needs a start image")
        return self.create_video(req)

    def create_text_to_video(self, req: VideoRequest) -> GenerationJob:
        """``POST /generations-text-to-video`` (``req`` must have no image)."""
        if req.image is not None or req.end_frame is not None:
            raise ValueError("a text to video takes no image")
        return self.create_video(req)
