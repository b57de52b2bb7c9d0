"""Lenient JSON → dataclass parsing of Leonardo API replies.

Rules (see NOTES §5 and §14): every field is optional and becomes ``None`` when missing, null or
of the wrong type; enums stay plain strings; unknown keys go to ``extra``; seeds become Python ints
even when they arrive as strings; lists are parsed item by item and only items that are not
objects are skipped. Only a reply that lacks what the operation is for (a job id, the top-level
key) is an error: :class:`~leodesk.core.api.errors.ProtocolError`.

Ids (generations, images, variations, init images, models, elements, users) become keys in the
library and parts of file names and URL paths, so they are checked where they enter: an id is
1-128 characters of ASCII letters, digits, ``-``, ``_`` and single dots inside (the API sends
UUIDs). Anything else (a path separator, ``..``, a control character, an absurd length) makes
the whole reply a ProtocolError rather than a value anything downstream could trust.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from leodesk.core.ids import is_valid_id as is_valid_id

from .dataurl import DataUrlError, decode_data_url, sniff_image_ext
from .errors import ProtocolError
from .models import (
    Cost,
    CustomModel,
    Element,
    GeneratedImage,
    Generation,
    GenerationElement,
    GenerationJob,
    InitImage,
    InitImageUpload,
    LcmResult,
    PlatformModel,
    PromptResult,
    UserElement,
    UserInfo,
    Variation,
    VariationJob,
)

__all__ = [
    "as_bool",
    "as_float",
    "as_int",
    "as_str",
    "check_id",
    "is_valid_id",
    "parse_canvas_upload",
    "parse_cost",
    "parse_custom_model",
    "parse_element",
    "parse_generated_image",
    "parse_generation",
    "parse_generation_element",
    "parse_generation_job",
    "parse_init_image",
    "parse_init_image_upload",
    "parse_lcm_result",
    "parse_list",
    "parse_platform_model",
    "parse_prompt_result",
    "parse_user_element",
    "parse_user_info",
    "parse_variation",
    "parse_variation_job",
    "top_level",
]

T = TypeVar("T")
Converter = Callable[[Any], Any]


# ---------------------------------------------------------------------------- scalar converters


def as_str(value: Any) -> str | None:
    """A string, or None."""
    return value if isinstance(value, str) else None


def as_bool(value: Any) -> bool | None:
    """A real JSON boolean, or None."""
    return value if isinstance(value, bool) else None


def as_int(value: Any) -> int | None:
    """An int from an int, an integral float or a decimal string (seeds, bigints), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if math.isfinite(number) and number.is_integer() else None
    return None


