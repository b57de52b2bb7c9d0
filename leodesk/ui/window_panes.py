"""The main window's layout: the gallery in the centre, the model browser and the form as side panes
that collapse to an icon strip, Details (a dock on the right) shown with a selection, the queue in
a popup (the status chip, the ▾ beside Generate) with the full panel under View. The collapsed
panes are saved with the window (``collapsed_panes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QPixmap
from PySide6.QtWidgets import QSplitter, QStyle, QToolButton, QWidget

from leodesk.ui.side_pane import STRIP, SidePane
from leodesk.ui.widgets import FirstPaint, named

if TYPE_CHECKING:
    from leodesk.ui.main_window import MainWindow
    from leodesk.ui.queue_chip import QueueChip

OPEN_WIDTHS = {"browser": 250, "form": 400}  # a pane's width when it opens (first time)
WIDE_WINDOW = 1700  # narrower, a fresh profile starts with the model browser collapsed
DETAILS_WIDTH = 260
PANES = ("browser", "form", "details")


class PanesLink(QObject):
    """Builds the window's centre (``window.splitter``) and keeps the panes' collapsed state."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.open_width = dict(OPEN_WIDTHS)
        self.panes: dict[str, SidePane] = {}
        self.chip: QueueChip | None = None
        self.details_action = QAction(self.tr("&Details panel"), window)
        self.details_action.setObjectName("toggleDetailsAction")
        self.details_action.setCheckable(True)
        self.details_action.setChecked(True)
        self.details_action.toggled.connect(lambda _on: self.apply_details())
        self.details_button = named(
            QToolButton(),
            "detailsPaneButton",
            self.tr("Show or hide: Details"),
            self.tr("Details of the selected image (shown while an image is selected)"),
        )
        self.details_button.setDefaultAction(self.details_action)
        # The style's icons come after the panes' first frame (give_icons): the first one
        # loads the icon theme, ~4 ms on X11 before the gallery could show. Meanwhile a blank
        # icon of the same size holds their place (nothing moves when they come).
        self._wanted_icons: list[tuple[Any, QStyle.StandardPixmap]] = []
        self._blank_icon: QIcon | None = None
        self.details_button.setIcon(self._blank())
        self._icon_later(self.details_button.setIcon, QStyle.StandardPixmap.SP_FileDialogInfoView)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    def _blank(self) -> QIcon:
        """A transparent 16 px icon: the place of a style icon until :meth:`give_icons`."""
        if self._blank_icon is None:
            blank = QPixmap(16, 16)
            blank.fill(Qt.GlobalColor.transparent)
            self._blank_icon = QIcon(blank)
        return self._blank_icon

    def _icon_later(self, setter: Any, which: QStyle.StandardPixmap) -> None:
        """``setter`` gets the style's ``which`` in :meth:`give_icons`."""
        self._wanted_icons.append((setter, which))

    def give_icons(self) -> None:
        """The style's icons in place of the blank ones (called once the panes have shown)."""
        wanted, self._wanted_icons = self._wanted_icons, []
        style = self.window.style()
        for setter, which in wanted:
            setter(style.standardIcon(which))

    # -- the centre -----------------------------------------------------------------------------
    def build_splitter(self, browser: QWidget, form: QWidget, gallery: QWidget) -> QSplitter:
        """Browser | form | gallery; the gallery takes what the side panes leave."""
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        icons = QStyle.StandardPixmap
        for key, content, title, icon in (
            ("browser", browser, self.tr("Models"), icons.SP_FileDialogListView),
            ("form", form, self.tr("Prompt"), icons.SP_FileDialogDetailedView),
        ):
            pane = SidePane(content, key, title, self._blank())
            self._icon_later(pane.button.setIcon, icon)
            pane.opened_changed.connect(lambda on, k=key: self._pane_toggled(k, on))
            self.panes[key] = pane
            splitter.addWidget(pane)
        splitter.addWidget(gallery)
        self.fit_form()
        splitter.setStretchFactor(2, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([self.open_width["browser"], self.open_width["form"], 750])
        self.splitter = splitter
        FirstPaint(splitter, self.give_icons)
        if self.window.width() < WIDE_WINDOW:
            self.panes["browser"].set_open(False)
        return splitter

    def fit_form(self) -> None:
        """The form pane is never narrower than the form's content (its scroll area scrolls
        only vertically: narrower, the controls would be cut off on the right). While the form's
        stand-in shows (the app still loading), the width the form opens with: the panes do not
        move when the form comes."""
        form = self.window.form
        if form is None:
            if self.window.form_shell is None or "form" not in self.panes:
                return
            need = OPEN_WIDTHS["form"]
        else:
            area = form.scroll_area
            inner = area.widget()
            if inner is None:
                return
            need = inner.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width()
            need += 12  # the drafts' tab frame and margins around the form
        pane = self.panes["form"]
        pane.open_minimum = need
        if pane.is_open():
            pane.setMinimumWidth(need)

    def _pane_toggled(self, key: str, on: bool) -> None:
        """Opening a pane gives it back its last width, from the gallery's share."""
        sizes = self.splitter.sizes()
        i = list(self.panes).index(key)
        if on:
            want = max(self.open_width[key], self.panes[key].minimumSizeHint().width())
            sizes[2] = max(sizes[2] - (want - sizes[i]), 200)
            sizes[i] = want
        else:
            if sizes[i] > STRIP and self.splitter.isVisible():  # (not laid out before)
                self.open_width[key] = sizes[i]
            sizes[2] += sizes[i] - STRIP
            sizes[i] = STRIP
        self.splitter.setSizes(sizes)

    def show_browser(self) -> None:
        """Open the model browser (collapsed or not) with its search focused."""
        self.panes["browser"].set_open(True)
        browser = self.window.browser
        if browser is not None:
            browser.search.setFocus()

    # -- Details: with a selection --------------------------------------------------------------
    def apply_details(self) -> None:
        """Details shows while something is selected and the user wants it."""
        dock = getattr(self.window, "metadata_dock", None)
        gallery = self.window.gallery
        if dock is None or gallery is None or gallery.selectionModel() is None:
            return
        selected = gallery.selectionModel().hasSelection()
        show = self.details_action.isChecked() and selected
        if show and not dock.isVisible():
            dock.setVisible(True)
            self.window.resizeDocks([dock], [DETAILS_WIDTH], Qt.Orientation.Horizontal)
        elif not show:
            dock.setVisible(False)

    # -- the queue ------------------------------------------------------------------------------
    def attach_queue(self, ctx: Any, panel_action: QAction) -> None:
        from leodesk.ui.queue_chip import QueueChip

        self.chip = QueueChip(ctx.queue, ctx.generation, panel_action)
        self.window.statusBar().addPermanentWidget(self.chip)
        form = self.window.form
        if form is not None:
            chip = self.chip
            form.footer.queue_button.clicked.connect(
                lambda: chip.open_popup(form.footer.queue_button)
            )

    # -- saved state ----------------------------------------------------------------------------
    def restore(self, collapsed: Any) -> None:
        """``collapsed``: the saved keys of the collapsed panes (None: never saved)."""
        if collapsed is None:
            return
        for key, pane in self.panes.items():
            pane.set_open(key not in collapsed)
        self.details_action.setChecked("details" not in collapsed)

    def apply_details_later(self) -> None:
        """Details as saved, once the window's saved state (restored a turn later) is in."""
        QTimer.singleShot(0, self.apply_details)

    def snapshot(self) -> dict[str, Any]:
        keys = [k for k, pane in self.panes.items() if not pane.is_open()]
        if not self.details_action.isChecked():
            keys.append("details")
        return {"collapsed_panes": tuple(keys)}
