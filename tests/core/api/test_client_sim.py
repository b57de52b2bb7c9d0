"""LeonardoClient against the simulator over real HTTP on loopback.

Every client method, every error class, the fault kinds the client must survive, and a check
that every request body the client sent validates against the spec (unknown keys forbidden).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from leodesk.core.api import (
    AuthenticationError,
    ElementRef,
    Generation,
    GenerationRequest,
    InsufficientCreditsError,
    LeonardoClient,
    ModelTraits,
    ModerationError,
    MotionRequest,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    Timeouts,
    UniversalUpscaleRequest,
    UploadError,
    ValidationError,
    Variation,
)
from leodesk.sim import SimConfig, SimServer
from tests.helpers.spec import SpecValidationError, operation_for, validate_request

KEY = "leodesk-demo-key"
FAST_RETRY = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, jitter=0.0)


def config(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "seed": 0,
        "latency_ms": 0,
        "generation_seconds": 0.2,
        "concurrency_slots": 10,
        "api_key": KEY,
        "credits": 5000,
        "moderation_words": ("nsfwword",),
        "fail_words": ("simfail",),
        "presign_ttl_s": 120.0,
        "rate_limit_per_minute": 100,
        "seed_generations": 0,
        "faults": "",
    }
    values.update(overrides)
    return SimConfig(**values)


class SleepRecorder:
    """Real (short) sleeps, recorded so tests can check what the client asked for."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(seconds)


def settled(sim: Any, timeout: float = 1.0) -> list[Any]:
    """The recorded requests once their statuses are filled in.

    The simulator sets ``status``/``form_fields`` just after it sent the reply, so a fresh record
    may still show 0; a reset connection keeps 0 for good. Wait until no record is pending or
    the pending ones have not changed for 0.1 s.
    """
    deadline = time.monotonic() + timeout
    records = sim.requests
    pending = [i for i, r in enumerate(records) if r.status == 0]
    stable_since = time.monotonic()
    while pending and time.monotonic() < deadline and time.monotonic() - stable_since < 0.1:
        time.sleep(0.01)
        records = sim.requests
        now_pending = [i for i, r in enumerate(records) if r.status == 0]
        if now_pending != pending:
            pending, stable_since = now_pending, time.monotonic()
    return list(records)


def s3_posts(sim: Any) -> list[Any]:
    return [r for r in settled(sim) if r.path.startswith("/s3/")]


