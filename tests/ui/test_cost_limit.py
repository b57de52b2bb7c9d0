"""Account ▸ Ask before a job costs more than…: a job above the limit is sent only if confirmed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog


def _answer_input_dialog(value: int) -> None:
    def fill() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QInputDialog) and w.isVisible():
                w.setIntValue(value)
                w.accept()
                return
        QTimer.singleShot(20, fill)

    QTimer.singleShot(20, fill)


def test_a_job_above_the_limit_asks_first(qtbot: Any, app_window: Any, sim: Any) -> None:
    w = app_window
    qtbot.waitUntil(lambda: w.browser.proxy.rowCount() > 3, timeout=10000)
    prompt = w.form.findChild(object, "promptEdit")
    prompt.setFocus()
    qtbot.keyClicks(prompt, "a tin robot reading")
    # the price read below is the final one only once the default model's facts are in (they
    # arrive from the API after the lists and may change the priced request)
    qtbot.waitUntil(lambda: w.form.default_model().facts_known, timeout=10000)
    qtbot.waitUntil(lambda: w.form.known_cost() is not None, timeout=10000)
    cost = w.form.known_cost()

    _answer_input_dialog(cost - 1)
    w.cost_limit_action.trigger()  # Account ▸ Ask before a job costs more than…
    assert w.confirm_cost_above == cost - 1
    assert f"({cost - 1:,})" in w.cost_limit_action.text()

    asked: list[str] = []
    w.confirm_cost = lambda text: asked.append(text) or False
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked and f"costs {cost:,} credits" in asked[0]
    assert "Not sent" in w.statusBar().currentMessage()
    assert sim.count("POST", "/generations") == 0

    w.confirm_cost = lambda text: asked.append(text) or True
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sim.count("POST", "/generations") == 1, timeout=10000)
    qtbot.waitUntil(lambda: w.gallery.model().rowCount() > 0, timeout=20000)
    assert w.snapshot()["confirm_cost_above"] == cost - 1

    # under the limit: sent without a question
    _answer_input_dialog(cost + 100)
    w.cost_limit_action.trigger()
    asked.clear()
    QTest.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sim.count("POST", "/generations") == 2, timeout=10000)
    assert asked == []
    qtbot.waitUntil(lambda: all(j.state == "done" for j in w.jobs.model.jobs()), timeout=20000)
