"""Keyring backends for the checks of what counts as secure: an in-memory one with a secure
priority, and a look-alike of an insecure (plaintext) backend. The tests of storing a key use the
real keychain (``real_keychain`` in tests/conftest.py)."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A secure priority (10); never touches the disk."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError:
            raise PasswordDeleteError("not found") from None


class PlaintextLikeKeyring(MemoryKeyring):
    """Stands for keyrings.alt's PlaintextKeyring: priority below 1."""

    priority = 0.5  # type: ignore[assignment]


# keyring registers every subclass for its automatic backend discovery; these test doubles must
# only ever be installed explicitly (keyring.set_keyring), never chosen for the whole session.
KeyringBackend._classes.discard(MemoryKeyring)  # type: ignore[attr-defined]
KeyringBackend._classes.discard(PlaintextLikeKeyring)  # type: ignore[attr-defined]
