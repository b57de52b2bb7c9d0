"""The simulator against the real spec: request tables, routes, and every response shape.

Skipped (with the reason) when the spec file is not available.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from leodesk.sim import SimConfig, SimServer, SimState
from leodesk.sim.api import SimApi
from leodesk.sim.faults import DEFAULT_UNKNOWN_ENUMS
from leodesk.sim.rules import REQUEST_TABLES, Field
from tests.helpers import spec
from tests.sim._util import (
    wait_done,
    wait_variation,
)


@pytest.fixture(autouse=True)
def _spec_present() -> None:
    spec.require_spec()  # a missing spec fails every test here


def _spec_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if t is None and "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
        return "string"
    return t if isinstance(t, str) else None


def _compare(where: str, ours: Field, theirs: dict[str, Any], problems: list[str]) -> None:
    if ours.type != _spec_type(theirs):
        problems.append(f"{where}: type {ours.type} != spec {_spec_type(theirs)}")
    spec_enum = theirs.get("enum")
    if (ours.enum is None) != (spec_enum is None) or (
        spec_enum is not None and set(ours.enum or ()) != set(spec_enum)
    ):
        problems.append(f"{where}: enum {ours.enum} != spec {spec_enum}")
    if ours.type == "array":
        assert ours.items is not None
        _compare(f"{where}[]", ours.items, theirs.get("items", {}), problems)
    if ours.type == "object":
        _compare_tables(
            where + ".", dict(ours.fields or {}), theirs.get("properties", {}), problems
        )


def _compare_tables(
    prefix: str, ours: dict[str, Field], theirs: dict[str, Any], problems: list[str]
) -> None:
    if set(ours) != set(theirs):
        problems.append(
            f"{prefix or '$'} keys: missing {sorted(set(theirs) - set(ours))}, "
            f"extra {sorted(set(ours) - set(theirs))}"
        )
    for key in set(ours) & set(theirs):
        _compare(prefix + key, ours[key], theirs[key], problems)


@pytest.mark.parametrize("op_id", sorted(REQUEST_TABLES))
def test_request_table_equals_spec(op_id: str) -> None:
    problems: list[str] = []
    _compare_tables("", REQUEST_TABLES[op_id], spec.request_properties(op_id), problems)
    assert not problems, "\n".join(problems)


def test_required_keys_are_non_nullable_in_tables() -> None:
    for op_id, table in REQUEST_TABLES.items():
        schema = spec.request_schema(op_id) or {}
        for key in schema.get("required", []):
            assert not table[key].nullable, f"{op_id}.{key} is required by the spec"


def _routes() -> list[tuple[str, str, str]]:
    sim_api = SimApi(SimState(SimConfig()), "k")
    return [(r.method, r.template, r.op_id) for r in sim_api.routes]


ROUTES = _routes()
SERVED = {op for _, _, op in ROUTES}


def test_every_route_is_a_spec_operation() -> None:
    for method, template, op_id in ROUTES:
        op = spec.operation(op_id)
        assert (op.method, op.path) == (method, template)
        assert spec.operation_for(method, template) == op_id
    assert len(ROUTES) >= 44  # issue 13 adds rows in several branches


# Not Hasura operations: their bodies are checked by leodesk.sim.blueprint_rules, which answers
# the spec's own error shapes (tests/sim/test_blueprints.py covers them).
OWN_CHECKS = frozenset({"listBlueprints", "executeBlueprint"})


def test_request_tables_cover_every_served_body() -> None:
    for _, _, op_id in ROUTES:
        if spec.request_schema(op_id) is not None and op_id not in OWN_CHECKS:
            assert op_id in REQUEST_TABLES, op_id


# --------------------------------------------------------------------------- live responses


Call = tuple[str, str, Any, dict[str, Any]]
Tour = tuple[SimServer, httpx.Client, dict[str, Any], dict[str, dict[str, Any]], dict[str, Call]]


@pytest.fixture(scope="module")
def tour() -> Iterator[Tour]:
    """One server that has been through every operation: ids, each op's response and call."""
    sim = SimServer(
        SimConfig(seed=3, generation_seconds=0.02, seed_generations=2, credits=100_000)
    ).start()
    client = httpx.Client(
        base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.api_key}"}, timeout=5
    )
    seen: dict[str, dict[str, Any]] = {}
    calls: dict[str, Call] = {}

    def call(method: str, path: str, body: Any = None, **kw: Any) -> Any:
        op_id = spec.operation_for(method, path)
        if method == "POST":
            spec.validate_request(op_id, body)
        resp = client.request(method, path, json=body, **kw)
        assert resp.status_code == 200, (op_id, resp.text)
        seen[op_id] = resp.json()
        calls[op_id] = (method, path, body, kw)
        return resp.json()

    ids: dict[str, Any] = {"user": sim.user_id}
    try:
        call("GET", "/me")
        models = call("GET", "/platformModels")["custom_models"]
        call("GET", f"/models/user/{sim.user_id}")
        call("GET", f"/models/{models[0]['id']}")
        call("GET", "/elements")
        call("GET", f"/elements/user/{sim.user_id}")
        own_element = seen["getCustomElementsByUserId"]["user_loras"][-1]["id"]
        call("GET", f"/elements/{own_element}")
        call("DELETE", f"/elements/{own_element}")
        element = seen["listElements"]["loras"][0]["akUUID"]
        gen = call(
            "POST",
            "/generations",
            {
                "prompt": "a tour of the simulator",
                "width": 512,
                "height": 512,
                "num_images": 2,
                "elements": [{"akUUID": element, "weight": 0.8}],
                "public": False,
            },
        )["sdGenerationJob"]["generationId"]
        wait_done(client, gen)
        ids["generation"] = gen
        call("GET", f"/generations/{gen}")
        call("GET", f"/generations/user/{sim.user_id}", params={"offset": 0, "limit": 5})
        image = seen["getGenerationById"]["generations_by_pk"]["generated_images"][0]["id"]
        ids["image"] = image
        up = call("POST", "/variations/upscale", {"id": image})["sdUpscaleJob"]["id"]
        wait_variation(client, up)
        ids["variation"] = up
        call("POST", "/variations/unzoom", {"id": image, "isVariation": False})
        call("POST", "/variations/nobg", {"id": up, "isVariation": True})
        call("POST", "/variations/universal-upscaler", {"generatedImageId": image})
        call("GET", f"/variations/{up}")
        init = call("POST", "/init-image", {"extension": "png"})["uploadInitImage"]["id"]
        call("GET", f"/init-image/{init}")
        call("DELETE", f"/init-image/{init}")
        call("POST", "/canvas-init-image", {"initExtension": "png", "maskExtension": "jpg"})
        motion = call("POST", "/generations-motion-svd", {"imageId": image, "isPublic": False})
        ids["motion"] = motion["motionSvdGenerationJob"]["generationId"]
        _tour_blueprints(call)
        call(
            "POST",
            "/generations-image-to-video",
            {
                "prompt": "a tour video",
                "imageId": image,
                "imageType": "GENERATED",
                "isPublic": False,
            },
        )
        call("POST", "/generations-text-to-video", {"prompt": "a tour video", "isPublic": False})
        call("POST", "/prompt/random")
        call("POST", "/prompt/improve", {"prompt": "a cat"})
        call(
            "POST",
            "/pricing-calculator",
            {
                "service": "IMAGE_GENERATION",
                "serviceParams": {
                    "IMAGE_GENERATION": {
                        "imageWidth": 512,
                        "imageHeight": 512,
                        "numImages": 1,
                        "inferenceSteps": 15,
                        "alchemyMode": True,
                        "highResolution": False,
                    }
                },
            },
        )
        picture = io.BytesIO()
        Image.new("RGB", (64, 64), (90, 120, 200)).save(picture, format="JPEG")
        lcm = {
            "imageDataUrl": "data:image/jpeg;base64,"
            + base64.b64encode(picture.getvalue()).decode(),
            "prompt": "a realtime sketch",
            "strength": 0.5,
            "style": "DIGITAL_ART",
            "requestTimestamp": "1234567890",
        }
        call("POST", "/generations-lcm", lcm)
        call("POST", "/lcm-instant-refine", lcm)
        call("POST", "/lcm-inpainting", {**lcm, "maskDataUrl": lcm["imageDataUrl"]})
        call("POST", "/lcm-upscale", {**lcm, "refineStrength": 0.6})
        _tour_training(call, image)
        _tour_media(call, image)
        doomed = call("POST", "/generations", {"prompt": "to delete", "num_images": 1})
        call("DELETE", f"/generations/{doomed['sdGenerationJob']['generationId']}")
        sim.complete_all()
        yield sim, client, ids, seen, calls
    finally:
        client.close()
        sim.stop()


