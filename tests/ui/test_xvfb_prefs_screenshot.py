"""Preferences under a real X server: the dark and light themes on the window and the dialog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)


def _mean(path: Path) -> float:
    with Image.open(path) as im:
        return float(sum(ImageStat.Stat(im.convert("L")).mean))


def test_light_and_dark_preferences_screenshots(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    means: dict[str, float] = {}
    for name in ("light", "dark"):
        env = dict(
            os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / name)
        )
        r = subprocess.run(
            [sys.executable, "-m", "tests.ui.xvfb_prefs_driver", name, str(ARTIFACTS)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"theme={name} dark={name == 'dark'}" in r.stdout
        assert "Traceback" not in r.stderr, r.stderr
        for part in ("main", "general", "notifications", "shortcuts"):
            path = ARTIFACTS / f"prefs-{name}-{part}.png"
            with Image.open(path) as im:
                assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 15, path
        means[name] = _mean(ARTIFACTS / f"prefs-{name}-general.png")
    assert means["dark"] < 90 < means["light"]  # the dialog really changed colours
