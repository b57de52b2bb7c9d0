"""Request objects → JSON bodies, with exact API key names and a per-operation allow-list.

The API (Hasura) rejects unknown or wrongly-cased keys ("Unexpected variable …") and values of the
wrong JSON type ("validation-failed"). So this module:

* maps every request field to its exact API key (mixed snake/camel case, as in the spec);
* sends only fields that are set (``None`` = not sent), plus ``public: false`` (``isPublic``
  for motion);
* type-checks values before they leave the machine (``TypeError`` on a wrong Python type);
* checks every body against :data:`REQUEST_KEYS`, an allow-list per operation id written by hand
  and tested against the spec, so an unknown key can never be sent.

``styleUUID`` is not in the v1 spec although the docs use it for Phoenix/Flux styles. It is listed
separately in :data:`EXTENSION_KEYS` and sent only when ``GenerationRequest.style_uuid`` is set. If
the server ever stops accepting it, only requests that set a style fail (with a ValidationError).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from .models import (
    ControlNetRef,
    ElementRef,
    GenerationRequest,
    LcmRequest,
    ModelTraits,
    MotionRequest,
    PricingRequest,
    UniversalUpscaleRequest,
    UserElementRef,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "EXTENSION_KEYS",
    "LCM_OPERATIONS",
    "LCM_SIZES",
    "LCM_STYLES",
    "LOCAL_ONLY_FIELDS",
    "NESTED_REQUEST_KEYS",
    "PRICING_PARAM_KEYS",
    "REQUEST_KEYS",
    "canvas_init_body",
    "check_body",
    "generation_body",
    "improve_prompt_body",
    "init_image_body",
    "lcm_body",
    "motion_body",
    "pricing_body",
    "pricing_for_generation",
    "pricing_for_lcm",
    "universal_upscale_body",
    "variation_body",
]

# Kinds used to type-check values: the JSON type the spec declares for the key.
_STR = "string"
_INT = "integer"
_NUM = "number"
_BOOL = "boolean"
_STR_LIST = "string[]"
_ELEMENTS = "elements"
_USER_ELEMENTS = "userElements"
_CONTROLNETS = "controlnets"

# Field tables: (request attribute, API key, kind) triples.
_Fields = tuple[tuple[str, str, str], ...]

# GenerationRequest attribute → (API key, kind). Every attribute except ``prompt`` is optional.
_GENERATION_FIELDS: Final[_Fields] = (
    ("prompt", "prompt", _STR),
    ("negative_prompt", "negative_prompt", _STR),
    ("model_id", "modelId", _STR),
    ("sd_version", "sd_version", _STR),
    ("width", "width", _INT),
    ("height", "height", _INT),
    ("num_images", "num_images", _INT),
    ("guidance_scale", "guidance_scale", _NUM),
    ("num_inference_steps", "num_inference_steps", _INT),
    ("seed", "seed", _INT),
    ("scheduler", "scheduler", _STR),
    ("preset_style", "presetStyle", _STR),
    ("alchemy", "alchemy", _BOOL),
    ("contrast_ratio", "contrastRatio", _NUM),
    ("contrast", "contrast", _NUM),
    ("expanded_domain", "expandedDomain", _BOOL),
    ("high_resolution", "highResolution", _BOOL),
    ("fantasy_avatar", "fantasyAvatar", _BOOL),
    ("high_contrast", "highContrast", _BOOL),
    ("photo_real", "photoReal", _BOOL),
    ("photo_real_version", "photoRealVersion", _STR),
    ("photo_real_strength", "photoRealStrength", _NUM),
    ("prompt_magic", "promptMagic", _BOOL),
    ("prompt_magic_strength", "promptMagicStrength", _NUM),
    ("prompt_magic_version", "promptMagicVersion", _STR),
    ("init_image_id", "init_image_id", _STR),
    ("init_generation_image_id", "init_generation_image_id", _STR),
    ("init_strength", "init_strength", _NUM),
    ("image_prompts", "imagePrompts", _STR_LIST),
    ("image_prompt_weight", "imagePromptWeight", _NUM),
    ("controlnets", "controlnets", _CONTROLNETS),
    ("elements", "elements", _ELEMENTS),
    ("user_elements", "userElements", _USER_ELEMENTS),
    ("tiling", "tiling", _BOOL),
    ("transparency", "transparency", _STR),
    ("ultra", "ultra", _BOOL),
    ("unzoom", "unzoom", _BOOL),
    ("unzoom_amount", "unzoomAmount", _NUM),
    ("upscale_ratio", "upscaleRatio", _NUM),
    ("enhance_prompt", "enhancePrompt", _BOOL),
    ("enhance_prompt_instruction", "enhancePromptInstruction", _STR),
    ("canvas_request", "canvasRequest", _BOOL),
    ("canvas_request_type", "canvasRequestType", _STR),
    ("canvas_init_id", "canvasInitId", _STR),
    ("canvas_mask_id", "canvasMaskId", _STR),
    ("style_uuid", "styleUUID", _STR),
)

# LcmRequest attribute → (API key, kind): the keys every LCM operation knows.
_LCM_FIELDS: Final[_Fields] = (
    ("image_data_url", "imageDataUrl", _STR),
    ("prompt", "prompt", _STR),
    ("guidance", "guidance", _NUM),
    ("strength", "strength", _NUM),
    ("steps", "steps", _INT),
    ("style", "style", _STR),
    ("width", "width", _INT),
    ("height", "height", _INT),
    ("seed", "seed", _INT),
    ("request_timestamp", "requestTimestamp", _STR),
)
_LCM_MASK: Final[_Fields] = (("mask_data_url", "maskDataUrl", _STR),)
_LCM_REFINE: Final[_Fields] = (
    ("refine_creative", "refineCreative", _BOOL),
    ("refine_strength", "refineStrength", _NUM),
)

#: The realtime operations: operation id → (path, the fields it sends beyond _LCM_FIELDS).
LCM_OPERATIONS: Final[Mapping[str, tuple[str, _Fields]]] = {
    "createLCMGeneration": ("/generations-lcm", ()),
    "performInstantRefine": ("/lcm-instant-refine", ()),
    "performInpaintingLCM": ("/lcm-inpainting", _LCM_MASK),
    "performAlchemyUpscaleLCM": ("/lcm-upscale", _LCM_REFINE),
}

#: The output sizes the LCM operations take, per side.
LCM_SIZES: Final = (512, 640, 1024)

#: The spec's ``lcm_generation_style`` values (a request with another is refused).
LCM_STYLES: Final = (
    "ANIME",
    "CINEMATIC",
    "DIGITAL_ART",
    "DYNAMIC",
    "ENVIRONMENT",
    "FANTASY_ART",
    "ILLUSTRATION",
    "PHOTOGRAPHY",
    "RENDER_3D",
    "RAYTRACED",
    "SKETCH_BW",
    "SKETCH_COLOR",
    "VIBRANT",
    "NONE",
)

# Inclusive ranges the spec gives for the LCM fields.
_LCM_RANGES: Final[Mapping[str, tuple[float, float]]] = {
    "guidance": (0.5, 20.0),
    "strength": (0.1, 1.0),
    "steps": (4, 16),
    "refine_strength": (0.5, 0.9),
}

_UPSCALER_FIELDS: Final[_Fields] = (
    ("generated_image_id", "generatedImageId", _STR),
    ("init_image_id", "initImageId", _STR),
    ("variation_id", "variationId", _STR),
    ("upscale_multiplier", "upscaleMultiplier", _NUM),
    ("upscaler_style", "upscalerStyle", _STR),
    ("creativity_strength", "creativityStrength", _INT),
    ("prompt", "prompt", _STR),
    ("ultra_upscale_style", "ultraUpscaleStyle", _STR),
    ("similarity", "similarity", _INT),
    ("detail_contrast", "detailContrast", _INT),
)

# Array item kind → (class, always-sent fields, fields sent when set); fields as above.
_REFS: Final[Mapping[str, tuple[type, _Fields, _Fields]]] = {
    _ELEMENTS: (
        ElementRef,
        (("ak_uuid", "akUUID", _STR),),
        (("weight", "weight", _NUM),),
    ),
    _USER_ELEMENTS: (
        UserElementRef,
        (("user_lora_id", "userLoraId", _INT),),
        (("weight", "weight", _NUM),),
    ),
    _CONTROLNETS: (
        ControlNetRef,
        (
            ("init_image_id", "initImageId", _STR),
            ("init_image_type", "initImageType", _STR),
            ("preprocessor_id", "preprocessorId", _NUM),
        ),
        (
            ("weight", "weight", _NUM),
            ("strength_type", "strengthType", _STR),
        ),
    ),
}

#: GenerationRequest fields that stay on this machine (never a key of the body).
LOCAL_ONLY_FIELDS: Final = frozenset({"made_from"})

#: The keys both video operations take (leodesk.core.api.video).
_VIDEO_KEYS: Final = frozenset(
    {
        "prompt",
        "model",
        "resolution",
        "frameInterpolation",
        "isPublic",
        "seed",
        "negativePrompt",
        "promptEnhance",
        "promptEnhanceInstruction",
        "styleIds",
        "elements",
        "width",
        "height",
        "duration",
    }
)

#: Top-level keys the client may send, per operation id. Checked against the spec by a test.
REQUEST_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "createGeneration": frozenset(
        {key for _, key, _ in _GENERATION_FIELDS if key != "styleUUID"} | {"public"}
    ),
    "createSVDMotionGeneration": frozenset(
        {"imageId", "isInitImage", "isVariation", "motionStrength", "isPublic"}
    ),
    "uploadInitImage": frozenset({"extension"}),
    "uploadMedia": frozenset({"extension"}),
    "createDataset": frozenset({"name", "description"}),
    "uploadDatasetImage": frozenset({"extension"}),
    "uploadDatasetImageFromGen": frozenset({"generatedImageId"}),
    "createModel": frozenset(
        {
            "name",
            "description",
            "datasetId",
            "instance_prompt",
            "modelType",
            "nsfw",
            "resolution",
            "sd_version",
            "strength",
        }
    ),
    "createElement": frozenset(
        {
            "name",
            "description",
            "datasetId",
            "instance_prompt",
            "lora_focus",
            "train_text_encoder",
            "resolution",
            "sd_version",
            "num_train_epochs",
            "learning_rate",
        }
    ),
    "createVariationUpscale": frozenset({"id"}),
    "createVariationUnzoom": frozenset({"id", "isVariation"}),
    "createVariationNoBG": frozenset({"id", "isVariation"}),
    "CreateUniversalUpscalerJob": frozenset(key for _, key, _ in _UPSCALER_FIELDS),
    "promptRandom": frozenset(),
    "promptImprove": frozenset({"prompt", "promptInstructions", "isVideo"}),
    "pricingCalculator": frozenset({"service", "serviceParams"}),
    "uploadCanvasInitImage": frozenset({"initExtension", "maskExtension"}),
    "listBlueprints": frozenset({"first", "after", "categories"}),
    "executeBlueprint": frozenset({"blueprintVersionId", "input"}),
    "createTextToVideoGeneration": frozenset(_VIDEO_KEYS),
    "createImageToVideoGeneration": frozenset(
        _VIDEO_KEYS | {"imageId", "imageType", "endFrameImage"}
    ),
    **{
        operation: frozenset(key for _, key, _ in _LCM_FIELDS + extra)
        for operation, (_, extra) in LCM_OPERATIONS.items()
    },
}

#: Keys outside the spec that the client sends only when the caller sets them.
EXTENSION_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "createGeneration": frozenset({"styleUUID"}),
}

#: Keys of array items / nested objects: (operation id, property) → keys.
NESTED_REQUEST_KEYS: Final[Mapping[tuple[str, str], frozenset[str]]] = {
    ("createGeneration", "elements"): frozenset({"akUUID", "weight"}),
    ("createGeneration", "userElements"): frozenset({"userLoraId", "weight"}),
    ("createTextToVideoGeneration", "elements"): frozenset({"akUUID", "weight"}),
    ("createImageToVideoGeneration", "elements"): frozenset({"akUUID", "weight"}),
    ("createGeneration", "controlnets"): frozenset(
        {"initImageId", "initImageType", "preprocessorId", "weight", "strengthType"}
    ),
}

#: ``serviceParams.<SERVICE>`` keys the client may send to ``pricingCalculator``.
PRICING_PARAM_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "IMAGE_GENERATION": frozenset(
        {
            "imageHeight",
            "imageWidth",
            "numImages",
            "inferenceSteps",
            "promptMagic",
            "promptMagicStrength",
            "promptMagicVersion",
            "alchemyMode",
            "photoRealMode",
            "photoRealStrength",
            "photoRealVersion",
            "highResolution",
            "loraCount",
            "isModelCustom",
            "controlnetsCost",
            "isPhoenix",
            "isSDXL",
            "isSDXLLightning",
            "isUltra",
            "isFluxSchnell",
            "isFluxDev",
            "isFluxKontext",
        }
    ),
    "FANTASY_AVATAR_GENERATION": frozenset({"imageHeight", "imageWidth", "numImages"}),
    "MOTION_SVD_GENERATION": frozenset(),
    "MOTION_VIDEO_GENERATION": frozenset({"resolution"}),
    "VEO3_MOTION_VIDEO_GENERATION": frozenset({"resolution"}),
    "LCM_GENERATION": frozenset({"width", "height", "instantRefine", "refine"}),
    "MODEL_TRAINING": frozenset({"resolution", "sd_version", "datasetImageCount"}),
    "TEXTURE_GENERATION": frozenset({"preview"}),
    "UNIVERSAL_UPSCALER": frozenset({"megapixel"}),
    "UNIVERSAL_UPSCALER_ULTRA": frozenset({"inputWidth", "inputHeight", "upscaleMultiplier"}),
}

#: Init-image extensions the API accepts.
ALLOWED_EXTENSIONS: Final[frozenset[str]] = frozenset({"png", "jpg", "jpeg", "webp"})


def check_body(operation: str, body: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` if ``body`` has a key the allow-list does not permit."""
    allowed = REQUEST_KEYS.get(operation)
    if allowed is None:
        raise ValueError(f"no allow-list for operation {operation!r}")
    unknown = set(body) - allowed - EXTENSION_KEYS.get(operation, frozenset())
    if unknown:
        raise ValueError(f"keys not allowed for {operation}: {sorted(unknown)}")
    for (op, prop), keys in NESTED_REQUEST_KEYS.items():
        if op != operation or prop not in body:
            continue
        for item in body[prop]:
            extra = set(item) - keys
            if extra:
                raise ValueError(f"keys not allowed in {operation}.{prop}[]: {sorted(extra)}")
    if operation == "pricingCalculator":
        params = body.get("serviceParams", {})
        for service, values in params.items():
            service_keys = PRICING_PARAM_KEYS.get(service)
            if service_keys is None:
                raise ValueError(f"unknown pricing service {service!r}")
            extra = set(values) - service_keys
            if extra:
                raise ValueError(f"keys not allowed in serviceParams.{service}: {sorted(extra)}")


