"""``leodesk account list|add|remove|use|rename``: several accounts, each with its own key
(in the keychain), library, settings and queue. ``--account NAME`` on any command picks one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from leodesk.cli import EXIT_USAGE, CliError, read_checked_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from leodesk.core import accounts
    from leodesk.runtime import Runtime

# The parser is built for every command (and `--help`): the accounts and the keychain load only
# when `leodesk account` or `--account` runs (lines marked "per command").

ACTIONS = ("list", "add", "remove", "use", "rename")


def add_account_parser(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = add(
        "account",
        "list, add, remove, rename or choose the accounts (each with its own key and library)",
    )
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("name", nargs="?", help="the account's name (add, remove, use, rename)")
    p.add_argument("new_name", nargs="?", help="`rename`: the new name")
    p.add_argument(
        "--delete-library",
        action="store_true",
        help="`remove`: also delete the account's library, images, settings and queue",
    )
    p.add_argument(
        "--no-check",
        action="store_true",
        help="`add`: store the key without checking it against the API",
    )


def account_option_problem(name: str, demo: bool) -> str | None:
    """What is wrong with ``--account NAME`` (``None``: nothing)."""
    from leodesk.core import accounts  # per command

    if demo:
        return "the demo has a profile of its own: use --demo or --account"
    try:
        _registry().get(name)
    except accounts.AccountError as exc:
        return exc.user_message
    return None


def _registry() -> accounts.Registry:
    from leodesk.core import accounts, paths  # per command

    return accounts.Registry(paths.resolve())


def _key_source(acct: accounts.Account) -> str:
    from leodesk.core import secrets  # per command

    try:
        return secrets.key_status(acct.keychain_entry).source
    except secrets.SecretsError:
        return "unknown"


def cmd_account(args: argparse.Namespace, runtime: Runtime) -> Any:
    from leodesk.core import accounts  # per command

    registry = _registry()
    action = args.action
    if action != "list" and not args.name:
        raise CliError(f"`leodesk account {action}` needs the account's name", EXIT_USAGE)
    if action == "rename" and not args.new_name:
        raise CliError("`leodesk account rename NAME NEW_NAME` needs the new name", EXIT_USAGE)
    try:
        if action == "list":
            return _list(args, registry)
        if action == "add":
            return _add(args, registry, runtime)
        if action == "remove":
            return _remove(args, registry)
        if action == "use":
            acct = registry.use(args.name)
            if not args.json:
                print(f"Account {acct.name} is used when no --account is given.")
            return {"current": acct.name}
        renamed = registry.rename(args.name, args.new_name)
        if not args.json:
            print(f"Account {args.name} is now called {renamed.name}.")
        return {"name": renamed.name}
    except accounts.AccountError as exc:
        raise CliError(exc.user_message, EXIT_USAGE) from None


def _list(args: argparse.Namespace, registry: accounts.Registry) -> list[dict[str, Any]]:
    from leodesk.core import accounts  # per command

    current = registry.current()
    rows: list[dict[str, Any]] = []
    for acct in registry.accounts():
        paths = acct.paths(registry.base)
        rows.append(
            {
                "name": acct.name,
                "current": acct.slug == current.slug,
                "default": acct.is_default,
                "key": _key_source(acct),
                "images": accounts.image_count(paths),
                "library": str(paths.library_db),
            }
        )
    if not args.json:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            key = {"keychain": "key stored", "environment": "key from LEONARDO_API_KEY"}.get(
                r["key"], "no key" if r["key"] == "none" else "key: keychain unavailable"
            )
            print(
                f"{'*' if r['current'] else ' '} {r['name']:<{width}}  {key:<18}  "
                f"{r['images']} image(s)  {r['library']}"
            )
    return rows


def _add(args: argparse.Namespace, registry: accounts.Registry, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core import accounts, secrets  # per command

    registry.plan(args.name)  # a bad or taken name is said before the key is asked
    key, username = read_checked_key(args, runtime.base_url)
    acct = registry.add(args.name)
    try:
        secrets.set_api_key(key, acct.keychain_entry)
    except BaseException:
        registry.remove(acct.name)  # nothing half-made: no account without its key
        raise
    images = accounts.image_count(acct.paths(registry.base))
    if not args.json:
        who = f" (Leonardo user {username})" if username else ""
        print(f"Account {acct.name} added{who}; its key is in the keychain.")
        if images:
            print(f"It found its library from before: {images} image(s).")
        print(f"Use it with --account {_quoted(acct.name)}, or `leodesk account use`.")
    return {"name": acct.name, "username": username, "images": images}


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


def _remove(args: argparse.Namespace, registry: accounts.Registry) -> dict[str, Any]:
    from leodesk.core import accounts  # per command

    acct = registry.get(args.name)
    images = accounts.image_count(acct.paths(registry.base)) if not acct.is_default else 0
    if args.delete_library:  # never from under an app or a command using that library
        from leodesk.core.instance import ProfileBusy, writer_lock  # per command

        try:
            with writer_lock(acct.paths(registry.base).data, "account remove"):
                removed = registry.remove(args.name, delete_library=True)
        except ProfileBusy as exc:
            raise CliError(str(exc)) from None
    else:
        removed = registry.remove(args.name, delete_library=False)
    if not args.json:
        print(
            f"Account {acct.name} removed"
            + ("; its key left the keychain." if removed.key_removed else " (no key was stored).")
        )
        if args.delete_library:
            print(f"Its library ({images} image(s)), settings and queue were deleted.")
        else:
            kept = acct.paths(registry.base).data
            print(f"Its library ({images} image(s)) is kept in {kept}.")
    return {
        "name": acct.name,
        "key_removed": removed.key_removed,
        "deleted": [str(p) for p in removed.deleted],
    }
