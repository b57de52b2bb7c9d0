"""The crash dialog says what happened in the dialog itself, not only under "Show Details"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leodesk.core.log import register_secret, setup_logging
from tests.ui.helpers import crash_dialog_after


def test_the_crash_dialog_says_what_happened(qtbot: Any, tmp_path: Path) -> None:
    secret = "sk-crash-summary-0123456789"
    register_secret(secret)
    setup_logging(tmp_path / "leodesk.log")
    shown = crash_dialog_after(
        OSError(f"the thumbnail folder is gone\nkey {secret}"),
        tmp_path,
        lambda box: box.informativeText(),
    )
    assert shown and "What happened: the thumbnail folder is gone" in shown[0]
    assert secret not in shown[0] and str(tmp_path) in shown[0]
