"""What the app knows about a model: one value type for platform and custom models.

The model lists give names, descriptions and thumbnails; the spec's ``/platformModels`` items
carry no ``sdVersion`` or size. Those facts come from the model's own record, ``GET /models/{id}``
(``custom_models_by_pk``, which the API answers for platform models too), or from the rows of
``GET /models/user/{userId}``, which have the same fields. Until a model's record has been read
its version is unknown, and the form is permissive about it.

``sdVersion`` is an open enum: values the client does not know are kept as they are and read as
an unknown version (no SDXL, Phoenix or Flux rules apply; the form is permissive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

# The API has no field saying which models PhotoReal v2 takes; the docs name these three
# (Leonardo Kino XL, Leonardo Diffusion XL, Leonardo Vision XL).
KINO_XL = "aa77f04e-3eec-4034-9c07-d0f619684628"
DIFFUSION_XL = "1e60896f-3c26-4296-8ecc-53e2afecc132"
VISION_XL = "5c232a9e-9061-4777-980a-ddc8e65647c6"
PHOTOREAL_V2_MODELS = frozenset({KINO_XL, DIFFUSION_XL, VISION_XL})

SDXL_VERSIONS = frozenset({"SDXL_0_8", "SDXL_0_9", "SDXL_1_0", "SDXL_LIGHTNING"})

#: ``status`` of a model that can generate (a custom model still training is ``PENDING``).
READY = "COMPLETE"


_SD_FAMILIES = {"V1_5": "SD1", "V2": "SD2"}


def version_family(sd_version: str | None) -> str | None:
    """``SD1``, ``SD2``, ``SDXL``, ``PHOENIX`` or ``FLUX``; ``None`` for a missing version or one
    whose rules the client does not know (``v3``, ``KINO_2_0``, values newer than the spec).

    Every ``FLUX*`` value (FLUX, FLUX_DEV and later ones) is the Flux family.
    """
    if not sd_version:
        return None
    version = sd_version.upper()
    if version in SDXL_VERSIONS:
        return "SDXL"
    if version.startswith("FLUX"):
        return "FLUX"
    if version == "PHOENIX":
        return "PHOENIX"
    return _SD_FAMILIES.get(version)


@dataclass(frozen=True)
class ModelInfo:
    """A model as the browser and the form see it. ``kind`` is ``platform`` or ``own``.

    ``facts_known`` says that the model's own record (version, size, status) has been read from
    the API; ``sd_version`` may still be ``None`` if the record had none.
    """

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
    status: str | None = None
    facts_known: bool = False

    @property
    def family(self) -> str | None:
        return version_family(self.sd_version)

    @property
    def version_known(self) -> bool:
        return self.family is not None

    @property
    def is_sdxl(self) -> bool:
        return self.family == "SDXL"

    @property
    def is_lightning(self) -> bool:
        return (self.sd_version or "").upper() == "SDXL_LIGHTNING"

    @property
    def is_phoenix(self) -> bool:
        return self.family == "PHOENIX"

    @property
    def is_flux(self) -> bool:
        return self.family == "FLUX"

    @property
    def supports_photoreal_v2(self) -> bool:
        return self.id in PHOTOREAL_V2_MODELS

    @property
    def is_custom(self) -> bool:
        return self.kind == "own"

    @property
    def ready(self) -> bool:
        """False only when the API says the model cannot generate yet (still training)."""
        return self.status is None or self.status == READY

    def with_facts(
        self,
        *,
        sd_version: str | None,
        width: int | None,
        height: int | None,
        status: str | None,
    ) -> ModelInfo:
        """This model with the facts of its own record (``GET /models/{id}``)."""
        return replace(
            self,
            sd_version=sd_version,
            width=width,
            height=height,
            status=status,
            facts_known=True,
        )

    def carry_facts(self, cached: ModelInfo | None) -> ModelInfo:
        """This (freshly listed) model with the facts a cached copy of it already had."""
        if self.facts_known or cached is None or not cached.facts_known:
            return self
        return self.with_facts(
            sd_version=cached.sd_version,
            width=cached.width,
            height=cached.height,
            status=cached.status,
        )

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
            "status": self.status,
            "facts_known": self.facts_known,
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
            status=opt_str("status"),
            facts_known=data.get("facts_known") is True,
        )


def carry_facts(models: Iterable[ModelInfo], cached: Iterable[ModelInfo]) -> list[ModelInfo]:
    """``models`` (a fresh list) with the facts the ``cached`` copies already had, by id."""
    known = {m.id: m for m in cached if m.facts_known}
    return [m.carry_facts(known.get(m.id)) for m in models]


def needing_facts(models: Iterable[ModelInfo]) -> list[ModelInfo]:
    """The models whose own record has not been read yet (each id once, in list order)."""
    seen: set[str] = set()
    out: list[ModelInfo] = []
    for m in models:
        if m.id and not m.facts_known and m.id not in seen:
            seen.add(m.id)
            out.append(m)
    return out
