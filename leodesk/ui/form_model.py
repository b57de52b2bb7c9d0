"""The prompt form's model and size sections: the model button with what the API says of the
model, and the aspect, size and number of images."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leodesk.core import rules
from leodesk.core.form import FormRules
from leodesk.ui.form_section import UpdateGuard, name_widget

CUSTOM_ASPECT = "Custom"  # the item data (its text is translated)


class ModelSection(QWidget):
    """The model button (opens the model browser), the model's facts and a note on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        label = QLabel(self.tr("Model"))
        self.model_button = QPushButton()
        name_widget(self.model_button, "modelButton", self.tr("Model"))
        self.model_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        label.setBuddy(self.model_button)
        self.model_facts = QLabel()
        name_widget(self.model_facts, "modelFactsLabel", self.tr("Model version and size"))
        self.model_facts.setProperty("hint", True)
        self.model_facts.setWordWrap(True)
        self.model_note = QLabel()
        name_widget(self.model_note, "modelNoteLabel", self.tr("Model note"))
        self.model_note.setProperty("hint", True)
        self.model_note.setWordWrap(True)
        inner = QVBoxLayout()
        inner.addWidget(self.model_button)
        inner.addWidget(self.model_facts)
        inner.addWidget(self.model_note)
        lay.addWidget(label)
        lay.addLayout(inner, 1)

    def show_rules(self, rules: FormRules) -> None:
        """The chosen model on the button; a note when the form cannot check it, else its
        facts."""
        self.model_button.setText(rules.model_label)
        self.model_button.setToolTip(rules.model_tip)
        self.model_note.setText(rules.model_note)
        self.model_note.setVisible(bool(rules.model_note))
        self.model_facts.setText(rules.model_facts)
        self.model_facts.setVisible(bool(rules.model_facts))


def _size_spin(name: str, accessible: str) -> QSpinBox:
    spin = QSpinBox()
    name_widget(spin, name, accessible)
    spin.setRange(rules.SIZE_MIN, rules.SIZE_MAX)
    spin.setSingleStep(rules.SIZE_STEP)
    spin.setSuffix(QCoreApplication.translate("FormModel", " px"))
    spin.setToolTip(
        QCoreApplication.translate("FormModel", "{low}–{high} px, a multiple of {step}").format(
            low=rules.SIZE_MIN, high=rules.SIZE_MAX, step=rules.SIZE_STEP
        )
    )
    return spin


