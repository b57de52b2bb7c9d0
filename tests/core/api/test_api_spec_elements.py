"""The client's element calls over real HTTP against the simulator, checked against the spec."""

from __future__ import annotations

from typing import Any

import pytest

from leodesk.core.api import ElementRef, GenerationRequest, LeonardoClient, UserElementRef
from tests.conftest import SIM_KEY
from tests.helpers.spec import operation_for, validate_request


@pytest.fixture
def client(sim: Any) -> Any:
    with LeonardoClient(SIM_KEY, base_url=sim.base_url) as c:
        yield c


def test_lists_get_and_delete_own_elements(client: LeonardoClient, sim: Any) -> None:
    platform = client.list_elements()
    assert len(platform) >= 10
    assert all(e.url_image and e.url_image.startswith(sim.origin) for e in platform)
    assert any(e.weight_min == 0 and e.weight_max == 1 for e in platform)
    user_id = client.get_me().user_id
    assert user_id
    own = client.list_user_elements(user_id)
    first = own[0]
    assert first.id is not None and first.base_model
    fetched = client.get_user_element(first.id)
    assert fetched is not None and fetched.name == first.name
    assert client.delete_user_element(first.id) == first.id
    assert client.get_user_element(first.id) is None
    assert client.delete_user_element(first.id) is None
    assert [e.id for e in client.list_user_elements(user_id)] == [e.id for e in own[1:]]
    api = [r for r in sim.requests if not r.path.startswith(("/cdn/", "/s3/"))]
    ops = [operation_for(r.method, r.path) for r in api]
    assert {"getElementById", "deleteElementById"} <= set(ops)


def test_a_generation_with_platform_and_own_elements_is_spec_valid(
    client: LeonardoClient, sim: Any
) -> None:
    element = client.list_elements()[0]
    assert element.ak_uuid
    job = client.create_generation(
        GenerationRequest(
            prompt="a glass fox",
            elements=(ElementRef(element.ak_uuid, 0.5),),
            user_elements=(UserElementRef(1002, 0.8),),
        )
    )
    assert job.generation_id
    posts = [r for r in sim.requests if r.method == "POST" and "/generations" in r.path]
    body = posts[-1].json
    validate_request("createGeneration", body)
    assert body["userElements"] == [{"userLoraId": 1002, "weight": 0.8}]
    assert body["elements"] == [{"akUUID": element.ak_uuid, "weight": 0.5}]


def test_a_bad_element_id_is_refused_before_sending(client: LeonardoClient) -> None:
    with pytest.raises(ValueError):
        client.get_user_element(-1)


def test_a_synced_generation_recalls_the_elements_the_server_reports(
    client: LeonardoClient, tmp_path: Any
) -> None:
    from leodesk.core.library import Library
    from leodesk.ui import recall

    element = client.list_elements()[1]
    assert element.ak_uuid
    job = client.create_generation(
        GenerationRequest(prompt="a toon fox", elements=(ElementRef(element.ak_uuid, 0.7),))
    )
    gen = client.wait_for_generation(job.generation_id, interval=0.05, timeout=20)
    with Library.open(tmp_path / "lib.sqlite3") as lib:
        lib.upsert_generations([gen])  # as a sync stores it: no request of ours
        stored = lib.get_generation(job.generation_id)
    assert stored is not None and not stored.request_json
    draft = recall.draft_state(stored)
    assert draft["elements"] == {element.ak_uuid: 0.7} and draft["user_elements"] == {}
    names = {element.ak_uuid: element.name or ""}
    assert recall.display(stored, "elements", names) == f"{element.name} 0.7"
