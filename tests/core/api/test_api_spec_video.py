"""The video operations of the client: bodies against the official spec (every key the spec
lists can be sent, no other), and the calls over real HTTP against the simulator."""

from __future__ import annotations

import io
from collections.abc import Iterator

import av
import pytest

from leodesk.core.api import ElementRef, LeonardoClient, PricingRequest, ValidationError
from leodesk.core.api import serialize as ser
from leodesk.core.api.video import IMAGE_TO_VIDEO, TEXT_TO_VIDEO, FrameRef, VideoRequest, video_body
from leodesk.core.video_options import pricing_request, problems, size_for
from leodesk.sim import SimServer
from tests.core.api.test_client_sim import FAST_RETRY, KEY, check_bodies, config, wait_gen
from tests.helpers.spec import request_properties, resolved_request_schema, validate_request


def _full(image: bool) -> VideoRequest:
    return VideoRequest(
        prompt="a paper boat on a river",
        image=FrameRef("img-1", "GENERATED") if image else None,
        end_frame=FrameRef("img-2", "UPLOADED") if image else None,
        model="KLING2_1",
        resolution="RESOLUTION_1080",
        frame_interpolation=True,
        seed=7,
        negative_prompt="blur",
        prompt_enhance=True,
        prompt_enhance_instruction="make it cinematic",
        style_ids=("style-a",),
        elements=(ElementRef("el-1", 0.5),),
        width=1920,
        height=1080,
        duration=5,
    )


@pytest.mark.parametrize(("image", "operation"), [(True, IMAGE_TO_VIDEO), (False, TEXT_TO_VIDEO)])
def test_bodies_validate_and_carry_every_key_of_their_operation(
    image: bool, operation: str
) -> None:
    req = _full(image)
    assert req.operation == operation
    body = video_body(req)
    validate_request(operation, body)
    assert set(body) == set(request_properties(operation)) == ser.REQUEST_KEYS[operation]
    assert body["isPublic"] is False
    minimal = video_body(VideoRequest("x", image=FrameRef("i")) if image else VideoRequest("x"))
    validate_request(operation, minimal)
    assert set(resolved_request_schema(operation)["required"]) <= set(minimal)


@pytest.mark.parametrize(
    ("req", "error"),
    [
        (VideoRequest(" "), ValueError),
        (VideoRequest("x", end_frame=FrameRef("e")), ValueError),
        (VideoRequest("x", image=FrameRef("i", "LOCAL")), ValueError),
        (VideoRequest("x", seed=True), TypeError),  # type: ignore[arg-type]
        (VideoRequest("x", duration="5"), TypeError),  # type: ignore[arg-type]
    ],
)
def test_bad_requests_are_refused_before_sending(req: VideoRequest, error: type) -> None:
    with pytest.raises(error):
        video_body(req)


@pytest.mark.parametrize(
    ("req", "fragment"),
    [
        (
            VideoRequest("x", model="MOTION2", image=FrameRef("i"), end_frame=FrameRef("e")),
            "end frame",
        ),
        (VideoRequest("x", model="VEO3", frame_interpolation=True), "frame interpolation"),
        (VideoRequest("x", model="VEO3", duration=5), "4, 6, 8"),
        (VideoRequest("x", model="KLING2_5", duration=10), "fixed for text to video"),
        (VideoRequest("x", model="VEO3", resolution="RESOLUTION_480"), "720p"),
        (VideoRequest("x", model="MOTION2", seed=2_147_483_638), "seed"),
        (VideoRequest("x", width=1280), "both"),
        (VideoRequest("x", prompt_enhance_instruction="moody"), "enhance"),
        (VideoRequest("x", model="MOTION2FAST", elements=(ElementRef("e"),)), "elements"),
    ],
)
def test_what_a_model_does_not_take_is_said(req: VideoRequest, fragment: str) -> None:
    found = problems(req)
    assert found and any(fragment in p for p in found), found


def test_a_request_each_model_takes_has_no_problem() -> None:
    assert problems(VideoRequest("x", model="VEO3", duration=4)) == []
    assert problems(VideoRequest("x", image=FrameRef("i"), model="KLING2_5", duration=10)) == []
    assert (
        problems(VideoRequest("x", image=FrameRef("i"), model="KLING2_1", end_frame=FrameRef("e")))
        == []
    )


def test_sizes_of_an_aspect() -> None:
    assert size_for("RESOLUTION_720", "16:9") == (1280, 720)
    assert size_for(None, "9:16", "KLING2_1") == (1080, 1920)
    assert size_for("RESOLUTION_480", None) is None
    with pytest.raises(ValueError):
        size_for("RESOLUTION_480", "4:3")
    assert problems(VideoRequest("x", resolution="RESOLUTION_480", width=480, height=480)) == []


@pytest.mark.parametrize("model", ["MOTION2", "VEO3", "KLING2_1"])
def test_pricing_requests_validate(model: str) -> None:
    body = ser.pricing_body(pricing_request(model, None))
    validate_request("pricingCalculator", body)


# ----------------------------------------------------------------------------- over HTTP


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(config(generation_seconds=0.1)).start()
    yield server
    try:
        assert check_bodies(server) > 0
    finally:
        server.stop()


@pytest.fixture
def client(sim: SimServer) -> Iterator[LeonardoClient]:
    with LeonardoClient(KEY, base_url=sim.base_url, retry=FAST_RETRY) as c:
        yield c


def _frames(data: bytes) -> tuple[int, int, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height, stream.frames


def test_text_to_video_round_trip(client: LeonardoClient) -> None:
    req = VideoRequest("a lantern festival", model="VEO3", duration=4, seed=3)
    price = client.price(pricing_request(req.model, req.resolution))
    job = client.create_text_to_video(req)
    assert job.api_credit_cost == price
    gen = wait_gen(client, job.generation_id)
    assert gen.is_complete and gen.seed == 3
    (image,) = gen.images
    assert image.motion_model == "VEO3" and image.motion_mp4_url
    assert _frames(client.download(image.motion_mp4_url)) == (640, 360, 96)


def test_image_to_video_from_a_generated_image(client: LeonardoClient) -> None:
    from leodesk.core.api import GenerationRequest

    made = client.create_generation(
        GenerationRequest("a hill", width=512, height=512, num_images=1)
    )
    source = wait_gen(client, made.generation_id).images[0].id
    assert source
    job = client.create_image_to_video(
        VideoRequest("wind in the grass", image=FrameRef(source), resolution="RESOLUTION_480")
    )
    gen = wait_gen(client, job.generation_id)
    assert (gen.image_width, gen.image_height) == (480, 480)
    assert gen.images[0].motion_mp4_url


def test_an_option_the_model_refuses_is_a_validation_error(client: LeonardoClient) -> None:
    credits = client.get_me().api_credits
    with pytest.raises(ValidationError) as caught:
        client.create_text_to_video(VideoRequest("x", model="VEO3", frame_interpolation=True))
    assert "frameInterpolation" in caught.value.user_message
    assert client.get_me().api_credits == credits


def test_price_of_veo(client: LeonardoClient) -> None:
    assert (
        client.price(
            PricingRequest("VEO3_MOTION_VIDEO_GENERATION", {"resolution": "RESOLUTION_720"})
        )
        > 0
    )
