"""Generate (and a canvas job) warn before queueing when the balance is below the job's cost:
what it costs, what is left, Top up / Send anyway / Cancel, answered with real clicks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QWidget

from tests.ui.helpers import (
    activate,
    child,
    replace_text,
    submit_prompt,
    type_text,
    wait_idle,
    wait_models,
)
from tests.ui.test_accessibility import unnamed
from tests.ui.test_canvas_flow import blank_canvas, bodies, click, paint
from tests.ui.test_canvas_flow import window as window

TOP_UP = "https://app.leonardo.ai/api-access"


class Answer:
    """Clicks ``button`` in the low-balance dialog once it shows (it is modal: the click comes
    from a timer while the dialog's loop runs); keeps what the dialog said."""

    def __init__(self, button: str, timeout_s: float = 10.0) -> None:
        self.button = button
        self.said: list[str] = []
        self.unnamed: list[str] | None = None  # controls without a name (there should be none)
        self.tries = int(timeout_s / 0.02)
        QTimer.singleShot(20, self._look)

    def stop(self) -> None:
        """No dialog is expected any more: stop looking (a later test's dialog is not ours)."""
        self.tries = 0

    def _look(self) -> None:
        if self.tries <= 0:
            return
        self.tries -= 1
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.objectName() == "lowBalanceDialog" and w.isVisible():
                self.said.append(child(w, QLabel, "lowBalanceMessage").text())
                self.unnamed = unnamed(w)
                self.tries = 0
                QTest.mouseClick(child(w, QPushButton, self.button), Qt.MouseButton.LeftButton)
                return
        QTimer.singleShot(20, self._look)


def set_balance(qtbot: Any, w: Any, sim: Any, credits: int) -> None:
    sim.state.set_credits(credits, paid=0)
    w.refresh_action.trigger()  # Account ▸ Refresh account and models
    qtbot.waitUntil(
        lambda: w.ctx.account.last is not None and w.ctx.account.last.credits == credits,
        timeout=10000,
    )


def _posts(sim: Any) -> int:
    return int(sim.count("POST", "/generations"))


def test_generate_warns_when_the_balance_is_below_the_cost(
    qtbot: Any, app_window: Any, sim: Any
) -> None:
    w = app_window
    opened: list[QUrl] = []
    w.open_url = lambda url: opened.append(url) or True  # no browser in tests
    wait_models(qtbot, w)
    qtbot.waitUntil(lambda: w.form.default_model().facts_known, timeout=10000)
    qtbot.waitUntil(lambda: w.form.known_cost() is not None, timeout=10000)
    cost = int(w.form.known_cost())
    set_balance(qtbot, w, sim, cost - 1)

    # Cancel: nothing sent, the status bar says why
    answer = Answer("lowBalanceCancelButton")
    submit_prompt(qtbot, w, "a glass heron")
    assert answer.said == [
        f"This job costs {cost:,} credits, and your balance is {cost - 1:,} credits."
    ]
    assert answer.unnamed == []
    assert "balance is below its cost" in w.statusBar().currentMessage()
    assert _posts(sim) == 0 and w.jobs.model.jobs() == []

    # Top up…: opens Leonardo's API page, sends nothing
    answer = Answer("lowBalanceTopUpButton")
    submit_prompt(qtbot, w, "a glass heron")
    assert len(answer.said) == 1 and opened == [QUrl(TOP_UP)]
    assert _posts(sim) == 0 and w.jobs.model.jobs() == []

    # Send anyway: queued and sent (here the API refuses it, and says so, charging nothing)
    answer = Answer("lowBalanceSendButton")
    submit_prompt(qtbot, w, "a glass heron")
    assert len(answer.said) == 1
    qtbot.waitUntil(lambda: w.status.credits_dialog is not None, timeout=10000)
    assert [j.state for j in w.jobs.model.jobs()] == ["failed"]
    w.status.credits_dialog.close()

    # enough credits (exactly the cost): no question
    set_balance(qtbot, w, sim, cost)
    answer = Answer("lowBalanceCancelButton")
    submit_prompt(qtbot, w, "a glass heron")
    qtbot.waitUntil(lambda: _posts(sim) == 1, timeout=10000)
    assert answer.said == []
    answer.stop()
    qtbot.waitUntil(lambda: "done" in [j.state for j in w.jobs.model.jobs()], timeout=20000)
    wait_idle(qtbot, w)


def test_several_copies_are_weighed_together(qtbot: Any, app_window: Any, sim: Any) -> None:
    w = app_window
    wait_models(qtbot, w)
    qtbot.waitUntil(lambda: w.form.default_model().facts_known, timeout=10000)
    qtbot.waitUntil(lambda: w.form.known_cost() is not None, timeout=10000)
    cost = int(w.form.known_cost())
    set_balance(qtbot, w, sim, cost + 1)  # one is covered, three are not
    repeat = child(w.form, QWidget, "repeatSpin")
    replace_text(qtbot, repeat, "3")
    assert w.form.repeat_count() == 3
    answer = Answer("lowBalanceCancelButton")
    submit_prompt(qtbot, w, "a paper lantern")
    assert answer.said == [
        f"These 3 jobs cost {3 * cost:,} credits, and your balance is {cost + 1:,} credits."
    ]
    assert _posts(sim) == 0
    wait_idle(qtbot, w)


def test_a_canvas_job_warns_too(qtbot: Any, sim: Any, window: Any) -> None:
    canvas = blank_canvas(qtbot, window, (512, 512))
    cost = child(canvas, QWidget, "canvasCostLabel")
    qtbot.waitUntil(lambda: "credits" in cost.text(), timeout=10000)
    price = window.canvas_link.canvases[-1][1].session.last_price
    assert price
    set_balance(qtbot, window, sim, price - 1)
    paint(qtbot, canvas, (100, 100), (200, 200))
    type_text(qtbot, child(canvas, QLineEdit, "canvasPromptEdit"), "a lantern")
    activate(qtbot, canvas)
    answer = Answer("lowBalanceCancelButton")
    click(qtbot, canvas, "inpaintButton")
    assert answer.said == [
        f"This canvas job costs {price:,} credits, and your balance is {price - 1:,} credits."
    ]
    message = child(canvas, QWidget, "canvasMessage").text()
    assert message == "Not sent: your balance is below its cost"
    assert bodies(sim, "/canvas-init-image") == []
    canvas.close()
    wait_idle(qtbot, window)
