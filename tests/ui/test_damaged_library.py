"""A damaged library file at start-up: the app says so in its own dialog and recovers.

Real SQLite files are damaged on purpose (the header destroyed; pages overwritten in the middle
of a big table), the app is started on them through the launcher like ``leodesk`` does, and the
dialog's buttons are clicked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QLabel, QPushButton

from leodesk.core import paths
from leodesk.core.library import Library
from tests.helpers.damage import damage_middle, destroy_header, make_library
from tests.ui.helpers import Apps, sim_runtime


class UrlCatcher(QObject):
    """Receives the URLs the desktop is asked to open (Qt's own hook for a URL scheme)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def url_catcher() -> Any:
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def history_sim(make_sim: Any) -> Any:
    return make_sim(seed=3, seed_generations=12, generation_seconds=0.05)


def problem_dialog(qtbot: Any, window: Any, timeout: int = 15000) -> Any:
    qtbot.waitUntil(
        lambda: (
            (d := window.findChild(QDialog, "libraryProblemDialog")) is not None and d.isVisible()
        ),
        timeout=timeout,
    )
    return window.findChild(QDialog, "libraryProblemDialog")


def button(dialog: Any, name: str) -> QPushButton:
    found = dialog.findChild(QPushButton, name)
    assert found is not None, name
    return found


def moved_aside(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.iterdir() if ".damaged-" in p.name)


def test_a_destroyed_header_gets_its_own_dialog_and_a_rebuild_refills_the_library(
    qtbot: Any, apps: Apps, history_sim: Any, url_catcher: UrlCatcher
) -> None:
    db = paths.resolve().ensure().library_db
    make_library(db, 200)
    destroy_header(db)
    damaged = db.read_bytes()
    window = apps.start(sim_runtime(history_sim))
    dialog = problem_dialog(qtbot, window)
    text = dialog.findChild(QLabel, "libraryProblemText").text()
    assert "library is damaged" in text and "account are safe" in text
    assert str(db) in dialog.findChild(QLabel, "libraryPathLabel").text()
    assert window.ctx is None  # nothing half-open behind the dialog

    qtbot.mouseClick(button(dialog, "openLibraryFolderButton"), Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in url_catcher.urls] == [str(db.parent)]
    assert dialog.isVisible()  # opening the folder decides nothing

    qtbot.mouseClick(button(dialog, "rebuildLibraryButton"), Qt.MouseButton.LeftButton)
    kept = moved_aside(db)
    assert [p.read_bytes() for p in kept if p.suffix == ".sqlite3"] == [damaged]
    qtbot.waitUntil(lambda: window.ctx is not None and window.browser is not None, timeout=10000)
    # the new library fills from the account, and the gallery shows it
    qtbot.waitUntil(lambda: window.ctx.gallery_model.rowCount() >= 12, timeout=20000)
    with Library.open_readonly(db) as lib:
        assert lib.quick_check() == []
    assert window.findChild(QDialog, "libraryProblemDialog") is None or not problem_visible(window)


def problem_visible(window: Any) -> bool:
    d = window.findChild(QDialog, "libraryProblemDialog")
    return d is not None and d.isVisible()


def test_damaged_pages_never_break_painting_and_are_found_at_start(
    qtbot: Any, apps: Apps, history_sim: Any, caplog: pytest.LogCaptureFixture
) -> None:
    db = paths.resolve().ensure().library_db
    make_library(db)
    damage_middle(db)
    with Library.open_readonly(db) as lib:
        assert lib.quick_check()  # damaged for SQLite too
    window = apps.start(sim_runtime(history_sim))
    dialog = problem_dialog(qtbot, window)
    findings = dialog.findChild(object, "libraryFindings")
    assert findings is not None and findings.toPlainText()
    assert button(dialog, "rebuildLibraryButton").isVisible()
    # Behind the dialog the gallery paints and scrolls without an exception reaching Qt.
    gallery = window.gallery
    for value in range(0, gallery.verticalScrollBar().maximum() + 1, 400):
        gallery.verticalScrollBar().setValue(value)
        gallery.viewport().grab()
        qtbot.wait(1)
    model = window.ctx.gallery_model
    errors = [r for r in caplog.records if r.name == "leodesk.gallery"]
    assert len(errors) <= 1  # logged once, not once per paint

    qtbot.mouseClick(button(dialog, "rebuildLibraryButton"), Qt.MouseButton.LeftButton)
    assert len([p for p in moved_aside(db) if p.suffix == ".sqlite3"]) == 1
    qtbot.waitUntil(lambda: model.rowCount() >= 12, timeout=20000)
    assert model.read_error is None
    gallery.viewport().grab()
    with Library.open_readonly(db) as lib:
        assert lib.quick_check() == []
        assert lib.count_images() >= 12


def test_quit_closes_the_app(qtbot: Any, apps: Apps, history_sim: Any) -> None:
    db = paths.resolve().ensure().library_db
    make_library(db, 50)
    destroy_header(db)
    window = apps.start(sim_runtime(history_sim))
    dialog = problem_dialog(qtbot, window)
    qtbot.mouseClick(button(dialog, "quitButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert db.read_bytes()[:4] == b"\xde\xad\xde\xad"  # quitting changes nothing on disk
    assert moved_aside(db) == []


def test_a_sound_library_shows_no_dialog(qtbot: Any, apps: Apps, history_sim: Any) -> None:
    db = paths.resolve().ensure().library_db
    make_library(db, 100)
    window = apps.start(sim_runtime(history_sim))
    qtbot.waitUntil(lambda: window.ctx is not None and window.browser is not None, timeout=10000)
    qtbot.wait(800)  # the check has had time to run
    assert not problem_visible(window)
    assert os.path.exists(db) and moved_aside(db) == []
