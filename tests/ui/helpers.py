"""Helpers for GUI tests that drive the whole app (window + launcher) the way a user does."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt, QTimer
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

    def start(self, runtime: Any, *, idle_before_close: bool = False) -> Any:
        """Show a window, start its launcher on ``runtime``; returns the window.

        ``idle_before_close``: when the test ends, wait for the window's background work to end
        before pytest-qt closes it (which it does before fixture teardowns run)."""
        from leodesk.app import Launcher
        from leodesk.ui.main_window import MainWindow

        window = MainWindow(demo=runtime.demo)
        if idle_before_close:
            self.qtbot.addWidget(
                window, before_close_func=lambda w: wait_idle(self.qtbot, w, 20000)
            )
        else:
            self.qtbot.addWidget(window)
        launcher = Launcher(window, demo=runtime.demo, runtime=runtime)
        window.launcher = launcher  # type: ignore[attr-defined]  # as tests/ui/conftest.py does
        self.launchers.append(launcher)
        launcher.switched.connect(self._switched)
        window.show()
        self.qtbot.waitExposed(window)
        launcher.start()
        fast_polls(launcher)
        return window

    def _switched(self, launcher: Any) -> None:
        """Another account (or the demo) opened in a new window: shut down with the others.
        The old window is deleted by the switch: pytest-qt must not close it again."""
        node = self.qtbot._request.node  # where qtbot.addWidget keeps its windows
        old = {id(other.window) for other in self.launchers if other.switched_away}
        node.qt_widgets = [
            (ref, close) for ref, close in getattr(node, "qt_widgets", []) if id(ref()) not in old
        ]
        launcher.window.launcher = launcher
        self.qtbot.addWidget(launcher.window)
        self.launchers.append(launcher)
        launcher.switched.connect(self._switched)

    def switched_from(self, window: Any) -> Any:
        """The window that replaced ``window`` (an account switch, the demo), once shown."""
        self.qtbot.waitUntil(lambda: self.launchers[-1].window is not window, timeout=10000)
        new = self.launchers[-1].window
        self.qtbot.waitExposed(new)
        return new

    def _idle(self, window: Any) -> None:
        wait_idle(self.qtbot, window, 20000)

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


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type ``text`` into ``widget``: ASCII as key clicks, any other character as the key event
    a keyboard layout sends for it (no key code, the character as the event's text).
    (``QTest.keyClicks`` only knows ASCII: other characters abort a debug build of Qt.)"""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    run = ""
    for ch in text:
        if ch.isascii():
            run += ch
            continue
        if run:
            qtbot.keyClicks(widget, run)
            run = ""
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    if run:
        qtbot.keyClicks(widget, run)


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


def retype(qtbot: Any, widget: QWidget, text: str) -> None:
    """:func:`replace_text` for one line of any text (non-ASCII typed with :func:`type_text`)."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if not text:
        QTest.keyClick(widget, Qt.Key.Key_Backspace)
        return
    type_text(qtbot, widget, text)


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


# -- the library: sync, rows, selection, keys, filters -------------------------------------------


def start_history_sim(generations: int, *, seed: int = 3) -> Any:
    """A started simulator whose account already holds ``generations`` COMPLETE generations
    (1–4 images each, several models and sizes). The caller stops it."""
    from leodesk.sim import SimConfig, SimServer

    return SimServer(
        SimConfig(
            seed=seed,
            generation_seconds=0.2,
            api_key=SIM_KEY,
            latency_ms=0,
            seed_generations=generations,
        )
    ).start()


def fast_sync(window: Any) -> None:
    """Small pages and no request pacing, so a sync of a few dozen generations is quick."""
    window.ctx.sync.page_size = 10
    window.ctx.sync.min_interval = 0.0


def sync_library(qtbot: Any, window: Any, timeout: int = 20000) -> str:
    """Click "Sync library", wait for the sync to end; returns the status line it shows."""
    pane = window.gallery_pane
    button = child(pane, QWidget, "syncButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled(), "the sync did not start"
    qtbot.waitUntil(button.isEnabled, timeout=timeout)
    status = child(pane, QWidget, "syncStatus")
    return str(status.text())


def load_all(model: Any) -> int:
    """Fetch every page of the gallery model (what scrolling to the end does); the row count."""
    while model.canFetchMore():
        model.fetchMore()
    return int(model.rowCount())


def shown_records(window: Any) -> list[Any]:
    """The records of every row of the gallery, in grid order (all pages loaded)."""
    model = window.gallery.model()
    load_all(model)
    return [model.record(row) for row in range(model.rowCount())]


def shown_ids(window: Any) -> list[str]:
    model = window.gallery.model()
    load_all(model)
    return [model.image_id(row) for row in range(model.rowCount())]


def activate(qtbot: Any, widget: QWidget) -> None:
    """Make ``widget``'s window the active one (window shortcuts need it)."""
    window = widget.window()
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def click_row(
    qtbot: Any,
    view: QAbstractItemView,
    row: int,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Click the cell of ``row`` (scrolled into view first), with ``modifier`` held."""
    pos = cell_center(qtbot, view, view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, pos)


def selected_rows(view: QAbstractItemView) -> list[int]:
    return sorted({i.row() for i in view.selectionModel().selectedIndexes()})


def key(
    widget: QWidget,
    k: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press and release one key on ``widget`` (shortcuts of its window see it first)."""
    QTest.keyClick(widget, k, modifier)


def choose_in_combo(qtbot: Any, combo: Any, data: Any) -> str:
    """Open ``combo``'s list with a click, walk to the entry whose data is ``data`` with the
    arrow keys and press Return; returns the chosen text.

    (Keys, not a click on the entry: a combo ignores the mouse release that follows the click
    opening it for a double-click interval, and a test must not sleep through that.)
    """
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} has no entry for {data!r}"
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=5000)
    current = view.currentIndex().row()
    step = Qt.Key.Key_Down if index > current else Qt.Key.Key_Up
    for _ in range(abs(index - current)):
        QTest.keyClick(view, step)
    assert view.currentIndex().row() == index
    QTest.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=5000)
    assert combo.currentIndex() == index, f"{combo.objectName()}: nothing was chosen"
    return str(combo.currentText())


