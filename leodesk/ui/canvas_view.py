"""CanvasView: the canvas document on screen, painted on with the mouse.

Zoom and pan as the image viewer: the wheel zooms about the cursor (×1.25 a notch), F fits,
1 shows 100%, + and - zoom; the middle button or Space + drag pans. A left-drag paints with the
current tool; ``[`` and ``]`` resize the brush, whose outline follows the cursor. With the
outpaint tool, handles on the canvas's edges are dragged outwards to grow it (``doc.grow``).

Drawing stays cheap on large pictures: the layers are flattened once into a cached image
(:class:`~leodesk.ui.canvas_render.Composite`), a document change redoes only its rect there and
repaints only that rect of the widget, and a paint draws only the exposed part.

Signals: ``zoom_changed(float)`` (the scale, 1.0 = 100%).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from leodesk.qt.canvas_doc import CanvasDocument, Tool
from leodesk.ui.canvas_render import Composite, Viewport, dark_background
from leodesk.ui.widgets import named

__all__ = ["OUTPAINT", "CanvasView"]

OUTPAINT = "outpaint"
HANDLE_LONG, HANDLE_SHORT = 44, 14
SIDES = ("left", "right", "top", "bottom")


def _round8(size: int, extra: int) -> int:
    """``extra`` grown so that ``size + extra`` is a multiple of 8 (0 stays 0)."""
    return 0 if extra <= 0 else -(-(size + extra) // 8) * 8 - size


class CanvasView(QWidget):
    zoom_changed = Signal(float)

    def __init__(self, doc: CanvasDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(
            self,
            "canvasView",
            self.tr("Canvas"),
            self.tr("Paint with the left button; wheel zooms; middle-drag pans"),
        )
        self.doc = doc
        self.view = Viewport()
        self.composite = Composite(doc)
        self.tool: str = Tool.MASK_BRUSH
        self.result: QImage | None = None
        self.result_opacity = 1.0
        self.comparing = False
        self._cursor: QPointF | None = None
        self._pan_from: QPointF | None = None
        self._space = False
        self._grow_side: str | None = None
        self._grow_from = QPointF()
        self._grow_by = 0
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(240, 200)
        self.setCursor(Qt.CursorShape.CrossCursor)
        doc.changed.connect(self._doc_changed)
        doc.size_changed.connect(self._doc_resized)
        doc.brush_changed.connect(self._brush_changed)

    # -- public ---------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        """A :class:`Tool` value, or ``"outpaint"`` (edge handles, no painting)."""
        self.tool = tool
        self.update()

    def set_result(self, image: QImage | None) -> None:
        """A result drawn over the canvas (scaled to it), or None for none."""
        self.result = None if image is None or image.isNull() else image
        self.update()

    def set_result_opacity(self, opacity: float) -> None:
        self.result_opacity = max(0.0, min(1.0, opacity))
        self.update()

    def set_compare(self, comparing: bool) -> None:
        """While comparing, the result layer is hidden (the canvas under it shows)."""
        self.comparing = comparing
        self.update()

    def fit(self) -> None:
        self.view.fit(self.doc.size(), self.size())
        self._view_changed()

    def actual_size(self) -> None:
        self.view.actual_size(self.doc.size(), self.size())
        self._view_changed()

    def zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        centre = QPointF(self.width() / 2, self.height() / 2)
        if self.view.zoom_about(factor, anchor if anchor is not None else centre):
            self._view_changed()

    @property
    def scale(self) -> float:
        return self.view.scale

    def map_to_image(self, p: QPointF) -> QPointF:
        return self.view.to_image(p)

    def map_from_image(self, p: QPointF) -> QPointF:
        return self.view.to_widget(p)

    def sizeHint(self) -> QSize:
        return QSize(900, 700)

    # -- document -------------------------------------------------------------------------
    def _doc_changed(self, rect: QRect) -> None:
        self.composite.update(rect)
        self.update(self.view.widget_rect(rect))

    def _doc_resized(self, _size: QSize) -> None:
        self.composite.rebuild()
        self.fit()

    def _brush_changed(self) -> None:
        self.update()

    def _view_changed(self) -> None:
        self.update()
        self.zoom_changed.emit(self.view.scale)

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        region = event.region()
        parts: list[QRect] = (
            list(region) if region.rectCount() <= 16 else [region.boundingRect()]  # type: ignore[call-overload]
        )
        image, factor = self.composite.level(self.view.scale)
        for exposed in parts:
            p.fillRect(exposed, dark_background())
            self.view.draw(p, image, exposed, factor)
        if self.result is not None and not self.comparing:
            self._draw_result(p)
        if self.tool == OUTPAINT:
            self._draw_handles(p)
        elif self._cursor is not None and self._pan_from is None:
            self._draw_outline(p, self._cursor)
        p.end()

    def _image_widget_rect(self) -> QRectF:
        rect = QRectF(self.doc.rect())
        return QRectF(self.view.to_widget(rect.topLeft()), rect.size() * self.view.scale)

    def _draw_result(self, p: QPainter) -> None:
        assert self.result is not None
        p.setOpacity(self.result_opacity)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(self._image_widget_rect(), self.result)
        p.setOpacity(1.0)

    def _outline_radius(self) -> float:
        return max(1.0, self.doc.brush_size * self.view.scale / 2)

    def _draw_outline(self, p: QPainter, at: QPointF) -> None:
        r = self._outline_radius()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0, 200), 3))
        p.drawEllipse(at, r, r)
        p.setPen(QPen(QColor(255, 255, 255, 230), 1))
        p.drawEllipse(at, r, r)

    def _outline_rect(self, at: QPointF) -> QRect:
        r = self._outline_radius() + 3
        return QRectF(at.x() - r, at.y() - r, 2 * r, 2 * r).toAlignedRect()

    # -- outpaint handles -----------------------------------------------------------------
    def handle_rect(self, side: str) -> QRectF:
        """Where the handle of ``side`` is, in widget coordinates (just outside the edge)."""
        r = self._image_widget_rect()
        long, short = HANDLE_LONG, HANDLE_SHORT
        c = r.center()
        return {
            "left": QRectF(r.left() - short - 2, c.y() - long / 2, short, long),
            "right": QRectF(r.right() + 2, c.y() - long / 2, short, long),
            "top": QRectF(c.x() - long / 2, r.top() - short - 2, long, short),
            "bottom": QRectF(c.x() - long / 2, r.bottom() + 2, long, short),
        }[side]

    def _grown_rect(self) -> QRectF:
        r = self._image_widget_rect()
        by = self._grow_by * self.view.scale
        side = self._grow_side
        return r.adjusted(
            -by if side == "left" else 0,
            -by if side == "top" else 0,
            by if side == "right" else 0,
            by if side == "bottom" else 0,
        )

    def _draw_handles(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._grow_side is not None:
            p.setBrush(QColor(235, 40, 40, 60))
            p.setPen(QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine))
            p.drawRect(self._grown_rect())
        p.setPen(QPen(QColor(20, 20, 20), 1))
        p.setBrush(QColor(240, 240, 240))
        for side in SIDES:
            p.drawRoundedRect(self.handle_rect(side), 3, 3)

    def _grow_amount(self, pos: QPointF) -> int:
        d = pos - self._grow_from
        side = self._grow_side
        pixels = {"left": -d.x(), "right": d.x(), "top": -d.y(), "bottom": d.y()}[side or "left"]
        size = self.doc.size()
        along = size.width() if side in ("left", "right") else size.height()
        return _round8(along, round(pixels / self.view.scale))

    def _finish_grow(self) -> None:
        side, by = self._grow_side, self._grow_by
        self._grow_side, self._grow_by = None, 0
        self.update()
        if side is not None and by > 0:
            self.doc.grow(**{s: by if s == side else 0 for s in SIDES})

    # -- mouse and keys -------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space
        ):
            self._pan_from = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton and self.tool == OUTPAINT:
            self._grow_side = next(
                (s for s in SIDES if self.handle_rect(s).adjusted(-4, -4, 4, 4).contains(pos)), None
            )
            self._grow_from, self._grow_by = pos, 0
        elif button == Qt.MouseButton.LeftButton:
            self.doc.begin_stroke(self.tool, self.view.to_image(pos))
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_from is not None:
            self.view.pan(pos - self._pan_from)
            self._pan_from = pos
            self._view_changed()
        elif self._grow_side is not None:
            self._grow_by = self._grow_amount(pos)
            self.update()
        else:
            if self.doc.painting:
                self.doc.stroke_to(self.view.to_image(pos))
            self._move_cursor(pos)

    def _move_cursor(self, pos: QPointF | None) -> None:
        if self.tool == OUTPAINT:
            self._cursor = pos
            return
        if self._cursor is not None:
            self.update(self._outline_rect(self._cursor))
        self._cursor = pos
        if pos is not None:
            self.update(self._outline_rect(pos))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self.setCursor(Qt.CursorShape.CrossCursor)
        elif self._grow_side is not None:
            self._finish_grow()
        elif event.button() == Qt.MouseButton.LeftButton:
            self.doc.end_stroke()
        event.accept()

    def leaveEvent(self, event: object) -> None:
        self._move_cursor(None)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.25**steps, event.position())
            self._move_cursor(event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        size = self.doc.brush_size
        if key == Qt.Key.Key_BracketLeft:
            self.doc.set_brush_size(min(size - 1, round(size / 1.2)))
        elif key == Qt.Key.Key_BracketRight:
            self.doc.set_brush_size(max(size + 1, round(size * 1.2)))
        elif key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        elif key == Qt.Key.Key_F:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.actual_size()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom(0.8)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            super().keyReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.view.fit_mode:
            self.view.fit(self.doc.size(), self.size())
