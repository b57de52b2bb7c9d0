"""Start-up: the first paint waits for no heavy import; the crash handler redacts the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.log import register_secret, setup_logging
from tests.ui.helpers import crash_dialog_after


@pytest.mark.parametrize("args", [[], ["--demo"]])
def test_first_paint_needs_no_network_keychain_or_simulator(
    args: list[str], tmp_path: Path
) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        LEODESK_HOME=str(tmp_path),
        LEODESK_EXIT_AFTER_PAINT="1",
        # no server there: the window must not wait for it
        LEODESK_API_URL="http://127.0.0.1:9",
    )
    r = subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("leodesk-first-paint"))
    assert line.endswith("heavy="), line  # httpx, keyring, PIL, sqlite3, the simulator: later


def test_crash_report_is_logged_and_shown_without_the_key(qtbot: Any, tmp_path: Path) -> None:
    secret = "sk-crash-test-0123456789"
    register_secret(secret)
    setup_logging(tmp_path / "leodesk.log")
    shown = crash_dialog_after(
        RuntimeError(f"request failed with key {secret}"), tmp_path, lambda box: box.detailedText()
    )
    assert shown and "RuntimeError" in shown[0] and secret not in shown[0]
    text = (tmp_path / "leodesk.log").read_text()
    assert "unhandled exception" in text and secret not in text


_CLOSE_AFTER_START = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(["leodesk"])

def close():
    window = next(w for w in app.topLevelWidgets() if w.objectName() == "mainWindow")
    window.close()  # as the user does, with the model list still on its way
    print("hidden" if not window.isVisible() else "still shown", flush=True)

QTimer.singleShot(2500, close)
from leodesk.app import main
sys.exit(main())
"""


def test_closing_does_not_wait_out_a_request_the_server_holds(
    tmp_path: Path, make_sim: Any
) -> None:
    """The window goes at once, the settings are saved, and the process ends without waiting
    for the held request (which would keep it alive for a minute)."""
    import time

    from tests.conftest import SIM_KEY

    sim = make_sim(seed=2)
    sim.add_fault("GET", "/platformModels", "slow", delay=60.0)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        LEODESK_HOME=str(tmp_path),
        LEODESK_API_URL=sim.base_url,
        LEONARDO_API_KEY=SIM_KEY,
    )
    started = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-c", _CLOSE_AFTER_START],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    took = time.monotonic() - started
    assert r.returncode == 0, r.stderr[-2000:]
    assert "hidden" in r.stdout
    assert sim.count("GET", "/platformModels") == 1  # it was in flight when the app closed
    assert took < 40, f"the process waited {took:.0f} s for the held request"
    settings = list(tmp_path.rglob("settings.json"))
    assert settings and '"last_form"' in settings[0].read_text()
    # The dataclasses' compiled methods are kept for the next start (leodesk.core.codecache).
    from leodesk.core import codecache

    kept = list(tmp_path.rglob("dataclass-code.bin"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(codecache.HEADER)
    assert kept[0].stat().st_size > 100_000  # the app's classes, not a handful
