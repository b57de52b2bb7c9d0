"""The picture of the video player: the frame on screen, fitted on a dark background, or a
message (opening, or why the file does not play)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from leodesk.qt.video import DecodedFrame

BACKGROUND = QColor(12, 12, 14)
TEXT = QColor(225, 225, 230)


def fitted(image: QSize, area: QSize) -> QSize:
    """``image`` scaled to fit in ``area`` keeping its proportions (never zero)."""
    if image.isEmpty() or area.isEmpty():
        return QSize(max(1, area.width()), max(1, area.height()))
    size = image.scaled(area, Qt.AspectRatioMode.KeepAspectRatio)
    return QSize(max(1, size.width()), max(1, size.height()))


class VideoSurface(QWidget):
    """Paints the shown frame. Signals: display_size(QSize: device pixels the video fills),
    painted(object: the DecodedFrame just painted)."""

    display_size = Signal(QSize)
    painted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoSurface")
        self.setAccessibleName(self.tr("Video picture"))
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.frame: DecodedFrame | None = None
        self.video_size = QSize()
        self.message = ""

    def set_video_size(self, size: QSize) -> None:
        self.video_size = size
        self._announce()

    def show_frame(self, frame: DecodedFrame) -> None:
        self.frame = frame
        self.message = ""
        if self.isVisible():
            self.repaint(self.picture_rect())  # now: the frame is on screen when it is due

    def show_message(self, text: str) -> None:
        self.message = text
        self.update()

    def picture_rect(self) -> QRect:
        """Where the frame is drawn (logical pixels, centred)."""
        source = self.video_size if not self.video_size.isEmpty() else QSize(16, 9)
        size = fitted(source, self.size())
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._announce()

    def _announce(self) -> None:
        if self.video_size.isEmpty():
            return
        ratio = self.devicePixelRatioF()
        area = QSize(round(self.width() * ratio), round(self.height() * ratio))
        size = fitted(self.video_size, area)
        if size.width() >= self.video_size.width():
            size = self.video_size  # never decode larger than the clip
        self.display_size.emit(size)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), BACKGROUND)
        frame = self.frame
        if self.message:
            painter.setPen(TEXT)
            box = self.rect().adjusted(24, 24, -24, -24)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(box, int(flags), self.message)
        elif frame is not None:
            self._draw(painter, frame.image)
        painter.end()
        if frame is not None and not self.message:
            self.painted.emit(frame)

    def _draw(self, painter: QPainter, image: QImage) -> None:
        target = self.picture_rect()
        ratio = self.devicePixelRatioF()
        if image.width() == round(target.width() * ratio):
            image.setDevicePixelRatio(ratio)
            painter.drawImage(target.topLeft(), image)  # already the display's size: a blit
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)


__all__ = ["VideoSurface", "fitted"]
