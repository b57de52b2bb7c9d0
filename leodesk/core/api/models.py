"""Request and response data classes of the Leonardo API client.

Requests are frozen dataclasses whose fields default to ``None`` (= not sent). Responses are
frozen dataclasses built leniently by :mod:`leodesk.core.api.parse`: every field may be ``None``,
enum values are plain strings (new values appear before the spec lists them), and keys the client
does not know are kept in ``extra`` so nothing the server adds is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "JOB_COMPLETE",
    "JOB_FAILED",
    "JOB_PENDING",
    "CanvasUploadIds",
    "ControlNetRef",
    "Cost",
    "CustomModel",
    "Element",
    "ElementRef",
    "GeneratedImage",
    "Generation",
    "GenerationElement",
    "GenerationJob",
    "GenerationRequest",
    "InitImage",
    "InitImageUpload",
    "LcmRequest",
    "LcmResult",
    "ModelTraits",
    "MotionRequest",
    "PlatformModel",
    "PricingRequest",
    "PromptResult",
    "UniversalUpscaleRequest",
    "UserElement",
    "UserElementRef",
    "UserInfo",
    "Variation",
    "VariationJob",
    "parse_timestamp",
]

JOB_PENDING = "PENDING"
JOB_COMPLETE = "COMPLETE"
JOB_FAILED = "FAILED"
_TERMINAL = frozenset({JOB_COMPLETE, JOB_FAILED})


def _extra() -> Mapping[str, Any]:
    return {}


def parse_timestamp(value: str | None) -> datetime | None:
    """Parse a Hasura timestamp (``2024-05-01T12:00:00.123``, with or without ``Z``/offset).

    A timestamp without a zone is taken as UTC. Returns an aware datetime, or None if unparsable.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python before 3.11 disliked some fraction lengths; 3.11 handles 1-6 digits. Trim longer ones.
    if "." in text:
        head, _, tail = text.partition(".")
        digits = ""
        rest = tail
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest}" if digits else head + rest
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementRef:
    """A platform element (LoRA) applied to a generation: ``{"akUUID", "weight"}``."""

    ak_uuid: str
    weight: float | None = None


@dataclass(frozen=True)
class UserElementRef:
    """A custom (user-trained) element: ``{"userLoraId", "weight"}``."""

    user_lora_id: int
    weight: float | None = None


@dataclass(frozen=True)
class ControlNetRef:
    """One ``controlnets[]`` entry. ``init_image_type`` is ``"GENERATED"`` or ``"UPLOADED"``."""

    init_image_id: str
    init_image_type: str
    preprocessor_id: int
    weight: float | None = None
    strength_type: str | None = None


@dataclass(frozen=True)
class GenerationRequest:
    """The body of ``POST /generations``. Only ``prompt`` is required; ``None`` means "not sent".

    ``public`` is not a field: the client always sends ``public: false``.
    ``style_uuid`` maps to ``styleUUID``, which is NOT in the v1 spec (see ``serialize``).
    ``made_from`` is local: the library image a canvas job was painted over, recorded as the
    results' parent in the lineage; the serializer's allow-list never sends it.
    """

    prompt: str
    negative_prompt: str | None = None
    model_id: str | None = None
    sd_version: str | None = None
    width: int | None = None
    height: int | None = None
    num_images: int | None = None
    guidance_scale: float | None = None
    num_inference_steps: int | None = None
    seed: int | None = None
    scheduler: str | None = None
    preset_style: str | None = None
    alchemy: bool | None = None
    contrast_ratio: float | None = None
    contrast: float | None = None
    expanded_domain: bool | None = None
    high_resolution: bool | None = None
    fantasy_avatar: bool | None = None
    high_contrast: bool | None = None
    photo_real: bool | None = None
    photo_real_version: str | None = None
    photo_real_strength: float | None = None
    prompt_magic: bool | None = None
    prompt_magic_strength: float | None = None
    prompt_magic_version: str | None = None
    init_image_id: str | None = None
    init_generation_image_id: str | None = None
    init_strength: float | None = None
    image_prompts: tuple[str, ...] | None = None
    image_prompt_weight: float | None = None
    controlnets: tuple[ControlNetRef, ...] | None = None
    elements: tuple[ElementRef, ...] | None = None
    user_elements: tuple[UserElementRef, ...] | None = None
    tiling: bool | None = None
    transparency: str | None = None
    ultra: bool | None = None
    unzoom: bool | None = None
    unzoom_amount: float | None = None
    upscale_ratio: float | None = None
    enhance_prompt: bool | None = None
    enhance_prompt_instruction: str | None = None
    canvas_request: bool | None = None
    canvas_request_type: str | None = None
    canvas_init_id: str | None = None
    canvas_mask_id: str | None = None
    style_uuid: str | None = None
    #: Local only, never sent: the library image a canvas job started from (its lineage parent).
    made_from: str | None = None


