"""The Datasets window: the user's datasets on the left, the chosen dataset's images as a grid
of thumbnails (``datasetView``) on the right. Drop files or folders on the grid to add them
(types a dataset does not take are listed, the rest uploaded), remove the selected images,
delete the dataset (after a confirm), and open the Train dialog (``trainButton``).

The window only shows and asks; :class:`~leodesk.qt.datasets.DatasetService` does the work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.core.library import DatasetImageRecord, DatasetRecord

THUMB = 120
_STATE_TEXT = {
    "pending": str(QT_TRANSLATE_NOOP("DatasetsWindow", "waiting to upload")),
    "presigned": str(QT_TRANSLATE_NOOP("DatasetsWindow", "uploading")),
    "sending": str(QT_TRANSLATE_NOOP("DatasetsWindow", "adding")),
    "uploaded": "",
}


class DatasetImageView(QListWidget):
    """The grid of a dataset's images; files and folders dropped on it are announced by
    ``files_dropped``."""

    files_dropped = Signal(object)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(
            self,
            "datasetView",
            self.tr("Dataset images"),
            self.tr("Drop image files or folders here to add"),
        )
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 24, THUMB + 40))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setWordWrap(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)


class DatasetsWindow(QWidget):
    """Signals: create_requested(), delete_requested(str id), add_requested(str id,
    list[Path]), remove_requested(str id, list[int]), train_requested(str id),
    dataset_chosen(str id)."""

    create_requested = Signal()
    delete_requested = Signal(str)
    add_requested = Signal(str, object)
    remove_requested = Signal(str, object)
    train_requested = Signal(str)
    dataset_chosen = Signal(str)
    add_files_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("datasetsWindow")
        self.setWindowTitle(self.tr("Datasets — leodesk"))
        self.resize(980, 620)
        self.thumb_for: Callable[[DatasetImageRecord], QPixmap | None] = lambda _r: None
        self.confirm: Callable[[str], bool] = self._confirm
        self._datasets: list[DatasetRecord] = []
        self._build()

    # -- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        split = QSplitter()
        split.addWidget(self._build_list())
        split.addWidget(self._build_images())
        split.setStretchFactor(1, 3)
        split.setSizes([260, 720])
        outer = QVBoxLayout(self)
        outer.addWidget(split)
        self._update_buttons()

    def _build_list(self) -> QWidget:
        self.list = named(QListWidget(), "datasetList", self.tr("Datasets"))
        self.list.currentRowChanged.connect(self._chosen)
        self.new_button = named(
            QPushButton(self.tr("New dataset…")), "newDatasetButton", self.tr("New dataset")
        )
        self.new_button.clicked.connect(self.create_requested.emit)
        self.delete_button = named(
            QPushButton(self.tr("Delete dataset…")),
            "deleteDatasetButton",
            self.tr("Delete dataset"),
        )
        self.delete_button.clicked.connect(self._delete)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel(self.tr("<b>Datasets</b>")))
        lv.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        lv.addLayout(row)
        return left

    def _build_images(self) -> QWidget:
        self.view = DatasetImageView()
        self.view.files_dropped.connect(self._dropped)
        self.view.itemSelectionChanged.connect(self._update_buttons)
        self.title = named(
            QLabel(self.tr("Choose or create a dataset")), "datasetTitle", self.tr("Dataset")
        )
        self.hint = QLabel(
            self.tr(
                "Drop images or folders on the grid, or add gallery images with "
                "“Add to dataset…” in the gallery’s menu."
            )
        )
        self.hint.setWordWrap(True)
        self.message = named(QLabel(""), "datasetMessage", self.tr("Dataset message"))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_button = named(
            QPushButton(self.tr("Add files…")), "addDatasetFilesButton", self.tr("Add files")
        )
        self.add_button.clicked.connect(lambda: self.add_files_requested.emit(self.current_id()))
        self.remove_button = named(
            QPushButton(self.tr("Remove selected")),
            "removeDatasetImagesButton",
            self.tr("Remove images"),
        )
        self.remove_button.clicked.connect(self._remove)
        self.train_button = named(
            QPushButton(self.tr("Train…")), "trainButton", self.tr("Train a model or element")
        )
        self.train_button.clicked.connect(lambda: self.train_requested.emit(self.current_id()))
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.title, 0), (self.hint, 0), (self.view, 1), (self.message, 0)):
            rv.addWidget(widget, stretch)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.train_button)
        rv.addLayout(buttons)
        return right

    # -- showing ------------------------------------------------------------------------------
    def current_id(self) -> str:
        row = self.list.currentRow()
        return self._datasets[row].id if 0 <= row < len(self._datasets) else ""

    def set_datasets(self, datasets: list[DatasetRecord], select: str | None = None) -> None:
        keep = select or self.current_id()
        self._datasets = list(datasets)
        self.list.blockSignals(True)
        self.list.clear()
        for ds in datasets:
            waiting = ds.images - ds.uploaded
            extra = self.tr(", {n} uploading").format(n=waiting) if waiting else ""
            self.list.addItem(
                self.tr("{name}\n{n} images{extra}").format(
                    name=ds.name, n=ds.uploaded, extra=extra
                )
            )
        self.list.blockSignals(False)
        ids = [d.id for d in datasets]
        row = ids.index(keep) if keep in ids else (0 if ids else -1)
        self.list.setCurrentRow(row)
        if row >= 0 and ids[row] != keep:
            self._chosen(row)
        elif row < 0:
            self.view.clear()
            self.title.setText(self.tr("No dataset yet: create one with “New dataset…”"))
        else:
            self.title.setText(self._title(datasets[row]))
        self._update_buttons()

    @staticmethod
    def _title(ds: DatasetRecord) -> str:
        if ds.uploaded == 1:
            text = QCoreApplication.translate("DatasetsWindow", "<b>{name}</b> — {n} image")
        else:
            text = QCoreApplication.translate("DatasetsWindow", "<b>{name}</b> — {n} images")
        return text.format(name=ds.name, n=ds.uploaded)

    def set_images(self, dataset_id: str, images: list[DatasetImageRecord]) -> None:
        if dataset_id != self.current_id():
            return
        selected = {i.data(Qt.ItemDataRole.UserRole) for i in self.view.selectedItems()}
        self.view.clear()
        for rec in images:
            name = Path(rec.path).name if rec.path else self.tr("gallery image")
            state = _STATE_TEXT.get(rec.state, rec.state)
            state = self.tr(state) if state else state
            text = name if not (state or rec.error) else f"{name}\n({rec.error or state})"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, rec.local_id)
            item.setToolTip(rec.error or rec.path or rec.gen_image_id or "")
            pixmap = self.thumb_for(rec)
            if pixmap is not None and not pixmap.isNull():
                item.setIcon(QIcon(pixmap))
            self.view.addItem(item)
            item.setSelected(rec.local_id in selected)
        self._update_buttons()

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def set_busy(self, busy: bool) -> None:
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    # -- asking -------------------------------------------------------------------------------
    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self._datasets):
            ds = self._datasets[row]
            self.title.setText(self._title(ds))
            self.view.clear()
            self.dataset_chosen.emit(ds.id)
        self._update_buttons()

    def _dropped(self, paths: list[Path]) -> None:
        ds = self.current_id()
        if not ds:
            self.show_message(
                self.tr("Create or choose a dataset first, then drop the images."), True
            )
            return
        adding = self.tr("Adding {n} item…") if len(paths) == 1 else self.tr("Adding {n} items…")
        self.show_message(adding.format(n=len(paths)))
        self.add_requested.emit(ds, paths)

    def _remove(self) -> None:
        ids = [int(i.data(Qt.ItemDataRole.UserRole)) for i in self.view.selectedItems()]
        if ids and self.current_id():
            self.remove_requested.emit(self.current_id(), ids)

    def _delete(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._datasets):
            return
        ds = self._datasets[row]
        if self.confirm(
            self.tr("Delete the dataset “{name}” and its {n} images?").format(
                name=ds.name, n=ds.uploaded
            )
        ):
            self.delete_requested.emit(ds.id)

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Delete dataset"), text)
        return answer == QMessageBox.StandardButton.Yes

    def _update_buttons(self) -> None:
        has = bool(self.current_id())
        for button in (self.delete_button, self.add_button, self.train_button):
            button.setEnabled(has)
        self.remove_button.setEnabled(has and bool(self.view.selectedItems()))
