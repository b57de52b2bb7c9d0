"""Several Leonardo accounts on one machine: each with its own key, library, settings and queue.

The registry (``accounts.json`` in the base profile's config folder) lists the accounts by name and
remembers the last one used; it never holds a key. The *default* account is the single account
leodesk had before there were several: it keeps the base profile (the library stays where it was)
and the keychain entry ``default``. Every other account lives in the sub-profile
``account-<slug>`` (see :meth:`leodesk.core.paths.Paths.profile`) and has the keychain entry of the
same name, so a job queued in one account's library is only ever sent with that account's key.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leodesk.core.errors import LeodeskError
from leodesk.core.paths import Paths

log = logging.getLogger("leodesk.accounts")

REGISTRY_FILE = "accounts.json"
DEFAULT_NAME = "Default"
DEFAULT_SLUG = "default"
PROFILE_PREFIX = "account-"
MAX_NAME = 40
DEFAULT_KEY_ENTRY = "default"  # secrets.DEFAULT_ACCOUNT: the entry of the single-account days
_SLUG_RE = re.compile(r"^[a-z0-9_-]{1,120}$")


class AccountError(LeodeskError, ValueError):
    """A name that cannot be used, an account that cannot be removed (``user_message``)."""


class UnknownAccountError(AccountError):
    """No account has that name; ``known`` lists the names there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            f"no account named {name!r}; the accounts are: {', '.join(known)} "
            "(add one with `leodesk account add NAME`)"
        )
        self.name = name
        self.known = known


@dataclass(frozen=True)
class Account:
    """One account: its name as the user wrote it and the slug its folders and key entry use."""

    name: str
    slug: str

    @property
    def is_default(self) -> bool:
        return self.slug == DEFAULT_SLUG

    @property
    def profile(self) -> str | None:
        """The sub-profile's name (``None``: the base profile, the default account's)."""
        return None if self.is_default else PROFILE_PREFIX + self.slug

    @property
    def keychain_entry(self) -> str:
        """The keychain's user name for this account's key (the service is ``leodesk``)."""
        return DEFAULT_KEY_ENTRY if self.is_default else PROFILE_PREFIX + self.slug

    def paths(self, base: Paths) -> Paths:
        profile = self.profile
        return base if profile is None else base.profile(profile)


DEFAULT_ACCOUNT = Account(DEFAULT_NAME, DEFAULT_SLUG)


def check_name(name: str, existing: list[Account] | None = None) -> str:
    """``name`` without surrounding spaces, or :class:`AccountError` saying what is wrong."""
    clean = " ".join(name.split())
    if not clean:
        raise AccountError("An account needs a name.")
    if len(clean) > MAX_NAME:
        raise AccountError(f"An account name has at most {MAX_NAME} characters.")
    bad = sorted({ch for ch in clean if not (ch.isalpha() or ch in "0123456789 -_")})
    if bad:
        shown = " ".join(repr(ch) for ch in bad[:5])
        raise AccountError(
            f"An account name may hold letters, digits, spaces, - and _ only (not {shown})."
        )
    for acct in existing or []:
        if acct.name.casefold() == clean.casefold():
            raise AccountError(f"There is already an account named {acct.name!r}.")
    return clean


def slug_for(name: str, taken: set[str]) -> str:
    """A folder-safe slug for a checked ``name`` (lower-case ASCII letters, digits, - and _;
    any other letter as its code point), unique among ``taken``."""
    parts: list[str] = []
    for ch in name.casefold():
        if ch.isascii() and (ch.isalnum() or ch in "-_"):
            parts.append(ch)
        elif ch == " ":
            parts.append("-")
        else:
            parts.append(f"u{ord(ch):x}")
    base = "".join(parts)[:100] or "account"
    slug, n = base, 2
    while slug in taken or slug == DEFAULT_SLUG:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass
class Removed:
    """What removing an account did."""

    account: Account
    key_removed: bool
    deleted: list[Path] = field(default_factory=list)


