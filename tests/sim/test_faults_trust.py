"""Faults a busy day brings, over real HTTP: short bodies that look whole, HTML with 200,
decompression bombs, accepted submits whose answer never comes, 429 while reconciling and
malformed JSON on an accepted submit. Where the operation runs, it is checked that it did."""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from leodesk.sim import FaultSpecError, SimServer, parse_faults
from tests.sim._util import completed_image, decode, download, generation, wait_done, wait_until

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]

GEN = {"prompt": "a busy day", "num_images": 1, "width": 512, "height": 512}


def image_url(api: httpx.Client) -> str:
    gen_id, _ = completed_image(api)
    url: str = generation(api, gen_id)["generated_images"][0]["url"]
    return url


# --------------------------------------------------------------------------- grammar


def test_grammar_of_the_new_kinds() -> None:
    short, html, bomb, silent, quiet = parse_faults(
        "GET /cdn/*=short_length:0.25x1;GET /cdn/*=html200@0.5;GET /cdn/*=bomb;"
        "POST /generations=silent:30x1;POST /generations=silent:max=2,commit=false"
    )
    assert short.kind == "short_length" and short.params == {"fraction": 0.25} and short.times == 1
    assert html.kind == "html200" and html.probability == 0.5
    assert bomb.kind == "bomb" and bomb.params == {}
    assert silent.params == {"max": 30.0} and silent.commit  # silent commits by default
    assert quiet.params == {"max": 2.0, "commit": False} and not quiet.commit
    assert parse_faults(silent.describe())[0].params == silent.params
    for bad in ("GET /cdn/*=short_length:1.5", "POST /generations=silent:max=-1"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad)


# --------------------------------------------------------------------------- short_length


def test_short_length_cdn_image_has_an_honest_content_length(
    api: httpx.Client, server: SimServer
) -> None:
    url = image_url(api)
    whole = download(url).content
    server.add_fault("GET", "/cdn/*", "short_length", fraction=0.4, times=1)
    resp = download(url)  # httpx checks Content-Length: no protocol error
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
    assert int(resp.headers["content-length"]) == len(resp.content) == int(len(whole) * 0.4)
    assert resp.content == whole[: len(resp.content)]
    with pytest.raises(OSError):
        decode(resp.content)
    assert download(url).content == whole


def test_short_length_on_an_accepted_submit_bills_the_job(
    api: httpx.Client, server: SimServer
) -> None:
    credits = server.state.credits
    server.add_fault("POST", "/generations", "short_length", times=1)
    resp = api.post("/generations", json=GEN)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    (gen_id,) = server.state.generation_ids()
    assert server.state.credits < credits
    assert wait_done(api, gen_id)["status"] == "COMPLETE"


# --------------------------------------------------------------------------- html200


def test_html200_instead_of_an_image(api: httpx.Client, server: SimServer) -> None:
    url = image_url(api)
    server.add_fault("GET", "/cdn/*", "html200", times=1)
    resp = download(url)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.text.lstrip().lower().startswith("<!doctype html>")
    with pytest.raises(OSError):
        decode(resp.content)
    assert decode(download(url).content).format == "JPEG"


def test_html200_on_a_submit_runs_nothing_unless_committed(
    api: httpx.Client, server: SimServer
) -> None:
    server.add_fault("POST", "/generations", "html200", times=1)
    resp = api.post("/generations", json=GEN)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert server.state.generation_ids() == []
    server.add_fault("POST", "/generations", "html200", commit=True, times=1)
    assert api.post("/generations", json=GEN).headers["content-type"].startswith("text/html")
    assert len(server.state.generation_ids()) == 1


# --------------------------------------------------------------------------- bomb


