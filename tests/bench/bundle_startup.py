"""Bundle start-up benchmark: process start → main window painted, on a real X server (Xvfb),
the PyInstaller bundle (dist/leodesk, from packaging/bundle.sh) against the venv, median of N.

The floor is the same app started from the venv (``python -m leodesk``), measured in the same run
and interleaved with the bundle so machine noise hits both alike; the target is the bundle within
1.3× of it. The app reports its first paint itself (``LEODESK_EXIT_AFTER_PAINT``, see
leodesk/app.py) and quits. Run:

    .venv/bin/python tests/bench/bundle_startup.py [--runs 15] [--bundle dist/leodesk]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.xserver import xvfb  # noqa: E402

TARGET = 1.3


def once(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    for line in out.stdout.splitlines():
        if line.startswith("leodesk-first-paint "):
            return (float(line.split()[1]) - t0) * 1000
    raise RuntimeError(f"no paint reported by {cmd}: {out.stdout}\n{out.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--bundle", type=Path, default=ROOT / "dist" / "leodesk")
    args = ap.parse_args()
    exe = args.bundle / "leodesk"
    if not os.access(exe, os.X_OK):
        raise SystemExit(f"no bundle at {args.bundle} (run ./packaging/bundle.sh)")
    home = tempfile.mkdtemp(prefix="leodesk-bench-")
    with xvfb() as display:
        env = dict(
            os.environ,
            DISPLAY=display,
            LEODESK_HOME=home,
            LEODESK_EXIT_AFTER_PAINT="1",
            PYTHONPATH=str(ROOT),  # the venv runs this checkout's code
        )
        env.pop("QT_QPA_PLATFORM", None)  # xcb: the X server, as a user's desktop
        env.pop("WAYLAND_DISPLAY", None)
        cases = {
            "venv (floor)": [sys.executable, "-m", "leodesk", "--demo"],
            "bundle": [str(exe), "--demo"],
        }
        for cmd in cases.values():  # warm the page cache once
            once(cmd, env)
        results: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():  # interleaved
                results[name].append(once(cmd, env))
    floor = statistics.median(results["venv (floor)"])
    print(f"start-up to first paint, Xvfb, leodesk --demo, median of {args.runs} (min–max):")
    for name, values in results.items():
        med = statistics.median(values)
        print(
            f"  {name:<13} {med:7.1f} ms  ({min(values):.1f}–{max(values):.1f})"
            f"  ratio {med / floor:.2f}×"
        )
    ratio = statistics.median(results["bundle"]) / floor
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"bundle / venv: {ratio:.2f}× (target ≤ {TARGET}×): {verdict}")


if __name__ == "__main__":
    main()
