"""PySide6's check of each import, made cheap (leodesk.qt.import_check): the same answer as
PySide's own check, and no module's source kept in memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leodesk.qt.import_check import mentions_pyside


def test_it_answers_as_pysides_own_check(tmp_path: Path) -> None:
    (tmp_path / "uses_qt.py").write_text("from PySide6.QtCore import QObject\n")
    (tmp_path / "plain.py").write_text("VALUE = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("# PySide6 named in a comment counts\n")
    code = f"""
import sys
sys.path.insert(0, {str(tmp_path)!r})
import PySide6.QtCore
feature = sys.modules["shibokensupport.feature"]
original = feature._mod_uses_pyside
import uses_qt, plain, pkg, json, _sqlite3
import leodesk.qt  # puts the light check in place
from leodesk.qt.import_check import mentions_pyside
assert feature._mod_uses_pyside is mentions_pyside
for module in (uses_qt, plain, pkg, json, _sqlite3, PySide6.QtCore):
    print(module.__name__, original(module), mentions_pyside(module))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answers = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines()}
    assert answers["uses_qt"] == ["True", "True"]
    assert answers["pkg"] == ["True", "True"]
    assert answers["plain"] == ["False", "False"]
    assert answers["json"] == ["False", "False"]
    assert answers["_sqlite3"] == ["False", "False"]  # an extension module: no source
    assert answers["PySide6.QtCore"] == ["False", "False"]


def test_imports_after_it_keep_no_source_and_are_flagged(tmp_path: Path) -> None:
    """What PySide records for each module is what its own check would, and linecache stays
    empty of them (PySide's check kept every module's source there)."""
    (tmp_path / "later_qt.py").write_text("import PySide6\n")
    (tmp_path / "later_plain.py").write_text("X = 2\n")
    code = f"""
import sys, linecache
sys.path.insert(0, {str(tmp_path)!r})
import PySide6.QtCore
import leodesk.qt
import later_qt, later_plain
flags = sys.modules["shibokensupport.feature"].pyside_feature_dict
print(flags["later_qt"], flags["later_plain"])
print(sum(1 for name in linecache.cache if "later_" in name))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    flags, cached = out.stdout.splitlines()
    assert flags == "0 -1"  # 0: the module uses PySide (default features), -1: ignored
    assert cached == "0"


def test_a_missing_or_unreadable_file_is_no() -> None:
    class Gone:
        __file__ = "/nonexistent/leodesk-gone.py"

    class Compiled:
        __file__ = "/somewhere/module.pyc"

    assert mentions_pyside(Gone()) is False
    assert mentions_pyside(Compiled()) is False
    assert mentions_pyside(object()) is False
