"""The prompt form's quality sections: the modes (Alchemy, High resolution, preset style,
PhotoReal) and the folding Advanced section (guidance, steps, seed, scheduler, Prompt Magic,
contrast, tiling, transparency)."""

from __future__ import annotations

import random
from collections.abc import Callable

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from leodesk.core import rules
from leodesk.core.form import FormRules
from leodesk.ui import names
from leodesk.ui.form_section import CollapsibleSection, UpdateGuard, name_widget


class ModesSection(QWidget):
    """Alchemy, High resolution, the preset style and PhotoReal. The style chosen in each mode
    (Alchemy on/off, PhotoReal on/off) is kept for when that mode comes back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._style_by_mode: dict[tuple[bool, bool], str] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)

        row = QHBoxLayout()
        self.alchemy_check = QCheckBox(self.tr("Alchemy"))
        name_widget(self.alchemy_check, "alchemyCheck", self.tr("Alchemy"))
        self.alchemy_check.setChecked(True)
        self.alchemy_check.setToolTip(
            self.tr("Leonardo's quality pipeline (v2 on SDXL models). Costs more credits.")
        )
        self.high_res_check = QCheckBox(self.tr("High resolution"))
        name_widget(self.high_res_check, "highResCheck", self.tr("High resolution"))
        row.addWidget(self.alchemy_check)
        row.addWidget(self.high_res_check)
        row.addStretch(1)
        form.addRow(row)

        self.preset_style_combo = QComboBox()
        name_widget(self.preset_style_combo, "presetStyleCombo", self.tr("Preset style"))
        form.addRow(self.tr("Style"), self.preset_style_combo)

        pr = QHBoxLayout()
        self.photo_real_check = QCheckBox(self.tr("PhotoReal"))
        name_widget(self.photo_real_check, "photoRealCheck", self.tr("PhotoReal"))
        self.photo_real_version_combo = QComboBox()
        name_widget(
            self.photo_real_version_combo, "photoRealVersionCombo", self.tr("PhotoReal version")
        )
        for version in rules.PHOTOREAL_VERSIONS:
            self.photo_real_version_combo.addItem(version, version)
        self.photo_real_strength_combo = QComboBox()
        name_widget(
            self.photo_real_strength_combo,
            "photoRealStrengthCombo",
            self.tr("PhotoReal depth of field"),
        )
        for label, value in rules.PHOTOREAL_STRENGTHS.items():
            self.photo_real_strength_combo.addItem(f"{label} ({value:g})", value)
        self.photo_real_strength_combo.setToolTip(self.tr("Depth of field"))
        pr.addWidget(self.photo_real_check)
        pr.addWidget(self.photo_real_version_combo)
        pr.addWidget(self.photo_real_strength_combo)
        pr.addStretch(1)
        form.addRow(pr)

    def mode(self) -> tuple[bool, bool]:
        """(Alchemy, PhotoReal): PhotoReal counts only with Alchemy."""
        alchemy = self.alchemy_check.isChecked()
        return alchemy, alchemy and self.photo_real_check.isChecked()

    def remember_style(self, style: object) -> None:
        """``style`` is the user's choice in the current mode."""
        if isinstance(style, str) and style:
            self._style_by_mode[self.mode()] = style

    def show_rules(self, rules: FormRules) -> None:
        """The PhotoReal versions the model takes, and the styles of the mode."""
        v2_index = self.photo_real_version_combo.findData("v2")
        combo_model = self.photo_real_version_combo.model()
        if isinstance(combo_model, QStandardItemModel):
            item = combo_model.item(v2_index)
            if item is not None:
                item.setEnabled(rules.photo_real_v2)
        self.photo_real_version_combo.setItemData(
            v2_index, rules.photo_real_v2_tip, Qt.ItemDataRole.ToolTipRole
        )
        self.photo_real_version_combo.setItemData(
            self.photo_real_version_combo.findData("v1"),
            rules.photo_real_v1_tip,
            Qt.ItemDataRole.ToolTipRole,
        )
        self._show_styles(rules.preset_styles, rules.default_style)

    def _show_styles(self, styles: tuple[str, ...], default: str) -> None:
        combo = self.preset_style_combo
        current_items = tuple(combo.itemData(i) for i in range(combo.count()))
        wanted = self._style_by_mode.get(self.mode())
        if wanted not in styles:
            wanted = default
        if current_items != styles:
            combo.blockSignals(True)
            combo.clear()
            for style in styles:
                combo.addItem(names.style(style), style)
            combo.blockSignals(False)
        if combo.currentData() != wanted:
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(wanted))
            combo.blockSignals(False)


