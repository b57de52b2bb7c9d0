"""Which video model takes which option, the reason when it does not, and what a video costs.

The spec's descriptions say: an end frame only on KLING2_1 with a start image; ``duration`` 4, 6
or 8 s on VEO3/VEO3FAST (default 8) and 5 or 10 s on KLING2_5 for an image to video (default 5),
and only on the Veo models for a text to video; elements only on MOTION2; the seed at most
2147483637 on Motion 2.0 and 4294967293 on Veo 3; Veo 3 is priced at RESOLUTION_720 only and
the other video models at 480 or 720. Where it says only "acceptable values vary based on
model" (resolutions per model, frame interpolation) leodesk follows the web app: Motion 2.0 at
480p or 720p with frame interpolation, Veo 3 at 720p, Kling at 1080p.

Everything here is pure (Qt-free) so the dialog, the CLI and the tests agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from leodesk.core.api.models import PricingRequest
from leodesk.core.api.video import VideoRequest

__all__ = [
    "ASPECTS",
    "DEFAULT_MODEL",
    "RESOLUTION_LABELS",
    "VIDEO_MODELS",
    "VideoModel",
    "model_info",
    "pricing_request",
    "problems",
    "size_for",
    "sizes",
    "why_not",
]

DEFAULT_MODEL: Final = "MOTION2"
MAX_SEED_MOTION: Final = 2_147_483_637
MAX_SEED_VEO: Final = 4_294_967_293

RESOLUTION_LABELS: Final = {
    "RESOLUTION_480": "480p",
    "RESOLUTION_720": "720p",
    "RESOLUTION_1080": "1080p",
}

_SIZES: Final = {
    "RESOLUTION_480": ((832, 480), (480, 832), (480, 480)),
    "RESOLUTION_720": ((1280, 720), (720, 1280), (720, 720)),
    "RESOLUTION_1080": ((1920, 1080), (1080, 1920), (1080, 1080)),
}


@dataclass(frozen=True)
class VideoModel:
    """What one video model takes. ``durations[0]`` is the default; one value: not settable."""

    name: str
    label: str
    resolutions: tuple[str, ...]
    durations: tuple[int, ...]
    end_frame: bool = False
    interpolation: bool = False
    elements: bool = False
    seed_max: int = MAX_SEED_MOTION
    text_duration: bool = False

    @property
    def default_resolution(self) -> str:
        return self.resolutions[-1]

    def durations_for(self, text: bool) -> tuple[int, ...]:
        """The durations that may be chosen (empty: the model's fixed length)."""
        if len(self.durations) < 2 or (text and not self.text_duration):
            return ()
        return tuple(sorted(self.durations))


VIDEO_MODELS: Final[dict[str, VideoModel]] = {
    m.name: m
    for m in (
        VideoModel(
            "MOTION2",
            "Motion 2.0",
            ("RESOLUTION_480", "RESOLUTION_720"),
            (5,),
            interpolation=True,
            elements=True,
        ),
        VideoModel(
            "MOTION2FAST",
            "Motion 2.0 Fast",
            ("RESOLUTION_480", "RESOLUTION_720"),
            (5,),
            interpolation=True,
        ),
        VideoModel(
            "VEO3",
            "Veo 3",
            ("RESOLUTION_720",),
            (8, 4, 6),
            seed_max=MAX_SEED_VEO,
            text_duration=True,
        ),
        VideoModel(
            "VEO3FAST",
            "Veo 3 Fast",
            ("RESOLUTION_720",),
            (8, 4, 6),
            seed_max=MAX_SEED_VEO,
            text_duration=True,
        ),
        VideoModel("KLING2_1", "Kling 2.1", ("RESOLUTION_1080",), (5,), end_frame=True),
        VideoModel("KLING2_5", "Kling 2.5", ("RESOLUTION_1080",), (5, 10)),
    )
}


def model_info(name: str | None) -> VideoModel:
    """The model's facts (the default model for None); ValueError for an unknown name."""
    info = VIDEO_MODELS.get(name or DEFAULT_MODEL)
    if info is None:
        raise ValueError(f"unknown video model {name!r} (use {', '.join(VIDEO_MODELS)})")
    return info


ASPECTS: Final = ("16:9", "9:16", "1:1")  # the order of sizes()


def sizes(resolution: str) -> tuple[tuple[int, int], ...]:
    """The width x height a resolution allows: landscape 16:9, portrait 9:16, square."""
    return _SIZES[resolution]


def size_for(
    resolution: str | None, aspect: str | None, model: str | None = None
) -> tuple[int, int] | None:
    """The width x height of ``aspect`` (one of :data:`ASPECTS`) at ``resolution`` (the
    model's default when None); None for no aspect (the server's choice: the image's
    orientation, or landscape). ValueError for an unknown aspect."""
    if aspect is None:
        return None
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r} (use {', '.join(ASPECTS)})")
    res = resolution or model_info(model).default_resolution
    return _SIZES[res][ASPECTS.index(aspect)]


