"""Video generations in the simulator: the spec's request bodies, each model's rules, real MP4
files that differ per prompt/image, listing, pricing and persistence."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from leodesk.sim import SimConfig, SimServer
from tests.helpers import spec
from tests.sim._util import completed_image, download, upload_init_image, wait_done

KEY = "sim-test-key"


def _post(api: httpx.Client, op: str, **body: Any) -> httpx.Response:
    path = {"i2v": "/generations-image-to-video", "t2v": "/generations-text-to-video"}[op]
    op_id = {"i2v": "createImageToVideoGeneration", "t2v": "createTextToVideoGeneration"}[op]
    body.setdefault("isPublic", False)
    spec.validate_request(op_id, body)
    resp = api.post(path, json=body)
    if resp.status_code == 200:
        spec.validate_response(op_id, resp.json())
    return resp


def _video(api: httpx.Client, op: str, **body: Any) -> tuple[dict[str, Any], bytes]:
    resp = _post(api, op, **body)
    assert resp.status_code == 200, resp.text
    gen_id = resp.json()["motionVideoGenerationJob"]["generationId"]
    row = wait_done(api, gen_id)
    spec.validate_response("getGenerationById", {"generations_by_pk": row})
    assert row["status"] == "COMPLETE"
    (item,) = row["generated_images"]
    got = download(item["motionMP4URL"])
    assert got.headers["content-type"] == "video/mp4"
    return row, got.content


def _probe(data: bytes) -> tuple[int, int, int, float, Image.Image]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        first = next(container.decode(stream)).to_image()
        return (
            stream.codec_context.width,
            stream.codec_context.height,
            stream.frames,
            float(stream.average_rate or 0),
            first,
        )


def _distance(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two pictures at 16x16 (0 = the same picture)."""
    small_a = a.convert("RGB").resize((16, 16)).tobytes()
    small_b = b.convert("RGB").resize((16, 16)).tobytes()
    return sum(abs(x - y) for x, y in zip(small_a, small_b, strict=True)) / len(small_a)


def test_text_to_video_is_a_real_h264_mp4(api: httpx.Client) -> None:
    row, data = _video(
        api,
        "t2v",
        prompt="a red kite over dunes",
        model="MOTION2",
        resolution="RESOLUTION_720",
        seed=42,
        negativePrompt="blur",
    )
    item = row["generated_images"][0]
    assert item["motion"] is True and item["motionModel"] == "MOTION2"
    assert item["imageToVideo"] is False
    assert (row["imageWidth"], row["imageHeight"]) == (1280, 720)
    assert row["seed"] == 42 and row["negativePrompt"] == "blur"
    width, height, frames, fps, _ = _probe(data)
    assert (width, height, frames, fps) == (640, 360, 120, 24.0)  # scaled down, 5 s at 24 fps
    again = download(item["motionMP4URL"]).content
    assert again == data  # cached, deterministic


def test_videos_differ_by_prompt_and_follow_their_image(api: httpx.Client) -> None:
    _, image_id = completed_image(api, width=512, height=768, alchemy=False)
    row_a, a = _video(api, "i2v", prompt="waves", imageId=image_id, imageType="GENERATED")
    _, b = _video(api, "i2v", prompt="fire", imageId=image_id, imageType="GENERATED")
    assert a != b
    assert row_a["generated_images"][0]["imageToVideo"] is True
    assert (row_a["imageWidth"], row_a["imageHeight"]) == (720, 1280)  # the image is portrait
    width, height, _, _, first = _probe(a)
    assert (width, height) == (360, 640)
    poster = Image.open(io.BytesIO(download(row_a["generated_images"][0]["url"]).content))
    assert _distance(first, poster) < 25  # the video starts on its image
    assert _distance(first, Image.new("RGB", (8, 8), (128, 128, 128))) > _distance(first, poster)


def test_uploaded_start_and_kling_end_frame(api: httpx.Client, server: SimServer) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (640, 360), (0, 200, 0)).save(buf, "PNG")
    start = upload_init_image(server, api, data=buf.getvalue())
    _, end_id = completed_image(api, width=640, height=384, alchemy=False)
    row, data = _video(
        api,
        "i2v",
        prompt="grow",
        imageId=start,
        imageType="UPLOADED",
        model="KLING2_1",
        endFrameImage={"id": end_id, "type": "GENERATED"},
    )
    assert row["imageWidth"] == 1920 and row["generated_images"][0]["motionModel"] == "KLING2_1"
    _, _, _, _, first = _probe(data)
    r, g, b = first.getpixel((4, 350))
    assert g > 150 and r < 60 and b < 60  # the uploaded green picture


