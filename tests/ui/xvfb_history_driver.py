"""Run the real demo app on an X server, generate three prompts, and save screenshots of the
screen with the recent prompts popup open, then with the "Presets and drafts" menu open on a
preset's submenu (popups are windows of their own: the whole screen is grabbed).

Usage: python -m tests.ui.xvfb_history_driver HISTORY.png PRESETS.png  (DISPLAY set, xcb)
Prints "history=N presets=M" before saving.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from tests.ui.xvfb_app import DemoApp

PROMPTS = (
    ("a lighthouse on a cliff at dusk, oil painting", ""),
    ("portrait of an old sailor, dramatic light, 85mm", "blurry, lowres, extra fingers"),
    ("isometric cozy library room, warm lamps, tiny details, pastel palette", ""),
)


def _generate(demo: DemoApp, prompt: str, negative: str) -> None:
    form = demo.window.form
    for name, text in (("promptEdit", prompt), ("negativePromptEdit", negative)):
        edit = form.findChild(object, name)
        edit.setFocus()
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(edit, Qt.Key.Key_Backspace)
        QTest.keyClicks(edit, text)
    reader = demo.window.ctx.backend.reader
    before = sum(e.uses for e in reader.prompt_history())
    QTest.keyClick(
        form.findChild(object, "promptEdit"), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    demo.wait(
        lambda: sum(e.uses for e in reader.prompt_history()) > before,
        f"the generation of {prompt!r}",
    )


def _grab(out: str) -> bool:
    screen = QApplication.primaryScreen()
    return bool(screen.grabWindow(0).save(out))


def main(history_out: str, presets_out: str) -> int:
    demo = DemoApp()
    window = demo.window
    demo.wait(lambda: window.form is not None and window.ctx is not None, "the panes")
    demo.wait(lambda: bool(window.ctx.platform_models.models()), "the models")
    for prompt, negative in PROMPTS:
        _generate(demo, prompt, negative)
    _generate(demo, PROMPTS[0][0], "")  # used twice
    link = window.history_link
    button = window.form.findChild(object, "promptHistoryButton")
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    demo.wait(link.popup.isVisible, "the history popup")
    demo.settle()
    ok = _grab(history_out)
    count = link.popup.list.count()
    link.popup.close()
    link.service.save_preset("Portrait, 85mm look", window.form.state())
    link.service.save_preset("Square sketches", window.form.state())
    reader = window.ctx.backend.reader
    demo.wait(lambda: len(reader.presets()) == 2, "the presets")
    shot: dict[str, Any] = {}

    def open_submenu() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, open_submenu)
            return
        if "top" not in shot:
            shot["top"] = menu
            action = next(a for a in menu.actions() if a.objectName() == "presetMenuAction0")
            menu.setActiveAction(action)
            QTest.keyClick(menu, Qt.Key.Key_Right)
            QTimer.singleShot(300, open_submenu)
            return
        demo.settle()
        shot["ok"] = _grab(presets_out)
        shot["top"].close()
        menu.close()

    QTimer.singleShot(0, open_submenu)
    QTest.mouseClick(window.drafts.presets_button, Qt.MouseButton.LeftButton)
    demo.wait(lambda: "ok" in shot, "the presets menu")
    print(f"history={count} presets={len(reader.presets())}", flush=True)
    QTimer.singleShot(0, window.close)
    demo.app.processEvents()
    demo.launcher.shutdown()
    return 0 if ok and shot["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
