"""Start-up benchmark on a real X server (Xvfb): what a user waits for, median of N runs.

Each run starts a fresh process and measures from the moment it is spawned:

* **first window**: the main window's first paint; floor: a bare QMainWindow process;
* **usable**: the gallery painted with rows of the library (100,000 generations, see
  tests/bench/gallery.py) and the prompt field there to type in; floor: a bare process that
  shows a QListView over a plain 100,000-row model (PySide6 only);
* **longest GUI-thread block** from the first paint until 3 s after the window became usable
  (the deferred work must not freeze a window the user is already typing in): a 2 ms precise
  timer on the GUI thread, each figure the time it fired late. The floors run the same monitor.

The app talks to a simulator started for the run (account, models), with the account's key in
a keychain of the run's own (a D-Bus session with gnome-keyring: tests/bench/keychain.py), read
at every start as on a user's desktop.
Run: ``.venv/bin/python tests/bench/startup.py [--runs 5] [--keep DIR]`` (``--keep``: the
gallery benchmark's library folder, built there when missing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gallery import SIM_KEY, ensure_library, start_sim, stop_sim  # noqa: E402
from keychain import keychain  # noqa: E402
from xserver import xvfb  # noqa: E402

# The monitor every measured process runs first (PySide6 only): it reports the first paint of a
# main window, the first paint of a list viewport with rows (and a prompt field, when the
# process has one: "promptEdit"), and the event loop's lateness, then quits 3 s after usable.
# It hooks QWidget.show to watch the window (and the list) it shows, nothing else.
MONITOR = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMainWindow, QWidget
WANT_PROMPT = WANT_PROMPT_VALUE
app = QApplication.instance() or QApplication(sys.argv)
VIEWS = ("galleryView", "floorView")

class Monitor(QObject):
    # Filters only the shown window and the list's viewport (not every event of the app, which
    # would make each event wait for Python, and for the lock of any thread running Python).
    def __init__(self):
        super().__init__()
        self.window = None
        self.usable = None
        self.view = None
        self.blocks = []  # (lateness ms, since first paint ms)
        self.last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.timer.timeout.connect(self.beat)
        self.timer.start()

    def shown(self, widget):
        if self.window is None and isinstance(widget, QMainWindow):
            widget.installEventFilter(self)
            for name in VIEWS:  # a list already in the window
                view = widget.findChild(QAbstractItemView, name)
                if view is not None:
                    self.watch(view)
        elif isinstance(widget, QAbstractItemView) and widget.objectName() in VIEWS:
            self.watch(widget)

    def watch(self, view):
        if self.view is None:
            self.view = view
            view.viewport().installEventFilter(self)

    def beat(self):
        now = time.perf_counter()
        if self.window is not None and self.last is not None:
            self.blocks.append(((now - self.last) * 1000 - 2, (now - self.t_window) * 1000))
        self.last = now
        if self.window is not None and self.view is None:
            for w in app.topLevelWidgets():
                for name in VIEWS:
                    view = w.findChild(QAbstractItemView, name)
                    if view is not None:
                        self.watch(view)
        if self.usable is not None and now - self.t_usable > 3.0:
            self.report()

    def eventFilter(self, o, e):
        if e.type() != QEvent.Type.Paint:
            return False
        if self.window is None and isinstance(o, QMainWindow):
            self.window = time.time()
            self.t_window = time.perf_counter()
            self.last = self.t_window
        elif self.usable is None and self.view is not None and o is self.view.viewport():
            model = self.view.model()
            prompt = self.view.window().findChild(QWidget, "promptEdit")
            if model is not None and model.rowCount() > 0 and (
                not WANT_PROMPT or (prompt is not None and prompt.isVisible())
            ):
                self.usable = time.time()
                self.t_usable = time.perf_counter()
                if self.window is None:
                    self.window = self.usable
                    self.t_window = self.t_usable
                    self.last = self.t_usable
        return False

    def report(self):
        self.timer.stop()
        worst = sorted(self.blocks, reverse=True)[:5]
        over = sum(1 for b, _t in self.blocks if b > 30)
        print(f"bench-window {self.window:.6f}", flush=True)
        print(f"bench-usable {self.usable:.6f}", flush=True)
        print("bench-blocks " + " ".join(f"{b:.1f}@{t:.0f}" for b, t in worst), flush=True)
        print(f"bench-over30 {over}", flush=True)
        app.closeAllWindows()
        QTimer.singleShot(0, app.quit)

MON = Monitor()
_show = QWidget.show

def _shown(self):
    MON.shown(self)
    _show(self)

QWidget.show = _shown
"""

BARE_WINDOW = """
from PySide6.QtWidgets import QMainWindow, QListView
from PySide6.QtCore import QAbstractListModel, QModelIndex
class One(QAbstractListModel):
    def rowCount(self, parent=QModelIndex()):
        return 1
    def data(self, index, role=0):
        return None
w = QMainWindow(); w.resize(1400, 860)
v = QListView(); v.setObjectName("floorView"); v.setModel(One()); w.setCentralWidget(v)
w.show()
app.exec()
"""

