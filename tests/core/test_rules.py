"""The createGeneration rules (leodesk.core.rules), boundary by boundary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from leodesk.core import rules
from leodesk.core.api.models import Element, ElementRef, GenerationRequest
from leodesk.core.api.serialize import PRICING_PARAM_KEYS, pricing_body
from leodesk.core.catalog import DIFFUSION_XL, KINO_XL, VISION_XL, ModelInfo
from leodesk.core.rules import Problem

# Models with the facts the API gives about them (GET /models/{id}).
KINO = ModelInfo(id=KINO_XL, name="Leonardo Kino XL", sd_version="SDXL_1_0")
DIFFUSION = ModelInfo(id=DIFFUSION_XL, name="Leonardo Diffusion XL", sd_version="SDXL_0_9")
VISION = ModelInfo(id=VISION_XL, name="Leonardo Vision XL", sd_version="SDXL_0_9")
ALBEDO = ModelInfo(
    id="2067ae52-33fd-4a82-bb92-c2c55e7d2786", name="AlbedoBase XL", sd_version="SDXL_0_9"
)
LIGHTNING = ModelInfo(
    id=rules.DEFAULT_MODEL_ID, name="Leonardo Lightning XL", sd_version="SDXL_LIGHTNING"
)
PHOENIX = ModelInfo(
    id="6b645e3a-d64f-4341-a6d8-7a3690fbf042", name="Leonardo Phoenix", sd_version="PHOENIX"
)
SD15 = ModelInfo(id="sd15-model", name="DreamShaper v7", sd_version="v1_5")
FLUX = ModelInfo(id="flux-model", name="Flux Dev", sd_version="FLUX_DEV")
CUSTOM = ModelInfo(id="my-model", name="My model", kind="own", sd_version="SDXL_1_0")
MYSTERY = ModelInfo(id="mystery-model", name="Mystery")


def req(**kwargs: object) -> GenerationRequest:
    base: dict[str, object] = {"prompt": "a lighthouse at dusk"}
    base.update(kwargs)
    return GenerationRequest(**base)  # type: ignore[arg-type]


def fields(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


# ---------------------------------------------------------------------------------------------
# Sizes and counts
# ---------------------------------------------------------------------------------------------


def test_size_constants() -> None:
    assert (rules.SIZE_MIN, rules.SIZE_MAX, rules.SIZE_STEP) == (32, 1536, 8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-50, 32),
        (0, 32),
        (31, 32),
        (32, 32),
        (35, 32),
        (37, 40),
        (1020.9, 1024),
        (1023, 1024),
        (1024, 1024),
        (1536, 1536),
        (1539, 1536),
        (1544, 1536),
        (99999, 1536),
    ],
)
def test_snap_size(value: float, expected: int) -> None:
    assert rules.snap_size(value) == expected


def test_aspect_presets_are_valid_sizes() -> None:
    for name in ("1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16"):
        assert name in rules.ASPECT_PRESETS
    assert rules.ASPECT_PRESETS["1:1"] == (1024, 1024)
    assert rules.ASPECT_PRESETS[rules.DEFAULT_ASPECT] == (1024, 768)
    for name, (w, h) in rules.ASPECT_PRESETS.items():
        for side in (w, h):
            assert rules.SIZE_MIN <= side <= rules.SIZE_MAX, name
            assert side % rules.SIZE_STEP == 0, name
        a, b = (int(x) for x in name.split(":"))
        assert abs(w / h - a / b) < 0.02, name


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (32, 32, 8),
        (512, 512, 8),
        (768, 768, 8),
        (776, 768, 4),
        (768, 776, 4),
        (1024, 768, 4),
        (1536, 1536, 4),
    ],
)
def test_max_images(width: int, height: int, expected: int) -> None:
    assert rules.max_images(width, height) == expected
    assert bool(rules.max_images_reason(width, height)) == (expected == 4)


@pytest.mark.parametrize(
    ("width", "height", "num", "ok"),
    [
        (768, 768, 8, True),
        (768, 768, 9, False),
        (776, 768, 4, True),
        (776, 768, 5, False),
        (512, 512, 1, True),
        (512, 512, 0, False),
    ],
)
def test_validate_num_images(width: int, height: int, num: int, ok: bool) -> None:
    problems = rules.validate(req(width=width, height=height, num_images=num), KINO)
    assert ("num_images" not in fields(problems)) is ok


def test_num_images_problem_says_why_and_what_to_do() -> None:
    (problem,) = rules.validate(req(width=1024, height=1024, num_images=8), KINO)
    assert "over 768" in problem.message
    assert "4 or fewer" in problem.message


@pytest.mark.parametrize(
    ("side", "ok"),
    [(24, False), (32, True), (33, False), (1000, True), (1536, True), (1544, False)],
)
def test_validate_width_and_height(side: int, ok: bool) -> None:
    problems = rules.validate(req(width=side, height=side, num_images=1), KINO)
    assert ("width" not in fields(problems)) is ok
    assert ("height" not in fields(problems)) is ok


def test_size_not_a_multiple_of_8_suggests_one() -> None:
    problems = rules.validate(req(width=1001, height=768, num_images=1), KINO)
    assert problems == [Problem("width", "Width must be a multiple of 8: try 1000")]


# ---------------------------------------------------------------------------------------------
# Guidance
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alchemy", "model", "scheduler", "lo", "hi"),
    [
        (False, KINO, None, 1, 20),
        (False, SD15, None, 1, 20),
        (False, None, "EULER_DISCRETE", 1, 20),
        (False, SD15, "LEONARDO", 1, 7),
        (False, KINO, "LEONARDO", 1, 7),
        (True, SD15, None, 2, 30),
        (True, PHOENIX, None, 2, 30),
        (True, None, None, 2, 30),  # PhotoReal v1: no model
        (True, SD15, "LEONARDO", 2, 30),  # the LEONARDO cap is for "not using Alchemy"
        (True, KINO, None, 1, 20),
        (True, LIGHTNING, None, 1, 20),
        (True, KINO, "LEONARDO", 1, 20),
    ],
)
def test_guidance_range(
    alchemy: bool, model: ModelInfo | None, scheduler: str | None, lo: float, hi: float
) -> None:
    got_lo, got_hi, reason = rules.guidance_range(alchemy, model, scheduler)
    assert (got_lo, got_hi) == (lo, hi)
    assert f"{lo}–{hi}" in reason


def test_guidance_default_is_7() -> None:
    assert rules.DEFAULT_GUIDANCE == 7


@pytest.mark.parametrize(
    ("alchemy", "model", "scheduler", "value", "ok"),
    [
        (False, SD15, None, 1, True),
        (False, SD15, None, 0.5, False),
        (False, SD15, None, 20, True),
        (False, SD15, None, 21, False),
        (False, SD15, "LEONARDO", 7, True),
        (False, SD15, "LEONARDO", 7.5, False),
        (True, SD15, None, 2, True),
        (True, SD15, None, 1.5, False),
        (True, SD15, None, 30, True),
        (True, SD15, None, 31, False),
        (True, KINO, None, 20, True),
        (True, KINO, None, 25, False),
    ],
)
def test_validate_guidance(
    alchemy: bool, model: ModelInfo, scheduler: str | None, value: float, ok: bool
) -> None:
    problems = rules.validate(
        req(alchemy=alchemy, scheduler=scheduler, guidance_scale=value), model
    )
    assert ("guidance_scale" not in fields(problems)) is ok


def test_guidance_with_no_model_uses_the_api_default_model() -> None:
    # No model chosen: the API runs Leonardo Lightning XL (SDXL), so 25 is too much.
    problems = rules.validate(req(alchemy=True, guidance_scale=25), None, default_model=LIGHTNING)
    assert "guidance_scale" in fields(problems)
    # Without the catalog's facts its version is unknown: permissive.
    assert rules.validate(req(alchemy=True, guidance_scale=25), None) == []
    # Alchemy defaults to on when not sent.
    assert "guidance_scale" in fields(rules.validate(req(guidance_scale=25), KINO))


# ---------------------------------------------------------------------------------------------
# Steps, seed, prompt, scheduler
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "ok"), [(9, False), (10, True), (15, True), (60, True), (61, False)]
)
def test_validate_steps(steps: int, ok: bool) -> None:
    assert (
        "num_inference_steps" not in fields(rules.validate(req(num_inference_steps=steps), KINO))
    ) is ok


def test_steps_defaults() -> None:
    assert (rules.STEPS_MIN, rules.STEPS_MAX, rules.DEFAULT_STEPS) == (10, 60, 15)


@pytest.mark.parametrize(
    ("model", "seed", "ok"),
    [
        (KINO, -1, False),
        (KINO, 0, True),
        (KINO, 2**31, True),
        (KINO, 9_999_999_998, True),
        (KINO, 9_999_999_999, False),
        (FLUX, 2_147_483_637, True),
        (FLUX, 2_147_483_638, False),
    ],
)
def test_validate_seed(model: ModelInfo, seed: int, ok: bool) -> None:
    assert ("seed" not in fields(rules.validate(req(seed=seed), model))) is ok


def test_max_seed() -> None:
    assert rules.max_seed(KINO) == rules.SEED_MAX == 9_999_999_998
    assert rules.max_seed(None) == rules.SEED_MAX
    assert rules.max_seed(FLUX) == rules.SEED_MAX_FLUX == 2_147_483_637


@pytest.mark.parametrize(
    ("prompt", "ok"),
    [("", False), ("   \n", False), ("x", True), ("x" * 1500, True), ("x" * 1501, False)],
)
def test_validate_prompt(prompt: str, ok: bool) -> None:
    assert ("prompt" not in fields(rules.validate(req(prompt=prompt), KINO))) is ok


def test_prompt_too_long_message_counts_the_excess() -> None:
    (problem,) = rules.validate(req(prompt="x" * 1510), KINO)
    assert problem.message.startswith("Prompt is 10 characters too long")


@pytest.mark.parametrize(("length", "ok"), [(0, True), (1500, True), (1501, False)])
def test_validate_negative_prompt(length: int, ok: bool) -> None:
    problems = rules.validate(req(negative_prompt="n" * length), KINO)
    assert ("negative_prompt" not in fields(problems)) is ok


def test_validate_scheduler() -> None:
    for scheduler in rules.SCHEDULERS:
        assert rules.validate(req(scheduler=scheduler, guidance_scale=5), KINO) == []
    assert fields(rules.validate(req(scheduler="FAST"), KINO)) == ["scheduler"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("", False), ("  ", False), ("a cat", True), ("x" * 199, True), ("x" * 200, False)],
)
def test_can_improve_prompt(text: str, ok: bool) -> None:
    allowed, why = rules.can_improve_prompt(text)
    assert allowed is ok
    assert bool(why) is not ok


# ---------------------------------------------------------------------------------------------
# Preset styles
# ---------------------------------------------------------------------------------------------


def test_preset_styles_per_mode() -> None:
    assert rules.preset_styles(False, False) == ("LEONARDO", "NONE")
    alchemy = rules.preset_styles(True, False)
    assert set(alchemy) == {
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
    }
    photo = rules.preset_styles(True, True)
    assert {"CINEMATIC", "BOKEH", "PORTRAIT", "STOCK_PHOTO", "UNPROCESSED", "VIBRANT"} <= set(photo)
    assert len(photo) > len(alchemy)
    assert "LEONARDO" not in photo and "ANIME" not in photo


@pytest.mark.parametrize(
    ("alchemy", "photo_real", "default"),
    [(False, False, "LEONARDO"), (True, False, "DYNAMIC"), (True, True, "CINEMATIC")],
)
def test_default_preset_style_is_valid_in_its_mode(
    alchemy: bool, photo_real: bool, default: str
) -> None:
    assert rules.default_preset_style(alchemy, photo_real) == default
    assert default in rules.preset_styles(alchemy, photo_real)


@pytest.mark.parametrize(
    ("alchemy", "photo_real", "style", "ok"),
    [
        (False, None, "LEONARDO", True),
        (False, None, "DYNAMIC", False),
        (True, None, "DYNAMIC", True),
        (True, None, "LEONARDO", False),
        (None, None, "ANIME", True),  # alchemy defaults to on
        (True, True, "CINEMATIC", True),
        (True, True, "ANIME", False),
    ],
)
def test_validate_preset_style(
    alchemy: bool | None, photo_real: bool | None, style: str, ok: bool
) -> None:
    problems = rules.validate(
        req(alchemy=alchemy, photo_real=photo_real, photo_real_version="v2", preset_style=style),
        KINO,
    )
    assert ("preset_style" not in fields(problems)) is ok


# ---------------------------------------------------------------------------------------------
# PhotoReal
# ---------------------------------------------------------------------------------------------


def test_photo_real_needs_alchemy() -> None:
    problems = rules.validate(req(alchemy=False, photo_real=True, photo_real_version="v1"), None)
    assert Problem("photo_real", "PhotoReal needs Alchemy: turn Alchemy on") in problems


@pytest.mark.parametrize(
    ("model", "ok"),
    [
        (KINO, True),
        (DIFFUSION, True),
        (VISION, True),
        (ALBEDO, False),
        (SD15, False),
        (None, False),
    ],
)
def test_photo_real_v2_needs_one_of_three_models(model: ModelInfo | None, ok: bool) -> None:
    model_id = model.id if model else None
    problems = rules.validate(
        req(photo_real=True, photo_real_version="v2", model_id=model_id), model
    )
    assert ("photo_real_version" not in fields(problems)) is ok


def test_photo_real_v1_runs_without_a_model() -> None:
    assert rules.validate(req(photo_real=True, photo_real_version="v1"), KINO) == []
    assert rules.validate(req(photo_real=True), KINO) == []  # no version: v1
    problems = rules.validate(req(photo_real=True, photo_real_version="v1", model_id=KINO.id), KINO)
    assert fields(problems) == ["model_id"]
    assert "without a model" in problems[0].message


def test_photo_real_strength_values() -> None:
    assert dict(rules.PHOTOREAL_STRENGTHS) == {"Low": 0.55, "Medium": 0.5, "High": 0.45}
    for value in rules.PHOTOREAL_STRENGTHS.values():
        assert rules.validate(req(photo_real=True, photo_real_strength=value), None) == []
    problems = rules.validate(req(photo_real=True, photo_real_strength=0.6), None)
    assert fields(problems) == ["photo_real_strength"]


def test_photo_real_version_must_be_known() -> None:
    problems = rules.validate(req(photo_real=True, photo_real_version="v3"), None)
    assert fields(problems) == ["photo_real_version"]


def test_effective_model() -> None:
    assert rules.effective_model(KINO) is KINO
    assert rules.effective_model(None) is rules.DEFAULT_MODEL
    # Without the catalog's facts the default model's version is unknown; with them it is known.
    assert not rules.DEFAULT_MODEL.version_known
    assert rules.effective_model(None, default=LIGHTNING) is LIGHTNING
    assert rules.effective_model(KINO, default=LIGHTNING) is KINO
    assert rules.effective_model(None, photo_real=True, default=LIGHTNING) is None
    assert rules.effective_model(KINO, photo_real=True, photo_real_version="v2") is KINO
    assert rules.effective_model(KINO, photo_real=True, photo_real_version="v1") is None
    assert rules.effective_model(KINO, photo_real=True) is None
    assert rules.effective_model(KINO, photo_real=False, photo_real_version="v1") is KINO


# ---------------------------------------------------------------------------------------------
# Prompt Magic, contrast, transparency, modes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strength", "ok"), [(0.09, False), (0.1, True), (0.5, True), (1.0, True), (1.01, False)]
)
def test_prompt_magic_strength(strength: float, ok: bool) -> None:
    problems = rules.validate(
        req(prompt_magic=True, prompt_magic_version="v3", prompt_magic_strength=strength), KINO
    )
    assert ("prompt_magic_strength" not in fields(problems)) is ok


def test_prompt_magic_version_and_raw_mode() -> None:
    raw = req(prompt_magic=True, prompt_magic_version="v3", high_contrast=False)
    assert rules.validate(raw, KINO) == []
    assert fields(rules.validate(req(prompt_magic=True, prompt_magic_version="v4"), KINO)) == [
        "prompt_magic_version"
    ]


@pytest.mark.parametrize(
    ("model", "alchemy", "contrast", "ok"),
    [
        (PHOENIX, True, 2.5, True),
        (PHOENIX, True, 4.5, True),
        (PHOENIX, True, 1.8, False),
        (PHOENIX, False, 1.0, True),
        (FLUX, True, 1.3, True),
        (PHOENIX, False, 2.0, False),  # not one of the values
        (KINO, True, 3.0, False),  # not a Phoenix/Flux model
    ],
)
def test_contrast(model: ModelInfo, alchemy: bool, contrast: float, ok: bool) -> None:
    sd_version = "PHOENIX" if model.is_phoenix else None
    problems = rules.validate(
        req(alchemy=alchemy, contrast=contrast, sd_version=sd_version, guidance_scale=None), model
    )
    assert ("contrast" not in fields(problems)) is ok


def test_contrast_values() -> None:
    assert rules.CONTRAST_VALUES == (1.0, 1.3, 1.8, 2.5, 3, 3.5, 4, 4.5)
    assert rules.contrast_applies(PHOENIX) and rules.contrast_applies(FLUX)
    assert not rules.contrast_applies(KINO) and not rules.contrast_applies(None)
    # Permissive when the version is unknown (it may be a Phoenix or Flux model).
    assert rules.contrast_applies(MYSTERY)
    assert rules.validate(req(contrast=3.5), MYSTERY) == []


@pytest.mark.parametrize(
    ("model", "applies"),
    [(SD15, True), (None, True), (MYSTERY, True), (KINO, False), (PHOENIX, False), (FLUX, False)],
)
def test_high_resolution_is_an_alchemy_v1_setting(model: ModelInfo | None, applies: bool) -> None:
    assert rules.high_resolution_applies(model) is applies


def test_guidance_with_an_unknown_version_is_permissive() -> None:
    lo, hi, reason = rules.guidance_range(True, MYSTERY, None)
    assert (lo, hi) == (1, 30) and "unknown" in reason
    assert rules.validate(req(guidance_scale=1), MYSTERY) == []
    assert rules.validate(req(guidance_scale=28), MYSTERY) == []
    new = ModelInfo(id="n", name="New", sd_version="GPT_IMAGE_1")  # newer than the spec
    assert rules.guidance_range(True, new, None)[:2] == (1, 30)
    assert rules.max_seed(new) == rules.SEED_MAX


def test_a_model_that_is_not_ready_is_a_problem() -> None:
    training = CUSTOM.with_facts(sd_version="SDXL_1_0", width=1024, height=1024, status="PENDING")
    problems = rules.validate(req(model_id=training.id), training)
    assert fields(problems) == ["model_id"]
    assert "not ready to generate" in problems[0].message and "pick another" in problems[0].message
    # PhotoReal v1 does not run on it: no problem then.
    assert rules.validate(req(photo_real=True), training) == []
    ready = training.with_facts(sd_version="SDXL_1_0", width=1024, height=1024, status="COMPLETE")
    assert rules.validate(req(model_id=ready.id), ready) == []


def test_phoenix_needs_its_sd_version_by_its_facts() -> None:
    assert fields(rules.validate(req(), PHOENIX)) == ["sd_version"]
    assert rules.validate(req(sd_version="PHOENIX"), PHOENIX) == []
    # The default model's facts decide too.
    default_phoenix = replace(PHOENIX, id=rules.DEFAULT_MODEL_ID)
    assert fields(rules.validate(req(), None, default_model=default_phoenix)) == ["sd_version"]


@pytest.mark.parametrize(
    ("model", "text"),
    [
        (MYSTERY, "version not known yet"),
        (replace(MYSTERY, facts_known=True), "version unknown"),
        (
            ModelInfo(id="k", name="K", sd_version="KINO_2_0", facts_known=True),
            "KINO_2_0: a version the form has no rules for",
        ),
        (
            PHOENIX.with_facts(sd_version="PHOENIX", width=1024, height=1024, status="COMPLETE"),
            "Phoenix · trained at 1024×1024",
        ),
        (
            FLUX.with_facts(sd_version="FLUX_DEV", width=1024, height=1024, status="COMPLETE"),
            "Flux (FLUX_DEV) · trained at 1024×1024",
        ),
        (
            SD15.with_facts(sd_version="v1_5", width=640, height=832, status="PENDING"),
            "SD 1.5 (v1_5) · trained at 640×832 · status PENDING: not ready to generate",
        ),
    ],
)
def test_model_summary(model: ModelInfo, text: str) -> None:
    assert rules.model_summary(model) == text


def test_phoenix_needs_sd_version() -> None:
    assert fields(rules.validate(req(model_id=PHOENIX.id), PHOENIX)) == ["sd_version"]
    assert rules.validate(req(model_id=PHOENIX.id, sd_version="PHOENIX"), PHOENIX) == []


def test_transparency_and_tiling() -> None:
    for value in ("disabled", "foreground_only"):
        assert rules.validate(req(transparency=value, tiling=True), KINO) == []
    assert fields(rules.validate(req(transparency="background"), KINO)) == ["transparency"]


def test_mode_conflicts() -> None:
    assert fields(rules.validate(req(alchemy=False, high_resolution=True), SD15)) == [
        "high_resolution"
    ]
    assert fields(rules.validate(req(ultra=True), KINO)) == ["ultra"]  # alchemy defaults on
    assert rules.validate(req(ultra=True, alchemy=False), KINO) == []


# ---------------------------------------------------------------------------------------------
# Elements
# ---------------------------------------------------------------------------------------------

ELEMENT = Element(
    ak_uuid="el-1", name="Crystal", base_model="SDXL_1_0", weight_min=-1, weight_max=2
)
LOOSE_ELEMENT = Element(ak_uuid="el-2", name="Loose")


@pytest.mark.parametrize(
    ("weight", "ok"), [(-1.01, False), (-1.0, True), (0.8, True), (2.0, True), (2.01, False)]
)
def test_element_weight_within_its_range(weight: float, ok: bool) -> None:
    problems = rules.validate(req(elements=(ElementRef("el-1", weight),)), KINO, elements=[ELEMENT])
    assert ("elements" not in fields(problems)) is ok
    if not ok:
        assert "Crystal" in problems[0].message


def test_element_weight_range_fallback_and_unknown_elements() -> None:
    assert rules.element_weight_range(ELEMENT) == (-1.0, 2.0)
    assert rules.element_weight_range(LOOSE_ELEMENT) == rules.ELEMENT_WEIGHT_FALLBACK
    # An element the catalog does not know is not range-checked.
    assert rules.validate(req(elements=(ElementRef("other", 9.0),)), KINO) == []


def test_element_fits_model() -> None:
    assert rules.element_fits_model(ELEMENT, KINO) is True
    assert rules.element_fits_model(ELEMENT, LIGHTNING) is True
    assert rules.element_fits_model(ELEMENT, SD15) is False
    assert rules.element_fits_model(LOOSE_ELEMENT, KINO) is None
    assert rules.element_fits_model(ELEMENT, MYSTERY) is None


# ---------------------------------------------------------------------------------------------
# Output size
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alchemy", "high_res", "model", "expected"),
    [
        (False, False, KINO, (1024, 768)),
        (False, True, SD15, (1024, 768)),
        (True, False, SD15, (1536, 1152)),  # Alchemy v1 ×1.5
        (True, True, SD15, (2048, 1536)),  # Alchemy v1 + high resolution ×2
        (True, False, KINO, (1792, 1344)),  # Alchemy v2 (SDXL) ×1.75
        (True, True, KINO, (1792, 1344)),
        (True, False, LIGHTNING, (1792, 1344)),
        (True, False, None, (1536, 1152)),  # PhotoReal v1 runs the v1 pipeline
        (True, False, PHOENIX, (1024, 768)),
        (True, False, FLUX, (1024, 768)),
        (True, False, MYSTERY, (1024, 768)),
        (True, True, FLUX, (1024, 768)),
        (True, False, ModelInfo(id="v3", name="SD3", sd_version="v3"), (1024, 768)),
        (True, False, ModelInfo(id="fk", name="Kontext", sd_version="FLUX_KONTEXT"), (1024, 768)),
    ],
)
def test_output_size(
    alchemy: bool, high_res: bool, model: ModelInfo | None, expected: tuple[int, int]
) -> None:
    size = rules.output_size(1024, 768, alchemy=alchemy, high_resolution=high_res, model=model)
    assert size == expected
    factor, reason = rules.output_scale(alchemy=alchemy, high_resolution=high_res, model=model)
    assert reason
    assert round(1024 * factor) == expected[0]


def test_output_size_of_the_alchemy_v1_base() -> None:
    # The help page's example: 768×512 with Alchemy v1 gives 1152×768.
    assert rules.output_size(768, 512, alchemy=True, high_resolution=False, model=SD15) == (
        1152,
        768,
    )


# ---------------------------------------------------------------------------------------------
# A complete request
# ---------------------------------------------------------------------------------------------


def test_a_full_valid_request_has_no_problems() -> None:
    full = GenerationRequest(
        prompt="a lighthouse at dusk",
        negative_prompt="blurry",
        model_id=KINO.id,
        width=1024,
        height=768,
        num_images=4,
        guidance_scale=7,
        num_inference_steps=30,
        seed=9_000_000_000,
        scheduler="EULER_DISCRETE",
        preset_style="CINEMATIC",
        alchemy=True,
        photo_real=True,
        photo_real_version="v2",
        photo_real_strength=0.45,
        prompt_magic=True,
        prompt_magic_version="v3",
        prompt_magic_strength=0.4,
        high_contrast=False,
        tiling=True,
        transparency="disabled",
        elements=(ElementRef("el-1", 0.5),),
    )
    assert rules.validate(full, KINO, elements=[ELEMENT]) == []


def test_problem_messages_are_short_and_say_what_to_do() -> None:
    bad = GenerationRequest(
        prompt="x" * 2000,
        width=33,
        height=2000,
        num_images=9,
        guidance_scale=50,
        num_inference_steps=100,
        seed=-5,
        scheduler="NOPE",
        preset_style="LEONARDO",
        alchemy=True,
        photo_real=True,
        photo_real_version="v2",
        photo_real_strength=0.9,
        prompt_magic_strength=3,
        contrast=9,
        transparency="all",
    )
    problems = rules.validate(bad, SD15)
    assert len(problems) >= 12
    for problem in problems:
        assert 0 < len(problem.message) <= 110, problem


# ---------------------------------------------------------------------------------------------
# Pricing
# ---------------------------------------------------------------------------------------------


def test_pricing_params_basic() -> None:
    pricing = rules.pricing_params(
        req(width=1024, height=768, num_images=4, num_inference_steps=15, alchemy=True), KINO
    )
    assert pricing.service == "IMAGE_GENERATION"
    params = dict(pricing.params)
    assert params["imageWidth"] == 1024
    assert params["imageHeight"] == 768
    assert params["numImages"] == 4
    assert params["inferenceSteps"] == 15
    assert params["alchemyMode"] is True
    assert params["highResolution"] is False
    assert params["isSDXL"] is True
    assert set(params) <= PRICING_PARAM_KEYS["IMAGE_GENERATION"]
    pricing_body(pricing)  # accepted by the client's allow-list


def test_pricing_params_model_flags() -> None:
    def flags(model: ModelInfo | None, **kw: object) -> set[str]:
        params = rules.pricing_params(req(**kw), model, default_model=LIGHTNING).params
        return {k for k, v in params.items() if k.startswith("is") and v is True}

    assert flags(None) == {"isSDXLLightning"}  # the API default model
    assert flags(PHOENIX, sd_version="PHOENIX") == {"isPhoenix"}
    assert flags(CUSTOM) == {"isModelCustom", "isSDXL"}
    assert flags(SD15) == set()
    assert flags(KINO, photo_real=True, photo_real_version="v1") == set()  # no model
    assert flags(KINO, photo_real=True, photo_real_version="v2") == {"isSDXL"}


def test_pricing_params_features() -> None:
    params = rules.pricing_params(
        req(
            high_resolution=True,
            prompt_magic=True,
            prompt_magic_version="v3",
            prompt_magic_strength=0.4,
            photo_real=True,
            photo_real_version="v2",
            photo_real_strength=0.5,
            elements=(ElementRef("a", 1.0), ElementRef("b", 0.5)),
        ),
        KINO,
    ).params
    assert params["highResolution"] is True
    assert params["promptMagic"] is True
    assert params["promptMagicVersion"] == "v3"
    assert params["promptMagicStrength"] == 0.4
    assert params["photoRealMode"] is True
    assert params["photoRealVersion"] == "v2"
    assert params["photoRealStrength"] == 0.5
    assert params["loraCount"] == 2


def test_pricing_key() -> None:
    base = req(width=1024, height=768, num_images=4)
    key = rules.pricing_key(rules.pricing_params(base, KINO))
    hash(key)
    # The prompt does not change the price.
    same = rules.pricing_params(replace(base, prompt="something else"), KINO)
    assert rules.pricing_key(same) == key
    for changed in (
        replace(base, num_images=2),
        replace(base, width=512),
        replace(base, alchemy=False),
    ):
        assert rules.pricing_key(rules.pricing_params(changed, KINO)) != key
    assert rules.pricing_key(rules.pricing_params(base, SD15)) != key
