"""The main window's preferences: File ▸ Preferences… (Ctrl+,), the theme, custom shortcuts and
the Cancel job shortcut (Ctrl+Shift+Backspace), View ▸ Theme.

:class:`PreferencesLink` keeps the settings no other part of the window owns (theme, thumbnail
size, defaults of a new form, export folder, thumbnail cache cap, custom shortcuts), applies them
at start (:meth:`attach`) and when the dialog's OK is pressed (:meth:`apply`), and hands them to
the window's :meth:`snapshot` for saving. ``changed`` asks the launcher to save at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from leodesk.ui.shortcuts import Shortcuts
from leodesk.ui.widgets import add_menu

if TYPE_CHECKING:
    from leodesk.core.settings import Settings
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow

# The fields this link keeps (the others live in the window, its menus and its tray).
OWN_FIELDS = (
    "theme",
    "gallery_thumb_size",
    "default_model_id",
    "default_width",
    "default_height",
    "export_folder",
    "thumb_cache_mb",
    "shortcuts",
)
CANCEL_JOB_KEYS = "Ctrl+Shift+Backspace"


class PreferencesLink(QObject):
    """Preferences… and Cancel job for ``window``. Signals: changed()."""

    changed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx: AppContext | None = None
        self.own: dict[str, Any] = {}
        self.shortcuts = Shortcuts(window)
        self.dialog: Any = None
        self.action = QAction(self.tr("&Preferences…"), window)
        self.action.setObjectName("preferencesAction")
        self.action.setShortcut(QKeySequence("Ctrl+,"))
        self.action.setEnabled(False)  # until the settings are read
        self.action.triggered.connect(self.open)
        self.cancel_action = QAction(self.tr("&Cancel job"), window)
        self.cancel_action.setObjectName("cancelJobAction")
        self.cancel_action.setToolTip(
            self.tr(
                "Cancel the jobs selected in the queue, or else the last queued job",
            )
        )
        self.cancel_action.setShortcut(QKeySequence(CANCEL_JOB_KEYS))
        self.cancel_action.triggered.connect(self.cancel_job)
        window.addAction(self.cancel_action)  # works wherever the focus is
        self.theme_actions = self._theme_actions()

    def _theme_actions(self) -> dict[str, QAction]:
        """View ▸ Theme: System, Light, Dark (one checked)."""
        group = QActionGroup(self)
        actions: dict[str, QAction] = {}
        for key, text, name in (
            (
                "system",
                self.tr("Follow the &system"),
                "themeSystemAction",
            ),
            ("light", self.tr("&Light"), "themeLightAction"),
            ("dark", self.tr("&Dark"), "themeDarkAction"),
        ):
            action = QAction(text, self.window)
            action.setObjectName(name)
            action.setCheckable(True)
            action.triggered.connect(lambda _on=False, k=key: self.set_theme(k))
            group.addAction(action)
            actions[key] = action
        return actions

    def add_theme_menu(self, view_menu: QMenu) -> None:
        menu = add_menu(view_menu, self.tr("&Theme"))
        menu.setObjectName("themeMenu")
        menu.setAccessibleName(self.tr("Theme"))
        menu.addActions(list(self.theme_actions.values()))

    def set_theme(self, name: str) -> None:
        """Show the app in ``name`` (system, light or dark) now, and save it."""
        from leodesk.ui.theme import apply_theme  # after the first paint

        self.own["theme"] = name
        apply_theme(name)
        self._check_theme()
        self.changed.emit()

    def _check_theme(self) -> None:
        action = self.theme_actions.get(str(self.own.get("theme")))
        if action is not None:
            action.setChecked(True)

    # -- start -----------------------------------------------------------------------------------
    def attach(self, ctx: AppContext, settings: Settings | None) -> None:
        """Read ``settings`` and apply the theme, thumbnail size and custom shortcuts."""
        from leodesk.core.settings import Settings  # after the first paint

        self.ctx = ctx
        settings = settings or Settings()
        self.own = {name: getattr(settings, name) for name in OWN_FIELDS}
        self.own["shortcuts"] = dict(settings.shortcuts)
        self.action.setEnabled(True)
        self._apply_own()

    def _apply_own(self) -> None:
        from leodesk.ui.theme import apply_theme  # after the first paint

        apply_theme(str(self.own["theme"]))
        self._check_theme()
        pane = self.window.gallery_pane
        if pane is not None:  # the gallery's thumbnail-size slider follows
            pane.set_thumb_size(int(self.own["gallery_thumb_size"]))
        if self.ctx is not None:
            self.ctx.thumbs.set_disk_cap(int(self.own["thumb_cache_mb"]) * 1024 * 1024)
        self.shortcuts.apply(self.own["shortcuts"])

    def start_form(self) -> None:
        """At start: the form takes the default model and size of Preferences, when set
        (otherwise it keeps what it had when the app was closed)."""
        form = self.window.form
        if form is None:
            return
        model = self.window.model_for(self.own.get("default_model_id"))
        if model is not None:
            form.set_model(model)
        if self.own.get("default_width"):
            form.width_spin.setValue(int(self.own["default_width"]))
        if self.own.get("default_height"):
            form.height_spin.setValue(int(self.own["default_height"]))

    # -- the dialog ------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Every setting the dialog edits, as the app has them now."""
        window = self.window
        out = dict(self.own)
        out["keep_full_images_offline"] = window.offline_action.isChecked()
        out["confirm_cost_above"] = window.confirm_cost_above
        if window.gallery_pane is not None:  # the gallery's slider is the live value
            out.update(window.gallery_pane.view_snapshot())
        if window.notifications is not None:
            out.update(window.notifications.snapshot())
        return out

    def open(self) -> None:
        from leodesk.ui.preferences import PreferencesDialog  # after the first paint

        if self.dialog is not None:
            self.dialog.raise_()
            return
        models: list[tuple[str, str]] = []
        if self.ctx is not None:
            found = self.ctx.platform_models.models() + self.ctx.own_models.models()
            models = [(m.id, m.name) for m in found]
        self.dialog = PreferencesDialog(self.values(), self.shortcuts, models, self.window)
        self.dialog.accepted.connect(lambda: self.apply(self.dialog.values()))
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def apply(self, values: dict[str, Any]) -> None:
        """Make ``values`` (Settings fields) the app's settings now, and save them."""
        from leodesk.qt.notify import SETTING_FOR_KIND  # after the first paint

        window = self.window
        self.own.update({k: values[k] for k in OWN_FIELDS if k in values})
        self._apply_own()
        window.offline_action.setChecked(bool(values["keep_full_images_offline"]))
        window.set_cost_limit(values["confirm_cost_above"])
        tray = window.notifications
        if tray is not None:
            for kind, name in SETTING_FOR_KIND.items():
                if kind in tray.kind_actions:
                    tray.kind_actions[kind].setChecked(bool(values[name]))
            if tray.sound_action is not None:
                tray.sound_action.setChecked(bool(values["notify_sound"]))
            tray.set_threshold(int(values["low_balance_below"]))
        window.statusBar().showMessage(self.tr("Preferences saved"), 4000)
        self.changed.emit()

    def snapshot(self) -> dict[str, Any]:
        """The fields this link keeps, to save (the thumbnail size is the gallery's to save)."""
        return {k: v for k, v in self.own.items() if k != "gallery_thumb_size"}

    # -- cancel a job ----------------------------------------------------------------------------
    def cancel_job(self) -> None:
        """Cancel the jobs selected in the queue panel, or (none selected) the last queued one.
        Jobs already sent run to their end (the API cannot stop them)."""
        from leodesk.qt.models.queue_model import JOB_ID_ROLE, STATE_ROLE  # after the first paint

        panel = self.window.queue_panel
        if panel is None:
            return
        selected = panel._selected()
        if selected:
            ids = [i for i, state in selected if state == "queued"]
        else:
            model = panel.view.model()
            rows = [model.index(r, 0) for r in range(model.rowCount())]
            queued = [int(i.data(JOB_ID_ROLE)) for i in rows if i.data(STATE_ROLE) == "queued"]
            ids = queued[-1:]
        if not ids:
            text = (
                self.tr(
                    "The selected jobs are not waiting: a job already sent runs to its end.",
                )
                if selected
                else self.tr(
                    "No queued job to cancel (jobs already sent run to their end).",
                )
            )
            self.window.statusBar().showMessage(text, 6000)
            return
        panel.service.cancel(ids)
        text = self.tr("Cancelled %n queued job(s)", "", len(ids))
        self.window.statusBar().showMessage(text, 4000)
