"""Request tables and validation, with the error texts the real API uses.

The tables below are written by hand from the spec (``openapi.json``); a test checks that
their key names, JSON types and enums equal the spec's request schemas. Validation runs in
the order Hasura does it: unknown keys (``bad-request``), missing non-nullable values and
wrong JSON types (``validation-failed``), then the business rules of each operation.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .catalog import (
    BASE_MODELS,
    DEFAULT_MODEL_ID,
    PHOTOREAL_V2_MODELS,
    ElementInfo,
    ModelInfo,
    UserElementInfo,
)
from .pricing import CONTROLNET_COST, image_generation_cost

# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error response in the Hasura shape ``{"error", "path", "code"}``."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str = "unexpected",
        *,
        path: str = "$",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.path = path
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, str]:
        """The JSON body sent to the client."""
        return {"error": self.message, "path": self.path, "code": self.code}


# Error texts (real ones from the docs / NOTES unless marked "sim").
MSG_UNAUTHORIZED = "Authentication hook unauthorized this request"
MSG_NOT_FOUND = "resource does not exist"  # sim: Hasura-ish
MSG_TOO_MANY_IMAGES = "Too many images"
MSG_INVALID_DIMENSIONS = "invalid dimensions"
MSG_PROMPT_TOO_LONG = "Invalid prompt, maximum length of 1500 characters exceeded."
MSG_IMPROVE_TOO_LONG = "Prompt is too long, please keep it under 200 characters"
MSG_INVALID_EXTENSION = "invalid file extension"
MSG_COULDNT_ACCESS = "couldn't access image"
MSG_NO_INIT_VARIATION = "failed to find init variation"
MSG_INVALID_INIT_IMAGE = "invalid init image id"
MSG_SERVICE_ERROR = "Service Error"
MSG_INTERNAL = "internal error"
MSG_PHOENIX_SD_VERSION = "Phoenix request requires sd_version to be PHOENIX."
MSG_NO_CREDITS = "You do not have enough API credits to perform this action."  # brief's text
MSG_RATE_LIMITED = "Too Many Requests"


def moderation_message(word: str) -> str:
    """The docs' moderation text: ``content moderation filter: <word>``."""
    return f"content moderation filter: {word}"


def unexpected_variable(key: str) -> ApiError:
    """Unknown (or wrongly cased) request key."""
    return ApiError(400, f"Unexpected variable {key}", "bad-request")


def missing_value(key: str) -> ApiError:
    """A non-nullable variable absent or null."""
    return ApiError(
        400, f'expecting a value for non-nullable variable: "{key}"', "validation-failed"
    )


def bad_request(message: str, code: str = "unexpected") -> ApiError:
    """A 400 business-rule error."""
    return ApiError(400, message, code)


# --------------------------------------------------------------------------- enums

