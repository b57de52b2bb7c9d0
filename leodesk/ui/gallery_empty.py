"""What the gallery says when it has nothing to show, inside its viewport: how to fill a new
library (generate, or sync), or that a search found nothing (with a way back)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from leodesk.ui.widgets import named

NEW = "new"
NO_MATCH = "no-match"


class GalleryEmptyState(QWidget):
    """Signals: sync_requested(), clear_search_requested()."""

    sync_requested = Signal()
    clear_search_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "galleryEmptyState", self.tr("Empty gallery"))
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        self.kind = ""
        self.title = named(QLabel(""), "galleryEmptyTitle", self.tr("Why the gallery is empty"))
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("color: #e0e0e4; font-size: 15px;")
        self.sync_button = named(
            QPushButton(self.tr("Sync library")),
            "emptySyncButton",
            self.tr("Sync library"),
            self.tr("Bring every generation of your account into the local library"),
        )
        self.sync_button.clicked.connect(self.sync_requested.emit)
        self.clear_button = named(
            QPushButton(self.tr("Clear search")),
            "emptyClearSearchButton",
            self.tr("Clear search"),
            self.tr("Show every image again"),
        )
        self.clear_button.clicked.connect(self.clear_search_requested.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addStretch(2)
        self.hide()

    def show_new(self) -> None:
        """A library with nothing in it yet."""
        self.kind = NEW
        self.title.setText(
            self.tr(
                "Nothing here yet: write a prompt and press Generate, or Sync library to bring "
                "in what your account already made."
            )
        )
        self.sync_button.setVisible(True)
        self.clear_button.setVisible(False)
        self.show()

    def show_no_match(self, text: str) -> None:
        """A search (or filters) that matches nothing; ``text`` is what was searched for."""
        self.kind = NO_MATCH
        if text.strip():
            message = self.tr("No images match “{0}”.").format(text.strip())
        else:
            message = self.tr("No images match these filters.")
        self.title.setText(message)
        clear = self.tr("Clear search") if text.strip() else self.tr("Clear filters")
        self.clear_button.setText(clear)
        self.sync_button.setVisible(False)
        self.clear_button.setVisible(True)
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.hide()
