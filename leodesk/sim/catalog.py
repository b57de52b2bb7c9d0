"""Static data of the simulated platform: models, elements (LoRAs), random prompts.

The platform model ids are the ones Leonardo publishes; everything else (custom models,
elements, descriptions) is invented for the simulator.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

#: The ``modelId`` the spec gives as default for ``POST /generations``.
DEFAULT_MODEL_ID = "b24e16ff-06e3-43eb-8d33-4416c2d75876"

#: Models PhotoReal v2 accepts (Kino XL, Diffusion XL, Vision XL).
PHOTOREAL_V2_MODELS = frozenset(
    {
        "aa77f04e-3eec-4034-9c07-d0f619684628",
        "1e60896f-3c26-4296-8ecc-53e2afecc132",
        "5c232a9e-9061-4777-980a-ddc8e65647c6",
    }
)

SDXL_VERSIONS = frozenset({"SDXL_0_8", "SDXL_0_9", "SDXL_1_0", "SDXL_LIGHTNING"})
FLUX_VERSIONS = frozenset({"FLUX", "FLUX_DEV"})


def stable_uuid(name: str) -> str:
    """A version-4-shaped UUID derived from ``name`` (same name, same id, every run)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


@dataclass(frozen=True)
class ModelInfo:
    """A platform or custom model as the simulator knows it."""

    id: str
    name: str
    description: str
    sd_version: str
    featured: bool = False
    nsfw: bool = False
    width: int = 1024
    height: int = 1024
    platform: bool = True
    status: str = "COMPLETE"
    type: str = "GENERAL"
    instance_prompt: str | None = None

    @property
    def is_sdxl(self) -> bool:
        """SDXL family (incl. Lightning): Alchemy on these is Alchemy v2."""
        return self.sd_version in SDXL_VERSIONS

    @property
    def is_lightning(self) -> bool:
        """SDXL Lightning model."""
        return self.sd_version == "SDXL_LIGHTNING"

    @property
    def is_phoenix(self) -> bool:
        """Leonardo Phoenix model (needs ``sd_version: PHOENIX``)."""
        return self.sd_version == "PHOENIX"

    @property
    def is_flux(self) -> bool:
        """Flux model (seed max 2147483637)."""
        return self.sd_version in FLUX_VERSIONS

    @property
    def preview_image_id(self) -> str:
        """Id of the thumbnail (``generated_image.id``)."""
        return stable_uuid(f"preview:{self.id}")


