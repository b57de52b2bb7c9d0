"""The canvas uploads and the realtime (LCM) operations of LeonardoClient against the simulator
over real HTTP: two S3 posts without the key, every body valid against the spec, decoded
answers, ranges checked before sending, and a lost answer never sent again."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from leodesk.core.api import (
    CanvasUploadIds,
    GenerationRequest,
    LcmOutcomeUnknownError,
    LcmRequest,
    LeonardoClient,
    ModerationError,
    OutcomeUnknownError,
    ProtocolError,
    Timeouts,
    UploadError,
    pricing_for_lcm,
)
from leodesk.core.api.parse import parse_lcm_result
from leodesk.core.canvas import canvas_request, lcm_data_url, outpaint, prepare_canvas
from leodesk.sim import SimServer
from tests.core.api.test_client_sim import (
    FAST_RETRY,
    KEY,
    check_bodies,
    config,
    s3_posts,
    settled,
)
from tests.helpers.spec import validate_request, validate_response

LCM_PATHS = ("/generations-lcm", "/lcm-instant-refine", "/lcm-inpainting", "/lcm-upscale")


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Any]]:
    servers: list[Any] = []

    def factory(**overrides: Any) -> Any:
        server = SimServer(config(**overrides)).start()
        servers.append(server)
        return server

    yield factory
    try:
        for server in servers:
            check_bodies(server)  # raises on any body the spec refuses
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., Any]) -> Any:
    return make_sim()


@pytest.fixture
def make_client() -> Iterator[Callable[..., LeonardoClient]]:
    clients: list[LeonardoClient] = []

    def factory(server: Any) -> LeonardoClient:
        client = LeonardoClient(
            KEY,
            base_url=server.base_url,
            retry=FAST_RETRY,
            timeouts=Timeouts(connect=2.0, read=5.0, upload=5.0),
            sleep=lambda _s: None,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(sim: Any, make_client: Callable[..., LeonardoClient]) -> LeonardoClient:
    return make_client(sim)


def picture(width: int = 96, height: int = 64) -> Image.Image:
    im = Image.new("RGB", (width, height), (40, 90, 160))
    im.paste((230, 200, 40), (width // 4, height // 4, width // 2, height // 2))
    return im


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.size


def lcm_request(**kw: Any) -> LcmRequest:
    url, width, height = lcm_data_url(picture(), 512)
    values: dict[str, Any] = {
        "image_data_url": url,
        "prompt": "a yellow square on blue",
        "guidance": 7.0,
        "strength": 0.6,
        "steps": 8,
        "style": "DYNAMIC",
        "width": width,
        "height": height,
        "seed": 1234,
        "request_timestamp": "1700000000001",
    }
    values.update(kw)
    return LcmRequest(**values)


# ----------------------------------------------------------------------------- canvas uploads


def test_canvas_upload_posts_both_files_to_s3_without_the_key(
    sim: Any, client: LeonardoClient
) -> None:
    init, mask = outpaint(picture(), 32, 32, 0, 0)
    prepared = prepare_canvas(init, mask, "OUTPAINT")
    ids = client.upload_canvas_images(prepared.init_png, "png", prepared.mask_png, "PNG")
    assert isinstance(ids, CanvasUploadIds)
    assert ids.init_image_id and ids.mask_image_id and ids.init_image_id != ids.mask_image_id
    assert sim.count("POST", "/canvas-init-image") == 1
    uploads = s3_posts(sim)
    assert len(uploads) == 2
    for upload in uploads:
        assert "authorization" not in upload.headers
        assert upload.form_fields[-1] == "file" and "key" in upload.form_fields[:-1]
        assert upload.status == 204
    presign = next(r for r in settled(sim) if r.path == "/canvas-init-image")
    assert presign.json == {"initExtension": "png", "maskExtension": "png"}
    assert presign.headers["authorization"] == f"Bearer {KEY}"


def test_canvas_generation_runs_with_the_uploaded_ids(sim: Any, client: LeonardoClient) -> None:
    im = picture(128, 96)
    mask = Image.new("L", im.size, 0)
    mask.paste(255, (16, 16, 64, 64))
    prepared = prepare_canvas(im, mask, "INPAINT")
    ids = client.upload_canvas_images(prepared.init_png, "png", prepared.mask_png, "png")
    form = GenerationRequest(prompt="a red ball", num_images=1, init_strength=0.3)
    request = canvas_request(
        form, "INPAINT", ids, "parent-image", size=(prepared.width, prepared.height)
    )
    job = client.create_generation(request)
    gen = client.wait_for_generation(job.generation_id, interval=0.05, timeout=20.0)
    assert gen.is_complete and gen.images
    submit = next(r for r in settled(sim) if r.path == "/generations" and r.method == "POST")
    validate_request("createGeneration", submit.json)
    assert submit.json["canvasRequest"] is True
    assert submit.json["canvasRequestType"] == "INPAINT"
    assert submit.json["canvasInitId"] == ids.init_image_id
    assert submit.json["canvasMaskId"] == ids.mask_image_id
    assert (submit.json["width"], submit.json["height"]) == (128, 96)
    assert "made_from" not in json.dumps(submit.json) and "init_strength" not in submit.json


def test_an_expired_canvas_presign_is_asked_again_then_fails_clearly(
    make_sim: Callable[..., Any], make_client: Callable[..., LeonardoClient]
) -> None:
    sim = make_sim(presign_ttl_s=0.0)
    client = make_client(sim)
    prepared = prepare_canvas(picture(), None, "SKETCH2IMG")
    with pytest.raises(UploadError, match="expired"):
        client.upload_canvas_images(prepared.init_png, "png", prepared.mask_png, "png")
    assert sim.count("POST", "/canvas-init-image") == 2


def test_bad_canvas_extensions_are_refused_before_sending(sim: Any, client: LeonardoClient) -> None:
    with pytest.raises(ValueError, match="mask_extension"):
        client.upload_canvas_images(b"x", "png", b"y", "gif")
    with pytest.raises(ValueError, match="mask must be non-empty"):
        client.upload_canvas_images(b"x", "png", b"", "png")
    assert sim.count("POST", "/canvas-init-image") == 0


# ----------------------------------------------------------------------------- realtime


def test_lcm_generate_answers_decoded_images(sim: Any, client: LeonardoClient) -> None:
    result = client.lcm_generate(lcm_request())
    assert result.images and result.image_ext == "jpg"
    assert size_of(result.images[0]) == (512, 512)
    assert result.request_timestamp == "1700000000001"
    assert result.cost_amount is not None or result.api_credit_cost is not None
    body = next(r for r in settled(sim) if r.path == "/generations-lcm").json
    validate_request("createLCMGeneration", body)
    assert "maskDataUrl" not in body and "refineStrength" not in body


def test_each_lcm_operation_sends_only_its_keys(sim: Any, client: LeonardoClient) -> None:
    mask_url, _, _ = lcm_data_url(Image.new("L", (96, 64), 255), 512)
    full = lcm_request(mask_data_url=mask_url, refine_creative=True, refine_strength=0.6)
    client.lcm_generate(full)
    client.lcm_instant_refine(full)
    inpainted = client.lcm_inpaint(full)
    upscaled = client.lcm_upscale(full)
    assert size_of(inpainted.images[0]) == (512, 512)
    assert size_of(upscaled.images[0]) == (1024, 1024)
    assert upscaled.generated_image_id or upscaled.variation_ids or upscaled.generation_ids
    sent = {r.path: r.json for r in settled(sim) if r.path in LCM_PATHS}
    assert set(sent) == set(LCM_PATHS)
    assert "maskDataUrl" not in sent["/lcm-instant-refine"]
    assert "maskDataUrl" in sent["/lcm-inpainting"]
    assert "refineCreative" not in sent["/lcm-inpainting"]
    assert sent["/lcm-upscale"]["refineStrength"] == 0.6
    assert "maskDataUrl" not in sent["/lcm-upscale"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"guidance": 0.2}, "guidance"),
        ({"strength": 1.5}, "strength"),
        ({"steps": 20}, "steps"),
        ({"width": 700}, "width"),
        ({"refine_strength": 0.3}, "refine_strength"),
        ({"prompt": "  "}, "prompt"),
        ({"image_data_url": "http://example.com/a.jpg"}, "data: URL"),
    ],
)
def test_lcm_ranges_are_checked_before_sending(
    sim: Any, client: LeonardoClient, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        client.lcm_upscale(lcm_request(**change))
    for path in LCM_PATHS:
        assert sim.count("POST", path) == 0


def test_lcm_inpaint_needs_a_mask(sim: Any, client: LeonardoClient) -> None:
    with pytest.raises(ValueError, match="mask"):
        client.lcm_inpaint(lcm_request())
    assert sim.count("POST", "/lcm-inpainting") == 0


@pytest.mark.parametrize("kind", ["reset", "500", "502", "truncated", "malformed_json"])
def test_a_lost_lcm_answer_is_unknown_and_never_sent_again(
    sim: Any, client: LeonardoClient, kind: str
) -> None:
    sim.add_fault("POST", "/generations-lcm", kind, times=1)
    with pytest.raises(LcmOutcomeUnknownError) as caught:
        client.lcm_generate(lcm_request())
    assert isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.operation == "createLCMGeneration"
    assert "not sent again" in caught.value.user_message
    assert sim.count("POST", "/generations-lcm") == 1
    assert client.lcm_generate(lcm_request()).images  # the next request is a new one


def test_the_live_cost_is_priced_before_sending(sim: Any, client: LeonardoClient) -> None:
    plain = client.price(pricing_for_lcm("createLCMGeneration", 1024, 1024))
    refined = client.price(pricing_for_lcm("performInstantRefine", 1024, 1024))
    upscaled = client.price(pricing_for_lcm("performAlchemyUpscaleLCM", 1024, 1024))
    assert 0 < plain < refined < upscaled
    before = client.get_me().api_credits
    result = client.lcm_generate(lcm_request(width=1024, height=1024))
    assert result.api_credit_cost == plain
    assert client.get_me().api_credits == (before or 0) - plain
    pricing = [r.json for r in settled(sim) if r.path == "/pricing-calculator"]
    assert pricing[1]["serviceParams"]["LCM_GENERATION"] == {
        "width": 1024,
        "height": 1024,
        "instantRefine": True,
    }
    with pytest.raises(ValueError):
        pricing_for_lcm("createGeneration", 512, 512)


def test_a_rate_limited_lcm_request_is_retried(sim: Any, client: LeonardoClient) -> None:
    sim.add_fault("POST", "/lcm-instant-refine", "429", times=1, retry_after=0)
    assert client.lcm_instant_refine(lcm_request()).images
    assert sim.count("POST", "/lcm-instant-refine") == 2


def test_a_refused_lcm_prompt_is_a_moderation_error(sim: Any, client: LeonardoClient) -> None:
    with pytest.raises(ModerationError):
        client.lcm_generate(lcm_request(prompt="a nsfwword picture"))


def test_an_answer_without_images_says_so(sim: Any, client: LeonardoClient) -> None:
    sim.add_fault("POST", "/generations-lcm", "nulls", times=1, fields="imageDataUrl")
    with pytest.raises(ProtocolError, match="without an image"):
        client.lcm_generate(lcm_request())


# ----------------------------------------------------------------------------- parsing


def test_bad_data_urls_in_an_answer_are_errors_that_say_so() -> None:
    for bad in (
        "http://example.com/x.jpg",
        "data:image/jpeg;base64,@@@@",
        "data:text/plain;base64,aGVsbG8=",
        "data:image/jpeg;base64,aGVsbG8=",  # base64 of "hello": not a JPEG
        "data:image/jpeg,rawbytes",
    ):
        with pytest.raises(ProtocolError) as caught:
            parse_lcm_result({"imageDataUrl": [bad]}, operation="createLCMGeneration")
        assert "cannot read" in caught.value.user_message
    with pytest.raises(ProtocolError, match="without an image"):
        parse_lcm_result({"imageDataUrl": []}, operation="createLCMGeneration")
    with pytest.raises(ProtocolError, match="without an image"):
        parse_lcm_result(None, operation="createLCMGeneration")


def test_lcm_answers_are_read_leniently() -> None:
    url, _, _ = lcm_data_url(picture(), 512)
    sample = {
        "lcmGenerationJob": {
            "imageDataUrl": [url],
            "requestTimestamp": "1234567893",
            "apiCreditCost": None,
            "cost": {"amount": "0.0147", "unit": "DOLLARS"},
            "variationId": ["var-1", "../bad"],
            "generationId": ["gen-1"],
            "generatedImageId": "img-1",
            "somethingNew": 5,
        }
    }
    validate_response("performAlchemyUpscaleLCM", sample, allow_unknown_enums=True)
    result = parse_lcm_result(sample["lcmGenerationJob"], operation="performAlchemyUpscaleLCM")
    assert size_of(result.images[0]) == (512, 512)
    assert result.cost_amount == "0.0147" and result.api_credit_cost is None
    assert result.variation_ids == ("var-1",)  # an unusable id is dropped, not fatal
    assert result.generation_ids == ("gen-1",)
    assert result.generated_image_id == "img-1"
    assert result.extra == {"somethingNew": 5}
    assert "base64" not in repr(result) and "base64" not in repr(lcm_request())
    lone = parse_lcm_result({"imageDataUrl": url, "generationId": "gen-2"}, operation="x")
    assert lone.generation_ids == ("gen-2",) and len(lone.images) == 1
