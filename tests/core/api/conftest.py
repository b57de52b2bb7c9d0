"""Fixtures for the API client tests: a fake clock and a scripted MockTransport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from leodesk.core.api import LeonardoClient, RetryPolicy, Timeouts
from tests.core.api.api_samples import API_KEY, BASE, FakeClock, Script


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def make_client(clock: FakeClock, script: Script) -> Iterator[Callable[..., LeonardoClient]]:
    created: list[LeonardoClient] = []

    def factory(**overrides: Any) -> LeonardoClient:
        options: dict[str, Any] = {
            "base_url": BASE,
            "transport": httpx.MockTransport(script),
            "retry": RetryPolicy(jitter=0.0),
            "timeouts": Timeouts(connect=1.0, read=1.0, upload=1.0),
            "sleep": clock.sleep,
            "clock": clock.time,
        }
        options.update(overrides)
        client = LeonardoClient(options.pop("api_key", API_KEY), **options)
        created.append(client)
        return client

    yield factory
    for client in created:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., LeonardoClient]) -> LeonardoClient:
    return make_client()
