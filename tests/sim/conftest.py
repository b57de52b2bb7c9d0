"""Fixtures for the simulator tests: servers on loopback and authenticated httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from leodesk.sim import SimConfig, SimServer

KEY = "sim-test-key"

MakeServer = Callable[..., SimServer]


@pytest.fixture
def make_server() -> Iterator[MakeServer]:
    """Factory: ``make_server(**SimConfig fields)`` starts a server, stopped at teardown."""
    servers: list[SimServer] = []

    def factory(**overrides: Any) -> SimServer:
        values: dict[str, Any] = {"seed": 1, "generation_seconds": 0.05, "api_key": KEY}
        values.update(overrides)
        server = SimServer(SimConfig(**values)).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: MakeServer) -> SimServer:
    """A fresh simulator with fast jobs."""
    return make_server()


@pytest.fixture
def make_client() -> Iterator[Callable[..., httpx.Client]]:
    """Factory: an httpx client for a server (authenticated unless ``auth=False``)."""
    clients: list[httpx.Client] = []

    def factory(sim: SimServer, *, auth: bool = True, timeout: float = 5.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {sim.api_key}"} if auth else {}
        client = httpx.Client(base_url=sim.base_url, headers=headers, timeout=timeout, verify=False)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def api(server: SimServer, make_client: Callable[..., httpx.Client]) -> httpx.Client:
    """An authenticated client for ``server``."""
    return make_client(server)