def check_bodies(sim: Any) -> int:
    """Every API request the client sent has a spec-valid body (unknown keys forbidden)."""
    checked = 0
    for rec in settled(sim):
        if rec.path.startswith(("/cdn/", "/s3/", "/api/")):
            continue  # CDN, S3, or outside /api/rest/v1 (the wrong-base-URL test)
        operation_id = operation_for(rec.method, rec.path)
        validate_request(operation_id, rec.json if rec.body else None)
        checked += 1
    return checked


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
            check_bodies(server)
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., Any]) -> Any:
    return make_sim()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(sleeps: SleepRecorder) -> Iterator[Callable[..., LeonardoClient]]:
    clients: list[LeonardoClient] = []

    def factory(sim: Any, **overrides: Any) -> LeonardoClient:
        options: dict[str, Any] = {
            "base_url": sim.base_url,
            "retry": FAST_RETRY,
            "timeouts": Timeouts(connect=2.0, read=5.0, upload=5.0),
            "sleep": sleeps,
        }
        options.update(overrides)
        client = LeonardoClient(options.pop("api_key", KEY), **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(sim: Any, make_client: Callable[..., LeonardoClient]) -> LeonardoClient:
    return make_client(sim)


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def decode_image(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size


def wait_gen(client: LeonardoClient, generation_id: str) -> Generation:
    return client.wait_for_generation(generation_id, interval=0.05, max_interval=0.2, timeout=20.0)


def wait_var(client: LeonardoClient, variation_id: str) -> Variation:
    return client.wait_for_variation(variation_id, interval=0.05, max_interval=0.2, timeout=20.0)


def generate(client: LeonardoClient, prompt: str = "a lighthouse at dusk", **kw: Any) -> Generation:
    job = client.create_generation(GenerationRequest(prompt=prompt, **kw))
    return wait_gen(client, job.generation_id)


# ----------------------------------------------------------------------------- happy paths


def test_account_models_and_elements(sim: Any, client: LeonardoClient) -> None:
    me = client.get_me()
    assert me.user_id == sim.user_id
    assert me.api_credits == 5000
    assert me.api_concurrency_slots == 10
    models = client.list_platform_models()
    assert models and all(m.id for m in models)
    assert isinstance(client.list_user_models(sim.user_id), list)
    elements = client.list_elements()
    assert elements and all(e.ak_uuid for e in elements)
    assert isinstance(client.list_user_elements(sim.user_id), list)


def test_get_model_reads_a_models_record(sim: Any, client: LeonardoClient) -> None:
    # Platform models: the list has no version; the record has it, and the size.
    phoenix = next(m for m in client.list_platform_models() if m.name == "Leonardo Phoenix 1.0")
    assert phoenix.id and phoenix.sd_version is None
    record = client.get_model(phoenix.id)
    assert record is not None
    assert (record.id, record.name, record.sd_version) == (phoenix.id, phoenix.name, "PHOENIX")
    assert (record.model_width, record.model_height, record.status) == (1024, 1024, "COMPLETE")
    # An own model's record is the same row as in the user's list.
    own = client.list_user_models(sim.user_id)[0]
    assert own.id and client.get_model(own.id) == own
    # An id the API does not know: no record.
    assert client.get_model("00000000-0000-4000-8000-000000000000") is None
    assert [r.path for r in sim.requests if r.path.startswith("/models/")][-1] == (
        "/models/00000000-0000-4000-8000-000000000000"
    )


def test_generation_round_trip(sim: Any, client: LeonardoClient) -> None:
    before = client.get_me().api_credits
    req = GenerationRequest(
        prompt="a lighthouse at dusk",
        negative_prompt="blurry",
        width=512,
        height=512,
        num_images=2,
        seed=9_999_999_998,
        guidance_scale=7.0,
        num_inference_steps=20,
        alchemy=False,
        preset_style="LEONARDO",
    )
    quoted = client.price(client.pricing_for_generation(req))
    assert quoted > 0
    job = client.create_generation(req)
    assert job.generation_id
    gen = wait_gen(client, job.generation_id)
    assert gen.is_complete
    assert gen.id == job.generation_id
    assert gen.prompt == req.prompt
    assert gen.seed == 9_999_999_998
    assert len(gen.images) == 2 and all(i.id and i.url for i in gen.images)
    assert gen.created_at_datetime is not None
    url = gen.images[0].url
    assert url is not None
    assert decode_image(client.download(url))[0] > 0
    after = client.get_me().api_credits
    assert before is not None and after is not None and after < before
    listed = client.list_generations(sim.user_id, 0, 10)
    assert job.generation_id in [g.id for g in listed]
    assert client.get_generation(job.generation_id) is not None
    assert client.delete_generation(job.generation_id) == job.generation_id
    assert client.get_generation(job.generation_id) is None
    assert check_bodies(sim) >= 10


def test_body_check_catches_unknown_keys(sim: Any) -> None:
    # The teardown check is not a no-op: a body with a key outside the spec fails it.
    httpx.post(
        f"{sim.base_url}/generations",
        json={"prompt": "p", "public": False, "styleUUID": "x"},
        headers={"authorization": f"Bearer {KEY}"},
    )
    with pytest.raises(SpecValidationError, match="styleUUID"):
        check_bodies(sim)
    sim.clear_requests()


PHOENIX_ID = "de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3"
KINO_XL_ID = "aa77f04e-3eec-4034-9c07-d0f619684628"
LIGHTNING_XL_ID = "b24e16ff-06e3-43eb-8d33-4416c2d75876"  # the spec's default modelId


@pytest.mark.parametrize(
    ("req", "traits"),
    [
        (
            GenerationRequest(prompt="q", model_id=LIGHTNING_XL_ID),
            ModelTraits(is_sdxl_lightning=True),
        ),
        (
            GenerationRequest(
                prompt="q",
                model_id=PHOENIX_ID,
                sd_version="PHOENIX",
                width=512,
                height=512,
                num_images=2,
                alchemy=False,
                contrast=3.5,
            ),
            None,  # derived from sd_version
        ),
        (
            GenerationRequest(
                prompt="q",
                model_id=KINO_XL_ID,
                alchemy=True,
                photo_real=True,
                photo_real_version="v2",
                photo_real_strength=0.5,
                num_images=1,
                high_resolution=True,
            ),
            ModelTraits.from_sd_version("SDXL_1_0"),
        ),
    ],
)
def test_quoted_price_matches_the_charge(
    client: LeonardoClient, req: GenerationRequest, traits: ModelTraits | None
) -> None:
    quoted = client.price(client.pricing_for_generation(req, model=traits))
    before = client.get_me().api_credits
    job = client.create_generation(req)
    after = client.get_me().api_credits
    assert before is not None and after is not None
    assert quoted == job.api_credit_cost == before - after


def test_fail_word_gives_a_failed_generation(client: LeonardoClient) -> None:
    gen = generate(client, "a simfail castle", num_images=1, width=512, height=512)
    assert gen.is_failed and gen.images == ()


def test_elements_in_a_generation(client: LeonardoClient) -> None:
    element = client.list_elements()[0]
    assert element.ak_uuid is not None
    gen = generate(
        client,
        "an element test",
        num_images=1,
        width=512,
        height=512,
        elements=(ElementRef(element.ak_uuid, 0.5),),
    )
    assert gen.is_complete


def test_variations(client: LeonardoClient) -> None:
    gen = generate(client, "a variation source", num_images=1, width=512, height=512)
    image_id = gen.images[0].id
    assert image_id is not None
    jobs = [
        client.upscale(image_id),
        client.unzoom(image_id),
        client.remove_background(image_id),
        client.universal_upscale(
            UniversalUpscaleRequest(
                generated_image_id=image_id, upscale_multiplier=1.5, upscaler_style="GENERAL"
            )
        ),
    ]
    for job in jobs:
        variation = wait_var(client, job.id)
        assert variation.status == "COMPLETE", variation
        assert variation.url
        assert decode_image(client.download(variation.url))[0] > 0
        assert [v.id for v in client.get_variation(job.id)] == [job.id]
    nobg = client.remove_background(jobs[0].id, is_variation=True)
    assert wait_var(client, nobg.id).status == "COMPLETE"
    refreshed = client.get_generation(gen.id or "")
    assert refreshed is not None
    assert {v.id for v in refreshed.images[0].variations} >= {jobs[0].id}


def test_motion_from_a_generated_image(client: LeonardoClient) -> None:
    gen = generate(client, "a motion source", num_images=1, width=512, height=512)
    image_id = gen.images[0].id
    assert image_id is not None
    job = client.create_motion(MotionRequest(image_id, motion_strength=5))
    video = wait_gen(client, job.generation_id)
    assert video.is_complete
    assert video.images and video.images[0].motion_mp4_url
    assert client.download(video.images[0].motion_mp4_url)


def test_prompt_helpers(client: LeonardoClient) -> None:
    assert client.random_prompt().prompt
    improved = client.improve_prompt("a fox", "make it moody")
    assert improved.prompt and improved.prompt != ""


def test_init_image_upload_and_use(sim: Any, client: LeonardoClient) -> None:
    data = png_bytes()
    init_id = client.upload_init_image(data, "png")
    uploads = s3_posts(sim)
    assert len(uploads) == 1
    upload = uploads[0]
    assert upload.method == "POST"
    assert upload.form_fields[-1] == "file"
    assert "key" in upload.form_fields[:-1]
    assert "authorization" not in upload.headers
    assert upload.status == 204
    image = client.get_init_image(init_id)
    assert image is not None and image.id == init_id and image.url
    assert client.download(image.url) == data
    gen = generate(
        client,
        "from an init image",
        init_image_id=init_id,
        init_strength=0.5,
        num_images=1,
        width=512,
        height=512,
    )
    assert gen.is_complete
    motion = client.create_motion(MotionRequest(init_id, is_init_image=True))
    assert wait_gen(client, motion.generation_id).is_complete
    assert client.delete_init_image(init_id) == init_id
    assert client.get_init_image(init_id) is None


class _DelayFirstS3Post(httpx.BaseTransport):
    """Real HTTP, but the first multipart POST waits ``delay`` seconds before it is sent."""

    def __init__(self, delay: float) -> None:
        self._inner = httpx.HTTPTransport()
        self._delay = delay
        self.delayed = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/") and not self.delayed:
            self.delayed += 1
            time.sleep(self._delay)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def test_expired_presign_is_renewed_once(
    make_sim: Callable[..., Any], make_client: Callable[..., LeonardoClient]
) -> None:
    sim = make_sim(presign_ttl_s=0.5)
    transport = _DelayFirstS3Post(1.0)  # the first presign expires while this waits
    client = make_client(sim, transport=transport)
    init_id = client.upload_init_image(png_bytes(), "png")
    assert transport.delayed == 1
    assert sim.count("POST", "/init-image") == 2
    statuses = [r.status for r in s3_posts(sim)]
    assert statuses == [403, 204]
    assert client.get_init_image(init_id) is not None


def test_presign_expiring_every_time_gives_upload_error(
    make_sim: Callable[..., Any], make_client: Callable[..., LeonardoClient]
) -> None:
    sim = make_sim(presign_ttl_s=0.000001)
    client = make_client(sim)
    with pytest.raises(UploadError):
        client.upload_init_image(png_bytes(), "png")
    assert sim.count("POST", "/init-image") == 2


# ----------------------------------------------------------------------------- errors


def test_bad_key_is_an_authentication_error(
    sim: Any, make_client: Callable[..., LeonardoClient]
) -> None:
    client = make_client(sim, api_key="not-the-key")
    with pytest.raises(AuthenticationError):
        client.get_me()
    assert sim.count("GET", "/me") == 1
    for rec in sim.requests:
        assert rec.headers["authorization"] == "Bearer not-the-key"


def test_moderation_is_never_retried(sim: Any, client: LeonardoClient) -> None:
    with pytest.raises(ModerationError) as info:
        client.create_generation(GenerationRequest(prompt="a nsfwword scene"))
    assert "nsfwword" in info.value.user_message
    assert sim.count("POST", "/generations") == 1


def test_too_many_images_is_a_validation_error(sim: Any, client: LeonardoClient) -> None:
    with pytest.raises(ValidationError, match="Too many images"):
        client.create_generation(
            GenerationRequest(prompt="many", num_images=8, width=1024, height=1024)
        )
    assert sim.count("POST", "/generations") == 1


def test_insufficient_credits(
    make_sim: Callable[..., Any], make_client: Callable[..., LeonardoClient]
) -> None:
    sim = make_sim(credits=1)
    client = make_client(sim)
    with pytest.raises(InsufficientCreditsError):
        client.create_generation(GenerationRequest(prompt="expensive", num_images=4))
    assert sim.count("POST", "/generations") == 1


def test_wrong_base_path_is_not_found(sim: Any, make_client: Callable[..., LeonardoClient]) -> None:
    client = make_client(sim, base_url=sim.base_url.replace("/v1", "/v0"))
    with pytest.raises(NotFoundError):
        client.get_me()


def test_unknown_generation_is_none(client: LeonardoClient) -> None:
    assert client.get_generation("00000000-0000-4000-8000-000000000000") is None


@pytest.mark.parametrize("kind", ["500", "502", "503", "504"])
def test_persistent_5xx_is_a_server_error_after_retries(
    sim: Any, client: LeonardoClient, kind: str
) -> None:
    sim.add_fault("GET", "/me", kind)
    with pytest.raises(ServerError):
        client.get_me()
    assert sim.count("GET", "/me") == FAST_RETRY.max_attempts


def test_429_retry_after_is_honoured_then_succeeds(
    sim: Any, client: LeonardoClient, sleeps: SleepRecorder
) -> None:
    # Retry-After is whole seconds (the simulator sends int(retry_after)).
    sim.add_fault("POST", "/generations", "429", retry_after=1, times=1)
    job = client.create_generation(GenerationRequest(prompt="after a 429", num_images=1))
    assert job.generation_id
    assert sim.count("POST", "/generations") == 2
    assert sleeps.calls == [1.0]


def test_real_rate_limit_beyond_the_cap_is_raised(
    make_sim: Callable[..., Any], make_client: Callable[..., LeonardoClient]
) -> None:
    sim = make_sim(rate_limit_per_minute=1)
    client = make_client(sim, retry=RetryPolicy(base_delay=0.01, jitter=0, max_retry_after=1.0))
    client.create_generation(GenerationRequest(prompt="first", num_images=1))
    with pytest.raises(RateLimitedError) as info:
        client.create_generation(GenerationRequest(prompt="second", num_images=1))
    assert info.value.retry_after is not None and info.value.retry_after > 1.0
    assert sim.count("POST", "/generations") == 2


# ----------------------------------------------------------------------------- lost replies


def test_timed_out_generation_is_not_re_sent_and_is_reconciled(
    sim: Any, make_client: Callable[..., LeonardoClient]
) -> None:
    client = make_client(sim, timeouts=Timeouts(connect=2.0, read=0.3, upload=5.0))
    sim.add_fault("POST", "/generations", "slow", delay=1.0, commit=True, times=1)
    req = GenerationRequest(prompt="a lost lighthouse", num_images=1, width=512, height=512)
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_generation(req)
    error = info.value
    assert error.request is req and error.operation == "createGeneration"
    assert sim.count("POST", "/generations") == 1
    found = client.reconcile_generation(
        user_id=sim.user_id, prompt=req.prompt, submitted_after=error.submitted_at
    )
    assert found is not None and found.id
    assert wait_gen(client, found.id).is_complete
    time.sleep(0.8)  # let the slow reply finish before the server stops
    assert sim.count("POST", "/generations") == 1


@pytest.mark.parametrize("kind", ["502", "500", "reset", "truncated", "malformed_json"])
def test_billed_post_failures_are_outcome_unknown(
    sim: Any, client: LeonardoClient, kind: str
) -> None:
    gen = generate(client, "a source", num_images=1, width=512, height=512)
    image_id = gen.images[0].id
    assert image_id is not None
    sim.add_fault("POST", "/variations/upscale", kind, times=1)
    with pytest.raises(OutcomeUnknownError):
        client.upscale(image_id)
    assert sim.count("POST", "/variations/upscale") == 1


@pytest.mark.parametrize(
    "kind", ["reset", "truncated", "malformed_json", "500", "502", "503", "504"]
)
def test_gets_survive_one_fault(sim: Any, client: LeonardoClient, kind: str) -> None:
    sim.add_fault("GET", "/me", kind, times=1)
    assert client.get_me().user_id == sim.user_id
    assert sim.count("GET", "/me") == 2


def test_polling_survives_faults(sim: Any, client: LeonardoClient) -> None:
    job = client.create_generation(GenerationRequest(prompt="faulty polls", num_images=1))
    for kind in ("reset", "truncated", "malformed_json", "502"):
        sim.add_fault("GET", "/generations/*", kind, times=1)
    gen = wait_gen(client, job.generation_id)
    assert gen.is_complete


# ----------------------------------------------------------------------------- leniency


def test_nulls_are_parsed_leniently(sim: Any, client: LeonardoClient) -> None:
    gen = generate(client, "nullable", num_images=1, width=512, height=512)
    assert gen.id is not None
    sim.add_fault("GET", "/generations/*", "nulls", times=1)
    odd = client.get_generation(gen.id)
    assert odd is not None and odd.id == gen.id
    assert odd.sd_version is None and odd.scheduler is None
    sim.add_fault("GET", "/platformModels", "nulls", times=1)
    assert client.list_platform_models()
    sim.add_fault("GET", "/generations/user/*", "nulls", times=1)
    assert gen.id in [g.id for g in client.list_generations(sim.user_id)]


def test_unknown_enums_are_kept(sim: Any, client: LeonardoClient) -> None:
    gen = generate(client, "enum drift", num_images=1, width=512, height=512)
    assert gen.id is not None
    sim.add_fault("GET", "/generations/*", "unknown_enum", times=1)
    odd = client.get_generation(gen.id)
    assert odd is not None and odd.sd_version == "SDXL_9_9"
    assert odd.scheduler == "SIM_SCHEDULER_9"


def test_misspelled_upscale_key(sim: Any, client: LeonardoClient) -> None:
    gen = generate(client, "spelling", num_images=1, width=512, height=512)
    image_id = gen.images[0].id
    assert image_id is not None
    sim.add_fault("POST", "/variations/upscale", "upscale_misspelled", times=1)
    job = client.upscale(image_id)
    assert wait_var(client, job.id).status == "COMPLETE"
