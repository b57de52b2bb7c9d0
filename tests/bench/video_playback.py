"""Video playback benchmark: a 1080p 24 fps H.264 clip of 10 s, encoded in the run, played by the
app's player in a window on a real X server (Xvfb).

Reported, for the player at two window sizes (the clip scaled to fit a 1280 × 800 window, and
shown at its full 1920 × 1080 size):
* start time: ``open()`` → the first frame painted on screen (also in a fresh process, where
  the first video loads FFmpeg);
* frame pacing over the whole clip: intervals between frames painted (median, p99, max), frames
  dropped by the player (shown only when late), frames painted (target: every one of the 240,
  no drops);

beside floors from the same run:
* bare PyAV: decoding the clip without display (frames per second), and decoding plus converting
  to the painter's RGB32 format (at the clip's size and at the window's);
* a bare QWidget painting pre-decoded frames on a 24 fps precise timer (the best pacing this
  display gives).

Run: ``.venv/bin/python tests/bench/video_playback.py [--seconds 10] [--shots DIR]`` (starts its
own Xvfb; ``--shots`` also saves screenshots of the player).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.xserver import xvfb  # noqa: E402

FPS = 24
SIZES = {"fit": (1280, 800), "full": (1920, 1160)}  # "full": the picture is 1920 × 1080


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def encode_clip(path: Path, seconds: int, size: str = "1920x1080") -> int:
    """FFmpeg's moving test pattern (testsrc2) as H.264 (x264 veryfast, keyframe every 2 s)."""
    import av

    graph = av.filter.Graph()
    source = graph.add("testsrc2", f"size={size}:rate={FPS}:duration={seconds}")
    fmt = graph.add("format", "yuv420p")
    sink = graph.add("buffersink")
    source.link_to(fmt)
    fmt.link_to(sink)
    graph.configure()
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=FPS)
    stream.width, stream.height = (int(v) for v in size.split("x"))
    stream.pix_fmt = "yuv420p"
    stream.options = {"preset": "veryfast", "g": str(2 * FPS)}
    count = 0
    while True:
        try:
            frame = sink.pull()
        except (av.error.EOFError, av.error.BlockingIOError):
            break
        frame.pts = None
        for packet in stream.encode(frame):
            container.mux(packet)
        count += 1
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return count


def decode_floor(path: Path, size: tuple[int, int] | None) -> float:
    """Frames per second: PyAV decoding the clip (and converting to RGB32 when ``size``)."""
    import av

    from leodesk.qt.video import to_qimage

    container = av.open(str(path))
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    start = time.perf_counter()
    count = 0
    for frame in container.decode(stream):
        if size is not None:
            to_qimage(frame, size)
        count += 1
    elapsed = time.perf_counter() - start
    container.close()
    return count / elapsed


def _spin(app: Any, until: Any, timeout: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout
    while not until() and time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def paint_floor(app: Any, path: Path, seconds: float) -> list[float]:
    """Intervals (ms) of a bare widget painting pre-decoded frames at 24 fps."""
    import av
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QWidget

    from leodesk.qt.video import to_qimage

    container = av.open(str(path))
    images = []
    for frame in container.decode(video=0):
        images.append(to_qimage(frame, (1280, 720)))
        if len(images) == FPS:
            break
    container.close()
    stamps: list[float] = []

    class Bare(QWidget):
        n = 0

        def paintEvent(self, event: Any) -> None:
            painter = QPainter(self)
            painter.drawImage(0, 0, images[self.n % len(images)])
            painter.end()
            stamps.append(time.perf_counter())

    widget = Bare()
    widget.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    widget.resize(1280, 720)
    widget.show()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)

    def tick() -> None:
        widget.n += 1
        widget.update()

    timer.timeout.connect(tick)
    timer.start(round(1000 / FPS))
    _spin(app, lambda: False, seconds)
    timer.stop()
    widget.close()
    return [(b - a) * 1000 for a, b in pairwise(stamps[1:])]


