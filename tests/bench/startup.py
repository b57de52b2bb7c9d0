"""Start-up benchmark: process start → main window painted, offscreen, median of N runs.

Compared with a bare QMainWindow measured in the same run (the floor). Prints the figures and the
ratio. Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/startup.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class F(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint:
            print(f"leodesk-first-paint {time.time():.6f}", flush=True)
            o.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1400, 860)
f = F(w); w.installEventFilter(f); w.show()
app.exec()
"""


def once(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("leodesk-first-paint "):
            return (float(line.split()[1]) - t0) * 1000
    raise RuntimeError(f"no paint reported: {out.stdout}\n{out.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="leodesk-bench-")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        LEODESK_HOME=home,
        LEODESK_EXIT_AFTER_PAINT="1",
        LEONARDO_API_KEY="bench-key",
        LEODESK_API_URL="http://127.0.0.1:9",
    )
    cases = {
        "bare QMainWindow": [sys.executable, "-c", BARE],
        "leodesk": [sys.executable, "-m", "leodesk"],
        "leodesk --demo": [sys.executable, "-m", "leodesk", "--demo"],
    }
    for cmd in cases.values():  # warm the page cache once
        once(cmd, env)
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():  # interleaved, so machine noise hits all alike
            results[name].append(once(cmd, env))
    floor = statistics.median(results["bare QMainWindow"])
    print(f"start-up to first paint, offscreen, median of {args.runs} (min–max):")
    for name, values in results.items():
        med = statistics.median(values)
        print(
            f"  {name:<18} {med:7.1f} ms  ({min(values):.1f}–{max(values):.1f})"
            f"  ratio {med / floor:.2f}×"
        )


if __name__ == "__main__":
    main()
