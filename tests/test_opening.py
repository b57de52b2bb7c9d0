"""The collector held back while the app opens (leodesk.opening), as usual once it is open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _run(code: str, **env: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.split()


def test_the_collector_is_held_back_while_opening_and_then_collects_as_usual() -> None:
    got = _run(
        """
import gc, weakref
from leodesk import opening
usual = gc.get_threshold()
opening.collect_less()
opening.collect_less()  # again: nothing more
held = gc.get_threshold()
class Node:
    pass
a, b = Node(), Node()
a.other, b.other = b, a  # a cycle: only the collector frees it
gone = weakref.ref(a)
del a, b
kept = [[] for _ in range(5000)]  # more than Python's threshold allows before a collection
before = gone() is not None  # held back: not collected
opening.collect_as_usual()
kept += [[] for _ in range(5000)]
print(usual == gc.get_threshold(), held == (opening.OPENING_THRESHOLD, *usual[1:]), before,
      gone() is None)
"""
    )
    assert got == ["True", "True", "True", "True"]


def test_the_app_opened_from_its_command_collects_as_usual(tmp_path: Path) -> None:
    """``leodesk --demo``: the collector is held back from the command's first line, and the
    open app has Python's thresholds again, what the opening made frozen (settle_open_app)."""
    got = _run(
        """
import gc, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(["leodesk"])
usual = gc.get_threshold()
seen = []
def look():
    seen.append(gc.get_threshold()[0])
    if gc.get_freeze_count() > 0:  # the app is open
        print(seen[0], gc.get_threshold() == usual, gc.get_freeze_count() > 10000)
        app.closeAllWindows()
        return
    QTimer.singleShot(20, look)
QTimer.singleShot(0, look)
from leodesk.__main__ import main
sys.exit(main(["--demo"]))
""",
        QT_QPA_PLATFORM="offscreen",
        LEODESK_HOME=str(tmp_path),
    )
    import gc

    from leodesk import opening

    assert got[:1] == [str(opening.OPENING_THRESHOLD)]  # held back as the window opened
    assert got[1:] == ["True", "True"]
    assert gc.get_threshold()[0] != opening.OPENING_THRESHOLD  # (this process: as it was)
