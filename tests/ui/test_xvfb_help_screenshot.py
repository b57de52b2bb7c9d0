"""The real demo app on Xvfb: the shortcut sheet (whole and searched), About and the low-balance
warning; the screenshots are kept in artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)
from tests.ui.xvfb_app import check_shots, run_driver

SHOTS = {
    "help-shortcuts.png": (400, 400),
    "help-shortcuts-search.png": (400, 400),
    "help-about.png": (500, 200),
    "low-balance.png": (400, 100),
}


def test_help_dialogs_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    out = run_driver("tests.ui.xvfb_help_driver", xvfb, tmp_path / "h", ARTIFACTS)
    found = re.search(r"rows=(\d+) filtered=(\d+)", out)
    assert found, out
    rows, filtered = int(found[1]), int(found[2])
    assert rows > 20 and 0 < filtered < rows  # the whole sheet, then what "canvas" matches
    check_shots(ARTIFACTS, SHOTS)
