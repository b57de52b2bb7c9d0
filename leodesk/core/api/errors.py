"""Typed errors of the Leonardo API client, and the parser that turns an HTTP error reply into one.

Every error carries a short ``user_message`` for the UI, plus the HTTP ``status``, the server's
error ``code`` and ``server_message`` when known. The API key is never part of any message: the
client scrubs server text before it gets here, and nothing in this module sees request headers.

Three error body shapes exist (see NOTES §10), and a load balancer may answer with HTML:

* Hasura: ``{"error": "...", "path": "$", "code": "unexpected"}``
* ``ApiError``: ``{"message": "...", "path": [...], "locations": [...], "extensions": {...}}``
* GraphQL list: ``{"errors": [{"message": "...", "extensions": {"path": "...", "code": "..."}}]}``
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leodesk.core.errors import LeodeskError

__all__ = [
    "AuthenticationError",
    "ErrorBody",
    "InsufficientCreditsError",
    "LcmOutcomeUnknownError",
    "LeonardoError",
    "ModerationError",
    "NetworkError",
    "NotFoundError",
    "OutcomeUnknownError",
    "ProtocolError",
    "RateLimitedError",
    "ServerError",
    "UploadError",
    "ValidationError",
    "WaitCancelledError",
    "WaitTimeoutError",
    "classify_error",
    "classify_error_list",
    "next_step",
    "parse_error_body",
]

_MAX_SERVER_MESSAGE = 300


class LeonardoError(LeodeskError):
    """Base class of every error raised by the API client.

    ``user_message`` is short and safe to show in the UI. ``status`` is the HTTP status (None when
    no reply arrived), ``code`` the server's error code (``validation-failed``, ``unexpected``...),
    ``server_message`` the server's own text.
    """

    default_message = "The Leonardo API request failed."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        self.user_message = user_message or self.default_message
        self.status = status
        self.code = code
        self.server_message = server_message
        super().__init__(self.user_message)

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code:
            details.append(self.code)
        if self.server_message and self.server_message not in self.user_message:
            details.append(self.server_message)
        if not details:
            return self.user_message
        return f"{self.user_message} ({'; '.join(details)})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(user_message={self.user_message!r}, status={self.status!r}, "
            f"code={self.code!r}, server_message={self.server_message!r})"
        )


class AuthenticationError(LeonardoError):
    """The API key is missing, wrong or was refused."""

    default_message = "The API key was rejected. Check it in the settings."


class RateLimitedError(LeonardoError):
    """HTTP 429: too many requests, or the job queue is full. ``retry_after`` is in seconds."""

    default_message = "Leonardo is busy or the rate limit was reached. Try again shortly."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(user_message, status=status, code=code, server_message=server_message)
        self.retry_after = retry_after


class ModerationError(LeonardoError):
    """The prompt or image was blocked by content moderation. Never retried."""

    default_message = "The prompt was blocked by content moderation."


class ValidationError(LeonardoError):
    """The server refused the request's content (HTTP 400 and similar)."""

    default_message = "The request was rejected as invalid."


class NotFoundError(LeonardoError):
    """The resource does not exist (HTTP 404)."""

    default_message = "The requested item was not found."


class InsufficientCreditsError(LeonardoError):
    """The account does not have enough API credits for the job."""

    default_message = "Not enough API credits for this job."


class ServerError(LeonardoError):
    """HTTP 5xx from Leonardo (or from a load balancer in front of it)."""

    default_message = "Leonardo had a server error. Try again later."


class NetworkError(LeonardoError):
    """No usable reply: connection failed, timed out or was cut."""

    default_message = "Could not reach Leonardo. Check the network connection."


class ProtocolError(LeonardoError):
    """A 2xx reply whose body cannot be used (invalid JSON, missing job id...)."""

    default_message = "Leonardo sent a reply the app could not understand."


class UploadError(LeonardoError):
    """The storage (S3) upload of an init image failed."""

    default_message = "The image upload failed."


class WaitTimeoutError(LeonardoError):
    """A job did not finish within the time the caller allowed."""

    default_message = "The job did not finish in time. It may still complete later."


class WaitCancelledError(LeonardoError):
    """Waiting for a job was cancelled by the caller. The job itself keeps running."""

    default_message = "Stopped waiting for the job."


