"""Credits: charging, refunds, the pricing calculator's agreement, insufficient credits, 429s."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from leodesk.sim import SimServer
from tests.sim._util import (
    completed_image,
    decode,
    download,
    generate,
    upload_init_image,
    wait_done,
    wait_variation,
)

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]

DREAMSHAPER = "ac614f96-1082-45bf-be9d-757f2d31c174"
PHOENIX = "de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3"
FLUX_SCHNELL = "1dd50843-d653-4516-a8e3-f0238ee453ff"
FLUX_DEV = "b2614463-296c-462a-9586-aafdb8f00e36"
LIGHTNING = "b24e16ff-06e3-43eb-8d33-4416c2d75876"
KINO = "aa77f04e-3eec-4034-9c07-d0f619684628"


def balance(api: httpx.Client) -> int:
    me = api.get("/me").json()["user_details"][0]
    return int(me["apiSubscriptionTokens"]) + int(me["apiPaidTokens"] or 0)


def price(api: httpx.Client, service: str, params: dict[str, Any] | None) -> int:
    body: dict[str, Any] = {"service": service, "serviceParams": {}}
    if params is not None:
        body["serviceParams"][service] = params
    resp = api.post("/pricing-calculator", json=body)
    assert resp.status_code == 200, resp.text
    cost: int = resp.json()["calculateProductionApiServiceCost"]["cost"]
    return cost


def test_credits_drop_by_the_reported_cost(api: httpx.Client) -> None:
    start = balance(api)
    resp = api.post("/generations", json={"prompt": "cost", "num_images": 2, "width": 512})
    job = resp.json()["sdGenerationJob"]
    assert job["cost"] == {"amount": str(job["apiCreditCost"]), "unit": "CREDITS"}
    assert balance(api) == start - job["apiCreditCost"]
    wait_done(api, job["generationId"])
    assert balance(api) == start - job["apiCreditCost"]


def test_failed_jobs_are_refunded(api: httpx.Client, server: SimServer) -> None:
    start = balance(api)
    gen_id = generate(api, prompt="simfail please")
    assert balance(api) < start
    assert wait_done(api, gen_id)["status"] == "FAILED"
    assert balance(api) == start
    assert server.state.credits == start


def test_insufficient_credits(make_server: Make, make_client: Client) -> None:
    sim = make_server(credits=10)
    api = make_client(sim)
    resp = api.post("/generations", json={"prompt": "too expensive", "num_images": 4})
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "You do not have enough API credits to perform this action.",
        "path": "$",
        "code": "unexpected",
    }
    assert sim.state.generation_ids() == [] and balance(api) == 10
    sim.state.set_credits(0, paid=100)
    ok = api.post("/generations", json={"prompt": "paid", "num_images": 1, "width": 512})
    assert ok.status_code == 200
    me = api.get("/me").json()["user_details"][0]
    cost = ok.json()["sdGenerationJob"]["apiCreditCost"]
    assert me["apiPaidTokens"] == 100 - cost and me["apiSubscriptionTokens"] == 0


def _pricing_params(body: dict[str, Any], model: str = LIGHTNING) -> dict[str, Any]:
    """What the client is told to send (see leodesk.sim.pricing docstring)."""
    alchemy = body.get("alchemy", True) and not body.get("ultra", False)
    return {
        "imageWidth": body.get("width", 1024),
        "imageHeight": body.get("height", 768),
        "numImages": body.get("num_images", 4),
        "inferenceSteps": body.get("num_inference_steps", 15),
        "alchemyMode": alchemy,
        "highResolution": body.get("highResolution", False),
        "photoRealMode": body.get("photoReal", False),
        "photoRealVersion": (body.get("photoRealVersion") or "v1")
        if body.get("photoReal")
        else None,
        "promptMagic": body.get("promptMagic", False),
        "promptMagicVersion": body.get("promptMagicVersion"),
        "loraCount": len(body.get("elements", [])) + len(body.get("userElements", [])),
        "controlnetsCost": 5 * len(body.get("controlnets", [])),
        "isPhoenix": model == PHOENIX,
        "isSDXLLightning": model == LIGHTNING,
        "isFluxSchnell": model == FLUX_SCHNELL,
        "isFluxDev": model == FLUX_DEV,
        "isUltra": body.get("ultra", False),
    }


CASES: list[dict[str, Any]] = [
    {"prompt": "a"},
    {"prompt": "a", "width": 512, "height": 512, "num_images": 1, "alchemy": False},
    {"prompt": "a", "num_inference_steps": 40, "highResolution": True, "modelId": DREAMSHAPER},
    {"prompt": "a", "modelId": PHOENIX, "sd_version": "PHOENIX", "num_images": 2},
    {"prompt": "a", "modelId": FLUX_DEV, "num_images": 1, "alchemy": False},
    {"prompt": "a", "modelId": FLUX_SCHNELL, "num_images": 1, "alchemy": False},
    {"prompt": "a", "photoReal": True, "num_images": 2},
    {"prompt": "a", "modelId": KINO, "photoReal": True, "photoRealVersion": "v2"},
    {"prompt": "a", "promptMagic": True, "promptMagicVersion": "v3", "alchemy": False},
    {"prompt": "a", "ultra": True, "presetStyle": "NONE", "num_images": 1},
]


@pytest.mark.parametrize("body", CASES)
def test_pricing_calculator_equals_charged_cost(api: httpx.Client, body: dict[str, Any]) -> None:
    model = body.get("modelId", LIGHTNING)
    if body.get("photoReal") and "modelId" not in body:
        model = "photoreal-v1"
    body = {"public": False, **body}
    quoted = price(api, "IMAGE_GENERATION", _pricing_params(body, model))
    before = balance(api)
    resp = api.post("/generations", json=body)
    assert resp.status_code == 200, resp.text
    charged = resp.json()["sdGenerationJob"]["apiCreditCost"]
    assert charged == quoted
    assert balance(api) == before - charged


def test_pricing_with_elements_and_controlnets(api: httpx.Client, server: SimServer) -> None:
    init_id = upload_init_image(server, api)
    element = api.get("/elements").json()["loras"][0]["akUUID"]
    body: dict[str, Any] = {
        "prompt": "a",
        "elements": [{"akUUID": element}],
        "userElements": [{"userLoraId": 1002, "weight": 0.5}],
        "controlnets": [
            {"initImageId": init_id, "initImageType": "UPLOADED", "preprocessorId": 67}
        ],
    }
    quoted = price(api, "IMAGE_GENERATION", _pricing_params(body))
    assert api.post("/generations", json=body).json()["sdGenerationJob"]["apiCreditCost"] == quoted


def test_docs_anchor_prices(api: httpx.Client) -> None:
    """The docs' calculator example: 4 images 512x512, 10 steps -> 7; 30 steps -> 11."""
    base = {"imageWidth": 512, "imageHeight": 512, "numImages": 4, "highResolution": False}
    assert price(api, "IMAGE_GENERATION", {**base, "inferenceSteps": 10, "alchemyMode": False}) == 7
    assert (
        price(api, "IMAGE_GENERATION", {**base, "inferenceSteps": 30, "alchemyMode": False}) == 11
    )