@pytest.mark.parametrize(
    ("op", "body", "fragment"),
    [
        ("t2v", {"model": "MOTION2", "duration": 8}, "duration is not supported"),
        ("t2v", {"model": "VEO3", "duration": 5}, "duration must be one of 4, 6, 8"),
        ("t2v", {"model": "VEO3", "resolution": "RESOLUTION_480"}, "not supported on VEO3"),
        ("t2v", {"model": "VEO3", "frameInterpolation": True}, "frameInterpolation"),
        ("t2v", {"model": "MOTION2", "seed": 2147483638}, "seed must be between"),
        ("t2v", {"width": 1280}, "width and height"),
        ("t2v", {"width": 1000, "height": 500}, "width x height must be one of"),
        ("t2v", {"promptEnhanceInstruction": "make it moody"}, "needs promptEnhance"),
        ("t2v", {"model": "KLING2_5", "duration": 10}, "duration is not supported"),
        (
            "i2v",
            {"model": "MOTION2", "endFrameImage": {"id": "x", "type": "GENERATED"}},
            "endFrameImage",
        ),
        ("i2v", {"imageId": "00000000-0000-4000-8000-000000000000"}, "couldn't access image"),
    ],
)
def test_options_a_model_does_not_take_are_refused(
    api: httpx.Client, op: str, body: dict[str, Any], fragment: str
) -> None:
    payload: dict[str, Any] = {"prompt": "a test"}
    if op == "i2v":
        _, image_id = completed_image(api, width=512, height=512, alchemy=False)
        payload.update(imageId=image_id, imageType="GENERATED")
    payload.update(body)
    before = api.get("/me").json()["user_details"][0]["subscriptionTokens"]
    resp = _post(api, op, **payload)
    assert resp.status_code == 400 and fragment in resp.json()["error"], resp.text
    after = api.get("/me").json()["user_details"][0]["subscriptionTokens"]
    assert after == before  # nothing billed for it


def test_an_unknown_key_is_refused(api: httpx.Client) -> None:
    resp = api.post("/generations-text-to-video", json={"prompt": "x", "imageId": "y"})
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("model", "resolution", "service"),
    [
        ("MOTION2", "RESOLUTION_480", "MOTION_VIDEO_GENERATION"),
        ("MOTION2FAST", "RESOLUTION_720", "MOTION_VIDEO_GENERATION"),
        ("VEO3", "RESOLUTION_720", "VEO3_MOTION_VIDEO_GENERATION"),
        ("KLING2_5", "RESOLUTION_1080", "MOTION_VIDEO_GENERATION"),
    ],
)
def test_charged_what_the_pricing_calculator_says(
    api: httpx.Client, model: str, resolution: str, service: str
) -> None:
    body = {"service": service, "serviceParams": {service: {"resolution": resolution}}}
    spec.validate_request("pricingCalculator", body)
    quote = api.post("/pricing-calculator", json=body).json()
    price = quote["calculateProductionApiServiceCost"]["cost"]
    resp = _post(api, "t2v", prompt="a price", model=model, resolution=resolution)
    assert resp.json()["motionVideoGenerationJob"]["apiCreditCost"] == price > 0


def test_videos_are_listed_and_kept_across_a_restart(tmp_path: Path) -> None:
    def start() -> SimServer:
        cfg = SimConfig(seed=1, generation_seconds=0.05, api_key=KEY, state_dir=str(tmp_path))
        return SimServer(cfg).start()

    sim = start()
    try:
        api = httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {KEY}"})
        row, data = _video(api, "t2v", prompt="kept", model="VEO3", duration=4)
        user = api.get("/me").json()["user_details"][0]["user"]["id"]
        listed = api.get(f"/generations/user/{user}", params={"limit": 5}).json()["generations"]
        assert listed[0]["id"] == row["id"]
        assert listed[0]["generated_images"][0]["motionMP4URL"]
        api.close()
    finally:
        sim.stop()
    sim = start()
    try:
        api = httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {KEY}"})
        again = wait_done(api, row["id"])
        assert again["generated_images"][0]["motionModel"] == "VEO3"
        got = download(again["generated_images"][0]["motionMP4URL"]).content
        assert got == data and _probe(got)[2] == 4 * 24
        api.close()
    finally:
        sim.stop()


def test_a_new_account_can_start_with_videos(make_server: Any, make_client: Any) -> None:
    sim = make_server(seed_generations=3, seed_videos=2)
    api = make_client(sim)
    user = api.get("/me").json()["user_details"][0]["user"]["id"]
    rows = api.get(f"/generations/user/{user}", params={"limit": 10}).json()["generations"]
    spec.validate_response("getGenerationsByUserId", {"generations": rows})
    videos = [r for r in rows if r["generated_images"][0]["motionMP4URL"]]
    assert [v["generated_images"][0]["imageToVideo"] for v in videos] == [True, False]
    assert videos[1]["generated_images"][0]["motionModel"] == "VEO3"
    width, height, frames, _, _ = _probe(
        download(videos[1]["generated_images"][0]["motionMP4URL"]).content
    )
    assert (width, height, frames) == (640, 360, 96)
