"""The "Videos" page of the uploads dialog: the videos this library uploaded to the account
(``POST /media``), with their status, duration and size as ``GET /media/{id}`` tells them; one
can be played in the app's video window, the chosen ones deleted after a confirmation, and a new
one uploaded (MP4 or MOV)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leodesk.qt.media import MediaRow
from leodesk.ui.widgets import confirm_delete, named

_ROW = Qt.ItemDataRole.UserRole
_CONTEXT = "UploadedVideosPanel"
COLUMNS = (  # shown through _tr
    str(QT_TRANSLATE_NOOP("UploadedVideosPanel", "File")),
    str(QT_TRANSLATE_NOOP("UploadedVideosPanel", "Status")),
    str(QT_TRANSLATE_NOOP("UploadedVideosPanel", "Duration")),
    str(QT_TRANSLATE_NOOP("UploadedVideosPanel", "Size")),
    str(QT_TRANSLATE_NOOP("UploadedVideosPanel", "File size")),
    str(QT_TRANSLATE_NOOP("UploadedVideosPanel", "Uploaded")),
)
VIDEO_PATTERNS = " (*.mp4 *.mov *.MP4 *.MOV)"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def _file_size(size: int) -> str:
    if size >= 1024 * 1024:
        return QCoreApplication.translate("UploadedVideosPanel", "{size:.1f} MB").format(
            size=size / (1024 * 1024)
        )
    return QCoreApplication.translate("UploadedVideosPanel", "{size} KB").format(
        size=max(1, size // 1024)
    )


def cells(row: MediaRow) -> tuple[str, ...]:
    """The table's texts for one uploaded video."""
    media = row.media
    status = (
        row.status.capitalize()
        if row.status != "UNKNOWN"
        else QCoreApplication.translate("UploadedVideosPanel", "Unknown")
    )
    if media is not None and media.status_reason:
        status = f"{status}: {media.status_reason}"
    duration = (
        QCoreApplication.translate("UploadedVideosPanel", "{seconds:.1f} s").format(
            seconds=media.duration
        )
        if media and media.duration is not None
        else "—"
    )
    size = f"{media.width}×{media.height}" if media and media.width and media.height else "—"
    when = datetime.fromtimestamp(row.uploaded_ms / 1000).strftime("%Y-%m-%d %H:%M")
    return (row.name, status, duration, size, _file_size(row.size), when)


