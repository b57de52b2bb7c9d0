"""``leodesk account`` and ``--account``: two accounts with their own keys (the real keychain)
against two simulators over HTTP, each accepting only its own account's key."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk import cli
from leodesk.core import paths
from leodesk.core.accounts import Registry
from leodesk.core.instance import APP_ROLE, ProfileLock
from leodesk.sim import SimServer
from tests.helpers.keychain import RealKeychain
from tests.helpers.two_accounts import two_sims

KEY_A = "key-of-account-a"
KEY_B = "key-of-account-b"


@pytest.fixture
def sims() -> Iterator[tuple[SimServer, SimServer]]:
    with two_sims(KEY_A, KEY_B, seeds=(1, 2)) as pair:
        yield pair


class Cli:
    """``leodesk`` run in this process (the real keychain's test service is patched in here)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(
        self, args: list[str], *, on: SimServer | None = None, stdin: str = ""
    ) -> tuple[int, str, str]:
        if on is not None:
            self.monkeypatch.setenv("LEODESK_API_URL", on.base_url)
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = cli.run(args)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, args: list[str], **kw: Any) -> Any:
        code, out, err = self(args, **kw)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(monkeypatch, capsys)


def _keys_sent(sim: SimServer) -> set[str]:
    """The keys of the API requests (the CDN's image downloads carry none)."""
    api = [r for r in sim.requests if not r.path.startswith(("/cdn/", "/s3/"))]
    assert api
    return {r.headers.get("authorization", "") for r in api}


def test_two_accounts_keep_their_keys_and_libraries_apart(
    sims: tuple[SimServer, SimServer], real_keychain: RealKeychain, run: Cli, tmp_path: Path
) -> None:
    a, b = sims
    code, out, err = run(["account", "add", "Studio A"], on=a, stdin=KEY_A + "\n")
    assert code == 0, err
    assert "Studio A added" in out and KEY_A not in out + err
    assert a.count("GET", "/me") == 1  # checked with the API before it was stored
    assert run(["account", "add", "b"], on=b, stdin=KEY_B + "\n")[0] == 0
    svc = real_keychain.service
    assert real_keychain.store == {(svc, "account-studio-a"): KEY_A, (svc, "account-b"): KEY_B}

    # gen under each account: the option before the command, or after it.
    out_a, out_b = str(tmp_path / "a"), str(tmp_path / "b")
    gen_a = run.json(
        ["--account", "studio a", "gen", "a red fox", "-n", "1", "--out", out_a, "--json"], on=a
    )
    gen_b = run.json(
        ["gen", "a blue bird", "-n", "1", "--out", out_b, "--account", "B", "--json"], on=b
    )
    assert gen_a["status"] == gen_b["status"] == "COMPLETE"
    # Each simulator accepts only its own account's key, and only ever saw that one.
    assert _keys_sent(a) == {f"Bearer {KEY_A}"}
    assert _keys_sent(b) == {f"Bearer {KEY_B}"}

    # Each generation is in its own account's library, and nowhere else.
    found_a = run.json(["search", "--json", "--account", "Studio A"])
    found_b = run.json(["--account", "B", "search", "--json"])
    found_default = run.json(["search", "--json"])
    assert {r["prompt"] for r in found_a} == {"a red fox"}
    assert {r["prompt"] for r in found_b} == {"a blue bird"}
    assert found_default == []
    base = paths.resolve()
    assert Path(found_a[0]["file"]).is_relative_to(base.data / "profiles" / "account-studio-a")

    listed = run.json(["account", "list", "--json"])
    assert [(r["name"], r["current"], r["key"], r["images"]) for r in listed] == [
        ("Default", True, "none", 0),
        ("Studio A", False, "keychain", 1),
        ("b", False, "keychain", 1),
    ]
    # `use` makes an account the one commands run on without --account.
    assert run(["account", "use", "B"])[0] == 0
    assert run.json(["me", "--json"], on=b)["username"]
    assert run.json(["key", "status", "--json"])["account"] == "b"
    assert "* b " in run(["account", "list"])[1]


