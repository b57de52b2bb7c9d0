"""The live mode's settings in the canvas panel: style, guidance, steps and picture size.

Each starts at "Auto": the field is not sent and the API uses its own default. Set values stay in
the spec's ranges (guidance 0.5–20, steps 4–16, sides 512, 640 or 1024).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from leodesk.core.api.serialize import LCM_SIZES, LCM_STYLES
from leodesk.ui.widgets import named

AUTO = str(QT_TRANSLATE_NOOP("LiveSettings", "Auto"))  # translated where shown
TOOLTIP = Qt.ItemDataRole.ToolTipRole
_STYLE_NAMES = {
    "SKETCH_BW": str(QT_TRANSLATE_NOOP("LiveSettings", "Sketch B&W")),
    "SKETCH_COLOR": str(QT_TRANSLATE_NOOP("LiveSettings", "Sketch colour")),
    "RENDER_3D": str(QT_TRANSLATE_NOOP("LiveSettings", "3D render")),
}


def style_name(style: str) -> str:
    """A human name for an LCM style (the raw value for ones not known yet)."""
    known = _STYLE_NAMES.get(style)
    if known:
        return QCoreApplication.translate("LiveSettings", known)
    return style.replace("_", " ").capitalize()


class LiveSettings(QWidget):
    """Signals: changed() when any setting changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.style_combo = named(
            QComboBox(), "liveStyleCombo", self.tr("Live style"), self.tr("The live style")
        )
        self.style_combo.addItem(self.tr(AUTO), None)
        for style in LCM_STYLES:
            self.style_combo.addItem(style_name(style), style)
            self.style_combo.setItemData(self.style_combo.count() - 1, style, TOOLTIP)
        self.guidance_spin = named(
            QDoubleSpinBox(),
            "liveGuidanceSpin",
            self.tr("Live guidance"),
            self.tr("How closely to follow the prompt"),
        )
        self.guidance_spin.setRange(0.0, 20.0)
        self.guidance_spin.setSingleStep(0.5)
        self.guidance_spin.setDecimals(1)
        self.guidance_spin.setSpecialValueText(self.tr(AUTO))  # 0.0: not sent
        self.steps_spin = named(
            QSpinBox(), "liveStepsSpin", self.tr("Live steps"), self.tr("Steps per live picture")
        )
        self.steps_spin.setRange(3, 16)
        self.steps_spin.setSpecialValueText(self.tr(AUTO))  # 3: not sent
        self.size_combo = named(
            QComboBox(),
            "liveSizeCombo",
            self.tr("Live size"),
            self.tr("The size of the live pictures"),
        )
        self.size_combo.addItem(self.tr("Auto (nearest the canvas)"), None)
        for side in LCM_SIZES:
            self.size_combo.addItem(f"{side} × {side}", side)
        form.addRow(self.tr("Style"), self.style_combo)
        form.addRow(self.tr("Guidance"), self.guidance_spin)
        form.addRow(self.tr("Steps"), self.steps_spin)
        form.addRow(self.tr("Size"), self.size_combo)
        for combo in (self.style_combo, self.size_combo):
            combo.currentIndexChanged.connect(self.changed.emit)
        self.guidance_spin.valueChanged.connect(self.changed.emit)
        self.steps_spin.valueChanged.connect(self.changed.emit)

    @property
    def lcm_style(self) -> str | None:
        value = self.style_combo.currentData()
        return str(value) if value else None

    @property
    def guidance(self) -> float | None:
        value = self.guidance_spin.value()
        return max(0.5, value) if value > 0 else None

    @property
    def steps(self) -> int | None:
        value = self.steps_spin.value()
        return value if value >= 4 else None

    @property
    def picture_size(self) -> int | None:
        value = self.size_combo.currentData()
        return int(value) if value else None