class UploadedVideosPanel(QWidget):
    """``uploadedVideosList`` with ``uploadVideoButton``, ``playUploadedVideoButton`` and
    ``deleteUploadedVideoButton``. ``ask_file`` and ``confirm`` can be replaced (tests)."""

    def __init__(
        self,
        on_upload: Callable[[Path], bool],
        on_play: Callable[[MediaRow], None],
        on_delete: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "uploadedVideosPanel", self.tr("Uploaded videos"))
        self._on_upload, self._on_play, self._on_delete = on_upload, on_play, on_delete
        self.ask_file: Callable[[], Path | None] = self._ask_file
        self.confirm: Callable[[int], bool] = self._confirm
        self.table = named(
            QTableWidget(0, len(COLUMNS)), "uploadedVideosList", self.tr("Uploaded videos")
        )
        self.table.setHorizontalHeaderLabels([_tr(c) for c in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.status = named(
            QLabel(self.tr("Looking up your videos…")), "uploadedVideosStatus", self.tr("Status")
        )
        self.status.setWordWrap(True)
        self.upload_button = named(
            QPushButton(self.tr("Upload a video…")),
            "uploadVideoButton",
            self.tr("Upload a video"),
            self.tr("Upload an MP4 or MOV video to your Leonardo account"),
        )
        self.play_button = named(
            QPushButton(self.tr("Play")), "playUploadedVideoButton", self.tr("Play")
        )
        self.delete_button = named(
            QPushButton(self.tr("Delete…")), "deleteUploadedVideoButton", self.tr("Delete")
        )
        self._layout()
        self._selection_changed()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self._play())
        self.upload_button.clicked.connect(self.choose_and_upload)
        self.play_button.clicked.connect(self._play)
        self.delete_button.clicked.connect(self._delete)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.upload_button, self.play_button, self.delete_button):
            buttons.addWidget(button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table)
        lay.addLayout(buttons)

    # -- what the service says -----------------------------------------------------------------
    def show_rows(self, rows: list[MediaRow]) -> None:
        """Fill the table (newest first)."""
        self.table.setRowCount(0)
        for row in rows:
            self._append(row)
        self._say_count()

    def add_row(self, row: MediaRow) -> None:
        """A video was just uploaded: on top, selected."""
        self.table.insertRow(0)
        self._fill(0, row)
        self.table.selectRow(0)
        self.status.setText(
            self.tr("Uploaded {name}: {status}").format(name=row.name, status=row.status.lower())
        )

    def remove(self, media_id: str) -> None:
        for i in reversed(range(self.table.rowCount())):
            if self.row_at(i).media_id == media_id:
                self.table.removeRow(i)
        self._say_count()

    def show_error(self, message: str) -> None:
        self.status.setText(message)

    def row_at(self, index: int) -> MediaRow:
        item = self.table.item(index, 0)
        assert item is not None
        row: MediaRow = item.data(_ROW)
        return row

    # -- rows ------------------------------------------------------------------------------------
    def _append(self, row: MediaRow) -> None:
        self.table.insertRow(self.table.rowCount())
        self._fill(self.table.rowCount() - 1, row)

    def _fill(self, index: int, row: MediaRow) -> None:
        for col, text in enumerate(cells(row)):
            item = QTableWidgetItem(text)
            item.setToolTip(
                self.tr("{name}\nid {id}").format(name=text, id=row.media_id) if col == 0 else text
            )
            if col == 0:
                item.setData(_ROW, row)
            self.table.setItem(index, col, item)

    def _chosen(self) -> list[MediaRow]:
        indexes = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.row_at(i) for i in indexes]

    def _say_count(self) -> None:
        n = self.table.rowCount()
        self.status.setText(
            (
                self.tr("{n} uploaded videos in your account")
                if n != 1
                else self.tr("{n} uploaded video in your account")
            ).format(n=n)
            if n
            else self.tr("No uploaded videos: upload an MP4 or MOV video to use it in your account")
        )

    def _selection_changed(self) -> None:
        chosen = self._chosen()
        self.delete_button.setEnabled(bool(chosen))
        playable = len(chosen) == 1 and bool(chosen[0].media and chosen[0].media.url)
        self.play_button.setEnabled(playable)

    # -- actions ---------------------------------------------------------------------------------
    def choose_and_upload(self) -> None:
        path = self.ask_file()
        if path is not None and self._on_upload(path):
            self.status.setText(self.tr("Uploading {name}…").format(name=path.name))

    def _play(self) -> None:
        chosen = self._chosen()
        if len(chosen) == 1:
            self.status.setText(self.tr("Opening {name}…").format(name=chosen[0].name))
            self._on_play(chosen[0])

    def _delete(self) -> None:
        chosen = [row.media_id for row in self._chosen()]
        if chosen and self.confirm(len(chosen)):
            self.status.setText(self.tr("Deleting…"))
            for media_id in chosen:
                self._on_delete(media_id)

    def _ask_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Upload a video"),
            "",
            self.tr("Videos") + VIDEO_PATTERNS + ";;" + self.tr("All files") + " (*)",
        )
        return Path(name) if name else None

    def _confirm(self, count: int) -> bool:
        text = (
            self.tr(
                "Delete this uploaded video from your Leonardo account?\n"
                "The files on this computer stay."
            )
            if count == 1
            else self.tr(
                "Delete these {count} uploaded videos from your Leonardo account?\n"
                "The files on this computer stay."
            ).format(count=count)
        )
        return confirm_delete(
            self,
            self.tr("Delete uploaded videos"),
            text,
            "deleteUploadedVideoConfirm",
        )
