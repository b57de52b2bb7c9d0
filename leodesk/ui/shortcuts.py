"""The main window's keyboard shortcuts: the defaults the code gives, the user's own on top.

:class:`Shortcuts` lists every named action of the window's menus (and any other window action
that has a key), remembers each one's default keys the first time it sees it, and applies a
``{action objectName: key sequence}`` map of custom keys (portable text, ``""`` for no key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QWidget

PORTABLE = QKeySequence.SequenceFormat.PortableText
_EXACT = QKeySequence.SequenceMatch.ExactMatch


def keys_text(keys: QKeySequence | list[QKeySequence]) -> str:
    """Portable text of one sequence or a list of them (``Ctrl+Q; Ctrl+W``)."""
    if isinstance(keys, QKeySequence):
        return keys.toString(PORTABLE)
    return "; ".join(k.toString(PORTABLE) for k in keys if not k.isEmpty())


def parse_keys(text: str) -> list[QKeySequence]:
    """The sequences of :func:`keys_text`'s text."""
    return [k for k in QKeySequence.listFromString(text, PORTABLE) if not k.isEmpty()]


def action_label(action: QAction) -> str:
    """An action's text as a menu shows it, without the mnemonic and the ellipsis."""
    text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.rstrip("…").rstrip(".").strip() or action.objectName()


class Shortcuts(QObject):
    """The shortcuts of ``window`` (a QMainWindow): defaults, custom keys, conflicts."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.defaults: dict[str, list[QKeySequence]] = {}
        self.custom: dict[str, str] = {}
        self.menus: dict[str, str] = {}  # action name → its menu ("View ▸ Notifications")

    def actions(self) -> dict[str, QAction]:
        """Named actions of the menu bar's menus, then the window's other actions with a key."""
        found: dict[str, QAction] = {}

        def walk(actions: list[QAction], where: str) -> None:
            for action in actions:
                menu = action.menu()
                if isinstance(menu, QMenu):
                    title = action_label(action)
                    walk(menu.actions(), f"{where} ▸ {title}" if where else title)
                elif action.objectName() and not action.isSeparator():
                    found.setdefault(action.objectName(), action)
                    self.menus.setdefault(action.objectName(), where)

        walk(self.window.menuBar().actions(), "")
        for action in self.window.findChildren(QAction):
            name = action.objectName()
            if name and name not in found and not action.shortcut().isEmpty():
                found[name] = action
        for name, action in found.items():
            self.defaults.setdefault(name, list(action.shortcuts()))
        return found

    def default_text(self, name: str) -> str:
        return keys_text(self.defaults.get(name, []))

    def apply(self, custom: Mapping[str, str]) -> None:
        """Give each action its custom keys, or back its default ones."""
        self.custom = {str(k): str(v) for k, v in custom.items()}
        for name, action in self.actions().items():
            if name in self.custom:
                action.setShortcuts(parse_keys(self.custom[name]))
            else:
                action.setShortcuts(self.defaults.get(name, []))

    def fixed(self, keys: str) -> bool:
        """True if a fixed shortcut of the main window itself (such as Find, which puts the
        focus in the gallery's search) already answers ``keys``."""
        wanted = QKeySequence(keys)
        if wanted.isEmpty():
            return False
        for shortcut in self.window.findChildren(QShortcut):
            parent = shortcut.parent()
            if not isinstance(parent, QWidget) or parent.window() is not self.window:
                continue  # another window's (the viewer's) keys do not clash with these
            keys_of = shortcut.keys  # a QShortcut's key sequences (not a dict's keys)
            if any(k.matches(wanted) == _EXACT for k in keys_of()):
                return True
        return False

    def conflict(self, name: str, keys: str, pending: Mapping[str, str]) -> str | None:
        """The objectName of another action that ``keys`` would also trigger, given the
        ``pending`` keys of every action (``pending`` wins over what is applied)."""
        wanted = QKeySequence(keys)
        if wanted.isEmpty():
            return None
        for other, action in self.actions().items():
            if other == name:
                continue
            theirs = parse_keys(pending[other]) if other in pending else action.shortcuts()
            if any(k.matches(wanted) == _EXACT for k in theirs):
                return other
        return None


__all__ = ["Shortcuts", "action_label", "keys_text", "parse_keys"]
