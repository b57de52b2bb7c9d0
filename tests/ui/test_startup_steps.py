"""The app opens in short steps (one per turn of the event loop), and the window is usable as
soon as its panes are in: typing in the prompt, the gallery showing the library."""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest

from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library
from tests.ui.helpers import sim_runtime, wait_idle


def _fill_library(n: int) -> None:
    from leodesk.core import paths

    lib = Library.open(paths.resolve().ensure().library_db)
    lib.upsert_generations(
        [
            Generation(
                id=f"gen-{k:04d}",
                status="COMPLETE",
                prompt=f"lighthouse number {k}",
                created_at=f"2026-01-0{1 + k // 1000}T00:{k // 60 % 60:02d}:{k % 60:02d}.000Z",
                images=(GeneratedImage(id=f"img-{k:04d}", url=None),),
            )
            for k in range(n)
        ]
    )
    lib.close()


def _opened_and_idle(qtbot: Any, launcher: Any) -> None:
    """Every start-up step ran and the work they started is done: shutting down now cuts
    nothing off (a job cut off stays listed as running, and the teardown waits for it)."""
    qtbot.waitUntil(lambda: launcher.opened, timeout=10000)
    wait_idle(qtbot, launcher.window, 20000)


def test_the_window_opens_in_steps_and_is_usable_before_the_last(qtbot: Any, sim: Any) -> None:
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    _fill_library(1200)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=sim_runtime(sim))
    launcher.stepped = True
    window.launcher = launcher
    # the event loop's turns while the app opens: a 2 ms timer, each gap measured
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heart = QTimer()
    heart.setInterval(2)
    heart.timeout.connect(beat)
    # what the window holds at each turn of the event loop while it opens
    seen: list[tuple[bool, bool]] = []
    probe = QTimer()
    probe.setInterval(0)
    probe.timeout.connect(
        lambda: seen.append((window.form is not None, hasattr(window, "help_link")))
    )
    try:
        window.show()
        qtbot.waitExposed(window)
        heart.start()
        probe.start()
        launcher.start()
        assert window.form is None  # not all at once
        qtbot.waitUntil(lambda: window.form is not None and window.form.isVisible(), timeout=10000)
        QTest.keyClicks(window.form.prompt_edit, "a lighthouse")  # typing works
        assert window.form.prompt_edit.toPlainText() == "a lighthouse"
        model = window.gallery.model()
        assert model.rowCount() > 0
        qtbot.waitUntil(lambda: hasattr(window, "help_link"), timeout=10000)
        probe.stop()
        # the event loop turned while the form was in and the last step had not run yet
        assert (True, False) in seen
        assert seen.count((True, False)) >= 5  # several steps, each its own turn
        qtbot.waitUntil(lambda: model.rowCount() == 1200, timeout=10000)  # the whole library
        assert window.gallery_pane.count_label.text() == "1,200 images"
        heart.stop()
        assert len(gaps) > 10  # the loop kept turning while the app opened
        _opened_and_idle(qtbot, launcher)
    finally:
        heart.stop()
        probe.stop()
        launcher.shutdown()


def test_the_panes_keep_their_layout_while_the_app_opens(qtbot: Any, sim: Any) -> None:
    """Nothing is selected at start-up: the Details dock never shows; the date scrubber shows
    once its months are in, never empty first (shown for a turn and hidden again, either would
    resize the gallery twice, each a repaint of the whole window)."""
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    _fill_library(50)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=sim_runtime(sim))
    launcher.stepped = True
    window.launcher = launcher
    docks: list[bool] = []  # at each turn of the event loop, once the dock exists
    scrubber: list[bool] = []  # the same for the date scrubber

    def look() -> None:
        if hasattr(window, "metadata_dock"):
            docks.append(window.metadata_dock.isVisible())
        if window.gallery_pane is not None:
            scrubber.append(window.gallery_pane.scrubber.isVisible())

    probe = QTimer()
    probe.setInterval(0)
    probe.timeout.connect(look)
    try:
        window.show()
        qtbot.waitExposed(window)
        probe.start()
        launcher.start()
        qtbot.waitUntil(lambda: hasattr(window, "help_link"), timeout=10000)
        qtbot.wait(300)  # the months arrive from a worker
        probe.stop()
        assert len(docks) >= 5  # the dock existed over several turns
        assert not any(docks)
        assert (True, False) not in list(pairwise(scrubber))
        assert scrubber[0] is False  # not shown empty
        # A selection still brings the Details in.
        window.gallery.setCurrentIndex(window.gallery.model().index(0, 0))
        qtbot.waitUntil(window.metadata_dock.isVisible, timeout=5000)
        _opened_and_idle(qtbot, launcher)
    finally:
        probe.stop()
        launcher.shutdown()