def test_other_services_match_their_charges(api: httpx.Client, server: SimServer) -> None:
    _, image_id = completed_image(api)
    before = balance(api)
    svd = api.post("/generations-motion-svd", json={"imageId": image_id}).json()
    assert svd["motionSvdGenerationJob"]["apiCreditCost"] == price(api, "MOTION_SVD_GENERATION", {})
    assert price(api, "MOTION_SVD_GENERATION", None) == 45
    uu = api.post("/variations/universal-upscaler", json={"generatedImageId": image_id}).json()
    var = wait_variation(api, uu["universalUpscaler"]["id"])
    w, h = decode(download(var["url"]).content).size
    megapixel = math.ceil(w * h / 1_000_000)
    assert uu["universalUpscaler"]["apiCreditCost"] == price(
        api, "UNIVERSAL_UPSCALER", {"megapixel": megapixel}
    )
    ultra = api.post(
        "/variations/universal-upscaler",
        json={
            "generatedImageId": image_id,
            "ultraUpscaleStyle": "REALISTIC",
            "upscaleMultiplier": 2,
        },
    ).json()["universalUpscaler"]
    row = api.get(f"/generations/user/{server.user_id}").json()["generations"][-1]
    src = decode(download(row["generated_images"][0]["url"]).content).size
    assert ultra["apiCreditCost"] == price(
        api,
        "UNIVERSAL_UPSCALER_ULTRA",
        {"inputWidth": src[0], "inputHeight": src[1], "upscaleMultiplier": 2.0},
    )
    spent = (
        svd["motionSvdGenerationJob"]["apiCreditCost"]
        + uu["universalUpscaler"]["apiCreditCost"]
        + ultra["apiCreditCost"]
    )
    assert balance(api) == before - spent
    costs = {
        path: api.post(path, json=body).json()
        for path, body in (
            ("/variations/upscale", {"id": image_id}),
            ("/variations/unzoom", {"id": image_id}),
            ("/variations/nobg", {"id": image_id, "isVariation": False}),
        )
    }
    assert [next(iter(v.values()))["apiCreditCost"] for v in costs.values()] == [15, 15, 5]


