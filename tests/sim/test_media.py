"""Images, the CDN, variations and motion: real bytes, sizes, determinism, speed."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import av
import httpx
import pytest

from leodesk.sim import SimServer, images
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

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]


def first_image_bytes(api: httpx.Client, **body: object) -> bytes:
    row = wait_done(api, generate(api, **body))
    return download(row["generated_images"][0]["url"]).content


def test_same_prompt_and_seed_same_bytes_across_servers(
    make_server: Make, make_client: Client
) -> None:
    a = first_image_bytes(make_client(make_server(seed=1)), prompt="a red fox", seed=1234)
    b = first_image_bytes(make_client(make_server(seed=2)), prompt="a red fox", seed=1234)
    assert a == b


def test_different_seed_or_prompt_different_bytes(api: httpx.Client) -> None:
    base = first_image_bytes(api, prompt="a red fox", seed=1234)
    assert base == first_image_bytes(api, prompt="a red fox", seed=1234)
    assert base != first_image_bytes(api, prompt="a red fox", seed=1235)
    assert base != first_image_bytes(api, prompt="a blue fox", seed=1234)


def test_images_of_one_generation_differ(api: httpx.Client) -> None:
    row = wait_done(api, generate(api, num_images=3, seed=7))
    blobs = [download(i["url"]).content for i in row["generated_images"]]
    assert len(set(blobs)) == 3


def test_images_decode_at_the_right_size(api: httpx.Client) -> None:
    row = wait_done(api, generate(api, width=640, height=480, alchemy=False, num_images=2))
    for item in row["generated_images"]:
        resp = download(item["url"])
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
        assert int(resp.headers["content-length"]) == len(resp.content)
        img = decode(resp.content)
        assert img.format == "JPEG" and img.size == (640, 480)


def test_render_speed() -> None:
    best = min(_time_render(n) for n in range(3))
    assert best < 0.1, f"1024x768 JPEG took {best * 1000:.0f} ms"


def _time_render(n: int) -> float:
    started = time.perf_counter()
    images.render(f"speed test|{n}", 1024, 768, label="speed test")
    return time.perf_counter() - started


def test_cdn_is_cached_and_supports_head(api: httpx.Client, server: SimServer) -> None:
    gen_id, _ = completed_image(api)
    url = generation(api, gen_id)["generated_images"][0]["url"]
    first = download(url)
    assert first.content == download(url).content
    with httpx.Client(verify=False) as client:
        head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(first.content))
    assert first.headers["etag"] and "max-age" in first.headers["cache-control"]


def test_cdn_unknown_and_wrong_method(server: SimServer) -> None:
    missing = download(server.origin + "/cdn/users/x/generations/y/Leonardo_0.jpg")
    assert missing.status_code == 403 and b"AccessDenied" in missing.content
    with httpx.Client(verify=False) as client:
        assert client.post(server.origin + "/cdn/x").status_code == 405


def test_platform_model_previews_and_element_images(api: httpx.Client, server: SimServer) -> None:
    models = api.get("/platformModels").json()["custom_models"]
    assert len(models) >= 12
    names = {m["name"] for m in models}
    for expected in ("Leonardo Kino XL", "Leonardo Diffusion XL", "Leonardo Vision XL"):
        assert expected in names
    assert any(m["featured"] for m in models) and any(m["nsfw"] for m in models)
    preview = download(models[0]["generated_image"]["url"])
    assert preview.status_code == 200 and decode(preview.content).size == (512, 512)
    element = api.get("/elements").json()["loras"][0]
    assert decode(download(element["urlImage"]).content).format == "JPEG"
    model = api.get(f"/models/{models[0]['id']}").json()["custom_models_by_pk"]
    assert model["name"] == models[0]["name"] and model["public"] is True


def test_custom_models_and_elements(api: httpx.Client, server: SimServer) -> None:
    mine = api.get(f"/models/user/{server.user_id}").json()["custom_models"]
    assert len(mine) >= 2 and all(m["public"] is False for m in mine)
    loras = api.get(f"/elements/user/{server.user_id}").json()["user_loras"]
    assert [lora["id"] for lora in loras][:2] == [1001, 1002]


# --------------------------------------------------------------------------- variations


def test_upscale_lifecycle(make_server: Make, make_client: Client) -> None:
    sim = make_server(generation_seconds=30)
    api = make_client(sim)
    gen_id, image_id = completed_image(api, sim, width=512, height=384, alchemy=False)
    job = api.post("/variations/upscale", json={"id": image_id}).json()["sdUpscaleJob"]
    assert job["apiCreditCost"] == 15 and job["cost"]["unit"] == "CREDITS"
    pending = api.get(f"/variations/{job['id']}").json()["generated_image_variation_generic"]
    assert pending[0]["status"] == "PENDING" and pending[0]["url"] is None
    parent = api.get(f"/generations/{gen_id}").json()["generations_by_pk"]["generated_images"][0]
    assert parent["generated_image_variation_generics"][0]["status"] == "PENDING"
    sim.complete_all()
    done = wait_variation(api, job["id"])
    assert done["transformType"] == "UPSCALE" and done["createdAt"]
    assert f"/generations/{gen_id}/variations/UPSCALE_" in done["url"]
    img = decode(download(done["url"]).content)
    assert img.size == (1024, 768)
    parent = api.get(f"/generations/{gen_id}").json()["generations_by_pk"]["generated_images"][0]
    generics = parent["generated_image_variation_generics"]
    assert generics == [
        {"id": job["id"], "status": "COMPLETE", "transformType": "UPSCALE", "url": done["url"]}
    ]


def test_nobg_and_unzoom(api: httpx.Client) -> None:
    gen_id, image_id = completed_image(api, width=512, height=512, alchemy=False)
    nobg = api.post("/variations/nobg", json={"id": image_id, "isVariation": False}).json()
    unzoom = api.post("/variations/unzoom", json={"id": image_id}).json()
    nobg_done = wait_variation(api, nobg["sdNobgJob"]["id"])
    unzoom_done = wait_variation(api, unzoom["sdUnzoomJob"]["id"])
    png = download(nobg_done["url"])
    assert png.headers["content-type"] == "image/png" and nobg_done["transformType"] == "NOBG"
    assert decode(png.content).mode == "RGBA"
    jpg = decode(download(unzoom_done["url"]).content)
    assert jpg.size == (512, 512) and unzoom_done["transformType"] == "UNZOOM"
    row = api.get(f"/generations/{gen_id}").json()["generations_by_pk"]
    kinds = [
        g["transformType"] for g in row["generated_images"][0]["generated_image_variation_generics"]
    ]
    assert kinds == ["NOBG", "UNZOOM"]


def test_variation_of_a_variation(make_server: Make, make_client: Client) -> None:
    sim = make_server(generation_seconds=30)
    api = make_client(sim)
    _, image_id = completed_image(api, sim, width=256, height=256, alchemy=False)
    up = api.post("/variations/upscale", json={"id": image_id}).json()["sdUpscaleJob"]["id"]
    resp = api.post("/variations/nobg", json={"id": up, "isVariation": True})
    assert resp.status_code == 400  # the upscale is not COMPLETE yet
    sim.complete_all()
    wait_variation(api, up)
    nobg = api.post("/variations/nobg", json={"id": up, "isVariation": True}).json()
    sim.complete_all()
    done = wait_variation(api, nobg["sdNobgJob"]["id"])
    assert decode(download(done["url"]).content).size == (512, 512)


def test_variation_jobs_share_the_slots(make_server: Make, make_client: Client) -> None:
    sim = make_server(concurrency_slots=1, generation_seconds=30)
    api = make_client(sim)
    _, image_id = completed_image(api, sim)
    generate(api)
    var = api.post("/variations/upscale", json={"id": image_id}).json()["sdUpscaleJob"]["id"]
    assert sim.state.status(var) == "PENDING" and sim.state.queued_count == 1
    sim.state.set_slots(2)  # more slots: the queued upscale starts at once
    assert sim.state.queued_count == 0 and sim.state.running_count == 2
    sim.complete_all()
    wait_variation(api, var)


# --------------------------------------------------------------------------- motion and uploads


def test_motion_svd(api: httpx.Client) -> None:
    _, image_id = completed_image(api, width=512, height=512, alchemy=False)
    job = api.post(
        "/generations-motion-svd",
        json={"imageId": image_id, "motionStrength": 3, "isPublic": False},
    ).json()["motionSvdGenerationJob"]
    assert job["apiCreditCost"] == 45
    row = wait_done(api, job["generationId"])
    (item,) = row["generated_images"]
    assert item["motion"] is True and item["motionModel"] == "SVD" and item["motionStrength"] == 3
    video = download(item["motionMP4URL"])
    assert video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.frames == 96  # 4 s at 24 fps
        assert (stream.codec_context.width, stream.codec_context.height) == (512, 512)
    poster = decode(download(item["url"]).content)
    assert poster.size == (512, 512)
    assert row["prompt"] == "a lighthouse at dusk"


def test_motion_from_a_variation(api: httpx.Client) -> None:
    _, image_id = completed_image(api)
    up = api.post("/variations/upscale", json={"id": image_id}).json()["sdUpscaleJob"]["id"]
    wait_variation(api, up)
    resp = api.post("/generations-motion-svd", json={"imageId": up, "isVariation": True})
    assert resp.status_code == 200, resp.text
    resp = api.post("/generations-motion-svd", json={"imageId": image_id, "isVariation": True})
    assert resp.json()["error"] == "failed to find init variation"


@pytest.mark.parametrize("ext", ["png", "jpg", "webp"])
def test_init_image_served_with_its_type(api: httpx.Client, server: SimServer, ext: str) -> None:
    init_id = upload_init_image(server, api, data=b"raw-bytes", extension=ext)
    url = api.get(f"/init-image/{init_id}").json()["init_images_by_pk"]["url"]
    resp = download(url)
    assert url.endswith(f".{ext}") and resp.content == b"raw-bytes"
    assert resp.headers["content-type"] == {"png": "image/png", "jpg": "image/jpeg"}.get(
        ext, "image/webp"
    )
