"""The canvas window's result widgets: the live result pane and the strip of queued results."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.canvas_panel import percent_slider, push_button, tool_button
from leodesk.ui.canvas_render import dark_background
from leodesk.ui.widgets import named

__all__ = ["ImagePane", "ResultsStrip"]

THUMB = 64


class ImagePane(QWidget):
    """One picture, fitted and centred, on the canvas's dark background (or a hint)."""

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.hint = hint
        self.setMinimumSize(160, 160)

    def set_image(self, image: QImage | None) -> None:
        self.image = QImage() if image is None else image
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), dark_background())
        if self.image.isNull():
            p.setPen(Qt.GlobalColor.lightGray)
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.hint
            )
        else:
            size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - size.width()) / 2
            y = (self.height() - size.height()) / 2
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(QRectF(x, y, size.width(), size.height()), self.image)
        p.end()


class ResultsStrip(QWidget):
    """Results of canvas jobs as thumbnails, one shown over the canvas at a time.

    Signals: ``current_changed(object)`` (the QImage to show, or None), ``accepted(str, QImage)``,
    ``discarded(str)``, ``compare(bool)`` (held: show the canvas under the result),
    ``opacity_changed(float)``.
    """

    current_changed = Signal(object)
    accepted = Signal(str, QImage)
    discarded = Signal(str)
    compare = Signal(bool)
    opacity_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "canvasResults", self.tr("Canvas results"))
        self.images: dict[str, QImage] = {}
        self.list = named(QListWidget(), "resultList", self.tr("Results"))
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 10, THUMB + 10))
        self.list.setFixedHeight(THUMB + 16)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.currentRowChanged.connect(self._current)
        self._build()

    def _build(self) -> None:
        self.prev_button = tool_button("◀", "resultPrevButton", self.tr("Previous result"))
        self.next_button = tool_button("▶", "resultNextButton", self.tr("Next result"))
        self.accept_button = push_button(
            self.tr("Accept"), "resultAcceptButton", self.tr("Make it the canvas")
        )
        self.discard_button = push_button(
            self.tr("Discard"), "resultDiscardButton", self.tr("Discard the result")
        )
        self.compare_button = push_button(
            self.tr("Hold to compare"),
            "resultCompareButton",
            self.tr("Hold to see the canvas under the result"),
        )
        self.opacity_slider = percent_slider(
            "resultOpacitySlider",
            self.tr("Result opacity"),
            self.tr("How much of the result covers the canvas"),
        )
        self.opacity_slider.setValue(100)
        self.opacity_slider.setMaximumWidth(120)
        self.label = named(QLabel(""), "resultLabel", self.tr("Result"))
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.accept_button.clicked.connect(self._accept)
        self.discard_button.clicked.connect(self._discard)
        self.compare_button.pressed.connect(lambda: self.compare.emit(True))
        self.compare_button.released.connect(lambda: self.compare.emit(False))
        self.opacity_slider.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100))
        buttons = QHBoxLayout()
        for w in (self.prev_button, self.label, self.next_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(self.compare_button)
        buttons.addWidget(QLabel(self.tr("Opacity")))
        buttons.addWidget(self.opacity_slider)
        buttons.addStretch(1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.discard_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(buttons)
        col.addWidget(self.list)
        self.setVisible(False)

    def add(self, image_id: str, image: QImage) -> None:
        self.images[image_id] = image
        thumb = QPixmap.fromImage(
            image.scaled(
                THUMB,
                THUMB,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        item = QListWidgetItem(QIcon(thumb), "")
        item.setData(Qt.ItemDataRole.UserRole, image_id)
        item.setToolTip(image_id)
        self.list.addItem(item)
        self.setVisible(True)
        self.list.setCurrentItem(item)

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def step(self, delta: int) -> None:
        n = self.list.count()
        if n:
            self.list.setCurrentRow((self.list.currentRow() + delta) % n)

    def clear(self) -> None:
        self.images.clear()
        self.list.clear()
        self.setVisible(False)

    def _current(self, row: int) -> None:
        image_id = self.current_id()
        n = self.list.count()
        self.label.setText(self.tr("Result {row} of {n}").format(row=row + 1, n=n) if n else "")
        for b in (self.prev_button, self.next_button):
            b.setEnabled(n > 1)
        self.current_changed.emit(None if image_id is None else self.images[image_id])

    def _take_current(self) -> str | None:
        image_id = self.current_id()
        if image_id is not None:
            self.list.takeItem(self.list.currentRow())
            self.images.pop(image_id, None)
            if not self.list.count():
                self.setVisible(False)
                self.current_changed.emit(None)
        return image_id

    def _accept(self) -> None:
        image_id = self.current_id()
        if image_id is None:
            return
        image = self.images[image_id]
        self._take_current()
        self.accepted.emit(image_id, image)

    def _discard(self) -> None:
        image_id = self._take_current()
        if image_id is not None:
            self.discarded.emit(image_id)
