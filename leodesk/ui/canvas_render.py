"""What the canvas view draws, kept ready: the layers flattened into one image, redone only in
the rects that changed, and the view's geometry (zoom, pan, image ↔ widget mapping)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPixmap

from leodesk.qt.canvas_doc import CanvasDocument

__all__ = [
    "MASK_OPACITY",
    "Composite",
    "Viewport",
    "checker_brush",
    "dark_background",
]

MASK_OPACITY = 0.45
ARGB = QImage.Format.Format_ARGB32_Premultiplied


def checker_brush(cell: int = 12) -> QBrush:
    """The pattern shown where the picture is transparent (outpaint's new area)."""
    tile = QPixmap(2 * cell, 2 * cell)
    tile.fill(QColor(96, 96, 100))
    p = QPainter(tile)
    for x, y in ((0, 0), (cell, cell)):
        p.fillRect(x, y, cell, cell, QColor(124, 124, 128))
    p.end()
    return QBrush(tile)


class Composite:
    """The document's layers flattened (picture, sketch, mask as a tinted translucent overlay)
    at image size; :meth:`update` redoes one rect.

    Zoomed out below 50 %, a view draws from a smaller copy (half, quarter… size, made when
    first wanted and then kept up to date rect by rect): drawn straight from the full image,
    bilinear filtering would skip pixels and fine detail would shimmer.
    """

    MAX_LEVEL = 3

    def __init__(self, doc: CanvasDocument) -> None:
        self.doc = doc
        self.checker = checker_brush()
        self.image = QImage()
        self.levels: list[QImage] = []
        self.mask_visible = True
        self.rebuild()

    def rebuild(self) -> None:
        self.image = QImage(self.doc.size(), ARGB)
        self.levels = [self.image]
        self.update(self.doc.rect())

    def level(self, scale: float) -> tuple[QImage, int]:
        """The image to draw at ``scale`` and how many times smaller than the picture it is."""
        k = 0 if scale >= 0.5 else min(self.MAX_LEVEL, math.floor(-math.log2(scale)))
        while len(self.levels) <= k:
            prev = self.levels[-1]
            small = QImage((prev.width() + 1) // 2, (prev.height() + 1) // 2, ARGB)
            small.fill(0)
            self.levels.append(small)
            _halve(prev, small, prev.rect())
        return self.levels[k], 2**k

    def update(self, rect: QRect) -> None:
        """Redo ``rect``: the picture (over a checkerboard where it is transparent), the sketch
        if there may be one, the mask (in its overlay colour already) translucent on top."""
        rect = rect.intersected(self.image.rect())
        if rect.isEmpty():
            return
        doc = self.doc
        p = QPainter(self.image)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        if not doc.base_opaque:
            p.fillRect(rect, self.checker)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        p.drawImage(rect.topLeft(), doc.base, rect)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        if doc.sketch_used:
            p.drawImage(rect.topLeft(), doc.sketch, rect)
        if self.mask_visible:
            p.setOpacity(MASK_OPACITY)
            p.drawImage(rect.topLeft(), doc.mask, rect)
        p.end()
        for big, small in zip(self.levels, self.levels[1:], strict=False):
            rect = _halve(big, small, rect)


def _halve(big: QImage, small: QImage, rect: QRect) -> QRect:
    """Redo ``small`` (half of ``big``'s size) under ``rect`` of ``big``: each pixel the mean of
    the four under it. Returns the rect redone, in ``small``'s pixels."""
    x0, y0 = rect.left() // 2, rect.top() // 2
    x1, y1 = (rect.right() + 2) // 2, (rect.bottom() + 2) // 2
    dst = QRect(x0, y0, x1 - x0, y1 - y0).intersected(small.rect())
    src = QRectF(dst.x() * 2, dst.y() * 2, dst.width() * 2, dst.height() * 2)
    p = QPainter(small)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.drawImage(QRectF(dst), big, src)
    p.end()
    return dst


class Viewport:
    """Zoom and pan: a widget point is ``offset + image point × scale``."""

    MIN_SCALE, MAX_SCALE = 0.05, 32.0

    def __init__(self) -> None:
        self.scale = 1.0
        self.offset = QPointF(0, 0)
        self.fit_mode = True

    def to_image(self, p: QPointF) -> QPointF:
        return (p - self.offset) / self.scale

    def to_widget(self, p: QPointF) -> QPointF:
        return self.offset + p * self.scale

    def widget_rect(self, r: QRect | QRectF, margin: int = 2) -> QRect:
        """The widget pixels an image rect covers (rounded out, with ``margin`` to spare)."""
        r = QRectF(r)
        x0 = math.floor(self.offset.x() + r.left() * self.scale) - margin
        y0 = math.floor(self.offset.y() + r.top() * self.scale) - margin
        x1 = math.ceil(self.offset.x() + r.right() * self.scale) + margin
        y1 = math.ceil(self.offset.y() + r.bottom() * self.scale) + margin
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def image_rect(self, r: QRect, bounds: QRect, margin: int = 2, factor: int = 1) -> QRect:
        """The image pixels under a widget rect (rounded out, ``margin`` more, in ``bounds``),
        of an image ``factor`` times smaller than the picture."""
        s = self.scale * factor
        x0 = math.floor((r.left() - self.offset.x()) / s) - margin
        y0 = math.floor((r.top() - self.offset.y()) / s) - margin
        x1 = math.ceil((r.right() + 1 - self.offset.x()) / s) + margin
        y1 = math.ceil((r.bottom() + 1 - self.offset.y()) / s) + margin
        return QRect(x0, y0, x1 - x0, y1 - y0).intersected(bounds)

    def fit(self, image: QSize, widget: QSize, margin: int = 22) -> None:
        self.fit_mode = True
        if image.isEmpty() or widget.isEmpty():
            return
        w = max(1, widget.width() - 2 * margin)
        h = max(1, widget.height() - 2 * margin)
        self.scale = min(w / image.width(), h / image.height())
        self._centre(image, widget)

    def actual_size(self, image: QSize, widget: QSize) -> None:
        self.fit_mode = False
        self.scale = 1.0
        self._centre(image, widget)

    def _centre(self, image: QSize, widget: QSize) -> None:
        self.offset = QPointF(
            (widget.width() - image.width() * self.scale) / 2,
            (widget.height() - image.height() * self.scale) / 2,
        )

    def zoom_about(self, factor: float, anchor: QPointF) -> bool:
        """Zoom by ``factor`` keeping the image point under ``anchor`` (widget) in place."""
        scale = self.scale * factor
        if not self.MIN_SCALE <= scale <= self.MAX_SCALE:
            return False
        self.fit_mode = False
        self.offset = anchor - (anchor - self.offset) * (scale / self.scale)
        self.scale = scale
        return True

    def pan(self, delta: QPointF) -> None:
        self.fit_mode = False
        self.offset += delta

    def draw(self, p: QPainter, image: QImage, exposed: QRect, factor: int = 1) -> None:
        """Draw the part of ``image`` (``factor`` times smaller than the picture) under the
        widget rect ``exposed``."""
        src = self.image_rect(exposed, image.rect(), factor=factor)
        if src.isEmpty():
            return
        s = self.scale * factor
        target = QRectF(self.offset + QPointF(src.topLeft()) * s, src.size().toSizeF() * s)
        smooth = s < 2.0 and not math.isclose(s, 1.0)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        p.drawImage(target, image, QRectF(src))


def dark_background() -> QColor:
    return QColor(38, 38, 42)
