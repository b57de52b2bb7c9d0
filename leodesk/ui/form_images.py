"""The prompt form's Image to image section: the init image and its strength, and the image
prompts. Each slot is filled by a drop, a paste or a recalled generation, and saved with the
form (its image id and a small thumbnail, or what it is still being prepared from)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QImageWriter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from leodesk.core.form import DEFAULT_INIT_STRENGTH, ImageChoice
from leodesk.qt.uploads import GalleryImage, UploadedImage
from leodesk.ui.form_section import CollapsibleSection, name_widget
from leodesk.ui.image_slot import ImageSlot, label_for

IMAGE_PROMPT_SLOTS = 2
INIT_SLOT = "initImageSlot"
_PENDING_IMAGE_LIMIT = 8 * 1024 * 1024  # a pasted picture kept in a draft's state (base64)


class ImagesSection(CollapsibleSection):
    """The image slots. ``source_dropped(slot, source)``: prepare (and upload) ``source`` for
    the slot; ``cleared(slot)``: the slot was emptied; ``changed``: a slot or the strength."""

    source_dropped = Signal(str, object)
    cleared = Signal(str)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Image to image"), "imageToImageSection", expanded=True, parent=parent
        )
        self._pending: dict[str, Any] = {}  # slot name -> what it is being filled from
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.init_slot = ImageSlot(INIT_SLOT, self.tr("Init image"))
        lay.addWidget(self.init_slot)
        lay.addWidget(self._build_strength())
        prompts_label = QLabel(self.tr("Image prompts"))
        prompts_label.setProperty("hint", True)
        lay.addWidget(prompts_label)
        self.image_prompt_slots = [
            ImageSlot(f"imagePromptSlot{i}", self.tr("Image prompt {n}").format(n=i + 1))
            for i in range(IMAGE_PROMPT_SLOTS)
        ]
        for slot in self.image_prompt_slots:
            lay.addWidget(slot)
        self.image_hint = QLabel()
        self.image_hint.setObjectName("imageSlotsHint")
        self.image_hint.setProperty("hint", True)
        self.image_hint.setWordWrap(True)
        self.image_hint.hide()
        lay.addWidget(self.image_hint)
        for slot in self.slots():
            slot.sources_dropped.connect(lambda sources, s=slot: self.fill(s, sources))
            slot.cleared.connect(lambda s=slot: self._on_slot_cleared(s))
        self.init_strength_slider.valueChanged.connect(self.changed)

    def _build_strength(self) -> QWidget:
        row = QHBoxLayout()
        self.init_strength_label = QLabel()
        self.init_strength_label.setObjectName("initStrengthLabel")
        self.init_strength_slider = QSlider(Qt.Orientation.Horizontal)
        name_widget(self.init_strength_slider, "initStrengthSlider", self.tr("Init strength"))
        self.init_strength_slider.setRange(10, 90)
        self.init_strength_slider.setSingleStep(5)
        self.init_strength_slider.setPageStep(10)
        self.init_strength_slider.setValue(round(DEFAULT_INIT_STRENGTH * 100))
        self.init_strength_slider.setToolTip(
            self.tr("How much the init image shapes the result (0.1 loose – 0.9 close)")
        )
        self.init_strength_label.setBuddy(self.init_strength_slider)
        row.addWidget(self.init_strength_label)
        row.addWidget(self.init_strength_slider, 1)
        self.init_strength_row = QWidget()
        self.init_strength_row.setObjectName("initStrengthRow")
        self.init_strength_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        return self.init_strength_row

    # -- values -----------------------------------------------------------------------------

    def slots(self) -> list[ImageSlot]:
        """The init image slot, then the image prompt slots."""
        return [self.init_slot, *self.image_prompt_slots]

    def slot(self, key: str) -> ImageSlot | None:
        """The slot whose objectName is ``key``."""
        return next((s for s in self.slots() if s.objectName() == key), None)

    def init_strength(self) -> float:
        return round(self.init_strength_slider.value() / 100, 2)

    def init_image(self) -> ImageChoice | None:
        value = self.init_slot.value()
        return None if value is None else ImageChoice(value.image_id, value.generated)

    def image_prompts(self) -> tuple[str, ...]:
        return tuple(
            image.image_id
            for image in (slot.value() for slot in self.image_prompt_slots)
            if image is not None
        )

    def uploading(self) -> bool:
        """True while any slot waits for its upload."""
        return any(slot.is_busy() for slot in self.slots())

    def show_rules(self) -> None:
        """The strength only matters with an init image."""
        self.init_strength_row.setVisible(self.init_slot.value() is not None)
        self.init_strength_label.setText(
            self.tr("Strength {value}").format(value=f"{self.init_strength():.2f}")
        )

    # -- filling ----------------------------------------------------------------------------

    def paste(self, sources: list[Any]) -> None:
        """Pasted pictures: into the init slot when it is empty, else the first empty slot."""
        empty = [s for s in self.slots() if s.is_empty()]
        self.fill(empty[0] if empty else self.init_slot, sources)

    def fill(self, slot: ImageSlot, sources: list[Any]) -> None:
        """A drop or paste on ``slot``: the first source goes there, the others fill the empty
        image prompt slots after it (then before it)."""
        if not sources:
            return
        targets = [slot]
        prompts = self.image_prompt_slots
        start = prompts.index(slot) + 1 if slot in prompts else 0
        for other in prompts[start:] + prompts[:start]:
            if len(targets) == len(sources):
                break
            if other is not slot and other.is_empty():
                targets.append(other)
        left = len(sources) - len(targets)
        self.image_hint.setText(
            (
                self.tr("{n} images did not fit: clear a slot and drop again")
                if left > 1
                else self.tr("{n} image did not fit: clear a slot and drop again")
            ).format(n=left)
            if left > 0
            else ""
        )
        self.image_hint.setVisible(left > 0)
        self.set_expanded(True)
        for target, source in zip(targets, sources, strict=False):
            self._start_source(target, source)
        self.changed.emit()

    def _start_source(self, slot: ImageSlot, source: Any) -> None:
        """Show ``slot`` busy and ask for ``source`` to be prepared (and uploaded) for it."""
        self._pending[slot.objectName()] = source
        slot.set_busy(label_for(source))
        self.source_dropped.emit(slot.objectName(), source)

    def _on_slot_cleared(self, slot: ImageSlot) -> None:
        self._pending.pop(slot.objectName(), None)
        self.image_hint.hide()
        self.cleared.emit(slot.objectName())
        self.changed.emit()

    def set_busy(self, key: str) -> None:
        """The upload service started on slot ``key``."""
        slot = self.slot(key)
        if slot is not None and not slot.is_busy():
            slot.set_busy(slot.source_label.text())
            self.changed.emit()

    def set_ready(self, key: str, image: Any) -> None:
        """Slot ``key`` holds ``image`` (an ``UploadedImage``)."""
        slot = self.slot(key)
        self._pending.pop(key, None)
        if slot is not None:
            slot.set_image(image)
            self.changed.emit()

    def set_failed(self, key: str, message: str) -> None:
        """Slot ``key`` could not be filled: say why on the slot."""
        slot = self.slot(key)
        self._pending.pop(key, None)
        if slot is not None:
            slot.set_error(message)
            self.changed.emit()

    # -- saving -----------------------------------------------------------------------------

    def state(self) -> list[dict[str, Any]]:
        """The filled slots (uploaded ids or gallery image ids, with a small thumbnail) and the
        ones still being prepared, so a draft switch or a restart keeps them."""
        out: list[dict[str, Any]] = []
        for slot in self.slots():
            value = slot.value()
            pending = self._pending.get(slot.objectName()) if slot.is_busy() else None
            if pending is not None:
                entry = _pending_entry(pending)
                if entry is not None:
                    out.append({"slot": slot.objectName(), **entry})
                continue
            if value is None:
                continue
            out.append(
                {
                    "slot": slot.objectName(),
                    "image_id": value.image_id,
                    "generated": value.generated,
                    "source": value.source,
                    "width": value.width,
                    "height": value.height,
                    "thumbnail": _png_b64(value.thumbnail),
                }
            )
        return out

    def restore(self, entries: Any) -> None:
        """Apply what :meth:`state` returned; a slot missing from ``entries`` is emptied."""
        by_slot: dict[str, Mapping[str, Any]] = {}
        if isinstance(entries, list):
            for e in entries:
                if isinstance(e, Mapping) and isinstance(e.get("slot"), str):
                    by_slot[e["slot"]] = e
        for slot in self.slots():
            name = slot.objectName()
            if slot.is_busy():  # its upload belonged to the form as it was: forget the answer
                self._pending.pop(name, None)
                self.cleared.emit(name)
            e = by_slot.get(name)
            pending = None if e is None else _pending_source(e)
            if pending is not None:  # still to be uploaded when the state was taken: again
                self._start_source(slot, pending)
                continue
            image_id = None if e is None else _as_str(e.get("image_id"))
            if e is None or not image_id:
                slot.clear()
                continue
            slot.set_image(_uploaded(image_id, e))


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _uploaded(image_id: str, e: Mapping[str, Any]) -> UploadedImage:
    generated, width, height = e.get("generated"), e.get("width"), e.get("height")
    return UploadedImage(
        image_id,
        _image_from_b64(e.get("thumbnail")),
        _as_str(e.get("source")) or QCoreApplication.translate("ImagesSection", "Image"),
        generated=generated if isinstance(generated, bool) else False,
        width=width if isinstance(width, int) and not isinstance(width, bool) else 0,
        height=height if isinstance(height, int) and not isinstance(height, bool) else 0,
    )


def _png_b64(image: QImage) -> str | None:
    """A (small) picture as base64 PNG text, for JSON state."""
    if image.isNull():
        return None
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    QImageWriter(buffer, QByteArray(b"PNG")).write(image)
    buffer.close()
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _image_from_b64(text: Any) -> QImage:
    image = QImage()
    if isinstance(text, str) and text:
        try:
            image.loadFromData(base64.b64decode(text, validate=True), "PNG")
        except ValueError:
            return QImage()
    return image


def _pending_entry(source: Any) -> dict[str, Any] | None:
    """A slot's source still being prepared, as JSON (a path, a link, a gallery image, or a
    pasted picture as PNG); None for what cannot be kept."""
    if isinstance(source, Path):
        return {"pending_path": str(source)}
    if isinstance(source, str):
        return {"pending_url": source}
    if isinstance(source, GalleryImage):
        return {"pending_gallery": source.image_id}
    if isinstance(source, QImage):
        data = _png_b64(source)
        if data is not None and len(data) <= _PENDING_IMAGE_LIMIT:
            return {"pending_png": data}
    if isinstance(source, bytes | bytearray) and len(source) * 4 // 3 <= _PENDING_IMAGE_LIMIT:
        return {"pending_bytes": base64.b64encode(bytes(source)).decode("ascii")}
    return None


def _pending_source(entry: Mapping[str, Any]) -> Any:
    """The inverse of :func:`_pending_entry` (None when ``entry`` holds no pending source)."""
    path, url = _as_str(entry.get("pending_path")), _as_str(entry.get("pending_url"))
    gallery = _as_str(entry.get("pending_gallery"))
    if path:
        return Path(path)
    if url:
        return url
    if gallery:
        return GalleryImage(gallery)
    png = _image_from_b64(entry.get("pending_png"))
    if not png.isNull():
        return png
    raw = _as_str(entry.get("pending_bytes"))
    if raw:
        try:
            return base64.b64decode(raw, validate=True)
        except ValueError:
            return None
    return None
