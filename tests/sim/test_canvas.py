"""Canvas Editor: ``POST /canvas-init-image`` and canvas ``POST /generations`` over real HTTP."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from leodesk.sim import SimServer
from tests.helpers import spec
from tests.sim._util import decode, download, wait_done, wait_until

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]

RED = (200, 30, 30)


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def init_picture(width: int = 256, height: int = 192) -> Image.Image:
    """A recognisable init: red left half, blue right half."""
    img = Image.new("RGB", (width, height), RED)
    ImageDraw.Draw(img).rectangle((width // 2, 0, width, height), fill=(20, 40, 210))
    return img


def right_half_mask(width: int = 256, height: int = 192) -> Image.Image:
    """White (regenerate) over the right half, black elsewhere."""
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rectangle((width // 2, 0, width, height), fill=255)
    return mask


def presign_canvas(api: httpx.Client, init_ext: str = "png", mask_ext: str = "png") -> Any:
    body = {"initExtension": init_ext, "maskExtension": mask_ext}
    spec.validate_request("uploadCanvasInitImage", body)
    resp = api.post("/canvas-init-image", json=body)
    assert resp.status_code == 200, resp.text
    spec.validate_response("uploadCanvasInitImage", resp.json())
    return resp.json()["uploadCanvasInitImage"]


def s3_upload(url: str, fields_json: str, data: bytes, **headers: str) -> httpx.Response:
    with httpx.Client(timeout=5.0, verify=False) as s3:
        return s3.post(
            url,
            data=json.loads(fields_json),
            files={"file": ("f.png", data, "image/png")},
            headers=headers,
        )


def upload_canvas(
    api: httpx.Client, init: Image.Image, mask: Image.Image | None = None
) -> tuple[str, str]:
    """Presign and upload an init and a mask; returns their ids."""
    up = presign_canvas(api)
    assert s3_upload(up["initUrl"], up["initFields"], png(init)).status_code == 204
    if mask is not None:
        assert s3_upload(up["maskUrl"], up["maskFields"], png(mask)).status_code == 204
    return up["initImageId"], up["maskImageId"]


def canvas_body(init_id: str, mask_id: str | None, kind: str = "INPAINT", **extra: Any) -> Any:
    body: dict[str, Any] = {
        "prompt": "a blue door",
        "num_images": 1,
        "canvasRequest": True,
        "canvasRequestType": kind,
        "canvasInitId": init_id,
        "public": False,
        **extra,
    }
    if mask_id is not None:
        body["canvasMaskId"] = mask_id
    spec.validate_request("createGeneration", body)
    return body


def error_of(resp: httpx.Response, status: int = 400) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error", "path", "code"}
    message: str = body["error"]
    return message


def test_presign_pair_shape_and_keys(api: httpx.Client, server: SimServer) -> None:
    up = presign_canvas(api, "jpg", "webp")
    assert up["initImageId"] != up["maskImageId"]
    init_fields, mask_fields = json.loads(up["initFields"]), json.loads(up["maskFields"])
    assert init_fields["Content-Type"] == "image/jpeg"
    assert mask_fields["Content-Type"] == "image/webp"
    assert init_fields["key"] == up["initKey"]
    assert up["initKey"] == f"users/{server.user_id}/canvasInitImages/{up['initImageId']}.jpg"
    assert up["maskKey"] == f"users/{server.user_id}/canvasMaskImages/{up['maskImageId']}.webp"
    assert up["initUrl"] == up["maskUrl"] == f"{server.origin}/s3/leonardo-sim-uploads"


@pytest.mark.parametrize(
    "body",
    [
        {"initExtension": "gif", "maskExtension": "png"},
        {"initExtension": "png", "maskExtension": "bmp"},
        {"initExtension": "PNG", "maskExtension": "png"},
    ],
)
def test_bad_extension_is_refused_and_nothing_presigned(
    api: httpx.Client, server: SimServer, body: dict[str, str]
) -> None:
    before = len(server.state._init_images)
    assert error_of(api.post("/canvas-init-image", json=body)) == "invalid file extension"
    assert len(server.state._init_images) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"initExtension": "png"}, 'expecting a value for non-nullable variable: "maskExtension"'),
        ({"initExtension": "png", "maskExtension": "png", "x": 1}, "Unexpected variable x"),
        ({"initExtension": 1, "maskExtension": "png"}, "Expected a string"),
    ],
)
def test_presign_body_is_strict(api: httpx.Client, body: dict[str, Any], message: str) -> None:
    assert error_of(api.post("/canvas-init-image", json=body)).startswith(message)


def test_both_uploads_follow_the_s3_rules(api: httpx.Client) -> None:
    up = presign_canvas(api)
    data = png(init_picture())
    with_auth = s3_upload(up["initUrl"], up["initFields"], data, Authorization="Bearer x")
    assert with_auth.status_code == 403 and b"AccessDenied" in with_auth.content
    swapped = s3_upload(up["maskUrl"], up["initFields"].replace("Init", "Mask"), data)
    assert swapped.status_code == 403
    assert s3_upload(up["initUrl"], up["initFields"], data).status_code == 204
    assert s3_upload(up["maskUrl"], up["maskFields"], data).status_code == 204
    for key in ("initImageId", "maskImageId"):
        row = api.get(f"/init-image/{up[key]}").json()["init_images_by_pk"]
        assert download(row["url"]).content == data


def test_inpaint_keeps_the_unmasked_area(api: httpx.Client, server: SimServer) -> None:
    init = init_picture()
    init_id, mask_id = upload_canvas(api, init, right_half_mask())
    credits = server.state.credits
    resp = api.post("/generations", json=canvas_body(init_id, mask_id, width=1024, height=768))
    assert resp.status_code == 200, resp.text
    spec.validate_response("createGeneration", resp.json())
    job = resp.json()["sdGenerationJob"]
    row = wait_done(api, job["generationId"])
    spec.validate_response("getGenerationById", {"generations_by_pk": row})
    assert row["status"] == "COMPLETE"
    assert (row["imageWidth"], row["imageHeight"]) == (256, 192)
    result = decode(download(row["generated_images"][0]["url"]).content).convert("RGB")
    assert result.size == (256, 192)
    left = (0, 0, 120, 192)
    diff = ImageChops.difference(result.crop(left), init.crop(left))
    assert max(ImageStat.Stat(diff).mean) < 4  # kept (JPEG noise only)
    right = (136, 0, 256, 192)
    changed = ImageChops.difference(result.crop(right), init.crop(right))
    assert max(ImageStat.Stat(changed).mean) > 30  # regenerated
    pricing = {
        "service": "IMAGE_GENERATION",
        "serviceParams": {
            "IMAGE_GENERATION": {
                "imageWidth": 256,
                "imageHeight": 192,
                "numImages": 1,
                "inferenceSteps": 15,
                "alchemyMode": True,
                "highResolution": False,
                "isSDXLLightning": True,
            }
        },
    }
    price = api.post("/pricing-calculator", json=pricing).json()
    assert job["apiCreditCost"] == price["calculateProductionApiServiceCost"]["cost"]
    assert server.state.credits == credits - job["apiCreditCost"]


def test_sketch_blends_the_whole_init_without_a_mask(api: httpx.Client) -> None:
    init = init_picture(128, 128)
    init_id, _ = upload_canvas(api, init)
    resp = api.post("/generations", json=canvas_body(init_id, None, "SKETCH2IMG"))
    assert resp.status_code == 200, resp.text
    row = wait_done(api, resp.json()["sdGenerationJob"]["generationId"])
    result = decode(download(row["generated_images"][0]["url"]).content).convert("RGB")
    assert result.size == (128, 128)
    red = result.crop((0, 0, 60, 128)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    blue = result.crop((68, 0, 128, 128)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] - blue[0] > 40 and blue[2] - red[2] > 40  # the init shows through


def test_mask_of_another_size_is_refused(api: httpx.Client, server: SimServer) -> None:
    init_id, mask_id = upload_canvas(api, init_picture(), right_half_mask(128, 128))
    credits = server.state.credits
    resp = api.post("/generations", json=canvas_body(init_id, mask_id))
    message = error_of(resp)
    assert message == "canvas mask size 128x128 does not match the init image size 256x192"
    assert resp.json()["path"] == "$.canvasMaskId"
    assert server.state.credits == credits
    assert not server.state.generation_ids()


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((250, 192), "width and height must be multiples of 8"),
        ((24, 192), "each side must be between 32 and 1536 pixels"),
        ((1544, 192), "each side must be between 32 and 1536 pixels"),
    ],
)
def test_init_size_rules(api: httpx.Client, size: tuple[int, int], message: str) -> None:
    init_id, mask_id = upload_canvas(api, init_picture(*size), right_half_mask(*size))
    got = error_of(api.post("/generations", json=canvas_body(init_id, mask_id)))
    assert got == f"canvas init image size {size[0]}x{size[1]} is invalid: {message}"


def test_ids_must_be_uploads_of_this_account(
    api: httpx.Client, make_server: Make, make_client: Client
) -> None:
    init_id, mask_id = upload_canvas(api, init_picture(), right_half_mask())
    other = make_client(make_server(seed=9))
    resp = other.post("/generations", json=canvas_body(init_id, mask_id))
    assert error_of(resp) == "invalid init image id"
    assert resp.json()["path"] == "$.canvasInitId"
    not_uploaded = presign_canvas(api)
    resp = api.post("/generations", json=canvas_body(init_id, not_uploaded["maskImageId"]))
    assert error_of(resp) == "invalid mask image id"
    assert resp.json()["path"] == "$.canvasMaskId"


@pytest.mark.parametrize("kind", ["INPAINT", "OUTPAINT"])
def test_masked_types_need_a_mask(api: httpx.Client, kind: str) -> None:
    init_id, _ = upload_canvas(api, init_picture())
    resp = api.post("/generations", json=canvas_body(init_id, None, kind))
    assert error_of(resp) == f"canvasRequestType {kind} requires canvasMaskId"


def test_canvas_request_needs_type_and_init(api: httpx.Client) -> None:
    init_id, _ = upload_canvas(api, init_picture())
    body = canvas_body(init_id, None, "IMG2IMG")
    del body["canvasRequestType"]
    assert error_of(api.post("/generations", json=body)) == (
        "canvasRequest requires canvasRequestType"
    )
    body = canvas_body(init_id, None, "IMG2IMG")
    del body["canvasInitId"]
    assert error_of(api.post("/generations", json=body)) == "canvasRequest requires canvasInitId"


def test_unreadable_init_is_refused(api: httpx.Client) -> None:
    up = presign_canvas(api)
    assert s3_upload(up["initUrl"], up["initFields"], b"not a picture").status_code == 204
    resp = api.post("/generations", json=canvas_body(up["initImageId"], None, "IMG2IMG"))
    assert error_of(resp) == f"the image of canvasInitId {up['initImageId']} cannot be read"


def test_kept_account_keeps_canvas_uploads_and_results(
    make_server: Make, make_client: Client, tmp_path: Any
) -> None:
    folder = str(tmp_path / "account")
    sim = make_server(state_dir=folder)
    with make_client(sim) as api:
        init_id, mask_id = upload_canvas(api, init_picture(), right_half_mask())
        resp = api.post("/generations", json=canvas_body(init_id, mask_id))
        row = wait_done(api, resp.json()["sdGenerationJob"]["generationId"])
        url = row["generated_images"][0]["url"]
        result = download(url).content
    sim.stop()
    again = make_server(state_dir=folder)
    assert again.state.restored
    again.state._cdn_cache.clear()
    with make_client(again) as api:
        assert download(url).content == result  # rendered again from the kept uploads
        for image_id in (init_id, mask_id):
            assert api.get(f"/init-image/{image_id}").json()["init_images_by_pk"]["url"]
        resp = api.post("/generations", json=canvas_body(init_id, mask_id, "OUTPAINT"))
        assert resp.status_code == 200, resp.text
        assert wait_done(api, resp.json()["sdGenerationJob"]["generationId"])["imageWidth"] == 256


def test_presigned_canvas_uploads_expire(make_server: Make, make_client: Client) -> None:
    api = make_client(make_server(presign_ttl_s=0.05))
    up = presign_canvas(api)
    started = time.monotonic()
    wait_until(lambda: time.monotonic() - started > 0.1, timeout=2)
    late = s3_upload(up["maskUrl"], up["maskFields"], png(right_half_mask()))
    assert late.status_code == 403 and b"Policy expired" in late.content


def test_transparent_mask_pixels_count_as_black(api: httpx.Client) -> None:
    init = init_picture()
    mask = Image.new("RGBA", init.size, (255, 255, 255, 0))  # white but transparent
    ImageDraw.Draw(mask).rectangle((128, 0, 256, 192), fill=(255, 255, 255, 255))
    init_id, mask_id = upload_canvas(api, init, mask)
    resp = api.post("/generations", json=canvas_body(init_id, mask_id, "OUTPAINT"))
    row = wait_done(api, resp.json()["sdGenerationJob"]["generationId"])
    result = decode(download(row["generated_images"][0]["url"]).content).convert("RGB")
    left = (0, 0, 120, 192)
    assert max(ImageStat.Stat(ImageChops.difference(result.crop(left), init.crop(left))).mean) < 4
    right = (136, 0, 256, 192)
    changed = ImageChops.difference(result.crop(right), init.crop(right))
    assert max(ImageStat.Stat(changed).mean) > 30
