"""Preferences: the dialog edits every setting, shortcuts refuse conflicts, a restart keeps the
theme and a custom shortcut; Ctrl+Shift+Backspace cancels a queued job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QKeySequenceEdit,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from leodesk.core import paths
from leodesk.ui import theme
from leodesk.ui.viewer import ZoomView
from tests.ui.helpers import (
    Apps,
    activate,
    child,
    choose_in_combo,
    click_row,
    replace_text,
    sim_runtime,
    wait_idle,
    wait_models,
)
from tests.ui.test_accessibility import interactive_count, unnamed

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def system_theme_after() -> Iterator[None]:
    yield
    theme.apply_theme("system")  # the other tests share the QApplication


def _open_prefs(qtbot: Any, window: Any) -> QDialog:
    activate(qtbot, window)
    QTest.keyClick(window, Qt.Key.Key_Comma, CTRL)  # Ctrl+,
    qtbot.waitUntil(lambda: window.prefs_link.dialog is not None, timeout=5000)
    dialog = window.prefs_link.dialog
    assert dialog.objectName() == "preferencesDialog" and dialog.parent() is window
    qtbot.waitExposed(dialog)
    return dialog


def _tab(qtbot: Any, dialog: QDialog, index: int) -> None:
    tabs = child(dialog, QTabWidget, "preferencesTabs")
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def _ok(qtbot: Any, dialog: QDialog) -> None:
    qtbot.mouseClick(child(dialog, QPushButton, "preferencesOkButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)


def _press_keys(qtbot: Any, dialog: QDialog, k: Qt.Key, modifiers: Any) -> None:
    """Click the key editor, press the keys, then Assign."""
    editor = child(dialog, QKeySequenceEdit, "shortcutEdit")
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton)
    editor.clear()
    QTest.keyClick(editor, k, modifiers)
    assert not editor.keySequence().isEmpty()
    qtbot.mouseClick(child(dialog, QPushButton, "assignShortcutButton"), Qt.MouseButton.LeftButton)


def _pick_action(qtbot: Any, dialog: QDialog, name: str) -> None:
    table = child(dialog, QTableWidget, "shortcutsTable")
    row = dialog.shortcuts_page.row_of(name)
    assert row >= 0, name
    click_row(qtbot, table, row)
    assert dialog.shortcuts_page.current_name() == name


def _toggle(qtbot: Any, box: QCheckBox) -> None:
    """Click the box's indicator (the box may be wider than its text)."""
    was = box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked() != was


def _saved() -> dict[str, Any]:
    file = paths.resolve().settings_file
    return dict(json.loads(file.read_text(encoding="utf-8"))) if file.exists() else {}


def _action(window: Any, name: str) -> QAction:
    return child(window, QAction, name)


