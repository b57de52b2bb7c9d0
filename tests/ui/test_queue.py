"""The generation queue: slots, the 429 pause, the panel's controls, and a restart
in the middle of the queue, driven through the window against the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QListView, QPushButton, QWidget

from leodesk.sim import SimServer
from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    choose_from_context_menu,
    replace_text,
    sim_runtime,
    wait_idle,
    wait_models,
)


@pytest.fixture
def quick_sim(make_sim: Any) -> Any:
    return make_sim(seed=7, concurrency_slots=2, generation_seconds=0.3)


@pytest.fixture
def slow_sim(make_sim: Any) -> Any:
    return make_sim(seed=7, concurrency_slots=2, generation_seconds=60.0)


def _type_and_send(qtbot: Any, window: Any, prompt: str) -> None:
    edit = child(window.form, QWidget, "promptEdit")
    replace_text(qtbot, edit, prompt)
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _press_generate(window: Any, times: int) -> None:
    edit = child(window.form, QWidget, "promptEdit")
    for _ in range(times):
        QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _queue(window: Any) -> QListView:
    view = child(window, QListView, "queueView")
    assert view.accessibleName()
    return view


def _states(window: Any) -> list[str]:
    return list(window.ctx.queue.states())


def _menu(qtbot: Any, window: Any, row: int, action: str) -> list[str]:
    view = _queue(window)
    pos = cell_center(qtbot, view, view.model().index(row, 0))
    return choose_from_context_menu(qtbot, view, pos, action)


def test_ten_jobs_never_exceed_two_slots(qtbot: Any, apps: Apps, quick_sim: SimServer) -> None:
    sim = quick_sim
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    edit = child(window.form, QWidget, "promptEdit")
    replace_text(qtbot, edit, "ten lanterns on a quiet canal")
    most = {"server": 0, "app": 0}

    def sample() -> None:  # what the server has on its hands, and what the app has sent
        most["server"] = max(most["server"], sim.state.running_count + sim.state.queued_count)
        if window.ctx is not None:
            most["app"] = max(most["app"], len(window.ctx.generation.gate.in_flight))

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(10)
    _press_generate(window, 10)
    qtbot.waitUntil(lambda: len(_states(window)) == 10, timeout=10000)
    qtbot.waitUntil(lambda: _states(window) == ["done"] * 10, timeout=60000)
    timer.stop()
    assert sim.count("POST", "/generations") == 10
    assert most["server"] <= 2 and most["app"] <= 2
    assert most["app"] == 2  # it did use both slots
    # One Generate is one group; all ten rows carry their own job.
    groups = {
        _queue(window).model().index(r, 0).data(Qt.ItemDataRole.UserRole + 3) for r in range(10)
    }
    assert len(groups) == 10
    qtbot.waitUntil(lambda: window.gallery.model().rowCount() >= 10, timeout=10000)
    wait_idle(qtbot, window)


def test_a_429_pauses_the_queue_and_says_why(qtbot: Any, apps: Apps, quick_sim: SimServer) -> None:
    sim = quick_sim
    sim.add_fault("POST", "/generations", "429", retry_after=1, times=1)
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    status = child(window, QLabel, "queueStatus")
    seen: list[str] = []
    status_timer = QTimer()
    status_timer.timeout.connect(lambda: seen.append(status.text()))
    status_timer.start(20)
    _type_and_send(qtbot, window, "a harbour in the rain")
    qtbot.waitUntil(lambda: any("Paused by the API for" in t for t in seen), timeout=10000)
    qtbot.waitUntil(lambda: _states(window) == ["done"], timeout=20000)
    status_timer.stop()
    # The refused submit created nothing; the second one was accepted.
    assert sim.count("POST", "/generations") == 2
    assert "Paused by the API" not in status.text()
    wait_idle(qtbot, window)


def test_controls_and_a_restart_mid_queue(qtbot: Any, apps: Apps, slow_sim: SimServer) -> None:
    sim = slow_sim
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    pause = child(window, QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.text() == "Resume queue"
    prompts = ["first gull", "second gull", "third gull", "fourth gull"]
    for p in prompts:
        _type_and_send(qtbot, window, p)
    qtbot.waitUntil(lambda: _states(window) == ["queued"] * 4, timeout=10000)
    ids = window.ctx.queue.job_ids()
    status = child(window, QLabel, "queueStatus")
    qtbot.waitUntil(
        lambda: "credits queued" in status.text() and "+" not in status.text(), timeout=10000
    )
    assert status.text().startswith("Paused · 4 queued")
    assert sim.count("POST", "/generations") == 0

    # Move the third to the front, cancel the second.
    texts = _menu(qtbot, window, 2, "queueMoveFrontAction")
    assert texts == ["Move to front", "Cancel", "Retry", "Download again"]
    order = [ids[2], ids[0], ids[1], ids[3]]
    qtbot.waitUntil(lambda: window.ctx.queue.job_ids() == order, timeout=5000)
    _menu(qtbot, window, 2, "queueCancelAction")
    qtbot.waitUntil(
        lambda: _states(window) == ["queued", "queued", "cancelled", "queued"], timeout=5000
    )

    # A drag (QListView's internal move calls moveRows): the last one goes second.
    model = window.ctx.queue
    from PySide6.QtCore import QModelIndex

    assert model.moveRow(QModelIndex(), 3, QModelIndex(), 1)
    order = [ids[2], ids[3], ids[0], ids[1]]
    qtbot.waitUntil(lambda: model.job_ids() == order, timeout=5000)
    qtbot.wait(200)  # the new order is stored
    assert model.job_ids() == order

    # Resume: the two first in the queue are sent (two slots), the third waits.
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.text() == "Pause queue"
    qtbot.waitUntil(lambda: sim.count("POST", "/generations") == 2, timeout=10000)
    qtbot.waitUntil(lambda: _states(window)[:2] == ["pending", "pending"], timeout=10000)
    assert _states(window)[2:] == ["queued", "cancelled"]
    bodies = [r.body for r in sim.requests if r.method == "POST" and r.path == "/generations"]
    sent = {str(b) for b in bodies}
    assert any("third gull" in s for s in sent) and any("fourth gull" in s for s in sent)
    window.close()  # quit with two jobs pending on the server and one queued
    assert window.launcher.ctx is None

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    qtbot.waitUntil(lambda: again.ctx.queue.job_ids() == order, timeout=10000)
    qtbot.waitUntil(
        lambda: _states(again) == ["pending", "pending", "queued", "cancelled"], timeout=10000
    )
    qtbot.wait(300)
    assert sim.count("POST", "/generations") == 2  # the pending ones are polled, not re-sent
    sim.complete_all()
    qtbot.waitUntil(lambda: sim.count("POST", "/generations") == 3, timeout=15000)
    qtbot.waitUntil(lambda: _states(again)[2] == "pending", timeout=10000)
    sim.complete_all()
    qtbot.waitUntil(lambda: _states(again) == ["done", "done", "done", "cancelled"], timeout=20000)
    assert sim.count("POST", "/generations") == 3

    # Clear finished empties the panel.
    qtbot.mouseClick(child(again, QPushButton, "clearQueueButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: again.ctx.queue.rowCount() == 0, timeout=5000)
    wait_idle(qtbot, again)


def test_cancel_all_and_retry_a_failed_job(qtbot: Any, apps: Apps, quick_sim: SimServer) -> None:
    sim = quick_sim
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    _type_and_send(qtbot, window, "a simfail lighthouse")  # the simulator fails this job
    qtbot.waitUntil(lambda: _states(window) == ["failed"], timeout=20000)
    assert sim.count("POST", "/generations") == 1

    # Pause, queue three, cancel them all.
    pause = child(window, QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    _press_generate(window, 3)
    qtbot.waitUntil(lambda: _states(window) == ["failed"] + ["queued"] * 3, timeout=10000)
    cancel_all = child(window, QPushButton, "cancelAllButton")
    assert cancel_all.accessibleName()
    qtbot.waitUntil(cancel_all.isEnabled, timeout=5000)
    qtbot.mouseClick(cancel_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _states(window) == ["failed"] + ["cancelled"] * 3, timeout=10000)
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    assert sim.count("POST", "/generations") == 1

    # Retry the failed one: a new queued job from its stored request (the server fails it again,
    # as the prompt still says so; what matters is that it was sent once more, as a new job).
    texts = _menu(qtbot, window, 0, "queueRetryAction")
    assert "Retry" in texts
    qtbot.waitUntil(lambda: len(_states(window)) == 5, timeout=10000)
    qtbot.waitUntil(lambda: _states(window)[4] == "failed", timeout=20000)
    assert sim.count("POST", "/generations") == 2
    first, retried = window.ctx.queue.job_ids()[0], window.ctx.queue.job_ids()[4]
    reader = window.ctx.backend.reader
    assert reader.get_job(first).request_json == reader.get_job(retried).request_json
    wait_idle(qtbot, window)


def test_a_batch_of_three_is_one_group_with_a_header(
    qtbot: Any, apps: Apps, slow_sim: SimServer
) -> None:
    sim = slow_sim
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    qtbot.mouseClick(child(window, QPushButton, "pauseQueueButton"), Qt.MouseButton.LeftButton)
    form = window.form
    replace_text(qtbot, child(form, QWidget, "promptEdit"), "three herons")
    qtbot.waitUntil(lambda: form.known_cost() is not None, timeout=10000)
    each = form.known_cost()
    repeat = child(form, QWidget, "repeatSpin")
    assert repeat.accessibleName()
    repeat.setFocus()
    QTest.keyClick(repeat, Qt.Key.Key_Up)
    QTest.keyClick(repeat, Qt.Key.Key_Up)
    assert repeat.value() == 3
    button = child(form, QPushButton, "generateButton")
    assert button.text() == f"Generate ×3 · {3 * each:,} credits"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _states(window) == ["queued"] * 3, timeout=10000)
    # one group: a header above the first row only, and the three rows under one label
    from leodesk.ui.queue_delegate import header_text

    model = window.ctx.queue
    header = header_text(model, 0)
    assert header is not None and header.startswith("Batch · three herons")
    assert header.endswith("3 jobs")
    assert header_text(model, 1) is None and header_text(model, 2) is None
    view = _queue(window)
    first, second = view.visualRect(model.index(0, 0)), view.visualRect(model.index(1, 0))
    assert first.height() > second.height()  # the header line takes room above the first row
    # a single job after it forms no batch header
    repeat.setValue(1)
    _type_and_send(qtbot, window, "one heron")
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=10000)
    assert header_text(model, 3) is None
    assert sim.count("POST", "/generations") == 0
    qtbot.mouseClick(child(window, QPushButton, "cancelAllButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: set(_states(window)) == {"cancelled"}, timeout=10000)
    wait_idle(qtbot, window)