def _tour_training(call: Any, image: str) -> None:
    """Datasets, dataset uploads, and training a model and an element."""
    ds = call("POST", "/datasets", {"name": "tour", "description": "a dataset"})
    ds_id = ds["insert_datasets_one"]["id"]
    call("POST", f"/datasets/{ds_id}/upload", {"extension": "png"})
    for _ in range(5):
        call("POST", f"/datasets/{ds_id}/upload/gen", {"generatedImageId": image})
    call("GET", f"/datasets/{ds_id}")
    model = call(
        "POST", "/models", {"name": "tour model", "datasetId": ds_id, "instance_prompt": "tourx"}
    )["sdTrainingJob"]["customModelId"]
    call("GET", f"/models/{model}")
    lora = {
        "name": "tour element",
        "datasetId": ds_id,
        "instance_prompt": "tourx",
        "lora_focus": "Style",
        "sd_version": "FLUX_DEV",
        "num_train_epochs": 60,
        "learning_rate": 0.00001,
        "train_text_encoder": True,
    }
    element = call("POST", "/elements", lora)["sdTrainingJob"]["userLoraId"]
    call("GET", f"/elements/{element}")
    doomed = call("POST", "/datasets", {"name": "doomed"})["insert_datasets_one"]["id"]
    call("DELETE", f"/datasets/{doomed}")
    doomed_model = call(
        "POST", "/models", {"name": "doomed", "datasetId": ds_id, "instance_prompt": "doomx"}
    )["sdTrainingJob"]["customModelId"]
    call("DELETE", f"/models/{doomed_model}")


