"""Sync the account into the library from the gallery pane, then search it offline."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.conftest import SIM_KEY
from tests.ui.conftest import open_app


@pytest.fixture
def history_sim() -> Any:
    from leodesk.sim import SimConfig, SimServer

    server = SimServer(
        SimConfig(seed=3, generation_seconds=0.2, api_key=SIM_KEY, seed_generations=60)
    ).start()
    yield server
    server.stop()


@pytest.fixture
def window(qtbot: Any, history_sim: Any) -> Any:
    w = open_app(qtbot, history_sim)
    w.launcher.ctx.sync.page_size = 10
    w.launcher.ctx.sync.min_interval = 0.0
    yield w
    w.launcher.shutdown()


def test_sync_button_fills_the_gallery_and_search_filters_it(
    qtbot: Any, window: Any, history_sim: Any
) -> None:
    pane = window.gallery_pane
    assert window.gallery.model().rowCount() == 0
    qtbot.mouseClick(pane.sync_button, Qt.MouseButton.LeftButton)
    assert not pane.sync_button.isEnabled()  # one sync at a time
    qtbot.waitUntil(lambda: pane.sync_button.isEnabled(), timeout=20000)
    assert "Library synced" in pane.sync_status.text()
    assert "60 new" in pane.sync_status.text()
    pages = [r for r in history_sim.requests if r.path.startswith("/generations/user/")]
    assert len(pages) >= 6

    model = window.gallery.model()
    expected = sum(len(history_sim.state.image_ids(g)) for g in history_sim.state.generation_ids())
    assert expected > 60
    # the rows span the library once its count is read (on the model's reader thread)
    qtbot.waitUntil(lambda: model.rowCount() == expected, timeout=5000)
    total = model.rowCount()

    # search: type a word from one stored prompt; the grid shows only matching images
    record = model.record(0)
    word = max(record.prompt.split(), key=len).strip(",.")
    qtbot.keyClicks(pane.search, word)
    qtbot.waitUntil(lambda: model.rowCount() < total, timeout=5000)
    assert model.rowCount() >= 1
    assert all(word.lower() in model.record(r).prompt.lower() for r in range(model.rowCount()))
    assert "images" in pane.count_label.text()
    pane.search.clear()
    qtbot.waitUntil(lambda: model.rowCount() >= min(total, 500), timeout=5000)

    # a second sync is incremental: it stops after the first page
    history_sim.clear_requests()
    qtbot.mouseClick(pane.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.sync_button.isEnabled(), timeout=20000)
    assert "0 new" in pane.sync_status.text()
    pages = [r for r in history_sim.requests if r.path.startswith("/generations/user/")]
    assert len(pages) <= 2


def test_sync_can_be_cancelled_and_says_so(qtbot: Any, window: Any, history_sim: Any) -> None:
    history_sim.add_fault("GET", "/generations/user/*", "slow", delay=0.3)
    pane = window.gallery_pane
    qtbot.mouseClick(pane.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.cancel_sync_button.isVisible(), timeout=5000)
    qtbot.mouseClick(pane.cancel_sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.sync_button.isEnabled(), timeout=20000)
    assert "cancel" in pane.sync_status.text().lower()