class OutcomeUnknownError(LeonardoError):
    """A billed request may have been accepted, but no usable reply arrived.

    It is never re-sent automatically (that could create and bill a second job).
    ``submitted_at`` is the UTC time just before sending, ``request`` the request object,
    ``operation`` the operation id (``createGeneration``...). For generations,
    :meth:`LeonardoClient.reconcile_generation` finds the job if it was created.
    """

    default_message = (
        "No reply arrived after the job was sent. It may have been created; the app will check."
    )

    def __init__(
        self,
        user_message: str | None = None,
        *,
        submitted_at: datetime,
        request: object,
        operation: str,
        status: int | None = None,
        code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(user_message, status=status, code=code, server_message=server_message)
        self.submitted_at = submitted_at
        self.request = request
        self.operation = operation

    def __repr__(self) -> str:
        return (
            f"OutcomeUnknownError(operation={self.operation!r}, "
            f"submitted_at={self.submitted_at.isoformat()!r}, status={self.status!r})"
        )


class LcmOutcomeUnknownError(OutcomeUnknownError):
    """A realtime (LCM) request was sent but its answer was lost. Its images existed only in
    that answer, so nothing can be looked up afterwards; it is never re-sent (that would be
    billed again): the caller decides whether to send a new request."""

    default_message = (
        "No answer came back from the live request: it may have been made and charged. "
        "It was not sent again."
    )


@dataclass(frozen=True)
class ErrorBody:
    """What could be read from an error reply's body."""

    message: str | None = None
    code: str | None = None
    path: str | None = None
    is_json: bool = False


_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


def _short(text: str) -> str:
    text = _SPACE_RE.sub(" ", text).strip()
    if len(text) > _MAX_SERVER_MESSAGE:
        text = text[: _MAX_SERVER_MESSAGE - 1] + "…"
    return text


def _opt_str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(v, str | int) for v in value):
        return ".".join(str(v) for v in value)
    return None


def _from_mapping(data: Mapping[str, Any]) -> ErrorBody | None:
    # Hasura: {"error", "path", "code"}
    error = data.get("error")
    if isinstance(error, str):
        return ErrorBody(
            _short(error), _opt_str(data.get("code")), _opt_str(data.get("path")), True
        )
    if isinstance(error, Mapping):
        nested = _from_mapping(error)
        if nested is not None:
            return nested
    # GraphQL list: {"errors": [{"message", "extensions": {"path", "code"}}]}
    errors = data.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, Mapping):
                found = _from_mapping(item)
                if found is not None:
                    return found
            elif isinstance(item, str) and item.strip():
                return ErrorBody(_short(item), is_json=True)
    # ApiError: {"message", "path": [...], "locations": [...], "extensions": {...}}
    message = data.get("message")
    if isinstance(message, str):
        extensions = data.get("extensions")
        code = _opt_str(data.get("code"))
        path = _opt_str(data.get("path"))
        if isinstance(extensions, Mapping):
            code = code or _opt_str(extensions.get("code"))
            path = path or _opt_str(extensions.get("path"))
        return ErrorBody(_short(message), code, path, True)
    return None


def parse_error_body(body: bytes, content_type: str | None = None) -> ErrorBody:
    """Read message, code and path from any of the known error body shapes, or from HTML/text."""
    if not body:
        return ErrorBody()
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        found = _from_mapping(data)
        return found if found is not None else ErrorBody(is_json=True)
    if isinstance(data, str) and data.strip():
        return ErrorBody(_short(data), is_json=True)
    if data is not None:
        return ErrorBody(is_json=True)
    # Not JSON: an HTML page from a load balancer or proxy, or plain text.
    lowered = text.lstrip()[:200].lower()
    looks_html = (content_type or "").lower().startswith("text/html") or lowered.startswith(
        ("<!doctype", "<html", "<")
    )
    if looks_html:
        title = _TITLE_RE.search(text)
        if title:
            return ErrorBody(_short(_TAG_RE.sub(" ", title.group(1))) or None)
        stripped = _short(_TAG_RE.sub(" ", text))
        return ErrorBody(stripped or None)
    return ErrorBody(_short(text) or None)


