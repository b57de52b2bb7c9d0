"""The API package loads the HTTP client (httpx) only when a client or the protocol is asked
for: the library and the prompt form need only the data classes (start-up, issue 15)."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(out.stdout.split())


def test_the_library_opens_without_the_http_client() -> None:
    loaded = _loaded_after("import leodesk.core.library")
    assert "leodesk.core.api" in loaded  # the data classes come from the API package
    assert "httpx" not in loaded
    assert "leodesk.core.api.protocol" not in loaded


def test_the_protocol_and_the_client_are_there_when_asked_for() -> None:
    from leodesk.core.api import LeonardoApi, LeonardoClient
    from leodesk.core.api.client import LeonardoClient as Client
    from leodesk.core.api.protocol import LeonardoApi as Api

    assert LeonardoApi is Api
    assert LeonardoClient is Client
    loaded = _loaded_after("from leodesk.core.api import LeonardoApi")
    assert "httpx" in loaded
