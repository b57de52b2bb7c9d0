"""Thumbnail benchmark: leodesk's thumbnail path end to end against Pillow's own fast path.

Sources are the simulator's pictures (``leodesk.sim.images.render``, what the gallery downloads
from it) at the sizes Leonardo makes: JPEG at 1024², 832×1216, 1216×832, 1472×832 and 2048²
(an upscale), PNG at 1024² and 832×1216 (half of them with transparency, as a background
removal gives), written as files like the image store's.

* leodesk: a ``ThumbnailLoader`` on the app's real ``Pools`` (its ``thumbs`` pool, as wide as the
  app makes it) and a fresh ``ThumbCache``: every image requested at once, timed until the last
  ``ready`` signal: decode + resize + cache write (256 px JPEG) + the picture at the drawn size
  (164 px) + QImage/QPixmap, as the gallery meets it. Meanwhile a 5 ms timer on the GUI thread
  records its longest gap (the GUI must not starve).
* floor: Pillow alone, ``Image.open`` + ``draft("RGB", (256, 256))`` + ``thumbnail((256, 256))``
  + ``save(JPEG, quality=85)`` to a file, in a ``multiprocessing.pool.ThreadPool`` of the same
  width (Pillow releases the GIL, so threads scale like processes here).
* floor (nice): the same floor with its threads at the priority leodesk's workers take (they
  yield the CPU to the GUI thread; on a machine busy with other work that also costs them);
* single thread: ``ThumbCache.make_picture`` in a loop against the floor in a loop (the core
  path without Qt and without the pool).

Each figure is the median of ``--rounds`` rounds, leodesk and floor interleaved, a fresh cache
each round; the ratio is the median of the rounds' own ratios (each round's two runs met the
same load on the machine). The 1-minute load average is printed: on a shared machine, read the
figures with it. Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/thumbs.py``.
Writes artifacts/bench/thumbs.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

JPEG_SIZES = ((1024, 1024), (832, 1216), (1216, 832), (1472, 832), (1024, 1024), (2048, 2048))
PNG_SIZES = ((1024, 1024), (832, 1216))
SIZE = 256  # the cached thumbnail (longest edge)
DISPLAY = 164  # the gallery's default tile


def make_sources(folder: Path, jpegs: int, pngs: int) -> dict[str, list[Path]]:
    from leodesk.sim import images

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {"jpeg": [], "png": []}
    for n in range(jpegs):
        path = folder / f"j{n:03d}.jpg"
        if not path.exists():
            w, h = JPEG_SIZES[n % len(JPEG_SIZES)]
            path.write_bytes(images.render(f"bench-thumb-{n}", w, h, label=f"#{n}"))
        out["jpeg"].append(path)
    for n in range(pngs):
        path = folder / f"p{n:03d}.png"
        if not path.exists():
            w, h = PNG_SIZES[n % len(PNG_SIZES)]
            path.write_bytes(
                images.render(f"bench-png-{n}", w, h, fmt="PNG", transparent=n % 2 == 0)
            )
        out["png"].append(path)
    return out


def _floor_one(args: tuple[Path, Path]) -> None:
    from PIL import Image

    src, dest = args
    with Image.open(src) as im:
        im.draft("RGB", (SIZE, SIZE))
        im.thumbnail((SIZE, SIZE))
        if im.mode not in ("RGB", "L"):
            im = im.convert("RGB")
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=85)
    dest.write_bytes(buffer.getvalue())


def _nice(level: int) -> None:
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), level)


def floor_pool(files: list[Path], width: int, out: Path, nice: int = 0) -> float:
    """Images/s of the floor; ``nice``: the threads' priority (leodesk's workers run at
    ``leodesk.qt.thumbnails._NICE`` so the GUI thread comes first)."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(f, out / f"{f.stem}.jpg") for f in files]
    with ThreadPool(width, initializer=_nice if nice else None, initargs=(nice,)) as pool:
        start = time.perf_counter()
        pool.map(_floor_one, jobs, chunksize=1)
        took = time.perf_counter() - start
    return len(files) / took


