"""A private keychain for the benchmarks: a D-Bus session with gnome-keyring holding the key of
a profile's account, as a user's desktop has it. leodesk reads its key from there at every start
(an environment key would skip the keychain, and with it ~80 ms of work a user's start has)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STORE_KEY = """
import sys
from leodesk.core import secrets
from leodesk.runtime import resolve_profile
_paths, account = resolve_profile()
secrets.set_api_key(sys.argv[1], account.keychain_entry)
assert secrets.get_api_key(account.keychain_entry, use_env=False) == sys.argv[1]
"""


@contextmanager
def keychain(home: Path, key: str, pythonpath: str) -> Iterator[dict[str, str]]:
    """Start a D-Bus session bus and an unlocked gnome-keyring on it, store ``key`` as the key of
    the account leodesk opens in ``home`` (LEODESK_HOME); yields the environment to run leodesk
    with (its bus address). Everything is stopped and removed at the end."""
    for exe in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(exe) is None:
            raise SystemExit(f"{exe} is not installed (./packaging/dev.sh test installs it)")
    store = tempfile.mkdtemp(prefix="leodesk-bench-keyring-")
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        check=True,
    )
    address, pid = bus.stdout.split()[:2]
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    try:
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input="leodesk-bench",
            env=dict(env, XDG_DATA_HOME=store),  # the keyring's file: a folder of its own
            capture_output=True,
            text=True,
            check=True,
        )
        run_env = dict(env, LEODESK_HOME=str(home), PYTHONPATH=pythonpath)
        run_env.pop("LEONARDO_API_KEY", None)
        subprocess.run([sys.executable, "-c", STORE_KEY, key], env=run_env, check=True)
        yield {"DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        os.kill(int(pid), signal.SIGTERM)  # the keyring daemon leaves with its bus
        shutil.rmtree(store, ignore_errors=True)
