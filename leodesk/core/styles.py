"""The style presets of Phoenix and Flux models, sent as ``styleUUID``.

``styleUUID`` is not in the v1 spec, but the API docs ("commonly used API values") use it for the
styles of Phoenix and Flux generations, and public code agrees on these ids (see NOTES.md). The
form offers them for those models, by name, in place of the preset styles; other models keep
``presetStyle`` and never get a ``styleUUID``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from leodesk.core.catalog import ModelInfo

__all__ = ["DEFAULT_STYLE_NAME", "STYLE_UUIDS", "style_name_of", "takes_style_uuid"]

#: Style name → ``styleUUID`` (names as the form stores them in ``preset_style``).
STYLE_UUIDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "DYNAMIC": "111dc692-d470-4eec-b791-3475abac4c46",
        "CINEMATIC": "a5632c7c-ddbb-4e2f-ba34-8456ab3ac436",
        "CREATIVE": "6fedbf1f-4a17-45ec-84fb-92fe524a29ef",
        "NONE": "556c1ee5-ec38-42e8-955a-1e82dad0ffa1",
    }
)
DEFAULT_STYLE_NAME: Final = "DYNAMIC"


def takes_style_uuid(model: ModelInfo | None) -> bool:
    """Phoenix and Flux models take their style as ``styleUUID``."""
    return model is not None and model.family in ("PHOENIX", "FLUX")


def style_name_of(style_uuid: object) -> str | None:
    """The style name of a ``styleUUID`` (None for one this app does not know)."""
    return next((name for name, uid in STYLE_UUIDS.items() if uid == style_uuid), None)
