"""The createGeneration rules of the Leonardo API and its FAQ, as pure functions.

The prompt form uses these to shape its controls live (ranges, valid preset styles, the expected
output size) and to list problems before anything is sent; the tests check them one by one.

Sources: the v1 OpenAPI spec's field descriptions and the docs' FAQ (guidance scale, PhotoReal,
Alchemy v2, RAW mode). Where the sources are silent the choice made here is marked "reading:".

Conventions:

* ``model`` is the :class:`~leodesk.core.catalog.ModelInfo` the request runs on. Pass
  :func:`effective_model` of the chosen model: it resolves "no model chosen" to the API's default
  model and returns ``None`` for PhotoReal v1, which runs without a model. A ``None`` model is read
  as "a pipeline without a known SDXL model" (the FAQ's "not an SDXL model").
* ``alchemy=None`` in a request means the API default, which is ``true``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from leodesk.core.api.models import (
    Element,
    GenerationRequest,
    ModelTraits,
    PricingRequest,
)
from leodesk.core.api.serialize import pricing_for_generation
from leodesk.core.catalog import ModelInfo, version_family

__all__ = [
    "ASPECT_PRESETS",
    "CONTRAST_VALUES",
    "DEFAULT_ASPECT",
    "DEFAULT_GUIDANCE",
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_ID",
    "DEFAULT_NUM_IMAGES",
    "DEFAULT_PROMPT_MAGIC_STRENGTH",
    "DEFAULT_STEPS",
    "ELEMENT_WEIGHT_FALLBACK",
    "IMPROVE_PROMPT_MAX",
    "NEGATIVE_PROMPT_MAX",
    "PHOENIX_ALCHEMY_MIN_CONTRAST",
    "PHOTOREAL_STRENGTHS",
    "PHOTOREAL_VERSIONS",
    "PROMPT_MAGIC_STRENGTH_MAX",
    "PROMPT_MAGIC_STRENGTH_MIN",
    "PROMPT_MAGIC_VERSIONS",
    "PROMPT_MAX",
    "SCHEDULERS",
    "SEED_MAX",
    "SEED_MAX_FLUX",
    "SEED_MIN",
    "SIZE_MAX",
    "SIZE_MIN",
    "SIZE_STEP",
    "STEPS_MAX",
    "STEPS_MIN",
    "TRANSPARENCY_VALUES",
    "Problem",
    "can_improve_prompt",
    "contrast_applies",
    "default_preset_style",
    "effective_model",
    "element_fits_model",
    "element_weight_range",
    "guidance_range",
    "high_resolution_applies",
    "is_photo_real_v1",
    "max_images",
    "max_images_reason",
    "max_seed",
    "model_summary",
    "model_traits",
    "output_scale",
    "output_size",
    "preset_styles",
    "pricing_key",
    "pricing_params",
    "snap_size",
    "validate",
]

# --------------------------------------------------------------------------------------------
# Sizes and counts
# --------------------------------------------------------------------------------------------

SIZE_MIN: Final = 32
SIZE_MAX: Final = 1536
SIZE_STEP: Final = 8

#: Aspect presets: name → (width, height). Every side is a multiple of 8 within the limits.
ASPECT_PRESETS: Final[Mapping[str, tuple[int, int]]] = {
    "1:1": (1024, 1024),
    "4:3": (1024, 768),
    "3:4": (768, 1024),
    "3:2": (1152, 768),
    "2:3": (768, 1152),
    "5:4": (1280, 1024),
    "4:5": (1024, 1280),
    "16:9": (1280, 720),
    "9:16": (720, 1280),
    "2:1": (1536, 768),
    "1:2": (768, 1536),
    "21:9": (1344, 576),
}
#: The spec's default size (1024 × 768).
DEFAULT_ASPECT: Final = "4:3"

DEFAULT_NUM_IMAGES: Final = 4
_MAX_IMAGES: Final = 8
_MAX_IMAGES_LARGE: Final = 4
_LARGE_SIDE: Final = 768


def snap_size(value: float) -> int:
    """The nearest valid side: a multiple of 8 within 32–1536."""
    snapped = round(value / SIZE_STEP) * SIZE_STEP
    return max(SIZE_MIN, min(SIZE_MAX, snapped))


def max_images(width: int, height: int) -> int:
    """How many images one generation may ask for: 8, or 4 when a side is over 768 px."""
    return _MAX_IMAGES_LARGE if max(width, height) > _LARGE_SIDE else _MAX_IMAGES


def max_images_reason(width: int, height: int) -> str:
    """Why :func:`max_images` is what it is (empty when the full 8 are allowed)."""
    if max_images(width, height) < _MAX_IMAGES:
        return f"At most {_MAX_IMAGES_LARGE} images when a side is over {_LARGE_SIDE} px"
    return ""


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

#: The model the API uses when a request has no ``modelId`` (the spec's default; Leonardo
#: Lightning XL). Its facts come from the catalog like any model's: :data:`DEFAULT_MODEL` is the
#: stand-in used while the catalog does not know it (version unknown).
DEFAULT_MODEL_ID: Final = "b24e16ff-06e3-43eb-8d33-4416c2d75876"
DEFAULT_MODEL: Final = ModelInfo(id=DEFAULT_MODEL_ID, name="Leonardo Lightning XL (API default)")

PHOTOREAL_VERSIONS: Final = ("v1", "v2")


def is_photo_real_v1(photo_real: bool | None, photo_real_version: str | None) -> bool:
    """PhotoReal without a version (or ``v1``) is v1, which runs without a model."""
    return bool(photo_real) and (photo_real_version or "v1") == "v1"


def effective_model(
    model: ModelInfo | None,
    *,
    photo_real: bool | None = None,
    photo_real_version: str | None = None,
    default: ModelInfo | None = None,
) -> ModelInfo | None:
    """The model a request really runs on: ``None`` for PhotoReal v1 (no model), else the chosen
    model or, when none is chosen, the API's default model (``default``: the catalog's entry for
    :data:`DEFAULT_MODEL_ID`, else :data:`DEFAULT_MODEL`)."""
    if is_photo_real_v1(photo_real, photo_real_version):
        return None
    if model is not None:
        return model
    return default if default is not None else DEFAULT_MODEL


def model_traits(model: ModelInfo | None) -> ModelTraits:
    """The pricing calculator's model flags for ``model`` (no flags for ``None``)."""
    if model is None:
        return ModelTraits()
    return ModelTraits.from_sd_version(model.sd_version, is_custom=model.is_custom)


