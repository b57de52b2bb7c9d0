"""The main window's layout, driven with real clicks against the simulator: the side panes
collapse to their strip and open again, Details comes with a selection, the queue chip and the ▾
beside Generate open the queue popup, and the window opens inside the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDockWidget, QListView, QPushButton, QToolButton

from leodesk.ui.side_pane import STRIP
from tests.ui.helpers import (
    Apps,
    child,
    click_row,
    generate,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)


@pytest.fixture
def slow_sim(make_sim: Any) -> Any:
    return make_sim(seed=5, concurrency_slots=1, generation_seconds=60.0)


def _click(qtbot: Any, window: Any, name: str) -> None:
    qtbot.mouseClick(child(window, QToolButton, name), Qt.MouseButton.LeftButton)


def test_panes_collapse_to_a_strip_and_details_come_with_a_selection(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    screen = QApplication.primaryScreen().availableGeometry()
    assert screen.contains(window.geometry())  # the window opens inside the screen
    splitter = window.splitter
    # a narrow window starts with the model browser collapsed to its strip
    browser_pane = child(window, QToolButton, "browserPaneButton")
    assert not browser_pane.isChecked() and not window.browser.isVisible()
    qtbot.waitUntil(lambda: splitter.sizes()[0] == STRIP, timeout=5000)
    # the form's button collapses it: the gallery takes the room
    gallery_before = window.gallery_pane.width()
    _click(qtbot, window, "formPaneButton")
    assert not window.form.isVisible()
    qtbot.waitUntil(lambda: window.gallery_pane.width() > gallery_before + 200, timeout=5000)
    _click(qtbot, window, "formPaneButton")
    qtbot.waitUntil(lambda: window.form.isVisible(), timeout=5000)
    # Ctrl+M-like: the form's model request opens the browser with its search focused
    _click(qtbot, window, "browserPaneButton")
    qtbot.waitUntil(lambda: window.browser.isVisible(), timeout=5000)
    assert splitter.sizes()[0] > STRIP
    _click(qtbot, window, "browserPaneButton")
    window.form.model_requested.emit()
    qtbot.waitUntil(lambda: window.browser.search.hasFocus() or window.browser.isVisible())

    # Details: hidden with nothing selected, shown with a selection
    dock = child(window, QDockWidget, "metadataDock")
    generate(qtbot, window, "a red fox in the snow")
    window.gallery.clearSelection()
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=5000)
    click_row(qtbot, window.gallery, 0)
    qtbot.waitUntil(dock.isVisible, timeout=5000)
    window.gallery.clearSelection()
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=5000)
    # the Details button: collapsed, a selection no longer shows it
    _click(qtbot, window, "detailsPaneButton")
    click_row(qtbot, window.gallery, 0)
    qtbot.wait(100)
    assert not dock.isVisible()
    _click(qtbot, window, "detailsPaneButton")
    qtbot.waitUntil(dock.isVisible, timeout=5000)
    _click(qtbot, window, "formPaneButton")
    saved = window.snapshot()["collapsed_panes"]
    assert set(saved) == {"form"}
    wait_idle(qtbot, window)


def test_the_queue_chip_and_popup(qtbot: Any, apps: Apps, slow_sim: Any) -> None:
    window = apps.start(sim_runtime(slow_sim))
    wait_models(qtbot, window)
    chip = child(window, QToolButton, "queueChip")
    queue_dock = child(window, QDockWidget, "queueDock")
    assert chip.isVisible() and chip.text() == "Queue idle"
    assert not queue_dock.isVisible()  # no full-width band for the queue
    for prompt in ("one", "two", "three"):
        submit_prompt(qtbot, window, prompt)
    qtbot.waitUntil(lambda: chip.text().startswith("1 running · "), timeout=10000)
    assert chip.text().endswith(" queued"), chip.text()
    running, queued = (int(n) for n in re.findall(r"\d+", chip.text())[:2])
    assert running + queued <= 3, chip.text()  # a job just taken is running, not also queued
    # a click on the chip: the jobs in a popup
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    popup = chip.popup
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    view = child(popup, QListView, "queuePopupView")
    assert view.model().rowCount() == 3
    assert QApplication.primaryScreen().availableGeometry().contains(popup.frameGeometry())
    # the full queue panel from the popup
    qtbot.mouseClick(child(popup, QPushButton, "queuePopupPanelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queue_dock.isVisible() and not popup.isVisible(), timeout=5000)
    # the ▾ beside Generate opens the same popup
    qtbot.mouseClick(child(window, QToolButton, "queueButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    popup.hide()
    window.ctx.generation.cancel_all()
    qtbot.waitUntil(lambda: "queued" not in chip.text(), timeout=10000)


def _pixels(icon: Any) -> Any:
    return icon.pixmap(16, 16).toImage().convertToFormat(QImage.Format.Format_ARGB32)


def test_the_panes_icons_come_after_their_first_frame_in_the_place_kept_for_them(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    """The style's icons of the pane buttons load the icon theme (~4 ms): the panes show with
    blank icons of the same size, and get the style's right after their first frame."""
    from PySide6.QtWidgets import QLabel, QStyle

    from leodesk.ui.main_window import MainWindow

    icons = {
        "browserPaneButton": QStyle.StandardPixmap.SP_FileDialogListView,
        "formPaneButton": QStyle.StandardPixmap.SP_FileDialogDetailedView,
        "detailsPaneButton": QStyle.StandardPixmap.SP_FileDialogInfoView,
    }
    # Built, not shown: blank icons hold the place; the buttons' sizes do not change with the
    # style's icons.
    window = MainWindow()
    qtbot.addWidget(window)
    splitter = window.panes_link.build_splitter(QLabel("b"), QLabel("f"), QLabel("g"))
    buttons = {name: splitter.findChild(QToolButton, name) for name in icons}
    buttons["detailsPaneButton"] = window.panes_link.details_button
    sizes = {name: b.sizeHint() for name, b in buttons.items()}
    for b in buttons.values():
        image = _pixels(b.icon())
        assert all(image.pixelColor(x, y).alpha() == 0 for x in range(16) for y in range(16))
    window.panes_link.give_icons()
    for name, b in buttons.items():
        assert _pixels(b.icon()) == _pixels(window.style().standardIcon(icons[name])), name
        assert b.sizeHint() == sizes[name], name

    # In the app: the style's icons once the window has shown, without anything asked.
    app_window = apps.start(sim_runtime(sim))
    wait_models(qtbot, app_window)
    for name, which in icons.items():
        b = app_window.findChild(QToolButton, name)
        expected = _pixels(app_window.style().standardIcon(which))
        qtbot.waitUntil(lambda b=b, expected=expected: _pixels(b.icon()) == expected, timeout=5000)
    wait_idle(qtbot, app_window)
