"""The client's allow-lists and bodies checked against the OpenAPI spec (skipped without it)."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from leodesk.core.api import (
    ControlNetRef,
    ElementRef,
    GenerationRequest,
    MotionRequest,
    PricingRequest,
    UniversalUpscaleRequest,
    UserElementRef,
    pricing_for_generation,
)
from leodesk.core.api import serialize as ser
from tests.core.api.api_samples import (
    full_request,
    generation_json,
    presign_json,
    user_details_json,
)
from tests.core.api.spec_tools import request_schema, response_schema, validate_request


@pytest.mark.parametrize("operation_id", sorted(ser.REQUEST_KEYS))
def test_allow_list_keys_exist_in_the_spec(spec: dict[str, Any], operation_id: str) -> None:
    properties = set(request_schema(spec, operation_id).get("properties", {}))
    assert set(ser.REQUEST_KEYS[operation_id]) <= properties, (
        set(ser.REQUEST_KEYS[operation_id]) - properties
    )


@pytest.mark.parametrize(("operation_id", "prop"), sorted(ser.NESTED_REQUEST_KEYS))
def test_nested_keys_exist_in_the_spec(spec: dict[str, Any], operation_id: str, prop: str) -> None:
    items = request_schema(spec, operation_id)["properties"][prop]["items"]
    assert set(ser.NESTED_REQUEST_KEYS[(operation_id, prop)]) <= set(items["properties"])


def test_pricing_services_and_params_match_the_spec(spec: dict[str, Any]) -> None:
    schema = request_schema(spec, "pricingCalculator")
    assert set(ser.PRICING_PARAM_KEYS) == set(schema["properties"]["service"]["enum"])
    params = schema["properties"]["serviceParams"]["properties"]
    for service, keys in ser.PRICING_PARAM_KEYS.items():
        assert set(keys) <= set(params[service].get("properties", {})), service


def test_extension_keys_are_really_outside_the_spec(spec: dict[str, Any]) -> None:
    # If this fails, the spec gained the key: move it into REQUEST_KEYS.
    for operation_id, keys in ser.EXTENSION_KEYS.items():
        properties = set(request_schema(spec, operation_id)["properties"])
        assert not (set(keys) & properties)


def test_required_keys_are_always_sent(spec: dict[str, Any]) -> None:
    assert request_schema(spec, "createGeneration")["required"] == ["prompt"]
    assert request_schema(spec, "createSVDMotionGeneration")["required"] == ["imageId"]
    assert request_schema(spec, "uploadInitImage")["required"] == ["extension"]


def test_full_generation_body_validates(spec: dict[str, Any]) -> None:
    validate_request(spec, "createGeneration", ser.generation_body(full_request()))
    validate_request(
        spec, "createGeneration", ser.generation_body(GenerationRequest(prompt="p", seed=2**40))
    )


def test_unknown_key_would_fail_validation(spec: dict[str, Any]) -> None:
    body = ser.generation_body(GenerationRequest(prompt="p", style_uuid="x"))
    with pytest.raises(Exception, match="styleUUID"):
        validate_request(spec, "createGeneration", body)


def test_other_bodies_validate(spec: dict[str, Any]) -> None:
    validate_request(
        spec,
        "createSVDMotionGeneration",
        ser.motion_body(
            MotionRequest("i", is_init_image=True, is_variation=False, motion_strength=5)
        ),
    )
    validate_request(spec, "uploadInitImage", ser.init_image_body("png"))
    validate_request(
        spec, "createVariationUpscale", ser.variation_body("createVariationUpscale", "i", None)
    )
    validate_request(
        spec, "createVariationUnzoom", ser.variation_body("createVariationUnzoom", "i", False)
    )
    validate_request(
        spec, "createVariationNoBG", ser.variation_body("createVariationNoBG", "i", True)
    )
    validate_request(
        spec,
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
    validate_request(spec, "promptImprove", ser.improve_prompt_body("p", "i", False))
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
    validate_request(spec, "pricingCalculator", ser.pricing_body(pricing_for_generation(req)))
    validate_request(
        spec,
        "pricingCalculator",
        ser.pricing_body(
            PricingRequest(
                "UNIVERSAL_UPSCALER_ULTRA",
                {"inputWidth": 1024, "inputHeight": 768, "upscaleMultiplier": 1.5},
            )
        ),
    )


def test_sample_payloads_match_the_response_schemas(spec: dict[str, Any]) -> None:
    # The unit tests' sample replies are realistic: they validate against the spec.
    OAS30Validator(response_schema(spec, "getGenerationById")).validate(
        {"generations_by_pk": generation_json()}
    )
    OAS30Validator(response_schema(spec, "getUserSelf")).validate(
        {"user_details": [user_details_json()]}
    )
    OAS30Validator(response_schema(spec, "uploadInitImage")).validate(presign_json())