@dataclass(frozen=True)
class LcmRequest:
    """The body of a realtime (LCM) request: ``POST /generations-lcm``, ``/lcm-instant-refine``,
    ``/lcm-inpainting`` (``mask_data_url`` required) or ``/lcm-upscale`` (``refine_creative``,
    ``refine_strength``). Each operation sends only its own keys; ranges are checked before
    sending (guidance 0.5-20, strength 0.1-1, steps 4-16, width/height 512, 640 or 1024,
    refine_strength 0.5-0.9). ``request_timestamp`` is echoed by the server, so a caller can
    match answers to requests."""

    image_data_url: str
    prompt: str
    guidance: float | None = None
    strength: float | None = None
    steps: int | None = None
    style: str | None = None
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    request_timestamp: str | None = None
    mask_data_url: str | None = None
    refine_creative: bool | None = None
    refine_strength: float | None = None

    def __repr__(self) -> str:
        # the data URLs are megabytes of base64: never in logs or tracebacks
        return (
            f"LcmRequest(prompt={self.prompt!r}, width={self.width!r}, height={self.height!r}, "
            f"strength={self.strength!r}, seed={self.seed!r}, "
            f"request_timestamp={self.request_timestamp!r})"
        )


@dataclass(frozen=True)
class CanvasUploadIds:
    """The ids of a canvas init image and its mask, uploaded (``POST /canvas-init-image``)."""

    init_image_id: str
    mask_image_id: str


@dataclass(frozen=True)
class MotionRequest:
    """The body of ``POST /generations-motion-svd`` (``isPublic`` is always sent as false)."""

    image_id: str
    is_init_image: bool | None = None
    is_variation: bool | None = None
    motion_strength: int | None = None


@dataclass(frozen=True)
class UniversalUpscaleRequest:
    """The body of ``POST /variations/universal-upscaler``.

    Set exactly one of ``generated_image_id``, ``init_image_id``, ``variation_id``; use either
    ``upscaler_style`` (+ ``creativity_strength``, ``prompt``) or ``ultra_upscale_style``
    (+ ``similarity``, ``detail_contrast``), not both.
    """

    generated_image_id: str | None = None
    init_image_id: str | None = None
    variation_id: str | None = None
    upscale_multiplier: float | None = None
    upscaler_style: str | None = None
    creativity_strength: int | None = None
    prompt: str | None = None
    ultra_upscale_style: str | None = None
    similarity: int | None = None
    detail_contrast: int | None = None

    def __post_init__(self) -> None:
        sources = [self.generated_image_id, self.init_image_id, self.variation_id]
        if sum(source is not None for source in sources) != 1:
            raise ValueError(
                "set exactly one of generated_image_id, init_image_id and variation_id"
            )
        if self.upscaler_style is not None and self.ultra_upscale_style is not None:
            raise ValueError("upscaler_style and ultra_upscale_style cannot be combined")


@dataclass(frozen=True)
class PricingRequest:
    """The body of ``POST /pricing-calculator``.

    Sent as ``{"service": service, "serviceParams": {service: params}}``.
    """

    service: str
    params: Mapping[str, Any] = field(default_factory=_extra)


