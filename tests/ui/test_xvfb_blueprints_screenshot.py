"""The Blueprints window of the demo app on a real X server (Xvfb): a gallery image taken
into the form's image input, a run queued, nothing clipped at 980 × 640 and 820 × 560, every
blueprint with its thumbnail; the screenshots are kept in artifacts/ for a look."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)


def test_blueprints_window_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_blueprints_driver", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    lines = re.findall(r"size=(\d+)x(\d+) clipped=(\d+) icons=(\d+) form=(\d+)x(\d+)", r.stdout)
    assert len(lines) == 2, r.stdout
    for w, h, clipped, icons, form_w, form_h in (map(int, x) for x in lines):
        assert clipped == 0, r.stdout
        assert icons >= 4
        assert form_w >= 380 and 100 <= form_h < h  # the form's rows stay at the top
        with Image.open(ARTIFACTS / f"blueprints-{w}x{h}.png") as im:
            assert im.size == (w, h)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20
