"""KeyService: find the API key, check a new one with ``/me`` and store it, remove it.

Everything that touches keyring (slow backend discovery, D-Bus) or the network runs on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from leodesk.core import secrets
from leodesk.core.log import register_secret
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken, Pools

if TYPE_CHECKING:
    from leodesk.core.api.protocol import LeonardoApi


class KeyService(QObject):
    """Signals: found(object: str | None), lookup_failed(str), no_keychain(str) (the lookup found
    no secure keychain to read), stored(object username), store_failed(str), removed(bool),
    remove_failed(str)."""

    found = Signal(object)
    lookup_failed = Signal(str)
    no_keychain = Signal(str)
    stored = Signal(object)
    store_failed = Signal(str)
    removed = Signal(bool)
    remove_failed = Signal(str)

    def __init__(
        self,
        pools: Pools,
        base_url: str | None,
        client_factory: Callable[[str], LeonardoApi] | None = None,
        parent: QObject | None = None,
        *,
        account: str = secrets.DEFAULT_ACCOUNT,
    ) -> None:
        super().__init__(parent)
        self._pools = pools
        self._base_url = base_url
        self._client_factory = client_factory
        self._account = account  # the keychain entry of the account the app runs on

    def _client(self, key: str) -> LeonardoApi:
        if self._client_factory is not None:
            return self._client_factory(key)
        from leodesk.core.api import LeonardoClient  # the client (httpx) loads on this worker

        return LeonardoClient(key, base_url=self._base_url)

    def lookup(self) -> None:
        def job(token: CancelToken) -> str | None:
            return secrets.get_api_key(self._account)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, secrets.NoSecureKeychainError):
                self.no_keychain.emit(user_message(exc))
            else:
                self.lookup_failed.emit(user_message(exc))

        self._pools.submit(job, on_result=self.found.emit, on_error=failed, name="key lookup")

    def check_and_store(self, key: str) -> None:
        register_secret(key)

        def job(token: CancelToken) -> str | None:
            secrets.secure_backend()  # fail early with the "install a keychain" message
            client = self._client(key)
            try:
                username = client.get_me().username
            finally:
                client.close()
            secrets.set_api_key(key, self._account)
            return username

        self._pools.submit(
            job,
            on_result=self.stored.emit,
            on_error=lambda e: self.store_failed.emit(user_message(e)),
            name="key check",
        )

    def remove(self) -> None:
        def job(token: CancelToken) -> bool:
            return secrets.clear_api_key(self._account)

        self._pools.submit(
            job,
            on_result=self.removed.emit,
            on_error=lambda e: self.remove_failed.emit(user_message(e)),
            name="key remove",
        )