_FAMILY_LABELS: Final[Mapping[str, str]] = {
    "SD1": "SD 1.5",
    "SD2": "SD 2.1",
    "SDXL": "SDXL",
    "PHOENIX": "Phoenix",
    "FLUX": "Flux",
}


def model_summary(model: ModelInfo) -> str:
    """One line on what the API says of a model: its version (or that it is unknown), the size
    it was trained at and, when it cannot generate yet, its status."""
    if model.sd_version is None:
        parts = ["version unknown" if model.facts_known else "version not known yet"]
    elif not model.version_known:
        parts = [f"{model.sd_version}: a version the form has no rules for"]
    else:
        label = _FAMILY_LABELS[model.family or ""]
        same = label.upper() == model.sd_version.upper()
        parts = [label if same else f"{label} ({model.sd_version})"]
    if model.width and model.height:
        parts.append(f"trained at {model.width}×{model.height}")
    if not model.ready:
        parts.append(f"status {model.status}: not ready to generate")
    return " · ".join(parts)


def element_fits_model(element: Element, model: ModelInfo | None) -> bool | None:
    """Whether an element (LoRA) is made for the model's family (SDXL, Phoenix, SD 1.5...).

    ``None`` when either side's version is unknown. Reading: only a hint, not a problem, because
    the docs do not say which families accept which elements.
    """
    element_family = version_family(element.base_model)
    model_family = model.family if model is not None else None
    if element_family is None or model_family is None:
        return None
    return element_family == model_family