def why_not(option: str, model: str, *, text: bool) -> str | None:
    """Why ``model`` does not take ``option`` (a key of the request), or None when it does."""
    info = model_info(model)
    if option == "endFrameImage":
        if text:
            return "An end frame needs a start image (image to video)."
        return None if info.end_frame else f"{info.label} takes no end frame (only Kling 2.1)."
    if option == "frameInterpolation" and not info.interpolation:
        return f"{info.label} has no frame interpolation (Motion 2.0 models only)."
    if option == "elements" and not info.elements:
        return f"{info.label} takes no elements (Motion 2.0 only)."
    if option == "duration" and not info.durations_for(text):
        what = "text to video" if text and len(info.durations) > 1 else "this model"
        return f"{info.label} makes {info.durations[0]} s videos; the length is fixed for {what}."
    return None


def problems(req: VideoRequest) -> list[str]:
    """Every reason ``req`` would be refused for its model (empty: it may be sent)."""
    info = model_info(req.model)
    text = req.image is None
    out: list[str] = []
    set_options = {
        "endFrameImage": req.end_frame is not None,
        "frameInterpolation": bool(req.frame_interpolation),
        "elements": bool(req.elements),
        "duration": req.duration is not None,
    }
    out += [r for o, on in set_options.items() if on and (r := why_not(o, info.name, text=text))]
    if req.duration is not None and info.durations_for(text) and req.duration not in info.durations:
        allowed = ", ".join(str(d) for d in info.durations_for(text))
        out.append(f"{info.label} makes videos of {allowed} s.")
    res = req.resolution or info.default_resolution
    if res not in info.resolutions:
        allowed = " or ".join(RESOLUTION_LABELS.get(r, r) for r in info.resolutions)
        out.append(f"{info.label} makes {allowed} videos.")
    if req.seed is not None and not 0 <= req.seed <= info.seed_max:
        out.append(f"The seed must be between 0 and {info.seed_max} for {info.label}.")
    if (req.width is None) != (req.height is None):
        out.append("Give both the width and the height, or neither.")
    elif req.width is not None and res in _SIZES and (req.width, req.height) not in _SIZES[res]:
        out.append(f"{req.width}x{req.height} is not a size of {RESOLUTION_LABELS.get(res, res)}.")
    if req.prompt_enhance_instruction and not req.prompt_enhance:
        out.append("An enhance instruction needs prompt enhance on.")
    return out


def pricing_request(model: str | None, resolution: str | None) -> PricingRequest:
    """The pricing-calculator request for a video of ``model`` at ``resolution``."""
    info = model_info(model)
    res = resolution or info.default_resolution
    if info.name.startswith("VEO3"):
        return PricingRequest("VEO3_MOTION_VIDEO_GENERATION", {"resolution": res})
    return PricingRequest("MOTION_VIDEO_GENERATION", {"resolution": res})
