"""Polling helpers for the simulator tests (deadlines, never long fixed sleeps)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from PIL import Image

from leodesk.sim import SimServer


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def generate(api: httpx.Client, **body: Any) -> str:
    """POST /generations (prompt defaults to a small cheap request); returns the id."""
    payload: dict[str, Any] = {
        "prompt": "a lighthouse at dusk",
        "width": 512,
        "height": 512,
        "num_images": 1,
        "public": False,
    }
    payload.update(body)
    resp = api.post("/generations", json=payload)
    assert resp.status_code == 200, resp.text
    gen_id: str = resp.json()["sdGenerationJob"]["generationId"]
    return gen_id


def generation(api: httpx.Client, gen_id: str) -> dict[str, Any]:
    """GET /generations/{id} -> the ``generations_by_pk`` row."""
    resp = api.get(f"/generations/{gen_id}")
    assert resp.status_code == 200, resp.text
    row: dict[str, Any] = resp.json()["generations_by_pk"]
    return row


def wait_done(api: httpx.Client, gen_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll a generation until COMPLETE or FAILED; returns the row."""

    def done() -> dict[str, Any] | None:
        row = generation(api, gen_id)
        return row if row["status"] in ("COMPLETE", "FAILED") else None

    result: dict[str, Any] = wait_until(done, timeout)
    return result


def wait_variation(api: httpx.Client, var_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll GET /variations/{id} until element 0 is COMPLETE or FAILED."""

    def done() -> dict[str, Any] | None:
        items = api.get(f"/variations/{var_id}").json()["generated_image_variation_generic"]
        return items[0] if items and items[0]["status"] in ("COMPLETE", "FAILED") else None

    result: dict[str, Any] = wait_until(done, timeout)
    return result


def completed_image(
    api: httpx.Client, sim: SimServer | None = None, **body: Any
) -> tuple[str, str]:
    """A COMPLETE generation's ``(generation id, first image id)``.

    With ``sim`` the job is finished at once (``complete_all``), for servers with long jobs.
    """
    gen_id = generate(api, **body)
    if sim is not None:
        sim.complete_all()
    row = wait_done(api, gen_id)
    assert row["status"] == "COMPLETE"
    return gen_id, row["generated_images"][0]["id"]


def download(url: str, **kwargs: Any) -> httpx.Response:
    """GET a CDN/S3 URL without any API key."""
    with httpx.Client(timeout=5.0, verify=False) as client:
        return client.get(url, **kwargs)


def decode(data: bytes) -> Image.Image:
    """Decode image bytes with Pillow (fully loaded)."""
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def upload_init_image(
    sim: SimServer, api: httpx.Client, data: bytes | None = None, extension: str = "png"
) -> str:
    """The whole presigned upload; returns the init image id."""
    resp = api.post("/init-image", json={"extension": extension})
    assert resp.status_code == 200, resp.text
    up = resp.json()["uploadInitImage"]
    fields = json.loads(up["fields"])
    if data is None:
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="PNG")
        data = buf.getvalue()
    with httpx.Client(timeout=5.0, verify=False) as s3:
        r = s3.post(up["url"], data=fields, files={"file": ("init.png", data, "image/png")})
    assert r.status_code == 204, r.text
    init_id: str = up["id"]
    return init_id
