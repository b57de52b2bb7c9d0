"""What a leodesk process runs against: its profile's paths, the API's base URL and the key.

Shared by the GUI and the CLI so both honour the same environment (``LEODESK_HOME``,
``LEODESK_API_URL``, ``LEONARDO_API_KEY``) and the same ``--demo`` meaning: the built-in simulator
in-process on a free loopback port, with its own profile so demo images never mix with a real
account's, and its account kept in that profile from one launch to the next.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from leodesk.core import accounts as accounts_mod
from leodesk.core import paths as paths_mod
from leodesk.core import secrets
from leodesk.core.log import register_secret

API_URL_ENV = "LEODESK_API_URL"
DEMO_KEY = "leodesk-demo-key"


@dataclass
class Runtime:
    paths: paths_mod.Paths
    base_url: str | None  # None: the client's default (or LEODESK_API_URL, read by the client)
    demo: bool = False
    demo_key: str | None = None
    sim: Any = field(default=None, repr=False)
    # The account whose profile and key this runtime uses (the demo has none of its own).
    account: accounts_mod.Account = accounts_mod.DEFAULT_ACCOUNT

    @property
    def key_entry(self) -> str:
        """The account's keychain entry (never read in demo mode)."""
        return self.account.keychain_entry

    def api_key(self) -> str | None:
        """The key to use: the simulator's in demo mode, else environment, else the account's
        keychain entry."""
        if self.demo:
            return self.demo_key
        return secrets.get_api_key(self.key_entry)

    def close(self) -> None:
        if self.sim is not None:
            self.sim.stop()
            self.sim = None


def resolve_profile(
    *, demo: bool = False, account: str | None = None
) -> tuple[paths_mod.Paths, accounts_mod.Account]:
    """The profile (created) and account of :func:`leodesk.core.accounts.profile_for`, so the
    profile's lock (:mod:`leodesk.core.instance`) is taken on the same profile before anything
    starts."""
    paths, acct = accounts_mod.profile_for(paths_mod.resolve(), demo=demo, account=account)
    return paths.ensure(), acct


def profile_paths(*, demo: bool = False, account: str | None = None) -> paths_mod.Paths:
    """The profile of :func:`resolve_profile`."""
    return resolve_profile(demo=demo, account=account)[0]


def start(
    *,
    demo: bool = False,
    account: str | None = None,
    sim_options: dict[str, Any] | None = None,
) -> Runtime:
    """Resolve the profile (see :func:`resolve_profile`); in demo mode start the simulator and
    point everything at it."""
    paths, acct = resolve_profile(demo=demo, account=account)
    if not demo:
        return Runtime(paths=paths, base_url=os.environ.get(API_URL_ENV) or None, account=acct)
    from leodesk.sim import SimConfig, SimServer  # the simulator loads for the demo only

    # The demo account lives in the demo profile: a second launch continues the first (same
    # generations, uploads and balance; new ids never repeat old ones). Its first launch starts
    # with a history of 150 generations, so "Sync library" has work to show.
    options: dict[str, Any] = {
        "api_key": DEMO_KEY,
        "generation_seconds": 2.0,
        "latency_ms": 60,
        "seed_generations": 150,
        "seed_videos": 2,
        "state_dir": str(paths.sim_state),
    }
    options.update(sim_options or {})
    sim = SimServer(SimConfig(**options)).start()
    register_secret(options["api_key"])
    return Runtime(
        paths=paths,
        base_url=sim.base_url,
        demo=True,
        demo_key=options["api_key"],
        sim=sim,
    )