def as_float(value: Any) -> float | None:
    """A float from a number or a numeric string (Hasura ``numeric``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _as_amount(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _shown(value: str) -> str:
    """``value`` for a message: control characters escaped, cut to a readable length."""
    text = value.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 60 else text[:57] + "..."


def check_id(value: str, what: str = "id") -> str:
    """``value`` if it is a valid id, else :class:`ProtocolError` naming ``what``."""
    if not is_valid_id(value):
        raise ProtocolError(
            f"Leonardo's reply held a {what} leodesk cannot use safely, so it was not used. "
            "Try again; if it keeps happening, the service may be misbehaving.",
            server_message=f"invalid {what}: {_shown(str(value))!r}",
        )
    return value


def _id_of(what: str) -> Converter:
    """A converter for an id field: None when missing, null or not a string (like
    :func:`as_str`), ProtocolError when it is a string that is not a valid id."""

    def convert(value: Any) -> str | None:
        if not isinstance(value, str) or value == "":
            return None
        return check_id(value, what)

    return convert


_GENERATION_ID = _id_of("generation id")
_IMAGE_ID = _id_of("image id")
_VARIATION_ID = _id_of("variation id")
_MODEL_ID = _id_of("model id")
_INIT_IMAGE_ID = _id_of("init image id")
_ELEMENT_ID = _id_of("element id")
_USER_ID = _id_of("user id")


# ---------------------------------------------------------------------------- generic helpers


def _build(
    cls: Callable[..., T],
    data: Mapping[str, Any],
    spec: Mapping[str, tuple[str, Converter]],
    **fixed: Any,
) -> T:
    """Build ``cls`` from ``data``: ``spec`` maps JSON key → (attribute, converter)."""
    kwargs: dict[str, Any] = dict(fixed)
    extra: dict[str, Any] = {}
    for key, value in data.items():
        target = spec.get(key)
        if target is None:
            extra[key] = value
            continue
        attr, convert = target
        kwargs[attr] = convert(value)
    kwargs["extra"] = extra
    return cls(**kwargs)


def parse_list(value: Any, parse_item: Callable[[Mapping[str, Any]], T]) -> list[T]:
    """Parse a JSON array item by item; items that are not objects are skipped."""
    if not isinstance(value, list):
        return []
    return [parse_item(item) for item in value if isinstance(item, Mapping)]


def _obj(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def top_level(body: Any, *keys: str, operation: str) -> Any:
    """The value of the first of ``keys`` that is present and not null in ``body``.

    None if the keys are present but null; ProtocolError if none is present at all.
    """
    if not isinstance(body, Mapping):
        raise ProtocolError(server_message=f"{operation}: the reply is not a JSON object")
    present = [key for key in keys if key in body]
    for key in present:
        if body[key] is not None:
            return body[key]
    if present:
        return None
    raise ProtocolError(server_message=f"{operation}: the reply has no {' or '.join(keys)}")


# ---------------------------------------------------------------------------- objects


_COST: Mapping[str, tuple[str, Converter]] = {
    "amount": ("amount", _as_amount),
    "unit": ("unit", as_str),
}


def parse_cost(value: Any) -> Cost | None:
    """``cost: {amount, unit}`` or None."""
    data = _obj(value)
    return _build(Cost, data, _COST) if data is not None else None


_USER: Mapping[str, tuple[str, Converter]] = {
    "username": ("username", as_str),
    "apiSubscriptionTokens": ("api_subscription_tokens", as_int),
    "apiPaidTokens": ("api_paid_tokens", as_int),
    "apiConcurrencySlots": ("api_concurrency_slots", as_int),
    "tokenRenewalDate": ("token_renewal_date", as_str),
    "apiPlanTokenRenewalDate": ("api_plan_token_renewal_date", as_str),
    "paidTokens": ("paid_tokens", as_int),
    "subscriptionTokens": ("subscription_tokens", as_int),
    "subscriptionGptTokens": ("subscription_gpt_tokens", as_int),
    "subscriptionModelTokens": ("subscription_model_tokens", as_int),
}


def parse_user_info(data: Mapping[str, Any]) -> UserInfo:
    """One ``user_details`` element; ``user.id``/``user.username`` are lifted to the top."""
    user = _obj(data.get("user")) or {}
    info = _build(UserInfo, {k: v for k, v in data.items() if k != "user"}, _USER)
    user_extra = {k: v for k, v in user.items() if k not in ("id", "username")}
    extra = dict(info.extra)
    if user_extra:
        extra["user"] = user_extra
    elif "user" in data and not isinstance(data.get("user"), Mapping):
        extra["user"] = data.get("user")
    return UserInfo(
        user_id=_USER_ID(user.get("id")),
        username=as_str(user.get("username")) or info.username,
        api_subscription_tokens=info.api_subscription_tokens,
        api_paid_tokens=info.api_paid_tokens,
        api_concurrency_slots=info.api_concurrency_slots,
        token_renewal_date=info.token_renewal_date,
        api_plan_token_renewal_date=info.api_plan_token_renewal_date,
        paid_tokens=info.paid_tokens,
        subscription_tokens=info.subscription_tokens,
        subscription_gpt_tokens=info.subscription_gpt_tokens,
        subscription_model_tokens=info.subscription_model_tokens,
        extra=extra,
    )


_PLATFORM_MODEL: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _MODEL_ID),
    "name": ("name", as_str),
    "description": ("description", as_str),
    "nsfw": ("nsfw", as_bool),
    "featured": ("featured", as_bool),
    "sdVersion": ("sd_version", as_str),
    "modelWidth": ("model_width", as_int),
    "modelHeight": ("model_height", as_int),
}


def parse_platform_model(data: Mapping[str, Any]) -> PlatformModel:
    """An item of ``/platformModels``; ``generated_image`` becomes ``thumbnail_id/url``.

    The ``generated_image`` object itself stays in ``extra`` only if it has keys beyond id/url.
    """
    thumb = _obj(data.get("generated_image")) or {}
    rest = {k: v for k, v in data.items() if k != "generated_image"}
    raw_thumb = data.get("generated_image")
    odd_type = raw_thumb is not None and not isinstance(raw_thumb, Mapping)
    if odd_type or set(thumb) - {"id", "url"}:
        rest["generated_image"] = raw_thumb
    return _build(
        PlatformModel,
        rest,
        _PLATFORM_MODEL,
        thumbnail_id=_IMAGE_ID(thumb.get("id")),
        thumbnail_url=as_str(thumb.get("url")),
    )


_CUSTOM_MODEL: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _MODEL_ID),
    "name": ("name", as_str),
    "description": ("description", as_str),
    "instancePrompt": ("instance_prompt", as_str),
    "modelWidth": ("model_width", as_int),
    "modelHeight": ("model_height", as_int),
    "public": ("public", as_bool),
    "sdVersion": ("sd_version", as_str),
    "status": ("status", as_str),
    "type": ("type", as_str),
    "createdAt": ("created_at", as_str),
    "updatedAt": ("updated_at", as_str),
}


def parse_custom_model(data: Mapping[str, Any]) -> CustomModel:
    """An item of ``/models/user/{userId}``."""
    return _build(CustomModel, data, _CUSTOM_MODEL)


_ELEMENT: Mapping[str, tuple[str, Converter]] = {
    "akUUID": ("ak_uuid", _ELEMENT_ID),
    "name": ("name", as_str),
    "description": ("description", as_str),
    "urlImage": ("url_image", as_str),
    "baseModel": ("base_model", as_str),
    "creatorName": ("creator_name", as_str),
    "weightDefault": ("weight_default", as_float),
    "weightMin": ("weight_min", as_float),
    "weightMax": ("weight_max", as_float),
}


def parse_element(data: Mapping[str, Any]) -> Element:
    """A platform element (``loras[]`` or a generation element's ``lora``)."""
    return _build(Element, data, _ELEMENT)


_USER_ELEMENT: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", as_int),
    "name": ("name", as_str),
    "description": ("description", as_str),
    "instancePrompt": ("instance_prompt", as_str),
    "resolution": ("resolution", as_int),
    "learningRate": ("learning_rate", as_float),
    "trainingEpoch": ("training_epoch", as_int),
    "trainTextEncoder": ("train_text_encoder", as_bool),
    "baseModel": ("base_model", as_str),
    "status": ("status", as_str),
    "focus": ("focus", as_str),
    "createdAt": ("created_at", as_str),
    "updatedAt": ("updated_at", as_str),
}


