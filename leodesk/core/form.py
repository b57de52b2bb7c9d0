"""The prompt form's settings as data: :class:`FormState`, and what follows from them.

Qt-free. The form widget reads its controls into a :class:`FormState` and hands it to the pure
functions here:

* :func:`build_request`: the :class:`GenerationRequest` the settings make;
* :func:`field_rules`: which controls are enabled, their limits and why (from
  :mod:`leodesk.core.rules`);
* :func:`check`: what stops the settings from being generated.

:meth:`FormState.to_json` and :func:`parse_state` are the saved form (drafts, autosave): the
format is versioned by :data:`STATE_VERSION`; reading takes what it understands from any version
and leaves out the rest, so a missing or unreadable key keeps the form's current value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from leodesk.core import rules
from leodesk.core.api.models import Element, ElementRef, GenerationRequest, UserElementRef
from leodesk.core.catalog import ModelInfo
from leodesk.core.rules import Problem
from leodesk.core.styles import DEFAULT_STYLE_NAME, STYLE_UUIDS, takes_style_uuid

__all__ = [
    "BLANK_PROMPT",
    "DEFAULT_INIT_STRENGTH",
    "SECTIONS",
    "STATE_VERSION",
    "UPLOAD_PROBLEM",
    "FieldRule",
    "FormRules",
    "FormState",
    "ImageChoice",
    "build_request",
    "check",
    "field_rules",
    "parse_state",
    "real_model",
    "seed_value",
    "shown_problems",
]

#: The version written with every saved form state. Readers accept any version: keys they do not
#: know are ignored and keys that are missing keep their value.
STATE_VERSION: Final = 1
DEFAULT_INIT_STRENGTH: Final = 0.5
UPLOAD_PROBLEM: Final = "Wait for the image upload to finish"
BLANK_PROMPT: Final = "The prompt holds only spaces or blank lines: write what to make"
_EMPTY_PROMPT: Final = "Write a prompt"

#: The folding sections: saved key → :class:`FormState` field.
SECTIONS: Final[Mapping[str, str]] = {
    "advanced": "advanced_open",
    "elements": "elements_open",
    "image": "image_open",
}


#: FormState fields the image slots save themselves (with their thumbnails).
_NOT_SAVED: Final = frozenset({"init_image", "image_prompts"})


@dataclass(frozen=True)
class ImageChoice:
    """A filled init image slot: an uploaded image, or one of the user's generated images."""

    image_id: str
    generated: bool = False


@dataclass(frozen=True)
class FormState:
    """Every setting of the prompt form, as the user left it (not yet checked or cut down to
    what the API takes: :func:`build_request` does that).

    Text is kept as typed (``prompt`` is stripped only in the request). ``elements`` holds every
    chosen element with its weight, also those whose entry is not loaded yet. ``init_image`` and
    ``image_prompts`` are the filled image slots; they are not part of :meth:`to_json` (the image
    slots save themselves, with their thumbnails).
    """

    prompt: str = ""
    negative_prompt: str = ""
    model: ModelInfo | None = None
    aspect: str = rules.DEFAULT_ASPECT
    width: int = rules.ASPECT_PRESETS[rules.DEFAULT_ASPECT][0]
    height: int = rules.ASPECT_PRESETS[rules.DEFAULT_ASPECT][1]
    keep_ratio: bool = False
    num_images: int = rules.DEFAULT_NUM_IMAGES
    guidance_scale: float = rules.DEFAULT_GUIDANCE
    steps: int = rules.DEFAULT_STEPS
    random_seed: bool = True
    seed: str = ""
    scheduler: str | None = None
    preset_style: str | None = "DYNAMIC"
    alchemy: bool = True
    high_resolution: bool = False
    photo_real: bool = False
    photo_real_version: str | None = "v1"
    photo_real_strength: float | None = rules.PHOTOREAL_STRENGTHS["Low"]
    prompt_magic: bool = False
    prompt_magic_version: str | None = "v3"
    prompt_magic_strength: float = rules.DEFAULT_PROMPT_MAGIC_STRENGTH
    raw_mode: bool = False
    contrast: float | None = None
    tiling: bool = False
    transparency: str | None = "disabled"
    elements: tuple[ElementRef, ...] = ()
    user_elements: tuple[UserElementRef, ...] = ()
    init_strength: float = DEFAULT_INIT_STRENGTH
    advanced_open: bool = False
    elements_open: bool = False
    image_open: bool = True
    init_image: ImageChoice | None = None
    image_prompts: tuple[str, ...] = ()

    @property
    def photo_real_on(self) -> bool:
        """PhotoReal is sent: it is ticked and Alchemy is on (PhotoReal needs Alchemy)."""
        return self.alchemy and self.photo_real

    def to_json(self) -> dict[str, Any]:
        """The saved form: JSON-able, with ``version`` (images excepted, see the class)."""
        out: dict[str, Any] = {"version": STATE_VERSION}
        for f in fields(self):
            if f.name in _NOT_SAVED or f.name in SECTIONS.values():
                continue
            out[f.name] = getattr(self, f.name)
        out["model"] = self.model.to_json() if self.model is not None else None
        out["elements"] = {ref.ak_uuid: ref.weight for ref in self.elements}
        out["user_elements"] = {str(ref.user_lora_id): ref.weight for ref in self.user_elements}
        out["sections"] = {key: getattr(self, name) for key, name in SECTIONS.items()}
        return out


# --------------------------------------------------------------------------------------------
# Reading a saved form
# --------------------------------------------------------------------------------------------


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


_BOOLS: Final = (
    "alchemy",
    "high_resolution",
    "photo_real",
    "prompt_magic",
    "raw_mode",
    "tiling",
    "keep_ratio",
    "random_seed",
)
#: Choices from a list: passed on as saved; the form keeps its choice when the list lacks it.
_CHOICES: Final = (
    "photo_real_version",
    "photo_real_strength",
    "prompt_magic_version",
    "scheduler",
    "contrast",
    "transparency",
)
_INTS: Final = ("num_images", "steps")
_FLOATS: Final = ("guidance_scale", "prompt_magic_strength")
_TEXTS: Final = ("prompt", "negative_prompt")


def parse_state(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a saved form (any version) says, by :class:`FormState` field: only the keys that are
    present and readable. List choices (``_CHOICES``) are passed on as saved."""
    out: dict[str, Any] = {}
    model = data.get("model")
    if isinstance(model, Mapping) and model.get("id"):
        out["model"] = ModelInfo.from_json(model)
    elif "model" in data and model is None:
        out["model"] = None
    out.update({k: data[k] for k in _BOOLS if isinstance(data.get(k), bool)})
    out.update({k: data[k] for k in _CHOICES if k in data})
    for side in ("width", "height"):
        size = _as_int(data.get(side))
        if size is not None:
            out[side] = rules.snap_size(size)
    seed = data.get("seed")
    if isinstance(seed, str) and (seed == "" or (seed.isdigit() and len(seed) <= 10)):
        out["seed"] = seed
    style = data.get("preset_style")
    if isinstance(style, str) and style:
        out["preset_style"] = style
    for key in _INTS:
        if (number := _as_int(data.get(key))) is not None:
            out[key] = number
    for key in _FLOATS:
        if (real := _as_float(data.get(key))) is not None:
            out[key] = real
    out.update({k: data[k] for k in _TEXTS if isinstance(data.get(k), str)})
    picked = data.get("elements")
    if isinstance(picked, Mapping):
        weights = ((str(ak), _as_float(w)) for ak, w in picked.items())
        out["elements"] = tuple(ElementRef(ak, w) for ak, w in weights if w is not None)
    own = data.get("user_elements")
    if isinstance(own, Mapping):
        pairs = ((str(k), _as_float(w)) for k, w in own.items())
        out["user_elements"] = tuple(
            UserElementRef(int(k), w) for k, w in pairs if k.isdigit() and w is not None
        )
    sections = data.get("sections")
    if isinstance(sections, Mapping):
        for key, name in SECTIONS.items():
            if isinstance(sections.get(key), bool):
                out[name] = sections[key]
    strength = _as_float(data.get("init_strength"))
    if strength is not None and 0.1 <= strength <= 0.9:
        out["init_strength"] = strength
    return out


# --------------------------------------------------------------------------------------------
# The request
# --------------------------------------------------------------------------------------------


def real_model(state: FormState, default_model: ModelInfo | None = None) -> ModelInfo | None:
    """The model the settings run on (``None`` for PhotoReal v1; ``default_model``, the API's
    default model with the catalog's facts, when none is chosen)."""
    photo_real = state.photo_real_on
    return rules.effective_model(
        state.model,
        photo_real=photo_real,
        photo_real_version=state.photo_real_version if photo_real else None,
        default=default_model if default_model is not None else rules.DEFAULT_MODEL,
    )


def seed_value(state: FormState) -> int | None:
    """The fixed seed (``None``: random, or no usable seed typed)."""
    if state.random_seed:
        return None
    text = state.seed.strip()
    return int(text) if text.isdigit() else None


def _sent_elements(state: FormState, loaded: Iterable[Element] | None) -> tuple[ElementRef, ...]:
    if loaded is None:
        return state.elements
    weights = {ref.ak_uuid: ref.weight for ref in state.elements}
    return tuple(
        ElementRef(ak_uuid=e.ak_uuid, weight=weights[e.ak_uuid])
        for e in loaded
        if e.ak_uuid is not None and e.ak_uuid in weights
    )


def _sent_own_elements(
    state: FormState, loaded: Iterable[int] | None
) -> tuple[UserElementRef, ...]:
    if loaded is None:
        return state.user_elements
    offered = set(loaded)
    return tuple(ref for ref in state.user_elements if ref.user_lora_id in offered)


def _quality_fields(state: FormState, model: ModelInfo | None) -> dict[str, Any]:
    """Alchemy's high resolution, PhotoReal, Prompt Magic, contrast, tiling, transparency."""
    out: dict[str, Any] = {}
    if state.alchemy and state.high_resolution and rules.high_resolution_applies(model):
        out["high_resolution"] = True
    if state.photo_real_on:
        out["photo_real"] = True
        out["photo_real_version"] = state.photo_real_version
        out["photo_real_strength"] = state.photo_real_strength
    if state.prompt_magic:
        out["prompt_magic"] = True
        out["prompt_magic_version"] = state.prompt_magic_version
        out["prompt_magic_strength"] = round(state.prompt_magic_strength, 2)
        if state.prompt_magic_version == "v3" and state.raw_mode:
            out["high_contrast"] = False
    if state.contrast is not None and rules.contrast_applies(model):
        out["contrast"] = state.contrast
    if state.tiling:
        out["tiling"] = True
    if state.transparency and state.transparency != "disabled":
        out["transparency"] = state.transparency
    return out


def build_request(
    state: FormState,
    default_model: ModelInfo | None = None,
    *,
    elements: Iterable[Element] | None = None,
    own_elements: Iterable[int] | None = None,
) -> GenerationRequest:
    """The immutable request the settings make: only set fields, no nulls.

    ``default_model`` is the API's default model (with the catalog's facts), used when no model
    is chosen. ``elements`` are the elements the form has loaded: chosen ones are sent in their
    order, and chosen ones not among them are left out (``None``: send every chosen one);
    ``own_elements`` likewise are the ids of the user's own elements the form offers.
    """
    model = real_model(state, default_model)
    body: dict[str, Any] = {
        "prompt": state.prompt.strip(),
        "width": state.width,
        "height": state.height,
        "num_images": state.num_images,
        "guidance_scale": round(state.guidance_scale, 1),
        "num_inference_steps": state.steps,
        "alchemy": state.alchemy,
    }
    negative = state.negative_prompt.strip()
    if negative:
        body["negative_prompt"] = negative
    pr_v1 = rules.is_photo_real_v1(
        state.photo_real_on, state.photo_real_version if state.photo_real_on else None
    )
    if state.model is not None and not pr_v1:
        body["model_id"] = state.model.id
    if model is not None and model.is_phoenix:
        body["sd_version"] = "PHOENIX"  # the API refuses Phoenix without it
    seed = seed_value(state)
    if seed is not None:
        body["seed"] = seed
    if state.scheduler:
        body["scheduler"] = state.scheduler
    if state.preset_style and takes_style_uuid(model):
        if state.preset_style in STYLE_UUIDS:  # Phoenix and Flux: styleUUID, no presetStyle
            body["style_uuid"] = STYLE_UUIDS[state.preset_style]
    elif state.preset_style:
        body["preset_style"] = state.preset_style
    body.update(_quality_fields(state, model))
    refs = _sent_elements(state, elements)
    if refs:
        body["elements"] = refs
    own_refs = _sent_own_elements(state, own_elements)
    if own_refs:
        body["user_elements"] = own_refs
    if state.init_image is not None:
        key = "init_generation_image_id" if state.init_image.generated else "init_image_id"
        body[key] = state.init_image.image_id
        body["init_strength"] = state.init_strength
    if state.image_prompts:
        body["image_prompts"] = state.image_prompts
    return GenerationRequest(**body)


def check(
    state: FormState,
    default_model: ModelInfo | None = None,
    *,
    elements: Iterable[Element] | None = None,
    own_elements: Iterable[int] | None = None,
    uploading: bool = False,
) -> list[Problem]:
    """What stops the settings from being generated (empty: ready). ``uploading``: an image
    slot still waits for its upload (that reason comes first)."""
    loaded = list(elements) if elements is not None else None
    problems = rules.validate(
        build_request(state, default_model, elements=loaded, own_elements=own_elements),
        state.model,
        elements=loaded or (),
        default_model=default_model,
    )
    if state.prompt and not state.prompt.strip():
        # Not the empty starting state: the box holds only spaces or blank lines.
        problems = [Problem("prompt", BLANK_PROMPT) if _is_empty_prompt(p) else p for p in problems]
    if not state.random_seed and seed_value(state) is None:
        problems.append(Problem("seed", "Enter a seed or tick Random"))
    if uploading:
        problems.insert(0, Problem("image_upload", UPLOAD_PROBLEM))
    return problems


def _is_empty_prompt(problem: Problem) -> bool:
    return problem.field == "prompt" and problem.message == _EMPTY_PROMPT


def shown_problems(problems: Iterable[Problem]) -> list[Problem]:
    """The problems to show in red: an empty prompt is the normal starting state, not an error
    (the Generate button says it instead)."""
    return [p for p in problems if not _is_empty_prompt(p)]


# --------------------------------------------------------------------------------------------
# What the controls allow
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRule:
    """How a setting's control is shaped. ``None`` leaves that aspect as the control has it."""

    enabled: bool | None = None
    tip: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    note: str | None = None  # the hint beside the control: why it is limited


@dataclass(frozen=True)
class FormRules:
    """Everything the form shows that follows from the settings and the model."""

    fields: Mapping[str, FieldRule]  # by FormState field name
    model_label: str
    model_tip: str
    model_note: str
    model_facts: str
    preset_styles: tuple[str, ...]
    default_style: str
    photo_real_v2: bool
    photo_real_v1_tip: str
    photo_real_v2_tip: str
    prompt_length: str
    prompt_length_tip: str
    prompt_over_limit: bool
    can_improve: bool
    improve_tip: str
    output_size: str
    seed_max: int


def field_rules(state: FormState, default_model: ModelInfo | None = None) -> FormRules:
    """What the form's controls allow for ``state``, and why (see :class:`FormRules`)."""
    model = real_model(state, default_model)
    default = default_model if default_model is not None else rules.DEFAULT_MODEL
    label, tip = _model_button(state.model, default)
    note, facts = _model_note(state, model)
    alchemy, photo_real = state.alchemy, state.photo_real_on
    v2_ok = state.model is not None and state.model.supports_photoreal_v2
    v2_tip = (
        "PhotoReal v2 uses the chosen model"
        if v2_ok
        else "PhotoReal v2 needs Leonardo Kino XL, Diffusion XL or Vision XL as the model"
    )
    length = len(state.prompt.strip())
    over = length > rules.PROMPT_MAX
    can_improve, why_not = rules.can_improve_prompt(state.prompt)
    return FormRules(
        fields=_field_map(state, model, v2_ok, v2_tip),
        model_label=label,
        model_tip=tip,
        model_note=note,
        model_facts=facts,
        preset_styles=tuple(STYLE_UUIDS)
        if takes_style_uuid(model)
        else rules.preset_styles(alchemy, photo_real),
        default_style=DEFAULT_STYLE_NAME
        if takes_style_uuid(model)
        else rules.default_preset_style(alchemy, photo_real),
        photo_real_v2=v2_ok,
        photo_real_v1_tip="PhotoReal v1 runs without a model (the chosen model is not sent)",
        photo_real_v2_tip=v2_tip,
        prompt_length=f"{length} / {rules.PROMPT_MAX}",
        prompt_length_tip=(
            f"{length - rules.PROMPT_MAX} characters over the limit: shorten the prompt"
            if over
            else "Prompt length"
        ),
        prompt_over_limit=over,
        can_improve=can_improve,
        improve_tip=why_not or "Let Leonardo expand the prompt",
        output_size=_output_size(state, model),
        seed_max=rules.max_seed(model),
    )


def _model_button(chosen: ModelInfo | None, default: ModelInfo) -> tuple[str, str]:
    if chosen is None:
        return "Default model (Leonardo Lightning XL)", (
            "No model chosen: the API uses Leonardo Lightning XL\n" + rules.model_summary(default)
        )
    return chosen.name or chosen.id, f"{chosen.name}\n{rules.model_summary(chosen)}\n{chosen.id}"


def _model_note(state: FormState, model: ModelInfo | None) -> tuple[str, str]:
    """The note under the model button (a warning) and, without one, the model's facts."""
    chosen, photo_real = state.model, state.photo_real_on
    if photo_real and model is None and chosen is not None:
        note = f"PhotoReal v1 runs without a model: {chosen.name or chosen.id} is not sent"
    elif photo_real and model is None:
        note = "PhotoReal v1 runs without a model"
    elif model is not None and not model.ready:
        note = rules.model_summary(model)
    elif model is not None and not model.version_known:
        note = (
            f"{rules.model_summary(model)}: the form cannot check this model's "
            "limits, the server may adjust or refuse some settings"
        )
    else:
        note = ""
    facts = ""
    if not note and model is not None:
        facts = rules.model_summary(model)
        if chosen is None:
            facts = f"API default · {facts}"
    return note, facts


def _alchemy_tip(model: ModelInfo | None) -> str:
    if model is None or model.family in ("SD1", "SD2"):
        why = "Alchemy v1 (×1.5 output, ×2 with High resolution)"
    elif model.is_sdxl:
        why = "Alchemy v2 on this SDXL model (×1.75 output)"
    elif model.is_phoenix or model.is_flux:
        why = "Alchemy: this model's quality mode (no upscale)"
    else:
        why = "Alchemy: the API picks the version for this model"
    return f"Leonardo's quality pipeline. {why}. Costs more."


def _high_res_rule(alchemy: bool, model: ModelInfo | None) -> FieldRule:
    applies = rules.high_resolution_applies(model)
    if not alchemy:
        tip = "Needs Alchemy"
    elif not applies:
        tip = "Alchemy v1 only: this model uses Alchemy v2 or its own quality mode"
    else:
        tip = "Alchemy v1: ×2 instead of ×1.5 output"
    return FieldRule(enabled=alchemy and applies, tip=tip)


def _contrast_rule(alchemy: bool, model: ModelInfo | None) -> FieldRule:
    applies = rules.contrast_applies(model)
    if not applies:
        tip = "Contrast works with Phoenix and Flux models only"
    elif model is not None and not model.version_known:
        tip = "Contrast works with Phoenix and Flux models; this model's version is unknown"
    elif model is not None and model.is_phoenix and alchemy:
        tip = f"Phoenix with Alchemy needs {rules.PHOENIX_ALCHEMY_MIN_CONTRAST:g} or higher"
    else:
        tip = "Contrast of the image"
    return FieldRule(enabled=applies, tip=tip)


def _field_map(
    state: FormState, model: ModelInfo | None, v2_ok: bool, v2_tip: str
) -> dict[str, FieldRule]:
    alchemy, photo_real = state.alchemy, state.photo_real_on
    mode = "with PhotoReal" if photo_real else ("with Alchemy" if alchemy else "without Alchemy")
    reason = rules.max_images_reason(state.width, state.height)
    lo, hi, why = rules.guidance_range(alchemy, model, state.scheduler)
    magic, v3 = state.prompt_magic, state.prompt_magic_version == "v3"
    return {
        "alchemy": FieldRule(tip=_alchemy_tip(model)),
        "high_resolution": _high_res_rule(alchemy, model),
        "photo_real": FieldRule(
            enabled=alchemy,
            tip="Photographic pipeline (needs Alchemy)" if alchemy else "PhotoReal needs Alchemy",
        ),
        "photo_real_version": FieldRule(
            enabled=photo_real,
            tip=v2_tip if not v2_ok else "v2 uses the chosen model; v1 runs without one",
        ),
        "photo_real_strength": FieldRule(enabled=photo_real),
        "preset_style": FieldRule(
            tip="Phoenix and Flux styles (sent as styleUUID)"
            if takes_style_uuid(model)
            else f"Styles available {mode}"
        ),
        "num_images": FieldRule(
            maximum=rules.max_images(state.width, state.height),
            note=reason,
            tip=reason or "1–8 images",
        ),
        "guidance_scale": FieldRule(
            minimum=lo, maximum=hi, note=why, tip=f"{why}. 7 suits most prompts."
        ),
        "seed": FieldRule(
            enabled=not state.random_seed, tip=f"{rules.SEED_MIN}–{rules.max_seed(model)}"
        ),
        "prompt_magic_version": FieldRule(enabled=magic),
        "prompt_magic_strength": FieldRule(enabled=magic),
        "raw_mode": FieldRule(
            enabled=magic and v3,
            tip=(
                "Less stylised, closer to the prompt (highContrast off)"
                if magic and v3
                else "RAW mode needs Prompt Magic v3"
            ),
        ),
        "contrast": _contrast_rule(alchemy, model),
    }


def _output_size(state: FormState, model: ModelInfo | None) -> str:
    high_res = state.alchemy and state.high_resolution and rules.high_resolution_applies(model)
    out_w, out_h = rules.output_size(
        state.width, state.height, alchemy=state.alchemy, high_resolution=high_res, model=model
    )
    _, why = rules.output_scale(alchemy=state.alchemy, high_resolution=high_res, model=model)
    return f"Output ≈ {out_w} × {out_h} px ({why})"
