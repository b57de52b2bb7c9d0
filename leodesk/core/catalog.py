"""What the app knows about a model: one value type for platform and custom models.

The spec's ``/platformModels`` items carry no ``sdVersion``; the few facts the form's rules need
(SDXL or not, Phoenix, PhotoReal v2 support) come from the model's own ``sdVersion`` when the server
sends one, else from a small table of well-known platform model ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Leonardo Kino XL, Leonardo Diffusion XL, Leonardo Vision XL: the only models PhotoReal v2 takes.
KINO_XL = "aa77f04e-3eec-4034-9c07-d0f619684628"
DIFFUSION_XL = "1e60896f-3c26-4296-8ecc-53e2afecc132"
VISION_XL = "5c232a9e-9061-4777-980a-ddc8e65647c6"
PHOTOREAL_V2_MODELS = frozenset({KINO_XL, DIFFUSION_XL, VISION_XL})

# sd_version of well-known platform models (public ids), used when the server omits it.
KNOWN_SD_VERSIONS: Mapping[str, str] = {
    KINO_XL: "SDXL_1_0",
    DIFFUSION_XL: "SDXL_0_9",
    VISION_XL: "SDXL_0_9",
    "2067ae52-33fd-4a82-bb92-c2c55e7d2786": "SDXL_1_0",  # AlbedoBase XL
    "b24e16ff-06e3-43eb-8d33-4416c2d75876": "SDXL_LIGHTNING",  # Leonardo Lightning XL
    "6b645e3a-d64f-4341-a6d8-7a3690fbf042": "PHOENIX",  # Leonardo Phoenix
}

SDXL_VERSIONS = frozenset({"SDXL_0_8", "SDXL_0_9", "SDXL_1_0", "SDXL_LIGHTNING"})


@dataclass(frozen=True)
class ModelInfo:
    """A model as the browser and the form see it. ``kind`` is ``platform`` or ``own``."""

    id: str
    name: str
    kind: str = "platform"
    description: str = ""
    sd_version: str | None = None
    featured: bool = False
    nsfw: bool = False
    thumbnail_url: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def effective_sd_version(self) -> str | None:
        return self.sd_version or KNOWN_SD_VERSIONS.get(self.id)

    @property
    def is_sdxl(self) -> bool:
        return (self.effective_sd_version or "") in SDXL_VERSIONS

    @property
    def is_lightning(self) -> bool:
        return self.effective_sd_version == "SDXL_LIGHTNING"

    @property
    def is_phoenix(self) -> bool:
        return self.effective_sd_version == "PHOENIX"

    @property
    def is_flux(self) -> bool:
        return (self.effective_sd_version or "").startswith("FLUX")

    @property
    def supports_photoreal_v2(self) -> bool:
        return self.id in PHOTOREAL_V2_MODELS

    @property
    def is_custom(self) -> bool:
        return self.kind == "own"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "sd_version": self.sd_version,
            "featured": self.featured,
            "nsfw": self.nsfw,
            "thumbnail_url": self.thumbnail_url,
            "width": self.width,
            "height": self.height,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelInfo:
        def opt_str(key: str) -> str | None:
            v = data.get(key)
            return v if isinstance(v, str) else None

        def opt_int(key: str) -> int | None:
            v = data.get(key)
            return v if isinstance(v, int) and not isinstance(v, bool) else None

        return cls(
            id=str(data.get("id") or ""),
            name=str(data.get("name") or ""),
            kind=str(data.get("kind") or "platform"),
            description=str(data.get("description") or ""),
            sd_version=opt_str("sd_version"),
            featured=bool(data.get("featured")),
            nsfw=bool(data.get("nsfw")),
            thumbnail_url=opt_str("thumbnail_url"),
            width=opt_int("width"),
            height=opt_int("height"),
        )