def parse_user_element(data: Mapping[str, Any]) -> UserElement:
    """An item of ``/elements/user/{userId}``."""
    return _build(UserElement, data, _USER_ELEMENT)


_VARIATION: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _VARIATION_ID),
    "status": ("status", as_str),
    "transformType": ("transform_type", as_str),
    "url": ("url", as_str),
    "createdAt": ("created_at", as_str),
}


def parse_variation(data: Mapping[str, Any]) -> Variation:
    """A ``generated_image_variation_generic`` object."""
    return _build(Variation, data, _VARIATION)


_IMAGE: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _IMAGE_ID),
    "url": ("url", as_str),
    "nsfw": ("nsfw", as_bool),
    "likeCount": ("like_count", as_int),
    "motion": ("motion", as_bool),
    "motionModel": ("motion_model", as_str),
    "motionStrength": ("motion_strength", as_int),
    "motionMP4URL": ("motion_mp4_url", as_str),
    "imageToVideo": ("image_to_video", as_bool),
    "fantasyAvatar": ("fantasy_avatar", as_bool),
    "generated_image_variation_generics": (
        "variations",
        lambda v: tuple(parse_list(v, parse_variation)),
    ),
}


def parse_generated_image(data: Mapping[str, Any]) -> GeneratedImage:
    """An item of ``generated_images``."""
    return _build(GeneratedImage, data, _IMAGE)


