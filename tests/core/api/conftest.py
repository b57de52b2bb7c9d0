"""Fixtures for the API client tests: a fake clock, a scripted MockTransport and the spec."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from leodesk.core.api import LeonardoClient, RetryPolicy, Timeouts
from tests.core.api.api_samples import API_KEY, BASE, FakeClock, Script
from tests.core.api.spec_tools import load_spec, spec_path


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


# ------------------------------------------------------------------------------------- spec


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    data = load_spec()
    if data is None:
        pytest.skip(f"OpenAPI spec not found at {spec_path()} (set LEODESK_SPEC)")
    return data
