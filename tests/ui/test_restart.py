"""Closing and starting again: an unfinished job resumes, the form and layout come back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolButton,
)

from leodesk.core import paths
from tests.ui.helpers import (
    Apps,
    child,
    replace_text,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)

PROMPT = "a keeper's cat asleep on the logbook"  # short: the job strip shows it whole


@pytest.fixture
def slow_sim(make_sim: Any) -> Any:
    """A simulator whose jobs take long enough to still be running when the app closes."""
    return make_sim(seed=11, generation_seconds=30.0)


def _strings(value: Any) -> set[str]:
    """Every string somewhere in a JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value))
    return set()


def _generation_polls(sim: Any, generation_id: str) -> int:
    return int(sim.count("GET", f"/generations/{generation_id}"))


def test_pending_job_resumes_after_restart(qtbot: Any, apps: Apps, slow_sim: Any) -> None:
    sim = slow_sim
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    submit_prompt(qtbot, window, PROMPT, num_images=2)

    def pending() -> bool:
        jobs = window.jobs.model.jobs()
        return bool(jobs) and jobs[0].state == "pending" and bool(jobs[0].generation_id)

    qtbot.waitUntil(pending, timeout=10000)
    generation_id = window.jobs.model.jobs()[0].generation_id
    # It is being polled, and is still running on the server.
    qtbot.waitUntil(lambda: _generation_polls(sim, generation_id) >= 1, timeout=5000)
    assert window.gallery.model().rowCount() == 0
    assert sim.count("POST", "/generations") == 1

    window.close()  # the user quits while the job runs
    assert window.launcher.ctx is None
    polls_before = _generation_polls(sim, generation_id)

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    # The job shows up again, as the same generation, without a new submit.
    qtbot.waitUntil(
        lambda: [j.generation_id for j in again.jobs.model.jobs()] == [generation_id],
        timeout=10000,
    )
    job = again.jobs.model.jobs()[0]
    assert job.label == PROMPT
    strip = again.jobs.view
    assert strip.model().index(0, 0).data() in (f"Generating · {PROMPT}", f"Queued · {PROMPT}")
    qtbot.waitUntil(lambda: _generation_polls(sim, generation_id) > polls_before, timeout=10000)
    assert sim.complete_all() == 1  # the server finishes it now instead of in 30 s

    qtbot.waitUntil(lambda: again.gallery.model().rowCount() == 2, timeout=15000)
    qtbot.waitUntil(lambda: again.jobs.model.jobs()[0].state == "done", timeout=10000)
    assert sim.count("POST", "/generations") == 1
    model = again.gallery.model()
    records = [model.record(row) for row in range(model.rowCount())]
    assert {r.generation_id for r in records} == {generation_id}
    assert {r.prompt for r in records} == {PROMPT}
    assert all(again.ctx.image_path(r) is not None for r in records)
    assert all(again.ctx.image_path(r).exists() for r in records)
    assert again.jobs.detail.text() == "2 image(s)"
    wait_idle(qtbot, again)


def test_form_comes_back_after_restart(qtbot: Any, apps: Apps, sim: Any) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    form = window.form

    replace_text(qtbot, child(form, QPlainTextEdit, "promptEdit"), "misty pines\nat dawn")
    replace_text(qtbot, child(form, QPlainTextEdit, "negativePromptEdit"), "people")
    width = child(form, QSpinBox, "widthSpin")
    start_width = width.value()
    qtbot.mouseClick(width, Qt.MouseButton.LeftButton)
    QTest.keyClick(width, Qt.Key.Key_Up)
    QTest.keyClick(width, Qt.Key.Key_Up)
    assert width.value() == start_width + 16
    chosen_width = width.value()
    height = child(form, QSpinBox, "heightSpin").value()
    wait_idle(qtbot, window)

    window.close()
    saved = json.loads(paths.resolve().settings_file.read_text(encoding="utf-8"))
    assert "misty pines\nat dawn" in _strings(saved["last_form"])  # saved on close

    again = apps.start(sim_runtime(sim))
    assert again is not window
    form = again.form
    assert child(form, QPlainTextEdit, "promptEdit").toPlainText() == "misty pines\nat dawn"
    assert child(form, QPlainTextEdit, "negativePromptEdit").toPlainText() == "people"
    assert child(form, QSpinBox, "widthSpin").value() == chosen_width
    assert child(form, QSpinBox, "heightSpin").value() == height
    # The restored settings are what Ctrl+Enter sends.
    request = form.request()
    assert (request.prompt, request.width, request.height) == (
        "misty pines\nat dawn",
        chosen_width,
        height,
    )
    wait_idle(qtbot, again)


