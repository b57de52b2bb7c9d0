"""The client's Blueprint operations against the simulator over real HTTP: every request it
sends validated against the spec, the answers read, the ApiError array under 200 raised as the
error it carries, and a lost execute answer never re-sent."""

from __future__ import annotations

import pytest

from leodesk.core.api import LeonardoClient, OutcomeUnknownError
from leodesk.core.api.blueprint_models import NodeInput
from leodesk.core.api.blueprints import execute_blueprint_body
from leodesk.core.api.errors import InsufficientCreditsError, ValidationError
from leodesk.sim import SimServer
from tests.core.test_blueprints import client, sim  # noqa: F401  (the fixtures)

# ruff: noqa: F811  (the tests take those fixtures by name)
from tests.helpers.spec import operation_for, request_properties, validate_request


def _recipe(api: LeonardoClient) -> tuple[str, list[NodeInput]]:
    bp = next(b for b in api.list_all_blueprints() if b.name.startswith("Detailed Recipe"))
    version = api.list_blueprint_versions(bp.id)[0]
    dish, servings = version.inputs
    return version.id, [
        NodeInput(dish.node_id, dish.setting_name, "lemon tart"),
        NodeInput(servings.node_id, servings.setting_name, "6"),
    ]


def test_every_blueprint_request_the_client_sends_follows_the_spec(
    sim: SimServer,
    client: LeonardoClient,
) -> None:
    version_id, nodes = _recipe(client)
    assert client.get_blueprint(client.list_all_blueprints()[0].id) is not None
    ex_id = client.execute_blueprint(version_id, nodes)
    sim.state.complete_all()
    ex = client.get_blueprint_execution(ex_id)
    assert ex is not None and ex.finished and ex.status == "COMPLETED"
    made = client.list_execution_generations(ex_id)
    assert len(made) == 1 and made[0].status == "COMPLETED"
    seen = set()
    for rec in sim.requests:
        if rec.path.startswith(("/cdn", "/s3")):
            continue
        op = operation_for(rec.method, rec.path)
        seen.add(op)
        if rec.json is not None:
            validate_request(op, rec.json)
    assert {
        "listBlueprints",
        "getBlueprintById",
        "getBlueprintVersionsByBlueprintId",
        "executeBlueprint",
        "getBlueprintExecution",
        "getBlueprintExecutionGenerations",
    } <= seen


def test_the_execute_body_has_only_the_spec_keys_and_public_false() -> None:
    body = execute_blueprint_body(
        "550e8400-e29b-41d4-a716-446655440000", [NodeInput("a", "text", "x")]
    )
    assert set(body) <= set(request_properties("executeBlueprint"))
    assert body["input"] == {
        "nodeInputs": [{"nodeId": "a", "settingName": "text", "value": "x"}],
        "public": False,
    }


def test_refusals_raise_the_error_they_carry_and_unknown_ids_read_as_none(
    sim: SimServer,
    client: LeonardoClient,
) -> None:
    version_id, nodes = _recipe(client)
    with pytest.raises(ValidationError, match="between 1 and 8"):
        client.execute_blueprint(version_id, [nodes[0], NodeInput(nodes[1].node_id, "text", "12")])
    sim.state.set_credits(1, 0)
    with pytest.raises(InsufficientCreditsError):
        client.execute_blueprint(version_id, nodes)
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get_blueprint(missing) is None
    assert client.list_blueprint_versions(missing) == []
    assert client.get_blueprint_execution(missing) is None
    assert client.list_execution_generations(missing) == []


def test_a_lost_execute_answer_is_unknown_and_never_sent_twice(
    sim: SimServer,
    client: LeonardoClient,
) -> None:
    version_id, nodes = _recipe(client)
    sim.add_fault("POST", "/blueprint-executions", "500", commit=True, times=1)
    with pytest.raises(OutcomeUnknownError):
        client.execute_blueprint(version_id, nodes)
    posts = [r for r in sim.requests if r.method == "POST" and r.path == "/blueprint-executions"]
    assert len(posts) == 1