def test_bomb_is_a_small_valid_png_of_enormous_dimensions(
    api: httpx.Client, server: SimServer
) -> None:
    url = image_url(api)
    server.add_fault("GET", "/cdn/*", "bomb", times=1)
    resp = download(url)
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
    data = resp.content
    assert len(data) < 256 * 1024
    # A valid PNG: signature, chunks with correct CRCs, IHDR 40000 x 40000 1-bit gray.
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        chunks[kind] = body
        pos += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, color) == (40000, 40000, 1, 0)
    # The pixel data is complete: it inflates to every row (counted, never held at once).
    inflater, total, rest = zlib.decompressobj(), 0, chunks[b"IDAT"]
    while rest:
        total += len(inflater.decompress(rest, 1 << 24))
        rest = inflater.unconsumed_tail
    total += len(inflater.flush())
    assert inflater.eof and total == height * (1 + (width + 7) // 8)
    # Pillow reads the header and refuses to decode it.
    with pytest.raises(Image.DecompressionBombError):
        decode(data)
    assert download(url).headers["content-type"] == "image/jpeg"


# --------------------------------------------------------------------------- silent


def test_silent_submit_is_accepted_and_never_answered(
    server: SimServer, make_client: Client
) -> None:
    credits = server.state.credits
    server.add_fault("POST", "/generations", "silent", times=1)
    api = make_client(server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        api.post("/generations", json=GEN)
    assert time.monotonic() - started < 2
    # The server notices the client hung up and lets the connection go.
    wait_until(lambda: not server._conns, timeout=2)
    (gen_id,) = server.state.generation_ids()  # accepted and billed
    assert server.state.credits < credits
    assert server.requests[-1].status == 0  # no answer was sent
    assert wait_done(api, gen_id)["status"] == "COMPLETE"


def test_silent_hold_ends_after_max_seconds(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("POST", "/generations", "silent", max=0.3, times=1)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):  # closed without a response
        api.post("/generations", json=GEN)
    assert 0.3 <= time.monotonic() - started < 3
    assert len(server.state.generation_ids()) == 1
    assert api.get("/me").status_code == 200


def test_silent_without_commit_runs_nothing(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("POST", "/generations", "silent", max=0.2, commit=False, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/generations", json=GEN)
    assert server.state.generation_ids() == []


def test_silent_hold_ends_when_the_server_stops(make_server: Make, make_client: Client) -> None:
    sim = make_server(faults="POST /generations=silent")  # default max: 120 s
    api = make_client(sim, timeout=30)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            api.post("/generations", json=GEN)
        except httpx.HTTPError as exc:
            errors.append(exc)

    worker = threading.Thread(target=submit)
    worker.start()
    wait_until(lambda: sim.state.generation_ids())
    started = time.monotonic()
    sim.stop()
    worker.join(timeout=5)
    assert not worker.is_alive() and errors
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------- existing kinds


def test_429_during_the_reconciliation_listing(make_server: Make, make_client: Client) -> None:
    sim = make_server(faults="GET /generations/user/*=429:2x2")
    api = make_client(sim)
    gen_id, _ = completed_image(api)
    path = f"/generations/user/{sim.user_id}"
    first, second = api.get(path, params={"limit": 50}), api.get(path, params={"offset": 50})
    assert [first.status_code, second.status_code] == [429, 429]
    assert first.headers["Retry-After"] == "2"
    listed = api.get(path, params={"limit": 50})
    assert listed.status_code == 200
    assert [g["id"] for g in listed.json()["generations"]] == [gen_id]
    assert api.get(f"/generations/{gen_id}").status_code == 200  # only the listing is hit


def test_malformed_json_on_an_accepted_submit(make_server: Make, make_client: Client) -> None:
    sim = make_server(faults="POST /generations=malformed_jsonx1")
    api = make_client(sim)
    credits = sim.state.credits
    resp = api.post("/generations", json=GEN)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        resp.json()
    assert b"generationId" in resp.content  # cut mid-way, as an upstream error would
    (gen_id,) = sim.state.generation_ids()
    assert sim.state.credits < credits  # billed
    assert wait_done(api, gen_id)["status"] == "COMPLETE"
    assert api.post("/generations", json=GEN).json()["sdGenerationJob"]["generationId"]
