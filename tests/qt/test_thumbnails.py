"""ThumbnailLoader and GalleryModel with real pools, a real disk cache and a real library."""

from __future__ import annotations

import os
import sys
import threading
import time
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


def test_pictures_keep_their_colours_in_the_pixmaps_format(qtbot: Any) -> None:
    from PySide6.QtGui import QImage

    from leodesk.qt.imaging import qimage_for_screen

    rgb = Image.new("RGB", (5, 3), (200, 30, 70))
    grey = Image.new("L", (4, 4), 90)
    rgba = Image.new("RGBA", (3, 2), (10, 220, 40, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    for picture, fmt, colour in (
        (rgb, QImage.Format.Format_RGB32, (200, 30, 70, 255)),
        (grey, QImage.Format.Format_RGB32, (90, 90, 90, 255)),
        (rgba, QImage.Format.Format_ARGB32_Premultiplied, (10, 220, 40, 255)),
    ):
        image = qimage_for_screen(picture)
        assert image.format() == fmt and (image.width(), image.height()) == picture.size
        c = image.pixelColor(picture.width - 1, picture.height - 1)
        assert (c.red(), c.green(), c.blue(), c.alpha()) == colour
    assert qimage_for_screen(rgba).pixelColor(0, 0).alpha() == 0


def test_many_at_once_arrive_once_each_in_their_colours(
    qtbot: Any, pools: Any, tmp_path: Path
) -> None:
    # Two workers finish faster than the GUI thread takes them: results come in batches.
    loader = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=lambda url: b"", size=64)
    loader.set_display(48)
    colours = {key_for("image", str(n)): (n * 8, 255 - n * 8, 100) for n in range(30)}
    ready: list[str] = []
    loader.ready.connect(ready.append)
    for n, (key, colour) in enumerate(colours.items()):
        loader.request(key, path=_jpeg(tmp_path / f"{n}.jpg", colour, (300, 200)))
    qtbot.waitUntil(lambda: loader.pending == 0 and len(ready) == 30, timeout=10000)
    assert sorted(ready) == sorted(colours)  # each exactly once
    for key, colour in colours.items():
        pm = loader.pixmap(key)
        assert pm is not None and (pm.width(), pm.height()) == (48, 32)
        c = pm.toImage().pixelColor(24, 16)
        got = (c.red(), c.green(), c.blue())
        assert max(abs(a - b) for a, b in zip(got, colour, strict=True)) <= 6, (got, colour)


def test_a_batch_larger_than_memory_announces_only_what_is_kept(qtbot: Any, tmp_path: Path) -> None:
    pools = Pools(network_threads=1)
    pools.thumbs.setMaxThreadCount(1)
    gate = threading.Event()
    pools.submit(lambda token: gate.wait(5), pool="thumbs", name="blocker")
    loader = ThumbnailLoader(pools, ThumbCache(tmp_path / "t"), fetch=lambda url: b"", size=32)
    loader.set_memory_items(16)
    keys = [key_for("image", str(n)) for n in range(20)]
    for n, key in enumerate(keys):
        loader.request(key, path=_jpeg(tmp_path / f"{n}.jpg", (n * 10, 0, 0), (40, 40)))
    ready: list[str] = []
    loader.ready.connect(ready.append)
    # The GUI thread is kept busy until the worker has made them all: one batch of 20.
    gate.set()
    for _ in range(500):
        with loader._lock:
            if len(loader._done) == 20:
                break
        time.sleep(0.01)
    qtbot.waitUntil(lambda: loader.pending == 0, timeout=5000)
    assert len(ready) == 16 == len(set(ready))
    assert all(loader.pixmap(k) is not None for k in ready)
    pools.shutdown()
