"""The dialog for a library file leodesk cannot use: what happened and what to do about it.

A damaged file (``reason == "corrupt"``) can be moved aside (kept, renamed beside it) so a new
library starts and a sync refills it from the account. Every case can open the folder holding
the file, or quit. The dialog only asks; the launcher does the work (signals ``rebuild``,
``quit``); "Open folder" opens the folder itself through the desktop.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

# shown through self.tr()
_DAMAGED = QT_TRANSLATE_NOOP(
    "LibraryProblemDialog",
    "<b>Your leodesk library is damaged.</b><br><br>"
    "The file that lists your generations can no longer be read correctly (this happens "
    "after a disk problem, a full disk or a crash of the computer while it was being "
    "written). Your images on your Leonardo account are safe, and so are the picture files "
    "leodesk has already downloaded.",
)
_REBUILD_HINT = QT_TRANSLATE_NOOP(
    "LibraryProblemDialog",
    "<b>Move it aside and rebuild</b> keeps the damaged file (renamed, next to it) and starts "
    "a new library that a sync fills again from your account. Favourites, ratings and "
    "collections stored only in the damaged file are not carried over.",
)
_CANNOT_OPEN = QT_TRANSLATE_NOOP("LibraryProblemDialog", "<b>leodesk cannot open your library.</b>")


class LibraryProblemDialog(QDialog):
    """Signals: rebuild() (move the file aside and start a new library), quit(). Closing it
    otherwise (Escape) chooses neither."""

    rebuild = Signal()
    quit = Signal()

    def __init__(
        self,
        library_path: Path,
        *,
        damaged: bool,
        message: str = "",
        findings: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library_path = Path(library_path)
        self.setObjectName("libraryProblemDialog")
        self.setAccessibleName(self.tr("Library problem"))
        self.setWindowTitle(
            self.tr("leodesk — The library is damaged") if damaged else self.tr("leodesk — Library")
        )
        self.setModal(True)
        self.setMinimumWidth(560)

        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(48, 48)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        text = QLabel(
            self.tr(str(_DAMAGED)) if damaged else f"{self.tr(str(_CANNOT_OPEN))}<br><br>{message}"
        )
        text.setObjectName("libraryProblemText")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(text, 1)

        where = QLabel(self.tr("The file: {path}").format(path=self.library_path))
        where.setObjectName("libraryPathLabel")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        if damaged:
            hint = QLabel(self.tr(str(_REBUILD_HINT)))
            hint.setObjectName("libraryRebuildHint")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        layout.addWidget(where)
        if findings:
            details = QPlainTextEdit("\n".join(findings[:20]))
            details.setObjectName("libraryFindings")
            details.setAccessibleName(self.tr("What the check found"))
            details.setReadOnly(True)
            details.setMaximumHeight(90)
            layout.addWidget(QLabel(self.tr("What the check found:")))
            layout.addWidget(details)

        buttons = QHBoxLayout()
        self.rebuild_button = QPushButton(self.tr("Move it aside and rebuild from your account"))
        self.rebuild_button.setObjectName("rebuildLibraryButton")
        self.rebuild_button.setVisible(damaged)
        self.rebuild_button.setDefault(damaged)
        self.rebuild_button.clicked.connect(self._rebuild)
        self.folder_button = QPushButton(self.tr("Open folder"))
        self.folder_button.setObjectName("openLibraryFolderButton")
        self.folder_button.clicked.connect(self.open_folder)
        self.quit_button = QPushButton(self.tr("Quit"))
        self.quit_button.setObjectName("quitButton")
        self.quit_button.clicked.connect(self._quit)
        buttons.addWidget(self.rebuild_button)
        buttons.addStretch(1)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.quit_button)
        layout.addLayout(buttons)

    def open_folder(self) -> None:
        """Show the folder holding the library in the desktop's file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.library_path.parent)))

    def _rebuild(self) -> None:
        self.accept()
        self.rebuild.emit()

    def _quit(self) -> None:
        self.reject()
        self.quit.emit()
