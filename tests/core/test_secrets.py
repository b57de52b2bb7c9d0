from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backends import fail

from leodesk.core import secrets
from tests.helpers.keychain import RealKeychain
from tests.helpers.memkeyring import MemoryKeyring, PlaintextLikeKeyring


def test_round_trip_in_the_keychain(real_keychain: RealKeychain) -> None:
    assert secrets.get_api_key() is None
    secrets.set_api_key("  key-123  ")
    assert real_keychain.store == {real_keychain.entry: "key-123"}
    assert secrets.get_api_key() == "key-123"
    status = secrets.key_status()
    assert status.source == "keychain" and "key-123" not in status.describe()
    assert secrets.clear_api_key() is True
    assert secrets.get_api_key() is None
    assert secrets.clear_api_key() is False


def test_accounts_are_separate(real_keychain: RealKeychain) -> None:
    secrets.set_api_key("a", account="work")
    secrets.set_api_key("b", account="home")
    assert secrets.get_api_key("work") == "a"
    assert secrets.get_api_key("home") == "b"


def test_environment_overrides_and_is_never_stored(
    real_keychain: RealKeychain, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.set_api_key("stored")
    monkeypatch.setenv("LEONARDO_API_KEY", "from-env")
    assert secrets.get_api_key() == "from-env"
    assert secrets.key_status().source == "environment"
    assert "from-env" not in real_keychain.store.values()


@pytest.mark.parametrize("backend", [fail.Keyring(), PlaintextLikeKeyring()])
def test_insecure_backends_give_a_clear_error(backend: object) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)  # type: ignore[arg-type]
    try:
        with pytest.raises(secrets.NoSecureKeychainError) as info:
            secrets.set_api_key("k")
        assert "gnome-keyring" in str(info.value)
        with pytest.raises(secrets.NoSecureKeychainError):
            secrets.get_api_key()
        assert secrets.key_status().secure is False
    finally:
        keyring.set_keyring(previous)


def test_empty_key_is_refused(real_keychain: RealKeychain) -> None:
    with pytest.raises(secrets.SecretsError):
        secrets.set_api_key("   ")


@pytest.mark.keychain
def test_real_secret_service_round_trip(real_keychain: RealKeychain) -> None:
    """Round trip through the real OS keychain (gnome-keyring under dbus-run-session in CI)."""
    account = f"pytest-{uuid.uuid4()}"
    value = "real-keychain-ключ-" + uuid.uuid4().hex
    try:
        secrets.set_api_key(value, account=account)
        assert secrets.get_api_key(account, use_env=False) == value
        assert secrets.key_status(account).source == "keychain"
    finally:
        secrets.clear_api_key(account)
    assert secrets.get_api_key(account, use_env=False) is None


def test_a_chain_with_a_plaintext_member_is_not_secure() -> None:
    from keyring.backends.chainer import ChainerBackend

    class Chain(ChainerBackend):
        def __init__(self, members: list[object]) -> None:
            self._members = members

        @property
        def backends(self) -> list[object]:  # type: ignore[override]
            return self._members

    # Keep this test double out of keyring's automatic backend discovery.
    keyring.backend.KeyringBackend._classes.discard(Chain)  # type: ignore[attr-defined]
    assert secrets.is_secure(Chain([MemoryKeyring()])) is True
    assert secrets.is_secure(Chain([MemoryKeyring(), PlaintextLikeKeyring()])) is False
    assert secrets.is_secure(Chain([])) is False
