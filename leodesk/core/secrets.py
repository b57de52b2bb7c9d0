"""The API key lives only in the OS keychain (keyring), one entry per account label.

No plaintext fallback exists: when keyring's active backend is the fail backend or a plaintext one
(priority < 1), :class:`NoSecureKeychainError` says what to install. ``LEONARDO_API_KEY`` in the
environment overrides the keychain for scripts and is never written anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from leodesk.core.errors import LeodeskError
from leodesk.core.log import forget_secret, register_secret

SERVICE = "leodesk"
DEFAULT_ACCOUNT = "default"
ENV_KEY = "LEONARDO_API_KEY"

INSTALL_HINT = (
    "No secure keychain is available, so leodesk cannot store your API key. "
    "Install and unlock one: on Linux GNOME Keyring or KWallet (a Secret Service provider, e.g. "
    "`apt install gnome-keyring`), on macOS the Keychain, on Windows the Credential Manager. "
    "For scripts, set LEONARDO_API_KEY in the environment instead."
)


class SecretsError(LeodeskError):
    """Base class: ``user_message`` (and ``str(err)``) is a short message for the user."""


class NoSecureKeychainError(SecretsError):
    def __init__(self, backend: str) -> None:
        super().__init__(INSTALL_HINT)
        self.backend = backend


class KeychainAccessError(SecretsError):
    """The keychain exists but refused (locked, access denied, D-Bus error)."""


@dataclass(frozen=True)
class KeyStatus:
    """Where the key comes from, never the key itself."""

    source: str  # "environment", "keychain" or "none"
    backend: str  # human-readable backend name
    account: str
    secure: bool

    def describe(self) -> str:
        if self.source == "environment":
            return f"API key from the environment ({ENV_KEY}); nothing stored."
        if self.source == "keychain":
            return f"API key stored for account '{self.account}' in {self.backend}."
        if not self.secure:
            return f"No API key stored. {INSTALL_HINT}"
        return f"No API key stored for account '{self.account}' (keychain: {self.backend})."


def _keyring() -> Any:
    # keyring is imported lazily: its backend discovery costs ~100 ms and touches D-Bus.
    import keyring

    return keyring


def backend_name(backend: Any) -> str:
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__qualname__}"
    friendly = {
        "keyring.backends.SecretService.Keyring": "the Secret Service keychain",
        "keyring.backends.macOS.Keyring": "the macOS Keychain",
        "keyring.backends.Windows.WinVaultKeyring": "the Windows Credential Manager",
        "keyring.backends.kwallet.DBusKeyring": "KWallet",
    }
    return friendly.get(name, name)


def is_secure(backend: Any) -> bool:
    """False for keyring's fail backend and any plaintext backend (priority < 1)."""
    from keyring.backends.chainer import ChainerBackend  # keyring loads lazily: see _keyring

    module = type(backend).__module__
    if isinstance(backend, ChainerBackend):
        # A chain writes to the first backend that accepts: secure only if every member is.
        members = list(getattr(backend, "backends", []))
        return bool(members) and all(is_secure(b) for b in members)
    if module.startswith("keyring.backends.fail") or module.startswith("keyrings.alt"):
        return False
    try:
        priority = float(backend.priority)
    except Exception:
        return False
    return priority >= 1


def secure_backend() -> Any:
    """The active keyring backend, or :class:`NoSecureKeychainError`."""
    backend = _keyring().get_keyring()
    if not is_secure(backend):
        raise NoSecureKeychainError(backend_name(backend))
    return backend


def _wrap(exc: Exception) -> SecretsError:
    if isinstance(exc, SecretsError):
        return exc
    return KeychainAccessError(f"The keychain refused the request: {type(exc).__name__}: {exc}")


def get_api_key(account: str = DEFAULT_ACCOUNT, *, use_env: bool = True) -> str | None:
    """The key: ``LEONARDO_API_KEY`` if set, else the keychain entry, else ``None``."""
    if use_env:
        env = os.environ.get(ENV_KEY, "").strip()
        if env:
            register_secret(env)
            return env
    backend = secure_backend()
    try:
        value = backend.get_password(SERVICE, account)
    except Exception as exc:
        raise _wrap(exc) from None
    if value:
        register_secret(value)
    return value or None


def set_api_key(key: str, account: str = DEFAULT_ACCOUNT) -> None:
    key = key.strip()
    if not key:
        raise SecretsError("The API key is empty.")
    register_secret(key)
    backend = secure_backend()
    try:
        backend.set_password(SERVICE, account, key)
    except Exception as exc:
        raise _wrap(exc) from None


def clear_api_key(account: str = DEFAULT_ACCOUNT) -> bool:
    """Remove the stored key; ``True`` if there was one."""
    backend = secure_backend()
    try:
        old = backend.get_password(SERVICE, account)
        if old is None:
            return False
        backend.delete_password(SERVICE, account)
    except Exception as exc:
        raise _wrap(exc) from None
    forget_secret(old)
    return True


def key_status(account: str = DEFAULT_ACCOUNT) -> KeyStatus:
    if os.environ.get(ENV_KEY, "").strip():
        backend = _keyring().get_keyring()
        return KeyStatus("environment", backend_name(backend), account, is_secure(backend))
    backend = _keyring().get_keyring()
    name = backend_name(backend)
    if not is_secure(backend):
        return KeyStatus("none", name, account, False)
    try:
        stored = backend.get_password(SERVICE, account) is not None
    except Exception as exc:
        raise _wrap(exc) from None
    return KeyStatus("keychain" if stored else "none", name, account, True)