def _tour_media(call: Callable[..., Any], image: str) -> None:
    """Uploaded media (presign, read, delete) and an image's motion variations."""
    media = call("POST", "/media", {"extension": "mp4"})["uploadMedia"]["uploadId"]
    call("GET", f"/media/{media}")
    call("DELETE", f"/media/{media}")
    call("GET", f"/motion-variations/{image}")


def _tour_blueprints(call: Callable[..., Any]) -> None:
    """The Blueprint operations: list, one, its versions, an execution and its generations."""
    spec.validate_request("listBlueprints", {"first": 10})
    edges = call("GET", "/blueprints", {"first": 10})["blueprints"]["edges"]
    recipe = next(e["node"] for e in edges if e["node"]["name"].startswith("Detailed Recipe"))
    call("GET", f"/blueprints/{recipe['akUUID']}")
    versions = call("GET", f"/blueprints/{recipe['akUUID']}/versions")["blueprintVersions"]
    version = versions["edges"][0]["node"]
    dish = version["uiMetadata"]["inputs"][0]
    node = {"nodeId": dish["nodeId"], "settingName": dish["settingName"], "value": "tour soup"}
    body = {
        "blueprintVersionId": version["akUUID"],
        "input": {"nodeInputs": [node], "public": False},
    }
    ex = call("POST", "/blueprint-executions", body)["executeBlueprint"]["akUUID"]
    call("GET", f"/blueprint-executions/{ex}")
    call("GET", f"/blueprint-executions/{ex}/generations", params={"first": 10})


def test_tour_covers_every_served_operation(tour: Tour) -> None:
    _, _, _, seen, _ = tour
    assert set(seen) == SERVED


@pytest.mark.parametrize("op_id", sorted(SERVED))
def test_response_validates(op_id: str, tour: Any) -> None:
    _, _, _, seen, _ = tour
    spec.validate_response(op_id, seen[op_id])


def test_motion_generation_row_validates_with_its_nulls(tour: Tour) -> None:
    _, client, ids, _, _ = tour
    row = wait_done(client, ids["motion"])
    assert row["generated_images"][0]["motionMP4URL"]
    assert row["sdVersion"] is None and row["scheduler"] is None  # real-API quirk (ts-sdk #80)
    spec.validate_response("getGenerationById", {"generations_by_pk": row})


def test_lenient_response_schema_allows_the_quirky_nulls(tour: Tour) -> None:
    """The spec's non-null fields really are null in motion rows (lenient mode is needed)."""
    _, client, ids, _, _ = tour
    body = client.get(f"/generations/{ids['motion']}").json()
    schema = spec.response_schema("getGenerationById")
    assert "null" in schema["properties"]["generations_by_pk"]["properties"]["sdVersion"]["type"]
    spec.validate_response("getGenerationById", body)


# --------------------------------------------------------------------------- faulted responses


