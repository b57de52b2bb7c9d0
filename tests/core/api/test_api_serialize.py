"""Request serialisation: exact key names, only set keys, public false, type checks."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from leodesk.core.api import (
    ElementRef,
    GenerationRequest,
    ModelTraits,
    MotionRequest,
    PricingRequest,
    UniversalUpscaleRequest,
    UserElementRef,
    pricing_for_generation,
)
from leodesk.core.api import serialize as ser
from tests.core.api.api_samples import full_request


def test_minimal_request_sends_prompt_and_public_false_only() -> None:
    assert ser.generation_body(GenerationRequest(prompt="cat")) == {
        "prompt": "cat",
        "public": False,
    }


def test_full_request_uses_exact_api_key_names() -> None:
    body = ser.generation_body(full_request())
    assert body == {
        "prompt": "a lighthouse at dusk",
        "negative_prompt": "blurry",
        "modelId": "b24e16ff-06e3-43eb-8d33-4416c2d75876",
        "sd_version": "SDXL_1_0",
        "width": 1024,
        "height": 768,
        "num_images": 2,
        "guidance_scale": 7.5,
        "num_inference_steps": 30,
        "seed": 9_999_999_998,
        "scheduler": "EULER_DISCRETE",
        "presetStyle": "DYNAMIC",
        "alchemy": False,
        "contrastRatio": 0.5,
        "contrast": 3.5,
        "expandedDomain": True,
        "highResolution": True,
        "fantasyAvatar": False,
        "highContrast": False,
        "photoReal": True,
        "photoRealVersion": "v2",
        "photoRealStrength": 0.45,
        "promptMagic": True,
        "promptMagicStrength": 0.5,
        "promptMagicVersion": "v3",
        "init_image_id": "4d3c2b1a-0f9e-4d7c-8b5a-493827160544",
        "init_generation_image_id": "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "init_strength": 0.4,
        "imagePrompts": ["img-1", "img-2"],
        "imagePromptWeight": 0.3,
        "controlnets": [
            {
                "initImageId": "init-1",
                "initImageType": "UPLOADED",
                "preprocessorId": 67,
                "weight": 0.9,
                "strengthType": "High",
            },
            {"initImageId": "gen-1", "initImageType": "GENERATED", "preprocessorId": 133},
        ],
        "elements": [{"akUUID": "ak-1", "weight": 0.8}, {"akUUID": "ak-2"}],
        "userElements": [{"userLoraId": 12, "weight": 1.0}],
        "tiling": True,
        "transparency": "foreground_only",
        "ultra": False,
        "unzoom": True,
        "unzoomAmount": 0.2,
        "upscaleRatio": 1.5,
        "enhancePrompt": True,
        "enhancePromptInstruction": "more moody",
        "canvasRequest": True,
        "canvasRequestType": "INPAINT",
        "canvasInitId": "canvas-init",
        "canvasMaskId": "canvas-mask",
        "public": False,
    }


def test_false_and_zero_are_sent_but_none_is_not() -> None:
    body = ser.generation_body(GenerationRequest(prompt="p", alchemy=False, seed=0, tiling=None))
    assert body == {"prompt": "p", "alchemy": False, "seed": 0, "public": False}


def test_every_request_field_is_mapped_to_an_api_key() -> None:
    mapped = {attr for attr, _, _ in ser._GENERATION_FIELDS}
    every = {f.name for f in dataclasses.fields(GenerationRequest)}
    assert mapped == every - ser.LOCAL_ONLY_FIELDS
    assert every >= ser.LOCAL_ONLY_FIELDS
    keys = [key for _, key, _ in ser._GENERATION_FIELDS]
    assert len(keys) == len(set(keys))


def test_seed_beyond_int32_survives_json() -> None:
    seed = 9_999_999_998
    text = json.dumps(ser.generation_body(GenerationRequest(prompt="p", seed=seed)))
    assert '"seed": 9999999998' in text
    assert json.loads(text)["seed"] == seed


def test_style_uuid_is_sent_only_when_set() -> None:
    assert "styleUUID" not in ser.generation_body(GenerationRequest(prompt="p"))
    body = ser.generation_body(GenerationRequest(prompt="p", style_uuid="111dc692"))
    assert body["styleUUID"] == "111dc692"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("alchemy", "true"),
        ("alchemy", 1),
        ("seed", True),
        ("seed", "123"),
        ("seed", 1.5),
        ("width", 1024.0),
        ("guidance_scale", "7"),
        ("guidance_scale", True),
        ("negative_prompt", 3),
        ("image_prompts", "img-1"),
        ("elements", ({"akUUID": "x"},)),
        ("user_elements", (ElementRef("x"),)),
        ("controlnets", ("x",)),
    ],
)
def test_wrong_python_types_are_refused_before_sending(field: str, value: Any) -> None:
    with pytest.raises(TypeError):
        ser.generation_body(GenerationRequest(prompt="p", **{field: value}))


def test_empty_prompt_is_refused() -> None:
    with pytest.raises(ValueError):
        ser.generation_body(GenerationRequest(prompt="  "))


def test_check_body_refuses_unknown_keys() -> None:
    with pytest.raises(ValueError, match="sd_Version"):
        ser.check_body("createGeneration", {"prompt": "p", "sd_Version": "v2"})
    with pytest.raises(ValueError, match="colour"):
        ser.check_body(
            "createGeneration", {"prompt": "p", "elements": [{"akUUID": "a", "colour": 1}]}
        )
    with pytest.raises(ValueError):
        ser.check_body("noSuchOperation", {})
    with pytest.raises(ValueError):
        ser.check_body(
            "pricingCalculator",
            {"service": "IMAGE_GENERATION", "serviceParams": {"IMAGE_GENERATION": {"bogus": 1}}},
        )


def test_motion_body_always_private() -> None:
    assert ser.motion_body(MotionRequest("img")) == {"imageId": "img", "isPublic": False}
    body = ser.motion_body(
        MotionRequest("img", is_init_image=True, is_variation=False, motion_strength=5)
    )
    assert body == {
        "imageId": "img",
        "isInitImage": True,
        "isVariation": False,
        "motionStrength": 5,
        "isPublic": False,
    }


def test_variation_bodies() -> None:
    assert ser.variation_body("createVariationUpscale", "img", None) == {"id": "img"}
    assert ser.variation_body("createVariationNoBG", "img", True) == {
        "id": "img",
        "isVariation": True,
    }
    with pytest.raises(ValueError):
        ser.variation_body("createVariationUpscale", "img", True)  # upscale has no isVariation


def test_universal_upscale_body_and_rules() -> None:
    body = ser.universal_upscale_body(
        UniversalUpscaleRequest(
            generated_image_id="img",
            upscale_multiplier=1.5,
            upscaler_style="2D ART & ILLUSTRATION",
            creativity_strength=5,
            prompt="sharper",
        )
    )
    assert body == {
        "generatedImageId": "img",
        "upscaleMultiplier": 1.5,
        "upscalerStyle": "2D ART & ILLUSTRATION",
        "creativityStrength": 5,
        "prompt": "sharper",
    }
    ultra = ser.universal_upscale_body(
        UniversalUpscaleRequest(
            variation_id="v", ultra_upscale_style="REALISTIC", similarity=3, detail_contrast=7
        )
    )
    assert ultra == {
        "variationId": "v",
        "ultraUpscaleStyle": "REALISTIC",
        "similarity": 3,
        "detailContrast": 7,
    }
    with pytest.raises(ValueError):
        UniversalUpscaleRequest()
    with pytest.raises(ValueError):
        UniversalUpscaleRequest(generated_image_id="a", init_image_id="b")
    with pytest.raises(ValueError):
        UniversalUpscaleRequest(
            init_image_id="a", upscaler_style="GENERAL", ultra_upscale_style="ARTISTIC"
        )


@pytest.mark.parametrize(("given", "sent"), [("png", "png"), (".JPG", "jpg"), ("webp", "webp")])
def test_init_image_extension_is_normalised(given: str, sent: str) -> None:
    assert ser.init_image_body(given) == {"extension": sent}


@pytest.mark.parametrize("bad", ["gif", "", "png;x", "tiff"])
def test_init_image_extension_is_checked(bad: str) -> None:
    with pytest.raises(ValueError):
        ser.init_image_body(bad)


def test_improve_prompt_body() -> None:
    assert ser.improve_prompt_body("cat") == {"prompt": "cat"}
    assert ser.improve_prompt_body("cat", "noir", True) == {
        "prompt": "cat",
        "promptInstructions": "noir",
        "isVideo": True,
    }


def test_pricing_body_nests_params_under_the_service() -> None:
    body = ser.pricing_body(PricingRequest("UNIVERSAL_UPSCALER", {"megapixel": 4}))
    assert body == {
        "service": "UNIVERSAL_UPSCALER",
        "serviceParams": {"UNIVERSAL_UPSCALER": {"megapixel": 4}},
    }
    with pytest.raises(ValueError):
        ser.pricing_body(PricingRequest("FREE_LUNCH", {}))


def test_pricing_for_generation_uses_spec_defaults() -> None:
    pricing = pricing_for_generation(GenerationRequest(prompt="p"))
    assert pricing.service == "IMAGE_GENERATION"
    assert dict(pricing.params) == {
        "imageWidth": 1024,
        "imageHeight": 768,
        "numImages": 4,
        "inferenceSteps": 15,
        "alchemyMode": True,
        "highResolution": False,
    }


def test_pricing_for_generation_copies_features_and_model_flags() -> None:
    req = GenerationRequest(
        prompt="p",
        width=512,
        height=512,
        num_images=8,
        num_inference_steps=40,
        alchemy=False,
        photo_real=True,
        photo_real_strength=0.5,
        photo_real_version="v2",
        prompt_magic=True,
        prompt_magic_strength=0.4,
        prompt_magic_version="v3",
        ultra=True,
        elements=(ElementRef("a"), ElementRef("b")),
        user_elements=(UserElementRef(3),),
        sd_version="PHOENIX",
    )
    params = dict(pricing_for_generation(req).params)
    assert params == {
        "imageWidth": 512,
        "imageHeight": 512,
        "numImages": 8,
        "inferenceSteps": 40,
        "alchemyMode": False,
        "highResolution": False,
        "photoRealMode": True,
        "photoRealStrength": 0.5,
        "photoRealVersion": "v2",
        "promptMagic": True,
        "promptMagicStrength": 0.4,
        "promptMagicVersion": "v3",
        "isUltra": True,
        "loraCount": 3,
        "isPhoenix": True,
    }
    custom = dict(
        pricing_for_generation(
            GenerationRequest(prompt="p"), model=ModelTraits(is_custom=True, is_flux_dev=True)
        ).params
    )
    assert custom["isModelCustom"] is True and custom["isFluxDev"] is True
    assert "isPhoenix" not in custom
    ser.check_body("pricingCalculator", ser.pricing_body(pricing_for_generation(req)))


@pytest.mark.parametrize(
    ("version", "flag"),
    [
        ("SDXL_1_0", "is_sdxl"),
        ("SDXL_LIGHTNING", "is_sdxl_lightning"),
        ("PHOENIX", "is_phoenix"),
        ("FLUX", "is_flux_schnell"),
        ("FLUX_DEV", "is_flux_dev"),
    ],
)
def test_model_traits_from_sd_version(version: str, flag: str) -> None:
    traits = ModelTraits.from_sd_version(version)
    set_flags = {f.name for f in dataclasses.fields(traits) if getattr(traits, f.name)}
    assert set_flags == {flag}
    assert ModelTraits.from_sd_version("SOMETHING_NEW") == ModelTraits()