@pytest.mark.parametrize(
    ("service", "params"),
    [
        ("MOTION_VIDEO_GENERATION", {"resolution": "RESOLUTION_720"}),
        ("VEO3_MOTION_VIDEO_GENERATION", {"resolution": "RESOLUTION_720"}),
        ("LCM_GENERATION", {"width": 512, "height": 512, "refine": True}),
        ("MODEL_TRAINING", {"resolution": 768}),
        ("TEXTURE_GENERATION", {"preview": True}),
        ("FANTASY_AVATAR_GENERATION", {"imageWidth": 512, "imageHeight": 512, "numImages": 2}),
    ],
)
def test_every_service_has_a_price(api: httpx.Client, service: str, params: dict[str, Any]) -> None:
    first = price(api, service, params)
    assert first > 0 and price(api, service, params) == first


def test_pricing_requires_the_service_params(api: httpx.Client) -> None:
    resp = api.post(
        "/pricing-calculator", json={"service": "IMAGE_GENERATION", "serviceParams": {}}
    )
    assert resp.status_code == 400
    resp = api.post(
        "/pricing-calculator",
        json={"service": "IMAGE_GENERATION", "serviceParams": {"IMAGE_GENERATION": {}}},
    )
    assert resp.status_code == 400 and resp.json()["code"] == "validation-failed"


def test_prompt_helpers_cost_credits(api: httpx.Client) -> None:
    before = balance(api)
    api.post("/prompt/random")
    api.post("/prompt/improve", json={"prompt": "cat"})
    assert balance(api) == before - 8


def test_rate_limit(make_server: Make, make_client: Client) -> None:
    sim = make_server(rate_limit_per_minute=3)
    api = make_client(sim)
    for n in range(3):
        assert (
            api.post("/generations", json={"prompt": f"r{n}", "num_images": 1}).status_code == 200
        )
    resp = api.post("/generations", json={"prompt": "r4", "num_images": 1})
    assert resp.status_code == 429
    assert resp.json() == {"error": "Too Many Requests", "path": "$", "code": "rate-limited"}
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert len(sim.state.generation_ids()) == 3
    # Every billed endpoint shares the budget; reads and other POSTs do not count.
    assert api.post("/variations/upscale", json={"id": "x"}).status_code == 429
    assert api.get("/me").status_code == 200
    assert api.post("/prompt/random").status_code == 200
    assert api.post("/init-image", json={"extension": "png"}).status_code == 200
