"""Every control a user can reach has an object name (for tests and tools) and an accessible name
(for screen readers): the main window once attached, the image viewer and the key dialog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QListView,
    QMenuBar,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabBar,
    QWidget,
)

from leodesk.core import secrets
from tests.conftest import SIM_KEY
from tests.ui.helpers import (
    Apps,
    cell_center,
    double_click,
    sim_runtime,
    submit_prompt,
    wait_idle,
    wait_models,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QPlainTextEdit,
    QAbstractSpinBox,
    QComboBox,
    QAbstractItemView,
    QSlider,
    QTabBar,
    QGraphicsView,  # not a standard input, but the viewer's canvas takes wheel and drags
)

REQUIRED: dict[str, type[QWidget]] = {
    "modelBrowser": QWidget,
    "modelSearch": QLineEdit,
    "promptEdit": QPlainTextEdit,
    "negativePromptEdit": QPlainTextEdit,
    "widthSpin": QSpinBox,
    "heightSpin": QSpinBox,
    "numImagesSpin": QSpinBox,
    "guidanceSpin": QDoubleSpinBox,
    "seedEdit": QLineEdit,
    "alchemyCheck": QCheckBox,
    "photoRealCheck": QCheckBox,
    "generateButton": QPushButton,
    "costLabel": QLabel,
    "jobStrip": QListView,
    "galleryView": QAbstractItemView,
    "balanceLabel": QLabel,
}


def qt_internal(widget: QWidget) -> str | None:
    """Why ``widget`` is a part Qt builds inside a standard widget (None: it is ours).

    Each exclusion names the exact piece, so a control of our own never slips through:

    * ``qt_spinbox_lineedit``: the text field inside every spin box. The spin box itself is the
      control (checked), the field is its editor and is not announced on its own.
    * a combo box's popup list (``QComboBox.view()``): the combo (checked) is the control; the
      list is its drop-down, whose items are the combo's items.
    * the clear button a ``QLineEdit`` adds for ``setClearButtonEnabled`` (a ``QToolButton``
      child of the line edit, unfocusable, driven by the line edit's own clear action).
    * ``qt_menubar_ext_button``: the "more items" chevron of a ``QMenuBar``.
    * a ``QTabBar``'s close buttons (class ``CloseButton``, one per tab of a closable bar):
      unfocusable, with Qt's "Close Tab" tooltip; the tab bar (checked) offers the close action.
    """
    parent = widget.parentWidget()
    if (
        isinstance(widget, QLineEdit)
        and widget.objectName() == "qt_spinbox_lineedit"
        and isinstance(parent, QAbstractSpinBox)
    ):
        return "spin box editor"
    if isinstance(widget, QAbstractItemView):
        ancestor = parent
        while ancestor is not None:
            if isinstance(ancestor, QComboBox) and ancestor.view() is widget:
                return "combo box popup"
            ancestor = ancestor.parentWidget()
    if (
        isinstance(widget, QAbstractButton)
        and isinstance(parent, QLineEdit)
        and parent.isClearButtonEnabled()
        and widget.metaObject().className() == "QLineEditIconButton"
    ):
        return "line edit clear button"
    if widget.objectName() == "qt_menubar_ext_button" and isinstance(parent, QMenuBar):
        return "menu bar extension"
    if (
        isinstance(parent, QTabBar)
        and parent.tabsClosable()
        and widget.metaObject().className() == "CloseButton"
    ):
        return "tab close button"
    return None


def unnamed(root: QWidget) -> list[str]:
    """The interactive widgets under ``root`` lacking an object or accessible name."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or qt_internal(widget):
            continue
        if not widget.objectName() or not widget.accessibleName().strip():
            chain: list[str] = []
            w: QWidget | None = widget
            while w is not None and w is not root:
                chain.append(f"{w.metaObject().className()}#{w.objectName()}")
                w = w.parentWidget()
            problems.append(" < ".join(chain))
    return problems


def interactive_count(root: QWidget) -> int:
    return sum(
        1
        for w in root.findChildren(QWidget)
        if isinstance(w, INTERACTIVE) and qt_internal(w) is None
    )


@pytest.fixture
def window(
    qtbot: Any, sim: Any, real_keychain: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The app with a (non-demo) key from the environment, so every menu entry is live."""
    monkeypatch.setenv(secrets.ENV_KEY, SIM_KEY)
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim, demo=False))
        wait_models(qtbot, w)
        yield w
    finally:
        apps.shutdown_all()


def test_main_window_controls_are_named(qtbot: Any, window: Any) -> None:
    # Open the foldable sections so nothing is judged only while hidden (hidden ones count too).
    for section in ("advancedSection", "elementsSection"):
        window.findChild(QWidget, section).set_expanded(True)
    assert interactive_count(window) > 40  # the walk really reaches the panes
    assert unnamed(window) == []
    # The check does catch a control without names, wherever it sits.
    stray = QPushButton("?", window.findChild(QWidget, "promptFormContent"))
    try:
        found = unnamed(window)
        assert len(found) == 1
        assert found[0].startswith("QPushButton# < QWidget#promptFormContent")
    finally:
        stray.deleteLater()
    wait_idle(qtbot, window)


def test_required_names_exist_once_with_their_kind(qtbot: Any, window: Any) -> None:
    for name, kind in REQUIRED.items():
        found: list[QWidget] = window.findChildren(QWidget, name)
        assert len(found) == 1, f"{name}: {found}"
        assert isinstance(found[0], kind), f"{name} is a {type(found[0]).__name__}"
        assert found[0].accessibleName().strip(), name
    wait_idle(qtbot, window)


def test_viewer_and_key_dialog_controls_are_named(qtbot: Any, window: Any) -> None:
    # The viewer, opened from a generated image.
    submit_prompt(qtbot, window, "a quiet harbour", num_images=1)
    qtbot.waitUntil(lambda: window.gallery.model().rowCount() == 1, timeout=20000)
    gallery = window.gallery
    double_click(qtbot, gallery, cell_center(qtbot, gallery, gallery.model().index(0, 0)))
    qtbot.waitUntil(lambda: window.findChild(QDialog, "imageViewer") is not None, timeout=5000)
    viewer = window.findChild(QDialog, "imageViewer")
    qtbot.waitUntil(viewer.isVisible, timeout=5000)
    assert viewer.accessibleName()
    assert interactive_count(viewer) >= 8
    assert unnamed(viewer) == []
    viewer.close()

    # The key dialog, from Account → API key….
    assert window.key_action.isEnabled()
    window.key_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(QDialog, "keyDialog") is not None, timeout=5000)
    dialog = window.findChild(QDialog, "keyDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.accessibleName()
    assert interactive_count(dialog) >= 6
    assert unnamed(dialog) == []
    dialog.reject()
    wait_idle(qtbot, window)
