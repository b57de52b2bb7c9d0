"""ThumbnailLoader and GalleryModel with real pools, a real disk cache and a real library."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leodesk.core.thumbs import ThumbCache
from leodesk.qt.thumbnails import ThumbnailLoader, key_for
from leodesk.qt.workers import Pools


@pytest.fixture
def pools(qtbot: Any) -> Any:
    p = Pools(network_threads=2)
    yield p
    p.shutdown()


def _jpeg(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (800, 600)) -> Path:
    Image.new("RGB", size, colour).save(path, "JPEG")
    return path


def test_loads_from_source_then_from_memory(qtbot: Any, pools: Any, tmp_path: Path) -> None:
    cache = ThumbCache(tmp_path / "thumbs")
    loader = ThumbnailLoader(pools, cache, fetch=lambda url: b"", size=128)
    src = _jpeg(tmp_path / "a.jpg", (200, 10, 10))
    key = key_for("image", "a")
    with qtbot.waitSignal(loader.ready, timeout=5000) as sig:
        loader.request(key, path=src)
        loader.request(key, path=src)  # deduplicated while in flight
    assert sig.args == [key]
    pm = loader.pixmap(key)
    assert pm is not None and max(pm.width(), pm.height()) == 128
    assert cache.get(key, 128) is not None  # written to disk too
    assert loader.pending == 0


def test_a_broken_image_fails_once_and_is_not_retried(
    qtbot: Any, pools: Any, tmp_path: Path
) -> None:
    cache = ThumbCache(tmp_path / "thumbs")
    loader = ThumbnailLoader(pools, cache, fetch=lambda url: b"", size=128)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    key = key_for("image", "bad")
    with qtbot.waitSignal(loader.failed, timeout=5000):
        loader.request(key, path=bad)
    assert loader.is_failed(key)
    loader.request(key, path=bad)
    assert loader.pending == 0  # no second attempt
    assert cache.is_failed(key)  # and a marker on disk for the next run


def test_fetches_remote_images(qtbot: Any, pools: Any, tmp_path: Path) -> None:
    data = _jpeg(tmp_path / "r.jpg", (10, 200, 10)).read_bytes()
    seen: list[str] = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        return data

    loader = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=fetch, size=64)
    key = key_for("model", "http://x/y.jpg")
    with qtbot.waitSignal(loader.ready, timeout=5000):
        loader.request(key, url="http://x/y.jpg")
    assert seen == ["http://x/y.jpg"]


def test_retain_only_drops_queued_requests(qtbot: Any, tmp_path: Path) -> None:
    pools = Pools(network_threads=1)
    pools.thumbs.setMaxThreadCount(1)
    gate = threading.Event()
    blocker = pools.submit(lambda token: gate.wait(5), pool="thumbs", name="blocker")
    cache = ThumbCache(tmp_path / "thumbs")
    loader = ThumbnailLoader(pools, cache, fetch=lambda url: b"", size=64)
    keys = []
    for n in range(5):
        key = key_for("image", str(n))
        keys.append(key)
        loader.request(key, path=_jpeg(tmp_path / f"{n}.jpg", (n * 40, 0, 0), (100, 100)))
    assert loader.pending == 5
    dropped = loader.retain_only(keys[:2])
    assert dropped == 3 and loader.pending == 2
    gate.set()
    qtbot.waitUntil(lambda: loader.pending == 0, timeout=5000)
    assert [loader.pixmap(k) is not None for k in keys] == [True, True, False, False, False]
    assert blocker.token.cancelled is False
    pools.shutdown()


def test_memory_is_bounded(qtbot: Any, pools: Any, tmp_path: Path) -> None:
    loader = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=lambda url: b"", size=32)
    loader.set_memory_items(16)
    keys = [key_for("image", str(n)) for n in range(20)]
    for n, key in enumerate(keys):
        with qtbot.waitSignal(loader.ready, timeout=5000):
            loader.request(key, path=_jpeg(tmp_path / f"{n}.jpg", (n * 10, 0, 0), (40, 40)))
    assert loader.pixmap(keys[0]) is None  # the oldest were dropped
    assert loader.pixmap(keys[-1]) is not None
    assert sum(loader.pixmap(k) is not None for k in keys) == 16


def test_pools_refuse_work_after_shutdown(qtbot: Any) -> None:
    pools = Pools()
    pools.shutdown()
    ran: list[int] = []
    worker = pools.submit(lambda token: ran.append(1))
    pools.network.waitForDone(1000)
    assert ran == [] and worker.token.cancelled


def test_one_worker_per_core_each_yielding_to_the_gui_thread(
    qtbot: Any, pools: Any, tmp_path: Path
) -> None:
    from PySide6.QtCore import QThreadPool

    assert pools.thumbs.maxThreadCount() == QThreadPool.globalInstance().maxThreadCount()
    data = _jpeg(tmp_path / "n.jpg", (10, 10, 200), (1200, 900)).read_bytes()
    niceness: list[int] = []

    def fetch(url: str) -> bytes:  # runs on the worker thread
        if sys.platform.startswith("linux"):
            niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return data

    loader = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=fetch, size=256)
    loader.set_display(164)
    key = key_for("image", "n")
    with qtbot.waitSignal(loader.ready, timeout=5000):
        loader.request(key, url="http://x/n.jpg")
    pm = loader.pixmap(key)
    assert pm is not None and (pm.width(), pm.height()) == (164, 123)  # made at the drawn size
    assert not loader.is_stale(key)
    if sys.platform.startswith("linux"):
        gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert niceness and niceness[0] > gui