BARE_LIST = """
from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QListView
ROWS = int(sys.argv[1])
pm = QPixmap(164, 164); pm.fill(QColor(60, 60, 64))
class Plain(QAbstractListModel):
    def rowCount(self, parent=QModelIndex()):
        return ROWS
    def data(self, index, role=0):
        return pm if role == Qt.ItemDataRole.DecorationRole else None
v = QListView(); v.setObjectName("floorView")
v.setViewMode(QListView.ViewMode.IconMode); v.setUniformItemSizes(True)
v.setLayoutMode(QListView.LayoutMode.Batched); v.setBatchSize(1000)
v.setGridSize(QSize(176, 176)); v.setModel(Plain()); v.resize(1400, 860); v.show()
app.exec()
"""

# The app as the ``leodesk`` command starts it (its entry point, as installed by pip).
APP = """
from leodesk.__main__ import main
sys.exit(main([]))
"""


def once(code: str, env: dict[str, str], args: list[str]) -> dict[str, float]:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )
    got: dict[str, float] = {}
    for line in out.stdout.splitlines():
        if line.startswith("bench-window "):
            got["window_ms"] = (float(line.split()[1]) - t0) * 1000
        elif line.startswith("bench-usable "):
            got["usable_ms"] = (float(line.split()[1]) - t0) * 1000
        elif line.startswith("bench-blocks"):
            parts = line.split()[1:]
            got["block_ms"] = float(parts[0].split("@")[0]) if parts else 0.0
            got["blocks"] = " ".join(parts)  # type: ignore[assignment]
        elif line.startswith("bench-over30 "):
            got["over30"] = float(line.split()[1])
    if "usable_ms" not in got:
        raise RuntimeError(f"no figures reported:\n{out.stdout}\n{out.stderr[-3000:]}")
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--generations", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="the library folder (built when missing)")
    args = ap.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="leodesk-bench-"))
    sim, base_url = start_sim()
    try:
        ensure_library(home, args.generations, base_url)
        import sqlite3

        conn = sqlite3.connect(home / "data" / "library.sqlite3")
        rows = int(conn.execute("SELECT COUNT(*) FROM images").fetchone()[0])
        conn.close()
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="xcb",
            LEODESK_HOME=str(home),
            LEODESK_API_URL=base_url,
            PYTHONPATH=str(HERE.parents[1]),
        )
        env.pop("LEODESK_EXIT_AFTER_PAINT", None)
        env.pop("LEONARDO_API_KEY", None)  # the key comes from the keychain, as a user's does
        # An installed app runs from compiled bytecode: let the warm-up run write it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cases = {
            "bare QMainWindow": (MONITOR.replace("WANT_PROMPT_VALUE", "False") + BARE_WINDOW, []),
            "bare 100k QListView": (
                MONITOR.replace("WANT_PROMPT_VALUE", "False") + BARE_LIST,
                [str(rows)],
            ),
            "leodesk": (MONITOR.replace("WANT_PROMPT_VALUE", "True") + APP, []),
        }
        results: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
        with xvfb() as display, keychain(home, SIM_KEY, env["PYTHONPATH"]) as bus:
            env.update(bus)
            env["DISPLAY"] = display
            for code, argv in cases.values():  # warm the page cache once
                once(code, env, argv)
            for _ in range(args.runs):
                for name, (code, argv) in cases.items():  # interleaved: noise hits all alike
                    results[name].append(once(code, env, argv))
        shutil.rmtree(home / "cache" / "thumbs", ignore_errors=True)
    finally:
        stop_sim(sim)

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    def span(name: str, key: str) -> str:
        values = [r[key] for r in results[name]]
        return f"{min(values):.0f}–{max(values):.0f}"

    print(f"start-up on Xvfb, {rows:,}-image library, median of {args.runs} runs (min–max):")
    w, fw = med("leodesk", "window_ms"), med("bare QMainWindow", "window_ms")
    print(
        f"  first window   leodesk {w:6.0f} ms ({span('leodesk', 'window_ms')})   floor bare "
        f"QMainWindow {fw:6.0f} ms   {w / fw:.2f}×   target ≤ 1.2×"
    )
    u, fu = med("leodesk", "usable_ms"), med("bare 100k QListView", "usable_ms")
    print(
        f"  usable         leodesk {u:6.0f} ms ({span('leodesk', 'usable_ms')})   floor bare "
        f"100k QListView {fu:6.0f} ms   {u / fu:.2f}×   target ≤ 1.5×"
    )
    for name in cases:
        print(
            f"  longest GUI block, {name:<20} {med(name, 'block_ms'):6.1f} ms "
            f"({span(name, 'block_ms')}); blocks > 30 ms per run: {med(name, 'over30'):.0f}"
        )
    print("  leodesk's five longest blocks per run (ms@ms after the first paint):")
    for r in results["leodesk"]:
        print(f"    {r['blocks']}")


if __name__ == "__main__":
    main()