def _check(name: str, value: Any, kind: str) -> Any:
    """Return ``value`` as JSON-ready data after checking its Python type against ``kind``."""
    if kind == _STR:
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        return value
    if kind == _BOOL:
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
        return value
    if kind == _INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        return int(value)
    if kind == _NUM:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a number, not {type(value).__name__}")
        return value
    if kind == _STR_LIST:
        items = _as_items(name, value)
        return [_check(f"{name}[]", item, _STR) for item in items]
    if kind in _REFS:
        return [_ref_body(name, item, kind) for item in _as_items(name, value)]
    raise AssertionError(f"unknown kind {kind}")  # pragma: no cover


def _as_items(name: str, value: Any) -> Iterable[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a sequence")
    return list(value)


def _ref_body(name: str, item: Any, kind: str) -> dict[str, Any]:
    """One array item of kind ``kind``: its required keys always, the optional ones when set."""
    cls, required, optional = _REFS[kind]
    if not isinstance(item, cls):
        raise TypeError(f"{name} items must be {cls.__name__}")
    out = {key: _check(f"{name}.{attr}", getattr(item, attr), k) for attr, key, k in required}
    out.update(_fields_body(item, optional, prefix=f"{name}."))
    return out


def _fields_body(
    obj: object, spec: Iterable[tuple[str, str, str]], prefix: str = ""
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for attr, key, kind in spec:
        value = getattr(obj, attr)
        if value is not None:
            body[key] = _check(prefix + attr, value, kind)
    return body


def generation_body(req: GenerationRequest) -> dict[str, Any]:
    """The JSON body of ``createGeneration``: set fields only, plus ``public: false``."""
    if not isinstance(req.prompt, str) or not req.prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    body = _fields_body(req, _GENERATION_FIELDS)
    body["public"] = False
    check_body("createGeneration", body)
    return body


def motion_body(req: MotionRequest) -> dict[str, Any]:
    """The JSON body of ``createSVDMotionGeneration`` (``isPublic`` is always false)."""
    body = _fields_body(
        req,
        (
            ("image_id", "imageId", _STR),
            ("is_init_image", "isInitImage", _BOOL),
            ("is_variation", "isVariation", _BOOL),
            ("motion_strength", "motionStrength", _INT),
        ),
    )
    body["isPublic"] = False
    check_body("createSVDMotionGeneration", body)
    return body


def universal_upscale_body(req: UniversalUpscaleRequest) -> dict[str, Any]:
    """The JSON body of ``CreateUniversalUpscalerJob``."""
    body = _fields_body(req, _UPSCALER_FIELDS)
    check_body("CreateUniversalUpscalerJob", body)
    return body


def variation_body(operation: str, image_id: str, is_variation: bool | None) -> dict[str, Any]:
    """The JSON body of ``createVariationUpscale`` / ``…Unzoom`` / ``…NoBG``."""
    body: dict[str, Any] = {"id": _check("image_id", image_id, _STR)}
    if is_variation is not None:
        body["isVariation"] = _check("is_variation", is_variation, _BOOL)
    check_body(operation, body)
    return body


def _extension(name: str, extension: str) -> str:
    """An image extension the API takes, normalised (``.PNG`` → ``png``)."""
    ext = str(_check(name, extension, _STR)).strip().lower().lstrip(".")
    if ext not in ALLOWED_EXTENSIONS:
        raise ValueError(f"{name} must be one of {sorted(ALLOWED_EXTENSIONS)}, not {ext!r}")
    return ext


def init_image_body(extension: str) -> dict[str, Any]:
    """The JSON body of ``uploadInitImage``; ``extension`` is normalised (``.PNG`` → ``png``)."""
    body = {"extension": _extension("extension", extension)}
    check_body("uploadInitImage", body)
    return body


def canvas_init_body(init_extension: str, mask_extension: str) -> dict[str, Any]:
    """The JSON body of ``uploadCanvasInitImage`` (extensions normalised as above)."""
    body = {
        "initExtension": _extension("init_extension", init_extension),
        "maskExtension": _extension("mask_extension", mask_extension),
    }
    check_body("uploadCanvasInitImage", body)
    return body


def _check_lcm_ranges(req: LcmRequest, operation: str) -> None:
    """ValueError naming the first field outside the spec's range (before anything is sent)."""
    if not isinstance(req.prompt, str) or not req.prompt.strip():
        raise ValueError("the prompt must not be empty")
    if not isinstance(req.image_data_url, str) or not req.image_data_url.startswith("data:"):
        raise ValueError("image_data_url must be a data: URL")
    for name, (low, high) in _LCM_RANGES.items():
        value = getattr(req, name)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if is_number and not low <= value <= high:
            raise ValueError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
    for name in ("width", "height"):
        value = getattr(req, name)
        if value is not None and value not in LCM_SIZES:
            sizes = ", ".join(str(size) for size in LCM_SIZES)
            raise ValueError(f"{name} must be one of {sizes}, not {value!r}")
    if req.seed is not None and not isinstance(req.seed, bool) and req.seed < 0:
        raise ValueError(f"seed must not be negative, not {req.seed!r}")
    if operation == "performInpaintingLCM" and not req.mask_data_url:
        raise ValueError("inpainting needs mask_data_url")


def lcm_body(operation: str, req: LcmRequest) -> dict[str, Any]:
    """The JSON body of one realtime operation (see :data:`LCM_OPERATIONS`): the fields every
    LCM operation knows plus the operation's own (the mask for inpainting, the refine fields
    for upscale); fields of other operations are never sent. ValueError for a value outside
    the spec's ranges, TypeError for a wrong Python type."""
    if operation not in LCM_OPERATIONS:
        raise ValueError(f"not an LCM operation: {operation!r}")
    _check_lcm_ranges(req, operation)
    _, extra = LCM_OPERATIONS[operation]
    body = _fields_body(req, _LCM_FIELDS + extra)
    check_body(operation, body)
    return body


def improve_prompt_body(
    prompt: str, instructions: str | None = None, is_video: bool | None = None
) -> dict[str, Any]:
    """The JSON body of ``promptImprove``."""
    body: dict[str, Any] = {"prompt": _check("prompt", prompt, _STR)}
    if instructions is not None:
        body["promptInstructions"] = _check("instructions", instructions, _STR)
    if is_video is not None:
        body["isVideo"] = _check("is_video", is_video, _BOOL)
    check_body("promptImprove", body)
    return body


def pricing_body(request: PricingRequest) -> dict[str, Any]:
    """The JSON body of ``pricingCalculator``."""
    service = _check("service", request.service, _STR)
    if service not in PRICING_PARAM_KEYS:
        raise ValueError(f"unknown pricing service {service!r}")
    params = {str(k): v for k, v in request.params.items() if v is not None}
    body: dict[str, Any] = {"service": service, "serviceParams": {service: params}}
    check_body("pricingCalculator", body)
    return body


def pricing_for_generation(
    req: GenerationRequest, *, model: ModelTraits | None = None
) -> PricingRequest:
    """Build the ``IMAGE_GENERATION`` pricing request that matches ``req``.

    Unset size/count/steps/alchemy take the spec's defaults for ``createGeneration`` (1024×768,
    4 images, 15 steps, alchemy on) because that is what the server will use. ``model`` describes
    the model (custom, Phoenix, SDXL, Flux...); when omitted it is derived from ``req.sd_version``.
    ``controlnetsCost`` is not sent: its formula is not documented.
    """
    traits = model if model is not None else ModelTraits.from_sd_version(req.sd_version)
    params: dict[str, Any] = {
        "imageWidth": req.width if req.width is not None else 1024,
        "imageHeight": req.height if req.height is not None else 768,
        "numImages": req.num_images if req.num_images is not None else 4,
        "inferenceSteps": req.num_inference_steps if req.num_inference_steps is not None else 15,
        "alchemyMode": req.alchemy if req.alchemy is not None else True,
        "highResolution": bool(req.high_resolution),
    }
    optional = {
        "promptMagic": req.prompt_magic,
        "promptMagicStrength": req.prompt_magic_strength,
        "promptMagicVersion": req.prompt_magic_version,
        "photoRealMode": req.photo_real,
        "photoRealStrength": req.photo_real_strength,
        "photoRealVersion": req.photo_real_version,
        "isUltra": req.ultra,
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    lora_count = len(req.elements or ()) + len(req.user_elements or ())
    if lora_count:
        params["loraCount"] = lora_count
    flags = {
        "isModelCustom": traits.is_custom,
        "isPhoenix": traits.is_phoenix,
        "isSDXL": traits.is_sdxl,
        "isSDXLLightning": traits.is_sdxl_lightning,
        "isFluxSchnell": traits.is_flux_schnell,
        "isFluxDev": traits.is_flux_dev,
        "isFluxKontext": traits.is_flux_kontext,
    }
    params.update({key: True for key, on in flags.items() if on})
    return PricingRequest(service="IMAGE_GENERATION", params=params)


def pricing_for_lcm(operation: str, width: int, height: int) -> PricingRequest:
    """The ``LCM_GENERATION`` pricing request of one realtime request of ``operation`` (an id
    of :data:`LCM_OPERATIONS`) at ``width`` × ``height``: ``instantRefine`` for
    ``/lcm-instant-refine``, ``refine`` for ``/lcm-upscale``."""
    if operation not in LCM_OPERATIONS:
        raise ValueError(f"not an LCM operation: {operation!r}")
    params: dict[str, Any] = {"width": width, "height": height}
    if operation == "performInstantRefine":
        params["instantRefine"] = True
    if operation == "performAlchemyUpscaleLCM":
        params["refine"] = True
    return PricingRequest(service="LCM_GENERATION", params=params)
