"""A job is done only when every image is stored whole. An image whose bytes never decode makes
the job "Images missing" (it was made and billed: nothing is sent again), with Download again
in the queue's menu; the next start tries again by itself. Driven through the window against
the simulator, whose CDN sends broken bytes for one image."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListView

from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    choose_from_context_menu,
    sim_runtime,
    submit_prompt,
    wait_models,
)

BROKEN = "/cdn/*Leonardo_1.*"  # the second image of every generation


def _generate(qtbot: Any, window: Any, prompt: str, images: int) -> None:
    wait_models(qtbot, window)
    window.ctx.generation.tuning.update(download_tries=2, download_delay=0.05)
    submit_prompt(qtbot, window, prompt, num_images=images)


def _states(window: Any) -> list[str]:
    return list(window.ctx.queue.states())


def _stored(window: Any, generation_id: str) -> set[str]:
    return set(window.ctx.backend.reader.stored_image_ids(generation_id))


def test_an_image_that_never_decodes_leaves_the_job_incomplete_until_downloaded_again(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    sim = make_sim(seed=3, generation_seconds=0.2)
    sim.add_fault("GET", BROKEN, "malformed_json")  # every download of it is broken
    window = apps.start(sim_runtime(sim))
    _generate(qtbot, window, "two moons over a salt flat", 2)
    qtbot.waitUntil(lambda: _states(window) == ["incomplete"], timeout=20000)

    view = child(window, QListView, "queueView")
    index = view.model().index(0, 0)
    assert "Images missing" in index.data()
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "1 of 2 images could not be downloaded" in tip and "Download again" in tip
    rec = window.ctx.backend.reader.queue_jobs()[0]
    assert rec.generation_id and len(_stored(window, rec.generation_id)) == 1
    assert sim.count("POST", "/generations") == 1

    # The CDN is well again; Download again from the queue's menu finishes the job.
    sim.clear_faults()
    texts = choose_from_context_menu(
        qtbot, view, cell_center(qtbot, view, index), "queueDownloadAgainAction"
    )
    assert "Download again" in texts
    qtbot.waitUntil(lambda: _states(window) == ["done"], timeout=20000)
    assert len(_stored(window, rec.generation_id)) == 2
    assert sim.count("POST", "/generations") == 1  # made once, never sent again


def test_the_next_start_downloads_what_was_missing(qtbot: Any, apps: Apps, make_sim: Any) -> None:
    sim = make_sim(seed=4, generation_seconds=0.2)
    sim.add_fault("GET", BROKEN, "malformed_json")
    first = apps.start(sim_runtime(sim))
    _generate(qtbot, first, "a paper boat in the rain", 2)
    qtbot.waitUntil(lambda: _states(first) == ["incomplete"], timeout=20000)
    generation_id = first.ctx.backend.reader.queue_jobs()[0].generation_id
    assert generation_id
    apps.shutdown_all()

    sim.clear_faults()
    second = apps.start(sim_runtime(sim))
    qtbot.waitUntil(lambda: second.ctx is not None and _states(second) == ["done"], timeout=20000)
    assert len(_stored(second, generation_id)) == 2
    assert sim.count("POST", "/generations") == 1


def test_download_again_asked_while_the_job_is_still_ending_is_not_lost(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    """The queue shows "Images missing" as soon as the pipeline says so, a moment before the job
    leaves its slot, so Download again can be asked while the job still holds it: it then runs
    once the job has ended. Here it is asked while the job is still on its way (the widest such
    moment), which makes the case certain rather than a matter of timing."""
    sim = make_sim(seed=6, generation_seconds=0.5)
    sim.add_fault("GET", BROKEN, "malformed_json")
    window = apps.start(sim_runtime(sim))
    service = window.ctx.generation
    asked: list[int] = []

    def on_change(*_args: Any) -> None:  # the queue model, on the GUI thread
        states = window.ctx.queue.states()
        if not asked and states == ["pending"]:
            job_id = window.ctx.backend.reader.queue_jobs()[0].id
            assert job_id in service.gate.in_flight
            asked.append(job_id)
            service.download_again(job_id)
        elif states == ["incomplete"]:
            sim.clear_faults()  # the CDN is well again by the time it runs

    window.ctx.queue.dataChanged.connect(on_change)
    _generate(qtbot, window, "a kite over the dunes", 2)
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)
    qtbot.waitUntil(lambda: _states(window) == ["done"], timeout=20000)
    rec = window.ctx.backend.reader.queue_jobs()[0]
    assert rec.generation_id and len(_stored(window, rec.generation_id)) == 2
    assert sim.count("POST", "/generations") == 1
