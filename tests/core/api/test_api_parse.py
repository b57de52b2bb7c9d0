"""Lenient response parsing: nulls, missing and unknown keys, odd types, odd list items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from leodesk.core.api import ProtocolError, UserInfo, parse_timestamp
from leodesk.core.api import parse as p
from tests.core.api.api_samples import (
    GEN_ID,
    IMAGE_ID,
    USER_ID,
    VARIATION_ID,
    generation_json,
    presign_json,
    user_details_json,
)


def test_complete_generation() -> None:
    gen = p.parse_generation(generation_json())
    assert gen.id == GEN_ID
    assert gen.status == "COMPLETE" and gen.is_complete and gen.is_terminal
    assert gen.prompt == "a lighthouse at dusk"
    assert gen.negative_prompt == "blurry"
    assert gen.image_width == 1024 and gen.image_height == 768
    assert gen.seed == 9_999_999_998
    assert gen.guidance_scale == 7.0 and isinstance(gen.guidance_scale, float)
    assert gen.inference_steps == 30
    assert gen.sd_version == "SDXL_1_0"
    assert gen.public is False
    assert gen.created_at == "2025-06-15T15:06:40.123"
    assert gen.created_at_datetime == datetime(2025, 6, 15, 15, 6, 40, 123000, tzinfo=UTC)
    (image,) = gen.images
    assert image.id == IMAGE_ID and image.nsfw is False and image.like_count == 0
    assert image.motion_mp4_url is None
    (variation,) = image.variations
    assert variation.id == VARIATION_ID and variation.transform_type == "UPSCALE"
    (element,) = gen.elements
    assert element.id == 77 and element.weight_applied == 0.8
    assert element.lora is not None and element.lora.weight_min == -1.0
    assert gen.extra == {}


def test_nulls_everywhere_become_none() -> None:
    data = {key: None for key in generation_json()}
    gen = p.parse_generation(data)
    assert gen.id is None and gen.status is None and gen.seed is None
    assert gen.images == () and gen.elements == ()
    assert gen.created_at_datetime is None
    assert not gen.is_terminal
    assert gen.extra == {}


def test_missing_fields_and_empty_object() -> None:
    gen = p.parse_generation({})
    assert gen.id is None and gen.images == ()


def test_unknown_keys_are_kept_in_extra() -> None:
    gen = p.parse_generation(
        generation_json(
            motionVideoModel="KLING",
            generated_images=[{"id": IMAGE_ID, "url": "u", "nsfw": True, "blurHash": "LKO2"}],
        )
    )
    assert gen.extra == {"motionVideoModel": "KLING"}
    assert gen.images[0].extra == {"blurHash": "LKO2"}


def test_unknown_enum_values_are_kept_as_strings() -> None:
    gen = p.parse_generation(
        generation_json(status="QUEUED_V2", sdVersion="FLUX_9", scheduler="NEW_ONE")
    )
    assert (gen.status, gen.sd_version, gen.scheduler) == ("QUEUED_V2", "FLUX_9", "NEW_ONE")
    assert not gen.is_terminal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9999999998", 9_999_999_998),
        (" 42 ", 42),
        (123456789012345678, 123456789012345678),
        ("123456789012345678", 123456789012345678),
        (42.0, 42),
        ("42.0", 42),
        (42.5, None),
        ("lots", None),
        (True, None),
        ([1], None),
        (None, None),
    ],
)
def test_seeds_become_python_ints(raw: Any, expected: int | None) -> None:
    assert p.parse_generation({"seed": raw}).seed == expected


def test_wrong_types_become_none() -> None:
    gen = p.parse_generation(
        {
            "id": 5,
            "prompt": ["x"],
            "imageWidth": "wide",
            "public": "false",
            "guidanceScale": "7.5",
            "generated_images": "none",
            "generation_elements": {"id": 1},
        }
    )
    assert gen.id is None and gen.prompt is None and gen.image_width is None
    assert gen.public is None
    assert gen.guidance_scale == 7.5  # Hasura numerics may arrive as strings
    assert gen.images == () and gen.elements == ()


def test_one_odd_item_does_not_fail_the_list() -> None:
    items: list[Any] = [
        generation_json(),
        "garbage",
        None,
        42,
        {"id": "x", "status": "SOMETHING_NEW", "seed": "7", "generated_images": [None, {}]},
        generation_json(id="b"),
    ]
    gens = p.parse_list(items, p.parse_generation)
    assert [g.id for g in gens] == [GEN_ID, "x", "b"]
    assert gens[1].seed == 7 and len(gens[1].images) == 1


def test_parse_list_of_non_list_is_empty() -> None:
    assert p.parse_list(None, p.parse_generation) == []
    assert p.parse_list({"a": 1}, p.parse_generation) == []


def test_user_info_and_credit_sum() -> None:
    info = p.parse_user_info(user_details_json())
    assert info.user_id == USER_ID and info.username == "artist"
    assert info.api_subscription_tokens == 3500 and info.api_paid_tokens == 250
    assert info.api_credits == 3750
    assert info.api_concurrency_slots == 10
    assert info.api_plan_token_renewal_date == "2025-07-01T00:00:00"
    assert info.subscription_tokens == 150
    assert info.extra == {}


@pytest.mark.parametrize(
    ("subscription", "paid", "total"),
    [(100, None, 100), (None, 5, 5), (None, None, None), (10, -25, -15), (0, 0, 0)],
)
def test_api_credits_is_none_safe(
    subscription: int | None, paid: int | None, total: int | None
) -> None:
    assert UserInfo(api_subscription_tokens=subscription, api_paid_tokens=paid).api_credits == total


def test_user_info_keeps_unknown_keys_including_inside_user() -> None:
    info = p.parse_user_info(user_details_json(user={"id": USER_ID, "plan": "pro"}, newField=1))
    assert info.extra == {"newField": 1, "user": {"plan": "pro"}}
    assert p.parse_user_info({"user": None}).user_id is None


def test_platform_model_thumbnail_and_unspecified_fields() -> None:
    model = p.parse_platform_model(
        {
            "id": "m1",
            "name": "Phoenix",
            "description": "d",
            "nsfw": False,
            "featured": True,
            "generated_image": {"id": "t1", "url": "https://cdn.test/t.jpg"},
            "sdVersion": "PHOENIX",
            "modelWidth": 1024,
            "modelHeight": 1024,
            "brandNew": {"x": 1},
        }
    )
    assert (model.thumbnail_id, model.thumbnail_url) == ("t1", "https://cdn.test/t.jpg")
    assert model.sd_version == "PHOENIX" and model.model_width == 1024
    assert model.extra == {"brandNew": {"x": 1}}
    bare = p.parse_platform_model({"id": "m2", "generated_image": None})
    assert bare.thumbnail_url is None and bare.extra == {}
    odd = p.parse_platform_model({"generated_image": "nope"})
    assert odd.extra == {"generated_image": "nope"}


def test_elements_and_user_elements() -> None:
    element = p.parse_element(
        {
            "akUUID": "ak",
            "name": "n",
            "baseModel": "SDXL_1_0",
            "weightDefault": 0.75,
            "weightMin": -1,
            "weightMax": "2",
            "__typename": "loras",
        }
    )
    assert element.ak_uuid == "ak" and element.weight_default == 0.75
    assert element.weight_max == 2.0
    assert element.extra == {"__typename": "loras"}
    user_element = p.parse_user_element(
        {"id": "12", "name": "mine", "learningRate": 0.0001, "trainTextEncoder": True}
    )
    assert user_element.id == 12 and user_element.learning_rate == 0.0001


def test_custom_model() -> None:
    model = p.parse_custom_model(
        {"id": "c", "modelWidth": 512, "modelHeight": 512, "type": "NEW_TYPE", "status": "COMPLETE"}
    )
    assert model.type == "NEW_TYPE" and model.model_height == 512


def test_presign_fields_are_decoded_from_their_json_string() -> None:
    upload = p.parse_init_image_upload(presign_json()["uploadInitImage"])
    assert upload.fields is not None
    assert next(iter(upload.fields)) == "Content-Type"
    assert upload.fields["X-Amz-Signature"] == "abcdef0123456789"
    assert "Signature" not in repr(upload) and "Policy" not in repr(upload)


@pytest.mark.parametrize("fields", ["{not json", '["a"]', '{"a": {"b": 1}}', 7, None])
def test_unusable_presign_fields_become_none(fields: Any) -> None:
    assert p.parse_init_image_upload({"id": "i", "fields": fields}).fields is None


def test_presign_fields_already_an_object_are_accepted() -> None:
    upload = p.parse_init_image_upload({"fields": {"key": "k", "n": 5}})
    assert upload.fields == {"key": "k", "n": "5"}


def test_jobs_need_their_id() -> None:
    job = p.parse_generation_job(
        {"generationId": "g", "apiCreditCost": None, "cost": {"amount": "0.01", "unit": "CREDITS"}},
        operation="createGeneration",
    )
    assert job.generation_id == "g" and job.api_credit_cost is None
    assert job.cost is not None and job.cost.unit == "CREDITS"
    assert str(job.cost.amount_decimal) == "0.01"
    for bad in (None, {}, {"generationId": None}, {"generationId": ""}, "g"):
        with pytest.raises(ProtocolError):
            p.parse_generation_job(bad, operation="createGeneration")
    with pytest.raises(ProtocolError):
        p.parse_variation_job({"apiCreditCost": 5}, operation="createVariationUpscale")
    assert p.parse_variation_job({"id": "v", "cost": None}, operation="x").cost is None


def test_cost_amount_as_number_is_kept_as_text() -> None:
    cost = p.parse_cost({"amount": 0.5, "unit": "DOLLARS", "currency": "USD"})
    assert cost is not None and cost.amount == "0.5" and cost.extra == {"currency": "USD"}
    assert p.parse_cost({"amount": "n/a"}) is not None
    assert p.parse_cost({"amount": "n/a"}).amount_decimal is None  # type: ignore[union-attr]
    assert p.parse_cost("x") is None


def test_top_level_prefers_a_non_null_alias() -> None:
    body = {"sdUpscaleJob": None, "sdUpscalerjob": {"id": "v"}}
    assert p.top_level(body, "sdUpscaleJob", "sdUpscalerjob", operation="o") == {"id": "v"}
    assert p.top_level({"sdUpscaleJob": None}, "sdUpscaleJob", operation="o") is None
    with pytest.raises(ProtocolError):
        p.top_level({"other": 1}, "sdUpscaleJob", operation="o")
    with pytest.raises(ProtocolError):
        p.top_level([1, 2], "sdUpscaleJob", operation="o")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-15T15:06:40.123", datetime(2025, 6, 15, 15, 6, 40, 123000, tzinfo=UTC)),
        ("2025-06-15T15:06:40.123Z", datetime(2025, 6, 15, 15, 6, 40, 123000, tzinfo=UTC)),
        (
            "2025-06-15T15:06:40.123456789+00:00",
            datetime(2025, 6, 15, 15, 6, 40, 123456, tzinfo=UTC),
        ),
        ("2025-06-15T17:06:40+02:00", datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),
        ("2025-06-15 15:06:40", datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(text: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected
