"""Retries, Retry-After, billed POSTs that are never re-sent, polling and reconciliation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from leodesk.core.api import (
    AuthenticationError,
    GenerationRequest,
    LeonardoClient,
    MotionRequest,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    PricingRequest,
    ProtocolError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    UniversalUpscaleRequest,
    WaitCancelledError,
    WaitTimeoutError,
    parse_retry_after,
)
from tests.core.api.api_samples import (
    GEN_ID,
    START,
    USER_ID,
    VARIATION_ID,
    FakeClock,
    Script,
    err,
    generation_json,
    ok,
    user_details_json,
)

MakeClient = Callable[..., LeonardoClient]
ME = ok({"user_details": [user_details_json()]})
JOB = ok({"sdGenerationJob": {"generationId": GEN_ID}})
HTML_502 = httpx.Response(
    502,
    text="<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>",
    headers={"content-type": "text/html"},
)


# ----------------------------------------------------------------------------- policy


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, jitter=0.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_adds_at_most_the_given_fraction() -> None:
    policy = RetryPolicy(base_delay=1.0, jitter=0.5)
    assert policy.backoff(1, rand=lambda: 0.0) == 1.0
    assert policy.backoff(1, rand=lambda: 0.999) == pytest.approx(1.4995)
    assert policy.delay(3, retry_after=7.0, rand=lambda: 0.9) == 7.0


def test_policy_is_validated() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("inf", None),
        (format_datetime(datetime.fromtimestamp(START + 7, UTC), usegmt=True), 7.0),
        (format_datetime(datetime.fromtimestamp(START - 60, UTC), usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, START) == expected


# ----------------------------------------------------------------------------- idempotent


@pytest.mark.parametrize(
    "failure",
    [
        err(500, {"error": "Service Error", "code": "unexpected"}),
        HTML_502,
        err(503, text="Service Unavailable"),
        err(504, None),
        httpx.ReadTimeout,
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.RemoteProtocolError,  # connection closed mid-body (truncated)
        httpx.ReadError,
        httpx.Response(200, text='{"user_details": [{"user": '),  # cut JSON
        httpx.Response(200, text="<html>oops</html>"),  # malformed JSON on a 200
    ],
)
def test_get_retries_transient_failures(
    client: LeonardoClient, script: Script, clock: FakeClock, failure: object
) -> None:
    script.on("GET", "/me", failure, failure, ME)  # type: ignore[arg-type]
    assert client.get_me().username == "artist"
    assert script.count("GET", "/me") == 3
    assert clock.sleeps == [0.5, 1.0]


def test_get_gives_up_after_max_attempts(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("GET", "/me", err(503, None))
    with pytest.raises(ServerError) as info:
        client.get_me()
    assert info.value.status == 503
    assert script.count("GET", "/me") == 5
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_get_network_failure_after_retries(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", httpx.ConnectError)
    with pytest.raises(NetworkError):
        client.get_me()
    assert script.count("GET", "/me") == 5


def test_delete_is_retried(client: LeonardoClient, script: Script) -> None:
    script.on(
        "DELETE",
        f"/generations/{GEN_ID}",
        httpx.ReadTimeout,
        ok({"delete_generations_by_pk": {"id": GEN_ID}}),
    )
    assert client.delete_generation(GEN_ID) == GEN_ID


def test_retry_after_seconds_is_honoured(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("GET", "/me", err(429, {"error": "rate limited"}, **{"Retry-After": "3"}), ME)
    client.get_me()
    assert clock.sleeps == [3.0]


def test_retry_after_http_date_is_honoured(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    when = format_datetime(datetime.fromtimestamp(START + 7, UTC), usegmt=True)
    script.on("GET", "/me", err(429, None, **{"Retry-After": when}), ME)
    client.get_me()
    assert clock.sleeps == [7.0]


def test_429_without_retry_after_backs_off(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("GET", "/me", err(429, None), err(429, None), ME)
    client.get_me()
    assert clock.sleeps == [0.5, 1.0]


def test_retry_after_beyond_the_cap_is_raised_at_once(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("GET", "/me", err(429, None, **{"Retry-After": "3600"}))
    with pytest.raises(RateLimitedError) as info:
        client.get_me()
    assert info.value.retry_after == 3600.0
    assert clock.sleeps == [] and script.count("GET", "/me") == 1


def test_5xx_auth_hook_failure_is_not_retried(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", err(500, {"error": "Invalid response from authorization hook"}))
    with pytest.raises(AuthenticationError):
        client.get_me()
    assert script.count("GET", "/me") == 1


def test_4xx_is_not_retried(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", err(400, {"error": "bad"}))
    with pytest.raises(Exception):  # noqa: B017
        client.get_me()
    assert script.count("GET", "/me") == 1


# ----------------------------------------------------------------------------- billed POSTs


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout,
        httpx.RemoteProtocolError,
        httpx.ReadError,
        httpx.WriteError,
        err(500, {"error": "Service Error", "code": "unexpected"}),
        HTML_502,
        err(503, None),
        err(504, None),
        httpx.Response(200, text='{"sdGenerationJob": {"generationId": "a1b'),  # cut body
    ],
)
def test_billed_post_is_never_re_sent(
    client: LeonardoClient, script: Script, clock: FakeClock, failure: object
) -> None:
    script.on("POST", "/generations", failure, JOB)  # type: ignore[arg-type]
    req = GenerationRequest(prompt="a lighthouse")
    with pytest.raises(OutcomeUnknownError) as info:
        client.create_generation(req)
    assert script.count("POST", "/generations") == 1
    assert clock.sleeps == []
    error = info.value
    assert error.operation == "createGeneration"
    assert error.request is req
    assert error.submitted_at == datetime.fromtimestamp(START, UTC)
    assert "may have been created" in error.user_message


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_billed_post_is_retried_when_nothing_was_sent(
    client: LeonardoClient, script: Script, failure: object
) -> None:
    script.on("POST", "/generations", failure, JOB)  # type: ignore[arg-type]
    assert client.create_generation(GenerationRequest(prompt="p")).generation_id == GEN_ID
    assert script.count("POST", "/generations") == 2


def test_billed_post_connect_failures_end_as_network_error(
    client: LeonardoClient, script: Script
) -> None:
    script.on("POST", "/generations", httpx.ConnectError)
    with pytest.raises(NetworkError):
        client.create_generation(GenerationRequest(prompt="p"))


def test_billed_post_429_is_retried_after_retry_after(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("POST", "/generations", err(429, None, **{"Retry-After": "2"}), JOB)
    assert client.create_generation(GenerationRequest(prompt="p")).generation_id == GEN_ID
    assert script.count("POST", "/generations") == 2
    assert clock.sleeps == [2.0]


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.upscale("img"), "/variations/upscale"),
        (lambda c: c.unzoom("img"), "/variations/unzoom"),
        (lambda c: c.remove_background("img"), "/variations/nobg"),
        (
            lambda c: c.universal_upscale(UniversalUpscaleRequest(generated_image_id="img")),
            "/variations/universal-upscaler",
        ),
        (lambda c: c.create_motion(MotionRequest("img")), "/generations-motion-svd"),
    ],
)
def test_every_billed_operation_is_never_re_sent(
    client: LeonardoClient,
    script: Script,
    call: Callable[[LeonardoClient], object],
    path: str,
) -> None:
    script.on("POST", path, httpx.ReadTimeout)
    with pytest.raises(OutcomeUnknownError):
        call(client)
    script.on("POST", path, err(502, None))
    with pytest.raises(OutcomeUnknownError):
        call(client)
    assert script.count("POST", path) == 2


def test_prompt_helpers_are_not_re_sent_but_not_outcome_unknown(
    client: LeonardoClient, script: Script
) -> None:
    script.on("POST", "/prompt/random", httpx.ReadTimeout)
    with pytest.raises(NetworkError):
        client.random_prompt()
    script.on("POST", "/prompt/improve", err(500, None))
    with pytest.raises(ServerError):
        client.improve_prompt("p")
    script.on("POST", "/prompt/random", httpx.Response(200, text="{"))
    with pytest.raises(ProtocolError):
        client.random_prompt()
    assert len(script.requests) == 3


def test_safe_posts_retry_like_gets(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    cost = ok({"calculateProductionApiServiceCost": {"cost": 7}})
    script.on("POST", "/pricing-calculator", httpx.ReadTimeout, err(502, None), cost)
    assert client.price(PricingRequest("UNIVERSAL_UPSCALER", {"megapixel": 2})) == 7
    assert script.count("POST", "/pricing-calculator") == 3


# ----------------------------------------------------------------------------- waiting


def pending() -> httpx.Response:
    return ok({"generations_by_pk": generation_json(status="PENDING", generated_images=[])})


def test_wait_for_generation_polls_with_backoff(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on(
        "GET",
        f"/generations/{GEN_ID}",
        pending(),
        pending(),
        pending(),
        ok({"generations_by_pk": generation_json()}),
    )
    seen: list[str | None] = []
    gen = client.wait_for_generation(
        GEN_ID, interval=2.0, max_interval=4.0, on_update=lambda g: seen.append(g.status)
    )
    assert gen.is_complete and len(gen.images) == 1
    assert clock.sleeps == [2.0, 3.0, 4.0]
    assert seen == ["PENDING", "PENDING", "PENDING", "COMPLETE"]


def test_wait_returns_failed_generations(client: LeonardoClient, script: Script) -> None:
    script.on(
        "GET", f"/generations/{GEN_ID}", ok({"generations_by_pk": generation_json(status="FAILED")})
    )
    assert client.wait_for_generation(GEN_ID).is_failed


def test_wait_keeps_polling_through_unknown_status_and_errors(
    make_client: MakeClient, script: Script
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=1, jitter=0))
    script.on(
        "GET",
        f"/generations/{GEN_ID}",
        ok({"generations_by_pk": generation_json(status="QUEUED_SOMEWHERE")}),
        err(503, None),
        httpx.ReadTimeout,
        err(429, None, **{"Retry-After": "9"}),
        ok({"generations_by_pk": generation_json()}),
    )
    assert client.wait_for_generation(GEN_ID).is_complete
    assert script.count("GET", f"/generations/{GEN_ID}") == 5


def test_wait_honours_retry_after_while_polling(
    make_client: MakeClient, script: Script, clock: FakeClock
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=1, jitter=0))
    script.on(
        "GET",
        f"/generations/{GEN_ID}",
        err(429, None, **{"Retry-After": "9"}),
        ok({"generations_by_pk": generation_json()}),
    )
    client.wait_for_generation(GEN_ID, interval=1.0)
    assert clock.sleeps == [9.0]


def test_wait_times_out(client: LeonardoClient, script: Script, clock: FakeClock) -> None:
    script.on("GET", f"/generations/{GEN_ID}", pending())
    with pytest.raises(WaitTimeoutError):
        client.wait_for_generation(GEN_ID, interval=2.0, max_interval=10.0, timeout=30.0)
    assert sum(clock.sleeps) == pytest.approx(30.0)
    assert max(clock.sleeps) <= 10.0


def test_wait_can_be_cancelled(client: LeonardoClient, script: Script, clock: FakeClock) -> None:
    script.on("GET", f"/generations/{GEN_ID}", pending())
    with pytest.raises(WaitCancelledError):
        client.wait_for_generation(GEN_ID, cancel=lambda: clock.now > START + 5)
    assert clock.now <= START + 5.5  # noticed within a slice, not after a whole interval
    calls = 0

    def cancel_now() -> bool:
        nonlocal calls
        calls += 1
        return True

    with pytest.raises(WaitCancelledError):
        client.wait_for_generation(GEN_ID, cancel=cancel_now)


def test_wait_treats_a_long_missing_generation_as_not_found(
    client: LeonardoClient, script: Script
) -> None:
    script.on("GET", f"/generations/{GEN_ID}", ok({"generations_by_pk": None}))
    with pytest.raises(NotFoundError):
        client.wait_for_generation(GEN_ID, interval=5.0, missing_grace=12.0)


def test_wait_tolerates_a_briefly_missing_generation(
    client: LeonardoClient, script: Script
) -> None:
    script.on(
        "GET",
        f"/generations/{GEN_ID}",
        ok({"generations_by_pk": None}),
        ok({"generations_by_pk": generation_json()}),
    )
    assert client.wait_for_generation(GEN_ID).is_complete


def test_wait_for_variation(client: LeonardoClient, script: Script, clock: FakeClock) -> None:
    def variation(status: str) -> httpx.Response:
        return ok(
            {
                "generated_image_variation_generic": [
                    {"id": VARIATION_ID, "status": status, "transformType": "UPSCALE", "url": None}
                ]
            }
        )

    script.on(
        "GET",
        f"/variations/{VARIATION_ID}",
        ok({"generated_image_variation_generic": []}),
        variation("PENDING"),
        variation("COMPLETE"),
    )
    result = client.wait_for_variation(VARIATION_ID, interval=1.0)
    assert result.status == "COMPLETE" and result.is_terminal
    assert clock.sleeps == [1.0, 1.5]


# ----------------------------------------------------------------------------- reconcile


def stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def test_reconcile_finds_the_generation(client: LeonardoClient, script: Script) -> None:
    submitted = datetime(2025, 6, 15, 15, 0, 0, tzinfo=UTC)
    gens = [
        generation_json(
            id="later-other", prompt="else", createdAt=stamp(submitted + timedelta(seconds=9))
        ),
        generation_json(
            id="ours", prompt="a lighthouse ", createdAt=stamp(submitted + timedelta(seconds=2))
        ),
        generation_json(
            id="old-same", prompt="a lighthouse", createdAt=stamp(submitted - timedelta(hours=2))
        ),
    ]
    script.on("GET", f"/generations/user/{USER_ID}", ok({"generations": gens}))
    found = client.reconcile_generation(
        user_id=USER_ID, prompt="a lighthouse", submitted_after=submitted
    )
    assert found is not None and found.id == "ours"
    assert script.requests[0].url.params["limit"] == "50"  # a page; a short one is the last
    assert script.requests[0].url.params["offset"] == "0"


def test_reconcile_allows_clock_skew_and_naive_times(
    client: LeonardoClient, script: Script
) -> None:
    submitted = datetime(2025, 6, 15, 15, 0, 0)  # naive = UTC
    early = generation_json(id="skewed", prompt="p", createdAt="2025-06-15T14:59:30.000Z")
    script.on("GET", f"/generations/user/{USER_ID}", ok({"generations": [early]}))
    found = client.reconcile_generation(user_id=USER_ID, prompt="p", submitted_after=submitted)
    assert found is not None and found.id == "skewed"
    assert (
        client.reconcile_generation(
            user_id=USER_ID, prompt="p", submitted_after=submitted, skew=10.0
        )
        is None
    )


def test_reconcile_skips_known_ids_and_returns_none(client: LeonardoClient, script: Script) -> None:
    submitted = datetime(2025, 6, 15, 15, 0, 0, tzinfo=UTC)
    gen = generation_json(id="known", prompt="p", createdAt=stamp(submitted))
    odd = {"id": "no-date", "prompt": "p"}
    script.on("GET", f"/generations/user/{USER_ID}", ok({"generations": [gen, odd]}))
    assert (
        client.reconcile_generation(
            user_id=USER_ID, prompt="p", submitted_after=submitted, exclude_ids={"known"}
        )
        is None
    )


def test_503_retry_after_is_honoured_for_gets(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("GET", "/me", err(503, None, **{"Retry-After": "4"}), ME)
    client.get_me()
    assert clock.sleeps == [4.0]