def test_layout_comes_back_after_restart(qtbot: Any, apps: Apps, sim: Any) -> None:
    """Window size, the hidden Details panel, the collapsed panes and the pane sizes come back.

    ``MainWindow.restore`` calls ``restoreState`` on a window that is already shown, right after
    ``addDockWidget``: the dock is hidden at that moment but Qt shows it again on the next pass
    of the event loop. Deferring the ``restoreState`` call (``QTimer.singleShot(0, ...)``) keeps it
    hidden and brings the splitter sizes back exactly.
    """
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    # View → Details panel: hide it (the window then fits the 800×800 offscreen screen).
    details = child(window, QAction, "toggleDetailsAction")
    assert details.isChecked()
    details.trigger()
    dock = child(window, QDockWidget, "metadataDock")
    assert not dock.isVisible()
    window.resize(760, 700)
    qtbot.waitUntil(lambda: window.height() == 700, timeout=5000)
    size = (window.width(), window.height())
    assert size[0] < 800  # (Qt may make it a little wider than asked)

    # Open the model browser (collapsed on a narrow window), then drag the handle between it
    # and the form 60 px to the right.
    opener = child(window, QToolButton, "browserPaneButton")
    if not opener.isChecked():
        qtbot.mouseClick(opener, Qt.MouseButton.LeftButton)
    assert opener.isChecked() and window.browser.isVisible()
    # ... and collapse the form to its strip (the 760 px window has no room for both open)
    qtbot.mouseClick(child(window, QToolButton, "formPaneButton"), Qt.MouseButton.LeftButton)
    assert not window.form.isVisible()
    splitter = child(window, QSplitter, "mainSplitter")
    qtbot.waitUntil(lambda: splitter.width() == window.width(), timeout=5000)
    handle = splitter.handle(1)
    browser_width = splitter.sizes()[0]
    centre = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseMove(handle, centre + QPoint(60, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=centre + QPoint(60, 0))
    sizes = splitter.sizes()
    assert sizes[0] == browser_width + 60
    wait_idle(qtbot, window)
    window.close()

    again = apps.start(sim_runtime(sim))
    wait_idle(qtbot, again)
    splitter = child(again, QSplitter, "mainSplitter")
    qtbot.waitUntil(lambda: splitter.width() > 0, timeout=5000)
    assert (again.width(), again.height()) == size
    assert not child(again, QAction, "toggleDetailsAction").isChecked()
    assert not child(again, QDockWidget, "metadataDock").isVisible()
    assert child(again, QToolButton, "browserPaneButton").isChecked()  # still open
    assert not child(again, QToolButton, "formPaneButton").isChecked()  # still collapsed
    assert splitter.sizes() == sizes


def test_closing_while_the_model_list_loads_is_prompt(qtbot: Any, apps: Apps, sim: Any) -> None:
    """Quitting right after start, while the model list is still on its way, closes cleanly.

    The refresh worker, once its answer arrives, asks the database thread to save the list
    while the pools are closing: that write must still run (not be dropped, leaving the worker
    waiting for it), so closing is prompt and nothing is left running.
    """
    sim.add_fault("GET", "/platformModels", "slow", delay=0.5, times=1)
    window = apps.start(sim_runtime(sim))
    qtbot.waitUntil(lambda: sim.count("GET", "/platformModels") == 1, timeout=5000)
    pools = window.ctx.backend.pools
    window.close()
    assert window.launcher.ctx is None
    # Closing returned with nothing left running.
    assert [p.activeThreadCount() for p in (pools.network, pools.db, pools.thumbs)] == [0, 0, 0]


def test_a_paused_queue_stays_paused_after_restart(qtbot: Any, apps: Apps, sim: Any) -> None:
    """The user pauses the queue and quits with jobs queued: the next start comes back paused
    (the button pressed, nothing sent) until the user resumes."""
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    pause = child(window, QPushButton, "pauseQueueButton")
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert pause.isChecked() and pause.text() == "Resume queue"
    for prompt in ("a gull on a post", "a gull in the wind"):
        submit_prompt(qtbot, window, prompt)
    qtbot.waitUntil(lambda: window.ctx.queue.states() == ["queued", "queued"], timeout=10000)
    wait_idle(qtbot, window)
    window.close()
    assert sim.count("POST", "/generations") == 0

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    pause = child(again, QPushButton, "pauseQueueButton")
    status = child(again, QLabel, "queueStatus")
    qtbot.waitUntil(lambda: again.ctx.queue.states() == ["queued", "queued"], timeout=10000)
    qtbot.waitUntil(pause.isChecked, timeout=5000)
    assert pause.text() == "Resume queue"
    assert status.text().startswith("Paused · 2 queued")
    qtbot.wait(300)  # (the models and the balance have loaded: the queue had every chance)
    assert sim.count("POST", "/generations") == 0

    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert not pause.isChecked() and pause.text() == "Pause queue"
    qtbot.waitUntil(lambda: again.ctx.queue.states() == ["done", "done"], timeout=20000)
    assert sim.count("POST", "/generations") == 2
    wait_idle(qtbot, again)
    again.close()

    # Resumed is what the next start remembers too.
    third = apps.start(sim_runtime(sim))
    wait_models(qtbot, third)
    qtbot.waitUntil(lambda: third.ctx.generation._loaded, timeout=10000)
    assert not child(third, QPushButton, "pauseQueueButton").isChecked()
    assert not third.ctx.generation.status().paused
    wait_idle(qtbot, third)