def play(app: Any, path: Path, size: tuple[int, int], seconds: float, shots: str) -> dict[str, Any]:
    """The player in a window: start time and paint intervals over the whole clip."""
    from leodesk.ui.video_player import VideoWindow

    window = VideoWindow()
    window.resize(*size)
    window.show()
    _spin(app, window.isVisible, 5)
    _spin(app, lambda: False, 0.3)
    painted: list[tuple[int, float]] = []
    pb = window.player.playback
    depth: list[int] = []  # frames decoded ahead when one is painted

    def on_paint(frame: Any) -> None:
        painted.append((frame.index, time.perf_counter()))
        depth.append(pb.decoder.queued())

    window.player.surface.painted.connect(on_paint)
    start = time.perf_counter()
    window.open(path)
    _spin(app, lambda: bool(painted), 10)
    first = (painted[0][1] - start) * 1000 if painted else float("nan")
    _spin(app, lambda: not pb.playing and pb.current is not None, seconds + 10)
    played = list(painted)  # what the shots paint is not counted
    if shots:
        pb.seek_frame(60)
        _spin(app, lambda: pb.current is not None and pb.current.index == 60, 5)
        _spin(app, lambda: False, 0.2)
        window.grab().save(str(Path(shots) / f"player-{size[0]}x{size[1]}.png"))
    surface = window.player.surface.size()
    window.close()
    unique = []
    for index, stamp in played:  # a frame repainted (an expose) counts once
        if not unique or unique[-1][0] != index:
            unique.append((index, stamp))
    intervals = [(b[1] - a[1]) * 1000 for a, b in pairwise(unique)]
    indices = [i for i, _ in unique]
    return {
        "first_ms": first,
        "intervals": intervals,
        "dropped": pb.dropped,
        "painted": len(unique),
        "in_order": indices == sorted(indices),
        "picture": [surface.width(), surface.height()],
        "decoded": pb.decoder.decoded,
        "depth_min": min(depth[5:-30] or [0]),
        "depth_limit": pb.decoder._q.limit,
        "depth_median": statistics.median(depth or [0]),
    }


def child(seconds: int, shots: str, folder: Path) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    clip = folder / "clip-1080p.mp4"
    began = time.perf_counter()
    frames = encode_clip(clip, seconds)
    out: dict[str, Any] = {"frames": frames, "encode_s": time.perf_counter() - began}
    out["decode_fps"] = decode_floor(clip, None)
    out["convert_full_fps"] = decode_floor(clip, (1920, 1080))
    out["convert_fit_fps"] = decode_floor(clip, (1280, 720))
    out["paint_floor"] = paint_floor(app, clip, min(seconds, 10))
    for name, size in SIZES.items():
        out[name] = play(app, clip, size, seconds, shots)
    _done(out)


def cold(folder: Path) -> None:
    """A fresh process: the player's first video, FFmpeg not loaded yet (``import av`` is part
    of the time, as for a user's first video in a session)."""
    from PySide6.QtWidgets import QApplication

    from leodesk.ui.video_player import VideoWindow

    app = QApplication.instance() or QApplication([])
    assert "av" not in sys.modules
    window = VideoWindow()
    window.resize(*SIZES["fit"])
    window.show()
    _spin(app, window.isVisible, 5)
    _spin(app, lambda: False, 0.3)
    painted: list[float] = []
    window.player.surface.painted.connect(lambda f: painted.append(time.perf_counter()))
    start = time.perf_counter()
    window.open(folder / "clip-1080p.mp4")
    _spin(app, lambda: bool(painted), 10)
    _done({"cold_first_ms": (painted[0] - start) * 1000 if painted else float("nan")})


def _done(out: dict[str, Any]) -> None:
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # before the X server goes away


def report(out: dict[str, Any]) -> None:
    print(
        f"clip: {out['frames']} frames of 1920×1080 H.264 at {FPS} fps "
        f"(encoded in {out['encode_s']:.1f} s)\n"
        f"floor: PyAV decode only {out['decode_fps']:6.1f} fps; decode + RGB32 1920×1080 "
        f"{out['convert_full_fps']:6.1f} fps; decode + RGB32 1280×720 "
        f"{out['convert_fit_fps']:6.1f} fps"
    )
    print(
        f"first video of a session (loads FFmpeg): open → first frame {out['cold_first_ms']:.1f} ms"
    )
    f = out["paint_floor"]
    print(
        f"floor: bare QWidget painting pre-decoded 1280×720 frames at {FPS} fps: interval median "
        f"{statistics.median(f):6.2f} ms  p99 {_pct(f, 0.99):6.2f}  max {max(f):6.2f}"
    )
    for name in SIZES:
        r = out[name]
        i = r["intervals"]
        w, h = r["picture"]
        print(
            f"player ({name}, picture area {w}×{h}): open → first frame {r['first_ms']:6.1f} ms\n"
            f"  interval median {statistics.median(i):6.2f} ms  p99 {_pct(i, 0.99):6.2f}  "
            f"max {max(i):6.2f} (target {1000 / FPS:.2f})\n"
            f"  painted {r['painted']}/{out['frames']}  dropped {r['dropped']} (target 0)  "
            f"in order {r['in_order']}\n"
            f"  read-ahead when painting: median {r['depth_median']} frames, "
            f"least {r['depth_min']} (of {r['depth_limit']})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--shots", default="")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--cold", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.seconds, args.shots, Path(args.child))
        return
    if args.cold:
        cold(Path(args.cold))
        return
    with tempfile.TemporaryDirectory() as tmp, xvfb("1920x1200x24") as display:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        argv = [sys.executable, __file__, "--child", tmp, "--seconds", str(args.seconds)]
        if args.shots:
            argv += ["--shots", str(Path(args.shots).resolve())]
        out = _run(argv, env)
        out.update(_run([sys.executable, __file__, "--cold", tmp], env))
    report(out)


def _run(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    r = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"{argv[2:]} failed ({r.returncode}): {r.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    main()
