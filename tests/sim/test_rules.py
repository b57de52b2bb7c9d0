"""The documented business rules of each operation, with their real error messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from leodesk.sim import SimServer
from leodesk.sim.catalog import DEFAULT_MODEL_ID
from tests.sim._util import (
    completed_image,
    decode,
    download,
    generate,
    generation,
    upload_init_image,
    wait_done,
    wait_variation,
)

KINO_XL = "aa77f04e-3eec-4034-9c07-d0f619684628"
DIFFUSION_XL = "1e60896f-3c26-4296-8ecc-53e2afecc132"
VISION_XL = "5c232a9e-9061-4777-980a-ddc8e65647c6"
PHOENIX = "de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3"
DREAMSHAPER = "ac614f96-1082-45bf-be9d-757f2d31c174"
ALBEDO = "2067ae52-33fd-4a82-bb92-c2c55e7d2786"
FLUX_DEV = "b2614463-296c-462a-9586-aafdb8f00e36"


def post(api: httpx.Client, **body: Any) -> httpx.Response:
    payload = {"prompt": "rules", "width": 512, "height": 512, "num_images": 1, **body}
    return api.post("/generations", json=payload)


def error_of(resp: httpx.Response) -> tuple[int, str]:
    return resp.status_code, resp.json()["error"]


# --------------------------------------------------------------------------- count and size


@pytest.mark.parametrize(
    ("width", "height", "num", "ok"),
    [
        (512, 512, 8, True),
        (768, 768, 8, True),
        (512, 512, 9, False),
        (1024, 512, 5, False),
        (512, 776, 5, False),
        (1024, 768, 4, True),
        (1536, 1536, 4, True),
    ],
)
def test_too_many_images(api: httpx.Client, width: int, height: int, num: int, ok: bool) -> None:
    resp = post(api, width=width, height=height, num_images=num, alchemy=False)
    if ok:
        assert resp.status_code == 200, resp.text
    else:
        assert error_of(resp) == (400, "Too many images")
        assert resp.json()["code"] == "unexpected"


@pytest.mark.parametrize(("width", "height"), [(1004, 512), (512, 24), (1544, 512), (0, 512)])
def test_invalid_dimensions(api: httpx.Client, width: int, height: int) -> None:
    assert error_of(post(api, width=width, height=height)) == (400, "invalid dimensions")


def test_prompt_length(api: httpx.Client) -> None:
    msg = "Invalid prompt, maximum length of 1500 characters exceeded."
    assert error_of(post(api, prompt="x" * 1501)) == (400, msg)
    assert post(api, prompt="x" * 1500).status_code == 200


def test_improve_prompt_length(api: httpx.Client) -> None:
    resp = api.post("/prompt/improve", json={"prompt": "y" * 200})
    assert error_of(resp) == (400, "Prompt is too long, please keep it under 200 characters")
    ok = api.post("/prompt/improve", json={"prompt": "y" * 199, "isVideo": True})
    assert ok.json()["promptGeneration"]["prompt"].startswith("y" * 199)


def test_improve_is_deterministic_and_uses_instructions(api: httpx.Client) -> None:
    body = {"prompt": "a cat", "promptInstructions": "make it gothic"}
    first = api.post("/prompt/improve", json=body).json()["promptGeneration"]
    assert first == api.post("/prompt/improve", json=body).json()["promptGeneration"]
    assert "make it gothic" in first["prompt"] and first["apiCreditCost"] == 4


def test_random_prompt(api: httpx.Client) -> None:
    gen = api.post("/prompt/random").json()["promptGeneration"]
    assert gen["prompt"] and gen["cost"] == {"amount": "4", "unit": "CREDITS"}


# --------------------------------------------------------------------------- moderation


def test_moderation(api: httpx.Client, server: SimServer) -> None:
    resp = post(api, prompt="a NSFWWORD in the park")
    assert resp.status_code == 403
    assert resp.json() == {
        "error": "content moderation filter: nsfwword",
        "path": "$",
        "code": "unexpected",
    }
    assert error_of(api.post("/prompt/improve", json={"prompt": "nsfwword"}))[0] == 403
    assert server.state.generation_ids() == []


def test_moderation_status_is_configurable(make_server: Callable[..., SimServer]) -> None:
    sim = make_server(moderation_status=400, moderation_words=("badword",))
    with httpx.Client(
        base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.api_key}"}
    ) as c:
        assert error_of(post(c, prompt="badword")) == (400, "content moderation filter: badword")


# --------------------------------------------------------------------------- models and modes


def test_default_model_and_sd_version(api: httpx.Client) -> None:
    row = wait_done(api, generate(api))
    assert row["modelId"] == DEFAULT_MODEL_ID and row["sdVersion"] == "SDXL_LIGHTNING"
    row = wait_done(api, generate(api, sd_version="v2", alchemy=False))
    assert row["modelId"] is None and row["sdVersion"] == "v2"


def test_model_errors(api: httpx.Client) -> None:
    unknown = "11111111-1111-4111-8111-111111111111"
    status, message = error_of(post(api, modelId=unknown))
    assert status == 400 and message.startswith(unknown) and "Production API" in message
    assert error_of(post(api, modelId="LEONARDO")) == (500, "internal error")
    pending = [m for m in api.get("/models/user/x").json().get("custom_models", [])]
    assert pending == []  # wrong user id syntax would be 400; other user -> []


def test_phoenix_needs_sd_version(api: httpx.Client) -> None:
    msg = "Phoenix request requires sd_version to be PHOENIX."
    assert error_of(post(api, modelId=PHOENIX)) == (400, msg)
    assert error_of(post(api, modelId=PHOENIX, sd_version="SDXL_1_0")) == (400, msg)
    row = wait_done(api, generate(api, modelId=PHOENIX, sd_version="PHOENIX", contrast=3.5))
    assert row["sdVersion"] == "PHOENIX"
    resp = post(api, modelId=PHOENIX, sd_version="PHOENIX", contrast=1.8)
    assert resp.status_code == 400 and "2.5" in resp.json()["error"]


def test_custom_model_still_training(api: httpx.Client, server: SimServer) -> None:
    models = api.get(f"/models/user/{server.user_id}").json()["custom_models"]
    training = next(m for m in models if m["status"] == "PENDING")
    ready = next(m for m in models if m["status"] == "COMPLETE")
    assert post(api, modelId=training["id"]).status_code == 400
    assert post(api, modelId=ready["id"]).status_code == 200


@pytest.mark.parametrize("model", [KINO_XL, DIFFUSION_XL, VISION_XL])
def test_photoreal_v2_on_the_three_xl_models(api: httpx.Client, model: str) -> None:
    resp = post(api, modelId=model, photoReal=True, photoRealVersion="v2", presetStyle="CINEMATIC")
    assert resp.status_code == 200, resp.text


def test_photoreal_rules(api: httpx.Client) -> None:
    resp = post(api, modelId=ALBEDO, photoReal=True, photoRealVersion="v2")
    assert resp.status_code == 400 and "Kino XL" in resp.json()["error"]
    resp = post(api, modelId=KINO_XL, photoReal=True, photoRealVersion="v1")
    assert resp.status_code == 400 and "modelId" in resp.json()["error"]
    resp = post(api, modelId=KINO_XL, photoReal=True)  # no version means v1
    assert resp.status_code == 400
    resp = post(api, photoReal=True, alchemy=False)
    assert resp.status_code == 400 and "alchemy" in resp.json()["error"]
    resp = post(api, photoReal=True, photoRealStrength=0.3)
    assert resp.status_code == 400
    row = wait_done(api, generate(api, photoReal=True, photoRealStrength=0.45))
    assert row["modelId"] is None and row["photoReal"] is True
    assert row["photoRealStrength"] == 0.45 and row["sdVersion"] == "v1_5"


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"alchemy": False, "presetStyle": "LEONARDO"}, True),
        ({"alchemy": False, "presetStyle": "NONE"}, True),
        ({"alchemy": False, "presetStyle": "ANIME"}, False),
        ({"presetStyle": "ANIME"}, True),
        ({"presetStyle": "LEONARDO"}, False),
        ({"presetStyle": "CINEMATIC"}, False),
        ({"photoReal": True, "presetStyle": "CINEMATIC"}, True),
        ({"photoReal": True, "presetStyle": "ANIME"}, False),
    ],
)
def test_preset_style_valid_for_mode(api: httpx.Client, body: dict[str, Any], ok: bool) -> None:
    resp = post(api, **body)
    assert (resp.status_code == 200) is ok, resp.text
    if not ok:
        assert "presetStyle" in resp.json()["error"]


def test_preset_style_defaults(api: httpx.Client) -> None:
    assert wait_done(api, generate(api))["presetStyle"] == "DYNAMIC"
    assert wait_done(api, generate(api, alchemy=False))["presetStyle"] == "LEONARDO"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, 7.0),
        ({"alchemy": False, "guidance_scale": 25}, 20.0),
        ({"alchemy": False, "guidance_scale": 0.5}, 1.0),
        ({"alchemy": False, "scheduler": "LEONARDO", "guidance_scale": 15}, 7.0),
        ({"alchemy": False, "scheduler": "LEONARDO", "guidance_scale": 5}, 5.0),
        ({"modelId": DREAMSHAPER, "guidance_scale": 1}, 2.0),
        ({"modelId": DREAMSHAPER, "guidance_scale": 28}, 28.0),
        ({"modelId": DREAMSHAPER, "guidance_scale": 40}, 30.0),
        ({"modelId": KINO_XL, "guidance_scale": 28}, 20.0),
    ],
)
def test_guidance_is_limited_silently(
    api: httpx.Client, body: dict[str, Any], expected: float
) -> None:
    """FAQ: the limits are applied, not refused ("why is my guidance not reflected?")."""
    row = wait_done(api, generate(api, **body))
    assert row["guidanceScale"] == expected


def test_ultra_and_alchemy(api: httpx.Client) -> None:
    assert post(api, ultra=True, alchemy=True).status_code == 400
    row = wait_done(api, generate(api, ultra=True, presetStyle="NONE"))
    assert row["ultra"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"num_inference_steps": 9},
        {"num_inference_steps": 61},
        {"init_strength": 0.95},
        {"contrastRatio": 1.5},
        {"contrast": 2.0},
        {"promptMagicStrength": 0.05},
        {"promptMagicVersion": "v9"},
        {"seed": -1},
        {"seed": 9_999_999_999},
        {"modelId": FLUX_DEV, "seed": 2_147_483_638},
        {"unzoom": True},
        {"elements": [{"akUUID": "00000000-0000-4000-8000-000000000000"}]},
        {"userElements": [{"userLoraId": 5}]},
        {"canvasRequest": True},
    ],
)
def test_range_rules(api: httpx.Client, body: dict[str, Any]) -> None:
    resp = post(api, **body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "unexpected"


def test_seeds_beyond_int32(api: httpx.Client) -> None:
    row = wait_done(api, generate(api, seed=9_999_999_998))
    assert row["seed"] == 9_999_999_998
    random_seed = wait_done(api, generate(api))["seed"]
    assert isinstance(random_seed, int) and 0 <= random_seed <= 9_999_999_998


def test_row_echoes_request(make_server: Callable[..., SimServer], make_client: Any) -> None:
    sim = make_server(generation_seconds=30)
    api = make_client(sim)
    elements = api.get("/elements").json()["loras"]
    gen_id = generate(
        api,
        prompt="echo",
        negative_prompt="blurry",
        num_inference_steps=30,
        scheduler="DDIM",
        public=True,
        elements=[{"akUUID": elements[0]["akUUID"], "weight": 0.5}],
        userElements=[{"userLoraId": 1001, "weight": 0.7}],
        promptMagic=True,
        promptMagicVersion="v3",
        promptMagicStrength=0.5,
        init_strength=0.4,
        init_generation_image_id=completed_image(api, sim)[1],
    )
    row = generation(api, gen_id)
    assert row["status"] == "PENDING" and row["generated_images"] == []
    assert row["negativePrompt"] == "blurry" and row["inferenceSteps"] == 30
    assert row["scheduler"] == "DDIM" and row["public"] is True
    assert row["promptMagicVersion"] == "v3" and row["initStrength"] == 0.4
    (ge,) = row["generation_elements"]
    assert ge["lora"]["akUUID"] == elements[0]["akUUID"] and ge["weightApplied"] == 0.5


# --------------------------------------------------------------------------- output sizes


@pytest.mark.parametrize(
    ("body", "size"),
    [
        ({"width": 1024, "height": 768}, (1792, 1344)),
        ({"width": 1024, "height": 768, "alchemy": False}, (1024, 768)),
        ({"width": 512, "height": 768, "modelId": DREAMSHAPER}, (768, 1152)),
        (
            {"width": 512, "height": 768, "modelId": DREAMSHAPER, "highResolution": True},
            (1024, 1536),
        ),
        (
            {"width": 1024, "height": 1024, "modelId": PHOENIX, "sd_version": "PHOENIX"},
            (1024, 1024),
        ),
    ],
)
def test_output_size_factors(
    api: httpx.Client, body: dict[str, Any], size: tuple[int, int]
) -> None:
    row = wait_done(api, generate(api, **body))
    assert (row["imageWidth"], row["imageHeight"]) == (body["width"], body["height"])
    img = decode(download(row["generated_images"][0]["url"]).content)
    assert img.size == size and img.format == "JPEG"


def test_transparency_gives_png_with_alpha(api: httpx.Client) -> None:
    row = wait_done(api, generate(api, transparency="foreground_only"))
    url = row["generated_images"][0]["url"]
    resp = download(url)
    assert url.endswith(".png") and resp.headers["content-type"] == "image/png"
    img = decode(resp.content)
    assert img.mode == "RGBA" and img.getchannel("A").getextrema() == (0, 255)


# --------------------------------------------------------------------------- id kinds


def test_init_image_extensions(api: httpx.Client) -> None:
    for ext in ("png", "jpg", "jpeg", "webp"):
        assert api.post("/init-image", json={"extension": ext}).status_code == 200
    for ext in ("gif", "image.png", ".png", "PNG", ""):
        resp = api.post("/init-image", json={"extension": ext})
        assert resp.json() == {"error": "invalid file extension", "path": "$", "code": "unexpected"}
        assert resp.status_code == 400


def test_variation_id_kinds(api: httpx.Client, server: SimServer) -> None:
    gen_id, image_id = completed_image(api)
    init_id = upload_init_image(server, api)
    for path in ("/variations/upscale", "/variations/unzoom"):
        assert error_of(api.post(path, json={"id": init_id})) == (400, "couldn't access image")
        assert error_of(api.post(path, json={"id": gen_id})) == (400, "couldn't access image")
    nobg = {"id": image_id, "isVariation": True}
    assert error_of(api.post("/variations/nobg", json=nobg)) == (
        400,
        "failed to find init variation",
    )
    up = api.post("/variations/upscale", json={"id": image_id}).json()["sdUpscaleJob"]["id"]
    wait_variation(api, up)
    # A variation id without isVariation, and the right way round.
    assert error_of(api.post("/variations/upscale", json={"id": up})) == (
        400,
        "failed to find init variation",
    )
    resp = api.post("/variations/nobg", json={"id": up, "isVariation": True})
    assert resp.status_code == 200, resp.text


def test_svd_with_generation_id_is_service_error(api: httpx.Client, server: SimServer) -> None:
    gen_id, image_id = completed_image(api)
    resp = api.post("/generations-motion-svd", json={"imageId": gen_id})
    assert resp.status_code == 500
    assert resp.json() == {"error": "Service Error", "path": "$", "code": "unexpected"}
    init_id = upload_init_image(server, api)
    assert error_of(
        api.post("/generations-motion-svd", json={"imageId": image_id, "isInitImage": True})
    ) == (
        400,
        "invalid init image id",
    )
    ok = api.post("/generations-motion-svd", json={"imageId": init_id, "isInitImage": True})
    assert ok.status_code == 200
    resp = api.post("/generations-motion-svd", json={"imageId": image_id, "motionStrength": 11})
    assert resp.status_code == 400


def test_generation_image_references(api: httpx.Client, server: SimServer) -> None:
    _, image_id = completed_image(api)
    init_id = upload_init_image(server, api)
    assert error_of(post(api, init_image_id=image_id)) == (400, "invalid init image id")
    assert error_of(post(api, init_generation_image_id=init_id)) == (400, "couldn't access image")
    assert post(api, init_image_id=init_id, init_strength=0.5).status_code == 200
    cn = [{"initImageId": init_id, "initImageType": "GENERATED", "preprocessorId": 67}]
    assert error_of(post(api, controlnets=cn)) == (400, "couldn't access image")
    cn[0]["initImageType"] = "UPLOADED"
    assert post(api, controlnets=cn).status_code == 200
    assert post(api, imagePrompts=[image_id, init_id]).status_code == 200
    assert error_of(post(api, imagePrompts=["nope"])) == (400, "invalid init image id")
    presigned = api.post("/init-image", json={"extension": "png"}).json()["uploadInitImage"]["id"]
    assert error_of(post(api, init_image_id=presigned)) == (400, "invalid init image id")


def test_universal_upscaler_rules(api: httpx.Client, server: SimServer) -> None:
    _, image_id = completed_image(api)
    init_id = upload_init_image(server, api)
    path = "/variations/universal-upscaler"
    assert api.post(path, json={}).status_code == 400
    both = {"generatedImageId": image_id, "initImageId": init_id}
    assert api.post(path, json=both).status_code == 400
    styles = {
        "generatedImageId": image_id,
        "upscalerStyle": "GENERAL",
        "ultraUpscaleStyle": "ARTISTIC",
    }
    assert api.post(path, json=styles).status_code == 400
    assert (
        api.post(path, json={"generatedImageId": image_id, "upscaleMultiplier": 2.5}).status_code
        == 400
    )
    assert (
        api.post(path, json={"generatedImageId": image_id, "creativityStrength": 11}).status_code
        == 400
    )
    resp = api.post(path, json={"initImageId": init_id, "upscaleMultiplier": 2.0})
    assert resp.status_code == 200, resp.text
    var = wait_variation(api, resp.json()["universalUpscaler"]["id"])
    assert var["transformType"] == "UPSCALE"
    assert decode(download(var["url"]).content).size == (128, 96)