PLATFORM_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3",
        "Leonardo Phoenix 1.0",
        "Leonardo's foundational model with strong prompt adherence and legible text.",
        "PHOENIX",
        featured=True,
    ),
    ModelInfo(
        "6b645e3a-d64f-4341-a6d8-7a3690fbf042",
        "Leonardo Phoenix 0.9",
        "Preview release of the Phoenix foundational model.",
        "PHOENIX",
    ),
    ModelInfo(
        "b2614463-296c-462a-9586-aafdb8f00e36",
        "Flux Dev",
        "A high quality Flux model for detailed, prompt-faithful images.",
        "FLUX_DEV",
        featured=True,
    ),
    ModelInfo(
        "1dd50843-d653-4516-a8e3-f0238ee453ff",
        "Flux Schnell",
        "A fast Flux model for quick iterations.",
        "FLUX",
    ),
    ModelInfo(
        "aa77f04e-3eec-4034-9c07-d0f619684628",
        "Leonardo Kino XL",
        "A model with a strong focus on cinematic outputs.",
        "SDXL_1_0",
        featured=True,
    ),
    ModelInfo(
        "5c232a9e-9061-4777-980a-ddc8e65647c6",
        "Leonardo Vision XL",
        "A versatile model that excels at realism and photography.",
        "SDXL_0_9",
        featured=True,
    ),
    ModelInfo(
        "1e60896f-3c26-4296-8ecc-53e2afecc132",
        "Leonardo Diffusion XL",
        "The next phase of the core Leonardo model, stunning outputs even with short prompts.",
        "SDXL_0_9",
        featured=True,
    ),
    ModelInfo(
        "b24e16ff-06e3-43eb-8d33-4416c2d75876",
        "Leonardo Lightning XL",
        "A high-speed generalist image generation model.",
        "SDXL_LIGHTNING",
        featured=True,
    ),
    ModelInfo(
        "e71a1c2f-4f80-4800-934f-2c68979d8cc8",
        "Leonardo Anime XL",
        "A high-speed anime-focused model.",
        "SDXL_LIGHTNING",
    ),
    ModelInfo(
        "2067ae52-33fd-4a82-bb92-c2c55e7d2786",
        "AlbedoBase XL",
        "A great generalist model that tends towards more CG artistic outputs.",
        "SDXL_0_9",
    ),
    ModelInfo(
        "16e7060a-803e-4df3-97ee-edcfa5dc9cc8",
        "SDXL 1.0",
        "Diffusion-based text-to-image generative model by Stability AI.",
        "SDXL_1_0",
    ),
    ModelInfo(
        "ac614f96-1082-45bf-be9d-757f2d31c174",
        "DreamShaper v7",
        "A versatile SD 1.5 model for illustration and fantasy art.",
        "v1_5",
        width=640,
        height=832,
    ),
    ModelInfo(
        "e316348f-7773-490e-adcd-46757c738eb7",
        "Absolute Reality v1.6",
        "A photorealistic SD 1.5 model (flagged nsfw in the simulator to exercise the flag).",
        "v1_5",
        nsfw=True,
        width=768,
        height=768,
    ),
    ModelInfo(
        "6bef9f1b-29cb-40c7-b9df-32b51c1f67d3",
        "Leonardo Creative",
        "An alternative finetune of SD 2.1 that brings a little more creative interpretation.",
        "v2",
        width=768,
        height=768,
    ),
)