def _lora(value: Any) -> Element | None:
    data = _obj(value)
    return parse_element(data) if data is not None else None


_GEN_ELEMENT: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", as_int),
    "lora": ("lora", _lora),
    "weightApplied": ("weight_applied", as_float),
}


def parse_generation_element(data: Mapping[str, Any]) -> GenerationElement:
    """An item of ``generation_elements``."""
    return _build(GenerationElement, data, _GEN_ELEMENT)


_GENERATION: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _GENERATION_ID),
    "status": ("status", as_str),
    "prompt": ("prompt", as_str),
    "negativePrompt": ("negative_prompt", as_str),
    "modelId": ("model_id", _MODEL_ID),
    "imageWidth": ("image_width", as_int),
    "imageHeight": ("image_height", as_int),
    "seed": ("seed", as_int),
    "createdAt": ("created_at", as_str),
    "generated_images": ("images", lambda v: tuple(parse_list(v, parse_generated_image))),
    "generation_elements": (
        "elements",
        lambda v: tuple(parse_list(v, parse_generation_element)),
    ),
    "inferenceSteps": ("inference_steps", as_int),
    "guidanceScale": ("guidance_scale", as_float),
    "initStrength": ("init_strength", as_float),
    "scheduler": ("scheduler", as_str),
    "sdVersion": ("sd_version", as_str),
    "presetStyle": ("preset_style", as_str),
    "public": ("public", as_bool),
    "photoReal": ("photo_real", as_bool),
    "photoRealStrength": ("photo_real_strength", as_float),
    "promptMagic": ("prompt_magic", as_bool),
    "promptMagicStrength": ("prompt_magic_strength", as_float),
    "promptMagicVersion": ("prompt_magic_version", as_str),
    "ultra": ("ultra", as_bool),
}


def parse_generation(data: Mapping[str, Any]) -> Generation:
    """``generations_by_pk`` or an item of ``generations``."""
    return _build(Generation, data, _GENERATION)


_JOB_META: Mapping[str, tuple[str, Converter]] = {
    "apiCreditCost": ("api_credit_cost", as_int),
    "cost": ("cost", parse_cost),
}


def parse_generation_job(value: Any, *, operation: str) -> GenerationJob:
    """``sdGenerationJob`` / ``motionSvdGenerationJob``; ProtocolError without ``generationId``."""
    data = _obj(value)
    job_id = _GENERATION_ID(data.get("generationId")) if data is not None else None
    if data is None or not job_id:
        raise ProtocolError(
            "The job was sent but Leonardo's reply had no job id. Check the history.",
            server_message=f"{operation}: no generationId in the reply",
        )
    spec = dict(_JOB_META)
    spec["generationId"] = ("generation_id", _GENERATION_ID)
    return _build(GenerationJob, data, spec)


def parse_variation_job(value: Any, *, operation: str) -> VariationJob:
    """A variation job object; ProtocolError without ``id``."""
    data = _obj(value)
    job_id = _VARIATION_ID(data.get("id")) if data is not None else None
    if data is None or not job_id:
        raise ProtocolError(
            "The job was sent but Leonardo's reply had no job id. Check the image's variations.",
            server_message=f"{operation}: no job id in the reply",
        )
    spec = dict(_JOB_META)
    spec["id"] = ("id", _VARIATION_ID)
    return _build(VariationJob, data, spec)


def parse_prompt_result(data: Mapping[str, Any]) -> PromptResult:
    """``promptGeneration``."""
    spec = dict(_JOB_META)
    spec["prompt"] = ("prompt", as_str)
    return _build(PromptResult, data, spec)


_INIT_IMAGE: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _IMAGE_ID),
    "url": ("url", as_str),
    "createdAt": ("created_at", as_str),
}


def parse_init_image(data: Mapping[str, Any]) -> InitImage:
    """``init_images_by_pk``."""
    return _build(InitImage, data, _INIT_IMAGE)


