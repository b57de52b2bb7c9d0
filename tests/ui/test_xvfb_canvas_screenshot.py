"""The canvas window on a real X server (Xvfb): painted with real mouse events at 1400 × 860 and
1366 × 768, nothing clipped, the mask shown red and the sketch in its colour; the screenshots
are kept in artifacts/ for a look."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)


def test_canvas_window_painted_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_canvas_driver", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    lines = re.findall(
        r"size=(\d+)x(\d+) view=(\d+)x(\d+) clipped=(\d+) masked=(\d+),(\d+),(\d+) "
        r"sketched=(\d+),(\d+),(\d+)",
        r.stdout,
    )
    assert len(lines) == 2, r.stdout
    for w, h, vw, vh, clipped, mr, mg, _mb, sr, sg, sb in (map(int, x) for x in lines):
        assert clipped == 0, r.stdout
        assert vw >= 900 and vh >= 650  # the canvas gets most of the window
        assert mr > mg + 60  # the mask: red over the picture
        assert (sr, sg, sb) == (0x3C, 0x9A, 0x46)  # the sketch, in the chosen colour
        with Image.open(ARTIFACTS / f"canvas-{w}x{h}.png") as im:
            assert im.size == (w, h)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20
