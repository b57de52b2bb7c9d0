"""The real demo app on Xvfb: the uploads dialog's Videos page with two uploaded videos, one
playing in the app's video window, and the demo videos' motion variations in the gallery; the
screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path

from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)
from tests.ui.xvfb_app import check_shots, run_driver

SHOTS = {
    "uploaded-videos-dialog.png": (400, 250),
    "uploaded-video-playing.png": (300, 200),
    "gallery-motion-variations.png": (1200, 700),
}


def test_uploaded_videos_and_motion_variations_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    out = run_driver("tests.ui.xvfb_media_driver", xvfb, tmp_path / "h", ARTIFACTS)
    assert "videos=2 children=2" in out  # two uploads; the two demo videos' upscales
    check_shots(ARTIFACTS, SHOTS, spread=20)  # not blank