SD_VERSIONS = (
    "v1_5",
    "v2",
    "v3",
    "SDXL_0_8",
    "SDXL_0_9",
    "SDXL_1_0",
    "SDXL_LIGHTNING",
    "PHOENIX",
    "FLUX",
    "FLUX_DEV",
    "KINO_2_0",
)
SCHEDULERS = (
    "KLMS",
    "EULER_ANCESTRAL_DISCRETE",
    "EULER_DISCRETE",
    "DDIM",
    "DPM_SOLVER",
    "PNDM",
    "LEONARDO",
)
PRESET_STYLES = (
    "ANIME",
    "BOKEH",
    "CINEMATIC",
    "CINEMATIC_CLOSEUP",
    "CREATIVE",
    "DYNAMIC",
    "ENVIRONMENT",
    "FASHION",
    "FILM",
    "FOOD",
    "GENERAL",
    "HDR",
    "ILLUSTRATION",
    "LEONARDO",
    "LONG_EXPOSURE",
    "MACRO",
    "MINIMALISTIC",
    "MONOCHROME",
    "MOODY",
    "NONE",
    "NEUTRAL",
    "PHOTOGRAPHY",
    "PORTRAIT",
    "RAYTRACED",
    "RENDER_3D",
    "RETRO",
    "SKETCH_BW",
    "SKETCH_COLOR",
    "STOCK_PHOTO",
    "VIBRANT",
    "UNPROCESSED",
)
NO_ALCHEMY_STYLES = frozenset({"LEONARDO", "NONE"})
ALCHEMY_STYLES = frozenset(
    {
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
)
PHOTOREAL_STYLES = frozenset(
    {
        "BOKEH",
        "CINEMATIC",
        "CINEMATIC_CLOSEUP",
        "CREATIVE",
        "DYNAMIC",
        "ENVIRONMENT",
        "FASHION",
        "FILM",
        "FOOD",
        "GENERAL",
        "HDR",
        "LONG_EXPOSURE",
        "MACRO",
        "MINIMALISTIC",
        "MONOCHROME",
        "MOODY",
        "NEUTRAL",
        "NONE",
        "PHOTOGRAPHY",
        "PORTRAIT",
        "RETRO",
        "STOCK_PHOTO",
        "UNPROCESSED",
        "VIBRANT",
    }
)
TRANSPARENCY = ("disabled", "foreground_only")
CANVAS_REQUEST_TYPES = ("INPAINT", "OUTPAINT", "SKETCH2IMG", "IMG2IMG")
CONTROLNET_TYPES = ("POSE", "CANNY", "DEPTH")
INIT_IMAGE_TYPES = ("GENERATED", "UPLOADED")
VIDEO_MODELS = ("MOTION2", "VEO3", "MOTION2FAST", "VEO3FAST", "KLING2_1", "KLING2_5")
VIDEO_RESOLUTIONS = ("RESOLUTION_480", "RESOLUTION_720", "RESOLUTION_1080")
STRENGTH_TYPES = ("Low", "Mid", "High", "Ultra", "Max")
UPSCALER_STYLES = ("GENERAL", "CINEMATIC", "2D ART & ILLUSTRATION", "CG ART & GAME ASSETS")
ULTRA_UPSCALE_STYLES = ("ARTISTIC", "REALISTIC")
PRICING_SERVICES = (
    "IMAGE_GENERATION",
    "FANTASY_AVATAR_GENERATION",
    "MOTION_SVD_GENERATION",
    "MOTION_VIDEO_GENERATION",
    "VEO3_MOTION_VIDEO_GENERATION",
    "LCM_GENERATION",
    "MODEL_TRAINING",
    "TEXTURE_GENERATION",
    "UNIVERSAL_UPSCALER",
    "UNIVERSAL_UPSCALER_ULTRA",
)
LCM_STYLES = (
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
INIT_IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp")
CUSTOM_MODEL_TYPES = (
    "GENERAL",
    "BUILDINGS",
    "CHARACTERS",
    "ENVIRONMENTS",
    "FASHION",
    "ILLUSTRATIONS",
    "GAME_ITEMS",
    "GRAPHICAL_ELEMENTS",
    "PHOTOGRAPHY",
    "PIXEL_ART",
    "PRODUCT_DESIGN",
    "TEXTURES",
    "UI_ELEMENTS",
    "VECTOR",
)
ELEMENT_SD_VERSIONS = (
    "SDXL_0_9",
    "SDXL_1_0",
    "LEONARDO_DIFFUSION_XL",
    "LEONARDO_LIGHTNING_XL",
    "VISION_XL",
    "KINO_XL",
    "ALBEDO_XL",
    "FLUX_DEV",
)
CONTRAST_VALUES = (1.0, 1.3, 1.8, 2.5, 3.0, 3.5, 4.0, 4.5)
PHOTOREAL_STRENGTHS = (0.45, 0.5, 0.55)

# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Field:
    """One request key: JSON type, nullability, enum, and nested item/field tables.

    ``nullable=False`` means the key must be present and non-null (Hasura ``Type!``), unless
    ``has_default``: a ``Type! = default`` variable may be left out (never sent as null).
    """

    type: str
    nullable: bool = True
    enum: tuple[str, ...] | None = None
    gql: str | None = None
    items: Field | None = None
    fields: Mapping[str, Field] | None = None
    has_default: bool = False


def _s(*, nullable: bool = True) -> Field:
    return Field("string", nullable)


def _i(*, nullable: bool = True) -> Field:
    return Field("integer", nullable)


def _n(*, nullable: bool = True) -> Field:
    return Field("number", nullable)


def _b(*, nullable: bool = True) -> Field:
    return Field("boolean", nullable)


def _e(values: tuple[str, ...], gql: str, *, nullable: bool = True) -> Field:
    return Field("string", nullable, enum=values, gql=gql)


def _a(items: Field) -> Field:
    return Field("array", True, items=items)


def _o(fields: Mapping[str, Field], gql: str, *, nullable: bool = True) -> Field:
    return Field("object", nullable, fields=fields, gql=gql)


CONTROLNET_INPUT = _o(
    {
        "initImageId": _s(nullable=False),
        "initImageType": _e(INIT_IMAGE_TYPES, "init_image_type", nullable=False),
        "preprocessorId": _n(nullable=False),
        "weight": _n(),
        "strengthType": _e(STRENGTH_TYPES, "strength_type"),
    },
    "controlnet_input",
    nullable=False,
)
ELEMENT_INPUT = _o({"akUUID": _s(nullable=False), "weight": _n()}, "element_input", nullable=False)
USER_ELEMENT_INPUT = _o({"userLoraId": _n(), "weight": _n()}, "user_elements_input", nullable=False)

CREATE_GENERATION: dict[str, Field] = {
    "alchemy": _b(),
    "contrastRatio": _n(),
    "contrast": _n(),
    "controlnets": _a(CONTROLNET_INPUT),
    "elements": _a(ELEMENT_INPUT),
    "userElements": _a(USER_ELEMENT_INPUT),
    "expandedDomain": _b(),
    "fantasyAvatar": _b(),
    "guidance_scale": _n(),
    "height": _i(),
    "highContrast": _b(),
    "highResolution": _b(),
    "imagePrompts": _a(_s()),
    "imagePromptWeight": _n(),
    "init_generation_image_id": _s(),
    "init_image_id": _s(),
    "init_strength": _n(),
    "modelId": _s(),
    "negative_prompt": _s(),
    "num_images": _i(),
    "num_inference_steps": _i(),
    "photoReal": _b(),
    "photoRealVersion": _s(),
    "photoRealStrength": _n(),
    "presetStyle": _e(PRESET_STYLES, "sd_generation_style"),
    "prompt": _s(nullable=False),
    "promptMagic": _b(),
    "promptMagicStrength": _n(),
    "promptMagicVersion": _s(),
    "public": _b(),
    "scheduler": _e(SCHEDULERS, "sd_generation_schedulers"),
    "sd_version": _e(SD_VERSIONS, "sd_versions"),
    "seed": _i(),
    "tiling": _b(),
    "transparency": _e(TRANSPARENCY, "TransparencyType"),
    "ultra": _b(),
    "unzoom": _b(),
    "unzoomAmount": _n(),
    "upscaleRatio": _n(),
    "width": _i(),
    "controlNet": _b(),
    "controlNetType": _e(CONTROLNET_TYPES, "controlnet_type"),
    "weighting": _n(),
    "canvasRequest": _b(),
    "canvasRequestType": _e(CANVAS_REQUEST_TYPES, "canvasRequestType"),
    "canvasInitId": _s(),
    "canvasMaskId": _s(),
    "enhancePrompt": _b(),
    "enhancePromptInstruction": _s(),
}

PRICING_PARAMS: dict[str, Field] = {
    "IMAGE_GENERATION": _o(
        {
            "imageHeight": _i(nullable=False),
            "imageWidth": _i(nullable=False),
            "numImages": _i(nullable=False),
            "inferenceSteps": _i(nullable=False),
            "promptMagic": _b(),
            "promptMagicStrength": _n(),
            "promptMagicVersion": _s(),
            "alchemyMode": _b(nullable=False),
            "photoRealMode": _b(),
            "photoRealStrength": _n(),
            "photoRealVersion": _s(),
            "highResolution": _b(nullable=False),
            "loraCount": _i(),
            "isModelCustom": _b(),
            "controlnetsCost": _i(),
            "isPhoenix": _b(),
            "isSDXL": _b(),
            "isSDXLLightning": _b(),
            "isUltra": _b(),
            "isFluxSchnell": _b(),
            "isFluxDev": _b(),
            "isFluxKontext": _b(),
        },
        "Object",
    ),
    "FANTASY_AVATAR_GENERATION": _o(
        {
            "imageHeight": _i(nullable=False),
            "imageWidth": _i(nullable=False),
            "numImages": _i(nullable=False),
        },
        "Object",
    ),
    "MOTION_SVD_GENERATION": _o({}, "Object"),
    "MOTION_VIDEO_GENERATION": _o({"resolution": _s(nullable=False)}, "Object"),
    "VEO3_MOTION_VIDEO_GENERATION": _o(
        {"resolution": _e(("RESOLUTION_720",), "String", nullable=False)}, "Object"
    ),
    "LCM_GENERATION": _o(
        {"height": _i(), "width": _i(), "instantRefine": _b(), "refine": _b()}, "Object"
    ),
    "MODEL_TRAINING": _o(
        {
            "resolution": _i(nullable=False),
            "sd_version": _e(("FLUX_DEV",), "sd_version"),
            "datasetImageCount": _i(),
        },
        "Object",
    ),
    "TEXTURE_GENERATION": _o({"preview": _b(nullable=False)}, "Object"),
    "UNIVERSAL_UPSCALER": _o({"megapixel": _i(nullable=False)}, "Object"),
    "UNIVERSAL_UPSCALER_ULTRA": _o(
        {
            "inputWidth": _i(nullable=False),
            "inputHeight": _i(nullable=False),
            "upscaleMultiplier": _n(nullable=False),
        },
        "Object",
    ),
}

LCM_REQUEST: dict[str, Field] = {
    "imageDataUrl": _s(nullable=False),
    "prompt": _s(nullable=False),
    "guidance": _n(),
    "strength": _n(),
    "requestTimestamp": _s(),
    "style": _e(LCM_STYLES, "lcm_generation_style"),
    "steps": _i(),
    "width": _i(),
    "height": _i(),
    "seed": _i(),
}

#: The keys both video operations take (``/generations-image-to-video`` adds the image ones).
VIDEO_REQUEST: dict[str, Field] = {
    "prompt": _s(nullable=False),
    "resolution": _e(VIDEO_RESOLUTIONS, "String"),
    "model": _e(VIDEO_MODELS, "String"),
    "frameInterpolation": _b(),
    "isPublic": _b(),
    "seed": _i(),
    "negativePrompt": _s(),
    "promptEnhance": _b(),
    "promptEnhanceInstruction": _s(),
    "styleIds": _a(_s(nullable=False)),
    "height": _i(),
    "width": _i(),
    "duration": _i(),
}

#: Request body tables per operationId (only the operations the simulator serves with a body).
REQUEST_TABLES: dict[str, dict[str, Field]] = {
    "createDataset": {"name": _s(nullable=False), "description": _s()},
    "uploadDatasetImage": {"extension": _s(nullable=False)},
    "uploadDatasetImageFromGen": {"generatedImageId": _s(nullable=False)},
    "createModel": {
        "name": _s(nullable=False),
        "description": _s(),
        "datasetId": _s(nullable=False),
        "instance_prompt": _s(nullable=False),
        "modelType": dataclasses.replace(
            _e(CUSTOM_MODEL_TYPES, "custom_model_type", nullable=False), has_default=True
        ),
        "nsfw": _b(),
        "resolution": _i(),
        "sd_version": _e(("v1_5", "v2"), "sd_versions"),
        "strength": dataclasses.replace(
            _e(("VERY_LOW", "LOW", "MEDIUM", "HIGH"), "strength", nullable=False), has_default=True
        ),
    },
    "createElement": {
        "name": _s(nullable=False),
        "description": _s(),
        "datasetId": _s(nullable=False),
        "instance_prompt": _s(),
        "lora_focus": _s(nullable=False),
        "train_text_encoder": _b(nullable=False),
        "resolution": _i(),
        "sd_version": _e(ELEMENT_SD_VERSIONS, "sd_versions", nullable=False),
        "num_train_epochs": _i(nullable=False),
        "learning_rate": _n(nullable=False),
    },
    "createGeneration": CREATE_GENERATION,
    "promptRandom": {},
    "promptImprove": {"prompt": _s(nullable=False), "promptInstructions": _s(), "isVideo": _b()},
    "uploadInitImage": {"extension": _s(nullable=False)},
    "uploadMedia": {"extension": _s(nullable=False)},
    "uploadCanvasInitImage": {
        "initExtension": _s(nullable=False),
        "maskExtension": _s(nullable=False),
    },
    "createVariationUpscale": {"id": _s(nullable=False)},
    "createVariationUnzoom": {"id": _s(nullable=False), "isVariation": _b()},
    # The spec marks nobg's isVariation non-nullable (GraphQL Boolean!), so it must be sent.
    "createVariationNoBG": {"id": _s(nullable=False), "isVariation": _b(nullable=False)},
    "CreateUniversalUpscalerJob": {
        "creativityStrength": _i(),
        "detailContrast": _i(),
        "generatedImageId": _s(),
        "initImageId": _s(),
        "prompt": _s(),
        "similarity": _i(),
        "ultraUpscaleStyle": _e(ULTRA_UPSCALE_STYLES, "universal_upscaler_ultra_style"),
        "upscaleMultiplier": _n(),
        "upscalerStyle": _e(UPSCALER_STYLES, "universal_upscaler_style"),
        "variationId": _s(),
    },
    "createSVDMotionGeneration": {
        "imageId": _s(nullable=False),
        "isPublic": _b(),
        "isInitImage": _b(),
        "isVariation": _b(),
        "motionStrength": _i(),
    },
    "createImageToVideoGeneration": {
        **VIDEO_REQUEST,
        "imageId": _s(nullable=False),
        "imageType": _e(INIT_IMAGE_TYPES, "string", nullable=False),
        "endFrameImage": _o(
            {
                "id": _s(nullable=False),
                "type": _e(INIT_IMAGE_TYPES, "String", nullable=False),
            },
            "Object",
        ),
        "elements": _a(ELEMENT_INPUT),
    },
    "createTextToVideoGeneration": {**VIDEO_REQUEST, "elements": _a(ELEMENT_INPUT)},
    "createLCMGeneration": LCM_REQUEST,
    "performInstantRefine": LCM_REQUEST,
    "performInpaintingLCM": {**LCM_REQUEST, "maskDataUrl": _s(nullable=False)},
    "performAlchemyUpscaleLCM": {
        **LCM_REQUEST,
        "refineCreative": _b(),
        "refineStrength": _n(),
    },
    "pricingCalculator": {
        "service": _e(PRICING_SERVICES, "pricingCalculatorServices", nullable=False),
        "serviceParams": _o(PRICING_PARAMS, "Object", nullable=False),
    },
}

# --------------------------------------------------------------------------- strict checks

_GQL_SCALAR = {
    "string": ("a string", "String"),
    "integer": ("an integer", "Int"),
    "number": ("a float", "Float"),
    "boolean": ("a boolean", "Boolean"),
    "array": ("a list", "List"),
    "object": ("an object", "Object"),
}


def json_kind(value: Any) -> str:
    """How Hasura names the JSON type it found: ``a string``, ``a number``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _type_ok(spec: Field, value: Any) -> bool:
    if spec.type == "string":
        return isinstance(value, str)
    if spec.type == "boolean":
        return isinstance(value, bool)
    if spec.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if spec.type == "array":
        return isinstance(value, list)
    if spec.type == "object":
        return isinstance(value, dict)
    return True


def _type_error(spec: Field, value: Any) -> ApiError:
    article, gql = _GQL_SCALAR[spec.type]
    if spec.gql and spec.type == "object":
        gql = spec.gql
    return ApiError(
        400, f"Expected {article} for type {gql} but found {json_kind(value)}", "validation-failed"
    )


def _check_value(spec: Field, value: Any, where: str) -> None:
    if not _type_ok(spec, value):
        raise _type_error(spec, value)
    if spec.enum is not None and value not in spec.enum:
        raise ApiError(
            400,
            f'Expected one of the values of enum type {spec.gql} but found "{value}"',
            "validation-failed",
        )
    if spec.type == "array" and spec.items is not None:
        for i, item in enumerate(value):
            if item is None:
                if not spec.items.nullable:
                    raise missing_value(f"{where}[{i}]")
                continue
            _check_value(spec.items, item, f"{where}[{i}]")
    if spec.type == "object" and spec.fields is not None:
        _check_object(spec.fields, value, where + ".")


def _check_object(table: Mapping[str, Field], obj: Mapping[str, Any], prefix: str) -> None:
    for key in obj:
        if key not in table:
            raise unexpected_variable(f"{prefix}{key}")
    for key, spec in table.items():
        if not spec.nullable and obj.get(key) is None and (key in obj or not spec.has_default):
            raise missing_value(f"{prefix}{key}")
    for key, value in obj.items():
        if value is None:
            continue
        _check_value(table[key], value, f"{prefix}{key}")


def check_request(op_id: str, body: Any) -> dict[str, Any]:
    """Strict Hasura-like validation of a JSON body; returns it with null values dropped."""
    table = REQUEST_TABLES[op_id]
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiError(
            400,
            f"Expected an object for the request body but found {json_kind(body)}",
            "bad-request",
        )
    _check_object(table, body, "")
    return {k: v for k, v in body.items() if v is not None}


# --------------------------------------------------------------------------- small helpers

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def is_uuid(value: str) -> bool:
    """Postgres-style uuid syntax check."""
    return bool(UUID_RE.match(value))


def require_int(value: str) -> int:
    """Path ids that go to an integer column: bad syntax is a Postgres ``data-exception``."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ApiError(400, f'invalid input syntax for type integer: "{value}"', "data-exception")
    return int(value)


def require_uuid(value: str) -> str:
    """Path ids go to a uuid column: bad syntax is a Postgres ``data-exception``."""
    if not is_uuid(value):
        raise ApiError(400, f'invalid input syntax for type uuid: "{value}"', "data-exception")
    return value.lower()


def find_word(text: str, words: tuple[str, ...]) -> str | None:
    """The first of ``words`` contained in ``text`` (case-insensitive), or None."""
    low = text.lower()
    for word in words:
        if word and word.lower() in low:
            return word
    return None


def round8(value: float) -> int:
    """Round to the nearest multiple of 8 (at least 8)."""
    return max(8, round(value / 8.0) * 8)


@dataclass
class GenerationPlan:
    """A validated ``POST /generations`` request with every effective value filled in."""

    prompt: str
    negative_prompt: str | None
    model_id: str | None
    model_name: str
    sd_version: str
    width: int
    height: int
    out_width: int
    out_height: int
    num_images: int
    steps: int
    guidance: float
    seed: int
    scheduler: str
    preset_style: str | None
    alchemy: bool
    high_resolution: bool
    photo_real: bool
    photo_real_version: str | None
    photo_real_strength: float | None
    prompt_magic: bool
    prompt_magic_strength: float | None
    prompt_magic_version: str | None
    ultra: bool
    public: bool
    transparent: bool
    init_strength: float | None
    elements: list[tuple[str, float]] = field(default_factory=list)
    user_elements: list[tuple[int, float]] = field(default_factory=list)
    pricing: dict[str, Any] = field(default_factory=dict)
    cost: int = 0
    nsfw: bool = False
    fail: bool = False


# --------------------------------------------------------------------------- generation rules


class Lookup(Protocol):
    """What the generation rules need to know about the account's data."""

    def model(self, model_id: str) -> ModelInfo | None:
        """A platform or own model by id."""

    def is_custom_model(self, model_id: str) -> bool:
        """True for the account's own models."""

    def init_image_ready(self, image_id: str) -> bool:
        """An uploaded (S3 POST done) init image."""

    def generated_image_exists(self, image_id: str) -> bool:
        """A generated image id (``generated_images[].id``)."""

    def element(self, ak_uuid: str) -> ElementInfo | None:
        """A platform element."""

    def user_element(self, lora_id: int) -> UserElementInfo | None:
        """A custom element."""


MAX_SEED = 9_999_999_998
MAX_SEED_FLUX = 2_147_483_637


def _num(body: Mapping[str, Any], key: str, default: float | None = None) -> float | None:
    value = body.get(key, default)
    return None if value is None else float(value)


def _range(value: float | None, lo: float, hi: float, key: str) -> None:
    if value is not None and not lo <= value <= hi:
        raise bad_request(f"{key} must be between {lo:g} and {hi:g}")


def plan_generation(
    body: Mapping[str, Any],
    lookup: Lookup,
    *,
    random_seed: int,
    moderation_words: tuple[str, ...],
    fail_words: tuple[str, ...],
    nsfw_words: tuple[str, ...],
    moderation_status: int = 403,
) -> GenerationPlan:
    """Apply the documented rules to a strictly-checked ``createGeneration`` body (one step
    per part of the request; the plan and its pricing keys are listed in full below)."""
    prompt: str = body["prompt"]
    if len(prompt) > 1500:
        raise bad_request(MSG_PROMPT_TOO_LONG)
    if not prompt.strip():
        raise bad_request("Invalid prompt, prompt must not be empty.")  # sim text
    word = find_word(prompt, moderation_words)
    if word is not None:
        raise ApiError(moderation_status, moderation_message(word), "unexpected")
    model, model_id, photo_real, pr_version = _plan_model(body, lookup)
    ultra, alchemy, pr_strength = _plan_modes(body, model_id, photo_real, pr_version)
    width, height, num_images, steps = _plan_size(body)
    scheduler, guidance = _plan_guidance(body, alchemy, model)
    preset = _plan_style(body, alchemy, photo_real)
    init_strength, pm, pm_strength, pm_version = _plan_ranges(body, model, alchemy)
    seed = _plan_seed(body, model, random_seed)
    elements, user_elements = _plan_references(body, lookup)
    out_w, out_h = _plan_output_size(body, model, alchemy, width, height)

    pricing: dict[str, Any] = {
        "imageWidth": width,
        "imageHeight": height,
        "numImages": num_images,
        "inferenceSteps": steps,
        "alchemyMode": alchemy,
        "highResolution": bool(body.get("highResolution", False)),
        "photoRealMode": photo_real,
        "photoRealVersion": pr_version,
        "promptMagic": pm,
        "promptMagicVersion": pm_version,
        "loraCount": len(elements) + len(user_elements),
        "controlnetsCost": CONTROLNET_COST * len(body.get("controlnets", [])),
        "isModelCustom": model_id is not None and lookup.is_custom_model(model_id),
        "isPhoenix": model.is_phoenix,
        "isSDXL": model.is_sdxl,
        "isSDXLLightning": model.is_lightning,
        "isUltra": ultra,
        "isFluxSchnell": model.sd_version == "FLUX",
        "isFluxDev": model.sd_version == "FLUX_DEV",
    }
    return GenerationPlan(
        prompt=prompt,
        negative_prompt=body.get("negative_prompt"),
        model_id=model_id,
        model_name=model.name,
        sd_version=model.sd_version,
        width=width,
        height=height,
        out_width=out_w,
        out_height=out_h,
        num_images=num_images,
        steps=steps,
        guidance=guidance,
        seed=int(seed),
        scheduler=scheduler,
        preset_style=preset,
        alchemy=alchemy,
        high_resolution=bool(body.get("highResolution", False)),
        photo_real=photo_real,
        photo_real_version=pr_version,
        photo_real_strength=pr_strength,
        prompt_magic=pm,
        prompt_magic_strength=pm_strength,
        prompt_magic_version=pm_version,
        ultra=ultra,
        public=bool(body.get("public", False)),
        transparent=body.get("transparency") == "foreground_only",
        init_strength=init_strength,
        elements=elements,
        user_elements=user_elements,
        pricing=pricing,
        cost=image_generation_cost(pricing),
        nsfw=find_word(prompt, nsfw_words) is not None,
        fail=find_word(prompt, fail_words) is not None,
    )


def _plan_model(
    body: Mapping[str, Any], lookup: Lookup
) -> tuple[ModelInfo, str | None, bool, str | None]:
    """The model that runs (and its id as the generation records it), PhotoReal and its
    version."""
    photo_real = bool(body.get("photoReal", False))
    pr_version: str | None = None
    if photo_real:
        pr_version = body.get("photoRealVersion") or "v1"
        if pr_version not in ("v1", "v2"):
            raise bad_request("photoRealVersion must be v1 or v2")  # sim text
    model_id: str | None = body.get("modelId")
    model: ModelInfo
    if model_id is not None:
        if not is_uuid(model_id):
            raise ApiError(500, MSG_INTERNAL, "unexpected")
        found = lookup.model(model_id.lower())
        if found is None:
            raise bad_request(f"{model_id} is not supported within the Production API.")
        if found.status != "COMPLETE":
            raise bad_request(f"model {model_id} is not ready for generation yet")  # sim text
        model = found
        model_id = found.id
    elif photo_real and pr_version == "v1":
        model = BASE_MODELS["v1_5"]
    elif body.get("sd_version"):
        model = BASE_MODELS[body["sd_version"]]
    else:
        model = lookup.model(DEFAULT_MODEL_ID) or BASE_MODELS["SDXL_LIGHTNING"]
        model_id = model.id
    if model.is_phoenix and body.get("sd_version") != "PHOENIX":
        raise bad_request(MSG_PHOENIX_SD_VERSION)
    return model, model_id, photo_real, pr_version


def _plan_modes(
    body: Mapping[str, Any], model_id: str | None, photo_real: bool, pr_version: str | None
) -> tuple[bool, bool, float | None]:
    """Ultra, Alchemy and PhotoReal's rules; the PhotoReal strength."""
    ultra = bool(body.get("ultra", False))
    if ultra and body.get("alchemy") is True:
        raise bad_request("Ultra mode can not be used with Alchemy.")  # sim text
    alchemy = bool(body.get("alchemy", True)) and not ultra
    if photo_real:
        if not alchemy:
            raise bad_request("photoReal requires alchemy to be enabled")  # sim text
        if pr_version == "v1" and body.get("modelId") is not None:
            raise bad_request(
                "photoReal v1 does not take a modelId: remove modelId to use photoReal v1"
            )  # sim text
        if pr_version == "v2" and (model_id or "") not in PHOTOREAL_V2_MODELS:
            raise bad_request(
                "photoReal v2 requires Leonardo Kino XL, Leonardo Diffusion XL or "
                "Leonardo Vision XL"
            )  # sim text
    pr_strength = _num(body, "photoRealStrength", 0.55 if photo_real else None)
    if photo_real and pr_strength not in PHOTOREAL_STRENGTHS:
        raise bad_request("photoRealStrength must be 0.55, 0.5 or 0.45")  # sim text
    return ultra, alchemy, pr_strength


def _plan_size(body: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """Width, height, number of images and steps."""
    width = int(body.get("width", 1024))
    height = int(body.get("height", 768))
    for v in (width, height):
        if not 32 <= v <= 1536 or v % 8:
            raise bad_request(MSG_INVALID_DIMENSIONS)
    num_images = int(body.get("num_images", 4))
    if num_images < 1:
        raise bad_request("num_images must be at least 1")  # sim text
    if num_images > 8 or (num_images > 4 and (width > 768 or height > 768)):
        raise bad_request(MSG_TOO_MANY_IMAGES)
    steps = int(body.get("num_inference_steps", 15))
    if not 10 <= steps <= 60:
        raise bad_request("num_inference_steps must be between 10 and 60")  # sim text
    return width, height, num_images, steps


def _plan_guidance(body: Mapping[str, Any], alchemy: bool, model: ModelInfo) -> tuple[str, float]:
    """The scheduler and the guidance (the FAQ: silently limited, not refused)."""
    scheduler = body.get("scheduler", "EULER_DISCRETE")
    guidance = float(body.get("guidance_scale", 7))
    if alchemy and not model.is_sdxl:
        guidance = min(max(guidance, 2.0), 30.0)
    else:
        guidance = min(max(guidance, 1.0), 20.0)
    if not alchemy and scheduler == "LEONARDO":
        guidance = min(guidance, 7.0)
    return scheduler, guidance


def _plan_style(body: Mapping[str, Any], alchemy: bool, photo_real: bool) -> str:
    if photo_real:
        allowed, mode = PHOTOREAL_STYLES, "with photoReal"
    elif alchemy:
        allowed, mode = ALCHEMY_STYLES, "with alchemy"
    else:
        allowed, mode = NO_ALCHEMY_STYLES, "without alchemy (use LEONARDO or NONE)"
    preset = body.get("presetStyle")
    if preset is None:
        preset = "DYNAMIC" if (alchemy or photo_real) else "LEONARDO"
    elif preset not in allowed:
        raise bad_request(f"presetStyle {preset} is not valid {mode}")  # sim text
    return str(preset)


def _plan_ranges(
    body: Mapping[str, Any], model: ModelInfo, alchemy: bool
) -> tuple[float | None, bool, float | None, str | None]:
    """Contrast, init strength and Prompt Magic."""
    contrast = _num(body, "contrast")
    if contrast is not None:
        if contrast not in CONTRAST_VALUES:
            raise bad_request("contrast must be one of 1.0, 1.3, 1.8, 2.5, 3, 3.5, 4, 4.5")
        if model.is_phoenix and alchemy and contrast < 2.5:
            raise bad_request("For Phoenix, if alchemy is true, contrast needs to be 2.5 or higher")
    _range(_num(body, "contrastRatio"), 0.0, 1.0, "contrastRatio")
    init_strength = _num(body, "init_strength")
    _range(init_strength, 0.1, 0.9, "init_strength")
    pm = bool(body.get("promptMagic", False))
    pm_strength = _num(body, "promptMagicStrength")
    _range(pm_strength, 0.1, 1.0, "promptMagicStrength")
    pm_version = body.get("promptMagicVersion")
    if pm_version is not None and pm_version not in ("v2", "v3"):
        raise bad_request("promptMagicVersion must be v2 or v3")  # sim text
    return init_strength, pm, pm_strength, pm_version


def _plan_seed(body: Mapping[str, Any], model: ModelInfo, random_seed: int) -> int:
    max_seed = MAX_SEED_FLUX if model.is_flux else MAX_SEED
    seed = body.get("seed")
    if seed is None:
        seed = random_seed % (max_seed + 1)
    elif not 0 <= seed <= max_seed:
        raise bad_request(f"seed must be between 0 and {max_seed}")  # sim text
    return int(seed)


def _plan_references(
    body: Mapping[str, Any], lookup: Lookup
) -> tuple[list[tuple[str, float]], list[tuple[int, float]]]:
    """Every image and element the request names must exist; the elements with weights."""
    init_image_id = body.get("init_image_id")
    if init_image_id is not None and not lookup.init_image_ready(init_image_id):
        raise bad_request(MSG_INVALID_INIT_IMAGE)
    init_gen_image = body.get("init_generation_image_id")
    if init_gen_image is not None and not lookup.generated_image_exists(init_gen_image):
        raise bad_request(MSG_COULDNT_ACCESS)
    if body.get("unzoom") and (init_image_id is None or body.get("unzoomAmount") is None):
        raise bad_request("unzoom requires init_image_id and unzoomAmount")  # sim text
    for cn in body.get("controlnets", []):
        if cn["initImageType"] == "UPLOADED":
            if not lookup.init_image_ready(cn["initImageId"]):
                raise bad_request(MSG_INVALID_INIT_IMAGE)
        elif not lookup.generated_image_exists(cn["initImageId"]):
            raise bad_request(MSG_COULDNT_ACCESS)
    for image_id in body.get("imagePrompts", []):
        if image_id is None:
            continue
        if not (lookup.init_image_ready(image_id) or lookup.generated_image_exists(image_id)):
            raise bad_request(MSG_INVALID_INIT_IMAGE)
    # canvasRequest, canvasRequestType, canvasInitId, canvasMaskId: leodesk.sim.canvas checks
    # them (and the pictures' sizes) before the request is planned.
    elements: list[tuple[str, float]] = []
    for el in body.get("elements", []):
        info = lookup.element(el["akUUID"])
        if info is None:
            raise bad_request(f"element {el['akUUID']} not found")  # sim text
        elements.append((info.ak_uuid, float(el.get("weight", info.weight_default))))
    user_elements: list[tuple[int, float]] = []
    for el in body.get("userElements", []):
        lora_id = el.get("userLoraId")
        if lora_id is None or lookup.user_element(int(lora_id)) is None:
            raise bad_request(f"user element {lora_id} not found")  # sim text
        user_elements.append((int(lora_id), float(el.get("weight", 1.0))))
    return elements, user_elements


def _plan_output_size(
    body: Mapping[str, Any], model: ModelInfo, alchemy: bool, width: int, height: int
) -> tuple[int, int]:
    """The size of the images made (Alchemy upscales)."""
    factor = 1.0
    if alchemy and not (model.is_phoenix or model.is_flux):
        if model.is_sdxl:
            factor = 1.75
        elif model.sd_version in ("v1_5", "v2"):
            factor = 2.0 if body.get("highResolution") else 1.5
    out_w = min(round8(width * factor), 3072)
    out_h = min(round8(height * factor), 3072)
    return out_w, out_h
