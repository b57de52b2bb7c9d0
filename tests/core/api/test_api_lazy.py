"""The API package loads the HTTP client (httpx) only when a client or the protocol is asked
for: the prompt form needs only the data classes, and the library (which the gallery opens
before the rest of the app loads) not even those (start-up, issue 15)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(out.stdout.split())


def test_the_library_opens_without_the_http_client() -> None:
    loaded = _loaded_after("import leodesk.core.library")
    assert "leodesk.core.api" not in loaded  # not even the data classes (they come with sync)
    assert "httpx" not in loaded
    assert "leodesk.core.api.protocol" not in loaded


def test_the_library_reads_and_writes_generations_it_loaded_lazily(tmp_path: Any) -> None:
    """What the library imports on first use (the data classes, the blueprint models) works:
    a generation with a variation stored and read back, a blueprint catalogue cached."""
    code = f"""
from leodesk.core.library import Library
lib = Library.open({str(tmp_path / "lib.sqlite3")!r})
from leodesk.core.api.models import GeneratedImage, Generation, Variation
lib.upsert_generations([Generation(
    id="g1", status="COMPLETE", prompt="a lamp", created_at="2026-01-01T00:00:00.000Z",
    images=(GeneratedImage(id="i1", url="https://cdn/x.png", variations=(
        Variation(id="v1", url="https://cdn/v.png", transform_type="UPSCALE",
                  created_at="2026-01-02T00:00:00.000Z"),)),),
)])
from leodesk.core.api.blueprint_models import blueprint_from_json
lib.save_blueprints([blueprint_from_json({{"id": "bp1", "name": "Studio"}})])
print(lib.get_generation("g1").prompt, len(lib.image_ids_page(0, 10)),
      [b.name for b in lib.cached_blueprints()])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "a lamp 2 ['Studio']"


def test_the_protocol_and_the_client_are_there_when_asked_for() -> None:
    from leodesk.core.api import LeonardoApi, LeonardoClient
    from leodesk.core.api.client import LeonardoClient as Client
    from leodesk.core.api.protocol import LeonardoApi as Api

    assert LeonardoApi is Api
    assert LeonardoClient is Client
    loaded = _loaded_after("from leodesk.core.api import LeonardoApi")
    assert "httpx" in loaded
