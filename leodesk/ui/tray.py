"""The tray icon, the notices it shows, and the View ▸ Notifications menu.

:class:`TrayNotifications` shows what :class:`leodesk.qt.notify.Notifier` decides: while the main
window is active, in the window (a status bar message); otherwise by the OS, through the tray icon's
balloon when the desktop has a system tray, and in the window (plus a taskbar alert) when it has
none. The tray icon's tooltip follows the queue. Every notice shown is also kept in
:attr:`TrayNotifications.shown`, newest last, so it stays observable where no tray exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu, QSystemTrayIcon, QWidget

from leodesk.qt.notify import BATCH, FAILED, LOW_BALANCE, MODERATION, Notifier
from leodesk.ui.app_icon import app_icon
from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.core.settings import Settings

MESSAGE_MS = 10000  # how long a notice stays (balloon and status bar)
SHOWN_KEPT = 100

# kind -> (menu text, action object name, what the action turns on or off)
_KIND_ACTIONS = {
    BATCH: (
        str(QT_TRANSLATE_NOOP("TrayNotifications", "&Batch finished")),
        "notifyBatchAction",
        str(QT_TRANSLATE_NOOP("TrayNotifications", "Tell me when every job of a batch ended")),
    ),
    FAILED: (
        str(QT_TRANSLATE_NOOP("TrayNotifications", "Job &failed")),
        "notifyFailedAction",
        str(QT_TRANSLATE_NOOP("TrayNotifications", "Tell me when a job fails")),
    ),
    MODERATION: (
        str(QT_TRANSLATE_NOOP("TrayNotifications", "Prompt rejected by &moderation")),
        "notifyModerationAction",
        str(
            QT_TRANSLATE_NOOP(
                "TrayNotifications", "Tell me when content moderation refuses a prompt"
            )
        ),
    ),
    LOW_BALANCE: (
        str(QT_TRANSLATE_NOOP("TrayNotifications", "&Low credit balance")),
        "notifyLowBalanceAction",
        str(
            QT_TRANSLATE_NOOP(
                "TrayNotifications", "Tell me when the API credit balance goes below the threshold"
            )
        ),
    ),
}


@dataclass(frozen=True)
class Shown:
    """A notice as the user saw it: ``where`` is "tray" (the OS balloon) or "window"."""

    kind: str
    title: str
    text: str
    where: str
    system: bool  # the window was not active (the OS was asked to show it)


class TrayNotifications(QObject):
    """Owns the tray icon and the Notifications menu of ``window`` for ``notifier``."""

    def __init__(
        self,
        window: Any,
        notifier: Notifier,
        generation: Any,
        settings: Settings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent if parent is not None else window)
        self.window = window
        self.notifier = notifier
        self.shown: list[Shown] = []
        if settings is not None:
            notifier.apply(settings)
        notifier.window_active = self._window_active
        notifier.notify.connect(self._system)
        notifier.in_window.connect(self._in_window)

        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        icon = QApplication.windowIcon()
        if icon.isNull() or not icon.availableSizes():
            icon = app_icon()  # the packaged icon files (leodesk/data/icons)
            QApplication.setWindowIcon(icon)  # the taskbar and the window show it too
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setObjectName("trayIcon")
        self.tray_menu = QMenu(window)
        show_action = QAction(self.tr("&Show leodesk"), self.tray_menu)
        show_action.setObjectName("trayShowAction")
        show_action.triggered.connect(self.raise_window)
        self.tray_menu.addAction(show_action)
        quit_action = QAction(self.tr("&Quit"), self.tray_menu)
        quit_action.setObjectName("trayQuitAction")
        quit_action.triggered.connect(window.close)
        self.tray_menu.addAction(quit_action)
        self.icon.setContextMenu(self.tray_menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self.raise_window)
        generation.status_changed.connect(self.set_queue_status)
        self.set_queue_status(generation.status())
        if self.available:
            self.icon.show()
        window.closing.connect(self.hide)

        self.menu: QMenu | None = None
        self.kind_actions: dict[str, QAction] = {}
        self.sound_action: QAction | None = None
        self.threshold_action: QAction | None = None

    # -- the menu ---------------------------------------------------------------------------
    def add_menu(self, parent_menu: QMenu) -> QMenu:
        """Add the Notifications submenu (one checkable action per kind, the low-balance
        threshold, the sound) to ``parent_menu``."""
        menu = named(
            QMenu(self.tr("&Notifications"), parent_menu),
            "notificationsMenu",
            self.tr("Notifications"),
        )
        for kind, (text, name, tip) in _KIND_ACTIONS.items():
            action = QAction(QCoreApplication.translate("TrayNotifications", text), menu)
            action.setObjectName(name)
            action.setCheckable(True)
            action.setChecked(self.notifier.is_enabled(kind))
            action.setToolTip(QCoreApplication.translate("TrayNotifications", tip))
            action.setStatusTip(tip)
            action.toggled.connect(lambda on, k=kind: self.notifier.set_enabled(k, on))
            menu.addAction(action)
            self.kind_actions[kind] = action
        menu.addSeparator()
        self.threshold_action = QAction(menu)
        self.threshold_action.setObjectName("lowBalanceThresholdAction")
        self.threshold_action.triggered.connect(self.ask_threshold)
        self._threshold_text()
        menu.addAction(self.threshold_action)
        self.sound_action = QAction(self.tr("Play a &sound"), menu)
        self.sound_action.setObjectName("notifySoundAction")
        self.sound_action.setCheckable(True)
        self.sound_action.setChecked(self.notifier.sound)
        self.sound_action.setToolTip(
            self.tr("Beep when a notification is shown outside the window")
        )
        self.sound_action.toggled.connect(lambda on: setattr(self.notifier, "sound", on))
        menu.addAction(self.sound_action)
        parent_menu.addMenu(menu)
        self.menu = menu
        return menu

    def _threshold_text(self) -> None:
        if self.threshold_action is not None:
            value = self.notifier.low_balance_below
            self.threshold_action.setText(
                self.tr("Low balance threshold… ({value} credits)").format(value=f"{value:,}")
            )
            self.threshold_action.setToolTip(
                self.tr("Tell me when the API credit balance goes below {value} credits").format(
                    value=f"{value:,}"
                )
            )

    def ask_threshold(self) -> None:
        value, ok = QInputDialog.getInt(
            self.window,
            self.tr("Low balance threshold"),
            self.tr("Tell me when the API credit balance goes below (credits):"),
            self.notifier.low_balance_below,
            0,
            1_000_000_000,
        )
        if ok:
            self.set_threshold(value)

    def set_threshold(self, value: int) -> None:
        self.notifier.set_low_balance_below(value)
        self._threshold_text()

    def snapshot(self) -> dict[str, Any]:
        """The Settings fields to save on close."""
        return self.notifier.snapshot()

    # -- the tray icon ----------------------------------------------------------------------
    def set_queue_status(self, status: Any) -> None:
        text = status.text() if status is not None else ""
        self.icon.setToolTip(
            self.tr("leodesk — {status}").format(status=text) if text else "leodesk"
        )

    def tooltip(self) -> str:
        return str(self.icon.toolTip())

    def hide(self) -> None:
        self.icon.hide()

    def raise_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.raise_window()

    # -- notices ----------------------------------------------------------------------------
    def _window_active(self) -> bool:
        window: QWidget = self.window
        return bool(window.isVisible() and window.isActiveWindow())

    def _system(self, kind: str, title: str, text: str) -> None:
        """The window is not active: the OS shows it (the tray's balloon), or, with no tray,
        the window does and asks the taskbar for attention."""
        if self.available and QSystemTrayIcon.supportsMessages() and self.icon.isVisible():
            warning = kind in (FAILED, MODERATION, LOW_BALANCE)
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if warning
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.icon.showMessage(title, text, icon, MESSAGE_MS)
            where = "tray"
        else:
            self._status_message(title, text)
            QApplication.alert(self.window)
            where = "window"
        if self.notifier.sound:
            QApplication.beep()
        self._record(Shown(kind, title, text, where, system=True))

    def _in_window(self, kind: str, title: str, text: str) -> None:
        self._status_message(title, text)
        self._record(Shown(kind, title, text, "window", system=False))

    def _status_message(self, title: str, text: str) -> None:
        self.window.statusBar().showMessage(f"{title}: {text}", MESSAGE_MS)

    def _record(self, shown: Shown) -> None:
        self.shown.append(shown)
        del self.shown[:-SHOWN_KEPT]
