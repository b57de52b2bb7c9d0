"""Notifications end to end on the simulator: what the user is told while the window is not
active, the tray tooltip that follows the queue, and View ▸ Notifications turning a kind off
(kept across a restart)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu, QWidget

from leodesk.qt.notify import BATCH, FAILED, LOW_BALANCE, MODERATION
from leodesk.sim import SimServer
from tests.ui.helpers import (
    Apps,
    activate,
    child,
    replace_text,
    sim_runtime,
    wait_idle,
    wait_models,
)


@pytest.fixture
def slow_sim(make_sim: Any) -> Any:
    """Jobs run until the test finishes them (``complete_all``)."""
    return make_sim(seed=7, concurrency_slots=2, generation_seconds=60.0)


def _send(qtbot: Any, window: Any, prompt: str) -> None:
    edit = child(window.form, QWidget, "promptEdit")
    replace_text(qtbot, edit, prompt)
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _elsewhere(qtbot: Any, window: Any) -> QWidget:
    """Another window takes the focus (the user switched to another app)."""
    other = QWidget()
    other.setWindowTitle("another app")
    qtbot.addWidget(other)
    other.show()
    activate(qtbot, other)
    assert not window.isActiveWindow()
    return other


def _answer_int_dialog(value: int) -> None:
    def fill() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QInputDialog) and w.isVisible():
                w.setIntValue(value)
                w.accept()
                return
        QTimer.singleShot(20, fill)

    QTimer.singleShot(20, fill)


def _notices(window: Any, kind: str) -> list[Any]:
    return [s for s in window.notifications.shown if s.kind == kind]


def _menu_action(window: Any, name: str) -> QAction:
    menu = child(window, QMenu, "notificationsMenu")
    assert menu.accessibleName() == "Notifications"
    action = next((a for a in menu.actions() if a.objectName() == name), None)
    assert action is not None, f"no {name} in View ▸ Notifications"
    return action


def test_told_while_away_and_in_the_window_while_there(
    qtbot: Any, apps: Apps, slow_sim: SimServer
) -> None:
    sim = slow_sim
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    tray = window.notifications
    qtbot.waitUntil(lambda: tray.tooltip() == "leodesk — 0 queued · 0 of 2 running", timeout=10000)
    assert not window.windowIcon().isNull()  # the app's icon, in the taskbar and the tray
    assert tray.icon.icon().cacheKey() == window.windowIcon().cacheKey()
    bar = window.statusBar()

    # The low-balance threshold, set from the menu (the balance is far above it for now).
    qtbot.waitUntil(lambda: window.balance_label.text().endswith("credits"), timeout=10000)
    _answer_int_dialog(1000)
    _menu_action(window, "lowBalanceThresholdAction").trigger()
    assert "1,000 credits" in _menu_action(window, "lowBalanceThresholdAction").text()
    assert _notices(window, LOW_BALANCE) == []

    activate(qtbot, window)
    _send(qtbot, window, "a lighthouse far away")
    qtbot.waitUntil(lambda: window.ctx.queue.states() == ["pending"], timeout=10000)
    qtbot.waitUntil(lambda: "1 of 2 running" in tray.tooltip(), timeout=5000)

    _elsewhere(qtbot, window)
    sim.state.set_credits(400, paid=0)  # spent elsewhere meanwhile
    sim.complete_all()
    qtbot.waitUntil(lambda: bool(_notices(window, BATCH)), timeout=20000)
    done = _notices(window, BATCH)[0]
    assert done.system  # the window was not active: for the OS to show
    assert done.title == "Generation finished" and "a lighthouse far away" in done.text
    # No tray under the offscreen platform: the window shows it (a tray would show a balloon).
    assert done.where == ("tray" if tray.available else "window")
    qtbot.waitUntil(lambda: "1 of 2 running" not in tray.tooltip(), timeout=5000)
    assert tray.tooltip() == "leodesk — 0 queued · 0 of 2 running"
    # the balance refreshes after the job: below the threshold now, told once
    qtbot.waitUntil(lambda: bool(_notices(window, LOW_BALANCE)), timeout=10000)
    low = _notices(window, LOW_BALANCE)
    assert len(low) == 1 and low[0].system and "below your threshold of 1,000" in low[0].text
    if not tray.available:
        assert "Low API credit balance" in bar.currentMessage()

    # Back in the window: a moderated prompt is told there only, never by the OS.
    activate(qtbot, window)
    _send(qtbot, window, "a nsfwword scene")
    qtbot.waitUntil(lambda: bool(_notices(window, MODERATION)), timeout=10000)
    rejected = _notices(window, MODERATION)[0]
    assert not rejected.system and rejected.where == "window"
    assert rejected.title == "Prompt rejected by moderation"
    assert "a nsfwword scene" in rejected.text and "content moderation" in rejected.text
    assert "content moderation" in bar.currentMessage()  # the status bar says why
    assert _notices(window, FAILED) == []  # not told twice (as a plain failure too)
    assert len(_notices(window, LOW_BALANCE)) == 1
    wait_idle(qtbot, window)


def test_a_kind_turned_off_in_the_menu_stays_off(qtbot: Any, apps: Apps, sim: SimServer) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    batch = _menu_action(window, "notifyBatchAction")
    assert batch.isCheckable() and batch.isChecked()
    assert _menu_action(window, "notifyFailedAction").isChecked()
    assert not _menu_action(window, "notifySoundAction").isChecked()
    batch.trigger()  # the user unticks "Batch finished"
    assert not batch.isChecked()

    activate(qtbot, window)
    _send(qtbot, window, "a quiet harbour")
    _elsewhere(qtbot, window)
    qtbot.waitUntil(lambda: window.ctx.queue.states() == ["done"], timeout=20000)
    qtbot.waitUntil(lambda: window.gallery.model().rowCount() > 0, timeout=10000)
    wait_idle(qtbot, window)
    qtbot.wait(100)
    assert _notices(window, BATCH) == []
    assert "Generation finished" not in window.statusBar().currentMessage()
    # failures are still told
    activate(qtbot, window)
    _send(qtbot, window, "a simfail castle")
    _elsewhere(qtbot, window)
    qtbot.waitUntil(lambda: bool(_notices(window, FAILED)), timeout=20000)
    failed = _notices(window, FAILED)[0]
    assert failed.system and "a simfail castle" in failed.text and "refunded" in failed.text
    assert _notices(window, BATCH) == []
    wait_idle(qtbot, window)

    window.close()  # the choice is saved with the other settings
    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    assert not _menu_action(again, "notifyBatchAction").isChecked()
    assert _menu_action(again, "notifyFailedAction").isChecked()
    assert not again.ctx.notifier.is_enabled(BATCH)
    wait_idle(qtbot, again)
