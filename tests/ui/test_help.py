"""Help: the keyboard-shortcut sheet (read from the window's actions), About, Copy diagnostics
(never the key) and Open log folder, on the real app over the simulator."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any

import av
import httpx
import PySide6
from PIL import Image
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton

from leodesk.core.library import SCHEMA_VERSION
from leodesk.ui.help_dialogs import keys_text
from tests.conftest import SIM_KEY
from tests.ui.helpers import activate, child, generate, type_text, wait_idle, wait_models
from tests.ui.test_accessibility import unnamed


def _open_sheet(qtbot: Any, w: Any) -> Any:
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)  # Help ▸ Keyboard…
    qtbot.waitUntil(lambda: w.findChild(QDialog, "shortcutSheet") is not None, timeout=5000)
    sheet = w.findChild(QDialog, "shortcutSheet")
    qtbot.waitUntil(sheet.isVisible, timeout=5000)
    return sheet


def _native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def test_the_shortcut_sheet_lists_the_actions_as_they_are_and_searches(
    qtbot: Any, app_window: Any
) -> None:
    w = app_window
    wait_models(qtbot, w)
    sheet = _open_sheet(qtbot, w)
    assert unnamed(sheet) == []
    rows = sheet.visible_rows()
    areas = [area for area, _c, _k in rows]
    assert ("File", "New canvas", _native("Ctrl+Shift+N")) in rows
    quit_keys = keys_text(w.findChild(QAction, "quitAction"))  # the platform's, maybe none
    assert (("File", "Quit", quit_keys) in rows) == bool(quit_keys)
    assert ("Image", "Export", _native("Ctrl+E")) in rows
    assert ("Image", "Rate ★★★", "3") in rows
    assert ("Help", "Keyboard shortcuts", _native("Ctrl+/")) in rows
    assert areas.index("File") < areas.index("Image") < areas.index("Help")  # menu-bar order
    # every action of the window with a shortcut is on the sheet, under one area only
    with_keys = {keys_text(a) for a in w.findChildren(QAction) if a.text() and keys_text(a)}
    find = _native(QKeySequence(QKeySequence.StandardKey.Find).toString())
    assert ("Gallery and panes", "Search the library", find) in rows  # a pane's QShortcut
    assert with_keys | {find} == {k for _a, _c, k in rows}
    assert len(rows) == len({(c, k) for _a, c, k in rows})

    # the sheet says what the keys are now: a changed shortcut shows when it opens again
    qtbot.mouseClick(child(sheet, QPushButton, "shortcutCloseButton"), Qt.MouseButton.LeftButton)
    assert not sheet.isVisible()
    w.library_actions.actions["exportAction"].setShortcut(QKeySequence("Ctrl+Alt+X"))
    sheet = _open_sheet(qtbot, w)
    rows = sheet.visible_rows()
    assert ("Image", "Export", _native("Ctrl+Alt+X")) in rows
    assert ("Image", "Export", _native("Ctrl+E")) not in rows

    # typing filters by command, by key or by area
    search = child(sheet, QLineEdit, "shortcutSearch")
    activate(qtbot, sheet)
    qtbot.waitUntil(search.hasFocus, timeout=5000)  # the sheet opens ready to type
    type_text(qtbot, search, "canvas")
    found = sheet.visible_rows()
    assert found and all("canvas" in c.lower() for _a, c, _k in found)
    assert ("File", "New canvas", _native("Ctrl+Shift+N")) in found
    search.clear()
    type_text(qtbot, search, "help")
    assert {a for a, _c, _k in sheet.visible_rows()} == {"Help"}
    empty = child(sheet, QLabel, "shortcutEmpty")
    assert not empty.isVisible()
    type_text(qtbot, search, "zzz")
    assert sheet.visible_rows() == [] and empty.isVisible()
    QTest.keyClick(search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not sheet.isVisible(), timeout=5000)
    wait_idle(qtbot, w)


def test_about_shows_versions_profile_and_opens_the_log_folder(qtbot: Any, app_window: Any) -> None:
    w = app_window
    opened: list[QUrl] = []
    w.open_url = lambda url: opened.append(url) or True  # no file manager in tests
    wait_models(qtbot, w)
    w.help_link.about_action.trigger()  # Help ▸ About leodesk…
    about = w.findChild(QDialog, "aboutDialog")
    qtbot.waitUntil(about.isVisible, timeout=5000)
    assert unnamed(about) == []
    version = importlib.metadata.version("leodesk")
    assert child(about, QLabel, "aboutTitle").text() == f"<h2>leodesk {version}</h2>"
    assert child(about, QLabel, "aboutQt").text() == qVersion()
    assert child(about, QLabel, "aboutPySide").text() == PySide6.__version__
    assert child(about, QLabel, "aboutProfile").text().startswith("demo")
    logs = w.ctx.backend.paths.logs
    assert child(about, QLabel, "aboutLogs").text() == str(logs)
    assert child(about, QLabel, "aboutData").text() == str(w.ctx.backend.paths.data)

    qtbot.mouseClick(child(about, QPushButton, "aboutOpenLogsButton"), Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(logs))]
    assert logs.is_dir()
    qtbot.mouseClick(child(about, QPushButton, "aboutCloseButton"), Qt.MouseButton.LeftButton)
    assert not about.isVisible()
    w.help_link.logs_action.trigger()  # Help ▸ Open log folder
    assert opened == [QUrl.fromLocalFile(str(logs))] * 2
    wait_idle(qtbot, w)


def test_copy_diagnostics_tells_versions_paths_and_counts_but_never_the_key(
    qtbot: Any, app_window: Any, real_keychain: Any
) -> None:
    secret = "sk-diagnostics-must-never-show-this-0b7f"
    real_keychain.put(secret)  # a key in the real OS keychain, as a user has one
    w = app_window
    wait_models(qtbot, w)
    generate(qtbot, w, "a lantern in fog", num_images=2)
    QGuiApplication.clipboard().clear()
    w.help_link.diagnostics_action.trigger()  # Help ▸ Copy diagnostics
    text = QGuiApplication.clipboard().text()
    assert "Diagnostics copied" in w.statusBar().currentMessage()
    paths = w.ctx.backend.paths
    for line in (
        f"leodesk {importlib.metadata.version('leodesk')}",
        f"Python: {platform.python_version()}",
        f"Qt: {qVersion()}",
        f"PySide6: {PySide6.__version__}",
        f"httpx: {httpx.__version__}",
        f"Pillow: {Image.__version__}",
        f"PyAV: {av.__version__}",
        "Keychain backend: the Secret Service keychain",
        f"OS: {platform.platform()}",
        f"Library: {paths.library_db}",
        f"Logs: {paths.logs}",
        f"Library schema version: {SCHEMA_VERSION}",
        "Library generations: 1",
        "Library images: 2",
    ):
        assert line in text, f"{line!r} not in the diagnostics:\n{text}"
    assert real_keychain.store == {real_keychain.entry: secret}  # the key is there to find...
    for leak in (secret, secret[:12], SIM_KEY):  # ...and never in the text
        assert leak not in text
    wait_idle(qtbot, w)
