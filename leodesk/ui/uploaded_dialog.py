"""The "Uploaded images" dialog: the init images this library uploaded to Leonardo (for image to
image and image prompts), with their thumbnails; the chosen ones can be deleted from the account
after a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from leodesk.qt.thumbnails import key_for
from leodesk.qt.uploaded import Uploaded
from leodesk.ui.widgets import confirm_delete, named

THUMB = 96
_ID = Qt.ItemDataRole.UserRole


class UploadedImagesDialog(QDialog):
    """Lists :class:`Uploaded` images (``uploadedImagesList``); ``Delete`` asks, then calls
    ``on_delete(init_image_id)`` for each chosen image."""

    def __init__(
        self, thumbs: Any, on_delete: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        named(self, "uploadedImagesDialog", self.tr("Uploaded images"))
        self.setWindowTitle(self.tr("Uploaded images"))
        self._thumbs = thumbs
        self._on_delete = on_delete
        self._urls: dict[str, str] = {}  # thumbnail key → init image id
        self.confirm: Callable[[int], bool] = self._confirm
        self.list = named(QListWidget(), "uploadedImagesList", self.tr("Uploaded images"))
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 40, THUMB + 44))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.status = named(
            QLabel(self.tr("Looking up your uploads…")), "uploadedStatusLabel", self.tr("Status")
        )
        self.status.setWordWrap(True)
        self.delete_button = named(
            QPushButton(self.tr("Delete…")), "deleteUploadedButton", self.tr("Delete")
        )
        self.delete_button.setEnabled(False)
        close = named(QPushButton(self.tr("Close")), "closeUploadedButton", self.tr("Close"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.delete_button)
        images = QWidget()
        page = QVBoxLayout(images)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.list)
        page.addLayout(row)
        self.tabs = named(QTabWidget(), "uploadedTabs", self.tr("Uploaded images and videos"))
        self.tabs.addTab(images, self.tr("Images"))
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)
        lay.addLayout(bottom)
        self.resize(680, 420)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.delete_button.clicked.connect(self._delete)
        thumbs.ready.connect(self._thumb_ready)

    def add_page(self, page: QWidget, title: str) -> None:
        """Another tab (the uploaded videos, :mod:`leodesk.ui.window_media`)."""
        self.tabs.addTab(page, title)
        self.setWindowTitle(self.tr("Uploaded images and videos"))

    def show_uploads(self, uploads: list[Uploaded]) -> None:
        """Fill the list (newest first)."""
        self.list.clear()
        for up in uploads:
            when = datetime.fromtimestamp(up.uploaded_ms / 1000).strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(when)
            item.setData(_ID, up.init_image_id)
            item.setToolTip(
                self.tr("Uploaded {when}\nid {id}").format(when=when, id=up.init_image_id)
            )
            self.list.addItem(item)
            self._set_icon(item, up.url)
        self._say_count()

    def remove(self, init_image_id: str) -> None:
        """``init_image_id`` was deleted."""
        for i in reversed(range(self.list.count())):
            if self.list.item(i).data(_ID) == init_image_id:
                self.list.takeItem(i)
        self._say_count()

    def show_error(self, message: str) -> None:
        self.status.setText(message)

    def _say_count(self) -> None:
        n = self.list.count()
        self.status.setText(
            (
                self.tr("{n} uploaded images in your account")
                if n != 1
                else self.tr("{n} uploaded image in your account")
            ).format(n=n)
            if n
            else self.tr("No uploaded images: pictures you use for image to image appear here")
        )

    def _set_icon(self, item: QListWidgetItem, url: str | None) -> None:
        pixmap = None
        if url:
            key = key_for("upload", url)
            self._urls[key] = item.data(_ID)
            pixmap = self._thumbs.pixmap(key)
            if pixmap is None:
                self._thumbs.request(key, url=url)
        if pixmap is None:
            pixmap = QPixmap(THUMB, THUMB)
            pixmap.fill(QColor("#3a4a5a"))
        item.setIcon(QIcon(pixmap))

    def _thumb_ready(self, key: str) -> None:
        init_id = self._urls.get(key)
        pixmap = self._thumbs.pixmap(key) if init_id else None
        for i in range(self.list.count()):
            item = self.list.item(i)
            if pixmap is not None and item.data(_ID) == init_id:
                item.setIcon(QIcon(pixmap))

    def _selection_changed(self) -> None:
        self.delete_button.setEnabled(bool(self.list.selectedItems()))

    def _delete(self) -> None:
        chosen = [item.data(_ID) for item in self.list.selectedItems()]
        if chosen and self.confirm(len(chosen)):
            self.status.setText(self.tr("Deleting…"))
            for init_id in chosen:
                self._on_delete(init_id)

    def _confirm(self, count: int) -> bool:
        text = (
            self.tr(
                "Delete this uploaded image from your Leonardo account?\n"
                "Your generations stay; a picture used again is uploaded afresh."
            )
            if count == 1
            else self.tr(
                "Delete these {count} uploaded images from your Leonardo account?\n"
                "Your generations stay; a picture used again is uploaded afresh."
            ).format(count=count)
        )
        return confirm_delete(
            self,
            self.tr("Delete uploaded images"),
            text,
            "deleteUploadedConfirm",
        )