def test_preferences_apply_and_survive_a_restart(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    assert not theme.is_dark()
    dialog = _open_prefs(qtbot, window)
    problems = unnamed(dialog)
    assert problems == [], "\n".join(problems)
    assert interactive_count(dialog) > 20  # every control named

    # General: dark theme, a cost limit, the thumbnail cache cap
    choose_in_combo(qtbot, child(dialog, QComboBox, "themeCombo"), "dark")
    replace_text(qtbot, child(dialog, QSpinBox, "costLimitSpin"), "120")
    replace_text(qtbot, child(dialog, QSpinBox, "thumbCacheSpin"), "256")
    # Notifications: a sound, no moderation notices
    _tab(qtbot, dialog, 1)
    _toggle(qtbot, child(dialog, QCheckBox, "notifySoundCheck"))
    _toggle(qtbot, child(dialog, QCheckBox, "notifyModerationCheck"))

    # Shortcuts: Ctrl+, for the queue panel is refused (Preferences has it), Ctrl+Shift+J is taken.
    _tab(qtbot, dialog, 2)
    _pick_action(qtbot, dialog, "toggleQueueAction")
    _press_keys(qtbot, dialog, Qt.Key.Key_Comma, CTRL)
    message = child(dialog, QLabel, "shortcutMessage").text()
    assert "Preferences" in message and "already" in message
    assert dialog.shortcuts_page.pending["toggleQueueAction"] == ""
    _press_keys(qtbot, dialog, Qt.Key.Key_J, CTRL | SHIFT)
    assert dialog.shortcuts_page.pending["toggleQueueAction"] == "Ctrl+Shift+J", (
        child(dialog, QLabel, "shortcutMessage").text(),
        child(dialog, QKeySequenceEdit, "shortcutEdit").keySequence().toString(),
    )
    table = child(dialog, QTableWidget, "shortcutsTable")
    row = dialog.shortcuts_page.row_of("toggleQueueAction")
    shown = table.item(row, 2).text()
    assert table.item(row, 1).text() == "View"
    assert QKeySequence(shown, QKeySequence.SequenceFormat.NativeText) == QKeySequence(
        "Ctrl+Shift+J"
    )
    _ok(qtbot, dialog)

    # Applied at once
    assert theme.is_dark()
    assert QApplication.palette().window().color().lightness() < 80
    assert window.gallery.palette().base().color() == theme.CANVAS  # a dark-grey canvas
    # The prompt form (a widget with its own style sheet) turns dark with the rest.
    prompt_edit = window.form.findChild(QWidget, "promptEdit")
    assert prompt_edit.palette().base().color().lightness() < 80
    assert window.form.palette().window().color().lightness() < 80
    assert _action(window, "toggleQueueAction").shortcut() == QKeySequence("Ctrl+Shift+J")
    assert window.confirm_cost_above == 120
    assert window.ctx.thumbs._cache.max_bytes == 256 * 1024 * 1024
    assert window.notifications.notifier.sound
    assert not window.notifications.kind_actions["moderation"].isChecked()
    dock = child(window, QDockWidget, "queueDock")
    was = dock.isVisible()
    activate(qtbot, window)
    QTest.keyClick(window.gallery, Qt.Key.Key_J, CTRL | SHIFT)  # the new shortcut works
    qtbot.waitUntil(lambda: dock.isVisible() != was, timeout=5000)
    # ... and saved at once (a crash now would not lose them)
    qtbot.waitUntil(lambda: _saved().get("theme") == "dark", timeout=5000)
    saved = _saved()
    assert saved["shortcuts"] == {"toggleQueueAction": "Ctrl+Shift+J"}
    assert saved["thumb_cache_mb"] == 256 and saved["notify_sound"] is True
    wait_idle(qtbot, window)
    window.close()

    # A restart on the same profile: the theme and the shortcut come back.
    theme.apply_theme("light")  # what a new process would start with
    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    assert theme.is_dark() and theme.current_theme() == "dark"
    assert _action(again, "toggleQueueAction").shortcut() == QKeySequence("Ctrl+Shift+J")
    assert _action(again, "preferencesAction").shortcut() == QKeySequence("Ctrl+,")
    assert again.confirm_cost_above == 120

    # Reset all, back to light: the defaults again.
    dialog = _open_prefs(qtbot, again)
    assert child(dialog, QComboBox, "themeCombo").currentData() == "dark"
    choose_in_combo(qtbot, child(dialog, QComboBox, "themeCombo"), "light")
    _tab(qtbot, dialog, 2)
    qtbot.mouseClick(
        child(dialog, QPushButton, "resetAllShortcutsButton"), Qt.MouseButton.LeftButton
    )
    _ok(qtbot, dialog)
    assert not theme.is_dark()
    assert QApplication.palette().window().color().lightness() > 180
    assert again.gallery.palette().base().color() == theme.CANVAS  # in every theme
    assert again.form.findChild(QWidget, "promptEdit").palette().base().color().lightness() > 180
    canvas = ZoomView()  # the image viewer's canvas
    qtbot.addWidget(canvas)
    canvas.ensurePolished()  # an app palette for its class comes with the polish
    assert canvas.palette().base().color() == theme.CANVAS
    assert _action(again, "toggleQueueAction").shortcut().isEmpty()
    qtbot.waitUntil(lambda: _saved().get("theme") == "light", timeout=5000)
    assert _saved()["shortcuts"] == {}
    wait_idle(qtbot, again)


def test_reset_one_shortcut_and_cancel_leaves_everything(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    dialog = _open_prefs(qtbot, window)
    _tab(qtbot, dialog, 2)
    _pick_action(qtbot, dialog, "cancelJobAction")
    default = dialog.shortcuts_page.pending["cancelJobAction"]
    assert default == "Ctrl+Shift+Backspace"
    qtbot.mouseClick(child(dialog, QPushButton, "clearShortcutButton"), Qt.MouseButton.LeftButton)
    assert dialog.shortcuts_page.pending["cancelJobAction"] == ""
    assert dialog.shortcuts_page.custom() == {"cancelJobAction": ""}
    qtbot.mouseClick(child(dialog, QPushButton, "resetShortcutButton"), Qt.MouseButton.LeftButton)
    assert dialog.shortcuts_page.pending["cancelJobAction"] == default
    assert dialog.shortcuts_page.custom() == {}
    # Cancel: nothing applied
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert not theme.is_dark()
    assert not _action(window, "cancelJobAction").shortcut().isEmpty()

    # View ▸ Theme ▸ Dark: at once, saved, and the dialog shows it
    menu = child(window, QMenu, "themeMenu")
    dark = next(a for a in menu.actions() if a.objectName() == "themeDarkAction")
    assert child(window, QAction, "themeSystemAction").isChecked()
    dark.trigger()
    assert theme.is_dark() and dark.isChecked()
    qtbot.waitUntil(lambda: _saved().get("theme") == "dark", timeout=5000)
    dialog = _open_prefs(qtbot, window)
    assert child(dialog, QComboBox, "themeCombo").currentData() == "dark"
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    wait_idle(qtbot, window)


@pytest.fixture
def slow_sim(make_sim: Any) -> Any:
    return make_sim(seed=7, concurrency_slots=2, generation_seconds=60.0)


def test_cancel_job_shortcut_cancels_the_selected_or_last_queued_job(
    qtbot: Any, apps: Apps, slow_sim: Any
) -> None:
    window = apps.start(sim_runtime(slow_sim))
    wait_models(qtbot, window)
    pause = child(window, QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    edit = child(window.form, QWidget, "promptEdit")
    replace_text(qtbot, edit, "two herons in the fog")
    for _ in range(3):
        QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)

    def states() -> list[str]:
        return list(window.ctx.queue.states())

    qtbot.waitUntil(lambda: states() == ["queued"] * 3, timeout=10000)
    activate(qtbot, window)
    # Nothing selected in the queue: the last queued job goes.
    QTest.keyClick(edit, Qt.Key.Key_Backspace, CTRL | SHIFT)
    qtbot.waitUntil(lambda: states() == ["queued", "queued", "cancelled"], timeout=10000)
    # The first job selected in the queue: that one goes.
    queue = child(window, QListView, "queueView")
    click_row(qtbot, queue, 0)
    QTest.keyClick(queue, Qt.Key.Key_Backspace, CTRL | SHIFT)
    qtbot.waitUntil(lambda: states() == ["cancelled", "queued", "cancelled"], timeout=10000)
    # A selected job that is no longer waiting is not replaced by another one.
    click_row(qtbot, queue, 0)
    QTest.keyClick(queue, Qt.Key.Key_Backspace, CTRL | SHIFT)
    assert "not waiting" in window.statusBar().currentMessage()
    assert states() == ["cancelled", "queued", "cancelled"]
    queue.clearSelection()
    QTest.keyClick(edit, Qt.Key.Key_Backspace, CTRL | SHIFT)
    qtbot.waitUntil(lambda: states() == ["cancelled"] * 3, timeout=10000)
    QTest.keyClick(edit, Qt.Key.Key_Backspace, CTRL | SHIFT)
    assert "No queued job" in window.statusBar().currentMessage()
    assert slow_sim.count("POST", "/generations") == 0
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)


def test_default_model_size_and_folders_after_a_restart(
    qtbot: Any, apps: Apps, sim: Any, tmp_path: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    start_model = window.form.model()
    dialog = _open_prefs(qtbot, window)
    combo = child(dialog, QComboBox, "defaultModelCombo")
    other = next(
        combo.itemData(i)
        for i in range(1, combo.count())
        if start_model is None or combo.itemData(i) != start_model.id
    )
    choose_in_combo(qtbot, combo, other)
    replace_text(qtbot, child(dialog, QSpinBox, "defaultWidthSpin"), "768")
    replace_text(qtbot, child(dialog, QSpinBox, "defaultHeightSpin"), "512")
    folder = tmp_path / "exports"
    folder.mkdir()
    replace_text(qtbot, child(dialog, QWidget, "exportFolderEdit"), str(folder))
    replace_text(qtbot, child(dialog, QSpinBox, "thumbSizeSpin"), "240")
    _toggle(qtbot, child(dialog, QCheckBox, "keepOfflineCheck"))
    _ok(qtbot, dialog)
    assert window.keep_full_images_offline and window.offline_action.isChecked()
    assert window.ctx.thumbs._cache.max_bytes == 512 * 1024 * 1024
    qtbot.waitUntil(lambda: _saved().get("default_model_id") == other, timeout=5000)
    saved = _saved()
    assert (saved["default_width"], saved["default_height"]) == (768, 512)
    assert saved["export_folder"] == str(folder) and saved["gallery_thumb_size"] == 240
    assert saved["keep_full_images_offline"] is True
    wait_idle(qtbot, window)
    window.close()

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    qtbot.waitUntil(lambda: again.form.model() is not None, timeout=5000)
    assert again.form.model().id == other  # the form opens with the default model and size
    assert (again.form.width_spin.value(), again.form.height_spin.value()) == (768, 512)
    assert again.offline_action.isChecked()
    assert again.prefs_link.own["export_folder"] == str(folder)  # the export dialog opens there
    dialog = _open_prefs(qtbot, again)
    assert child(dialog, QSpinBox, "thumbSizeSpin").value() == 240
    assert child(dialog, QComboBox, "defaultModelCombo").currentData() == other
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    wait_idle(qtbot, again)