def test_names_and_keys_that_cannot_be_added_change_nothing(
    sims: tuple[SimServer, SimServer], real_keychain: RealKeychain, run: Cli
) -> None:
    a, _b = sims
    assert run(["account", "add", "Work"], on=a, stdin=KEY_A + "\n")[0] == 0
    registry = Registry(paths.resolve())
    before = registry.file.read_bytes()
    for name, reason in [
        ("WORK", "already an account named 'Work'"),
        ("default", "already an account named 'Default'"),
        ("x/y", "letters, digits, spaces, - and _ only"),
        ("x" * 41, "at most 40"),
    ]:
        code, out, err = run(["account", "add", name], on=a, stdin=KEY_A + "\n")
        assert code == cli.EXIT_USAGE, err
        assert reason in err and out == ""
    # A key the API refuses: no account, no key.
    code, _out, err = run(["account", "add", "Home"], on=a, stdin="a-wrong-key\n")
    assert code == cli.EXIT_AUTH and "a-wrong-key" not in err
    assert registry.file.read_bytes() == before
    assert real_keychain.store == {(real_keychain.service, "account-work"): KEY_A}
    assert run(["account", "add"], on=a)[0] == cli.EXIT_USAGE
    code, _out, err = run(["account", "remove", "Default"])
    assert code == cli.EXIT_USAGE and "cannot be removed" in err


def test_an_unknown_account_is_one_line_naming_the_accounts(
    sims: tuple[SimServer, SimServer], real_keychain: RealKeychain, run: Cli
) -> None:
    a, _b = sims
    assert run(["account", "add", "Work"], on=a, stdin=KEY_A + "\n")[0] == 0
    for args in (["--account", "Nope", "me"], ["me", "--account", "Nope"], ["--account", "Nope"]):
        code, _out, err = run(args, on=a)
        assert code == cli.EXIT_USAGE
        assert err.strip().splitlines() == [
            "leodesk: no account named 'Nope'; the accounts are: Default, Work "
            "(add one with `leodesk account add NAME`)"
        ]
    assert a.count("*", "*") == 1  # the `add` check (/me) only: nothing else was sent


def test_remove_takes_the_key_and_only_on_request_the_library(
    sims: tuple[SimServer, SimServer], real_keychain: RealKeychain, run: Cli, tmp_path: Path
) -> None:
    a, b = sims
    assert run(["account", "add", "A"], on=a, stdin=KEY_A + "\n")[0] == 0
    assert run(["account", "add", "B"], on=b, stdin=KEY_B + "\n")[0] == 0
    run.json(["--account", "A", "gen", "kept", "-n", "1", "--out", str(tmp_path), "--json"], on=a)
    run.json(["--account", "B", "gen", "gone", "-n", "1", "--out", str(tmp_path), "--json"], on=b)
    base = paths.resolve()
    lib_a = base.profile("account-a").library_db
    lib_b = base.profile("account-b").library_db
    assert lib_a.is_file() and lib_b.is_file()

    code, out, err = run(["account", "remove", "a"])
    assert code == 0, err
    assert "its key left the keychain" in out and "1 image(s)) is kept" in out
    assert lib_a.is_file()
    # B's library in use by an app (another process): nothing is deleted, the reason is said.
    app_lock = ProfileLock(base.profile("account-b").data, APP_ROLE, server="x")
    assert app_lock.try_acquire()
    try:
        code, out, err = run(["account", "remove", "B", "--delete-library"])
    finally:
        app_lock.release()
    assert code == 1 and "leodesk is running on this profile" in err, err
    assert lib_b.is_file() and run.json(["account", "list", "--json"])[-1]["name"] == "B"
    code, out, err = run(["account", "remove", "B", "--delete-library"])
    assert code == 0, err
    assert not base.profile("account-b").data.exists()
    assert not base.profile("account-b").config.exists()
    assert real_keychain.store == {}
    assert run.json(["account", "list", "--json"])[0]["name"] == "Default"
    # A added again under its name finds its library.
    code, out, err = run(["account", "add", "A"], on=a, stdin=KEY_A + "\n")
    assert code == 0, err
    assert "found its library from before: 1 image(s)" in out
    assert {r["prompt"] for r in run.json(["--account", "A", "search", "--json"])} == {"kept"}


def test_the_demo_never_stores_a_key_in_the_real_keychain(
    real_keychain: RealKeychain, run: Cli
) -> None:
    from leodesk.core import secrets

    real = real_keychain.entries("leodesk")  # the real service name, not the test's
    for args in (
        ["--demo", "key", "set"],
        ["key", "set", "--demo"],
        ["--demo", "account", "add", "Demo key"],
        ["--demo", "--account", "Default", "me"],
    ):
        code, _out, err = run(args, stdin="leodesk-demo-key\n")
        assert code == cli.EXIT_USAGE, args
        assert "demo" in err
    assert real_keychain.store == {}
    assert real_keychain.entries("leodesk") == real
    assert real_keychain.service == secrets.SERVICE  # what the app would have written to