def _decode_fields(value: Any) -> Mapping[str, str] | None:
    decoded = value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return None
    if not isinstance(decoded, Mapping):
        return None
    out: dict[str, str] = {}
    for key, item in decoded.items():
        if isinstance(item, str):
            out[str(key)] = item
        elif isinstance(item, int | float) and not isinstance(item, bool):
            out[str(key)] = str(item)
        else:
            return None
    return out


_UPLOAD: Mapping[str, tuple[str, Converter]] = {
    "id": ("id", _INIT_IMAGE_ID),
    "url": ("url", as_str),
    "key": ("key", as_str),
    "fields": ("fields", _decode_fields),
}


def parse_init_image_upload(data: Mapping[str, Any]) -> InitImageUpload:
    """``uploadInitImage``; ``fields`` (a JSON string in the API) is decoded to a dict."""
    return _build(InitImageUpload, data, _UPLOAD)


_CANVAS_UPLOAD: Mapping[str, tuple[str, Converter]] = {
    "ImageId": ("id", _INIT_IMAGE_ID),
    "Url": ("url", as_str),
    "Key": ("key", as_str),
    "Fields": ("fields", _decode_fields),
}


def parse_canvas_upload(data: Mapping[str, Any]) -> tuple[InitImageUpload, InitImageUpload]:
    """``uploadCanvasInitImage``: the init image's presigned POST and the mask's
    (``initImageId``/``initUrl``/``initKey``/``initFields`` and the ``mask…`` ones), each as an
    :class:`InitImageUpload`; keys of neither go to the init's ``extra``."""
    parts: dict[str, dict[str, Any]] = {"init": {}, "mask": {}}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        side = key[:4]
        if side in parts and key[4:] in _CANVAS_UPLOAD:
            parts[side][key[4:]] = value
        else:
            extra[key] = value
    init = _build(InitImageUpload, parts["init"], _CANVAS_UPLOAD)
    mask = _build(InitImageUpload, parts["mask"], _CANVAS_UPLOAD)
    return InitImageUpload(init.id, init.url, init.key, init.fields, extra), mask


def _valid_ids(value: Any) -> tuple[str, ...]:
    """A list of ids (a lone string counts as one); items that are not valid ids are skipped
    (the images were made and billed: a strange id must not lose them)."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(item for item in items if is_valid_id(item))


def _lcm_images(value: Any, operation: str) -> list[bytes]:
    urls = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    images: list[bytes] = []
    for n, url in enumerate(urls):
        try:
            images.append(decode_data_url(url))
        except DataUrlError as exc:
            raise ProtocolError(
                f"Leonardo answered with an image leodesk cannot read ({exc}).",
                server_message=f"{operation}: imageDataUrl[{n}]: {exc}",
            ) from None
    if not images:
        raise ProtocolError(
            "Leonardo answered without an image.",
            server_message=f"{operation}: no imageDataUrl in the reply",
        )
    return images


def parse_lcm_result(value: Any, *, operation: str) -> LcmResult:
    """``lcmGenerationJob`` with its images decoded; ProtocolError when it holds no image or
    an image that is not a base64 JPEG/PNG/WebP data URL (saying so). Everything else is
    optional and read leniently."""
    data = _obj(value)
    if data is None:
        raise ProtocolError(
            "Leonardo answered without an image.",
            server_message=f"{operation}: lcmGenerationJob is no object",
        )
    images = _lcm_images(data.get("imageDataUrl"), operation)
    cost = parse_cost(data.get("cost"))
    known = {
        "imageDataUrl",
        "requestTimestamp",
        "apiCreditCost",
        "cost",
        "generationId",
        "variationId",
        "generatedImageId",
    }
    stamp = data.get("requestTimestamp")
    return LcmResult(
        images=images,
        image_ext=sniff_image_ext(images[0]) or "jpg",
        request_timestamp=stamp if isinstance(stamp, str) else _as_amount(stamp),
        api_credit_cost=as_int(data.get("apiCreditCost")),
        cost_amount=cost.amount if cost is not None else None,
        cost=cost,
        generation_ids=_valid_ids(data.get("generationId")),
        variation_ids=_valid_ids(data.get("variationId")),
        generated_image_id=next(iter(_valid_ids(data.get("generatedImageId"))), None),
        extra={key: item for key, item in data.items() if key not in known},
    )
