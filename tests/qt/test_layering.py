"""The Qt layer holds QObjects only: no module under leodesk/qt imports QtWidgets.

import-linter cannot forbid a subpackage of an external package, so this test reads the imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import leodesk.qt
import leodesk.ui


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_qt_layer_never_imports_widgets() -> None:
    root = Path(leodesk.qt.__file__).parent
    offenders = {
        str(p.relative_to(root)): sorted(n for n in _imports(p) if "QtWidgets" in n)
        for p in root.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_ui_layer_does_no_network_or_threads() -> None:
    root = Path(leodesk.ui.__file__).parent
    banned = ("httpx", "sqlite3", "threading", "concurrent", "socket", "urllib", "keyring")
    offenders = {
        str(p.relative_to(root)): sorted(n for n in _imports(p) if n.split(".")[0] in banned)
        for p in root.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_the_check_sees_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from PySide6.QtWidgets import QWidget\nimport httpx\n")
    assert _imports(probe) == {"PySide6.QtWidgets", "httpx"}
