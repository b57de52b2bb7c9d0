"""GalleryView: the library as a virtualised grid. The delegate paints from memory only."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from leodesk.core.library.records import ImageRecord, Pick
from leodesk.qt.models.gallery_model import IMAGE_ID_ROLE, RECORD_ROLE
from leodesk.ui.widgets import named

CELL = 176
PAD = 6
INNER = CELL - 2 * PAD  # the picture's box: thumbnails are kept in memory at this size
_BG = QColor(40, 40, 44)
_SELECTED_BG = QColor(38, 79, 120)
_PLACEHOLDER = QColor(60, 60, 64)
_SELECTED = QStyle.StateFlag.State_Selected


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints the cell's pixmap (or the placeholder) centred, and a selection frame. No I/O."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(CELL, CELL)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect: QRect = option.rect
        painter.save()
        selected = bool(option.state & _SELECTED)
        painter.fillRect(rect, _SELECTED_BG if selected else _BG)
        inner = rect.adjusted(PAD, PAD, -PAD, -PAD)
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        picture = inner  # where the picture is (a video's badge sits on its corner)
        if isinstance(pm, QPixmap) and not pm.isNull():
            if pm.width() <= inner.width() and pm.height() <= inner.height():
                # the loader made it at display size: a plain copy, centred
                x = inner.x() + (inner.width() - pm.width()) // 2
                y = inner.y() + (inner.height() - pm.height()) // 2
                painter.drawPixmap(x, y, pm)
                picture = QRect(x, y, pm.width(), pm.height())
            else:
                scaled = pm.size().scaled(inner.size(), Qt.AspectRatioMode.KeepAspectRatio)
                x = inner.x() + (inner.width() - scaled.width()) // 2
                y = inner.y() + (inner.height() - scaled.height()) // 2
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                picture = QRect(x, y, scaled.width(), scaled.height())
                painter.drawPixmap(picture, pm)
        else:
            painter.fillRect(inner, _PLACEHOLDER)
        record = index.data(RECORD_ROLE)
        if record is not None:
            self._paint_badges(painter, rect, record)
            if record.is_video:
                _paint_video_badge(painter, picture.adjusted(4, 4, -4, -4), record.video_duration)
        if selected:
            painter.setPen(QColor(90, 160, 230))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()

    @staticmethod
    def _paint_badges(painter: QPainter, rect: QRect, record: ImageRecord) -> None:
        """Favourite, rating, pick and "deleted on the server", from the record in memory."""
        pick = record.pick
        if pick == Pick.REJECTED:
            painter.fillRect(rect, QColor(0, 0, 0, 120))
        font = painter.font()
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        inner = rect.adjusted(PAD + 3, PAD + 2, -PAD - 3, -PAD - 2)
        top_left = []
        if record.favourite:
            top_left.append(("♥", QColor(240, 98, 146)))
        if pick == Pick.PICKED:
            top_left.append(("✔", QColor(102, 187, 106)))
        elif pick == Pick.REJECTED:
            top_left.append(("✘", QColor(239, 83, 80)))
        x = inner.left()
        for text, colour in top_left:
            painter.setPen(QColor(0, 0, 0, 160))
            painter.drawText(x + 1, inner.top() + 14, text)
            painter.setPen(colour)
            painter.drawText(x, inner.top() + 13, text)
            x += 16
        rating = int(record.rating or 0)
        if rating:
            painter.setPen(QColor(255, 202, 40))
            painter.drawText(inner.left(), inner.bottom() - 2, "★" * rating)
        if record.deleted_remote:
            painter.setPen(QColor(255, 183, 77))
            painter.drawText(
                inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, "deleted online"
            )


def video_badge(duration: float | None) -> str:
    """The gallery's mark of a video: "▶ 0:05" (minutes:seconds), or "▶" before it is known."""
    if duration is None or duration <= 0:
        return "▶"
    seconds = max(1, round(duration))
    return f"▶ {seconds // 60}:{seconds % 60:02d}"


def _paint_video_badge(painter: QPainter, inner: QRect, duration: float | None) -> None:
    """A dark pill at the bottom right with the play mark and the duration."""
    text = video_badge(duration)
    font = painter.font()
    font.setPixelSize(12)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 12
    height = metrics.height() + 4
    pill = QRect(inner.right() - width + 1, inner.bottom() - height + 1, width, height)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 170))
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


class GalleryView(QListView):
    """Signals: open_requested(str image id), visible_rows_changed(first, last, per_screen).

    ``visible_rows_changed`` fires (debounced) after scrolling or resizing, so the owner can size
    the thumbnail memory to a few screens and drop requests for rows that scrolled far away.
    """

    open_requested = Signal(str)
    visible_rows_changed = Signal(int, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "galleryView", "Gallery")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(1000)
        self.setGridSize(QSize(CELL, CELL))
        self.setSpacing(0)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(40)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setItemDelegate(ThumbnailDelegate(self))
        self.setStyleSheet("QListView#galleryView { background: #28282c; }")
        self.doubleClicked.connect(self._open)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(120)
        self._visible_timer.timeout.connect(self._report_visible)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._visible_timer.start())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._visible_timer.start()

    def visible_rows(self) -> tuple[int, int]:
        """First and last row with a cell in the viewport (-1, -1 when empty)."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return -1, -1
        vp = self.viewport().rect()
        first = self.indexAt(vp.topLeft() + QPoint(CELL // 2, CELL // 2))
        last = self.indexAt(vp.bottomRight() - QPoint(CELL // 2, CELL // 2))
        lo = first.row() if first.isValid() else 0
        hi = last.row() if last.isValid() else model.rowCount() - 1
        return lo, max(lo, hi)

    def _report_visible(self) -> None:
        lo, hi = self.visible_rows()
        vp = self.viewport().rect()
        per_screen = max(1, (vp.width() // CELL + 1) * (vp.height() // CELL + 1))
        if lo >= 0:
            self.visible_rows_changed.emit(lo, hi, per_screen)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        image_id = index.data(IMAGE_ID_ROLE)
        if image_id:
            self.open_requested.emit(image_id)

    def selected_image_ids(self) -> list[str]:
        return [i.data(IMAGE_ID_ROLE) for i in self.selectionModel().selectedIndexes()]
