"""The realtime canvas (LCM) operations over real HTTP: shapes against the spec, every range,
the pictures (derived from the input, deterministic), credits, rate limit, latency, faults."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from leodesk.sim import SimServer
from tests.helpers import spec
from tests.sim._util import download

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]

OPS = {
    "createLCMGeneration": "/generations-lcm",
    "performInstantRefine": "/lcm-instant-refine",
    "performInpaintingLCM": "/lcm-inpainting",
    "performAlchemyUpscaleLCM": "/lcm-upscale",
}
PREFIX = "data:image/jpeg;base64,"


def halves(width: int = 320, height: int = 240) -> Image.Image:
    """Red left half, blue right half."""
    img = Image.new("RGB", (width, height), (210, 30, 30))
    ImageDraw.Draw(img).rectangle((width // 2, 0, width, height), fill=(20, 40, 210))
    return img


def encoded(img: Image.Image, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def jpeg_url(img: Image.Image) -> str:
    return PREFIX + base64.b64encode(encoded(img)).decode()


def picture_of(url: str) -> Image.Image:
    assert url.startswith(PREFIX)
    img = Image.open(io.BytesIO(base64.b64decode(url[len(PREFIX) :])))
    assert img.format == "JPEG"
    return img.convert("RGB")


def body_for(op_id: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"imageDataUrl": jpeg_url(halves()), "prompt": "a red fox", "seed": 7}
    if op_id == "performInpaintingLCM":
        mask = Image.new("L", (320, 240), 0)
        ImageDraw.Draw(mask).rectangle((160, 0, 320, 240), fill=255)
        body["maskDataUrl"] = jpeg_url(mask.convert("RGB"))
    body.update(extra)
    return body


def post(api: httpx.Client, op_id: str, body: Any) -> httpx.Response:
    return api.post(OPS[op_id], json=body)


def job_of(api: httpx.Client, op_id: str, **extra: Any) -> dict[str, Any]:
    body = body_for(op_id, **extra)
    spec.validate_request(op_id, body)
    resp = post(api, op_id, body)
    assert resp.status_code == 200, resp.text
    spec.validate_response(op_id, resp.json())
    job: dict[str, Any] = resp.json()["lcmGenerationJob"]
    return job


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    return max(ImageStat.Stat(ImageChops.difference(a, b)).mean)


def colour(img: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, ...]:
    px = img.crop(box).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert isinstance(px, tuple)
    return px


# --------------------------------------------------------------------------- shapes and pictures


@pytest.mark.parametrize("op_id", sorted(OPS))
def test_answer_validates_and_keeps_the_input_visible(api: httpx.Client, op_id: str) -> None:
    job = job_of(api, op_id, requestTimestamp="1234567890", width=640, height=512)
    assert job["requestTimestamp"] == "1234567890"
    (url,) = job["imageDataUrl"]
    img = picture_of(url)
    factor = 2 if op_id == "performAlchemyUpscaleLCM" else 1
    assert img.size == (640 * factor, 512 * factor)
    red = colour(img, (0, 0, img.width // 2 - 8 * factor, img.height))
    blue = colour(img, (img.width // 2 + 8 * factor, 0, img.width, img.height))
    assert red[0] - blue[0] > 30 and blue[2] - red[2] > 30, (red, blue)
    assert job["cost"] == {"amount": str(job["apiCreditCost"]), "unit": "CREDITS"}


def test_default_size_and_a_timestamp_when_none_is_sent(api: httpx.Client) -> None:
    before = int(time.time() * 1000)
    job = job_of(api, "createLCMGeneration")
    assert picture_of(job["imageDataUrl"][0]).size == (512, 512)
    assert before <= int(job["requestTimestamp"]) <= int(time.time() * 1000)


def test_same_inputs_same_bytes_and_each_input_matters(api: httpx.Client) -> None:
    op = "createLCMGeneration"
    first = job_of(api, op, strength=0.5)["imageDataUrl"][0]
    assert job_of(api, op, strength=0.5)["imageDataUrl"][0] == first
    img = picture_of(first)
    for change in ({"seed": 8}, {"prompt": "a blue whale"}):
        other = picture_of(job_of(api, op, strength=0.5, **change)["imageDataUrl"][0])
        assert mean_diff(img, other) > 8, change
    other_input = jpeg_url(halves().transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    flipped = picture_of(job_of(api, op, strength=0.5, imageDataUrl=other_input)["imageDataUrl"][0])
    assert mean_diff(img, flipped) > 20


def test_more_strength_moves_further_from_the_input(api: httpx.Client) -> None:
    source = halves().resize((512, 512))
    low = picture_of(job_of(api, "createLCMGeneration", strength=0.1)["imageDataUrl"][0])
    high = picture_of(job_of(api, "createLCMGeneration", strength=1.0)["imageDataUrl"][0])
    assert mean_diff(low, source) + 20 < mean_diff(high, source)
    assert mean_diff(high, source) < 200  # still the input underneath


def test_random_seed_when_none_is_sent(api: httpx.Client) -> None:
    body = body_for("createLCMGeneration")
    del body["seed"]
    urls = {post(api, "createLCMGeneration", body).json()["lcmGenerationJob"]["imageDataUrl"][0]}
    urls.add(post(api, "createLCMGeneration", body).json()["lcmGenerationJob"]["imageDataUrl"][0])
    assert len(urls) == 2


def test_inpainting_changes_only_the_white_area(api: httpx.Client) -> None:
    plain = picture_of(job_of(api, "createLCMGeneration", strength=1.0)["imageDataUrl"][0])
    img = picture_of(job_of(api, "performInpaintingLCM", strength=1.0)["imageDataUrl"][0])
    source = halves().resize((512, 512))
    left, right = (0, 0, 240, 512), (272, 0, 512, 512)
    assert mean_diff(img.crop(left), source.crop(left)) < 5
    assert mean_diff(img.crop(right), plain.crop(right)) < 8
    assert mean_diff(img.crop(right), source.crop(right)) > 30


def test_refine_is_the_same_picture_sharpened(api: httpx.Client) -> None:
    plain = picture_of(job_of(api, "createLCMGeneration")["imageDataUrl"][0])
    refined = picture_of(job_of(api, "performInstantRefine")["imageDataUrl"][0])
    assert refined.size == plain.size
    assert 0 < mean_diff(plain, refined) < 20


def test_upscale_is_kept_in_the_library(api: httpx.Client) -> None:
    job = job_of(api, "performAlchemyUpscaleLCM", refineStrength=0.7, refineCreative=True)
    (gen_id,), (var_id,) = job["generationId"], job["variationId"]
    row = api.get(f"/generations/{gen_id}").json()
    spec.validate_response("getGenerationById", row)
    gen = row["generations_by_pk"]
    assert gen["status"] == "COMPLETE" and gen["prompt"] == "a red fox" and gen["seed"] == 7
    (image,) = gen["generated_images"]
    assert image["id"] == job["generatedImageId"]
    assert Image.open(io.BytesIO(download(image["url"]).content)).size == (512, 512)
    (generic,) = image["generated_image_variation_generics"]
    assert generic["id"] == var_id and generic["transformType"] == "UPSCALE"
    var = api.get(f"/variations/{var_id}").json()["generated_image_variation_generic"][0]
    assert var["status"] == "COMPLETE"
    answered = base64.b64decode(job["imageDataUrl"][0][len(PREFIX) :])
    assert download(var["url"]).content == answered


# --------------------------------------------------------------------------- refusals


RANGE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("createLCMGeneration", {"guidance": 0.4}, "guidance must be between 0.5 and 20"),
    ("createLCMGeneration", {"guidance": 20.5}, "guidance must be between 0.5 and 20"),
    ("performInstantRefine", {"strength": 0.05}, "strength must be between 0.1 and 1"),
    ("performInstantRefine", {"strength": 1.01}, "strength must be between 0.1 and 1"),
    ("performInpaintingLCM", {"steps": 3}, "steps must be between 4 and 16"),
    ("performInpaintingLCM", {"steps": 17}, "steps must be between 4 and 16"),
    ("createLCMGeneration", {"width": 768}, "width must be 512, 640 or 1024"),
    ("performAlchemyUpscaleLCM", {"height": 500}, "height must be 512, 640 or 1024"),
    ("performAlchemyUpscaleLCM", {"refineStrength": 0.4}, "refineStrength must be between"),
    ("performAlchemyUpscaleLCM", {"refineStrength": 0.95}, "refineStrength must be between"),
    ("createLCMGeneration", {"seed": -1}, "seed must be between 0 and 9999999998"),
    ("createLCMGeneration", {"seed": 9_999_999_999}, "seed must be between 0 and 9999999998"),
    ("createLCMGeneration", {"prompt": "  "}, "Invalid prompt, prompt must not be empty."),
    ("createLCMGeneration", {"prompt": "x" * 1501}, "Invalid prompt, maximum length of 1500"),
]


@pytest.mark.parametrize(("op_id", "change", "message"), RANGE_CASES)
def test_out_of_range_is_refused_and_not_billed(
    api: httpx.Client, server: SimServer, op_id: str, change: dict[str, Any], message: str
) -> None:
    spec.validate_request(op_id, body_for(op_id, **change))  # the spec's types allow it
    credits = server.state.credits
    resp = post(api, op_id, body_for(op_id, **change))
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"].startswith(message) and resp.json()["code"] == "unexpected"
    assert server.state.credits == credits


@pytest.mark.parametrize(
    "change",
    [
        {"guidance": 0.5},
        {"guidance": 20},
        {"strength": 0.1},
        {"strength": 1},
        {"steps": 4},
        {"steps": 16},
        {"seed": 0},
        {"seed": 9_999_999_998},
        {"width": 1024, "height": 640},
    ],
)
def test_range_ends_are_accepted(api: httpx.Client, change: dict[str, Any]) -> None:
    job_of(api, "createLCMGeneration", **change)


@pytest.mark.parametrize("change", [{"refineStrength": 0.5}, {"refineStrength": 0.9}])
def test_refine_strength_ends_are_accepted(api: httpx.Client, change: dict[str, Any]) -> None:
    job_of(api, "performAlchemyUpscaleLCM", **change)


def _png_url() -> str:
    return "data:image/png;base64," + base64.b64encode(encoded(halves(), "PNG")).decode()


def _png_as_jpeg_url() -> str:
    return PREFIX + base64.b64encode(encoded(halves(), "PNG")).decode()


PICTURE_CASES: list[tuple[str, Callable[[], str], str]] = [
    ("imageDataUrl", _png_url, 'imageDataUrl must be a JPEG data URL starting with "data:'),
    ("imageDataUrl", lambda: PREFIX + "not*base64!", "imageDataUrl is not valid base64"),
    ("imageDataUrl", _png_as_jpeg_url, "imageDataUrl is not a readable JPEG image"),
    ("imageDataUrl", lambda: PREFIX + "/9j/4AAQSkZJRg==", "imageDataUrl is not a readable JPEG"),
    ("imageDataUrl", lambda: jpeg_url(Image.new("RGB", (4104, 8))), "imageDataUrl is too large"),
    ("maskDataUrl", lambda: "https://example.com/mask.jpg", "maskDataUrl must be a JPEG data"),
    (
        "maskDataUrl",
        lambda: jpeg_url(Image.new("RGB", (64, 64))),
        "maskDataUrl size 64x64 does not match the image size 320x240",
    ),
]


@pytest.mark.parametrize(("key", "make_value", "message"), PICTURE_CASES)
def test_bad_pictures_are_refused(
    api: httpx.Client, key: str, make_value: Callable[[], str], message: str
) -> None:
    resp = post(
        api, "performInpaintingLCM", body_for("performInpaintingLCM", **{key: make_value()})
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"].startswith(message), resp.json()


GEN, REFINE, INPAINT, UPSCALE = (
    "createLCMGeneration",
    "performInstantRefine",
    "performInpaintingLCM",
    "performAlchemyUpscaleLCM",
)
MISSING = "expecting a value for non-nullable variable: "
UNEXPECTED = "Unexpected variable "
BAD, INVALID = "bad-request", "validation-failed"
SCHEMA_CASES: list[tuple[str, dict[str, Any], list[str], str, str]] = [
    (GEN, {"foo": 1}, [], UNEXPECTED + "foo", BAD),
    (REFINE, {"maskDataUrl": "x"}, [], UNEXPECTED + "maskDataUrl", BAD),
    (GEN, {"refineCreative": True}, [], UNEXPECTED + "refineCreative", BAD),
    (GEN, {}, ["prompt"], MISSING + '"prompt"', INVALID),
    (UPSCALE, {}, ["imageDataUrl"], MISSING + '"imageDataUrl"', INVALID),
    (INPAINT, {}, ["maskDataUrl"], MISSING + '"maskDataUrl"', INVALID),
    (GEN, {"style": "WATERCOLOR"}, [], "Expected one of the values of enum type lcm_gen", INVALID),
    (GEN, {"steps": 8.5}, [], "Expected an integer for type Int", INVALID),
    (GEN, {"strength": "0.5"}, [], "Expected a float for type Float", INVALID),
]


@pytest.mark.parametrize(("op_id", "change", "drop", "message", "code"), SCHEMA_CASES)
def test_schema_errors_agree_with_the_spec(
    api: httpx.Client, op_id: str, change: dict[str, Any], drop: list[str], message: str, code: str
) -> None:
    body = body_for(op_id, **change)
    for key in drop:
        del body[key]
    with pytest.raises(spec.SpecValidationError):
        spec.validate_request(op_id, body)
    resp = post(api, op_id, body)
    assert resp.status_code == 400
    assert resp.json()["error"].startswith(message) and resp.json()["code"] == code


@pytest.mark.parametrize("style", ["DIGITAL_ART", "FANTASY_ART", "NONE"])
def test_every_spec_style_is_accepted_and_changes_the_picture(
    api: httpx.Client, style: str
) -> None:
    plain = job_of(api, "createLCMGeneration")["imageDataUrl"][0]
    assert job_of(api, "createLCMGeneration", style=style)["imageDataUrl"][0] != plain


def test_moderation_refuses_without_billing(make_server: Make, make_client: Client) -> None:
    sim = make_server(moderation_status=400)
    api = make_client(sim)
    credits = sim.state.credits
    resp = post(api, "createLCMGeneration", body_for("createLCMGeneration", prompt="a nsfwword"))
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "content moderation filter: nsfwword",
        "path": "$",
        "code": "unexpected",
    }
    assert sim.state.credits == credits


# --------------------------------------------------------------------------- credits and limits


@pytest.mark.parametrize(
    ("op_id", "size", "flags"),
    [
        ("createLCMGeneration", 1024, {}),
        ("performInpaintingLCM", 640, {}),
        ("performInstantRefine", 512, {"instantRefine": True}),
        ("performAlchemyUpscaleLCM", 1024, {"refine": True}),
    ],
)
def test_cost_is_the_pricing_calculators(
    api: httpx.Client, server: SimServer, op_id: str, size: int, flags: dict[str, bool]
) -> None:
    params = {"width": size, "height": size, **flags}
    body = {"service": "LCM_GENERATION", "serviceParams": {"LCM_GENERATION": params}}
    spec.validate_request("pricingCalculator", body)
    price = api.post("/pricing-calculator", json=body).json()
    expected = price["calculateProductionApiServiceCost"]["cost"]
    credits = server.state.credits
    job = job_of(api, op_id, width=size, height=size)
    assert job["apiCreditCost"] == expected
    assert server.state.credits == credits - expected


def test_prices_differ_by_size_and_kind(api: httpx.Client) -> None:
    small = job_of(api, "createLCMGeneration")["apiCreditCost"]
    big = job_of(api, "createLCMGeneration", width=1024, height=1024)["apiCreditCost"]
    refine = job_of(api, "performInstantRefine")["apiCreditCost"]
    upscale = job_of(api, "performAlchemyUpscaleLCM")["apiCreditCost"]
    assert small < big and small < refine < upscale


def test_not_enough_credits(api: httpx.Client, server: SimServer) -> None:
    server.state.set_credits(1, 0)
    resp = post(api, "createLCMGeneration", body_for("createLCMGeneration"))
    assert resp.status_code == 400
    assert resp.json()["error"] == "You do not have enough API credits to perform this action."
    assert server.state.credits == 1


def test_rate_limit_has_its_own_window(make_server: Make, make_client: Client) -> None:
    sim = make_server(rate_limit_per_minute=3)
    api = make_client(sim)
    ops = ["createLCMGeneration", "performInstantRefine", "performAlchemyUpscaleLCM"]
    for op_id in ops:
        assert post(api, op_id, body_for(op_id)).status_code == 200
    resp = post(api, "performInpaintingLCM", body_for("performInpaintingLCM"))
    assert resp.status_code == 429
    assert resp.json() == {"error": "Too Many Requests", "path": "$", "code": "rate-limited"}
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    gen = api.post("/generations", json={"prompt": "still fine", "num_images": 1})
    assert gen.status_code == 200, gen.text  # the job POSTs count in another window


def test_lcm_latency_applies_to_answers_only(make_server: Make, make_client: Client) -> None:
    sim = make_server(lcm_latency=0.4)
    api = make_client(sim)
    body = body_for("createLCMGeneration")
    start = time.monotonic()
    assert post(api, "createLCMGeneration", body).status_code == 200
    assert time.monotonic() - start >= 0.4
    start = time.monotonic()
    assert post(api, "createLCMGeneration", {**body, "steps": 2}).status_code == 400
    assert api.get("/me").status_code == 200
    assert time.monotonic() - start < 0.4


def test_faults_apply_to_lcm(server: SimServer, api: httpx.Client) -> None:
    server.add_fault("POST", "/lcm-*", "503", times=1)
    server.add_fault("POST", "/generations-lcm", "500", times=1)
    credits = server.state.credits
    body = body_for("createLCMGeneration")
    assert post(api, "createLCMGeneration", body).status_code in (500, 503)
    assert post(api, "performInstantRefine", body).status_code == 503
    assert server.state.credits == credits  # refused before the operation: not billed
    assert post(api, "createLCMGeneration", body).status_code == 200
    assert server.count("POST", "/generations-lcm") == 2


def test_kept_account_serves_the_upscale_after_a_restart(
    make_server: Make, make_client: Client, tmp_path: Path
) -> None:
    folder = str(tmp_path / "account")
    sim = make_server(state_dir=folder)
    with make_client(sim) as api:
        job = job_of(api, "performAlchemyUpscaleLCM")
        post(api, "createLCMGeneration", body_for("createLCMGeneration"))
        var_id = job["variationId"][0]
        url = api.get(f"/variations/{var_id}").json()["generated_image_variation_generic"][0]
        data = download(url["url"]).content
    sim.stop()
    again = make_server(state_dir=folder, rate_limit_per_minute=3)
    assert again.state.restored
    with make_client(again) as api:
        row = api.get(f"/variations/{var_id}").json()["generated_image_variation_generic"][0]
        assert download(row["url"]).content == data
        gen = api.get(f"/generations/{job['generationId'][0]}").json()["generations_by_pk"]
        assert gen["generated_images"][0]["id"] == job["generatedImageId"]
        # The two LCM requests of the first run still count in the minute's window.
        assert post(api, "createLCMGeneration", body_for("createLCMGeneration")).status_code == 200
        assert post(api, "createLCMGeneration", body_for("createLCMGeneration")).status_code == 429
