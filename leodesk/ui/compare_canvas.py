"""The compare window's picture panes: one image per pane (side by side) or two images split by
a line that can be dragged (:class:`SplitPane`), all following one :class:`ViewState` so that a
zoom or a pan in any pane moves every pane the same way.

The state is kept in fractions of the picture (the point of the image at the pane's centre, and
a zoom relative to "fit"), so an upscale and its parent (the same picture at two sizes) stay
aligned point for point. Panes paint QPixmaps (made once per picture, so a pan repaints without
converting anything); they do no I/O.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor("#262626")  # a neutral dark grey, whatever the theme
ZOOM_MIN, ZOOM_MAX = 0.1, 64.0
GRAB = 8  # px either side of the split line that grab it


class ViewState(QObject):
    """Zoom (1 = fit) and the picture point at the pane's centre (fractions 0–1).
    Signals: changed()."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = 1.0
        self.cx = 0.5
        self.cy = 0.5

    def fit(self) -> None:
        self.zoom, self.cx, self.cy = 1.0, 0.5, 0.5
        self.changed.emit()

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        self.changed.emit()

    def zoom_at(self, placed: QRectF, widget: QRectF, point: QPointF, factor: float) -> None:
        """Zoom by ``factor`` keeping the picture point under ``point`` where it is."""
        if placed.width() <= 0 or placed.height() <= 0:
            return
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, self.zoom * factor))
        u = (point.x() - placed.x()) / placed.width()
        v = (point.y() - placed.y()) / placed.height()
        ratio = zoom / self.zoom
        w, h = placed.width() * ratio, placed.height() * ratio
        self.cx = u + (widget.center().x() - point.x()) / w
        self.cy = v + (widget.center().y() - point.y()) / h
        self.zoom = zoom
        self.changed.emit()

    def pan(self, placed: QRectF, dx: float, dy: float) -> None:
        if placed.width() > 0 and placed.height() > 0:
            self.cx -= dx / placed.width()
            self.cy -= dy / placed.height()
            self.changed.emit()


def placement(state: ViewState, widget: QRectF, image: QPixmap) -> QRectF:
    """Where ``image`` is drawn in a pane of ``widget``'s size."""
    if image.isNull() or widget.width() <= 0 or widget.height() <= 0:
        return QRectF()
    fit = min(widget.width() / image.width(), widget.height() / image.height())
    w, h = image.width() * fit * state.zoom, image.height() * fit * state.zoom
    c = widget.center()
    return QRectF(c.x() - state.cx * w, c.y() - state.cy * h, w, h)


class _Pane(QWidget):
    """What both panes share: the state, wheel zoom about the cursor, drag to pan, captions."""

    def __init__(self, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._drag: QPointF | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        state.changed.connect(self.update)

    def main_image(self) -> QPixmap:
        """The image the pan and zoom are measured on (a pane shows its own; none here)."""
        return QPixmap()

    def placed(self) -> QRectF:
        return placement(self.state, QRectF(self.rect()), self.main_image())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.state.zoom_at(self.placed(), QRectF(self.rect()), event.position(), 1.25**steps)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            d = event.position() - self._drag
            self._drag = event.position()
            self.state.pan(self.placed(), d.x(), d.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    @staticmethod
    def draw_image(p: QPainter, image: QPixmap, target: QRectF, message: str) -> None:
        if image.isNull():
            p.setPen(QColor("#bdbdbd"))
            p.drawText(
                target,
                Qt.AlignmentFlag.AlignCenter,
                message or QCoreApplication.translate("ComparePane", "Loading…"),
            )
            return
        p.drawPixmap(target, image, QRectF(image.rect()))

    @staticmethod
    def draw_caption(p: QPainter, text: str, at: QPointF, room: float, right: bool = False) -> None:
        """``text`` in a dark box at ``at`` (its right end there when ``right``), elided in
        the middle to fit ``room`` pixels."""
        metrics = p.fontMetrics()
        text = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(0, int(room) - 12))
        if not text:
            return
        box = QRectF(metrics.boundingRect(text)).adjusted(-6, -3, 6, 3)
        box.moveTop(at.y())
        if right:
            box.moveRight(at.x())
        else:
            box.moveLeft(at.x())
        p.fillRect(box, QColor(0, 0, 0, 170))
        p.setPen(QColor("#f0f0f0"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class ImagePane(_Pane):
    """One image (side by side)."""

    def __init__(self, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.image = QPixmap()
        self.caption = ""
        self.message = ""

    def main_image(self) -> QPixmap:
        return self.image

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), BACKGROUND)
        target = self.placed() if not self.image.isNull() else QRectF(self.rect())
        self.draw_image(p, self.image, target, self.message)
        self.draw_caption(p, self.caption, QPointF(8, 8), self.width() - 16)
        p.end()


class SplitPane(_Pane):
    """Two images in one pane: the first left of the split line, the second right of it. Drag
    the line to move it; drag elsewhere to pan. ``split`` is the line's place (0–1)."""

    split_moved = Signal(float)

    def __init__(self, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.images = [QPixmap(), QPixmap()]
        self.captions = ["", ""]
        self.messages = ["", ""]
        self.split = 0.5
        self._moving_split = False
        self.setMouseTracking(True)

    def main_image(self) -> QPixmap:
        return self.images[0] if not self.images[0].isNull() else self.images[1]

    def split_x(self) -> float:
        return self.split * self.width()

    def set_split(self, fraction: float) -> None:
        self.split = min(1.0, max(0.0, fraction))
        self.split_moved.emit(self.split)
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        near = abs(event.position().x() - self.split_x()) <= GRAB
        if event.button() == Qt.MouseButton.LeftButton and near:
            self._moving_split = True
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._moving_split:
            self.set_split(event.position().x() / max(1, self.width()))
            return
        if self._drag is None:
            near = abs(event.position().x() - self.split_x()) <= GRAB
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.OpenHandCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._moving_split = False
        super().mouseReleaseEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), BACKGROUND)
        whole = QRectF(self.rect())
        x = self.split_x()
        halves = (QRectF(0, 0, x, self.height()), QRectF(x, 0, self.width() - x, self.height()))
        for image, half, message in zip(self.images, halves, self.messages, strict=True):
            p.save()
            p.setClipRect(half)
            target = placement(self.state, whole, image) if not image.isNull() else half
            self.draw_image(p, image, target, message)
            p.restore()
        p.setPen(QPen(QColor("#fafafa"), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(QColor("#fafafa"))
        p.drawEllipse(QPointF(x, self.height() / 2), 6, 6)
        room = self.width() / 2 - 12
        self.draw_caption(p, self.captions[0], QPointF(8, 8), room)
        self.draw_caption(p, self.captions[1], QPointF(self.width() - 8, 8), room, right=True)
        p.end()
