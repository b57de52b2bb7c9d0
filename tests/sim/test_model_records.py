"""``GET /models/{id}`` on the simulator: a spec-valid record for every listed model, platform
and custom, with the facts the real API gives for the published platform models."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from leodesk.sim import SimServer
from leodesk.sim import catalog as sim_catalog
from tests.helpers import spec

# What the real API says of published platform models, and where that is known from:
# - Phoenix needs sd_version PHOENIX (NOTES §10, ts-sdk #86): its sdVersion is PHOENIX;
# - a real getGenerationById answer for modelId b24e16ff… (Lightning XL) has sdVersion
#   SDXL_LIGHTNING;
# - the pricing calculator's isFluxSchnell/isFluxDev flags and the sd_versions enum's FLUX and
#   FLUX_DEV values are the two Flux models.
PUBLISHED = {
    "de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3": ("Leonardo Phoenix 1.0", "PHOENIX"),
    "6b645e3a-d64f-4341-a6d8-7a3690fbf042": ("Leonardo Phoenix 0.9", "PHOENIX"),
    "b24e16ff-06e3-43eb-8d33-4416c2d75876": ("Leonardo Lightning XL", "SDXL_LIGHTNING"),
    "b2614463-296c-462a-9586-aafdb8f00e36": ("Flux Dev", "FLUX_DEV"),
    "1dd50843-d653-4516-a8e3-f0238ee453ff": ("Flux Schnell", "FLUX"),
    "16e7060a-803e-4df3-97ee-edcfa5dc9cc8": ("SDXL 1.0", "SDXL_1_0"),
}


def _listed(api: httpx.Client, server: SimServer) -> list[dict[str, Any]]:
    platform = api.get("/platformModels").json()["custom_models"]
    own = api.get(f"/models/user/{server.user_id}").json()["custom_models"]
    return [*platform, *own]


def test_every_listed_model_has_a_spec_valid_record(api: httpx.Client, server: SimServer) -> None:
    listed = _listed(api, server)
    assert len(listed) == len(sim_catalog.PLATFORM_MODELS) + len(sim_catalog.custom_models())
    for item in listed:
        resp = api.get(f"/models/{item['id']}")
        assert resp.status_code == 200, resp.text
        body = resp.json()
        spec.validate_response("getModelById", body, allow_nulls=False)
        record = body["custom_models_by_pk"]
        assert record["id"] == item["id"] and record["name"] == item["name"]
        assert (
            record["sdVersion"]
            in spec.deref(spec.load_spec()["components"]["schemas"]["sd_versions"])["enum"]
        )
        assert record["modelWidth"] % 8 == 0 and record["modelHeight"] % 8 == 0


def test_platform_list_items_carry_only_the_spec_fields(api: httpx.Client) -> None:
    # The spec's /platformModels items have no sdVersion or size: the client must ask the
    # model's own record, so the simulator does not hand them out here.
    for item in api.get("/platformModels").json()["custom_models"]:
        assert set(item) == {"id", "name", "description", "nsfw", "featured", "generated_image"}


@pytest.mark.parametrize(("model_id", "expected"), sorted(PUBLISHED.items()))
def test_published_models_say_what_the_real_api_says(
    api: httpx.Client, model_id: str, expected: tuple[str, str]
) -> None:
    record = api.get(f"/models/{model_id}").json()["custom_models_by_pk"]
    assert (record["name"], record["sdVersion"]) == expected
    assert record["public"] is True


def test_the_training_model_says_so(api: httpx.Client, server: SimServer) -> None:
    own = api.get(f"/models/user/{server.user_id}").json()["custom_models"]
    pending = [m for m in own if m["status"] != "COMPLETE"]
    assert [m["name"] for m in pending] == ["Pixel Heroes (training)"]
    record = api.get(f"/models/{pending[0]['id']}").json()["custom_models_by_pk"]
    assert record["status"] == "PENDING" and record["public"] is False