class AdvancedSection(CollapsibleSection):
    """The folding Advanced settings. ``changed``: the user changed the seed."""

    changed = Signal()

    def __init__(
        self, guard: UpdateGuard, seed_max: Callable[[], int], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Advanced"), "advancedSection", parent=parent)
        self._guard = guard
        self._seed_max = seed_max  # the largest seed of the model in use
        form = QFormLayout(self.body)
        form.setContentsMargins(12, 0, 0, 0)
        self._build_sampling(form)
        self._build_magic(form)
        self._build_look(form)
        self.random_seed_check.toggled.connect(self._on_random_seed)
        self.new_seed_button.clicked.connect(self._on_new_seed)

    def _build_sampling(self, form: QFormLayout) -> None:
        guidance = QHBoxLayout()
        self.guidance_spin = QDoubleSpinBox()
        name_widget(self.guidance_spin, "guidanceSpin", self.tr("Guidance scale"))
        self.guidance_spin.setDecimals(1)
        self.guidance_spin.setSingleStep(0.5)
        self.guidance_spin.setRange(1.0, 30.0)
        self.guidance_spin.setValue(rules.DEFAULT_GUIDANCE)
        self.guidance_reason = QLabel()
        name_widget(self.guidance_reason, "guidanceReasonLabel", self.tr("Guidance scale range"))
        self.guidance_reason.setProperty("hint", True)
        self.guidance_reason.setWordWrap(True)
        guidance.addWidget(self.guidance_spin)
        guidance.addWidget(self.guidance_reason, 1)
        form.addRow(self.tr("Guidance"), guidance)

        self.steps_spin = QSpinBox()
        name_widget(self.steps_spin, "stepsSpin", self.tr("Inference steps"))
        self.steps_spin.setRange(rules.STEPS_MIN, rules.STEPS_MAX)
        self.steps_spin.setValue(rules.DEFAULT_STEPS)
        self.steps_spin.setToolTip(f"{rules.STEPS_MIN}–{rules.STEPS_MAX}")
        form.addRow(self.tr("Steps"), self.steps_spin)

        seed = QHBoxLayout()
        self.random_seed_check = QCheckBox(self.tr("Random"))
        name_widget(self.random_seed_check, "randomSeedCheck", self.tr("Random seed"))
        self.random_seed_check.setChecked(True)
        self.seed_edit = QLineEdit()
        name_widget(self.seed_edit, "seedEdit", self.tr("Seed"))
        self.seed_edit.setPlaceholderText(self.tr("random"))
        self.seed_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,10}"), self.seed_edit)
        )
        self.new_seed_button = QToolButton()
        name_widget(self.new_seed_button, "newSeedButton", self.tr("New seed"))
        self.new_seed_button.setText(self.tr("New"))
        self.new_seed_button.setToolTip(self.tr("Pick a random seed and keep it"))
        seed.addWidget(self.random_seed_check)
        seed.addWidget(self.seed_edit, 1)
        seed.addWidget(self.new_seed_button)
        form.addRow(self.tr("Seed"), seed)

        self.scheduler_combo = QComboBox()
        name_widget(self.scheduler_combo, "schedulerCombo", self.tr("Scheduler"))
        # "" = the server's default (not sent); item data is never None, so every
        # currentData() of the form's combos is a str or a number.
        self.scheduler_combo.addItem(self.tr("Default (Euler)"), "")
        for value in rules.SCHEDULERS:
            self.scheduler_combo.addItem(names.scheduler(value), value)
        form.addRow(self.tr("Scheduler"), self.scheduler_combo)

    def _build_magic(self, form: QFormLayout) -> None:
        pm = QHBoxLayout()
        self.prompt_magic_check = QCheckBox(self.tr("Prompt Magic"))
        name_widget(self.prompt_magic_check, "promptMagicCheck", self.tr("Prompt Magic"))
        self.prompt_magic_version_combo = QComboBox()
        name_widget(
            self.prompt_magic_version_combo,
            "promptMagicVersionCombo",
            self.tr("Prompt Magic version"),
        )
        for version in rules.PROMPT_MAGIC_VERSIONS:
            self.prompt_magic_version_combo.addItem(version, version)
        self.prompt_magic_version_combo.setCurrentIndex(
            self.prompt_magic_version_combo.findData("v3")
        )
        self.prompt_magic_strength_spin = QDoubleSpinBox()
        name_widget(
            self.prompt_magic_strength_spin,
            "promptMagicStrengthSpin",
            self.tr("Prompt Magic strength"),
        )
        self.prompt_magic_strength_spin.setDecimals(2)
        self.prompt_magic_strength_spin.setSingleStep(0.05)
        self.prompt_magic_strength_spin.setRange(
            rules.PROMPT_MAGIC_STRENGTH_MIN, rules.PROMPT_MAGIC_STRENGTH_MAX
        )
        self.prompt_magic_strength_spin.setValue(rules.DEFAULT_PROMPT_MAGIC_STRENGTH)
        self.raw_mode_check = QCheckBox(self.tr("RAW mode"))
        name_widget(self.raw_mode_check, "rawModeCheck", self.tr("RAW mode"))
        pm.addWidget(self.prompt_magic_check)
        pm.addWidget(self.prompt_magic_version_combo)
        pm.addWidget(self.prompt_magic_strength_spin)
        pm.addWidget(self.raw_mode_check)
        pm.addStretch(1)
        form.addRow(pm)

    def _build_look(self, form: QFormLayout) -> None:
        self.contrast_combo = QComboBox()
        name_widget(self.contrast_combo, "contrastCombo", self.tr("Contrast"))
        self.contrast_combo.addItem(self.tr("Default"), "")
        for contrast in rules.CONTRAST_VALUES:
            self.contrast_combo.addItem(f"{contrast:g}", contrast)
        form.addRow(self.tr("Contrast"), self.contrast_combo)

        self.tiling_check = QCheckBox(self.tr("Tiling"))
        name_widget(self.tiling_check, "tilingCheck", self.tr("Tiling"))
        self.tiling_check.setToolTip(self.tr("Make images that tile seamlessly"))
        form.addRow(self.tiling_check)

        self.transparency_combo = QComboBox()
        name_widget(self.transparency_combo, "transparencyCombo", self.tr("Transparency"))
        for value in rules.TRANSPARENCY_VALUES:
            self.transparency_combo.addItem(names.transparency(value), value)
        form.addRow(self.tr("Transparency"), self.transparency_combo)

    def _roll_seed(self) -> int:
        return random.randint(rules.SEED_MIN, self._seed_max())

    def _on_random_seed(self, random_seed: bool) -> None:
        if not random_seed and not self.seed_edit.text():
            self.seed_edit.setText(str(self._roll_seed()))
        self.changed.emit()

    def _on_new_seed(self) -> None:
        with self._guard:
            self.seed_edit.setText(str(self._roll_seed()))
            self.random_seed_check.setChecked(False)
        self.changed.emit()
