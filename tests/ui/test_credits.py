"""Cost and credits, through the window against the simulator's credit model: the
balance, the plan's renewal date and what this run spent in the status bar; a negative balance;
a refund after a failed job; the "not enough credits" dialog with its top-up button; and the
queue's warning when the queued jobs need more than the balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from leodesk.sim import SimServer
from tests.ui.helpers import (
    Apps,
    activate,
    child,
    click_row,
    generate,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)

TOP_UP = "https://app.leonardo.ai/api-access"
MINUS = "\u2212"


@pytest.fixture
def slow_sim(make_sim: Any) -> Any:
    """Jobs take 1.5 s, so the balance is read while a job holds its charge."""
    return make_sim(seed=7, generation_seconds=1.5)


def _balance(sim: Any) -> int:
    return int(sim.state.credits) + int(sim.state.paid_credits)


def _n(n: int) -> str:
    return f"{MINUS}{abs(n):,}" if n < 0 else f"{n:,}"


def _shown_balance(window: Any) -> str:
    return str(child(window, QLabel, "balanceLabel").text())


def _wait_balance(qtbot: Any, window: Any, credits: int) -> None:
    want = f"{_n(credits)} credits"
    try:
        qtbot.waitUntil(lambda: _shown_balance(window) == want, timeout=10000)
    except Exception:
        raise AssertionError(
            f"the balance shows {_shown_balance(window)!r}, not {want!r}"
        ) from None


def _refresh(window: Any) -> None:
    """Account ▸ Refresh account and models (F5)."""
    window.findChild(object, "refreshAction").trigger()


def _priced(qtbot: Any, window: Any) -> int:
    """The form's live price (the pricing calculator's answer) for what it would send: the
    final one once the default model's facts are in (they may change the priced request)."""
    qtbot.waitUntil(lambda: window.form.default_model().facts_known, timeout=10000)
    qtbot.waitUntil(lambda: window.form.known_cost() is not None, timeout=10000)
    return int(window.form.known_cost())


def test_status_bar_shows_balance_renewal_and_what_this_run_spent(
    qtbot: Any, app_window: Any, sim: Any
) -> None:
    w = app_window
    wait_models(qtbot, w)
    start = _balance(sim)
    _wait_balance(qtbot, w, start)
    assert _shown_balance(w) == "5,000 credits"
    assert not child(w, QLabel, "balanceHint").isVisible()

    # the plan renews on the simulator's apiPlanTokenRenewalDate: midnight UTC in 30 days
    renews = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    renews = (renews + timedelta(days=30)).astimezone()
    renewal = child(w, QLabel, "renewalLabel")
    assert renewal.isVisible()
    assert renewal.text() == f"renews {renews.day} {renews:%b %Y}"
    assert "renew" in renewal.toolTip()

    spent = child(w, QLabel, "spentLabel")
    assert spent.isVisible()
    assert spent.text() == "spent this run: 0 credits"

    generate(qtbot, w, "a brass owl on a shelf", num_images=2)
    charged = start - _balance(sim)
    assert charged > 0
    qtbot.waitUntil(lambda: spent.text() == f"spent this run: {charged:,} credits", timeout=10000)
    assert "1 job charged" in spent.toolTip()
    _wait_balance(qtbot, w, start - charged)  # read again after the job
    qtbot.waitUntil(lambda: f"from {start:,} to {start - charged:,}" in spent.toolTip())

    generate(qtbot, w, "a brass owl asleep", num_images=1)
    total = start - _balance(sim)
    assert total > charged
    qtbot.waitUntil(lambda: spent.text() == f"spent this run: {total:,} credits", timeout=10000)
    assert "2 jobs charged" in spent.toolTip()
    wait_idle(qtbot, w)


