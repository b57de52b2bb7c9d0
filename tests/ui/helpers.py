"""Helpers for GUI tests that drive the whole app (window + launcher) the way a user does."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QWidget

from tests.conftest import SIM_KEY

FAST_POLL = 0.1  # seconds between generation polls in tests


def sim_runtime(sim: Any, *, demo: bool = True) -> Any:
    """A runtime on the test's simulator and LEODESK_HOME (``demo``: the sim key, no keychain)."""
    from leodesk.core import paths
    from leodesk.runtime import Runtime

    if demo:
        return Runtime(
            paths=paths.resolve().ensure(), base_url=sim.base_url, demo=True, demo_key=SIM_KEY
        )
    return Runtime(paths=paths.resolve().ensure(), base_url=sim.base_url)


class Apps:
    """Starts main windows with their launchers; :meth:`shutdown_all` closes every one of them.

    Call :meth:`shutdown_all` from a fixture's teardown (or a ``finally``) so that a failing
    test still shuts its launchers down before the ``no_dangling_workers`` check runs.
    """

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.launchers: list[Any] = []

    def start(self, runtime: Any) -> Any:
        """Show a window, start its launcher on ``runtime``; returns the window."""
        from leodesk.app import Launcher
        from leodesk.ui.main_window import MainWindow

        window = MainWindow(demo=runtime.demo)
        self.qtbot.addWidget(window)
        launcher = Launcher(window, demo=runtime.demo, runtime=runtime)
        window.launcher = launcher  # type: ignore[attr-defined]  # as tests/ui/conftest.py does
        self.launchers.append(launcher)
        window.show()
        self.qtbot.waitExposed(window)
        launcher.start()
        fast_polls(launcher)
        return window

    def shutdown_all(self) -> None:
        for launcher in self.launchers:
            launcher.shutdown()


def fast_polls(launcher: Any) -> None:
    if launcher.ctx is not None:
        launcher.ctx.generation.poll_interval = FAST_POLL


def wait_models(qtbot: Any, window: Any, timeout: int = 10000) -> None:
    """The window is attached and the model browser lists the platform models."""
    qtbot.waitUntil(
        lambda: window.browser is not None and window.browser.proxy.rowCount() > 3,
        timeout=timeout,
    )


def wait_idle(qtbot: Any, window: Any, timeout: int = 10000) -> None:
    """Every background job of the window's context has finished (the model refresh included).

    Tests end idle: closing while the model refresh is in flight blocks for half a minute (see
    ``test_restart.test_closing_while_the_model_list_loads_is_prompt``). Database jobs are
    judged by their pool only: ``Pools`` never forgets the ones submitted from a worker thread
    (see the same test module), so they stay in ``running_names()``.
    """
    pools = window.ctx.backend.pools

    def idle() -> bool:
        busy = [n for n in pools.running_names() if n != "db"]
        threads = (pools.network, pools.db, pools.thumbs)
        return not busy and all(p.activeThreadCount() == 0 for p in threads)

    try:
        qtbot.waitUntil(idle, timeout=timeout)
    except Exception:
        raise AssertionError(f"still running: {pools.running_names()}") from None


def child(parent: QWidget, cls: type, name: str) -> Any:
    found = parent.findChild(cls, name)
    assert found is not None, f"no {cls.__name__} named {name!r}"
    return found


def replace_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Click into a field, select everything (Ctrl+A) and type ``text`` over it (Return for a
    line break)."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if not text:
        QTest.keyClick(widget, Qt.Key.Key_Backspace)
        return
    for n, line in enumerate(text.split("\n")):
        if n:
            QTest.keyClick(widget, Qt.Key.Key_Return)
        if line:
            qtbot.keyClicks(widget, line)


def submit_prompt(qtbot: Any, window: Any, prompt: str, *, num_images: int | None = None) -> None:
    """Set the number of images (typed into its spin box), type the prompt, press Ctrl+Enter."""
    form = window.form
    if num_images is not None:
        spin = child(form, QWidget, "numImagesSpin")
        replace_text(qtbot, spin, str(num_images))
        assert spin.value() == num_images
    edit = child(form, QWidget, "promptEdit")
    replace_text(qtbot, edit, prompt)
    QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def cell_center(qtbot: Any, view: QAbstractItemView, index: QModelIndex) -> QPoint:
    """The centre of ``index``'s cell in viewport coordinates, once the view has laid it out."""
    qtbot.waitUntil(lambda: view.visualRect(index).isValid(), timeout=5000)
    view.scrollTo(index)
    rect = view.visualRect(index)
    assert view.viewport().rect().contains(rect.center())
    return rect.center()


def double_click(qtbot: Any, view: QAbstractItemView, pos: QPoint) -> None:
    """Double-click a cell of ``view`` as a mouse does: a click, then the second click.

    ``QTest.mouseDClick`` on a widget delivers only the ``MouseButtonDblClick`` event, and an item
    view opens an index on a double-click only when the press before it hit the same index (on
    its own the event counts as a plain press). So the first click is sent explicitly.
    """
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def choose_from_context_menu(
    qtbot: Any, view: QAbstractItemView, pos: QPoint, action_name: str
) -> list[str]:
    """Right-click ``view`` at ``pos`` and click the menu entry named ``action_name``.

    Returns the texts of the menu's entries. A right-click is a right-button press and release,
    then the context-menu event the window system makes of it (QTest's mouse events go straight to
    the widget, so that last event is sent here). ``QMenu.exec`` runs a nested event loop: the
    click on the entry is made from a timer inside that loop, and the menu is closed in every case
    so that a missing entry fails the test instead of hanging it.
    """
    seen: dict[str, Any] = {}

    def handle() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            if seen.setdefault("tries", 0) < 200:
                seen["tries"] += 1
                QTimer.singleShot(10, handle)
            return
        seen["texts"] = [a.text() for a in menu.actions()]
        action = next((a for a in menu.actions() if a.objectName() == action_name), None)
        if action is not None:
            qtbot.mouseClick(
                menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center()
            )
        if menu.isVisible():
            menu.close()

    QTimer.singleShot(0, handle)
    viewport = view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=pos)
    QApplication.sendEvent(
        viewport,
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos)),
    )
    qtbot.waitUntil(lambda: "texts" in seen or seen.get("tries", 0) >= 200, timeout=5000)
    assert "texts" in seen, "no context menu appeared"
    return list(seen["texts"])