class Registry:
    """The accounts of the base profile ``base`` (read afresh on each call: the app and the CLI
    may both change it)."""

    def __init__(self, base: Paths) -> None:
        self.base = base
        self.file = base.config / REGISTRY_FILE

    # -- reading ---------------------------------------------------------------------------------
    def _read(self) -> tuple[list[Account], str | None]:
        try:
            raw = self.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [DEFAULT_ACCOUNT], None
        try:
            data = json.loads(raw)
            found = [DEFAULT_ACCOUNT]
            for item in data["accounts"]:
                acct = Account(str(item["name"]), str(item["slug"]))
                if acct.is_default:
                    found[0] = acct  # the default account under the name the user gave it
                elif _SLUG_RE.match(acct.slug) and all(a.slug != acct.slug for a in found):
                    found.append(acct)
            last = data.get("last")
            return found, str(last) if isinstance(last, str) else None
        except (ValueError, KeyError, TypeError) as exc:
            # Nothing is lost: every account's folders are still there, found again by slug,
            # and the damaged file is kept beside (the next change writes a new one).
            log.warning("%s is damaged (%s): accounts found from their folders", self.file, exc)
            kept = self.file.with_name(self.file.name + ".damaged")
            if not kept.exists():
                try:
                    shutil.copy2(self.file, kept)
                except OSError as copy_exc:
                    log.warning("could not keep the damaged %s: %s", self.file, copy_exc)
            return self._discover(), None

    def _discover(self) -> list[Account]:
        found = [DEFAULT_ACCOUNT]
        profiles = self.base.data / "profiles"
        if profiles.is_dir():
            for d in sorted(profiles.iterdir()):
                slug = d.name[len(PROFILE_PREFIX) :]
                if d.name.startswith(PROFILE_PREFIX) and _SLUG_RE.match(slug):
                    found.append(Account(slug, slug))
        return found

    def accounts(self) -> list[Account]:
        """Every account, the default one first."""
        return self._read()[0]

    def names(self) -> list[str]:
        return [a.name for a in self.accounts()]

    def find(self, name: str) -> Account | None:
        key = " ".join(name.split()).casefold()
        for acct in self.accounts():
            if acct.name.casefold() == key:
                return acct
        return None

    def get(self, name: str) -> Account:
        found = self.find(name)
        if found is None:
            raise UnknownAccountError(name, self.names())
        return found

    def current(self) -> Account:
        """The account used last (the default one when that one is gone)."""
        accounts, last = self._read()
        for acct in accounts:
            if acct.slug == last:
                return acct
        return accounts[0]

    # -- writing ---------------------------------------------------------------------------------
    def _write(self, accounts: list[Account], last: str | None) -> None:
        self.base.config.mkdir(parents=True, exist_ok=True, mode=0o700)
        data: dict[str, Any] = {
            "version": 1,
            "accounts": [{"name": a.name, "slug": a.slug} for a in accounts],
            "last": last,
        }
        tmp = self.file.with_name(self.file.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.file)

    def plan(self, name: str) -> Account:
        """The account ``add(name)`` would make (name checked), without writing anything."""
        accounts = self.accounts()
        clean = check_name(name, accounts)
        return Account(clean, slug_for(clean, {a.slug for a in accounts}))

    def add(self, name: str, *, slug: str | None = None) -> Account:
        """Register a new account (its key is stored separately under ``keychain_entry``)."""
        accounts, last = self._read()
        planned = self.plan(name)
        if slug is not None and slug != planned.slug:
            if not _SLUG_RE.match(slug) or any(a.slug == slug for a in accounts):
                raise AccountError(f"The folder name {slug!r} is taken.")
            planned = Account(planned.name, slug)
        self._write([*accounts, planned], last)
        return planned

    def use(self, name: str) -> Account:
        """Make ``name`` the account the app and the CLI use when none is named."""
        accounts, _last = self._read()
        acct = self.get(name)
        self._write(accounts, acct.slug)
        return acct

    def rename(self, name: str, new_name: str) -> Account:
        accounts, last = self._read()
        acct = self.get(name)
        clean = check_name(new_name, [a for a in accounts if a.slug != acct.slug])
        renamed = Account(clean, acct.slug)
        self._write([renamed if a.slug == acct.slug else a for a in accounts], last)
        return renamed

    def library_dirs(self, acct: Account) -> list[Path]:
        """The folders removing ``acct`` with its library deletes: its profile's config, data
        and cache, each checked to be that profile's own folder under the base profile."""
        if acct.is_default or not _SLUG_RE.match(acct.slug):
            raise AccountError("Only an added account's own folders can be deleted.")
        paths = acct.paths(self.base)
        out: list[Path] = []
        for root, d in (
            (self.base.config, paths.config),
            (self.base.data, paths.data),
            (self.base.cache, paths.cache),
        ):
            if d.parent != root / "profiles" or d.name != PROFILE_PREFIX + acct.slug:
                raise AccountError(f"Refusing to delete {d}: not the account's own folder.")
            out.append(d)
        return out

    def remove(self, name: str, *, delete_library: bool = False) -> Removed:
        """Forget an account: its key leaves the keychain, and, only when asked, its library,
        images, settings and queue are deleted (else they stay, found again if an account of
        the same name is added). The default account cannot be removed."""
        acct = self.get(name)
        if acct.is_default:
            raise AccountError(
                "The default account holds the library leodesk had before accounts and cannot "
                "be removed; remove its key with `leodesk key clear` or Account ▸ API key…."
            )
        # The keychain (keyring, D-Bus) loads only here: the app reads the registry before its
        # first paint.
        from leodesk.core import secrets

        dirs = self.library_dirs(acct) if delete_library else []
        # The key first: when the keychain refuses, nothing else has changed.
        try:
            key_removed = secrets.clear_api_key(acct.keychain_entry)
        except secrets.NoSecureKeychainError:
            key_removed = False  # no keychain: no key can be stored there
        deleted: list[Path] = []
        for d in dirs:
            if d.is_symlink():
                d.unlink()
                deleted.append(d)
            elif d.exists():
                shutil.rmtree(d)
                deleted.append(d)
        accounts, last = self._read()
        self._write(
            [a for a in accounts if a.slug != acct.slug], None if last == acct.slug else last
        )
        return Removed(acct, key_removed, deleted)


def profile_for(
    base: Paths, *, demo: bool = False, account: str | None = None
) -> tuple[Paths, Account]:
    """The profile (not created) and account a process with these options works on: the demo's
    own profile in demo mode, else ``account``'s, else the account used last (raises
    :class:`UnknownAccountError`). The one place that decides, for the app, the CLI and the
    profile's lock alike."""
    if demo:
        return base.profile("demo"), DEFAULT_ACCOUNT
    registry = Registry(base)
    acct = registry.current() if account is None else registry.get(account)
    return acct.paths(base), acct


def image_count(paths: Paths) -> int:
    """The images in a profile's library (0 without one); read-only."""
    from leodesk.core.library import Library  # SQLite: only when asked

    if not paths.library_db.exists():
        return 0
    with Library.open_readonly(paths.library_db) as lib:
        return int(lib.count_images())
