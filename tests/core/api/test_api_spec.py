"""The client's allow-lists and bodies checked against the OpenAPI spec (failed without it)."""

from __future__ import annotations

from typing import Any

import pytest

from leodesk.core.api import (
    CanvasUploadIds,
    ControlNetRef,
    ElementRef,
    GenerationRequest,
    LcmRequest,
    MotionRequest,
    PricingRequest,
    UniversalUpscaleRequest,
    UserElementRef,
    pricing_for_generation,
)
from leodesk.core.api import serialize as ser
from leodesk.core.canvas import canvas_request
from tests.core.api.api_samples import (
    full_request,
    generation_json,
    presign_json,
    user_details_json,
)
from tests.helpers.spec import (
    SpecValidationError,
    operation_for,
    request_properties,
    resolved_request_schema,
    validate_request,
    validate_response,
)


@pytest.mark.parametrize("operation_id", sorted(ser.REQUEST_KEYS))
def test_allow_list_keys_exist_in_the_spec(operation_id: str) -> None:
    properties = set(request_properties(operation_id))
    assert set(ser.REQUEST_KEYS[operation_id]) <= properties, (
        set(ser.REQUEST_KEYS[operation_id]) - properties
    )


@pytest.mark.parametrize(("operation_id", "prop"), sorted(ser.NESTED_REQUEST_KEYS))
def test_nested_keys_exist_in_the_spec(operation_id: str, prop: str) -> None:
    items = request_properties(operation_id)[prop]["items"]
    assert set(ser.NESTED_REQUEST_KEYS[(operation_id, prop)]) <= set(items["properties"])


def test_pricing_services_and_params_match_the_spec() -> None:
    properties = request_properties("pricingCalculator")
    assert set(ser.PRICING_PARAM_KEYS) == set(properties["service"]["enum"])
    params = properties["serviceParams"]["properties"]
    for service, keys in ser.PRICING_PARAM_KEYS.items():
        assert set(keys) <= set(params[service].get("properties", {})), service


def test_extension_keys_are_really_outside_the_spec() -> None:
    # If this fails, the spec gained the key: move it into REQUEST_KEYS.
    for operation_id, keys in ser.EXTENSION_KEYS.items():
        properties = set(resolved_request_schema(operation_id)["properties"])
        assert not (set(keys) & properties)


def test_required_keys_are_always_sent() -> None:
    assert resolved_request_schema("createGeneration")["required"] == ["prompt"]
    assert resolved_request_schema("createSVDMotionGeneration")["required"] == ["imageId"]
    assert resolved_request_schema("uploadInitImage")["required"] == ["extension"]


def test_full_generation_body_validates() -> None:
    validate_request("createGeneration", ser.generation_body(full_request()))
    validate_request(
        "createGeneration", ser.generation_body(GenerationRequest(prompt="p", seed=2**40))
    )


def test_unknown_key_would_fail_validation() -> None:
    body = ser.generation_body(GenerationRequest(prompt="p", style_uuid="x"))
    with pytest.raises(SpecValidationError, match="styleUUID"):
        validate_request("createGeneration", body)


def test_other_bodies_validate() -> None:
    validate_request(
        "createSVDMotionGeneration",
        ser.motion_body(
            MotionRequest("i", is_init_image=True, is_variation=False, motion_strength=5)
        ),
    )
    validate_request("uploadInitImage", ser.init_image_body("png"))
    validate_request(
        "createVariationUpscale", ser.variation_body("createVariationUpscale", "i", None)
    )
    validate_request(
        "createVariationUnzoom", ser.variation_body("createVariationUnzoom", "i", False)
    )
    validate_request("createVariationNoBG", ser.variation_body("createVariationNoBG", "i", True))
    validate_request(
        "CreateUniversalUpscalerJob",
        ser.universal_upscale_body(
            UniversalUpscaleRequest(
                init_image_id="i",
                upscale_multiplier=2.0,
                upscaler_style="CINEMATIC",
                creativity_strength=3,
                prompt="p",
            )
        ),
    )
    validate_request("promptImprove", ser.improve_prompt_body("p", "i", False))
    req = GenerationRequest(
        prompt="p",
        photo_real=True,
        photo_real_strength=0.5,
        photo_real_version="v2",
        prompt_magic=True,
        prompt_magic_strength=0.5,
        prompt_magic_version="v3",
        elements=(ElementRef("a"),),
        user_elements=(UserElementRef(1),),
        controlnets=(ControlNetRef("c", "UPLOADED", 1),),
        ultra=False,
    )
    validate_request("pricingCalculator", ser.pricing_body(pricing_for_generation(req)))
    validate_request(
        "pricingCalculator",
        ser.pricing_body(
            PricingRequest(
                "UNIVERSAL_UPSCALER_ULTRA",
                {"inputWidth": 1024, "inputHeight": 768, "upscaleMultiplier": 1.5},
            )
        ),
    )


