"""Elements in the simulator: the platform catalogue, the user's own elements, one by id, delete."""

from __future__ import annotations

from typing import Any

import httpx

from leodesk.sim import SimServer
from tests.helpers.spec import validate_response
from tests.sim._util import decode, download


def test_platform_elements_have_previews_weights_and_base_models(api: httpx.Client) -> None:
    body = api.get("/elements").json()
    validate_response("listElements", body, allow_nulls=False)
    loras = body["loras"]
    assert len(loras) >= 10
    assert {lora["baseModel"] for lora in loras} >= {"SDXL_1_0", "v1_5", "PHOENIX", "FLUX_DEV"}
    for lora in loras:
        assert lora["weightMin"] <= lora["weightDefault"] <= lora["weightMax"]
        assert lora["name"] and lora["description"]
    assert {(lora["weightMin"], lora["weightMax"]) for lora in loras} != {(-1, 2)}
    preview = download(loras[-1]["urlImage"])
    assert preview.status_code == 200 and decode(preview.content).size == (384, 384)


def test_user_element_by_id_and_delete(api: httpx.Client, server: SimServer) -> None:
    mine = api.get(f"/elements/user/{server.user_id}").json()
    validate_response("getCustomElementsByUserId", mine, allow_nulls=False)
    ids = [lora["id"] for lora in mine["user_loras"]]
    assert ids[:2] == [1001, 1002] and len(ids) >= 3
    one = api.get(f"/elements/{ids[0]}").json()
    validate_response("getElementById", one, allow_nulls=False)
    assert one["user_loras_by_pk"]["name"] == mine["user_loras"][0]["name"]

    gone = api.delete(f"/elements/{ids[0]}")
    assert gone.status_code == 200
    validate_response("deleteElementById", gone.json())
    assert gone.json() == {"delete_user_loras_by_pk": {"id": ids[0]}}
    after = api.get(f"/elements/user/{server.user_id}").json()["user_loras"]
    assert [lora["id"] for lora in after] == ids[1:]
    assert api.get(f"/elements/{ids[0]}").json() == {"user_loras_by_pk": None}
    assert api.delete(f"/elements/{ids[0]}").json() == {"delete_user_loras_by_pk": None}


def test_a_deleted_element_cannot_be_generated_with(api: httpx.Client) -> None:
    api.delete("/elements/1002")
    r = api.post(
        "/generations",
        json={"prompt": "a cat", "userElements": [{"userLoraId": 1002, "weight": 0.5}]},
    )
    assert r.status_code == 400 and "1002" in r.text


def test_element_id_must_be_an_integer(api: httpx.Client) -> None:
    r = api.get("/elements/not-a-number")
    assert r.status_code == 400 and "integer" in r.text


def test_a_deleted_element_stays_deleted_after_a_restart(make_server: Any, tmp_path: Any) -> None:
    keep = {"state_dir": str(tmp_path / "account"), "seed_generations": 0}
    sim = make_server(**keep)
    headers = {"Authorization": f"Bearer {sim.api_key}"}
    with httpx.Client(base_url=sim.base_url, headers=headers) as api:
        assert api.delete("/elements/1001").json() == {"delete_user_loras_by_pk": {"id": 1001}}
    sim.stop()
    again = make_server(**keep)
    with httpx.Client(base_url=again.base_url, headers=headers) as api:
        mine = api.get(f"/elements/user/{again.user_id}").json()["user_loras"]
    assert again.user_id == sim.user_id
    assert 1001 not in [lora["id"] for lora in mine] and 1002 in [lora["id"] for lora in mine]
