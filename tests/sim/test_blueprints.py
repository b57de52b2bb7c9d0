"""The simulator's Blueprints over real HTTP: every answer validated against the spec, the
inputs checked against the version's declarations, executions moving through their statuses
and making generations, moderation, credits, pagination and keeping across a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from leodesk.sim import SimServer
from tests.helpers.spec import validate_request, validate_response
from tests.sim.conftest import MakeServer

GOLDEN = "Golden Hour Relight"
RECIPE = "Detailed Recipe with Tags"


def _get(api: httpx.Client, op: str, path: str, **kw: Any) -> Any:
    r = api.request("GET", path, **kw)
    assert r.status_code == 200, r.text
    validate_response(op, r.json())
    return r.json()


def catalogue(api: httpx.Client) -> dict[str, Any]:
    """Blueprint name -> (blueprint, versions newest first)."""
    data = _get(api, "listBlueprints", "blueprints", json={"first": 100})
    out = {}
    for edge in data["blueprints"]["edges"]:
        bp = edge["node"]
        v = _get(api, "getBlueprintVersionsByBlueprintId", f"blueprints/{bp['akUUID']}/versions")
        out[bp["name"]] = (bp, [e["node"] for e in v["blueprintVersions"]["edges"]])
    return out


def execute(api: httpx.Client, version: dict[str, Any], values: dict[str, str]) -> httpx.Response:
    """POST /blueprint-executions with ``values`` by input label (request checked by the spec)."""
    nodes = [
        {"nodeId": i["nodeId"], "settingName": i["settingName"], "value": values[i["label"]]}
        for i in version["uiMetadata"]["inputs"]
        if i["label"] in values
    ]
    body = {
        "blueprintVersionId": version["akUUID"],
        "input": {"nodeInputs": nodes, "public": False},
    }
    validate_request("executeBlueprint", body)
    r = api.post("blueprint-executions", json=body)
    validate_response("executeBlueprint", r.json()) if r.status_code == 200 else None
    return r


def wait_status(api: httpx.Client, ex_id: str, final: set[str], timeout: float = 5.0) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = _get(api, "getBlueprintExecution", f"blueprint-executions/{ex_id}")
        status = data["blueprintExecution"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in final:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"still {seen}")


def image_url(api: httpx.Client, sim: SimServer) -> str:
    gens = _get(api, "getGenerationsByUserId", f"generations/user/{sim.user_id}")["generations"]
    return str(next(g for g in gens if g["generated_images"])["generated_images"][0]["url"])


@pytest.fixture
def server(make_server: MakeServer) -> SimServer:
    """A simulator whose account has a few images (image inputs take their URLs)."""
    return make_server(seed_generations=2)


@pytest.fixture
def slow_server(make_server: MakeServer) -> SimServer:
    return make_server(generation_seconds=0.4, seed_generations=2)


def test_catalogue_has_versions_whose_inputs_cover_text_numbers_and_images(
    api: httpx.Client,
) -> None:
    found = catalogue(api)
    assert {GOLDEN, RECIPE} <= set(found)
    kinds = {i["type"] for _bp, vs in found.values() for v in vs for i in v["uiMetadata"]["inputs"]}
    assert kinds == {"text", "number", "image"}
    numbers = [
        i
        for _bp, vs in found.values()
        for v in vs
        for i in v["uiMetadata"]["inputs"]
        if i["type"] == "number"
    ]
    assert all("min" in i and "max" in i for i in numbers)
    assert any(not v["executability"]["isExecutable"] for _bp, vs in found.values() for v in vs)
    bp = found[GOLDEN][0]
    one = _get(api, "getBlueprintById", f"blueprints/{bp['akUUID']}")
    assert one["blueprint"]["name"] == GOLDEN
    thumb = httpx.get(bp["thumbnails"][0]["url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


def test_list_pages_with_cursors_and_filters(api: httpx.Client) -> None:
    first = _get(api, "listBlueprints", "blueprints", json={"first": 2})["blueprints"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = _get(api, "listBlueprints", "blueprints", json={"first": 10, "after": after})
    names = [e["node"]["name"] for e in first["edges"] + rest["blueprints"]["edges"]]
    assert len(names) == len(set(names)) == first["totalCount"]
    food = _get(api, "listBlueprints", "blueprints", json={"categories": ["food"]})
    assert [e["node"]["name"] for e in food["blueprints"]["edges"]] == [RECIPE]
    both = api.request("GET", "blueprints", json={"first": 2, "last": 2}).json()
    validate_response("listBlueprints", both)
    assert isinstance(both, list) and "not both" in both[0]["message"]


def test_unknown_ids_answer_the_api_error_array(api: httpx.Client) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for op, path in (
        ("getBlueprintById", f"blueprints/{missing}"),
        ("getBlueprintVersionsByBlueprintId", f"blueprints/{missing}/versions"),
        ("getBlueprintExecution", f"blueprint-executions/{missing}"),
    ):
        body = _get(api, op, path)
        assert body[0]["extensions"]["code"] == "NOT_FOUND", path
    gens = _get(
        api, "getBlueprintExecutionGenerations", f"blueprint-executions/{missing}/generations"
    )
    assert gens["blueprintExecutionGenerations"]["edges"] == []
    bad = _get(api, "getBlueprintById", "blueprints/not-a-uuid")
    assert bad[0]["extensions"]["code"] == "BadRequestException"


def test_execution_moves_through_its_statuses_and_makes_generations(
    slow_server: SimServer, make_client: Callable[..., httpx.Client]
) -> None:
    api = make_client(slow_server)
    slow_server.state.set_slots(1)
    _bp, versions = catalogue(api)[GOLDEN]
    before = slow_server.state.credits
    r = execute(api, versions[0], {"Your photo": image_url(api, slow_server), "Warmth": "80"})
    ex_id = r.json()["executeBlueprint"]["akUUID"]
    assert slow_server.state.credits == before - versions[0]["cost"]
    # a second run waits for the one slot: QUEUED first
    r2 = execute(api, versions[0], {"Your photo": image_url(api, slow_server)})
    ex2 = r2.json()["executeBlueprint"]["akUUID"]
    assert wait_status(api, ex2, {"QUEUED"})[-1] == "QUEUED"
    assert wait_status(api, ex_id, {"COMPLETED"})[-1] == "COMPLETED"
    assert "PENDING" in wait_status(api, ex2, {"PENDING", "COMPLETED"})
    gens = _get(
        api, "getBlueprintExecutionGenerations", f"blueprint-executions/{ex_id}/generations"
    )["blueprintExecutionGenerations"]["edges"]
    assert [e["node"]["status"] for e in gens] == ["COMPLETED"]
    gen_id = gens[0]["node"]["generationId"]
    row = _get(api, "getGenerationById", f"generations/{gen_id}")["generations_by_pk"]
    assert (
        row["status"] == "COMPLETE"
        and len(row["generated_images"]) == versions[0]["uiMetadata"]["outputs"].__len__()
    )
    assert "warmth 80" in row["prompt"] and "warm and soft" in row["prompt"]  # the default
    listed = _get(api, "getGenerationsByUserId", f"generations/user/{slow_server.user_id}")
    assert gen_id in [g["id"] for g in listed["generations"]]
    ex = _get(api, "getBlueprintExecution", f"blueprint-executions/{ex_id}")["blueprintExecution"]
    assert ex["public"] is False and ex["inputs"][0]["settingName"] == "imageUrl"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Missing required input 'Dish'"),
        ({"Dish": "tart", "Servings": "four"}, "expects a whole number"),
        ({"Dish": "tart", "Servings": "2.5"}, "expects a whole number"),
        ({"Dish": "tart", "Servings": "9"}, "between 1 and 8"),
        ({"Dish": "x" * 201}, "longer than 200"),
    ],
)
def test_inputs_that_do_not_fit_are_refused_and_nothing_is_charged(
    server: SimServer, api: httpx.Client, values: dict[str, str], message: str
) -> None:
    _bp, versions = catalogue(api)[RECIPE]
    before = server.state.credits
    r = execute(api, versions[0], values)
    assert r.status_code == 200 and isinstance(r.json(), list)
    assert message in r.json()[0]["message"]
    assert server.state.credits == before


def test_wrong_json_types_get_the_400_of_the_spec(server: SimServer, api: httpx.Client) -> None:
    r = api.post("blueprint-executions", json={"blueprintVersionId": 5, "input": {}})
    assert r.status_code == 400
    assert (
        r.json()["error"] == "Invalid input type: expected 'string' for field 'blueprintVersionId'"
    )
    _bp, versions = catalogue(api)[RECIPE]
    node = versions[0]["uiMetadata"]["inputs"][1]
    body = {
        "blueprintVersionId": versions[0]["akUUID"],
        "input": {
            "nodeInputs": [{"nodeId": node["nodeId"], "settingName": "text", "value": 4}],
            "public": False,
        },
    }
    r = api.post("blueprint-executions", json=body)
    assert r.status_code == 400 and "value" in r.json()["error"]
    body["input"]["nodeInputs"] = []  # type: ignore[index]
    body["input"]["public"] = "false"  # type: ignore[index]
    assert api.post("blueprint-executions", json=body).status_code == 400


def test_image_inputs_must_be_images_of_the_account(server: SimServer, api: httpx.Client) -> None:
    _bp, versions = catalogue(api)[GOLDEN]
    r = execute(api, versions[0], {"Your photo": "https://example.com/cat.png"})
    assert "must be the URL of an image on Leonardo" in r.json()[0]["message"]
    r = execute(api, versions[0], {"Your photo": "not a url"})
    assert "expects an image URL" in r.json()[0]["message"]


def test_retired_version_and_missing_credits_are_refused(
    server: SimServer, api: httpx.Client
) -> None:
    found = catalogue(api)
    old = next(v for v in found["Sticker Sheet"][1] if not v["executability"]["isExecutable"])
    r = execute(api, old, {"Subject": "fox"})
    assert "can no longer be executed" in r.json()[0]["message"]
    server.state.set_credits(3, 0)
    r = execute(api, found[RECIPE][1][0], {"Dish": "soup"})
    assert "enough API credits" in r.json()[0]["message"]


def test_moderated_text_fails_the_generation_with_its_reason_and_refunds(
    server: SimServer, api: httpx.Client
) -> None:
    _bp, versions = catalogue(api)[RECIPE]
    before = server.state.credits
    r = execute(api, versions[0], {"Dish": "nsfwword pie"})
    ex_id = r.json()["executeBlueprint"]["akUUID"]
    assert wait_status(api, ex_id, {"COMPLETED", "FAILED"})[-1] == "FAILED"
    edges = _get(
        api, "getBlueprintExecutionGenerations", f"blueprint-executions/{ex_id}/generations"
    )["blueprintExecutionGenerations"]["edges"]
    reason = edges[0]["node"]["failedReason"]
    assert reason["type"] == "PROMPT_MODERATION_BLOCKED" and reason["affectedOutputCount"] == 1
    assert server.state.credits == before


def test_executions_page_their_generations(server: SimServer, api: httpx.Client) -> None:
    _bp, versions = catalogue(api)["Product Shot Studio"]
    r = execute(api, versions[0], {"Product photo": image_url(api, server), "Scene": "marble"})
    ex_id = r.json()["executeBlueprint"]["akUUID"]
    path = f"blueprint-executions/{ex_id}/generations"
    first = _get(api, "getBlueprintExecutionGenerations", path, params={"first": 1})
    page = first["blueprintExecutionGenerations"]
    assert len(page["edges"]) == 1 and page["pageInfo"]["hasNextPage"]
    rest = _get(
        api,
        "getBlueprintExecutionGenerations",
        path,
        params={"after": page["pageInfo"]["endCursor"]},
    )["blueprintExecutionGenerations"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
    assert rest["edges"][0]["node"]["generationId"] != page["edges"][0]["node"]["generationId"]


def test_executions_are_kept_across_a_restart(
    make_server: MakeServer, make_client: Callable[..., httpx.Client], tmp_path: Path
) -> None:
    first = make_server(state_dir=str(tmp_path / "acct"), generation_seconds=0.05)
    api = make_client(first)
    _bp, versions = catalogue(api)[RECIPE]
    ex_id = execute(api, versions[0], {"Dish": "ramen"}).json()["executeBlueprint"]["akUUID"]
    wait_status(api, ex_id, {"COMPLETED"})
    first.stop()
    again = make_server(state_dir=str(tmp_path / "acct"), generation_seconds=0.05)
    api2 = make_client(again)
    ex = _get(api2, "getBlueprintExecution", f"blueprint-executions/{ex_id}")["blueprintExecution"]
    assert ex["status"] == "COMPLETED" and ex["inputs"][0]["value"] == "ramen"
