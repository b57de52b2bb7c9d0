"""Triage: a full-screen pass over the gallery with one key per decision.

Left / Right move, 1–5 rate (0 clears), P picks, X rejects, C adds to a collection, F toggles
favourite, Esc leaves. Every decision is applied at once; a rating, pick, reject or favourite then
moves on to the next image (the last one says the pass is done).
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from leodesk.core.library.records import ImageRecord, Pick
from leodesk.ui.viewer import ImageViewer
from leodesk.ui.widgets import named


def _help() -> str:
    return QCoreApplication.translate(
        "TriageWindow",
        "←/→ move · 1–5 rate · 0 clear · P pick · X reject · F favourite · C collect · Esc leave",
    )


class TriageWindow(ImageViewer):
    """Signals (besides the viewer's): rate(str id, int), pick(str id, str|None),
    favourite(str id, bool), collect(str id); decided() after a rating, pick, reject or
    favourite (the owner moves on to the next image)."""

    rate = Signal(str, int)
    pick = Signal(str, object)
    favourite = Signal(str, bool)
    collect = Signal(str)
    decided = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "triageWindow", self.tr("Triage"))
        self.setWindowTitle(self.tr("leodesk — Triage"))
        self.status = named(QLabel(""), "triageStatus", self.tr("Triage state of this image"))
        self.status.setStyleSheet("font-size: 15px; padding: 4px;")
        cast(QVBoxLayout, self.layout()).insertWidget(0, self.status)
        self.meta.setVisible(False)
        self.position = (0, 0)
        self.at_end = False  # a decision was made on the last image
        # F and 1 mean favourite and one star here, not fit and actual size.
        self.shortcuts["fit"].setEnabled(False)
        self.shortcuts["actual"].setEnabled(False)

    def show_state(self, record: ImageRecord, position: tuple[int, int]) -> None:
        if position != self.position:
            self.at_end = False
        self.position = position
        rating = int(record.rating or 0)
        pick = record.pick
        fav = record.favourite
        stars = "★" * rating + "☆" * (5 - rating)
        marks = {Pick.PICKED: self.tr("✔ picked"), Pick.REJECTED: self.tr("✘ rejected")}
        mark = "—" if pick is None else marks[pick]
        heart = self.tr("♥ favourite") if fav else ""
        end = self.tr("✓ Done: that was the last image. Esc leaves.") if self.at_end else ""
        self.status.setText(
            f"{position[0] + 1} / {position[1]}   {stars}   {mark}   {heart}   {end}\n{_help()}"
        )

    def show_done(self, record: ImageRecord) -> None:
        """A decision on the last image: say the pass is done (the image stays on screen)."""
        self.at_end = True
        self.show_state(record, self.position)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        record = self.record
        key = event.key()
        if record is None:
            super().keyPressEvent(event)
            return
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_5:
            self.rate.emit(record.id, int(key - Qt.Key.Key_0))
        elif key == Qt.Key.Key_P:
            self.pick.emit(record.id, None if record.pick == Pick.PICKED else Pick.PICKED)
        elif key == Qt.Key.Key_X:
            self.pick.emit(record.id, None if record.pick == Pick.REJECTED else Pick.REJECTED)
        elif key == Qt.Key.Key_F:
            self.favourite.emit(record.id, not record.favourite)
        elif key == Qt.Key.Key_C:
            self.collect.emit(record.id)
            event.accept()
            return
        else:
            super().keyPressEvent(event)
            return
        event.accept()
        self.decided.emit()
