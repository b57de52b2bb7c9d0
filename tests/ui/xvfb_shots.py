"""Running an Xvfb driver module and checking the screenshots it saved (a test's one call)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO

ARTIFACTS = REPO / "artifacts"


def run_driver(module: str, display: str, home: Path, timeout: int = 150) -> str:
    """Run ``python -m module ARTIFACTS`` on ``display``; returns its stdout (exit 0 asserted)."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(home))
    r = subprocess.run(
        [sys.executable, "-m", module, str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def check_shots(shots: dict[str, tuple[int, int]]) -> None:
    """Each screenshot is at least its size and not blank."""
    for name, (width, height) in shots.items():
        with Image.open(ARTIFACTS / name) as im:
            assert im.size[0] >= width and im.size[1] >= height, (name, im.size)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20, name
