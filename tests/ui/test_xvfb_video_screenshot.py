"""The real demo app on Xvfb making a video: screenshots of the video dialog and of the gallery
with the video's duration badge are kept in artifacts/ for a look."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)


def test_video_dialog_and_badge_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    dialog, gallery = ARTIFACTS / "video-dialog.png", ARTIFACTS / "video-gallery.png"
    for f in (dialog, gallery):
        f.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_video_driver", str(dialog), str(gallery)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cost=Cost: 2000 credits" in r.stdout and "video=8.0" in r.stdout
    for shot in (dialog, gallery):
        with Image.open(shot) as im:
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20  # not blank
