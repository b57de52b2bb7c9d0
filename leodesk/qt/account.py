"""AccountService: loads the account (``/me``) off the GUI thread and reports it as signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from leodesk.qt.workers import CancelToken, Pools


@dataclass(frozen=True)
class AccountState:
    username: str | None
    user_id: str | None
    credits: int | None
    slots: int | None


class AccountService(QObject):
    """Signals: loaded(AccountState), failed(str: a user-facing message), busy(bool)."""

    loaded = Signal(object)
    failed = Signal(str)
    busy = Signal(bool)

    def __init__(self, pools: Pools, client_factory: Callable[[], Any], parent: QObject | None = None):
        super().__init__(parent)
        self._pools = pools
        self._client_factory = client_factory

    def refresh(self) -> None:
        self.busy.emit(True)

        def job(token: CancelToken) -> AccountState:
            client = self._client_factory()
            try:
                me = client.get_me()
            finally:
                client.close()
            return AccountState(me.username, me.user_id, me.api_credits, me.api_concurrency_slots)

        self._pools.submit(job, on_result=self._done, on_error=self._error, name="get_me")

    def _done(self, state: AccountState) -> None:
        self.busy.emit(False)
        self.loaded.emit(state)

    def _error(self, exc: BaseException) -> None:
        self.busy.emit(False)
        message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
        self.failed.emit(message)
