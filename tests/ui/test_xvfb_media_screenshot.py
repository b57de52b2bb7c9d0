"""The real demo app on Xvfb: the uploads dialog's Videos page with two uploaded videos, one
playing in the app's video window, and the demo videos' motion variations in the gallery; the
screenshots are kept in artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)

SHOTS = {
    "uploaded-videos-dialog.png": (400, 250),
    "uploaded-video-playing.png": (300, 200),
    "gallery-motion-variations.png": (1200, 700),
}


def test_uploaded_videos_and_motion_variations_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_media_driver", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "videos=2 children=2" in r.stdout  # two uploads; the two demo videos' upscales
    for name, (width, height) in SHOTS.items():
        with Image.open(ARTIFACTS / name) as im:
            assert im.size[0] >= width and im.size[1] >= height, (name, im.size)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20, name  # not blank