class SizeSection(QWidget):
    """Aspect presets, width × height (kept in ratio on request, snapped to valid sizes), the
    expected output size and the number of images. ``changed``: the user changed the size."""

    changed = Signal()

    def __init__(self, guard: UpdateGuard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guard = guard
        self._ratio = 1024 / 768
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)

        self.aspect_combo = QComboBox()
        name_widget(self.aspect_combo, "aspectCombo", self.tr("Aspect ratio"))
        for name, (w, h) in rules.ASPECT_PRESETS.items():
            self.aspect_combo.addItem(f"{name}  ({w}×{h})", name)
        self.aspect_combo.addItem(self.tr("Custom"), CUSTOM_ASPECT)

        self.width_spin = _size_spin("widthSpin", self.tr("Width"))
        self.height_spin = _size_spin("heightSpin", self.tr("Height"))
        w, h = rules.ASPECT_PRESETS[rules.DEFAULT_ASPECT]
        self.width_spin.setValue(w)
        self.height_spin.setValue(h)
        self.aspect_combo.setCurrentIndex(self.aspect_combo.findData(rules.DEFAULT_ASPECT))

        self.keep_ratio_check = QCheckBox(self.tr("Keep ratio"))
        name_widget(self.keep_ratio_check, "keepRatioCheck", self.tr("Keep aspect ratio"))
        self.keep_ratio_check.setToolTip(self.tr("Change the other side too when one side changes"))

        self.num_images_spin = QSpinBox()
        name_widget(self.num_images_spin, "numImagesSpin", self.tr("Number of images"))
        self.num_images_spin.setRange(1, 8)
        self.num_images_spin.setValue(rules.DEFAULT_NUM_IMAGES)
        self.num_images_reason = QLabel()
        name_widget(self.num_images_reason, "numImagesReasonLabel", self.tr("Why fewer images"))
        self.num_images_reason.setProperty("hint", True)
        self.num_images_reason.setWordWrap(True)

        self.output_size_label = QLabel()
        name_widget(self.output_size_label, "outputSizeLabel", self.tr("Expected output size"))
        self.output_size_label.setProperty("hint", True)
        self.output_size_label.setWordWrap(True)
        self._lay_out(grid)
        self._connect()

    def _lay_out(self, grid: QGridLayout) -> None:
        aspect_label = QLabel(self.tr("Aspect"))
        aspect_label.setBuddy(self.aspect_combo)
        grid.addWidget(aspect_label, 0, 0)
        grid.addWidget(self.aspect_combo, 0, 1, 1, 3)
        size_label = QLabel(self.tr("Size"))
        size_label.setBuddy(self.width_spin)
        grid.addWidget(size_label, 1, 0)
        grid.addWidget(self.width_spin, 1, 1)
        grid.addWidget(QLabel("×"), 1, 2)
        grid.addWidget(self.height_spin, 1, 3)
        grid.addWidget(self.keep_ratio_check, 2, 1, 1, 3)
        grid.addWidget(self.output_size_label, 3, 1, 1, 3)
        images_label = QLabel(self.tr("Images"))
        images_label.setBuddy(self.num_images_spin)
        grid.addWidget(images_label, 4, 0)
        grid.addWidget(self.num_images_spin, 4, 1)
        grid.addWidget(self.num_images_reason, 4, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _connect(self) -> None:
        self.aspect_combo.activated.connect(self._on_aspect_chosen)
        self.width_spin.valueChanged.connect(self._on_width_changed)
        self.height_spin.valueChanged.connect(self._on_height_changed)
        self.width_spin.editingFinished.connect(lambda: self._snap(self.width_spin))
        self.height_spin.editingFinished.connect(lambda: self._snap(self.height_spin))
        self.keep_ratio_check.toggled.connect(self._on_keep_ratio)

    def size_restored(self) -> None:
        """The size was set by the form: take its ratio and show its aspect."""
        self._ratio = self.width_spin.value() / self.height_spin.value()
        self._sync_aspect_combo()

    def show_rules(self, rules: FormRules) -> None:
        self.output_size_label.setText(rules.output_size)

    def _on_aspect_chosen(self, index: int) -> None:
        name = self.aspect_combo.itemData(index)
        if name not in rules.ASPECT_PRESETS:
            return
        width, height = rules.ASPECT_PRESETS[name]
        with self._guard:
            self.width_spin.setValue(width)
            self.height_spin.setValue(height)
            self._ratio = width / height
        self.changed.emit()

    def _on_width_changed(self, value: int) -> None:
        if self._guard:
            return
        if self.keep_ratio_check.isChecked():
            with self._guard:
                self.height_spin.setValue(rules.snap_size(value / self._ratio))
        self._sync_aspect_combo()
        self.changed.emit()

    def _on_height_changed(self, value: int) -> None:
        if self._guard:
            return
        if self.keep_ratio_check.isChecked():
            with self._guard:
                self.width_spin.setValue(rules.snap_size(value * self._ratio))
        self._sync_aspect_combo()
        self.changed.emit()

    @staticmethod
    def _snap(spin: QSpinBox) -> None:
        snapped = rules.snap_size(spin.value())
        if snapped != spin.value():
            spin.setValue(snapped)

    def _on_keep_ratio(self, on: bool) -> None:
        if on:
            self._ratio = self.width_spin.value() / self.height_spin.value()
        self.changed.emit()

    def _sync_aspect_combo(self) -> None:
        size = (self.width_spin.value(), self.height_spin.value())
        name = next((n for n, wh in rules.ASPECT_PRESETS.items() if wh == size), CUSTOM_ASPECT)
        self.aspect_combo.blockSignals(True)
        self.aspect_combo.setCurrentIndex(self.aspect_combo.findData(name))
        self.aspect_combo.blockSignals(False)
