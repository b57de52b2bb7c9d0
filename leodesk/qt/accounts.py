"""AccountService: add an account (its key checked with ``/me``, then stored), remove one, count
the images of their libraries. The keychain, the network and the folders are touched on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from leodesk.core import accounts, secrets
from leodesk.core.log import register_secret
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken, Pools

if TYPE_CHECKING:
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.paths import Paths


class AccountService(QObject):
    """Signals: added(object: (Account, username)), add_failed(str), removed(object: Removed),
    remove_failed(str), counted(object: dict name -> images)."""

    added = Signal(object)
    add_failed = Signal(str)
    removed = Signal(object)
    remove_failed = Signal(str)
    counted = Signal(object)

    def __init__(
        self,
        pools: Pools,
        base: Paths,
        base_url: str | None,
        client_factory: Callable[[str], LeonardoApi] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pools = pools
        self.registry = accounts.Registry(base)
        self._base_url = base_url
        self._client_factory = client_factory

    def _client(self, key: str) -> LeonardoApi:
        if self._client_factory is not None:
            return self._client_factory(key)
        from leodesk.core.api import LeonardoClient  # the client (httpx) loads on this worker

        return LeonardoClient(key, base_url=self._base_url)

    def add(self, name: str, key: str) -> None:
        """Check the name and the key (with the API), then register the account and store its
        key; either both happen or neither does."""
        register_secret(key)
        registry = self.registry

        def job(token: CancelToken) -> tuple[accounts.Account, str | None]:
            registry.plan(name)  # taken meanwhile (another window, the CLI)?
            secrets.secure_backend()  # fail early with the "install a keychain" message
            client = self._client(key)
            try:
                username = client.get_me().username
            finally:
                client.close()
            acct = registry.add(name)
            try:
                secrets.set_api_key(key, acct.keychain_entry)
            except BaseException:
                registry.remove(acct.name)
                raise
            return acct, username

        self._pools.submit(
            job,
            on_result=self.added.emit,
            on_error=lambda e: self.add_failed.emit(user_message(e)),
            name="account add",
        )

    def remove(self, name: str, delete_library: bool) -> None:
        registry = self.registry

        def job(token: CancelToken) -> accounts.Removed:
            return registry.remove(name, delete_library=delete_library)

        self._pools.submit(
            job,
            on_result=self.removed.emit,
            on_error=lambda e: self.remove_failed.emit(user_message(e)),
            name="account remove",
        )

    def count_images(self) -> None:
        """How many images each account's library holds (``counted``)."""
        registry = self.registry

        def job(token: CancelToken) -> dict[str, int]:
            out: dict[str, int] = {}
            for acct in registry.accounts():
                try:
                    out[acct.name] = accounts.image_count(acct.paths(registry.base))
                except Exception:  # an unreadable library: its count is unknown
                    out[acct.name] = -1
            return out

        self._pools.submit(
            job,
            on_result=self.counted.emit,
            on_error=lambda e: self.counted.emit({}),
            name="account images",
        )
