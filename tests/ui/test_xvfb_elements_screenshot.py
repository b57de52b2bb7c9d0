"""The real demo app on Xvfb: the form's Elements section with previews, the "Uploaded images"
dialog and the universal upscaler's ultra mode; the screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path

from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)
from tests.ui.xvfb_app import check_shots, run_driver

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
    out = run_driver("tests.ui.xvfb_elements_driver", xvfb, tmp_path / "h", ARTIFACTS)
    assert "elements=8 uploads=1" in out  # the SDXL elements of the demo, one upload
    check_shots(ARTIFACTS, SHOTS, spread=20)  # not blank