@dataclass(frozen=True)
class ModelTraits:
    """What the pricing calculator needs to know about the model of a generation."""

    is_custom: bool = False
    is_phoenix: bool = False
    is_sdxl: bool = False
    is_sdxl_lightning: bool = False
    is_flux_schnell: bool = False
    is_flux_dev: bool = False
    is_flux_kontext: bool = False

    @classmethod
    def from_sd_version(cls, sd_version: str | None, *, is_custom: bool = False) -> ModelTraits:
        """Derive the flags from a model's ``sdVersion`` (unknown versions give no flags)."""
        version = (sd_version or "").upper()
        return cls(
            is_custom=is_custom,
            is_phoenix=version == "PHOENIX",
            is_sdxl=version.startswith("SDXL") and version != "SDXL_LIGHTNING",
            is_sdxl_lightning=version == "SDXL_LIGHTNING",
            is_flux_schnell=version == "FLUX",
            is_flux_dev=version == "FLUX_DEV",
        )


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """``cost: {amount, unit}``; ``amount`` is a string in the API (``"0.0147"``)."""

    amount: str | None = None
    unit: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)

    @property
    def amount_decimal(self) -> Decimal | None:
        """``amount`` as a Decimal, or None when absent or not a number."""
        if self.amount is None:
            return None
        try:
            return Decimal(self.amount)
        except InvalidOperation:
            return None


@dataclass(frozen=True)
class UserInfo:
    """Element 0 of ``GET /me``'s ``user_details``."""

    user_id: str | None = None
    username: str | None = None
    api_subscription_tokens: int | None = None
    api_paid_tokens: int | None = None
    api_concurrency_slots: int | None = None
    token_renewal_date: str | None = None
    api_plan_token_renewal_date: str | None = None
    paid_tokens: int | None = None
    subscription_tokens: int | None = None
    subscription_gpt_tokens: int | None = None
    subscription_model_tokens: int | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)

    @property
    def api_credits(self) -> int | None:
        """The API credit balance: ``apiSubscriptionTokens + apiPaidTokens`` (may be negative)."""
        parts = [p for p in (self.api_subscription_tokens, self.api_paid_tokens) if p is not None]
        return sum(parts) if parts else None


@dataclass(frozen=True)
class PlatformModel:
    """An item of ``GET /platformModels``. ``sd_version``/dimensions are not in the spec but kept
    when the server sends them."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    nsfw: bool | None = None
    featured: bool | None = None
    thumbnail_id: str | None = None
    thumbnail_url: str | None = None
    sd_version: str | None = None
    model_width: int | None = None
    model_height: int | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class CustomModel:
    """An item of ``GET /models/user/{userId}``."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    instance_prompt: str | None = None
    model_width: int | None = None
    model_height: int | None = None
    public: bool | None = None
    sd_version: str | None = None
    status: str | None = None
    type: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class Element:
    """A platform element (LoRA) from ``GET /elements``. Weights are floats here although the spec
    says integer."""

    ak_uuid: str | None = None
    name: str | None = None
    description: str | None = None
    url_image: str | None = None
    base_model: str | None = None
    creator_name: str | None = None
    weight_default: float | None = None
    weight_min: float | None = None
    weight_max: float | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class UserElement:
    """A custom element from ``GET /elements/user/{userId}``."""

    id: int | None = None
    name: str | None = None
    description: str | None = None
    instance_prompt: str | None = None
    resolution: int | None = None
    learning_rate: float | None = None
    training_epoch: int | None = None
    train_text_encoder: bool | None = None
    base_model: str | None = None
    status: str | None = None
    focus: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class Variation:
    """A post-processing output (upscale, unzoom, nobg...).

    The API calls it ``generated_image_variation_generic``.
    """

    id: str | None = None
    status: str | None = None
    transform_type: str | None = None
    url: str | None = None
    created_at: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)

    @property
    def is_terminal(self) -> bool:
        """True once the status is COMPLETE or FAILED."""
        return self.status in _TERMINAL


