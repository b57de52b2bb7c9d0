"""The simulated platform's Blueprints: a few official ones, each with versions whose declared
inputs (``uiMetadata.inputs``) cover text, numbers and images.

The spec types ``uiMetadata.inputs`` only as objects. Its example shows ``type``, ``label``,
``nodeId``, ``required``, ``placeholder`` and ``settingName``; the simulator adds what a form
needs for the other kinds: ``defaultValue``, ``maxLength`` (text), ``min``, ``max``, ``step``
and ``integer`` (numbers). A number travels as a ``text`` setting holding the number as a
string, as ``NodeInput.value`` is a string or a list of text variables. Names, descriptions and
prompts are invented for the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import stable_uuid


@dataclass(frozen=True)
class InputDecl:
    """One input a version declares."""

    key: str  # stable name inside the catalogue (the node id derives from it)
    type: str  # "text" | "number" | "image"
    label: str
    required: bool = False
    placeholder: str = ""
    default: str | float | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    integer: bool = False

    @property
    def node_id(self) -> str:
        return stable_uuid(f"blueprint-node:{self.key}")

    @property
    def setting_name(self) -> str:
        return "imageUrl" if self.type == "image" else "text"

    def json(self) -> dict[str, Any]:
        """The declaration as ``uiMetadata.inputs[]`` shows it."""
        out: dict[str, Any] = {
            "type": self.type,
            "label": self.label,
            "nodeId": self.node_id,
            "required": self.required,
            "placeholder": self.placeholder,
            "settingName": self.setting_name,
        }
        extra = {
            "defaultValue": self.default,
            "maxLength": self.max_length,
            "min": self.minimum,
            "max": self.maximum,
            "step": self.step,
        }
        out.update({k: v for k, v in extra.items() if v is not None})
        if self.type == "number":
            out["integer"] = self.integer
        return out


@dataclass(frozen=True)
class VersionInfo:
    """A blueprint version: its price, inputs, outputs and the generations it makes."""

    key: str
    created_at: str
    cost: int
    inputs: tuple[InputDecl, ...]
    batches: tuple[int, ...]  # images per generation it makes
    prompt: str  # template: {input key} is replaced by the input's value
    models: tuple[str, ...] = ("gemini-2.5-flash-image",)
    executable: bool = True
    size: tuple[int, int] = (1024, 1024)

    @property
    def id(self) -> str:
        return stable_uuid(f"blueprint-version:{self.key}")

    @property
    def outputs(self) -> int:
        return sum(self.batches)


@dataclass(frozen=True)
class BlueprintInfo:
    key: str
    name: str
    description: str
    created_at: str
    updated_at: str
    categories: tuple[str, ...]
    versions: tuple[VersionInfo, ...]  # newest first
    platforms: tuple[str, ...] = ("API", "Web")
    extra_thumbnails: tuple[str, ...] = field(default=("thumbnailUrlBanner",))

    @property
    def id(self) -> str:
        return stable_uuid(f"blueprint:{self.key}")


_PHOTO = InputDecl(
    "relight-photo",
    "image",
    "Your photo",
    required=True,
    placeholder="A photo to relight: a portrait, a street, a room",
)
_PHOTO_V1 = InputDecl(
    "relight-photo-v1", "image", "Your photo", required=True, placeholder="A photo to relight"
)
_MOOD = InputDecl(
    "relight-mood",
    "text",
    "Mood",
    placeholder="warm, hazy, dramatic…",
    default="warm and soft",
    max_length=80,
)
_WARMTH = InputDecl(
    "relight-warmth",
    "number",
    "Warmth",
    default=60,
    minimum=0,
    maximum=100,
    step=5,
    integer=True,
)
_DISH = InputDecl(
    "recipe-dish",
    "text",
    "Dish",
    required=True,
    placeholder="e.g. shakshuka with feta",
    max_length=200,
)
_SERVINGS = InputDecl(
    "recipe-servings", "number", "Servings", default=4, minimum=1, maximum=8, integer=True
)
_PRODUCT = InputDecl(
    "product-photo",
    "image",
    "Product photo",
    required=True,
    placeholder="The product on a plain background",
)
_SCENE = InputDecl(
    "product-scene",
    "text",
    "Scene",
    required=True,
    placeholder="marble counter, morning light",
    max_length=300,
)
_ZOOM = InputDecl(
    "product-zoom",
    "number",
    "Zoom",
    default=1.0,
    minimum=0.5,
    maximum=2.0,
    step=0.25,
)
_SUBJECT = InputDecl(
    "sticker-subject",
    "text",
    "Subject",
    required=True,
    placeholder="a sleepy fox",
    max_length=120,
)
_OUTLINE = InputDecl(
    "sticker-outline",
    "number",
    "Outline width (px)",
    default=4,
    minimum=0,
    maximum=12,
    integer=True,
)
_SUBJECT_V1 = InputDecl(
    "sticker-subject-v1", "text", "Subject", required=True, placeholder="a sleepy fox"
)

BLUEPRINTS: tuple[BlueprintInfo, ...] = (
    BlueprintInfo(
        "golden-hour",
        "Golden Hour Relight",
        "Relight a photo with the warm, low sun of late afternoon for a soft, radiant glow.",
        "2025-10-29T21:31:47.999Z",
        "2025-12-19T02:34:44.740Z",
        ("photo-editing",),
        (
            VersionInfo(
                "golden-hour-2",
                "2025-12-19T02:34:44.740Z",
                40,
                (_PHOTO, _MOOD, _WARMTH),
                (2,),
                "golden hour relight, {relight-mood}, warmth {relight-warmth}",
            ),
            VersionInfo(
                "golden-hour-1",
                "2025-10-29T21:31:47.999Z",
                30,
                (_PHOTO_V1,),
                (1,),
                "golden hour relight",
            ),
        ),
    ),
    BlueprintInfo(
        "recipe",
        "Detailed Recipe with Tags",
        "An editorial photo of the dish with its ingredients around it, their names printed "
        "on paper labels.",
        "2026-01-07T03:08:30.971Z",
        "2026-01-13T01:01:43.989Z",
        ("food", "social-media"),
        (
            VersionInfo(
                "recipe-1",
                "2026-01-07T03:08:30.971Z",
                25,
                (_DISH, _SERVINGS),
                (1,),
                "{recipe-dish}, for {recipe-servings}, editorial food photo with labels",
                size=(1024, 1280),
            ),
        ),
    ),
    BlueprintInfo(
        "product-studio",
        "Product Shot Studio",
        "Place a product photo in a styled scene: four catalogue-ready shots.",
        "2025-11-12T09:15:00.000Z",
        "2025-11-27T05:13:21.896Z",
        ("product", "social-media"),
        (
            VersionInfo(
                "product-studio-1",
                "2025-11-27T05:13:21.896Z",
                160,
                (_PRODUCT, _SCENE, _ZOOM),
                (2, 2),
                "product shot, {product-scene}, zoom {product-zoom}",
                size=(1024, 768),
            ),
        ),
    ),
    BlueprintInfo(
        "stickers",
        "Sticker Sheet",
        "A sheet of die-cut stickers of one subject in four poses.",
        "2025-09-02T12:00:00.000Z",
        "2025-12-01T08:30:00.000Z",
        ("illustration", "social-media"),
        (
            VersionInfo(
                "stickers-2",
                "2025-12-01T08:30:00.000Z",
                60,
                (_SUBJECT, _OUTLINE),
                (4,),
                "sticker sheet of {sticker-subject}, white outline {sticker-outline}px",
            ),
            VersionInfo(
                "stickers-1",
                "2025-09-02T12:00:00.000Z",
                60,
                (_SUBJECT_V1,),
                (4,),
                "sticker sheet of {sticker-subject-v1}",
                models=("retired-sticker-model",),
                executable=False,
            ),
        ),
        platforms=("Web", "API", "iOS"),
    ),
)
