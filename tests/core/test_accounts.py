"""The accounts registry: names, folders, keychain entries, removal (real files, real keychain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leodesk.core import paths, secrets
from leodesk.core.accounts import AccountError, Registry, UnknownAccountError
from leodesk.runtime import start as start_runtime
from tests.helpers.keychain import RealKeychain


def _registry() -> Registry:
    return Registry(paths.resolve())


def test_without_a_registry_there_is_the_default_account_on_the_base_profile() -> None:
    reg = _registry()
    assert reg.names() == ["Default"]
    acct = reg.current()
    assert acct.is_default and acct.keychain_entry == secrets.DEFAULT_ACCOUNT
    # An existing user's library stays where it was.
    assert acct.paths(reg.base) == reg.base
    runtime = start_runtime()
    assert runtime.paths == reg.base and runtime.account.is_default
    assert not reg.file.exists()  # reading never writes


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("x" * 41, "at most 40"),
        ("a/b", "'/'"),
        ("..", "'.'"),
        ("semi;colon", "';'"),
        ("work!", "'!'"),
        ("default", "already an account named 'Default'"),
        ("WORK", "already an account named 'Work'"),
    ],
)
def test_bad_names_are_refused_with_the_reason_and_nothing_written(name: str, reason: str) -> None:
    reg = _registry()
    reg.add("Work")
    before = reg.file.read_bytes()
    with pytest.raises(AccountError) as info:
        reg.add(name)
    assert reason in info.value.user_message
    assert reg.file.read_bytes() == before


def test_names_map_to_safe_distinct_folders_and_keychain_entries() -> None:
    reg = _registry()
    names = ["Work", "My Studio", "my-studio", "Ünïcode ß", "x" * 40, "a_b-c 9"]
    added = [reg.add(n) for n in names]
    assert reg.names() == ["Default", *names]
    slugs = [a.slug for a in added]
    assert len(set(slugs)) == len(slugs)
    assert slugs[1] == "my-studio" and slugs[2] == "my-studio-2"
    folders = set()
    for acct in added:
        p = acct.paths(reg.base).ensure()
        assert p.data.parent == reg.base.data / "profiles"
        assert p.data.name == "account-" + acct.slug and p.data.name.isascii()
        assert p.logs == reg.base.logs
        folders.add(p.data)
        assert acct.keychain_entry == "account-" + acct.slug
    assert len(folders) == len(added)
    assert (reg.base.data / "profiles" / "demo") not in folders


def test_use_remembers_the_account_and_the_runtime_takes_it() -> None:
    reg = _registry()
    work = reg.add("Work")
    assert reg.current().is_default
    reg.use("work")  # any case
    assert reg.current() == work
    runtime = start_runtime()
    assert runtime.account == work
    assert runtime.paths == work.paths(reg.base)
    assert start_runtime(account="Default").paths == reg.base
    with pytest.raises(UnknownAccountError) as info:
        start_runtime(account="Nobody")
    assert info.value.known == ["Default", "Work"]
    assert "Default, Work" in info.value.user_message


def test_rename_keeps_folders_and_refuses_a_taken_name() -> None:
    reg = _registry()
    work = reg.add("Work")
    reg.add("Home")
    with pytest.raises(AccountError, match="already an account named 'Home'"):
        reg.rename("Work", "home")
    renamed = reg.rename("Work", "Office")
    assert renamed.slug == work.slug
    assert reg.names() == ["Default", "Office", "Home"]
    assert reg.rename("Office", "OFFICE").name == "OFFICE"  # its own name in another case


def test_a_damaged_registry_loses_no_account(caplog: pytest.LogCaptureFixture) -> None:
    reg = _registry()
    work = reg.add("Work")
    work.paths(reg.base).ensure()
    reg.file.write_text("{not json", encoding="utf-8")
    found = reg.accounts()
    assert [a.slug for a in found] == ["default", "work"]
    assert "damaged" in caplog.text
    reg.add("Home")  # the next change writes a new file; the damaged one is kept beside
    assert reg.names() == ["Default", "work", "Home"]
    assert reg.file.with_name("accounts.json.damaged").read_text(encoding="utf-8") == "{not json"


def test_the_default_account_cannot_be_removed(real_keychain: RealKeychain) -> None:
    real_keychain.put("the-default-key")
    reg = _registry()
    with pytest.raises(AccountError, match="cannot be removed"):
        reg.remove("Default", delete_library=True)
    assert real_keychain.store == {real_keychain.entry: "the-default-key"}


def _fill(p: paths.Paths) -> None:
    p.ensure()
    (p.images).mkdir(exist_ok=True)
    (p.images / "x.png").write_bytes(b"png")
    p.settings_file.write_text("{}", encoding="utf-8")
    (p.thumbs).mkdir(exist_ok=True)


def test_each_account_has_its_own_keychain_entry_and_remove_keeps_the_library(
    real_keychain: RealKeychain,
) -> None:
    reg = _registry()
    real_keychain.put("default-key")
    work = reg.add("Work")
    home = reg.add("Home")
    secrets.set_api_key("work-key", work.keychain_entry)
    secrets.set_api_key("home-key", home.keychain_entry)
    svc = real_keychain.service
    assert real_keychain.store == {
        (svc, "default"): "default-key",
        (svc, "account-work"): "work-key",
        (svc, "account-home"): "home-key",
    }
    assert start_runtime(account="Work").api_key() == "work-key"
    assert start_runtime(account="home").api_key() == "home-key"
    assert start_runtime().api_key() == "default-key"
    wp = work.paths(reg.base)
    _fill(wp)
    reg.use("Work")
    removed = reg.remove("work")
    assert removed.key_removed and removed.deleted == []
    assert reg.names() == ["Default", "Home"]
    assert reg.current().is_default  # the removed one was the current one
    assert (svc, "account-work") not in real_keychain.store
    assert real_keychain.store[(svc, "default")] == "default-key"
    assert (wp.images / "x.png").read_bytes() == b"png"  # kept: not asked to delete
    # Added again under the same name, it finds its library.
    again = reg.add("Work")
    assert again.paths(reg.base) == wp


def test_remove_with_the_library_deletes_only_that_profile(
    real_keychain: RealKeychain, tmp_path: Path
) -> None:
    reg = _registry()
    work = reg.add("Work")
    home = reg.add("Home")
    secrets.set_api_key("work-key", work.keychain_entry)
    base, wp, hp = reg.base, work.paths(reg.base), home.paths(reg.base)
    for p in (base, wp, hp, base.profile("demo")):
        _fill(p)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep", encoding="utf-8")
    (wp.data / "link").symlink_to(outside)  # a link inside the profile is removed, not followed
    removed = reg.remove("Work", delete_library=True)
    assert set(removed.deleted) == {wp.config, wp.data, wp.cache}
    for d in (wp.config, wp.data, wp.cache):
        assert not d.exists()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "keep"
    for p in (base, hp, base.profile("demo")):
        assert (p.images / "x.png").exists() and p.settings_file.exists()
    assert real_keychain.store == {}
    assert json.loads(reg.file.read_text(encoding="utf-8"))["accounts"] == [
        {"name": "Default", "slug": "default"},
        {"name": "Home", "slug": "home"},
    ]


def test_a_tampered_slug_never_reaches_outside_the_profiles(real_keychain: RealKeychain) -> None:
    reg = _registry()
    reg.add("Work")
    data = json.loads(reg.file.read_text(encoding="utf-8"))
    data["accounts"].append({"name": "Evil", "slug": "../../.."})
    reg.file.write_text(json.dumps(data), encoding="utf-8")
    assert reg.names() == ["Default", "Work"]  # an unsafe slug is not an account
    with pytest.raises(UnknownAccountError):
        reg.remove("Evil", delete_library=True)
