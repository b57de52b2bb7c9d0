"""The rules of the two video operations (``/generations-image-to-video`` and
``/generations-text-to-video``): what each video model takes, and the plan of an accepted request.

The spec says only that "acceptable values vary based on model"; the simulator's table (kept in
step with the spec's descriptions) is:

==========  ===============  ===============  =========  ======  =============  ========
model       resolutions      duration (s)     end frame  interp  elements       seed max
==========  ===============  ===============  =========  ======  =============  ========
MOTION2     480, 720 (720)   5 (fixed)        no         yes     yes            2147483637
MOTION2FAST 480, 720 (720)   5 (fixed)        no         yes     no             2147483637
VEO3        720              4, 6, 8 (8)      no         no      no             4294967293
VEO3FAST    720              4, 6, 8 (8)      no         no      no             4294967293
KLING2_1    1080             5 (fixed)        yes (i2v)  no      no             2147483637
KLING2_5    1080             5, 10 (5; i2v)   no         no      no             2147483637
==========  ===============  ===============  =========  ======  =============  ========

``width``/``height`` (both or neither) must be one of the resolution's sizes: 16:9, 9:16 or
square (e.g. 1280x720, 720x1280, 720x720 at RESOLUTION_720). Without them, an image to video
follows its image's orientation and a text to video is landscape. The price is the pricing
calculator's: ``VEO3_MOTION_VIDEO_GENERATION`` for the Veo models, ``MOTION_VIDEO_GENERATION``
with the resolution for the others (RESOLUTION_1080: 400). Error texts are the simulator's own
(the real ones are not documented).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import pricing
from .rules import ApiError, bad_request

MAX_SEED_MOTION = 2_147_483_637
MAX_SEED_VEO = 4_294_967_293
VIDEO_FPS = 24


@dataclass(frozen=True)
class VideoModel:
    """What one video model takes."""

    resolutions: tuple[str, ...]
    durations: tuple[int, ...]  # the first is the default; one value: not settable
    end_frame: bool = False
    interpolation: bool = False
    elements: bool = False
    seed_max: int = MAX_SEED_MOTION
    text_duration: bool = False  # duration settable in text to video too

    @property
    def default_resolution(self) -> str:
        """The resolution used when none is sent."""
        return self.resolutions[-1]


VIDEO_MODELS: dict[str, VideoModel] = {
    "MOTION2": VideoModel(
        ("RESOLUTION_480", "RESOLUTION_720"), (5,), interpolation=True, elements=True
    ),
    "MOTION2FAST": VideoModel(("RESOLUTION_480", "RESOLUTION_720"), (5,), interpolation=True),
    "VEO3": VideoModel(("RESOLUTION_720",), (8, 4, 6), seed_max=MAX_SEED_VEO, text_duration=True),
    "VEO3FAST": VideoModel(
        ("RESOLUTION_720",), (8, 4, 6), seed_max=MAX_SEED_VEO, text_duration=True
    ),
    "KLING2_1": VideoModel(("RESOLUTION_1080",), (5,), end_frame=True),
    "KLING2_5": VideoModel(("RESOLUTION_1080",), (5, 10)),
}

_SIZES = {
    "RESOLUTION_480": ((832, 480), (480, 832), (480, 480)),
    "RESOLUTION_720": ((1280, 720), (720, 1280), (720, 720)),
    "RESOLUTION_1080": ((1920, 1080), (1080, 1920), (1080, 1080)),
}


@dataclass(frozen=True)
class VideoPlan:
    """An accepted video request."""

    model: str
    resolution: str
    width: int
    height: int
    duration: int
    seed: int
    interpolation: bool
    cost: int


def price(model: str, resolution: str) -> int:
    """Credits of one video (the pricing calculator's answer for the same model/resolution)."""
    if model.startswith("VEO3"):
        return pricing.service_cost("VEO3_MOTION_VIDEO_GENERATION", {"resolution": resolution})
    return pricing.service_cost("MOTION_VIDEO_GENERATION", {"resolution": resolution})


def _size(res: str, body: Mapping[str, Any], source: tuple[int, int] | None) -> tuple[int, int]:
    sizes = _SIZES[res]
    width, height = body.get("width"), body.get("height")
    if (width is None) != (height is None):
        raise bad_request("width and height must be given together")  # sim text
    if width is not None and height is not None:
        if (width, height) not in sizes:
            allowed = ", ".join(f"{w}x{h}" for w, h in sizes)
            raise bad_request(f"width x height must be one of {allowed} at {res}")  # sim text
        return int(width), int(height)
    if source is not None:
        sw, sh = source
        return sizes[1] if sh > sw * 1.1 else sizes[2] if sw <= sh * 1.1 else sizes[0]
    return sizes[0]


def _model_checks(name: str, model: VideoModel, body: Mapping[str, Any], text: bool) -> None:
    """The errors for options ``model`` does not take."""
    if "endFrameImage" in body and not model.end_frame:
        raise bad_request(f"endFrameImage is not supported on model {name}")  # sim text
    if body.get("frameInterpolation") and not model.interpolation:
        raise bad_request(f"frameInterpolation is not supported on model {name}")  # sim text
    if body.get("elements") and not model.elements:
        raise bad_request(f"elements are only supported on MOTION2, not {name}")  # sim text
    if "duration" in body:
        settable = len(model.durations) > 1 and (model.text_duration or not text)
        if not settable:
            raise bad_request(f"duration is not supported on model {name}")  # sim text
        if body["duration"] not in model.durations:
            allowed = ", ".join(str(d) for d in sorted(model.durations))
            raise bad_request(f"duration must be one of {allowed} on model {name}")  # sim text


def plan_video(
    body: Mapping[str, Any], *, text: bool, source: tuple[int, int] | None, random_seed: int
) -> VideoPlan:
    """Check a (strictly typed) video body against its model; the plan or an :class:`ApiError`."""
    name = str(body.get("model") or "MOTION2")
    model = VIDEO_MODELS.get(name)
    if model is None:  # an enum value the spec lists but the simulator does not know
        raise ApiError(400, f"model {name} is not available", "unexpected")  # sim text
    if not str(body.get("prompt", "")).strip():
        raise bad_request("prompt must not be empty")  # sim text
    res = str(body.get("resolution") or model.default_resolution)
    if res not in model.resolutions:
        allowed = ", ".join(model.resolutions)
        raise bad_request(f"resolution {res} is not supported on {name} (use {allowed})")
    _model_checks(name, model, body, text)
    seed = body.get("seed")
    if seed is not None and not 0 <= int(seed) <= model.seed_max:
        raise bad_request(f"seed must be between 0 and {model.seed_max} on {name}")  # sim text
    width, height = _size(res, body, source)
    return VideoPlan(
        model=name,
        resolution=res,
        width=width,
        height=height,
        duration=int(body.get("duration") or model.durations[0]),
        seed=int(seed) if seed is not None else random_seed % (model.seed_max + 1),
        interpolation=bool(body.get("frameInterpolation")),
        cost=price(name, res),
    )