def test_a_variation_adds_its_charge_to_what_this_run_spent(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    w = apps.start(sim_runtime(sim))
    w.ctx.variations.poll_interval = 0.1
    wait_models(qtbot, w)
    start = _balance(sim)
    _wait_balance(qtbot, w, start)
    source = generate(qtbot, w, "a copper kettle", num_images=1)[0]
    spent = child(w, QLabel, "spentLabel")
    generated = start - _balance(sim)
    qtbot.waitUntil(lambda: spent.text() == f"spent this run: {generated:,} credits")

    actions = w.library_actions.variations
    actions.confirm = lambda title, text: True  # the "Upscale costs N credits" question
    click_row(qtbot, w.gallery, w.gallery.model().row_of(source.id))
    activate(qtbot, w.gallery)
    QTest.keyClick(w.gallery, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _balance(sim) < start - generated, timeout=10000)
    total = start - _balance(sim)
    qtbot.waitUntil(lambda: spent.text() == f"spent this run: {total:,} credits", timeout=20000)
    assert "2 jobs charged" in spent.toolTip()
    _wait_balance(qtbot, w, start - total)
    wait_idle(qtbot, w, timeout=20000)


def test_a_negative_balance_is_shown_as_it_is(qtbot: Any, app_window: Any, sim: Any) -> None:
    w = app_window
    wait_models(qtbot, w)
    _wait_balance(qtbot, w, _balance(sim))
    hint = child(w, QLabel, "balanceHint")
    assert not hint.isVisible()

    sim.state.set_credits(-12, paid=0)
    _refresh(w)
    _wait_balance(qtbot, w, -12)
    assert _shown_balance(w) == f"{MINUS}12 credits"
    assert hint.isVisible() and hint.text() == "below zero"
    assert hint.font().bold() and not child(w, QLabel, "balanceLabel").font().bold()
    assert "below zero" in child(w, QLabel, "balanceLabel").toolTip()
    assert "top up" in hint.toolTip()

    sim.state.set_credits(40, paid=0)
    _refresh(w)
    _wait_balance(qtbot, w, 40)
    assert not hint.isVisible()
    wait_idle(qtbot, w)


def test_a_failed_job_is_refunded_and_the_balance_shows_it(
    qtbot: Any, apps: Apps, slow_sim: SimServer
) -> None:
    w = apps.start(sim_runtime(slow_sim))
    wait_models(qtbot, w)
    start = _balance(slow_sim)
    _wait_balance(qtbot, w, start)
    shown: list[int | None] = []
    w.ctx.account.loaded.connect(lambda state: shown.append(state.credits))
    cost = _priced(qtbot, w)
    spent = child(w, QLabel, "spentLabel")

    submit_prompt(qtbot, w, "simfail a castle in the clouds")
    # charged when the job is accepted: the balance drops and the run has spent the price
    qtbot.waitUntil(lambda: spent.text() == f"spent this run: {cost:,} credits", timeout=10000)
    _wait_balance(qtbot, w, start - cost)
    # the job fails on the server: refunded, and the status bar shows the balance back up
    qtbot.waitUntil(lambda: any(j.state == "failed" for j in w.jobs.model.jobs()), timeout=15000)
    _wait_balance(qtbot, w, start)
    assert _balance(slow_sim) == start
    assert shown[-1] == start and start - cost in shown
    qtbot.waitUntil(lambda: spent.text() == "spent this run: 0 credits", timeout=5000)
    assert "1 job charged, 1 refunded" in spent.toolTip()
    assert "refunded" in w.jobs.detail.text()
    wait_idle(qtbot, w)


def test_not_enough_credits_says_needed_and_left_and_offers_a_top_up(
    qtbot: Any, app_window: Any, sim: Any
) -> None:
    w = app_window
    opened: list[QUrl] = []
    w.open_url = lambda url: opened.append(url) or True  # no browser in tests
    wait_models(qtbot, w)
    _wait_balance(qtbot, w, _balance(sim))
    needed = _priced(qtbot, w)
    left = needed - 1
    sim.state.set_credits(left, paid=0)

    submit_prompt(qtbot, w, "a lighthouse made of glass")
    qtbot.waitUntil(
        lambda: w.findChild(QDialog, "insufficientCreditsDialog") is not None, timeout=10000
    )
    dialog = w.findChild(QDialog, "insufficientCreditsDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    message = child(dialog, QLabel, "creditsMessage")
    want = f"This job needs {needed:,} credits, and your balance is {left:,} credits."
    try:  # the balance is read again after the refusal
        qtbot.waitUntil(lambda: message.text() == want, timeout=10000)
    except Exception:
        raise AssertionError(f"the dialog says {message.text()!r}") from None
    assert "a lighthouse made of glass" in child(dialog, QLabel, "creditsJobs").text()
    _wait_balance(qtbot, w, left)
    assert sim.state.generation_ids() == [] and _balance(sim) == left  # nothing charged
    assert [j.state for j in w.jobs.model.jobs()] == ["failed"]
    assert "credits" in w.jobs.detail.text()

    top_up = child(dialog, QPushButton, "topUpButton")
    assert top_up.isVisible() and top_up.accessibleName()
    qtbot.mouseClick(top_up, Qt.MouseButton.LeftButton)
    assert opened == [QUrl(TOP_UP)]

    # a second refusal updates the same dialog instead of opening another (the balance now
    # known to be short, Generate warns first: the user sends anyway)
    from tests.ui.test_low_balance import Answer

    answer = Answer("lowBalanceSendButton")
    submit_prompt(qtbot, w, "a lighthouse made of ice")
    assert len(answer.said) == 1
    qtbot.waitUntil(
        lambda: "2 jobs were not sent" in child(dialog, QLabel, "creditsJobs").text(),
        timeout=10000,
    )
    assert len(w.findChildren(QDialog, "insufficientCreditsDialog")) == 1
    qtbot.mouseClick(child(dialog, QPushButton, "creditsCloseButton"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    wait_idle(qtbot, w)


def test_queued_jobs_over_the_balance_show_a_warning(qtbot: Any, app_window: Any, sim: Any) -> None:
    w = app_window
    wait_models(qtbot, w)
    _wait_balance(qtbot, w, _balance(sim))
    child(w, QAction, "toggleQueueAction").trigger()  # View ▸ Queue panel (a popup otherwise)
    warning = child(w, QLabel, "queueBalanceWarning")
    status = child(w, QLabel, "queueStatus")
    assert not warning.isVisible()

    pause = child(w, QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.text() == "Resume queue"
    price = _priced(qtbot, w)
    for n in range(3):
        submit_prompt(qtbot, w, f"a paper boat number {n}")
    total = 3 * price
    qtbot.waitUntil(lambda: f"{total:,} credits queued" in status.text(), timeout=10000)
    assert not warning.isVisible()  # 5,000 credits cover them

    sim.state.set_credits(total - price, paid=0)
    _refresh(w)
    _wait_balance(qtbot, w, total - price)
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    assert warning.text() == f"Queued jobs need {total:,} credits; you have {total - price:,}."
    assert warning.accessibleName()

    sim.state.set_credits(total, paid=0)  # exactly enough
    _refresh(w)
    _wait_balance(qtbot, w, total)
    qtbot.waitUntil(lambda: not warning.isVisible(), timeout=5000)

    sim.state.set_credits(-7, paid=0)
    _refresh(w)
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    assert warning.text() == f"Queued jobs need {total:,} credits; you have {MINUS}7."

    qtbot.mouseClick(child(w, QWidget, "cancelAllButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not warning.isVisible(), timeout=5000)  # nothing queued any more
    assert sim.count("POST", "/generations") == 0
    wait_idle(qtbot, w)


def test_a_variation_refused_for_credits_opens_the_same_message(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    w = apps.start(sim_runtime(sim))
    w.ctx.variations.poll_interval = 0.1
    opened: list[QUrl] = []
    w.open_url = lambda url: opened.append(url) or True
    wait_models(qtbot, w)
    source = generate(qtbot, w, "a paper crane", num_images=1)[0]
    actions = w.library_actions.variations
    actions.confirm = lambda title, text: True
    actions.ask_motion_strength = lambda: 4
    needed = 45  # what the simulator's pricing calculator says a motion costs
    sim.state.set_credits(needed - 1, paid=0)
    click_row(qtbot, w.gallery, w.gallery.model().row_of(source.id))
    activate(qtbot, w.gallery)
    QTest.keyClick(w.gallery, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: w.findChild(QDialog, "insufficientCreditsDialog") is not None, timeout=10000
    )
    dialog = w.findChild(QDialog, "insufficientCreditsDialog")
    message = child(dialog, QLabel, "creditsMessage")
    want = f"This job needs {needed} credits, and your balance is {needed - 1} credits."
    try:
        qtbot.waitUntil(lambda: message.text() == want, timeout=10000)
    except Exception:
        raise AssertionError(f"the dialog says {message.text()!r}") from None
    assert "Motion" in child(dialog, QLabel, "creditsJobs").text()
    qtbot.mouseClick(child(dialog, QPushButton, "topUpButton"), Qt.MouseButton.LeftButton)
    assert opened == [QUrl(TOP_UP)]
    assert sim.count("POST", "/generations-motion-svd") == 1  # refused, not retried
    wait_idle(qtbot, w, timeout=20000)