# --------------------------------------------------------------------------------------------
# Guidance, steps, seed, prompt
# --------------------------------------------------------------------------------------------

DEFAULT_GUIDANCE: Final = 7.0
_LEONARDO_SCHEDULER: Final = "LEONARDO"

SCHEDULERS: Final = (
    "KLMS",
    "EULER_ANCESTRAL_DISCRETE",
    "EULER_DISCRETE",
    "DDIM",
    "DPM_SOLVER",
    "PNDM",
    "LEONARDO",
)


def guidance_range(
    alchemy: bool, model: ModelInfo | None, scheduler: str | None
) -> tuple[float, float, str]:
    """``(lo, hi, reason)`` for the guidance scale, after the FAQ:

    * without Alchemy: 1–20, capped at 7 with the LEONARDO scheduler;
    * Alchemy on a model that is not SDXL: 2–30;
    * Alchemy on an SDXL model (Alchemy v2): reading: 1–20, the spec's general range, because the
      FAQ says nothing about it;
    * Alchemy on a model whose version is unknown: 1–30, the union of both (permissive: the
      server limits the value itself).
    """
    if not alchemy:
        if scheduler == _LEONARDO_SCHEDULER:
            return 1.0, 7.0, "1–7: the LEONARDO scheduler caps guidance at 7 without Alchemy"
        return 1.0, 20.0, "1–20 without Alchemy"
    if model is not None and model.is_sdxl:
        return 1.0, 20.0, "1–20 with Alchemy v2 on an SDXL model"
    if model is not None and not model.version_known:
        return 1.0, 30.0, "1–30: this model's version is unknown, the server may limit it"
    return 2.0, 30.0, "2–30 with Alchemy on a model that is not SDXL"


STEPS_MIN: Final = 10
STEPS_MAX: Final = 60
#: What the server uses when ``num_inference_steps`` is not sent.
DEFAULT_STEPS: Final = 15

SEED_MIN: Final = 0
SEED_MAX: Final = 9_999_999_998
SEED_MAX_FLUX: Final = 2_147_483_637


def max_seed(model: ModelInfo | None) -> int:
    """The largest seed the model takes (Flux models take less)."""
    return SEED_MAX_FLUX if model is not None and model.is_flux else SEED_MAX


PROMPT_MAX: Final = 1500
#: Reading: the API documents no limit for the negative prompt; the prompt's limit is used.
NEGATIVE_PROMPT_MAX: Final = 1500
#: ``/prompt/improve`` takes prompts under 200 characters.
IMPROVE_PROMPT_MAX: Final = 200


def can_improve_prompt(text: str) -> tuple[bool, str]:
    """Whether ``/prompt/improve`` takes ``text``, and if not, why."""
    stripped = text.strip()
    if not stripped:
        return False, "Write a short prompt first, then improve it"
    if len(stripped) >= IMPROVE_PROMPT_MAX:
        return False, f"Improve works on prompts under {IMPROVE_PROMPT_MAX} characters"
    return True, ""


# --------------------------------------------------------------------------------------------
# Styles and modes
# --------------------------------------------------------------------------------------------

_STYLES_NO_ALCHEMY: Final = ("LEONARDO", "NONE")
_STYLES_ALCHEMY: Final = (
    "ANIME",
    "CREATIVE",
    "DYNAMIC",
    "ENVIRONMENT",
    "GENERAL",
    "ILLUSTRATION",
    "PHOTOGRAPHY",
    "RAYTRACED",
    "RENDER_3D",
    "SKETCH_BW",
    "SKETCH_COLOR",
    "NONE",
)
# Reading: the spec points to "the Guide" for PhotoReal; these are the photographic styles of
# the enum (the list in the notes) plus CREATIVE and NONE, which the web app offers too.
_STYLES_PHOTOREAL: Final = (
    "BOKEH",
    "CINEMATIC",
    "CINEMATIC_CLOSEUP",
    "CREATIVE",
    "FASHION",
    "FILM",
    "FOOD",
    "HDR",
    "LONG_EXPOSURE",
    "MACRO",
    "MINIMALISTIC",
    "MONOCHROME",
    "MOODY",
    "NEUTRAL",
    "PORTRAIT",
    "RETRO",
    "STOCK_PHOTO",
    "UNPROCESSED",
    "VIBRANT",
    "NONE",
)


