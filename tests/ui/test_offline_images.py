"""Full images: fetched into the store when opened, or all at sync with "keep offline"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import Qt

from tests.conftest import SIM_KEY
from tests.ui.conftest import open_app


@pytest.fixture
def history_sim() -> Any:
    from leodesk.sim import SimConfig, SimServer

    server = SimServer(SimConfig(seed=5, api_key=SIM_KEY, seed_generations=6)).start()
    yield server
    server.stop()


@pytest.fixture
def window(qtbot: Any, history_sim: Any) -> Any:
    w = open_app(qtbot, history_sim)
    w.launcher.ctx.sync.min_interval = 0.0
    yield w
    w.launcher.shutdown()


def _sync(qtbot: Any, w: Any) -> None:
    qtbot.mouseClick(w.gallery_pane.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.gallery_pane.sync_button.isEnabled(), timeout=20000)
    assert "Library synced" in w.gallery_pane.sync_status.text()


def test_opening_an_image_keeps_it_offline(qtbot: Any, window: Any, history_sim: Any) -> None:
    w = window
    _sync(qtbot, w)
    model = w.gallery.model()
    record = model.record(0)
    assert not record.has_file  # a sync brings records and thumbnails, not full images
    # its thumbnail is made from the same URL: let it arrive first, so that the counts below
    # are the viewer's own
    key = model.thumb_key(record)
    qtbot.waitUntil(lambda: w.ctx.thumbs.pixmap(key) is not None, timeout=10000)
    qtbot.waitUntil(lambda: w.ctx.thumbs.pending == 0, timeout=10000)
    w.open_viewer(record.id)
    qtbot.waitUntil(lambda: not w.viewer.canvas.item.pixmap().isNull(), timeout=10000)
    qtbot.waitUntil(lambda: model.record(0).has_file, timeout=10000)
    path = w.ctx.image_path(model.record(0))
    assert path is not None and path.exists()
    # this image's own URL (thumbnails of other rows may still be loading meanwhile)
    image_path = urlsplit(record.url).path
    gets = history_sim.count("GET", image_path)
    assert gets >= 1  # the first open downloaded it
    # opened again: from the disk, no second download of the full image
    w.viewer.close()
    w.open_viewer(record.id)
    qtbot.waitUntil(lambda: not w.viewer.canvas.item.pixmap().isNull(), timeout=10000)
    assert history_sim.count("GET", image_path) == gets


def test_keep_offline_downloads_every_image_at_sync(qtbot: Any, window: Any) -> None:
    w = window
    w.offline_action.trigger()
    assert w.offline_action.isChecked()
    _sync(qtbot, w)
    model = w.gallery.model()
    qtbot.waitUntil(lambda: model.rowCount() > 6, timeout=5000)
    records = [model.record(r) for r in range(model.rowCount())]
    assert all(r.has_file for r in records)
    assert all(w.ctx.image_path(r).exists() for r in records)
