"""Error bodies (three JSON shapes, HTML, text) and their classification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from leodesk.core.api import (
    AuthenticationError,
    InsufficientCreditsError,
    LeonardoError,
    ModerationError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from leodesk.core.api.errors import classify_error, parse_error_body

HTML_502 = b"""<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>awselb/2.0</center></body></html>"""


def j(data: Any) -> bytes:
    return json.dumps(data).encode()


def test_hasura_shape() -> None:
    body = parse_error_body(j({"error": "Too many images", "path": "$", "code": "unexpected"}))
    assert (body.message, body.code, body.path, body.is_json) == (
        "Too many images",
        "unexpected",
        "$",
        True,
    )


def test_api_error_shape() -> None:
    body = parse_error_body(
        j(
            {
                "message": "Blueprint not found",
                "path": ["blueprintExecution", "id"],
                "locations": [{"line": 1, "column": 2}],
                "extensions": {"code": "NOT_FOUND"},
            }
        )
    )
    assert (body.message, body.code, body.path) == (
        "Blueprint not found",
        "NOT_FOUND",
        "blueprintExecution.id",
    )


def test_errors_list_shape() -> None:
    body = parse_error_body(
        j(
            {
                "errors": [
                    {"message": "bad key", "extensions": {"path": "$.x", "code": "access-denied"}}
                ]
            }
        )
    )
    assert (body.message, body.code, body.path) == ("bad key", "access-denied", "$.x")


def test_html_from_a_load_balancer() -> None:
    body = parse_error_body(HTML_502, "text/html")
    assert body.message == "502 Bad Gateway" and not body.is_json


def test_html_without_title_and_plain_text_and_empty() -> None:
    assert parse_error_body(b"<html><body><p>upstream   died</p></body></html>").message == (
        "upstream died"
    )
    assert parse_error_body(b"Service Unavailable").message == "Service Unavailable"
    assert parse_error_body(b"").message is None
    assert parse_error_body(j([1, 2])).message is None
    assert parse_error_body(j("just a string")).message == "just a string"
    assert parse_error_body(j({"unexpected": "shape"})).message is None


def test_long_messages_are_shortened() -> None:
    assert len(parse_error_body(j({"error": "x" * 5000})).message or "") <= 300


AUTH_HOOK = {"error": "Authentication hook unauthorized this request", "code": "access-denied"}
AUTH_500 = {"error": "Invalid response from authorization hook", "path": "$", "code": "unexpected"}
MODERATION = {"error": "content moderation filter: nsfwword", "path": "$", "code": "unexpected"}
INAPPROPRIATE = {
    "error": "Your prompt appears to contain inappropriate content. Please revise.",
    "code": "unexpected",
}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, AUTH_HOOK, AuthenticationError),
        (403, AUTH_HOOK, AuthenticationError),
        (401, None, AuthenticationError),
        (500, AUTH_500, AuthenticationError),
        (400, AUTH_500, AuthenticationError),
        (
            403,
            {"errors": [{"message": "x", "extensions": {"code": "access-denied"}}]},
            AuthenticationError,
        ),
        (400, MODERATION, ModerationError),
        (403, MODERATION, ModerationError),
        (403, INAPPROPRIATE, ModerationError),
        (429, None, RateLimitedError),
        (429, {"error": "Too Many Requests"}, RateLimitedError),
        (400, {"error": "Not enough API credits to make this request."}, InsufficientCreditsError),
        (402, None, InsufficientCreditsError),
        (403, {"error": "insufficient token balance"}, InsufficientCreditsError),
        (500, {"error": "You do not have enough tokens"}, InsufficientCreditsError),
        (404, {"error": "not found"}, NotFoundError),
        (404, None, NotFoundError),
        (400, {"error": "Too many images", "code": "unexpected"}, ValidationError),
        (400, {"error": "Unexpected variable sd_Version", "code": "bad-request"}, ValidationError),
        (422, {"message": "bad"}, ValidationError),
        (403, {"error": "forbidden"}, AuthenticationError),
        (500, {"error": "Service Error", "code": "unexpected"}, ServerError),
        (502, None, ServerError),
        (503, None, ServerError),
        (504, None, ServerError),
    ],
)
def test_classification(status: int, body: Any, expected: type[LeonardoError]) -> None:
    raw = j(body) if body is not None else b""
    error = classify_error(status, raw)
    assert type(error) is expected
    assert error.status == status
    assert error.user_message


def test_html_502_is_a_server_error_with_the_title() -> None:
    error = classify_error(502, HTML_502, content_type="text/html")
    assert isinstance(error, ServerError)
    assert error.server_message == "502 Bad Gateway"


def test_validation_error_carries_the_server_message() -> None:
    error = classify_error(400, j({"error": "invalid dimensions", "code": "unexpected"}))
    assert error.user_message == "invalid dimensions"
    assert error.code == "unexpected" and error.server_message == "invalid dimensions"
    assert str(error) == "invalid dimensions (HTTP 400; unexpected)"


def test_moderation_message_names_the_filter() -> None:
    error = classify_error(400, j(MODERATION))
    assert "nsfwword" in error.user_message


def test_rate_limited_carries_retry_after() -> None:
    error = classify_error(429, b"", retry_after=12.0)
    assert isinstance(error, RateLimitedError) and error.retry_after == 12.0


def test_outcome_unknown_error_fields() -> None:
    from datetime import UTC, datetime

    when = datetime(2025, 1, 1, tzinfo=UTC)
    error = OutcomeUnknownError(submitted_at=when, request={"a": 1}, operation="createGeneration")
    assert error.submitted_at == when and error.operation == "createGeneration"
    assert "may have been created" in error.user_message
    assert "createGeneration" in repr(error)


def test_next_step_suggests_a_retry_only_where_it_can_help() -> None:
    from leodesk.core.api.errors import (
        ModerationError,
        NetworkError,
        ServerError,
        ValidationError,
        next_step,
    )

    assert "Reword the prompt" in next_step(ModerationError())
    refused = next_step(ValidationError("couldn't access image"))
    assert "Try again" not in refused and "same answer" in refused
    assert next_step(ServerError()) == next_step(NetworkError()) == "Try again in a moment."