@dataclass(frozen=True)
class GeneratedImage:
    """An item of a generation's ``generated_images``."""

    id: str | None = None
    url: str | None = None
    nsfw: bool | None = None
    like_count: int | None = None
    motion: bool | None = None
    motion_model: str | None = None
    motion_strength: int | None = None
    motion_mp4_url: str | None = None
    image_to_video: bool | None = None
    fantasy_avatar: bool | None = None
    variations: tuple[Variation, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class GenerationElement:
    """An item of a generation's ``generation_elements``."""

    id: int | None = None
    lora: Element | None = None
    weight_applied: float | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class Generation:
    """A generation (``generations_by_pk`` or an item of ``generations``)."""

    id: str | None = None
    status: str | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    model_id: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    seed: int | None = None
    created_at: str | None = None
    images: tuple[GeneratedImage, ...] = ()
    elements: tuple[GenerationElement, ...] = ()
    inference_steps: int | None = None
    guidance_scale: float | None = None
    init_strength: float | None = None
    scheduler: str | None = None
    sd_version: str | None = None
    preset_style: str | None = None
    public: bool | None = None
    photo_real: bool | None = None
    photo_real_strength: float | None = None
    prompt_magic: bool | None = None
    prompt_magic_strength: float | None = None
    prompt_magic_version: str | None = None
    ultra: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)

    @property
    def created_at_datetime(self) -> datetime | None:
        """``created_at`` parsed as an aware UTC datetime (None if absent or unparsable)."""
        return parse_timestamp(self.created_at)

    @property
    def is_complete(self) -> bool:
        """True when the status is COMPLETE."""
        return self.status == JOB_COMPLETE

    @property
    def is_failed(self) -> bool:
        """True when the status is FAILED."""
        return self.status == JOB_FAILED

    @property
    def is_terminal(self) -> bool:
        """True once the status is COMPLETE or FAILED."""
        return self.status in _TERMINAL


@dataclass(frozen=True)
class GenerationJob:
    """The reply of a generation submit (``sdGenerationJob``, ``motionSvdGenerationJob``)."""

    generation_id: str
    api_credit_cost: int | None = None
    cost: Cost | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class VariationJob:
    """The reply of a variation submit (``sdUpscaleJob``, ``sdUnzoomJob``, ``sdNobgJob``,
    ``universalUpscaler``). Poll it with ``get_variation(id)``."""

    id: str
    api_credit_cost: int | None = None
    cost: Cost | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class PromptResult:
    """``promptGeneration`` from ``/prompt/random`` and ``/prompt/improve``."""

    prompt: str | None = None
    api_credit_cost: int | None = None
    cost: Cost | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class LcmResult:
    """``lcmGenerationJob``: the images decoded from their data URLs (``image_ext`` is the
    format of the first: ``jpg``, ``png`` or ``webp``), the echoed ``request_timestamp``, the
    cost, and for ``/lcm-upscale`` the ids of what the server stored (all optional)."""

    images: list[bytes]
    image_ext: str = "jpg"
    request_timestamp: str | None = None
    api_credit_cost: int | None = None
    cost_amount: str | None = None
    cost: Cost | None = None
    generation_ids: tuple[str, ...] = ()
    variation_ids: tuple[str, ...] = ()
    generated_image_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)

    def __repr__(self) -> str:
        sizes = [len(image) for image in self.images]
        return (
            f"LcmResult(images={sizes} bytes, image_ext={self.image_ext!r}, "
            f"request_timestamp={self.request_timestamp!r}, cost_amount={self.cost_amount!r})"
        )


@dataclass(frozen=True)
class InitImage:
    """``init_images_by_pk``."""

    id: str | None = None
    url: str | None = None
    created_at: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)


@dataclass(frozen=True)
class InitImageUpload:
    """``uploadInitImage``: the presigned S3 POST. ``fields`` is decoded from its JSON string."""

    id: str | None = None
    url: str | None = None
    key: str | None = None
    fields: Mapping[str, str] | None = None
    extra: Mapping[str, Any] = field(default_factory=_extra, compare=False, hash=False)

    def __repr__(self) -> str:
        # The presign (policy, signature) is a short-lived credential: keep it out of logs.
        return f"InitImageUpload(id={self.id!r}, key={self.key!r})"
