"""The demo app on Xvfb: compare (split and side by side) and the viewer's lineage with the
parent's thumbnail; the screenshots are kept in artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)

SHOTS = {
    "compare-split.png": (900, 600),
    "compare-side-by-side.png": (900, 600),
    "viewer-lineage.png": (900, 600),
}


def test_compare_and_viewer_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_compare_driver", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "compared=3" in r.stdout
    for name, (width, height) in SHOTS.items():
        with Image.open(ARTIFACTS / name) as im:
            assert im.size[0] >= width and im.size[1] >= height, (name, im.size)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20, name  # not blank