def preset_styles(alchemy: bool, photo_real: bool) -> tuple[str, ...]:
    """The ``presetStyle`` values valid in a mode (PhotoReal implies Alchemy)."""
    if photo_real:
        return _STYLES_PHOTOREAL
    if alchemy:
        return _STYLES_ALCHEMY
    return _STYLES_NO_ALCHEMY


def default_preset_style(alchemy: bool, photo_real: bool) -> str:
    """The style a mode starts with: CINEMATIC (PhotoReal), DYNAMIC (Alchemy), LEONARDO (off)."""
    if photo_real:
        return "CINEMATIC"
    if alchemy:
        return "DYNAMIC"
    return "LEONARDO"


#: PhotoReal depth of field: label → ``photoRealStrength``.
PHOTOREAL_STRENGTHS: Final[Mapping[str, float]] = {"Low": 0.55, "Medium": 0.5, "High": 0.45}

PROMPT_MAGIC_VERSIONS: Final = ("v2", "v3")
PROMPT_MAGIC_STRENGTH_MIN: Final = 0.1
PROMPT_MAGIC_STRENGTH_MAX: Final = 1.0
DEFAULT_PROMPT_MAGIC_STRENGTH: Final = 0.5

CONTRAST_VALUES: Final = (1.0, 1.3, 1.8, 2.5, 3.0, 3.5, 4.0, 4.5)
PHOENIX_ALCHEMY_MIN_CONTRAST: Final = 2.5

TRANSPARENCY_VALUES: Final = ("disabled", "foreground_only")

#: Reading: the weight range used for an element whose catalog entry gives none.
ELEMENT_WEIGHT_FALLBACK: Final = (-1.0, 2.0)


def contrast_applies(model: ModelInfo | None) -> bool:
    """``contrast`` is a Phoenix and Flux setting (allowed too when the version is unknown)."""
    if model is None:
        return False
    return model.is_phoenix or model.is_flux or not model.version_known


def high_resolution_applies(model: ModelInfo | None) -> bool:
    """High resolution is an Alchemy v1 setting: the SD 1.5/2.x models and PhotoReal v1 (no
    model). Not for SDXL (Alchemy v2), Phoenix or Flux; allowed when the version is unknown."""
    if model is None:
        return True
    return not (model.is_sdxl or model.is_phoenix or model.is_flux)


def element_weight_range(element: Element) -> tuple[float, float]:
    """The weights an element takes (its catalog's min/max, else the fallback range)."""
    lo = element.weight_min if element.weight_min is not None else ELEMENT_WEIGHT_FALLBACK[0]
    hi = element.weight_max if element.weight_max is not None else ELEMENT_WEIGHT_FALLBACK[1]
    return (float(lo), float(hi)) if lo <= hi else (float(hi), float(lo))


# --------------------------------------------------------------------------------------------
# Output size
# --------------------------------------------------------------------------------------------


