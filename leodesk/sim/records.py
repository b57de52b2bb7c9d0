"""The simulated account's records: jobs, generations and their images, variations, init images
and what a CDN path serves, plus the two small JSON helpers every part uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def timestamp(dt: datetime) -> str:
    """Hasura ``timestamp`` text: ISO 8601 with milliseconds and no zone (UTC)."""
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def cost_json(credits: int) -> dict[str, Any]:
    """The spec's ``cost`` object, in credits."""
    return {"amount": str(credits), "unit": "CREDITS"}


def plain_generation_fields(prompt: str, width: int, height: int, **values: Any) -> dict[str, Any]:
    """A generation row's fields for a job that is not a text-to-image generation (motion,
    an LCM upscale): every mode off and every other value null, then ``values``."""
    fields: dict[str, Any] = {
        "prompt": prompt,
        "negativePrompt": None,
        "modelId": None,
        "imageWidth": width,
        "imageHeight": height,
        "inferenceSteps": None,
        "guidanceScale": None,
        "initStrength": None,
        "seed": None,
        "scheduler": None,
        "sdVersion": None,
        "presetStyle": None,
        "public": False,
        "photoReal": False,
        "photoRealStrength": None,
        "promptMagic": False,
        "promptMagicStrength": None,
        "promptMagicVersion": None,
        "ultra": False,
    }
    fields.update(values)
    return fields


@dataclass
class Job:
    """A unit of work holding a concurrency slot for ``duration`` seconds."""

    seq: int
    kind: str
    target_id: str
    duration: float
    submitted_at: float
    cost: int
    fail: bool = False
    started_at: float | None = None
    finished_at: float | None = None
    done: bool = False


@dataclass
class GenImage:
    """One generated image (``generated_images[]``)."""

    id: str
    generation_id: str
    index: int
    path: str
    width: int
    height: int
    render_key: str
    label: str
    nsfw: bool = False
    transparent: bool = False
    motion: bool = False
    motion_path: str | None = None
    motion_strength: int | None = None
    motion_model: str | None = None
    image_to_video: bool | None = None
    variation_ids: list[str] = field(default_factory=list)
    canvas_init: str | None = None
    canvas_mask: str | None = None
    canvas_type: str | None = None
    blob: str | None = None
    #: ``GET /motion-variations/{id}`` rows of a video (JSON-ready: id, createdAt, status,
    #: motionTransformType, resolution, path), see :mod:`leodesk.sim.media`.
    motion_variations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Generation:
    """A generation row; ``images`` fill in when its job completes."""

    id: str
    seq: int
    created_at: str
    fields: dict[str, Any]
    out_width: int
    out_height: int
    num_images: int
    render_key: str
    label: str
    nsfw: bool
    transparent: bool
    elements: list[tuple[str, float]]
    status: str = "PENDING"
    images: list[GenImage] = field(default_factory=list)
    job: Job | None = None
    motion_source: tuple[str, str] | None = None
    motion_strength: int | None = None
    canvas_init: str | None = None
    canvas_mask: str | None = None
    canvas_type: str | None = None
    #: A video generation's facts (JSON-ready): model, imageToVideo, the render recipe and the
    #: uploads its start/end frames come from (see :mod:`leodesk.sim.video`).
    video: dict[str, Any] | None = None


@dataclass
class Variation:
    """A post-processing job output (upscale, unzoom, nobg, universal upscaler)."""

    id: str
    seq: int
    created_at: str
    transform_type: str
    kind: str
    root_image_id: str | None
    generation_id: str | None
    width: int
    height: int
    render_key: str
    source: tuple[str, str]
    status: str = "PENDING"
    path: str | None = None
    job: Job | None = None


@dataclass
class InitImage:
    """An init image: presigned at ``POST /init-image``, filled by the S3 POST."""

    id: str
    created_at: str
    extension: str
    key: str
    fields: dict[str, str]
    presigned_at: float
    data: bytes | None = None
    content_type: str = "image/png"
    folder: str = "initImages"


@dataclass(frozen=True)
class CanvasSource:
    """The uploaded pictures of a canvas generation (``canvasInitId``/``canvasMaskId``)."""

    kind: str
    init_id: str
    mask_id: str | None
    width: int
    height: int


@dataclass(frozen=True)
class CdnAsset:
    """What a CDN path serves: a rendering recipe or uploaded bytes."""

    kind: str
    key: str
    width: int = 0
    height: int = 0
    fmt: str = "JPEG"
    transparent: bool = False
    label: str = ""
    ref: str = ""
    mask_ref: str = ""
    canvas_type: str = ""

    @property
    def content_type(self) -> str:
        """MIME type of the served bytes."""
        if self.kind in ("mp4", "video"):
            return "video/mp4"
        if self.transparent or self.fmt == "PNG":
            return "image/png"
        return "image/jpeg"
