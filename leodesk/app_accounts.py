"""The app's side of several accounts: list them in the window, add, remove and switch.

Switching closes the running account the way quitting does (its settings saved, its services
stopped, jobs cut off resume in *its* library next time) and opens the other account in a new
window on a new runtime: nothing of one account's context (key, library, queue) survives into the
other's, so a job queued under one account is never sent with another's key.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leodesk.core.accounts import Account, Removed
    from leodesk.qt.accounts import AccountService

log = logging.getLogger("leodesk.app")


class AccountsMixin:
    """Account handling of :class:`leodesk.app.Launcher` (``window``, ``runtime``, ``pools``,
    ``demo`` and the ``switched`` signal come from there)."""

    window: Any
    runtime: Any  # Runtime | None
    pools: Any
    demo: bool
    account_service: AccountService | None = None
    add_dialog: Any = None
    remove_dialog: Any = None
    rename_dialog: Any = None
    _remove_after_switch: tuple[str, bool] | None = None
    switched_away = False  # this launcher's account was closed for another one
    # Launchers switched away from while a worker still waited on the network: kept, so their
    # thread pools are not destroyed (which would wait for that worker on the GUI thread).
    retired: tuple[Any, ...] = ()

    def wire_accounts(self) -> None:
        """After the runtime is known: the service, the window's account list and actions."""
        from leodesk.core import paths as paths_mod  # after the first paint
        from leodesk.qt.accounts import AccountService  # after the first paint

        assert self.runtime is not None
        # A new account's key is checked with the real API (LEODESK_API_URL or Leonardo's), even
        # from the demo, whose runtime points at the simulator.
        service = AccountService(self.pools, paths_mod.resolve(), None, parent=self.window)
        self.account_service = service
        service.added.connect(self._account_added)
        service.add_failed.connect(self._add_failed)
        service.removed.connect(self._account_removed)
        service.remove_failed.connect(self._remove_failed)
        service.counted.connect(self._open_remove_dialog)
        link = self.window.accounts_link
        link.switch_requested.connect(self.switch_account)
        link.add_requested.connect(self.add_account)
        link.remove_requested.connect(self.remove_account)
        link.rename_requested.connect(self.rename_account)
        self.show_accounts()
        if self._remove_after_switch is not None:
            name, delete_library = self._remove_after_switch
            self._remove_after_switch = None
            service.remove(name, delete_library)

    def show_accounts(self) -> None:
        if self.account_service is None or self.runtime is None:
            return
        registry = self.account_service.registry
        current = None if self.runtime.demo else self.runtime.account.name
        self.window.accounts_link.set_accounts(registry.names(), current)

    # -- switching --------------------------------------------------------------------------------
    def switch_account(self, name: str) -> None:
        """Close this account (as quitting does) and open ``name``'s in a new window; the new
        launcher is announced with ``switched``."""
        self._switch(name)

    def switch_to_demo(self) -> None:
        """Close this account's library and open the demo in a new window (Try the demo in the
        key dialog, once the account's gallery has shown)."""
        self._switch(None)

    def _switch(self, name: str | None) -> None:
        """Open ``name``'s account (None: the demo) in a new window and close this one."""
        # the composition root (imported at run time: a cycle)
        from leodesk.app import Launcher, _profile
        from leodesk.core.accounts import AccountError
        from leodesk.ui.main_window import MainWindow

        assert self.account_service is not None
        demo = name is None
        try:
            profile = _profile(demo, name).ensure()
        except (AccountError, OSError) as exc:  # removed meanwhile (the CLI), a full disk
            self._switch_failed(name, str(exc))
            return  # this account runs on
        old_window = self.window
        window = MainWindow(demo=demo)
        window.setGeometry(old_window.geometry())  # the account's own layout is restored later
        nxt = Launcher(window, demo=demo, account=name)
        # One app per profile: the other account may be open in another leodesk process.
        if not nxt.serve(profile):
            window.deleteLater()
            nxt.deleteLater()
            self._switch_failed(
                name,
                self.window.tr("it is open in another leodesk window; use that one"),
                open_elsewhere=True,
            )
            return  # this account runs on
        try:
            if name is not None:
                self.account_service.registry.use(name)  # remembered for the next start
        except (AccountError, OSError) as exc:  # removed meanwhile (the CLI), a full disk
            self._switch_failed(name, str(exc))
            nxt.release_profiles()
            window.deleteLater()
            nxt.deleteLater()
            return  # this account runs on
        nxt._remove_after_switch = self._remove_after_switch
        self._remove_after_switch = None
        window.show()  # before the old window goes: the app never has no window
        self.shutdown()  # type: ignore[attr-defined]  # Launcher.shutdown: saves, stops, hides
        self.switched_away = True
        if not self.stopped_cleanly:  # type: ignore[attr-defined]
            nxt.retired = (*self.retired, self)
            nxt.stopped_cleanly = False  # so the process does not wait for that worker at exit
        else:
            nxt.retired = self.retired
        old_window.deleteLater()
        log.info("switched to %s", "the demo" if name is None else f"account {name}")
        nxt.start()
        self.switched.emit(nxt)  # type: ignore[attr-defined]  # Launcher.switched

    def _switch_failed(self, name: str | None, why: str, *, open_elsewhere: bool = False) -> None:
        if name is None:  # the demo, from the key dialog
            self.window.show_connection_error(
                "The demo is already open in another leodesk window: use that one."
                if open_elsewhere
                else f"The demo could not be opened: {why}."
            )
            self.window.key_action.setEnabled(True)
            return
        self.show_accounts()
        self.window.accounts_link.show_switch_failed(name, why)

    # -- adding -----------------------------------------------------------------------------------
    def add_account(self) -> None:
        from leodesk.ui.account_dialogs import AddAccountDialog  # after the first paint

        if self.account_service is None or self.add_dialog is not None:
            return
        dialog = AddAccountDialog(self.account_service.registry.accounts(), parent=self.window)
        service = self.account_service

        def submitted(name: str, key: str) -> None:
            dialog.show_checking()
            service.add(name, key)

        dialog.submitted.connect(submitted)
        dialog.finished.connect(lambda _r: setattr(self, "add_dialog", None))
        self.add_dialog = dialog
        dialog.open()

    def _account_added(self, added: tuple[Account, str | None]) -> None:
        acct, _username = added
        if self.add_dialog is not None:
            self.add_dialog.done_ok()
        self.switch_account(acct.name)

    def _add_failed(self, message: str) -> None:
        if self.add_dialog is not None:
            self.add_dialog.show_error(message)

    # -- renaming ---------------------------------------------------------------------------------
    def rename_account(self) -> None:
        """Rename the account the app runs on (its folders and key entry stay)."""
        from leodesk.core.accounts import AccountError
        from leodesk.ui.account_dialogs import RenameAccountDialog  # after the first paint

        if self.account_service is None or self.runtime is None or self.runtime.demo:
            return
        registry = self.account_service.registry
        dialog = RenameAccountDialog(self.runtime.account, registry.accounts(), parent=self.window)

        def submitted(new_name: str) -> None:
            try:
                renamed = registry.rename(self.runtime.account.name, new_name)
            except (AccountError, OSError) as exc:
                dialog.show_error(getattr(exc, "user_message", "") or str(exc))
                return
            self.runtime.account = renamed
            self.show_accounts()
            dialog.accept()

        dialog.submitted.connect(submitted)
        dialog.finished.connect(lambda _r: setattr(self, "rename_dialog", None))
        self.rename_dialog = dialog
        dialog.open()

    # -- removing ---------------------------------------------------------------------------------
    def remove_account(self) -> None:
        if self.account_service is not None and self.remove_dialog is None:
            self.account_service.count_images()  # then the dialog, with the numbers

    def _open_remove_dialog(self, images: dict[str, int]) -> None:
        from leodesk.ui.account_dialogs import RemoveAccountDialog  # after the first paint

        if self.account_service is None or self.runtime is None or self.remove_dialog is not None:
            return
        removable = [a for a in self.account_service.registry.accounts() if not a.is_default]
        if not removable:
            return
        current = None if self.runtime.demo else self.runtime.account.name
        dialog = RemoveAccountDialog(removable, current, images, parent=self.window)
        dialog.confirmed.connect(self._remove_confirmed)
        dialog.finished.connect(lambda _r: setattr(self, "remove_dialog", None))
        self.remove_dialog = dialog
        dialog.open()

    def _remove_confirmed(self, name: str, delete_library: bool) -> None:
        assert self.account_service is not None and self.runtime is not None
        if not self.runtime.demo and self.runtime.account.name == name:
            # Its library is open here: the default account first, then the removal.
            self._remove_after_switch = (name, delete_library)
            self.switch_account(self.account_service.registry.accounts()[0].name)
            return
        self.account_service.remove(name, delete_library)

    def _account_removed(self, removed: Removed) -> None:
        self.show_accounts()
        self.window.accounts_link.show_removed(removed.account.name, bool(removed.deleted))

    def _remove_failed(self, message: str) -> None:
        self.show_accounts()
        self.window.accounts_link.show_remove_failed(message)
