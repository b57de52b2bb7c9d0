"""Fault injection: the grammar, and every kind as a raw httpx client sees it."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from leodesk.sim import FaultSpecError, SimServer, parse_faults
from tests.sim._util import completed_image, download, generation, wait_until

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]

GEN = {"prompt": "faulty", "num_images": 1, "width": 512, "height": 512}


# --------------------------------------------------------------------------- grammar


def test_grammar_examples() -> None:
    rules = parse_faults("POST /generations=500@0.3;GET /me=429x2;GET /generations/*=slow:2.0")
    assert [(r.method, r.path_glob, r.kind) for r in rules] == [
        ("POST", "/generations", "500"),
        ("GET", "/me", "429"),
        ("GET", "/generations/*", "slow"),
    ]
    assert rules[0].probability == 0.3 and rules[0].times is None
    assert rules[1].times == 2 and rules[1].probability == 1.0
    assert rules[2].params == {"delay": 2.0}


def test_grammar_params_and_suffixes() -> None:
    (rule,) = parse_faults("post /generations = slow:delay=3,commit@0.5x4")
    assert rule.method == "POST" and rule.params == {"delay": 3.0, "commit": True}
    assert rule.probability == 0.5 and rule.times == 4
    (rule,) = parse_faults("* /cdn/*=truncated:0.25")
    assert rule.method == "*" and rule.params == {"fraction": 0.25}
    (rule,) = parse_faults("GET /me=429:5x1")
    assert rule.params == {"retry_after": 5} and rule.times == 1
    (rule,) = parse_faults("GET /generations/*=nulls:fields=status|seed")
    assert rule.params == {"fields": ("status", "seed")}
    (rule,) = parse_faults("POST /generations=reset:commit=false")
    assert rule.params == {"commit": False} and not rule.commit
    assert len(parse_faults("GET /me=500\nGET /me=502;;")) == 2
    assert parse_faults("") == []
    assert parse_faults(rule.describe())[0].kind == "reset"


@pytest.mark.parametrize(
    "text",
    ["GET /me", "GET /me=teapot", "GET me=500", "GET /me=500@1.5", "GET /me=500:7", "/me=500"],
)
def test_grammar_errors(text: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_faults(text)


def test_bad_config_faults_fail_at_construction() -> None:
    from leodesk.sim import SimConfig

    with pytest.raises(FaultSpecError):
        SimServer(SimConfig(faults="GET /me=nope"))


def test_config_faults_apply(make_server: Make, make_client: Client) -> None:
    sim = make_server(faults="GET /me=429x2")
    api = make_client(sim)
    assert [api.get("/me").status_code for _ in range(3)] == [429, 429, 200]
    assert sim.faults[0].fired == 2


# --------------------------------------------------------------------------- status kinds


def test_429(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("GET", "/me", "429", retry_after=3, times=1)
    resp = api.get("/me")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
    assert resp.json() == {"error": "Too Many Requests", "path": "$", "code": "rate-limited"}
    assert api.get("/me").status_code == 200
    server.add_fault("GET", "/me", "429", times=1)
    assert api.get("/me").headers["Retry-After"] == "1"
    server.add_fault("GET", "/me", "429", retry_after=0.2, times=1)
    assert api.get("/me").headers["Retry-After"] == "0.2"


def test_500_is_json(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("POST", "/generations", "500", times=1)
    resp = api.post("/generations", json=GEN)
    assert resp.status_code == 500
    assert resp.json() == {"error": "internal error", "path": "$", "code": "unexpected"}
    assert server.state.generation_ids() == []


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_html(api: httpx.Client, server: SimServer, status: int) -> None:
    server.add_fault("GET", "/me", str(status), times=1)
    resp = api.get("/me")
    assert resp.status_code == status
    assert resp.headers["content-type"] == "text/html"
    assert resp.text.startswith("<html>") and str(status) in resp.text
    with pytest.raises(ValueError):
        resp.json()


def test_503_retry_after(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("GET", "/me", "503", retry_after=2, times=1)
    assert api.get("/me").headers["Retry-After"] == "2"


def test_error_with_commit_performs_the_operation(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("POST", "/generations", "504", commit=True, times=1)
    resp = api.post("/generations", json=GEN)
    assert resp.status_code == 504
    assert len(server.state.generation_ids()) == 1  # the job exists and was billed


# --------------------------------------------------------------------------- timing kinds


def test_latency(make_server: Make, make_client: Client) -> None:
    sim = make_server(latency_ms=150)
    api = make_client(sim)
    started = time.monotonic()
    api.get("/me")
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    download(sim.origin + "/cdn/nothing")
    assert time.monotonic() - started < 0.15


def test_slow_without_commit_never_runs_if_the_client_gave_up(
    server: SimServer, make_client: Client
) -> None:
    server.add_fault("POST", "/generations", "slow", delay=0.4, times=1)
    api = make_client(server, timeout=0.1)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/generations", json=GEN)
    wait_until(lambda: server.requests[-1].status == 499)
    assert server.state.generation_ids() == []


def test_slow_without_commit_still_answers_a_patient_client(
    api: httpx.Client, server: SimServer
) -> None:
    server.add_fault("GET", "/me", "slow", delay=0.1, times=1)
    started = time.monotonic()
    assert api.get("/me").status_code == 200
    assert time.monotonic() - started >= 0.1


def test_slow_with_commit_creates_the_job_before_the_timeout(
    server: SimServer, make_client: Client
) -> None:
    server.add_fault("POST", "/generations", "slow", delay=0.4, commit=True, times=1)
    api = make_client(server, timeout=0.1)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/generations", json=GEN)
    assert len(server.state.generation_ids()) == 1
    assert server.count("POST", "/generations") == 1


# --------------------------------------------------------------------------- connection kinds


def test_reset(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("POST", "/generations", "reset", times=1)
    with pytest.raises(httpx.TransportError):
        api.post("/generations", json=GEN)
    assert server.state.generation_ids() == []
    assert server.requests[-1].status == 0
    assert api.get("/me").status_code == 200  # the client reconnects


def test_reset_with_commit(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("POST", "/generations", "reset", commit=True, times=1)
    with pytest.raises(httpx.TransportError):
        api.post("/generations", json=GEN)
    assert len(server.state.generation_ids()) == 1


def test_truncated_api_response(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("GET", "/platformModels", "truncated", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/platformModels")
    assert api.get("/platformModels").status_code == 200


def test_truncated_cdn_image(api: httpx.Client, server: SimServer) -> None:
    gen_id, _ = completed_image(api)
    url = generation(api, gen_id)["generated_images"][0]["url"]
    server.add_fault("GET", "/cdn/*", "truncated", fraction=0.3, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        download(url)
    assert download(url).status_code == 200


def test_malformed_json(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("GET", "/me", "malformed_json", times=1)
    resp = api.get("/me")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        resp.json()
    assert api.get("/me").json()["user_details"]


# --------------------------------------------------------------------------- body kinds


def test_nulls(api: httpx.Client, server: SimServer) -> None:
    completed_image(api)
    path = f"/generations/user/{server.user_id}"
    server.add_fault("GET", "/generations/user/*", "nulls", times=1)
    row = api.get(path).json()["generations"][0]
    assert row["status"] is None and row["sdVersion"] is None and row["scheduler"] is None
    assert row["generated_images"][0]["nsfw"] is None and row["generated_images"][0]["id"]
    server.add_fault("GET", "/me", "nulls", fields=["apiSubscriptionTokens"], times=1)
    assert api.get("/me").json()["user_details"][0]["apiSubscriptionTokens"] is None


def test_unknown_enum(api: httpx.Client, server: SimServer) -> None:
    gen_id, _ = completed_image(api)
    server.add_fault("GET", "/generations/*", "unknown_enum", times=1)
    row = api.get(f"/generations/{gen_id}").json()["generations_by_pk"]
    assert row["sdVersion"] == "SDXL_9_9" and row["status"] == "COMPLETE"
    server.add_fault("GET", "/generations/*", "unknown_enum", fields="status", value="QUEUED")
    assert api.get(f"/generations/{gen_id}").json()["generations_by_pk"]["status"] == "QUEUED"


def test_upscale_misspelled(api: httpx.Client, server: SimServer) -> None:
    _, image_id = completed_image(api)
    server.add_fault("POST", "/variations/upscale", "upscale_misspelled", times=1)
    body = api.post("/variations/upscale", json={"id": image_id}).json()
    assert list(body) == ["sdUpscalerjob"] and body["sdUpscalerjob"]["id"]
    assert list(api.post("/variations/upscale", json={"id": image_id}).json()) == ["sdUpscaleJob"]


# --------------------------------------------------------------------------- rolls and counts


def test_probability_is_seeded(make_server: Make, make_client: Client) -> None:
    runs = []
    for _ in range(2):
        sim = make_server(seed=99, faults="GET /me=500@0.5")
        api = make_client(sim)
        runs.append([api.get("/me").status_code for _ in range(30)])
    assert runs[0] == runs[1]
    assert 200 in runs[0] and 500 in runs[0]


def test_times_and_clear(api: httpx.Client, server: SimServer) -> None:
    fault = server.add_fault("*", "/me", "500", times=2)
    assert [api.get("/me").status_code for _ in range(3)] == [500, 500, 200]
    assert fault.fired == 2
    server.add_fault("GET", "/me", "500")
    assert api.get("/me").status_code == 500
    server.clear_faults()
    assert api.get("/me").status_code == 200 and server.faults == []


def test_faults_apply_before_auth(server: SimServer, make_client: Client) -> None:
    """A load balancer answers before the API checks the key."""
    server.add_fault("GET", "/me", "502", times=1)
    anonymous = make_client(server, auth=False)
    assert anonymous.get("/me").status_code == 502
    assert anonymous.get("/me").status_code == 401