def output_scale(
    *, alchemy: bool, high_resolution: bool, model: ModelInfo | None
) -> tuple[float, str]:
    """How much bigger than the input the images come out, and why.

    * Alchemy v2 (SDXL models): ×1.75. Reading: High resolution is an Alchemy v1 setting and
      does not change this.
    * Alchemy v1 (other SD models, and PhotoReal v1 which runs without a model): ×1.5, or ×2
      with High resolution.
    * Phoenix and Flux: reading: ×1, Alchemy is their quality mode and does not upscale.
    * a model whose version is unknown: ×1 (no upscale is assumed).
    """
    if not alchemy:
        return 1.0, "no Alchemy"
    if model is not None:
        if model.is_sdxl:
            return 1.75, "Alchemy v2 ×1.75"
        if model.is_phoenix or model.is_flux:
            return 1.0, "no upscale"
        if not model.version_known:
            return 1.0, "upscale unknown: the model's version is unknown"
    if high_resolution:
        return 2.0, "Alchemy v1 high resolution ×2"
    return 1.5, "Alchemy v1 ×1.5"


def output_size(
    width: int, height: int, *, alchemy: bool, high_resolution: bool, model: ModelInfo | None
) -> tuple[int, int]:
    """The expected size of the images for an input of ``width`` × ``height``."""
    factor, _ = output_scale(alchemy=alchemy, high_resolution=high_resolution, model=model)
    return round(width * factor), round(height * factor)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that would make the API reject (or misread) a request.

    ``field`` is the :class:`GenerationRequest` attribute it concerns; ``message`` is short,
    user-facing and says what to do.
    """

    field: str
    message: str


def _fmt(value: float) -> str:
    return f"{value:g}"


def _check_size(problems: list[Problem], name: str, label: str, value: int | None) -> None:
    if value is None:
        return
    if not SIZE_MIN <= value <= SIZE_MAX:
        problems.append(Problem(name, f"{label} must be {SIZE_MIN}–{SIZE_MAX} px"))
    elif value % SIZE_STEP:
        problems.append(
            Problem(name, f"{label} must be a multiple of {SIZE_STEP}: try {snap_size(value)}")
        )


# Control characters other than tab and line breaks (C0, DEL, C1): they are never meant in a prompt.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate(
    req: GenerationRequest,
    model: ModelInfo | None,
    *,
    elements: Iterable[Element] = (),
    default_model: ModelInfo | None = None,
) -> list[Problem]:
    """Every rule above, checked against ``req``.

    ``model`` is the chosen model (``None``: no model chosen, i.e. the API default, whose facts
    are ``default_model`` when the catalog knows them); PhotoReal v1 is taken into account here,
    so pass the chosen model, not :func:`effective_model`. ``elements`` is the element catalog,
    used to check element weights against their range.
    """
    problems: list[Problem] = []
    add = problems.append
    alchemy = req.alchemy if req.alchemy is not None else True
    real_model = effective_model(
        model,
        photo_real=req.photo_real,
        photo_real_version=req.photo_real_version,
        default=default_model,
    )
    if real_model is not None and not real_model.ready:
        add(
            Problem(
                "model_id",
                f"{real_model.name or 'This model'} is not ready to generate "
                f"(status {real_model.status}): pick another model or wait until it is trained",
            )
        )
    _check_prompt(req, add)
    _check_size_and_count(req, problems)
    _check_sampling(req, add, alchemy, real_model)
    _check_modes(req, add, alchemy, real_model)
    _check_prompt_magic(req, add)
    _check_phoenix_and_flux(req, add, alchemy, real_model)
    _check_elements(req, add, elements)
    return problems


_Add = Callable[[Problem], None]


def _check_prompt(req: GenerationRequest, add: _Add) -> None:
    if not req.prompt.strip():
        add(Problem("prompt", "Write a prompt"))
    elif len(req.prompt) > PROMPT_MAX:
        add(
            Problem(
                "prompt",
                f"Prompt is {len(req.prompt) - PROMPT_MAX} characters too long "
                f"(max {PROMPT_MAX}): shorten it",
            )
        )
    for field, label, text in (
        ("prompt", "Prompt", req.prompt),
        ("negative_prompt", "Negative prompt", req.negative_prompt or ""),
    ):
        if _CONTROL.search(text):
            add(Problem(field, f"{label} has invisible control characters: retype or remove them"))
    if req.negative_prompt is not None and len(req.negative_prompt) > NEGATIVE_PROMPT_MAX:
        add(
            Problem(
                "negative_prompt",
                f"Negative prompt is over {NEGATIVE_PROMPT_MAX} characters: shorten it",
            )
        )


def _check_size_and_count(req: GenerationRequest, problems: list[Problem]) -> None:
    add = problems.append
    _check_size(problems, "width", "Width", req.width)
    _check_size(problems, "height", "Height", req.height)
    if req.num_images is not None:
        width = req.width if req.width is not None else 1024
        height = req.height if req.height is not None else 768
        limit = max_images(width, height)
        if req.num_images < 1:
            add(Problem("num_images", "Ask for at least 1 image"))
        elif req.num_images > limit:
            reason = max_images_reason(width, height)
            add(
                Problem(
                    "num_images",
                    f"{reason}: ask for {limit} or fewer" if reason else f"At most {limit} images",
                )
            )


def _check_sampling(
    req: GenerationRequest, add: _Add, alchemy: bool, real_model: ModelInfo | None
) -> None:
    """Scheduler, guidance, steps and seed."""
    if req.scheduler is not None and req.scheduler not in SCHEDULERS:
        add(Problem("scheduler", f"Unknown scheduler {req.scheduler}: pick one from the list"))
    if req.guidance_scale is not None:
        lo, hi, reason = guidance_range(alchemy, real_model, req.scheduler)
        if not lo <= req.guidance_scale <= hi:
            add(
                Problem(
                    "guidance_scale",
                    f"Guidance must be {_fmt(lo)}–{_fmt(hi)} here ({reason})",
                )
            )
    if req.num_inference_steps is not None and not (
        STEPS_MIN <= req.num_inference_steps <= STEPS_MAX
    ):
        add(Problem("num_inference_steps", f"Steps must be {STEPS_MIN}–{STEPS_MAX}"))
    if req.seed is not None:
        top = max_seed(real_model)
        if not SEED_MIN <= req.seed <= top:
            flux = " for Flux models" if top == SEED_MAX_FLUX else ""
            add(Problem("seed", f"Seed must be {SEED_MIN}–{top}{flux}: pick a smaller one"))


def _check_modes(
    req: GenerationRequest, add: _Add, alchemy: bool, real_model: ModelInfo | None
) -> None:
    """Ultra, High resolution, PhotoReal and the style."""
    photo_real = bool(req.photo_real)
    if req.ultra and alchemy:
        add(Problem("ultra", "Ultra cannot be combined with Alchemy: turn one of them off"))
    if req.high_resolution and not alchemy:
        add(Problem("high_resolution", "High resolution needs Alchemy: turn Alchemy on"))
    if photo_real:
        if not alchemy:
            add(Problem("photo_real", "PhotoReal needs Alchemy: turn Alchemy on"))
        version = req.photo_real_version or "v1"
        if version not in PHOTOREAL_VERSIONS:
            add(Problem("photo_real_version", "PhotoReal version must be v1 or v2"))
        elif version == "v1" and req.model_id is not None:
            add(
                Problem(
                    "model_id",
                    "PhotoReal v1 runs without a model: leave the model out or use v2",
                )
            )
        elif version == "v2" and not (real_model is not None and real_model.supports_photoreal_v2):
            add(
                Problem(
                    "photo_real_version",
                    "PhotoReal v2 needs Leonardo Kino XL, Diffusion XL or Vision XL: "
                    "pick one of them or use v1",
                )
            )
        strengths = tuple(PHOTOREAL_STRENGTHS.values())
        if req.photo_real_strength is not None and req.photo_real_strength not in strengths:
            add(
                Problem(
                    "photo_real_strength",
                    "PhotoReal depth of field must be 0.55 (low), 0.5 (medium) or 0.45 (high)",
                )
            )
    if req.preset_style is not None:
        valid = preset_styles(alchemy, photo_real)
        if req.preset_style not in valid:
            mode = "PhotoReal" if photo_real else ("Alchemy" if alchemy else "no Alchemy")
            add(
                Problem(
                    "preset_style",
                    f"Style {req.preset_style} is not available with {mode}: "
                    f"pick one from the list",
                )
            )


def _check_prompt_magic(req: GenerationRequest, add: _Add) -> None:
    if req.prompt_magic_version is not None and req.prompt_magic_version not in (
        PROMPT_MAGIC_VERSIONS
    ):
        add(Problem("prompt_magic_version", "Prompt Magic version must be v2 or v3"))
    if req.prompt_magic_strength is not None and not (
        PROMPT_MAGIC_STRENGTH_MIN <= req.prompt_magic_strength <= PROMPT_MAGIC_STRENGTH_MAX
    ):
        add(
            Problem(
                "prompt_magic_strength",
                f"Prompt Magic strength must be {_fmt(PROMPT_MAGIC_STRENGTH_MIN)}–"
                f"{_fmt(PROMPT_MAGIC_STRENGTH_MAX)}",
            )
        )


def _check_phoenix_and_flux(
    req: GenerationRequest, add: _Add, alchemy: bool, real_model: ModelInfo | None
) -> None:
    """sd_version, contrast and transparency."""
    if real_model is not None and real_model.is_phoenix and req.sd_version != "PHOENIX":
        add(Problem("sd_version", "Phoenix needs sd_version PHOENIX"))
    if req.contrast is not None:
        if req.contrast not in CONTRAST_VALUES:
            values = ", ".join(_fmt(v) for v in CONTRAST_VALUES)
            add(Problem("contrast", f"Contrast must be one of {values}"))
        elif not contrast_applies(real_model):
            add(Problem("contrast", "Contrast works with Phoenix and Flux models only"))
        elif (
            real_model is not None
            and real_model.is_phoenix
            and alchemy
            and req.contrast < PHOENIX_ALCHEMY_MIN_CONTRAST
        ):
            add(
                Problem(
                    "contrast",
                    f"Phoenix with Alchemy needs contrast "
                    f"{_fmt(PHOENIX_ALCHEMY_MIN_CONTRAST)} or higher",
                )
            )
    if req.transparency is not None and req.transparency not in TRANSPARENCY_VALUES:
        add(Problem("transparency", "Transparency must be disabled or foreground_only"))


def _check_elements(req: GenerationRequest, add: _Add, elements: Iterable[Element]) -> None:
    catalog = {e.ak_uuid: e for e in elements if e.ak_uuid}
    for ref in req.elements or ():
        element = catalog.get(ref.ak_uuid)
        if element is None or ref.weight is None:
            continue
        lo, hi = element_weight_range(element)
        if not lo <= ref.weight <= hi:
            name = element.name or ref.ak_uuid
            add(Problem("elements", f"Weight of {name} must be {_fmt(lo)}–{_fmt(hi)}"))


# --------------------------------------------------------------------------------------------
# Pricing
# --------------------------------------------------------------------------------------------


def pricing_params(
    req: GenerationRequest, model: ModelInfo | None, *, default_model: ModelInfo | None = None
) -> PricingRequest:
    """The ``IMAGE_GENERATION`` pricing request for ``req`` on the chosen ``model``.

    Built by the client's :func:`~leodesk.core.api.serialize.pricing_for_generation`, with the
    model flags of the model the request really runs on (none for PhotoReal v1; the catalog's
    ``default_model`` when no model is chosen).
    """
    real_model = effective_model(
        model,
        photo_real=req.photo_real,
        photo_real_version=req.photo_real_version,
        default=default_model,
    )
    return pricing_for_generation(req, model=model_traits(real_model))


def pricing_key(pricing: PricingRequest) -> Hashable:
    """A hashable key for a pricing request's parameter set (equal params → equal keys)."""
    items = tuple(sorted((str(k), v) for k, v in pricing.params.items() if v is not None))
    return (pricing.service, items)