def test_sample_payloads_match_the_response_schemas() -> None:
    # The unit tests' sample replies are realistic: they validate against the spec, with null
    # only where the spec allows it.
    validate_response(
        "getGenerationById", {"generations_by_pk": generation_json()}, allow_nulls=False
    )
    validate_response("getUserSelf", {"user_details": [user_details_json()]}, allow_nulls=False)
    validate_response("uploadInitImage", presign_json(), allow_nulls=False)


# ----------------------------------------------------------------------------- canvas and LCM


def _lcm_request(**kw: Any) -> LcmRequest:
    values: dict[str, Any] = {
        "image_data_url": "data:image/jpeg;base64,/9j/4AAQ",
        "prompt": "p",
        "guidance": 0.5,
        "strength": 1.0,
        "steps": 16,
        "style": "ANIME",
        "width": 1024,
        "height": 640,
        "seed": 9_999_999_998,
        "request_timestamp": "1700000000000",
        "mask_data_url": "data:image/jpeg;base64,/9j/4AAQ",
        "refine_creative": False,
        "refine_strength": 0.9,
    }
    values.update(kw)
    return LcmRequest(**values)


@pytest.mark.parametrize("operation_id", sorted(ser.LCM_OPERATIONS))
def test_lcm_bodies_validate_and_carry_every_key_of_their_operation(operation_id: str) -> None:
    path, _ = ser.LCM_OPERATIONS[operation_id]
    assert operation_for("POST", path) == operation_id
    body = ser.lcm_body(operation_id, _lcm_request())
    validate_request(operation_id, body)
    # every key the spec lists for the operation is one the client can send, and sends here
    assert set(body) == set(request_properties(operation_id)) == ser.REQUEST_KEYS[operation_id]
    required = set(resolved_request_schema(operation_id)["required"])
    minimal = ser.lcm_body(
        operation_id,
        LcmRequest("data:image/jpeg;base64,/9j/", "p", mask_data_url="data:image/png;base64,iV"),
    )
    assert required <= set(minimal)
    validate_request(operation_id, minimal)


def test_lcm_styles_are_the_spec_enum() -> None:
    styles = request_properties("createLCMGeneration")["style"]["enum"]
    assert set(ser.LCM_STYLES) == set(styles)


def test_canvas_upload_body_validates() -> None:
    body = ser.canvas_init_body(".PNG", "jpeg")
    assert body == {"initExtension": "png", "maskExtension": "jpeg"}
    validate_request("uploadCanvasInitImage", body)
    assert set(resolved_request_schema("uploadCanvasInitImage")["required"]) == set(body)


@pytest.mark.parametrize("mode", ["INPAINT", "OUTPAINT", "SKETCH2IMG", "IMG2IMG"])
def test_canvas_generation_bodies_validate(mode: str) -> None:
    form = full_request()
    req = canvas_request(form, mode, CanvasUploadIds("init-1", "mask-1"), "img-9", size=(768, 512))
    body = ser.generation_body(req)
    validate_request("createGeneration", body)
    assert body["canvasRequest"] is True and body["canvasRequestType"] == mode
    assert (body["canvasInitId"], body["canvasMaskId"]) == ("init-1", "mask-1")
    assert (body["width"], body["height"]) == (768, 512)
    assert "made_from" not in body and "init_image_id" not in body
    assert ("init_strength" in body) == (mode in ("SKETCH2IMG", "IMG2IMG"))
    enum = request_properties("createGeneration")["canvasRequestType"]["enum"]
    assert mode in enum


def test_made_from_is_never_sent() -> None:
    body = ser.generation_body(GenerationRequest(prompt="p", made_from="img-1"))
    assert body == {"prompt": "p", "public": False}


def test_lcm_sample_answer_matches_the_spec() -> None:
    sample = {
        "lcmGenerationJob": {
            "imageDataUrl": ["data:image/jpeg;base64,/9j/4AAQ"],
            "requestTimestamp": "1234567890",
            "apiCreditCost": None,
            "cost": {"amount": "0.0147", "unit": "DOLLARS"},
        }
    }
    for operation_id in ser.LCM_OPERATIONS:
        validate_response(operation_id, sample)
