"""The prompt form's settings as data (leodesk.core.form): the request they make, what the
controls allow, the problems, and the saved form read back."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leodesk.core import rules
from leodesk.core.api.models import Element, ElementRef, GenerationRequest
from leodesk.core.catalog import KINO_XL, ModelInfo
from leodesk.core.form import (
    BLANK_PROMPT,
    STATE_VERSION,
    UPLOAD_PROBLEM,
    FormState,
    ImageChoice,
    build_request,
    check,
    field_rules,
    parse_state,
    shown_problems,
)
from leodesk.core.rules import Problem

KINO = ModelInfo(id=KINO_XL, name="Leonardo Kino XL", sd_version="SDXL_1_0")
PHOENIX = ModelInfo(id="phoenix-id", name="Leonardo Phoenix", sd_version="PHOENIX")
FLUX = ModelInfo(id="flux-id", name="Flux Dev", sd_version="FLUX_DEV")
SD15 = ModelInfo(id="sd15-id", name="DreamShaper v7", sd_version="v1_5")
LIGHTNING = ModelInfo(
    id=rules.DEFAULT_MODEL_ID, name="Leonardo Lightning XL", sd_version="SDXL_LIGHTNING"
)
LAMP = FormState(prompt="  a lamp in the fog \n")

#: A form state as the app saved it in drafts and autosaves (version 1), kept literally.
SAVED_V1: dict[str, object] = {
    "version": 1,
    "prompt": "a lighthouse at dusk",
    "negative_prompt": "people",
    "model": {"id": "phoenix-id", "name": "Leonardo Phoenix", "sd_version": "PHOENIX"},
    "aspect": "Custom",
    "width": 1000,
    "height": 640,
    "keep_ratio": True,
    "num_images": 2,
    "guidance_scale": 3.5,
    "steps": 30,
    "random_seed": False,
    "seed": "4242",
    "scheduler": None,
    "preset_style": "CINEMATIC",
    "alchemy": True,
    "high_resolution": False,
    "photo_real": False,
    "photo_real_version": "v1",
    "photo_real_strength": 0.55,
    "prompt_magic": True,
    "prompt_magic_version": "v3",
    "prompt_magic_strength": 0.4,
    "raw_mode": True,
    "contrast": 3.5,
    "tiling": False,
    "transparency": "disabled",
    "elements": {"ak-1": 0.75},
    "init_strength": 0.35,
    "images": [],
    "sections": {"advanced": True, "elements": False, "image": True},
}


def test_the_starting_form_makes_the_plain_request() -> None:
    assert build_request(LAMP) == GenerationRequest(
        prompt="a lamp in the fog",
        width=1024,
        height=768,
        num_images=4,
        guidance_scale=7.0,
        num_inference_steps=15,
        alchemy=True,
        preset_style="DYNAMIC",
    )


def test_text_is_stripped_and_an_empty_negative_prompt_is_not_sent() -> None:
    req = build_request(replace(LAMP, negative_prompt="  \n"))
    assert req.prompt == "a lamp in the fog" and req.negative_prompt is None
    assert build_request(replace(LAMP, negative_prompt=" blur ")).negative_prompt == "blur"


def test_photoreal_v1_runs_without_the_chosen_model() -> None:
    state = replace(LAMP, model=KINO, photo_real=True, photo_real_version="v1")
    req = build_request(state)
    assert req.model_id is None
    assert (req.photo_real, req.photo_real_version, req.photo_real_strength) == (True, "v1", 0.55)
    v2 = build_request(replace(state, photo_real_version="v2"))
    assert v2.model_id == KINO_XL and v2.photo_real_version == "v2"


def test_photoreal_needs_alchemy() -> None:
    req = build_request(replace(LAMP, model=KINO, photo_real=True, alchemy=False))
    assert req.photo_real is None and req.model_id == KINO_XL and req.alchemy is False


def test_phoenix_is_sent_with_its_version_and_contrast() -> None:
    req = build_request(replace(LAMP, model=PHOENIX, contrast=3.5))
    assert (req.model_id, req.sd_version, req.contrast) == ("phoenix-id", "PHOENIX", 3.5)
    assert build_request(replace(LAMP, model=KINO, contrast=3.5)).contrast is None


def test_high_resolution_is_sent_only_where_alchemy_v1_runs() -> None:
    assert build_request(replace(LAMP, model=SD15, high_resolution=True)).high_resolution
    assert build_request(replace(LAMP, model=KINO, high_resolution=True)).high_resolution is None
    off = replace(LAMP, model=SD15, high_resolution=True, alchemy=False)
    assert build_request(off).high_resolution is None


def test_raw_mode_is_prompt_magic_v3_without_high_contrast() -> None:
    magic = replace(LAMP, prompt_magic=True, prompt_magic_strength=0.456, raw_mode=True)
    req = build_request(magic)
    assert (req.prompt_magic, req.prompt_magic_version, req.prompt_magic_strength) == (
        True,
        "v3",
        0.46,
    )
    assert req.high_contrast is False
    assert build_request(replace(magic, prompt_magic_version="v2")).high_contrast is None
    assert build_request(replace(magic, prompt_magic=False)).prompt_magic is None


def test_a_fixed_seed_is_sent_and_a_random_one_is_not() -> None:
    assert build_request(replace(LAMP, seed="77")).seed is None
    assert build_request(replace(LAMP, seed="77", random_seed=False)).seed == 77
    assert build_request(replace(LAMP, seed="", random_seed=False)).seed is None


def test_defaults_of_the_server_are_not_sent() -> None:
    req = build_request(replace(LAMP, scheduler=None, transparency="disabled", tiling=False))
    assert (req.scheduler, req.transparency, req.tiling) == (None, None, None)
    req = build_request(replace(LAMP, scheduler="LEONARDO", transparency="foreground_only"))
    assert (req.scheduler, req.transparency) == ("LEONARDO", "foreground_only")


def test_chosen_elements_are_sent_in_list_order_once_loaded() -> None:
    picks = (ElementRef("b", 0.5), ElementRef("a", 1.2), ElementRef("gone", 1.0))
    state = replace(LAMP, elements=picks)
    loaded = [Element(ak_uuid="a"), Element(ak_uuid="c"), Element(ak_uuid="b")]
    assert build_request(state, elements=loaded).elements == (
        ElementRef("a", 1.2),
        ElementRef("b", 0.5),
    )
    assert build_request(state).elements == picks
    assert build_request(state, elements=[]).elements is None


def test_image_slots_make_init_image_and_image_prompts() -> None:
    state = replace(LAMP, init_image=ImageChoice("up-1"), init_strength=0.3)
    req = build_request(state)
    assert (req.init_image_id, req.init_generation_image_id, req.init_strength) == (
        "up-1",
        None,
        0.3,
    )
    req = build_request(replace(state, init_image=ImageChoice("gen-1", generated=True)))
    assert (req.init_image_id, req.init_generation_image_id) == (None, "gen-1")
    assert build_request(LAMP).init_strength is None
    prompts = build_request(replace(LAMP, image_prompts=("p1", "p2")))
    assert prompts.image_prompts == ("p1", "p2")


def test_no_model_chosen_runs_on_the_default_model_with_its_facts() -> None:
    phoenix_default = replace(PHOENIX, id=rules.DEFAULT_MODEL_ID)
    req = build_request(LAMP, phoenix_default)
    assert req.model_id is None and req.sd_version == "PHOENIX"
    assert build_request(LAMP, LIGHTNING).sd_version is None


def test_check_tells_a_blank_prompt_from_an_empty_one() -> None:
    empty = check(FormState())
    assert Problem("prompt", "Write a prompt") in empty
    assert shown_problems(empty) == []
    blank = check(FormState(prompt="  \n  "))
    assert Problem("prompt", BLANK_PROMPT) in blank
    assert shown_problems(blank) == [Problem("prompt", BLANK_PROMPT)]


def test_check_asks_for_a_seed_and_puts_the_upload_first() -> None:
    problems = check(replace(LAMP, random_seed=False, seed=""), uploading=True)
    assert problems[0] == Problem("image_upload", UPLOAD_PROBLEM)
    assert Problem("seed", "Enter a seed or tick Random") in problems
    assert check(replace(LAMP, random_seed=False, seed="5")) == []


def test_check_uses_the_loaded_elements_weights() -> None:
    loaded = [Element(ak_uuid="a", name="Glow", weight_min=0.0, weight_max=1.0)]
    state = replace(LAMP, elements=(ElementRef("a", 1.5),))
    assert [p.field for p in check(state, elements=loaded)] == ["elements"]
    assert check(replace(state, elements=(ElementRef("a", 0.5),)), elements=loaded) == []


def test_rules_of_high_resolution_and_photoreal() -> None:
    off = field_rules(replace(LAMP, alchemy=False))
    assert off.fields["high_resolution"].enabled is False
    assert off.fields["high_resolution"].tip == "Needs Alchemy"
    assert off.fields["photo_real"].enabled is False
    assert off.preset_styles == rules.preset_styles(False, False)
    assert off.default_style == "LEONARDO"
    sdxl = field_rules(replace(LAMP, model=KINO))
    assert sdxl.fields["high_resolution"].enabled is False
    assert field_rules(replace(LAMP, model=SD15)).fields["high_resolution"].enabled is True
    assert sdxl.photo_real_v2 is True
    assert field_rules(replace(LAMP, model=SD15)).photo_real_v2 is False
    on = field_rules(replace(LAMP, model=KINO, photo_real=True))
    assert on.fields["photo_real_version"].enabled is True
    assert on.default_style == "CINEMATIC"


def test_rules_of_sizes_guidance_seed_and_contrast() -> None:
    big = field_rules(replace(LAMP, width=1024, height=768)).fields["num_images"]
    assert (big.maximum, bool(big.note)) == (4, True)
    small = field_rules(replace(LAMP, width=768, height=768)).fields["num_images"]
    assert (small.maximum, small.note, small.tip) == (8, "", "1–8 images")
    guidance = field_rules(replace(LAMP, alchemy=False, scheduler="LEONARDO"))
    assert (
        guidance.fields["guidance_scale"].minimum,
        guidance.fields["guidance_scale"].maximum,
    ) == (
        1.0,
        7.0,
    )
    assert field_rules(replace(LAMP, model=FLUX)).seed_max == rules.SEED_MAX_FLUX
    assert field_rules(replace(LAMP, random_seed=False)).fields["seed"].enabled is True
    phoenix = field_rules(replace(LAMP, model=PHOENIX)).fields["contrast"]
    assert phoenix.enabled is True and "2.5" in (phoenix.tip or "")
    assert field_rules(replace(LAMP, model=KINO)).fields["contrast"].enabled is False


def test_rules_of_prompt_magic_and_raw_mode() -> None:
    assert field_rules(LAMP).fields["raw_mode"].enabled is False
    magic = field_rules(replace(LAMP, prompt_magic=True))
    assert magic.fields["raw_mode"].enabled and magic.fields["prompt_magic_version"].enabled
    v2 = field_rules(replace(LAMP, prompt_magic=True, prompt_magic_version="v2"))
    assert v2.fields["raw_mode"].tip == "RAW mode needs Prompt Magic v3"


def test_rules_of_the_model_line_and_the_prompt() -> None:
    default = field_rules(LAMP, LIGHTNING)
    assert default.model_label == "Default model (Leonardo Lightning XL)"
    assert default.model_facts.startswith("API default · ") and default.model_note == ""
    v1 = field_rules(replace(LAMP, model=KINO, photo_real=True))
    assert v1.model_note == "PhotoReal v1 runs without a model: Leonardo Kino XL is not sent"
    assert v1.model_facts == ""
    mystery = field_rules(replace(LAMP, model=ModelInfo(id="m", name="Mystery")))
    assert "cannot check" in mystery.model_note
    long = field_rules(FormState(prompt="x" * (rules.PROMPT_MAX + 3)))
    assert long.prompt_over_limit and long.prompt_length_tip.startswith("3 characters over")
    assert not long.can_improve
    assert field_rules(LAMP).prompt_length == f"17 / {rules.PROMPT_MAX}"
    assert field_rules(LAMP).output_size.startswith("Output ≈ ")


def test_a_saved_v1_form_reads_back_field_by_field() -> None:
    values = parse_state(SAVED_V1)
    state = replace(FormState(), **values)
    assert state.model is not None and state.model.id == "phoenix-id"
    assert (state.width, state.height) == (1000, 640)
    assert (state.random_seed, state.seed, state.preset_style) == (False, "4242", "CINEMATIC")
    assert state.elements == (ElementRef("ak-1", 0.75),)
    assert (state.advanced_open, state.elements_open, state.image_open) == (True, False, True)
    assert state.init_strength == 0.35
    # The aspect follows from the size (the form shows it), so it is not read back.
    assert "aspect" not in values
    same = {k: v for k, v in SAVED_V1.items() if k not in ("images", "aspect")}
    added = {"aspect": "4:3", "model": state.model.to_json(), "user_elements": {}}
    assert state.to_json() == same | added


def test_reading_keeps_what_is_missing_or_unreadable() -> None:
    values = parse_state(
        {
            "version": STATE_VERSION + 98,
            "surprise": [1, 2],
            "alchemy": "yes",
            "width": 1001,
            "height": True,
            "seed": "12a",
            "num_images": 2.5,
            "guidance_scale": 4,
            "init_strength": 0.95,
            "preset_style": "",
            "elements": {"a": "heavy", "b": 1},
            "sections": {"advanced": 1, "image": False},
        }
    )
    assert values == {
        "width": 1000,
        "guidance_scale": 4.0,
        "elements": (ElementRef("b", 1.0),),
        "image_open": False,
    }
    assert parse_state({"model": None}) == {"model": None}
    assert parse_state({"model": {"name": "no id"}}) == {}


def test_what_is_saved_reads_back_as_it_was() -> None:
    state = FormState(
        prompt="fog",
        model=FLUX,
        width=512,
        height=640,
        random_seed=False,
        seed="9",
        contrast=1.8,
        elements=(ElementRef("e", 0.6),),
        advanced_open=True,
        init_image=ImageChoice("not saved here"),
    )
    saved = json.loads(json.dumps(state.to_json()))
    assert saved["version"] == STATE_VERSION
    assert replace(FormState(), **parse_state(saved)) == replace(state, init_image=None)


@pytest.mark.parametrize("key", ["init_image", "image_prompts", "advanced_open"])
def test_the_saved_keys_are_those_of_the_saved_drafts(key: str) -> None:
    saved = FormState().to_json()
    assert key not in saved
    assert set(saved) | {"images"} == set(SAVED_V1) | {"user_elements"}
