"""Driving popup menus and modal dialogs that run their own event loops (QMenu.exec,
QDialog.exec): the steps run from timers inside those loops, with real clicks and keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget

TRIES = 300


def when_popup(step: Callable[[QMenu], bool], done: dict[str, Any]) -> None:
    """Call ``step(menu)`` on the active popup menu once there is one (and again while it
    returns False, e.g. until a submenu is open)."""

    def poll() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu) and step(menu):
            return
        done["tries"] = done.get("tries", 0) + 1
        if done["tries"] < TRIES:
            QTimer.singleShot(10, poll)
        elif isinstance(menu, QMenu):
            menu.close()

    QTimer.singleShot(0, poll)


def choose_in_menu(qtbot: Any, button: QWidget, path: list[str]) -> list[str]:
    """Click ``button`` (an instant-popup tool button) and follow ``path``: action object
    names, submenus opened with the Right key, the last one clicked. Returns the object names
    of the first menu's actions. A missing entry closes the menus and fails."""
    done: dict[str, Any] = {"left": list(path)}

    def step(menu: QMenu) -> bool:
        done.setdefault("names", [a.objectName() for a in menu.actions()])
        if done.get("at") is menu:
            return False  # the submenu is not open yet
        name = done["left"][0]
        action = next((a for a in menu.actions() if a.objectName() == name), None)
        if action is None:
            done["missing"] = name
            menu.close()
            return True
        done["left"].pop(0)
        if action.menu() is not None:
            done["at"] = menu
            menu.setActiveAction(action)
            QTest.keyClick(menu, Qt.Key.Key_Right)
            when_popup(step, done)
            return True
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
        done["clicked"] = name
        return True

    when_popup(step, done)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "clicked" in done or "missing" in done, timeout=5000)
    assert "missing" not in done, f"no menu entry {done.get('missing')!r}: {done.get('names')}"
    return list(done["names"])


def answer_dialog(name: str, answer: Callable[[QDialog], None], seen: list[str]) -> None:
    """When the modal dialog named ``name`` shows, note its text in ``seen`` and ``answer``
    it (once)."""
    tries = {"n": 0}

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog.objectName() == name:
            seen.append(" ".join(w.text() for w in dialog.findChildren(QWidget) if _text(w)))
            answer(dialog)
            return
        tries["n"] += 1
        if tries["n"] < TRIES:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def _text(widget: QWidget) -> bool:
    return widget.metaObject().className() == "QLabel" and bool(widget.text())  # type: ignore[attr-defined]
