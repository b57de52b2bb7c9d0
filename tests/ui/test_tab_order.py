"""Keyboard reach: Tab from the prompt walks through every pane of the main window (model
browser, prompt form, Generate, gallery, Details) and comes back to the prompt, never stuck."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.helpers import activate, child, click_row, generate, wait_idle, wait_models

MAX_PRESSES = 400


def _inside(widget: QWidget | None, ancestor: QWidget) -> bool:
    while widget is not None:
        if widget is ancestor:
            return True
        widget = widget.parentWidget()
    return False


def _walk(qtbot: Any, start: QWidget, backwards: bool = False) -> list[QWidget]:
    """Press Tab (or Shift+Tab) from ``start`` until the focus is back on it; every press must
    move the focus to a visible widget of the same window."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=5000)
    modifier = Qt.KeyboardModifier.ShiftModifier if backwards else Qt.KeyboardModifier.NoModifier
    k = Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab
    seen: list[QWidget] = []
    current: QWidget = start
    for _ in range(MAX_PRESSES):
        QTest.keyClick(current, k, modifier)
        now = QApplication.focusWidget()
        assert now is not None, f"the focus left the window after {current.objectName()!r}"
        assert now is not current, f"Tab is stuck on {current.objectName()!r}"
        assert now.isVisible() and now.window() is start.window(), now.objectName()
        if now is start:
            return seen
        seen.append(now)
        current = now
    raise AssertionError(f"Tab never came back to {start.objectName()!r}: {len(seen)} presses")


def test_tab_from_the_prompt_reaches_every_pane_and_comes_back(qtbot: Any, app_window: Any) -> None:
    window = app_window
    wait_models(qtbot, window)
    generate(qtbot, window, "a lighthouse at dusk")
    click_row(qtbot, window.gallery, 0)  # an image selected: the Details pane has buttons
    qtbot.waitUntil(lambda: bool(window.metadata.recall_all_button.isVisible()), timeout=5000)
    activate(qtbot, window)
    prompt = child(window.form, QWidget, "promptEdit")
    search = child(window, QWidget, "modelSearch")
    browser_button = child(window, QWidget, "browserPaneButton")  # opens a collapsed browser
    generate_button = child(window, QWidget, "generateButton")
    wanted = {
        "the model browser (its search, or its button when collapsed)": lambda w: (
            w is search or w is browser_button
        ),
        "the Generate button": lambda w: w is generate_button,
        "the gallery": lambda w: _inside(w, window.gallery),
        "the Details pane": lambda w: _inside(w, window.metadata),
    }
    for backwards in (False, True):
        seen = _walk(qtbot, prompt, backwards=backwards)
        missing = [name for name, hit in wanted.items() if not any(hit(w) for w in seen)]
        assert not missing, f"Tab{' back' if backwards else ''} never reached {missing}"
    wait_idle(qtbot, window)


def test_tab_leaves_the_prompt_instead_of_typing_a_tab(qtbot: Any, app_window: Any) -> None:
    window = app_window
    wait_models(qtbot, window)
    activate(qtbot, window)
    prompt = child(window.form, QWidget, "promptEdit")
    prompt.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is prompt, timeout=5000)
    QTest.keyClick(prompt, Qt.Key.Key_Tab)
    assert "\t" not in prompt.toPlainText()
    assert QApplication.focusWidget() is not prompt
    wait_idle(qtbot, window)
