"""The real OS keychain (Secret Service) as tests see it: one service name per test.

:class:`RealKeychain` reads and writes the entries of its own service only, so a test never sees
or changes a real user's leodesk key; :meth:`RealKeychain.clear` deletes everything the test
stored.
"""

from __future__ import annotations

from contextlib import closing, suppress
from typing import Any

from secretstorage.exceptions import ItemNotFoundException


class RealKeychain:
    """The Secret Service entries of ``service``; ``entry`` is the default account's."""

    def __init__(self, backend: Any, service: str, account: str) -> None:
        self.backend = backend
        self.service = service
        self.entry = (service, account)

    def _items(self, collection: Any, service: str) -> list[Any]:
        scheme = self.backend.schemes[self.backend.scheme]
        for _attempt in range(4):
            try:
                return list(collection.search_items({scheme["service"]: service}))
            except ItemNotFoundException:
                continue  # deleted (by the app under test) during the search: search again
        return list(collection.search_items({scheme["service"]: service}))

    def entries(self, service: str) -> dict[tuple[str, str], str]:
        """Every stored (service, account) of ``service`` and its secret."""
        scheme = self.backend.schemes[self.backend.scheme]
        collection = self.backend.get_preferred_collection()
        with closing(collection.connection):
            out: dict[tuple[str, str], str] = {}
            for item in self._items(collection, service):
                try:
                    self.backend.unlock(item)
                    account = item.get_attributes().get(scheme["username"], "")
                    out[(service, account)] = item.get_secret().decode("utf-8")
                except ItemNotFoundException:
                    continue  # deleted (by the app under test) between the search and the read
            return out

    @property
    def store(self) -> dict[tuple[str, str], str]:
        """What the keychain holds for this test's service, read afresh."""
        return self.entries(self.service)

    def put(self, secret: str) -> None:
        """Store ``secret`` for the default account, as a user would have before the test."""
        self.backend.set_password(*self.entry, secret)

    def clear(self) -> None:
        collection = self.backend.get_preferred_collection()
        with closing(collection.connection):
            for item in self._items(collection, self.service):
                with suppress(ItemNotFoundException):
                    item.delete()
