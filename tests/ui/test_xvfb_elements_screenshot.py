"""The real demo app on Xvfb: the form's Elements section with previews, the "Uploaded images"
dialog and the universal upscaler's ultra mode; the screenshots are kept in artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)

SHOTS = {
    "form-elements.png": (1200, 700),
    "elements-section.png": (300, 200),
    "uploaded-images-dialog.png": (400, 250),
    "universal-upscaler-ultra.png": (250, 200),
}


def test_elements_and_the_new_dialogs_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_elements_driver", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "elements=8 uploads=1" in r.stdout  # the SDXL elements of the demo, one upload
    for name, (width, height) in SHOTS.items():
        with Image.open(ARTIFACTS / name) as im:
            assert im.size[0] >= width and im.size[1] >= height, (name, im.size)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20, name  # not blank
