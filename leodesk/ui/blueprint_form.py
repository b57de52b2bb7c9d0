"""BlueprintForm: the form a blueprint version's declared inputs make.

Text → a line edit (its length limit, placeholder and default), numbers → a spin box with the
declared limits and step (whole numbers get an integer spin box), images → an image slot that
takes a dropped file, a pasted image or a gallery image (dragged, or the gallery's selection
with **Use selected**), or a file chosen with **Choose…**. Required inputs are marked with *.

Widgets are named by the input's position: ``bpInput_<n>`` (line edits and spin boxes),
``bpImage_<n>`` (image slots), ``bpChoose_<n>`` and ``bpUseSelected_<n>``.

Signals: ``image_source(str slot, object source)`` (a slot got something to prepare: the upload
service fills it), ``image_cleared(str slot)``, ``use_selected(str slot)``, ``changed()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.api.blueprint_models import BlueprintInput, BlueprintVersion
from leodesk.core.blueprint_inputs import ImageChoice, fmt
from leodesk.ui.image_slot import ImageSlot
from leodesk.ui.widgets import named

SLOT_PREFIX = "blueprint:"
_BIG = 1_000_000_000


def _number_box(inp: BlueprintInput, n: int) -> QAbstractSpinBox:
    low = inp.minimum if inp.minimum is not None else -_BIG
    high = inp.maximum if inp.maximum is not None else _BIG
    default = _float(inp.default, max(low, min(high, 0.0)))
    box: QSpinBox | QDoubleSpinBox
    if inp.integer:
        box = QSpinBox()
        box.setRange(int(low), int(high))
        box.setSingleStep(int(inp.step or 1))
        box.setValue(int(default))
    else:
        box = QDoubleSpinBox()
        step = inp.step or 0.1
        box.setDecimals(max(1, len(fmt(step).partition(".")[2])))
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setValue(default)
    limits = QCoreApplication.translate("BlueprintForm", "{low} to {high}").format(
        low=fmt(inp.minimum), high=fmt(inp.maximum)
    )
    return named(box, f"bpInput_{n}", inp.title, f"{inp.placeholder or inp.title}: {limits}")


def _float(value: str | None, fallback: float) -> float:
    try:
        return float(value or "")
    except ValueError:
        return fallback


class BlueprintForm(QWidget):
    image_source = Signal(str, object)
    image_cleared = Signal(str)
    use_selected = Signal(str)
    changed = Signal()
    slot_prefix = SLOT_PREFIX  # the upload service's slots of this form start with it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blueprintForm")
        self._layout = QFormLayout(self)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.version: BlueprintVersion | None = None
        self.fields: dict[str, QWidget] = {}  # input key -> editor
        self.slots: dict[str, ImageSlot] = {}  # slot name -> image slot
        self._slot_keys: dict[str, str] = {}  # slot name -> input key
        self.images: dict[str, ImageChoice] = {}  # input key -> chosen picture
        self.choose_file = self._choose_file  # replaced in tests

    # -- building -----------------------------------------------------------------------------
    def set_version(self, version: BlueprintVersion | None) -> None:
        """Rebuild the form for ``version`` (None: empty)."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self.fields.clear()
        self.slots.clear()
        self._slot_keys.clear()
        self.images.clear()
        self.version = version
        if version is None:
            return
        if not version.inputs:
            self._layout.addRow(QLabel(self.tr("This version takes no inputs.")))
        for n, inp in enumerate(version.inputs):
            label = QLabel(f"{inp.title}{' *' if inp.required else ''}")
            label.setToolTip(self.tr("Required") if inp.required else self.tr("Optional"))
            editor = self._editor(inp, n)
            label.setBuddy(editor)
            self._layout.addRow(label, editor)
        self.changed.emit()

    def _editor(self, inp: BlueprintInput, n: int) -> QWidget:
        if inp.type == "number":
            box = _number_box(inp, n)
            box.editingFinished.connect(self.changed.emit)
            self.fields[inp.key] = box
            return box
        if inp.type == "image":
            return self._image_row(inp, n)
        edit = named(QLineEdit(), f"bpInput_{n}", inp.title, inp.placeholder or None)
        edit.setPlaceholderText(inp.placeholder or (inp.default or ""))
        if inp.default is not None:
            edit.setText(inp.default)
        if inp.max_length:
            edit.setMaxLength(inp.max_length)
        edit.textChanged.connect(lambda _text: self.changed.emit())
        self.fields[inp.key] = edit
        return edit

    def _image_row(self, inp: BlueprintInput, n: int) -> QWidget:
        slot_name = f"{SLOT_PREFIX}{inp.key}"
        slot = ImageSlot(f"bpImage_{n}", inp.title)
        slot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        slot.sources_dropped.connect(lambda sources, s=slot_name: self._dropped(s, sources))
        slot.cleared.connect(lambda s=slot_name: self._cleared(s))
        choose = named(
            QPushButton(self.tr("Choose…")),
            f"bpChoose_{n}",
            self.tr("Choose a file for {what}").format(what=inp.title),
        )
        choose.clicked.connect(lambda _c=False, s=slot_name: self._choose(s))
        use = named(
            QPushButton(self.tr("Use selected")),
            f"bpUseSelected_{n}",
            self.tr("Use the gallery's selected image for {what}").format(what=inp.title),
            self.tr("Take the image selected in the gallery (nothing is uploaded)"),
        )
        use.clicked.connect(lambda _c=False, s=slot_name: self.use_selected.emit(s))
        buttons = QVBoxLayout()
        buttons.addWidget(choose)
        buttons.addWidget(use)
        buttons.addStretch(1)
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(slot, 1)
        box.addLayout(buttons)
        self.slots[slot_name] = slot
        self._slot_keys[slot_name] = inp.key
        self.fields[inp.key] = slot
        return row

    # -- images -------------------------------------------------------------------------------
    def _dropped(self, slot_name: str, sources: list[Any]) -> None:
        self.images.pop(self._slot_keys[slot_name], None)
        self.image_source.emit(slot_name, sources[0])

    def _cleared(self, slot_name: str) -> None:
        self.images.pop(self._slot_keys[slot_name], None)
        self.image_cleared.emit(slot_name)
        self.changed.emit()

    def _choose(self, slot_name: str) -> None:
        path = self.choose_file()
        if path is not None:
            self._dropped(slot_name, [path])

    def _choose_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose an image"), "", self.tr("Images") + " (*.png *.jpg *.jpeg *.webp)"
        )
        return Path(name) if name else None

    def set_busy(self, slot_name: str, label: str) -> None:
        slot = self.slots.get(slot_name)
        if slot is not None:
            slot.set_busy(label)

    def set_ready(self, slot_name: str, image: Any, url: str | None) -> None:
        """A slot holds ``image`` (an ``UploadedImage``); ``url`` when it is a gallery image."""
        slot = self.slots.get(slot_name)
        if slot is None:
            return
        slot.set_image(image)
        key = self._slot_keys[slot_name]
        if image.generated:
            self.images[key] = ImageChoice(url=url, image_id=image.image_id)
        else:
            self.images[key] = ImageChoice(init_id=image.image_id)
        self.changed.emit()

    def set_failed(self, slot_name: str, message: str) -> None:
        slot = self.slots.get(slot_name)
        if slot is not None:
            slot.set_error(message)
            self.changed.emit()

    # -- values -------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The text and number values by input key (numbers as the API is sent them)."""
        out: dict[str, str] = {}
        for key, editor in self.fields.items():
            if isinstance(editor, QLineEdit):
                out[key] = editor.text()
            elif isinstance(editor, QSpinBox):
                out[key] = str(editor.value())
            elif isinstance(editor, QDoubleSpinBox):
                out[key] = fmt(editor.value())
        return out

    def waiting(self) -> list[str]:
        """Titles of image inputs still uploading."""
        return [s.title for s in self.slots.values() if s.is_busy()]
