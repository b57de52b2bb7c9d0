"""The real demo app on Xvfb: screenshots of the recent prompts popup and of the "Presets and
drafts" menu, kept in artifacts/ for a look."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)


def test_history_popup_and_presets_menu_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    shots = [ARTIFACTS / "prompt-history.png", ARTIFACTS / "presets-menu.png"]
    for shot in shots:
        shot.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_history_driver", *map(str, shots)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "history=3 presets=2" in r.stdout
    for shot in shots:
        with Image.open(shot) as im:
            assert im.size[0] >= 1200 and im.size[1] >= 700
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20  # not blank