def leodesk_pool(app: Any, files: list[Path], cache_dir: Path) -> tuple[float, float, int]:
    """(images/s, longest GUI-thread gap in ms, pool width)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from leodesk.app import SWITCH_INTERVAL_S
    from leodesk.core.thumbs import ThumbCache
    from leodesk.qt.thumbnails import ThumbnailLoader, key_for
    from leodesk.qt.workers import Pools

    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the app runs
    pools = Pools(network_threads=1)
    width = pools.thumbs.maxThreadCount()
    loader = ThumbnailLoader(
        pools, ThumbCache(cache_dir), fetch=lambda url: b"", size=SIZE, memory_items=4096
    )
    loader.set_display(DISPLAY)
    done: list[str] = []
    loop = QEventLoop()

    def arrived(key: str) -> None:
        done.append(key)
        if len(done) == len(files):
            loop.quit()

    loader.ready.connect(arrived)
    loader.failed.connect(arrived)
    gaps: list[float] = []
    clock = QElapsedTimer()
    beat = QTimer()
    beat.setInterval(5)

    def tick() -> None:
        gaps.append(clock.restart())

    beat.timeout.connect(tick)
    # Warm the pool's threads (the app's pool is long-lived) without timing them.
    for k in range(width):
        pools.submit(lambda token: None, pool="thumbs", name=f"warm-{k}")
    pools.thumbs.waitForDone(2000)
    app.processEvents()
    beat.start()
    clock.start()
    start = time.perf_counter()
    for n, path in enumerate(files):
        loader.request(key_for("bench", f"{cache_dir}:{n}"), path=path)
    QTimer.singleShot(120_000, loop.quit)  # a bound, should a thumbnail never come
    loop.exec()
    took = time.perf_counter() - start
    beat.stop()
    failed = [k for k in done if loader.is_failed(k)]
    pools.shutdown()
    if len(done) < len(files):
        raise SystemExit("thumbnails did not all arrive within two minutes")
    if failed:
        raise SystemExit(f"{len(failed)} thumbnails failed")
    return len(files) / took, max(gaps[1:], default=0.0), width


def single(files: list[Path], cache_dir: Path, floor_dir: Path) -> tuple[float, float]:
    from leodesk.core.thumbs import ThumbCache
    from leodesk.qt.thumbnails import key_for

    cache = ThumbCache(cache_dir)
    start = time.perf_counter()
    for n, path in enumerate(files):
        cache.make_picture(key_for("single", str(n)), SIZE, DISPLAY, source_path=path)
    ours = len(files) / (time.perf_counter() - start)
    floor_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for f in files:
        _floor_one((f, floor_dir / f"{f.stem}.jpg"))
    return ours, len(files) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpegs", type=int, default=120)
    parser.add_argument("--pngs", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    sources = make_sources(
        Path(tempfile.gettempdir()) / "leodesk-bench-thumb-src", args.jpegs, args.pngs
    )
    work = Path(tempfile.mkdtemp(prefix="leodesk-bench-thumbs-"))
    from leodesk.qt.thumbnails import _NICE as nice

    report: dict[str, Any] = {"cpus": os.cpu_count(), "worker_nice": nice}
    try:
        for fmt, files in sources.items():
            ours, floor, gaps, single_ours, single_floor = [], [], [], [], []
            ratios: list[float] = []  # per round: ours and floor met the same machine load
            floor_nice: list[float] = []
            ratios_nice: list[float] = []
            width = 0
            for r in range(args.rounds):
                rate, gap, width = leodesk_pool(app, files, work / f"{fmt}-ours-{r}")
                ours.append(rate)
                gaps.append(gap)
                floor.append(floor_pool(files, width, work / f"{fmt}-floor-{r}"))
                ratios.append(ours[-1] / floor[-1])
                floor_nice.append(floor_pool(files, width, work / f"{fmt}-fn-{r}", nice))
                ratios_nice.append(ours[-1] / floor_nice[-1])
                s_ours, s_floor = single(files, work / f"{fmt}-s-{r}", work / f"{fmt}-sf-{r}")
                single_ours.append(s_ours)
                single_floor.append(s_floor)
            report[fmt] = {
                "images": len(files),
                "pool_width": width,
                "leodesk_per_s": statistics.median(ours),
                "floor_per_s": statistics.median(floor),
                "ratio": statistics.median(ratios),
                "floor_same_priority_per_s": statistics.median(floor_nice),
                "ratio_same_priority": statistics.median(ratios_nice),
                "load_average": os.getloadavg()[0],
                "gui_longest_gap_ms": statistics.median(gaps),
                "single_leodesk_per_s": statistics.median(single_ours),
                "single_floor_per_s": statistics.median(single_floor),
                "single_ratio": statistics.median(single_ours) / statistics.median(single_floor),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{'source':<6} {'width':>5} {'leodesk/s':>10} {'floor/s':>9} {'ratio':>6} "
        f"{'floor(nice)':>12} {'ratio':>6} {'GUI gap':>8} {'1-thread':>9} {'floor':>7} {'ratio':>6}"
    )
    for fmt in ("jpeg", "png"):
        r = report[fmt]
        print(
            f"{fmt:<6} {r['pool_width']:>5} {r['leodesk_per_s']:>10.0f} {r['floor_per_s']:>9.0f} "
            f"{r['ratio']:>5.0%} {r['floor_same_priority_per_s']:>12.0f} "
            f"{r['ratio_same_priority']:>5.0%} {r['gui_longest_gap_ms']:>6.0f}ms "
            f"{r['single_leodesk_per_s']:>9.0f} {r['single_floor_per_s']:>7.0f} "
            f"{r['single_ratio']:>5.0%}"
        )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    out = REPO / "artifacts" / "bench" / "thumbs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
