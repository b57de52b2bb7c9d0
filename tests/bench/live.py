"""Live (realtime LCM) benchmark: the whole app under Xvfb, a canvas in live mode, an artist
painting fast for a while, the simulator in its own process answering over real HTTP.

Measured as a user meets it: the main window and its launcher on the simulator (as
``leodesk --demo``), a 1024 × 1024 canvas, a colour brush moved by real mouse events (one move
every 8 ms, strokes of 60 moves with short pauses between them), the live input throttled by the
window and scheduled by the live session (one request in flight, the newest input wins).

Reported:
* requests sent per second, inputs dropped as stale (replaced before they were sent), results
  shown, answers that came back stale (target 0), whether the shown revisions only ever increase;
* the overhead from the moment the API's answer arrived (the HTTP response read by the worker)
  to the moment the live pane starts painting it (median and max; target median ≤ 50 ms), beside
  a floor from the same run: decoding the same answer's JPEG into a QImage (the work that must
  happen before it can be shown).

Run: ``.venv/bin/python tests/bench/live.py [--seconds 10] [--latency 0.15]`` (starts its own Xvfb
and simulator).
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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.xserver import xvfb  # noqa: E402

KEY = "bench-live-key"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(base_url: str, seconds: float) -> dict[str, Any]:
    from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit

    from leodesk.app import Launcher
    from leodesk.core import paths
    from leodesk.qt.imaging import decode
    from leodesk.runtime import Runtime
    from leodesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    runtime = Runtime(paths=paths.resolve().ensure(), base_url=base_url, demo=True, demo_key=KEY)
    window = MainWindow(demo=True)
    launcher = Launcher(window, demo=True, runtime=runtime)
    window.show()
    launcher.start()
    _until(app, lambda: window.ctx is not None, 20)
    canvas = window.canvas_link.open_canvas()
    canvas.resize(1400, 860)
    canvas.new_blank(1024, 1024)
    binding = window.canvas_link.canvases[-1][1]
    live = binding.session.live
    canvas.findChild(QLineEdit, "canvasPromptEdit").setText("a lighthouse on a cliff")
    canvas.findChild(QObject, "colourBrushTool").click()
    pane = canvas.findChild(QObject, "liveResultView")
    shown_revisions: list[int] = []
    overhead: list[float] = []
    floor: list[float] = []
    pending: list[Any] = []
    datas: list[bytes] = []

    class PaintWatch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and pending:
                answer = pending.pop()
                pending.clear()
                overhead.append((time.perf_counter() - answer.answered_at) * 1000)
            return False

    watch = PaintWatch()
    pane.installEventFilter(watch)

    def answered(answer: Any) -> None:
        shown_revisions.append(answer.input.revision)
        pending.append(answer)
        datas.append(answer.data)

    live.answered.connect(answered)
    canvas.panel.live_toggle.click()
    _until(app, lambda: live.stats.shown >= 1, 20)
    view = canvas.view
    w, h = view.width(), view.height()
    start = time.perf_counter()
    k = 0
    while time.perf_counter() - start < seconds:
        y = 40 + (k * 37) % (h - 80)
        a = QPoint(40, y)
        QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(60):
            p = QPointF(40 + (w - 80) * i / 59, y + 30 * ((i % 10) / 10)).toPoint()
            QTest.mouseMove(view, p)
            _pump(app, 0.008)
        QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
        _pump(app, 0.05)
        k += 1
    painted = time.perf_counter() - start
    last = canvas.doc.revision
    _until(app, lambda: not live.in_flight and shown_revisions[-1:] == [last], 20)
    for data in datas:  # the floor: decoding each answer, alone, after the run
        t0 = time.perf_counter()
        decode(data)
        floor.append((time.perf_counter() - t0) * 1000)
    stats = live.stats
    result = {
        "seconds": painted,
        "strokes": k,
        "sent": stats.sent,
        "superseded": stats.superseded,
        "shown": stats.shown,
        "stale": stats.stale,
        "failed": stats.failed,
        "in_order": shown_revisions == sorted(shown_revisions),
        "newest_shown": shown_revisions[-1] == last,
        "overhead": overhead,
        "floor": floor,
    }
    canvas.panel.live_toggle.click()
    canvas.close()
    launcher.shutdown()
    return result


def _pump(app: Any, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def _until(app: Any, predicate: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit("timed out waiting")
        _pump(app, 0.01)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--latency", type=float, default=0.15, help="the simulator's LCM latency")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.seconds)))
        return
    sim = subprocess.Popen(
        [
            *(sys.executable, "-m", "leodesk.sim", "--port", "0", "--api-key", KEY),
            *("--lcm-latency", str(args.latency), "--rate-limit", "1000"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    try:
        assert sim.stdout is not None
        line = sim.stdout.readline()
        url = next((w for w in line.split() if w.startswith("http://")), "").rstrip("/.,")
        if not url:
            raise SystemExit(f"the simulator did not start: {line}")
        home = tempfile.mkdtemp(prefix="leodesk-live-")
        with xvfb() as display:
            env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", LEODESK_HOME=home)
            r = subprocess.run(
                [sys.executable, __file__, "--child", url, "--seconds", str(args.seconds)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
    finally:
        sim.terminate()
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    report(json.loads(r.stdout.strip().splitlines()[-1]), args.latency)


def report(out: dict[str, Any], latency: float) -> None:
    s = out["seconds"]
    print(
        f"painted {s:.1f} s ({out['strokes']} strokes), simulator LCM latency {latency:.2f} s\n"
        f"  requests sent      {out['sent']:5d}  ({out['sent'] / s:.2f}/s)\n"
        f"  inputs superseded  {out['superseded']:5d}  (dropped before sending, never queued)\n"
        f"  results shown      {out['shown']:5d}\n"
        f"  stale answers      {out['stale']:5d}  (target 0)   failed {out['failed']}\n"
        f"  shown in order     {out['in_order']}   newest input shown at the end "
        f"{out['newest_shown']}"
    )
    o, f = out["overhead"], out["floor"]
    print(
        f"  answer → on screen  median {statistics.median(o):6.2f} ms  p90 {_pct(o, 0.9):6.2f}  "
        f"max {max(o):6.2f}  (n {len(o)}; target median ≤ 50 ms)\n"
        f"  floor: JPEG → QImage median {statistics.median(f):6.2f} ms  max {max(f):6.2f}"
    )


if __name__ == "__main__":
    main()