#: Base models used when ``modelId`` is absent and ``sd_version`` picks one (row modelId null).
BASE_MODELS: dict[str, ModelInfo] = {
    v: ModelInfo(
        stable_uuid(f"base:{v}"), f"Stable Diffusion ({v})", "base model", v, platform=False
    )
    for v in (
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
}


def custom_models() -> tuple[ModelInfo, ...]:
    """The account's own (trained) models; one is still training."""
    return (
        ModelInfo(
            stable_uuid("custom:watercolor"),
            "My Watercolor Style",
            "Soft watercolor landscapes trained on my own paintings.",
            "SDXL_1_0",
            platform=False,
            type="ILLUSTRATIONS",
            instance_prompt="a watercolor painting",
        ),
        ModelInfo(
            stable_uuid("custom:product"),
            "Product Shots v2",
            "Clean studio product photography on white.",
            "v1_5",
            platform=False,
            width=768,
            height=768,
            type="PRODUCT_DESIGN",
            instance_prompt="a product photo",
        ),
        ModelInfo(
            stable_uuid("custom:pixel"),
            "Pixel Heroes (training)",
            "Still training: generating with it is refused.",
            "SDXL_0_9",
            platform=False,
            status="PENDING",
            type="PIXEL_ART",
        ),
    )


@dataclass(frozen=True)
class ElementInfo:
    """A platform element (LoRA) from ``GET /elements``."""

    ak_uuid: str
    name: str
    description: str
    base_model: str
    weight_default: int = 1
    weight_min: int = -1
    weight_max: int = 2
    creator_name: str = "Leonardo"


PLATFORM_ELEMENTS: tuple[ElementInfo, ...] = tuple(
    ElementInfo(stable_uuid(f"element:{name}"), name, desc, base, *weights)
    for name, desc, base, weights in (
        ("Crystal Glass", "Turns subjects into faceted glass.", "SDXL_1_0", (1, -1, 2)),
        ("Toon Shader", "Flat cel-shaded cartoon look.", "SDXL_1_0", (1, -1, 2)),
        ("Ink Wash", "Loose East-Asian ink wash strokes.", "SDXL_0_9", (1, -1, 2)),
        ("Neon Glow", "Saturated neon rim lighting.", "v1_5", (1, -1, 2)),
        ("Vintage Film", "Grainy 1970s film stock colours.", "SDXL_1_0", (1, -1, 2)),
        ("Paper Cutout", "Layered paper craft diorama.", "PHOENIX", (1, -1, 2)),
        ("Baroque Oil", "Chiaroscuro oil painting with heavy varnish.", "SDXL_1_0", (1, 0, 2)),
        ("Clay Figures", "Hand-made plasticine stop-motion figures.", "SDXL_0_9", (1, 0, 1)),
        ("Isometric Rooms", "Tidy isometric cut-away rooms.", "PHOENIX", (1, 0, 2)),
        ("Botanical Plate", "Victorian botanical engraving, hand tinted.", "FLUX_DEV", (1, 0, 2)),
        ("Chrome Type", "Shiny 1980s chrome lettering.", "FLUX_DEV", (1, -1, 1)),
        ("Pixel Sprite", "Crisp 16-bit game sprites.", "v1_5", (1, 0, 2)),
    )
)


@dataclass(frozen=True)
class UserElementInfo:
    """A custom element (user LoRA) from ``GET /elements/user/{userId}``."""

    id: int
    name: str
    description: str
    instance_prompt: str
    focus: str
    base_model: str = "SDXL_1_0"
    resolution: int = 1024
    learning_rate: float = 0.000001
    training_epoch: int = 100
    train_text_encoder: bool = True
    status: str = "COMPLETE"


USER_ELEMENTS: tuple[UserElementInfo, ...] = (
    UserElementInfo(1001, "My Cat Mochi", "My cat, from 24 photos.", "mochi cat", "Character"),
    UserElementInfo(1002, "Brush Texture", "My gouache brush strokes.", "gouache", "Style"),
    UserElementInfo(
        1003, "Logo Mascot", "Our shop's fox mascot.", "foxmascot", "Object", "FLUX_DEV"
    ),
)

RANDOM_PROMPTS: tuple[str, ...] = (
    "A lighthouse on a basalt cliff at dusk, waves frozen mid-crash, volumetric fog",
    "An overgrown greenhouse on a space station, soft morning light, botanical detail",
    "A fox made of autumn leaves running through a birch forest, painterly",
    "A tiny tea shop inside a hollow tree, warm lanterns, rain outside",
    "Portrait of an elderly clockmaker, brass loupe, shallow depth of field",
    "A desert caravan crossing salt flats under two moons, cinematic wide shot",
    "Isometric diorama of a floating island village with waterfalls",
    "A koi pond seen from above, ink and watercolor, gold leaf accents",
    "Retro-futuristic train station in the 1960s style, chrome and teal",
    "A paper origami dragon on a drafting table, macro photography",
    "A snowy mountain monastery at blue hour, prayer flags in the wind",
    "A jazz club in a submarine, portholes showing bioluminescent fish",
    "Still life of citrus fruit and a cracked ceramic bowl, Dutch master lighting",
    "A robot gardener pruning bonsai trees, soft studio light",
    "Aerial view of terraced rice fields after rain, mist in the valleys",
    "A cozy reading nook with a sleeping cat, rainy window, warm tones",
)

#: Prompts of the pre-existing generations (``seed_generations``).
HISTORY_PROMPTS: tuple[str, ...] = (
    "A majestic cat in the snow",
    "An oil painting of a cat",
    "Concept art of a ruined cathedral reclaimed by the forest",
    "A steaming bowl of ramen, food photography",
    "Low-poly fox in a pastel meadow",
    "A neon-lit alley in the rain, cyberpunk",
    "Watercolor map of an imaginary archipelago",
    "Studio portrait of a knight in ornate armour",
)
