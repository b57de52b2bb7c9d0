"""A private X server (Xvfb) for the benchmarks that must paint on a real display."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_display() -> int:
    for n in range(120, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@contextmanager
def xvfb(screen: str = "1600x1000x24") -> Iterator[str]:
    """Start Xvfb on a free display; yields its name (":N"), stops it at the end."""
    exe = shutil.which("Xvfb")
    if exe is None:
        raise SystemExit("Xvfb is not installed (./packaging/dev.sh test installs it)")
    display = _free_display()
    server = subprocess.Popen(
        [exe, f":{display}", "-screen", "0", screen, "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{display}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("Xvfb did not start")
            time.sleep(0.05)
        yield f":{display}"
    finally:
        server.terminate()
        server.wait(10)
