"""Which widget of the prompt form holds which :class:`~leodesk.core.form.FormState` field, and
how to read and write it: the one list that reading the settings, saving them and restoring them
all go through."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QSpinBox,
    QWidget,
)

from leodesk.ui.form_section import CollapsibleSection


class Kind(Enum):
    """How a field's widget is read and written."""

    CHECK = "check"  # QCheckBox: a bool
    CHOICE = "choice"  # QComboBox: the current item's data ("" reads as None)
    STYLE = "style"  # the preset style combo: restoring it remembers the style for the mode
    NUMBER = "number"  # QSpinBox or QDoubleSpinBox
    TEXT = "text"  # QPlainTextEdit
    LINE = "line"  # QLineEdit
    SECTION = "section"  # a CollapsibleSection: expanded or not
    PERCENT = "percent"  # a 10–90 slider holding 0.1–0.9


class Restore(Enum):
    """When restoring writes a field: with the mode (before the form's ranges and lists follow
    it), after them, or never (the field follows from others)."""

    FIRST = "first"
    AFTER_RANGES = "after ranges"
    NEVER = "never"


@dataclass(frozen=True)
class Binding:
    field: str  # the FormState field, also the key in the saved state
    widget: str  # the form's attribute holding the widget
    kind: Kind
    restore: Restore
    note: str | None = None  # the form's attribute of the label that says why it is limited


_C, _CH, _N = Kind.CHECK, Kind.CHOICE, Kind.NUMBER
_FIRST, _AFTER = Restore.FIRST, Restore.AFTER_RANGES

#: In restore order: the mode first, since ranges and style lists follow from it.
BINDINGS: tuple[Binding, ...] = (
    Binding("alchemy", "alchemy_check", _C, _FIRST),
    Binding("high_resolution", "high_res_check", _C, _FIRST),
    Binding("photo_real", "photo_real_check", _C, _FIRST),
    Binding("prompt_magic", "prompt_magic_check", _C, _FIRST),
    Binding("raw_mode", "raw_mode_check", _C, _FIRST),
    Binding("tiling", "tiling_check", _C, _FIRST),
    Binding("keep_ratio", "keep_ratio_check", _C, _FIRST),
    Binding("random_seed", "random_seed_check", _C, _FIRST),
    Binding("photo_real_version", "photo_real_version_combo", _CH, _FIRST),
    Binding("photo_real_strength", "photo_real_strength_combo", _CH, _FIRST),
    Binding("prompt_magic_version", "prompt_magic_version_combo", _CH, _FIRST),
    Binding("scheduler", "scheduler_combo", _CH, _FIRST),
    Binding("contrast", "contrast_combo", _CH, _FIRST),
    Binding("transparency", "transparency_combo", _CH, _FIRST),
    Binding("width", "width_spin", _N, _FIRST),
    Binding("height", "height_spin", _N, _FIRST),
    Binding("seed", "seed_edit", Kind.LINE, _FIRST),
    Binding("preset_style", "preset_style_combo", Kind.STYLE, _FIRST),
    Binding("aspect", "aspect_combo", _CH, Restore.NEVER),
    Binding("num_images", "num_images_spin", _N, _AFTER, note="num_images_reason"),
    Binding("guidance_scale", "guidance_spin", _N, _AFTER, note="guidance_reason"),
    Binding("steps", "steps_spin", _N, _AFTER),
    Binding("prompt_magic_strength", "prompt_magic_strength_spin", _N, _AFTER),
    Binding("prompt", "prompt_edit", Kind.TEXT, _AFTER),
    Binding("negative_prompt", "negative_prompt_edit", Kind.TEXT, _AFTER),
    Binding("advanced_open", "advanced_section", Kind.SECTION, _AFTER),
    Binding("elements_open", "elements_section", Kind.SECTION, _AFTER),
    Binding("image_open", "image_section", Kind.SECTION, _AFTER),
    Binding("init_strength", "init_strength_slider", Kind.PERCENT, _AFTER),
)
BY_FIELD: dict[str, Binding] = {b.field: b for b in BINDINGS}


def read(widget: QWidget, kind: Kind) -> Any:
    """The field's value as the widget shows it."""
    if kind is Kind.CHECK:
        assert isinstance(widget, QCheckBox)
        return widget.isChecked()
    if kind in (Kind.CHOICE, Kind.STYLE):
        assert isinstance(widget, QComboBox)
        data = widget.currentData()
        return None if isinstance(data, str) and data == "" else data
    if kind is Kind.NUMBER:
        assert isinstance(widget, QSpinBox | QDoubleSpinBox)
        return widget.value()
    if kind is Kind.TEXT:
        assert isinstance(widget, QPlainTextEdit)
        return widget.toPlainText()
    if kind is Kind.LINE:
        assert isinstance(widget, QLineEdit)
        return widget.text()
    if kind is Kind.SECTION:
        assert isinstance(widget, CollapsibleSection)
        return widget.is_expanded()
    assert isinstance(widget, QSlider)
    return round(widget.value() / 100, 2)


def write(widget: QWidget, kind: Kind, value: Any) -> None:
    """Show ``value`` (already checked by :func:`leodesk.core.form.parse_state`) in the widget;
    a choice the list does not hold leaves the list as it is."""
    if kind is Kind.CHECK:
        assert isinstance(widget, QCheckBox)
        widget.setChecked(value)
    elif kind in (Kind.CHOICE, Kind.STYLE):
        assert isinstance(widget, QComboBox)
        set_combo_data(widget, value)
    elif kind is Kind.NUMBER:
        assert isinstance(widget, QSpinBox | QDoubleSpinBox)
        widget.setValue(value)
    elif kind is Kind.TEXT:
        assert isinstance(widget, QPlainTextEdit)
        widget.setPlainText(value)
    elif kind is Kind.LINE:
        assert isinstance(widget, QLineEdit)
        widget.setText(value)
    elif kind is Kind.SECTION:
        assert isinstance(widget, CollapsibleSection)
        widget.set_expanded(value)
    else:
        assert isinstance(widget, QSlider)
        widget.setValue(round(value * 100))


def set_combo_data(combo: QComboBox, value: object) -> None:
    """Choose the item holding ``value`` (``None``: the "default" item holding ""); numbers
    match by value. Nothing changes when no item holds it."""
    if value is None:
        value = ""
    index = combo.findData(value)
    if index < 0 and isinstance(value, int | float) and not isinstance(value, bool):
        index = next(
            (
                i
                for i in range(combo.count())
                if isinstance(combo.itemData(i), float) and combo.itemData(i) == value
            ),
            -1,
        )
    if index >= 0:
        combo.setCurrentIndex(index)
