"""ImageSlot: a drop target for an init image or an image prompt.

Widgets only: the slot turns a drop or a paste into *sources* (local paths, http(s) URLs,
``QImage`` data, leodesk gallery ids; see :func:`sources_from_mime`) and emits them; the upload
service does the reading and uploading, and the form shows its answers with :meth:`set_busy`,
:meth:`set_image` and :meth:`set_error`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from leodesk.qt.models.gallery_model import IMAGE_IDS_MIME
from leodesk.qt.uploads import GalleryImage, Source, UploadedImage, describe

__all__ = ["ImageSlot", "sources_from_mime"]

THUMB = 72
_ERROR_COLOR = "#c62828"
_STYLE = f"""
ImageSlot {{ border: 1px dashed palette(mid); border-radius: 4px; }}
ImageSlot[dragOver="true"] {{ border: 2px solid palette(highlight); }}
QLabel[error="true"] {{ color: {_ERROR_COLOR}; }}
"""


def sources_from_mime(mime: QMimeData | None) -> list[Source]:
    """What a drop or the clipboard offers, best first: gallery ids, local files, image data,
    then http(s) links (a browser drag usually carries the image data as well as its URL)."""
    if mime is None:
        return []
    if mime.hasFormat(IMAGE_IDS_MIME):
        raw = bytes(mime.data(IMAGE_IDS_MIME).data()).decode("utf-8", errors="replace")
        ids = [GalleryImage(i.strip()) for i in raw.splitlines() if i.strip()]
        if ids:
            return list(ids)
    urls = mime.urls() if mime.hasUrls() else []
    local: list[Source] = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    if local:
        return local
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return [image]
    remote: list[Source] = [
        u.toString() for u in urls if u.scheme() in ("http", "https") and u.host()
    ]
    if remote:
        return remote
    if mime.hasText():
        text = mime.text().strip()
        if text.startswith(("http://", "https://")) and len(text.split()) == 1:
            return [text]
    return []


class ImageSlot(QFrame):
    """A drop target showing a thumbnail, the source, a state line and a clear button.

    Signals: ``sources_dropped(list)`` (everything one drop or paste offered, in order) and
    ``cleared()`` (the clear button).
    """

    sources_dropped = Signal(list)
    cleared = Signal()

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.setAccessibleDescription(self.tr("Drop an image here, or paste one with Ctrl+V"))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(_STYLE)
        self.setProperty("dragOver", False)
        self.title = title
        self._value: UploadedImage | None = None
        self._busy = False
        self._error = ""

        self.thumb = QLabel()
        self.thumb.setObjectName(f"{name}Thumb")
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel(title)
        self.title_label.setObjectName(f"{name}Title")
        self.source_label = QLabel()
        self.source_label.setObjectName(f"{name}Source")
        self.source_label.setWordWrap(True)
        self.state_label = QLabel()
        self.state_label.setObjectName(f"{name}State")
        self.state_label.setWordWrap(True)
        self.state_label.setProperty("error", False)
        self.clear_button = QToolButton()
        self.clear_button.setObjectName(f"{name}Clear")
        self.clear_button.setAccessibleName(self.tr("Clear {what}").format(what=title.lower()))
        self.clear_button.setText("✕")
        self.clear_button.setToolTip(self.tr("Clear {what}").format(what=title.lower()))
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.clear_button.clicked.connect(self._on_clear)

        text = QVBoxLayout()
        text.setSpacing(1)
        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        head.addWidget(self.clear_button)
        text.addLayout(head)
        text.addWidget(self.source_label)
        text.addWidget(self.state_label)
        text.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.thumb)
        row.addLayout(text, 1)
        self._show()

    # -- state --------------------------------------------------------------------------------
    def value(self) -> UploadedImage | None:
        """The image this slot holds (None while empty, busy or failed)."""
        return self._value

    def is_busy(self) -> bool:
        return self._busy

    def is_empty(self) -> bool:
        return self._value is None and not self._busy

    def error(self) -> str:
        return self._error

    def set_busy(self, label: str) -> None:
        self._value, self._busy, self._error = None, True, ""
        self.source_label.setText(label)
        self._show()

    def set_image(self, image: UploadedImage) -> None:
        self._value, self._busy, self._error = image, False, ""
        self.source_label.setText(image.source)
        self._show()

    def set_error(self, message: str) -> None:
        self._value, self._busy, self._error = None, False, message
        self._show()

    def clear(self) -> None:
        self._value, self._busy, self._error = None, False, ""
        self.source_label.setText("")
        self._show()

    def _show(self) -> None:
        value = self._value
        if value is not None and not value.thumbnail.isNull():
            self.thumb.setPixmap(QPixmap.fromImage(value.thumbnail))
        else:
            self.thumb.clear()
            if self._busy:
                self.thumb.setText("…")
            else:
                self.thumb.setText(
                    self.tr("Image") if value is not None else self.tr("Drop\nimage")
                )
        if self._busy:
            state = self.tr("Uploading…")
        elif self._error:
            state = self._error
        elif value is not None:
            if value.generated:
                state = self.tr("From the gallery (no upload)")
            elif value.width and value.height:
                state = self.tr("Uploaded at {w} × {h}").format(w=value.width, h=value.height)
            else:
                state = self.tr("Uploaded")
        else:
            state = self.tr("Drop an image or paste (Ctrl+V)")
        self.state_label.setText(state)
        if bool(self.state_label.property("error")) != bool(self._error):
            self.state_label.setProperty("error", bool(self._error))
            self.state_label.style().unpolish(self.state_label)
            self.state_label.style().polish(self.state_label)
        self.clear_button.setEnabled(not self.is_empty() or bool(self._error))
        self.setToolTip(self._error or self.source_label.text() or self.accessibleDescription())

    # -- input --------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if sources_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._drag_over(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._drag_over(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._drag_over(False)
        sources = sources_from_mime(event.mimeData())
        if not sources:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.sources_dropped.emit(sources)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not self.is_empty():
            self._on_clear()
            event.accept()
            return
        super().keyPressEvent(event)

    def paste(self) -> bool:
        """Take an image, a file or an http(s) link from the clipboard; False if it has none."""
        sources = sources_from_mime(QGuiApplication.clipboard().mimeData())
        if not sources:
            self.set_error(self.tr("The clipboard holds no image, file or image link."))
            return False
        self.sources_dropped.emit(sources)
        return True

    def _on_clear(self) -> None:
        self.clear()
        self.cleared.emit()

    def _drag_over(self, on: bool) -> None:
        if bool(self.property("dragOver")) != on:
            self.setProperty("dragOver", on)
            self.style().unpolish(self)
            self.style().polish(self)


def label_for(source: Source) -> str:
    """The text a slot shows for ``source`` while it is prepared."""
    return describe(source)