def wait_rows(qtbot: Any, window: Any, predicate: Any, timeout: int = 5000) -> list[Any]:
    """Wait until ``predicate(records shown)`` holds; returns the records."""
    found: dict[str, list[Any]] = {}

    def check() -> bool:
        found["rows"] = shown_records(window)
        return bool(predicate(found["rows"]))

    try:
        qtbot.waitUntil(check, timeout=timeout)
    except Exception:
        rows = found.get("rows", [])
        raise AssertionError(
            f"the gallery never showed what was expected; it shows {len(rows)} rows"
        ) from None
    return found["rows"]


def scroll_to_end(qtbot: Any, view: QAbstractItemView) -> int:
    """Drag the gallery's scroll bar to the bottom until no page is left to load (the view
    fetches the next page when the bar reaches its end); returns the row count."""
    model = view.model()
    bar = view.verticalScrollBar()
    for _ in range(1000):
        if not model.canFetchMore(QModelIndex()):
            break
        rows = model.rowCount()

        def grew(rows: int = rows) -> bool:
            return model.rowCount() > rows or not model.canFetchMore(QModelIndex())

        qtbot.waitUntil(lambda: bar.maximum() > 0 or grew(), timeout=5000)
        bar.setValue(bar.maximum())
        qtbot.waitUntil(grew, timeout=5000)
    return int(model.rowCount())


def delete_on_server(sim: Any, generation_id: str) -> None:
    """Delete a generation in the simulated account, as the website would (not through the
    app)."""
    from leodesk.core.api import LeonardoClient

    client = LeonardoClient(SIM_KEY, base_url=sim.base_url)
    try:
        assert client.delete_generation(generation_id) == generation_id
    finally:
        client.close()


def generate(qtbot: Any, window: Any, prompt: str, num_images: int = 1) -> list[Any]:
    """Generate from the form (typed prompt, Ctrl+Enter) and wait for the images in the
    gallery; returns their records."""
    model = window.gallery.model()
    before = set(shown_ids(window))
    submit_prompt(qtbot, window, prompt, num_images=num_images)
    qtbot.waitUntil(lambda: len(set(shown_ids(window)) - before) == num_images, timeout=20000)
    return [r for r in shown_records(window) if r.id not in before and model is not None]


def crash_dialog_after(exc: BaseException, logs: Any, read: Any) -> list[str]:
    """Raise ``exc`` into the crash handler (installed on a profile in ``logs``) and return what
    ``read(box)`` takes from the crash dialog it shows, closing it as a user would."""
    import sys

    from PySide6.QtWidgets import QMessageBox

    from leodesk import app as app_mod
    from leodesk.core.paths import Paths

    shown: list[str] = []

    def close_box() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.objectName() == "crashDialog" and w.isVisible():
                shown.append(read(w))
                w.accept()
                return
        QTimer.singleShot(20, close_box)

    old = sys.excepthook
    try:
        app_mod.install_crash_handler(Paths(config=logs, data=logs, cache=logs, logs=logs))
        QTimer.singleShot(20, close_box)
        try:
            raise exc
        except type(exc):
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
    return shown


def wheel(widget: QWidget, pos: QPointF, steps: int) -> None:
    """Turn the mouse wheel ``steps`` notches (up: positive) over ``pos`` of ``widget``."""
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