def _enum_properties(schema: Any) -> set[str]:
    """Names of the properties the schema types as enums, anywhere."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if isinstance(sub, dict) and "enum" in sub:
                found.add(name)
            found |= _enum_properties(sub)
        if isinstance(schema.get("items"), dict):
            found |= _enum_properties(schema["items"])
    return found


def _replay(tour: Tour, op_id: str, kind: str) -> Any:
    sim, client, _, _, calls = tour
    method, path, body, kw = calls[op_id]
    sim.add_fault(method, path, kind, times=1)
    resp = client.request(method, path, json=body, **kw)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize("op_id", sorted(SERVED))
def test_every_operation_under_nulls(op_id: str, tour: Tour) -> None:
    body = _replay(tour, op_id, "nulls")
    spec.validate_response(op_id, body)


@pytest.mark.parametrize("op_id", sorted(SERVED))
def test_every_operation_under_unknown_enum(op_id: str, tour: Tour) -> None:
    _, _, _, seen, _ = tour
    enum_keys = set(DEFAULT_UNKNOWN_ENUMS) & _enum_properties(spec.response_schema(op_id))
    expected = {
        DEFAULT_UNKNOWN_ENUMS[k]
        for k in enum_keys
        if any(isinstance(v, str) for v in _values_of(seen[op_id], k))
    }
    body = _replay(tour, op_id, "unknown_enum")
    problems = spec.enum_errors(op_id, body)
    for value in expected:
        assert any(value in p for p in problems), (value, problems)
    if not expected:
        spec.validate_response(op_id, body)
    spec.validate_response(op_id, body, allow_unknown_enums=True)


FaultCase = tuple[str, Callable[[dict[str, Any]], str], tuple[str, ...]]

NULL_CASES: list[FaultCase] = [
    ("getGenerationById", lambda i: f"/generations/{i['generation']}", ("sdVersion", "status")),
    ("getGenerationsByUserId", lambda i: f"/generations/user/{i['user']}", ("scheduler",)),
    ("listPlatformModels", lambda i: "/platformModels", ("featured", "nsfw")),
    ("listElements", lambda i: "/elements", ("baseModel",)),
    ("getVariationById", lambda i: f"/variations/{i['variation']}", ("status", "transformType")),
    ("getCustomModelsByUserId", lambda i: f"/models/user/{i['user']}", ("sdVersion", "type")),
    ("getCustomElementsByUserId", lambda i: f"/elements/user/{i['user']}", ("status",)),
]


def _values_of(node: Any, key: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                found.append(v)
            found.extend(_values_of(v, key))
    elif isinstance(node, list):
        for item in node:
            found.extend(_values_of(item, key))
    return found


@pytest.mark.parametrize(("op_id", "path", "fields"), NULL_CASES, ids=[c[0] for c in NULL_CASES])
def test_nulls_fault_validates_with_nulls(
    op_id: str, path: Callable[[dict[str, Any]], str], fields: tuple[str, ...], tour: Tour
) -> None:
    sim, client, ids, _, _ = tour
    url = path(ids)
    sim.add_fault("GET", url, "nulls", times=1)
    body = client.get(url).json()
    for field in fields:
        values = _values_of(body, field)
        assert values and all(v is None for v in values), (field, values)
    spec.validate_response(op_id, body)


ENUM_CASES: list[FaultCase] = [
    ("getGenerationById", lambda i: f"/generations/{i['generation']}", ("SDXL_9_9",)),
    ("getGenerationsByUserId", lambda i: f"/generations/user/{i['user']}", ("SDXL_9_9",)),
    ("listElements", lambda i: "/elements", ("SDXL_9_9",)),
    ("getVariationById", lambda i: f"/variations/{i['variation']}", ("SIM_TRANSFORM_9",)),
    ("getModelById", lambda i: f"/models/{i['model']}", ("SDXL_9_9", "SIM_MODEL_TYPE_9")),
]


@pytest.mark.parametrize(("op_id", "path", "values"), ENUM_CASES, ids=[c[0] for c in ENUM_CASES])
def test_unknown_enum_fault_is_visible_to_the_validator(
    op_id: str, path: Callable[[dict[str, Any]], str], values: tuple[str, ...], tour: Tour
) -> None:
    sim, client, ids, seen, _ = tour
    ids = {**ids, "model": seen["listPlatformModels"]["custom_models"][5]["id"]}
    url = path(ids)
    sim.add_fault("GET", url, "unknown_enum", times=1)
    body = client.get(url).json()
    problems = spec.enum_errors(op_id, body)
    for value in values:
        assert any(value in p for p in problems), problems
    with pytest.raises(spec.SpecValidationError):
        spec.validate_response(op_id, body)
    spec.validate_response(op_id, body, allow_unknown_enums=True)


def test_upscale_misspelled_fault_leaves_no_schema_key(tour: Tour) -> None:
    sim, client, ids, _, _ = tour
    sim.add_fault("POST", "/variations/upscale", "upscale_misspelled", times=1)
    body = client.post("/variations/upscale", json={"id": ids["image"]}).json()
    assert "sdUpscaleJob" not in body and body["sdUpscalerjob"]["id"]


# --------------------------------------------------------------------------- the helper itself


def test_helper_resolves_refs_into_property_paths() -> None:
    loras = spec.response_schema("listElements")["properties"]["loras"]["items"]
    assert loras["properties"]["akUUID"]["type"] == ["string", "null"]
    assert loras["properties"]["weightMin"]["type"] == ["integer", "null"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"prompt": "x", "sd_Version": "v2"}, "'sd_Version' was unexpected"),
        ({"prompt": "x", "alchemy": "true"}, "is not of type 'boolean'"),
        ({"prompt": "x", "width": 1024.0}, "is not of type 'integer'"),
        ({"prompt": "x", "scheduler": "FAST"}, "is not one of"),
        ({"prompt": "x", "elements": [{"weight": 1}]}, "'akUUID' is a required property"),
        ({"prompt": "x", "controlnets": [{"initImageId": "a", "foo": 1}]}, "'foo' was unexpected"),
        ({"width": 512}, "'prompt' is a required property"),
    ],
)
def test_validate_request_rejects(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(spec.SpecValidationError) as info:
        spec.validate_request("createGeneration", body)
    assert any(fragment in e for e in info.value.errors), info.value.errors


def test_validate_request_accepts_and_handles_bodyless_ops() -> None:
    spec.validate_request("createGeneration", {"prompt": "x", "negative_prompt": None, "seed": 1})
    spec.validate_request("promptRandom", None)
    with pytest.raises(spec.SpecValidationError):
        spec.validate_request("promptRandom", {"prompt": "x"})


@pytest.mark.parametrize(
    ("method", "path", "op_id"),
    [
        ("GET", "/generations/user/abc", "getGenerationsByUserId"),
        ("GET", "http://h:1/api/rest/v1/generations/abc?x=1", "getGenerationById"),
        ("POST", "/api/rest/v1/variations/upscale", "createVariationUpscale"),
        ("GET", "/variations/abc", "getVariationById"),
        ("DELETE", "/init-image/abc/", "deleteInitImageById"),
    ],
)
def test_operation_for(method: str, path: str, op_id: str) -> None:
    assert spec.operation_for(method, path) == op_id


def test_operation_for_unknown() -> None:
    with pytest.raises(LookupError):
        spec.operation_for("PATCH", "/generations")


def test_sim_strictness_agrees_with_the_spec(
    server: SimServer, make_client: Callable[..., httpx.Client]
) -> None:
    """Bodies the spec rejects get the sim's schema errors; spec-valid ones pass the schema."""
    api = make_client(server)
    bodies: list[dict[str, Any]] = [
        {"prompt": "ok", "width": 512, "height": 512, "num_images": 1},
        {"prompt": "ok", "Prompt": "dup"},
        {"prompt": "ok", "guidance_scale": "7"},
        {"prompt": "ok", "num_images": 1.5},
        {"prompt": "ok", "seed": True},
        {"prompt": "ok", "presetStyle": "WATERCOLOR"},
        {"prompt": "ok", "elements": [{"akUUID": 1}]},
        {"prompt": "ok", "imagePrompts": "abc"},
        {"prompt": "ok", "negative_prompt": None, "num_images": 1, "width": 512, "height": 512},
        {"negative_prompt": "no prompt"},
    ]
    for body in bodies:
        try:
            spec.validate_request("createGeneration", body)
            spec_ok = True
        except spec.SpecValidationError:
            spec_ok = False
        resp = api.post("/generations", json=body)
        schema_error = resp.status_code == 400 and resp.json()["code"] in (
            "bad-request",
            "validation-failed",
        )
        assert spec_ok != schema_error, (body, resp.text)
