"""The real demo app on Xvfb: the gallery empty, synced from its empty state's button, with
badges, grouped, with small and large thumbnails, a search with no match, and the model tiles;
the screenshots are kept in artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)

SHOTS = (
    "gallery-empty-new.png",
    "model-tiles.png",
    "gallery-badges.png",
    "gallery-grouped.png",
    "gallery-small.png",
    "gallery-large.png",
    "gallery-empty-search.png",
)


def test_gallery_states_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_gallery_driver", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "badges=4" in r.stdout
    for name in SHOTS:
        with Image.open(ARTIFACTS / name) as im:
            assert im.size[0] >= 200 and im.size[1] >= 300, (name, im.size)
            assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 15, name  # not blank
