"""Human names for the API's enum values: schedulers, preset styles, transparency modes and
variation transforms. One table, used by the form, Details, the viewer and compare; a value this
app does not know reads as itself, tidied ("SOME_STYLE" → "Some style")."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for translation in ``context``; translated where it is shown."""
    return text


_CONTEXT = "Names"

SCHEDULERS: dict[str, str] = {
    "KLMS": QT_TRANSLATE_NOOP("Names", "KLMS"),
    "EULER_ANCESTRAL_DISCRETE": QT_TRANSLATE_NOOP("Names", "Euler ancestral"),
    "EULER_DISCRETE": QT_TRANSLATE_NOOP("Names", "Euler"),
    "DDIM": QT_TRANSLATE_NOOP("Names", "DDIM"),
    "DPM_SOLVER": QT_TRANSLATE_NOOP("Names", "DPM solver"),
    "PNDM": QT_TRANSLATE_NOOP("Names", "PNDM"),
    "LEONARDO": QT_TRANSLATE_NOOP("Names", "Leonardo"),
}
STYLES: dict[str, str] = {
    "HDR": QT_TRANSLATE_NOOP("Names", "HDR"),
    "SKETCH_BW": QT_TRANSLATE_NOOP("Names", "Sketch B&W"),
    "RENDER_3D": QT_TRANSLATE_NOOP("Names", "3D Render"),
}
TRANSPARENCY: dict[str, str] = {
    "disabled": QT_TRANSLATE_NOOP("Names", "No transparency"),
    "foreground_only": QT_TRANSLATE_NOOP("Names", "Transparent background (foreground only)"),
}
TRANSFORMS: dict[str, str] = {
    "UPSCALE": QT_TRANSLATE_NOOP("Names", "Upscale"),
    "UNZOOM": QT_TRANSLATE_NOOP("Names", "Unzoom"),
    "NOBG": QT_TRANSLATE_NOOP("Names", "No background"),
    "UNIVERSAL_UPSCALE": QT_TRANSLATE_NOOP("Names", "Universal upscale"),
    "MOTION_SVD": QT_TRANSLATE_NOOP("Names", "Motion"),
}


def _tidy(raw: str) -> str:
    return raw.replace("_", " ").capitalize() if raw.isupper() else raw


def _name(table: dict[str, str], raw: object) -> str:
    text = str(raw)
    known = table.get(text)
    return QCoreApplication.translate(_CONTEXT, known) if known else _tidy(text)


def scheduler(raw: object) -> str:
    return _name(SCHEDULERS, raw)


def style(raw: object) -> str:
    return _name(STYLES, raw)


def transparency(raw: object) -> str:
    return _name(TRANSPARENCY, raw)


def transform(raw: object) -> str:
    return _name(TRANSFORMS, raw)


#: recall field → its naming function (fields not here show their value as it is)
FIELD_NAMES = {"scheduler": scheduler, "preset_style": style, "transparency": transparency}
