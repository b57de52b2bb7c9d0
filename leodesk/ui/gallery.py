"""GalleryView: the library as a virtualised grid. The delegate paints from memory only."""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QHelpEvent, QKeyEvent, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from leodesk.core.library.records import ImageRecord, Pick
from leodesk.qt.models.gallery_model import CELL_ROLE, IMAGE_ID_ROLE, RECORD_ROLE
from leodesk.ui.fills import fill_banded
from leodesk.ui.gallery_badges import (
    describe,
    paint_corner_badges,
    paint_video_badge,
    video_badge,
)
from leodesk.ui.gallery_empty import GalleryEmptyState
from leodesk.ui.grid_view import GridView
from leodesk.ui.widgets import named

__all__ = ["CELL", "MAX_CELL", "MIN_CELL", "GalleryView", "ThumbnailDelegate", "video_badge"]

CELL = 176  # the default cell; the thumbnail-size slider goes from MIN_CELL to MAX_CELL
MIN_CELL = 96
MAX_CELL = 320
PAD = 6
INNER = CELL - 2 * PAD  # the picture's box: thumbnails are kept in memory at this size
_BG = QColor(40, 40, 44)
_GROUP_BG = QColor(54, 55, 62)
_GROUP_EDGE = QColor(90, 155, 230)
_SELECTED_BG = QColor(38, 79, 120)
_PLACEHOLDER = QColor(60, 60, 64)
_SELECTED = QStyle.StateFlag.State_Selected
COMMIT_MS = 200  # the slider stood still this long: thumbnails are made at the new size


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints the cell's pixmap (or the placeholder) centred, its badges and a selection frame.
    No I/O. ``cell`` is the cell's size; ``live`` (while the size slider moves) scales pictures
    fast rather than smoothly; ``grouped`` joins the cells of one generation into a panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = CELL
        self.live = False
        self.grouped = False

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(self.cell, self.cell)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect: QRect = option.rect
        painter.save()
        selected = bool(option.state & _SELECTED)
        fill_banded(painter, rect, _SELECTED_BG if selected else _BG)
        if self.grouped and not selected:
            self._paint_group(painter, rect, index)
        inner = rect.adjusted(PAD, PAD, -PAD, -PAD)
        cell = index.data(CELL_ROLE)  # one call: the picture and the details, from memory
        if cell is None:  # a model without the cell role
            pm, record = index.data(Qt.ItemDataRole.DecorationRole), index.data(RECORD_ROLE)
        else:
            pm, record = cell
        picture = self._paint_picture(painter, inner, pm)
        if record is not None:
            on_picture = picture.adjusted(4, 4, -4, -4)
            used = paint_corner_badges(painter, on_picture, record)
            self._paint_badges(painter, rect, record, used)
            if record.is_video:
                paint_video_badge(painter, on_picture, record.video_duration)
        if selected:
            painter.setPen(QColor(90, 160, 230))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """The tooltip: the prompt, then what the badges mean (read from memory on hover)."""
        record = index.data(RECORD_ROLE) if event.type() == QEvent.Type.ToolTip else None
        extra = describe(record) if record is not None else ""
        if record is None or not extra:
            return super().helpEvent(event, view, option, index)
        text = f"{record.prompt}\n{extra}" if record.prompt else extra
        QToolTip.showText(event.globalPos(), text, view)
        return True

    def _paint_picture(self, painter: QPainter, inner: QRect, pm: object) -> QRect:
        """The thumbnail fitted in ``inner`` (or the placeholder); returns where it is."""
        if not isinstance(pm, QPixmap) or pm.isNull():
            fill_banded(painter, inner, _PLACEHOLDER)
            return inner
        scaled = pm.size().scaled(inner.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = inner.x() + (inner.width() - scaled.width()) // 2
        y = inner.y() + (inner.height() - scaled.height()) // 2
        if abs(scaled.width() - pm.width()) <= 1 and abs(scaled.height() - pm.height()) <= 1:
            # the loader made it at display size: a plain copy
            painter.drawPixmap(x, y, pm)
        else:  # made for another size (the slider moved): scaled until the new one arrives
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not self.live)
            painter.drawPixmap(QRect(x, y, scaled.width(), scaled.height()), pm)
        return QRect(x, y, scaled.width(), scaled.height())

    @staticmethod
    def _paint_group(
        painter: QPainter, rect: QRect, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """One panel behind the images of one generation: a gap and an accent where it starts,
        a gap where it ends (from the details in memory: no read while painting)."""
        model = index.model()
        same = getattr(model, "same_generation", None)
        if same is None:
            return
        row = index.row()
        first = not same(row, row - 1)
        last = not same(row, row + 1)
        gap = max(2, PAD // 2)
        band = rect.adjusted(gap if first else 0, gap, -gap if last else 0, -gap)
        fill_banded(painter, band, _GROUP_BG)
        if first:
            fill_banded(painter, QRect(band.left(), band.top(), 3, band.height()), _GROUP_EDGE)

    @staticmethod
    def _paint_badges(painter: QPainter, rect: QRect, record: ImageRecord, used: int) -> None:
        """Favourite, rating, pick and "deleted on the server", from the record in memory."""
        pick = record.pick
        if not (record.favourite or pick or record.rating or record.deleted_remote):
            return  # most cells: nothing to draw, no font to set up
        if pick == Pick.REJECTED:
            fill_banded(painter, rect, QColor(0, 0, 0, 120))
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
            painter.setFont(font)
            painter.setPen(QColor(255, 183, 77))
            painter.drawText(
                inner.adjusted(0, used + 2 if used else 0, 0, 0),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                QCoreApplication.translate("GalleryView", "deleted online"),
            )


class GalleryView(GridView):
    """Signals: open_requested(str image id), visible_rows_changed(first, last, per_screen).

    ``visible_rows_changed`` fires (debounced) after scrolling or resizing, so the owner can size
    the thumbnail memory to a few screens and drop requests for rows that scrolled far away.
    """

    open_requested = Signal(str)
    visible_rows_changed = Signal(int, int, int)
    #: The cell size settled (the slider stopped): the new size, to remember.
    cell_size_committed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "galleryView", self.tr("Gallery"))
        self.setGridSize(QSize(CELL, CELL))
        self.verticalScrollBar().setSingleStep(40)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self._target = CELL
        self.thumbs = ThumbnailDelegate(self)
        self.setItemDelegate(self.thumbs)
        self.empty_state = GalleryEmptyState(self.viewport())
        self._commit_timer = QTimer(self)
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(COMMIT_MS)
        self._commit_timer.timeout.connect(self.commit_cell_size)
        self.setStyleSheet("#galleryView { background: #28282c; }")
        self.doubleClicked.connect(self._open)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(120)
        self._visible_timer.timeout.connect(self._report_visible)
        # throttled, not debounced: while the wheel keeps turning, the rows scrolled past stop
        # being fetched and decoded every 120 ms (the workers then serve the rows shown)
        self.verticalScrollBar().valueChanged.connect(self._visible_soon)

    def _visible_soon(self, *_args: object) -> None:
        if not self._visible_timer.isActive():
            self._visible_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.empty_state.setGeometry(self.viewport().rect())
        self._apply_cell(self._fitted())  # the columns keep filling the width
        self._visible_timer.start()

    # -- cell size and grouping -----------------------------------------------------------------
    @property
    def cell(self) -> int:
        """The cells' size now (the asked size, stretched so the columns fill the width)."""
        return self.thumbs.cell

    @property
    def target_cell(self) -> int:
        """The size asked for (the slider's value, the saved setting)."""
        return self._target

    def set_cell_size(self, size: int, *, live: bool = False) -> None:
        """Cells of about ``size`` pixels (clamped to MIN_CELL..MAX_CELL). ``live`` (the slider
        is moving): the pictures in memory are scaled, the right size is asked for once the
        size has stayed put for a moment; otherwise at once."""
        self._target = max(MIN_CELL, min(MAX_CELL, int(size)))
        self._apply_cell(self._fitted())
        if live:
            self._commit_timer.start()
        else:
            self.commit_cell_size()

    def _fitted(self) -> int:
        """The cell size nearest the target whose columns fill the viewport's width."""
        # the viewport's width with room for the scroll bar (a library soon needs one)
        bar = self.style().pixelMetric(
            QStyle.PixelMetric.PM_ScrollBarExtent, None, self.verticalScrollBar()
        )
        width = self.maximumViewportSize().width() - bar - 2
        if width < MIN_CELL:
            return self._target
        columns = max(1, round(width / self._target))
        return max(MIN_CELL, min(MAX_CELL + MAX_CELL // 3, width // columns))

    def _apply_cell(self, size: int) -> None:
        if size == self.thumbs.cell:
            return
        self.thumbs.cell = size
        self.thumbs.live = True
        self.setGridSize(QSize(size, size))  # the first line on screen stays on screen
        self._commit_timer.start()

    def commit_cell_size(self) -> None:
        """Ask for thumbnails at the current size (shown as they arrive) and say it settled."""
        self._commit_timer.stop()
        self.thumbs.live = False
        model = self.model()
        if hasattr(model, "set_thumb_display"):
            model.set_thumb_display(self.thumbs.cell - 2 * PAD)
        self.viewport().update()
        self._visible_timer.start()
        self.cell_size_committed.emit(self._target)

    def set_grouped(self, on: bool) -> None:
        """Join the images of one generation into one panel (or not)."""
        self.thumbs.grouped = bool(on)
        self.viewport().update()

    def is_grouped(self) -> bool:
        return self.thumbs.grouped

    def _report_visible(self) -> None:
        lo, hi = self.visible_rows()
        vp = self.viewport().rect()
        cell = self.thumbs.cell
        per_screen = max(1, (vp.width() // cell + 1) * (vp.height() // cell + 1))
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
