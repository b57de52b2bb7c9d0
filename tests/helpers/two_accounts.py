"""Two simulators, each accepting only its own account's key (the several-accounts tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from leodesk.sim import SimConfig, SimServer


@contextmanager
def two_sims(
    key_a: str, key_b: str, seeds: tuple[int, int]
) -> Iterator[tuple[SimServer, SimServer]]:
    a = SimServer(SimConfig(seed=seeds[0], generation_seconds=0.2, api_key=key_a)).start()
    b = SimServer(SimConfig(seed=seeds[1], generation_seconds=0.2, api_key=key_b)).start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()