def test_the_prompt_takes_typing_before_the_form_and_the_services_are_built(
    qtbot: Any, sim: Any
) -> None:
    """While the rest of the app still loads, the gallery shows the library and the prompt (a
    stand-in with the saved drafts) takes typing; the form then adopts that very field: what
    was typed stays, the saved prompt does not come back over it."""
    from dataclasses import replace

    from leodesk.app import Launcher, Preload
    from leodesk.core import paths
    from leodesk.core import settings as settings_mod
    from leodesk.ui.main_window import MainWindow

    _fill_library(300)
    settings_file = paths.resolve().ensure().settings_file
    saved = {"prompt": "a saved castle", "drafts": [{"prompt": "a saved castle"}, {"prompt": "b"}]}
    settings_mod.save(replace(settings_mod.load(settings_file), last_form=saved), settings_file)
    window = MainWindow(demo=True)
    qtbot.addWidget(window, before_close_func=lambda w: wait_idle(qtbot, w, 20000))
    launcher = Launcher(window, demo=True, runtime=sim_runtime(sim))
    launcher.stepped = True
    window.launcher = launcher
    # The second stage of the imports (the services, the form) "still loading": never started.
    launcher.preload = Preload(first=(), rest=())
    try:
        window.show()
        qtbot.waitExposed(window)
        launcher.start()
        qtbot.waitUntil(lambda: window.form_shell is not None, timeout=10000)
        shell = window.form_shell
        edit = shell.section.prompt_edit
        qtbot.waitUntil(edit.isVisible, timeout=5000)
        assert window.form is None and window.ctx is None  # the rest is not there
        assert window.gallery.model().rowCount() > 0  # the library shows
        assert edit.toPlainText() == "a saved castle"  # the saved draft, its tabs
        assert [shell.tabs.tabText(i) for i in range(shell.tabs.count())] == ["a saved castle", "b"]
        helpers = (shell.section.random_prompt_button, shell.section.history_button)
        assert not any(b.isEnabled() for b in helpers)  # nothing to answer them yet
        edit.setFocus()
        edit.selectAll()
        QTest.keyClicks(edit, "a red fox")
        assert edit.toPlainText() == "a red fox"
        launcher.preload.done.emit()  # the rest is in: the steps go on
        qtbot.waitUntil(lambda: hasattr(window, "help_link"), timeout=10000)
        assert window.form is not None and window.form.prompt_edit is edit  # adopted
        assert edit.toPlainText() == "a red fox"  # not the saved prompt again
        assert window.form_shell is None  # the stand-in is gone
        assert all(b.isEnabled() for b in helpers)
        assert edit.window() is window and edit.isVisible()
        QTest.keyClicks(edit, " in snow")
        assert window.form.form_state().prompt == "a red fox in snow"
        assert window.drafts.count() == 2  # the saved drafts came back around it
        assert window.drafts.tabs.tabText(window.drafts.current()) == "a red fox"
        _opened_and_idle(qtbot, launcher)
    finally:
        launcher.shutdown()


def test_the_preload_loads_every_module_furnish_builds_from() -> None:
    """FURNISH_MODULES is what MainWindow.furnish imports for the window's bars: the preload
    thread loads them first, so that furnish() on the GUI thread only builds; LINK_MODULES
    (the links to the dialogs, built once it is in) load with the second stage."""
    import ast
    import inspect
    import textwrap

    from leodesk.app import PRELOAD_GALLERY, PRELOAD_REST
    from leodesk.ui import main_window

    def imports(method: object) -> set[str | None]:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))  # type: ignore[arg-type]
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}

    window = main_window.MainWindow
    assert imports(window._furnish_bars) == set(main_window.FURNISH_MODULES)
    assert imports(window.furnish_links) == set(main_window.LINK_MODULES)
    assert set(main_window.FURNISH_MODULES) <= set(PRELOAD_GALLERY)
    assert set(main_window.LINK_MODULES) <= set(PRELOAD_REST)
    assert not set(main_window.LINK_MODULES) & set(PRELOAD_GALLERY)


def test_the_first_frame_is_the_bare_window_then_it_says_starting(qtbot: Any) -> None:
    """No text in the first frame (the first text drawn loads the fonts); "Starting…" in the
    middle right after, once."""
    from PySide6.QtWidgets import QLabel

    from leodesk.ui.main_window import MainWindow

    window = MainWindow(furnish=False)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    assert window.findChildren(QLabel) == []
    window.say_starting()
    window.say_starting()  # again: nothing more
    labels = window.findChildren(QLabel)
    assert [label.text() for label in labels] == ["Starting…"]
    qtbot.waitUntil(labels[0].isVisible)
    centre = labels[0].mapTo(window, labels[0].rect().center())
    area = window.centralWidget().geometry().center()
    assert abs(centre.x() - area.x()) <= 2 and abs(centre.y() - area.y()) <= 2
