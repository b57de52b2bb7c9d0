"""Transport-level strictness: auth, routing, JSON parsing, unknown keys, types, nullability."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from leodesk.sim import SimServer
from tests.sim._util import download, wait_until


def err(resp: httpx.Response) -> tuple[int, str, str]:
    body = resp.json()
    assert body["path"] == "$"
    return resp.status_code, body["code"], body["error"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "sim-test-key"}, {"X-Api-Key": "k"}],
)
def test_auth_required(
    server: SimServer, make_client: Callable[..., httpx.Client], headers: dict[str, str]
) -> None:
    client = make_client(server, auth=False)
    resp = client.get("/me", headers=headers)
    assert resp.json() == {
        "error": "Authentication hook unauthorized this request",
        "path": "$",
        "code": "access-denied",
    }
    assert resp.status_code == 401


def test_auth_scheme_case_insensitive(
    server: SimServer, make_client: Callable[..., httpx.Client]
) -> None:
    client = make_client(server, auth=False)
    assert (
        client.get("/me", headers={"authorization": f"bearer {server.api_key}"}).status_code == 200
    )


def test_unknown_path_is_404_after_auth(api: httpx.Client, server: SimServer) -> None:
    assert err(api.get("/nope")) == (404, "not-found", "resource does not exist")
    assert err(api.post("/generations-to-nowhere", json={})) == (
        404,
        "not-found",
        "resource does not exist",
    )
    assert api.delete("/me").status_code == 404
    anonymous = download(server.base_url + "/nope")
    assert anonymous.status_code == 401
    assert download(server.origin + "/elsewhere").status_code == 404


def test_bad_uuid_in_path(api: httpx.Client) -> None:
    code = err(api.get("/generations/not-a-uuid"))
    assert code == (400, "data-exception", 'invalid input syntax for type uuid: "not-a-uuid"')


def test_unknown_ids_give_null_or_empty(api: httpx.Client) -> None:
    nobody = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/generations/{nobody}").json() == {"generations_by_pk": None}
    assert api.delete(f"/generations/{nobody}").json() == {"delete_generations_by_pk": None}
    assert api.get(f"/init-image/{nobody}").json() == {"init_images_by_pk": None}
    assert api.get(f"/variations/{nobody}").json() == {"generated_image_variation_generic": []}
    assert api.get(f"/models/{nobody}").json() == {"custom_models_by_pk": None}
    assert api.get(f"/generations/user/{nobody}").json() == {"generations": []}
    assert api.get(f"/models/user/{nobody}").json() == {"custom_models": []}
    assert api.get(f"/elements/user/{nobody}").json() == {"user_loras": []}


@pytest.mark.parametrize("key", ["sd_Version", "Prompt", "StyleUUID", "numImages", "model_id"])
def test_unknown_key(api: httpx.Client, key: str) -> None:
    resp = api.post("/generations", json={"prompt": "x", key: "v"})
    assert err(resp) == (400, "bad-request", f"Unexpected variable {key}")


def test_style_uuid_is_taken_as_the_docs_use_it(api: httpx.Client) -> None:
    """``styleUUID`` is documented for Phoenix and Flux styles though not in the v1 spec."""
    style = "6fedbf1f-4a17-45ec-84fb-92fe524a29ef"
    ok = api.post("/generations", json={"prompt": "x", "styleUUID": style})
    assert ok.status_code == 200, ok.text
    bad = api.post("/generations", json={"prompt": "x", "styleUUID": "creative"})
    assert err(bad) == (400, "data-exception", 'invalid input syntax for type uuid: "creative"')


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("alchemy", "true", "Expected a boolean for type Boolean but found a string"),
        ("public", 1, "Expected a boolean for type Boolean but found a number"),
        ("width", "512", "Expected an integer for type Int but found a string"),
        ("num_images", 2.5, "Expected an integer for type Int but found a number"),
        ("seed", True, "Expected an integer for type Int but found a boolean"),
        ("guidance_scale", "7", "Expected a float for type Float but found a string"),
        ("prompt", 5, "Expected a string for type String but found a number"),
        ("elements", {"akUUID": "a"}, "Expected a list for type List but found an object"),
    ],
)
def test_wrong_json_type(api: httpx.Client, key: str, value: Any, message: str) -> None:
    body = {"prompt": "x", key: value}
    assert err(api.post("/generations", json=body)) == (400, "validation-failed", message)


def test_unknown_enum_value_in_request(api: httpx.Client) -> None:
    status, code, message = err(api.post("/generations", json={"prompt": "x", "sd_version": "V9"}))
    assert (status, code) == (400, "validation-failed")
    assert "sd_versions" in message and '"V9"' in message


@pytest.mark.parametrize("body", [{}, {"prompt": None}, {"width": 512}, None])
def test_missing_prompt(api: httpx.Client, body: Any) -> None:
    resp = api.post("/generations", json=body) if body is not None else api.post("/generations")
    assert err(resp) == (
        400,
        "validation-failed",
        'expecting a value for non-nullable variable: "prompt"',
    )


def test_nullable_keys_may_be_null(api: httpx.Client) -> None:
    body = {"prompt": "x", "negative_prompt": None, "seed": None, "width": 512, "height": 512}
    assert api.post("/generations", json={**body, "num_images": 1}).status_code == 200


def test_nested_keys_are_strict_too(api: httpx.Client) -> None:
    resp = api.post("/generations", json={"prompt": "x", "elements": [{"akUUID": "a", "w": 1}]})
    assert err(resp) == (400, "bad-request", "Unexpected variable elements[0].w")
    resp = api.post("/generations", json={"prompt": "x", "elements": [{"weight": 1}]})
    assert err(resp)[1:] == (
        "validation-failed",
        'expecting a value for non-nullable variable: "elements[0].akUUID"',
    )


def test_body_must_be_a_json_object(api: httpx.Client) -> None:
    status, code, message = err(api.post("/generations", json=["prompt"]))
    assert (status, code) == (400, "bad-request") and "found an array" in message
    resp = api.post(
        "/generations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert err(resp)[:2] == (400, "invalid-json")


def test_body_rules_apply_to_every_operation(api: httpx.Client) -> None:
    assert err(api.post("/init-image", json={"ext": "png"}))[2] == "Unexpected variable ext"
    assert err(api.post("/prompt/random", json={"prompt": "x"}))[2] == "Unexpected variable prompt"
    assert err(api.post("/variations/nobg", json={"id": "x"}))[2] == (
        'expecting a value for non-nullable variable: "isVariation"'
    )
    assert err(api.post("/variations/upscale", json={}))[2] == (
        'expecting a value for non-nullable variable: "id"'
    )
    bad = {"service": "IMAGE_GENERATION", "serviceParams": {"IMAGE_GENERATION": {"x": 1}}}
    assert err(api.post("/pricing-calculator", json=bad))[2] == (
        "Unexpected variable serviceParams.IMAGE_GENERATION.x"
    )


def test_paging_params_are_typed(api: httpx.Client, server: SimServer) -> None:
    path = f"/generations/user/{server.user_id}"
    assert err(api.get(path, params={"limit": "ten"}))[:2] == (400, "validation-failed")
    assert err(api.get(path, params={"offset": -1}))[:2] == (400, "data-exception")


def test_every_request_is_recorded(api: httpx.Client, server: SimServer) -> None:
    api.post("/generations", json={"prompt": "recorded", "num_images": 1}, params={"a": "b"})
    download(server.origin + "/cdn/nothing.jpg")
    records = server.requests
    gen = next(r for r in records if r.path == "/generations")
    assert gen.method == "POST" and gen.status == 200 and gen.query == {"a": "b"}
    assert gen.json == {"prompt": "recorded", "num_images": 1}
    assert gen.headers["authorization"] == f"Bearer {server.api_key}"
    assert gen.body.startswith(b"{") and gen.form_fields is None and gen.time > 0
    cdn = next(r for r in records if r.path == "/cdn/nothing.jpg")
    assert cdn.status == 403 and cdn.json is None
    assert server.count("POST", "/generations") == 1
    assert server.count("*", "/cdn/*") == 1
    assert server.count("get", "/generations/*") == 0
    server.clear_requests()
    assert server.requests == []


def test_status_is_recorded_before_the_client_sees_the_response(
    api: httpx.Client, server: SimServer
) -> None:
    for n in range(100):
        status = api.get("/me" if n % 2 else "/nope").status_code
        assert server.requests[-1].status == status


def test_clear_requests_with_a_request_in_flight(api: httpx.Client, server: SimServer) -> None:
    server.add_fault("GET", "/me", "slow", delay=0.1, times=1)
    worker = threading.Thread(target=lambda: api.get("/me"))
    worker.start()
    wait_until(lambda: server.count("GET", "/me") == 1)
    server.clear_requests()
    api.get("/platformModels")
    worker.join()
    assert [(r.path, r.status) for r in server.requests] == [("/platformModels", 200)]
