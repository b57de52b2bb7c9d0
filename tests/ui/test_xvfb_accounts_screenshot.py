"""The app on Xvfb with three accounts: the badge, the Account menu, the badge's menu, the Add,
Rename and Remove account dialogs; the screenshots are kept in artifacts/."""

from __future__ import annotations

from pathlib import Path

from tests.ui.test_xvfb_screenshot import xvfb  # noqa: F401  (the fixture)
from tests.ui.xvfb_shots import ARTIFACTS, check_shots, run_driver

SHOTS = {
    "accounts_window.png": (1400, 860),
    "accounts_menu.png": (1400, 860),
    "accounts_badge_menu.png": (1400, 860),
    "accounts_badge.png": (900, 20),
    "accounts_add_taken.png": (480, 150),
    "accounts_add.png": (480, 150),
    "accounts_remove.png": (440, 120),
    "accounts_rename.png": (400, 100),
}


def test_accounts_under_xvfb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    for name in SHOTS:
        (ARTIFACTS / name).unlink(missing_ok=True)
    out = run_driver("tests.ui.xvfb_accounts_driver", xvfb, tmp_path / "h")
    assert "badge=Work ▾" in out
    assert "menu=Default|Work|Studio Ünïcode|Add &account…|Rename account…|Remove account…" in out
    assert "taken=There is already an account named 'Work'." in out
    check_shots(SHOTS)
