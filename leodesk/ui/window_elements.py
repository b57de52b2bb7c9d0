"""The main window's elements: the form's Elements section fed from the
:class:`~leodesk.qt.elements.ElementsService` (cached lists at once, fresh ones after a refresh),
with previews, and the deletion of the user's own elements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow


class ElementsLink(QObject):
    """Connects ``window``'s form to ``ctx.elements``; Refresh also reads the elements."""

    def __init__(self, window: MainWindow, ctx: AppContext) -> None:
        super().__init__(window)
        self.window = window
        form = window.form
        assert form is not None
        section = form.elements_section
        section.set_thumbnails(ctx.model_thumbs)
        ctx.elements.ready.connect(form.set_element_choices)
        section.delete_requested.connect(ctx.elements.delete)
        ctx.elements.deleted.connect(lambda _key, name: self._say(f"Deleted your element {name}"))
        ctx.elements.delete_failed.connect(lambda m: self._say(f"Not deleted: {m}"))
        ctx.elements.failed.connect(lambda m: self._say(f"Could not refresh the elements: {m}"))
        window.refresh_action.triggered.connect(ctx.elements.refresh)
        ctx.elements.load_cached()

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)