_AUTH_HINTS = (
    "authentication hook",
    "authorization hook",
    "access-denied",
    "unauthorized",
    "unauthorised",
    "invalid api key",
    "api key",
    "not authorized",
)
_MODERATION_HINTS = ("content moderation", "inappropriate content", "moderation filter", "nsfw")
_CREDIT_WORDS = ("credit", "token", "balance")
_LACK_RE = re.compile(r"insufficient|(?:\bnot\b|\bno\b|n't\b)[^.]*?\benough\b")


def classify_error(
    status: int,
    body: bytes,
    *,
    content_type: str | None = None,
    retry_after: float | None = None,
) -> LeonardoError:
    """Turn an HTTP error reply into the matching :class:`LeonardoError` subclass.

    Order: authentication, moderation, rate limit, insufficient credits, not found, other 4xx
    (validation), 5xx (server error).
    """
    parsed = parse_error_body(body, content_type)
    message = parsed.message
    code = parsed.code
    text = f"{message or ''} {code or ''}".lower()
    common: dict[str, Any] = {"status": status, "code": code, "server_message": message}

    auth_hook_failure = "invalid response from authorization hook" in text or (
        "authentication hook unauthorized" in text
    )
    if auth_hook_failure or status == 401:
        return AuthenticationError(**common)
    if 400 <= status < 500 and any(hint in text for hint in _MODERATION_HINTS):
        return ModerationError(_with_detail(ModerationError.default_message, message), **common)
    if status == 403 and any(hint in text for hint in _AUTH_HINTS):
        return AuthenticationError(**common)
    if status == 429:
        return RateLimitedError(retry_after=retry_after, **common)
    if status == 402 or (
        _LACK_RE.search(text) is not None and any(word in text for word in _CREDIT_WORDS)
    ):
        return InsufficientCreditsError(
            _with_detail(InsufficientCreditsError.default_message, message), **common
        )
    if status == 404:
        return NotFoundError(**common)
    if status == 403:
        return AuthenticationError(
            "Leonardo refused access to this request. Check the API key and plan.", **common
        )
    if 400 <= status < 500:
        return ValidationError(message or ValidationError.default_message, **common)
    if status >= 500:
        return ServerError(**common)
    return LeonardoError(f"Unexpected HTTP status {status}.", **common)


def _with_detail(base: str, message: str | None) -> str:
    if not message:
        return base
    return f"{base} {message}" if base.endswith(".") else f"{base}: {message}"


def next_step(exc: LeonardoError) -> str:
    """What the user can do about a job the server refused or could not run, in one sentence:
    a retry is suggested only where a retry can help."""
    if isinstance(exc, ModerationError):
        return (
            "Reword the prompt or choose another image: sending it again as it is gets the same "
            "answer (a refused job is not charged)."
        )
    if isinstance(exc, InsufficientCreditsError):
        return "Top up your API credits, then retry."
    if isinstance(exc, AuthenticationError):
        return "Check the API key (Account ▸ API key…), then retry."
    if isinstance(exc, NotFoundError):
        return "It may have been deleted: sync the library, then choose another image."
    if isinstance(exc, ValidationError):
        return "Change the settings or the image: sending it again as it is gets the same answer."
    return "Try again in a moment."


def classify_error_list(data: Any) -> LeonardoError | None:
    """The error of a 2xx reply whose body is an ``ApiError`` array (the Blueprint operations
    answer errors so, under HTTP 200 as the spec documents it); None for any other body."""
    if not isinstance(data, list) or not data or not isinstance(data[0], Mapping):
        return None
    first = data[0]
    message = first.get("message")
    if not isinstance(message, str):
        return None
    raw_ext = first.get("extensions")
    ext: Mapping[str, Any] = raw_ext if isinstance(raw_ext, Mapping) else {}
    raw_details = ext.get("details")
    details: Mapping[str, Any] = raw_details if isinstance(raw_details, Mapping) else {}
    detail = details.get("message")
    if isinstance(detail, str) and detail.strip() and message.strip() in ("", "An error occurred."):
        message = detail
    status = ext.get("statusCode", details.get("statusCode"))
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status < 600:
        status = 400
    if ext.get("code") == "NOT_FOUND":
        status = 404
    body = {"message": message, "extensions": {"code": ext.get("code")}}
    return classify_error(status, json.dumps(body).encode(), content_type="application/json")
