"""The demo app on Xvfb: compare (split and side by side) and the viewer's lineage with the
parent's thumbnail; the screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path

from tests.ui.test_xvfb_screenshot import xvfb  # noqa: F401  (the fixture)
from tests.ui.xvfb_shots import ARTIFACTS, check_shots, run_driver

SHOTS = {
    "compare-split.png": (900, 600),
    "compare-side-by-side.png": (900, 600),
    "viewer-lineage.png": (900, 600),
}


def test_compare_and_viewer_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    out = run_driver("tests.ui.xvfb_compare_driver", xvfb, tmp_path / "h")
    assert "compared=3" in out
    check_shots(SHOTS)
