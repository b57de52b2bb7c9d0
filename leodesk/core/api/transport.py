"""The transport core of :class:`~leodesk.core.api.client.LeonardoClient`: connection pools,
the API key, and one API request with the retry rules of its :class:`RequestKind`.

:class:`Transport` holds the two httpx pools (the API with the Authorization header; S3 and the
CDN without it), the injectable ``sleep``/``clock`` and the :class:`RetryPolicy`. The client's
other parts (:mod:`.waiting`, :mod:`.downloads`, :mod:`.uploads`) are mixins over it, so
:class:`LeonardoClient` stays one object with every call on it.

:meth:`Transport._call` sends a request in three steps: :meth:`~Transport._send` (the request,
with retries on transport errors), :meth:`~Transport._ok_reply` (a 2xx reply: its JSON value)
and :meth:`~Transport._error_reply` (an error reply: retried, or raised as a
:class:`~leodesk.core.api.errors.LeonardoError`).
"""

from __future__ import annotations

import enum
import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from leodesk import __version__

from .errors import (
    NetworkError,
    OutcomeUnknownError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    classify_error,
    classify_error_list,
)
from .parse import parse_list, top_level
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUTS",
    "ENV_BASE_URL",
    "RequestKind",
    "Timeouts",
    "Transport",
    "http_timeout",
    "log",
    "network_message",
    "path_id",
    "safe_url",
]

DEFAULT_BASE_URL: Final = "https://cloud.leonardo.ai/api/rest/v1"
ENV_BASE_URL: Final = "LEODESK_API_URL"

log = logging.getLogger("leodesk.api")

# Exceptions raised before any byte of the request left the machine: always safe to retry.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# A step of _call that paused and wants the request sent again.
_AGAIN: Final = object()

_T = TypeVar("_T")


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``read`` applies to API calls and downloads (per read), ``upload`` to S3 uploads."""

    connect: float = 10.0
    read: float = 30.0
    upload: float = 120.0


class RequestKind(enum.Enum):
    """How a request may be retried."""

    #: GET/DELETE: retry every transient failure.
    IDEMPOTENT = "idempotent"
    #: A POST that bills nothing and may be re-sent (pricing, presign): like IDEMPOTENT.
    SAFE_POST = "safe_post"
    #: A cheap billed POST without a job (prompt helpers): retry only 429 and connect failures.
    UNSAFE_POST = "unsafe_post"
    #: A billed job submit: like UNSAFE_POST, and a lost reply raises OutcomeUnknownError.
    BILLED_POST = "billed_post"


DEFAULT_TIMEOUTS: Final = Timeouts()
DEFAULT_RETRY: Final = RetryPolicy()

_REPEATABLE: Final = frozenset({RequestKind.IDEMPOTENT, RequestKind.SAFE_POST})


class _Secret:
    """Holds the API key; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


def network_message(exc: httpx.RequestError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "Leonardo did not answer in time. Check the network connection."
    return NetworkError.default_message


def http_timeout(timeouts: Timeouts, *, read: float, write: float) -> httpx.Timeout:
    """Connecting and waiting for a pooled connection both get ``timeouts.connect``."""
    return httpx.Timeout(connect=timeouts.connect, read=read, write=write, pool=timeouts.connect)


def path_id(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")


def safe_url(url: str) -> str:
    """Scheme, host and path only: presigned and signed URLs carry credentials in the query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class _Call:
    """One API request being made: what it is, how it may be retried, when it was first sent."""

    method: str
    path: str
    operation: str
    kind: RequestKind
    keys: tuple[str, ...]
    request: object = field(repr=False)
    submitted_at: datetime

    @property
    def what(self) -> str:
        return f"{self.method} {self.path}"

    def outcome_unknown(
        self, status: int | None, server_message: str | None, code: str | None = None
    ) -> OutcomeUnknownError:
        return OutcomeUnknownError(
            submitted_at=self.submitted_at,
            request=self.request,
            operation=self.operation,
            status=status,
            code=code,
            server_message=server_message,
        )


class Transport:
    """The connection pools, the key and the retry rules; one API request at a time."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        user_agent: str | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("an API key is required")
        key = api_key.strip()
        if not key.isascii() or not key.isprintable():
            raise ValueError("the API key contains characters that cannot be sent")
        self._key = _Secret(key)
        resolved = base_url if base_url is not None else os.environ.get(ENV_BASE_URL)
        self._base_url = (resolved or DEFAULT_BASE_URL).strip().rstrip("/")
        parts = urlsplit(self._base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the API base URL must be http(s)://host/..., not {self._base_url!r}")
        self._timeouts = timeouts
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._rand: Callable[[], float] = random.random
        agent = user_agent or f"leodesk/{__version__}"
        self._http = httpx.Client(
            base_url=self._base_url + "/",
            headers={
                "Authorization": f"Bearer {key}",
                "accept": "application/json",
                "user-agent": agent,
            },
            timeout=http_timeout(timeouts, read=timeouts.read, write=timeouts.read),
            transport=transport,
            follow_redirects=False,
        )
        # S3 and CDN: never the Authorization header (S3 answers 403 when it is present).
        self._raw = httpx.Client(
            headers={"user-agent": agent},
            timeout=http_timeout(timeouts, read=timeouts.read, write=timeouts.upload),
            transport=transport,
            follow_redirects=True,
        )

    @property
    def base_url(self) -> str:
        """The API base URL (without a trailing slash)."""
        return self._base_url

    def close(self) -> None:
        """Close the connection pools."""
        self._http.close()
        self._raw.close()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _scrub(self, data: bytes) -> bytes:
        key = self._key.reveal().encode("utf-8", errors="replace")
        return data.replace(key, b"<redacted>") if key in data else data

    def _pause(self, attempt: int, what: str, why: str, retry_after: float | None = None) -> None:
        """Sleep before a retry: the server's ``retry_after`` if given, else the backoff."""
        seconds = self._retry.delay(attempt, retry_after, self._rand)
        log.info("%s: %s; retrying in %.2f s", what, why, seconds)
        self._sleep(seconds)

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        kind: RequestKind,
        *keys: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        request: object = None,
    ) -> Any:
        """Send one API request with the retry rules of ``kind``; return the reply's value under
        the first of ``keys`` (see ``top_level``)."""
        call = _Call(method, path, operation, kind, keys, request, self._now())
        attempt = 0
        while True:
            attempt += 1
            response = self._send(call, attempt, body, params)
            if response is None:
                continue
            if 200 <= response.status_code < 300:
                value = self._ok_reply(call, attempt, response)
                if value is _AGAIN:
                    continue
                return value
            self._error_reply(call, attempt, response)

    def _send(
        self,
        call: _Call,
        attempt: int,
        body: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
    ) -> httpx.Response | None:
        """Send the request once: its reply, or None after pausing for another try when the
        transport failed in a way ``call.kind`` may retry; otherwise raise."""
        started = time.perf_counter()
        try:
            response = self._http.request(
                call.method,
                call.path.lstrip("/"),
                json=dict(body) if body is not None else None,
                params=dict(params) if params is not None else None,
            )
        except httpx.RequestError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            log.debug(
                "%s %s -> %s after %.0f ms (attempt %d)",
                call.method,
                call.path,
                type(exc).__name__,
                elapsed,
                attempt,
            )
            not_sent = isinstance(exc, _NOT_SENT)
            if isinstance(exc, httpx.UnsupportedProtocol):
                raise NetworkError(
                    "The API address is not valid.", server_message=str(exc)
                ) from exc
            if (not_sent or call.kind in _REPEATABLE) and attempt < self._retry.max_attempts:
                self._pause(attempt, call.what, type(exc).__name__)
                return None
            if call.kind is RequestKind.BILLED_POST and not not_sent:
                raise call.outcome_unknown(None, type(exc).__name__) from exc
            raise NetworkError(network_message(exc), server_message=type(exc).__name__) from exc
        elapsed = (time.perf_counter() - started) * 1000
        log.debug(
            "%s %s -> %d in %.0f ms (attempt %d)",
            call.method,
            call.path,
            response.status_code,
            elapsed,
            attempt,
        )
        return response

    def _ok_reply(self, call: _Call, attempt: int, response: httpx.Response) -> Any:
        """A 2xx reply's value under ``call.keys``, or ``_AGAIN`` after pausing when its body was
        not JSON and ``call.kind`` may be re-sent."""
        status = response.status_code
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            if call.kind in _REPEATABLE and attempt < self._retry.max_attempts:
                self._pause(attempt, call.what, "invalid JSON")
                return _AGAIN
            if call.kind is RequestKind.BILLED_POST:
                raise call.outcome_unknown(status, "the reply was not valid JSON") from exc
            raise ProtocolError(
                status=status, server_message="the reply was not valid JSON"
            ) from exc
        refused = classify_error_list(data)  # an ApiError array under 200: nothing was made
        if refused is not None:
            raise refused
        return top_level(data, *call.keys, operation=call.operation)

    def _error_reply(self, call: _Call, attempt: int, response: httpx.Response) -> None:
        """An error reply: return after pausing when ``call.kind`` may try again, else raise."""
        policy = self._retry
        can_retry = attempt < policy.max_attempts
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock())
        error = classify_error(
            status,
            self._scrub(response.content),
            content_type=response.headers.get("content-type"),
            retry_after=retry_after,
        )
        if isinstance(error, RateLimitedError):
            # Not accepted: safe to retry for every kind, billed POSTs included.
            within_cap = retry_after is None or retry_after <= policy.max_retry_after
            if can_retry and within_cap:
                self._pause(attempt, call.what, "HTTP 429", retry_after)
                return
            raise error
        if type(error) is ServerError:
            if call.kind in _REPEATABLE and status in RETRYABLE_STATUSES and can_retry:
                # A 503 may carry Retry-After too; honour it unless it is unreasonably long.
                hint = retry_after if (retry_after or 0.0) <= policy.max_retry_after else None
                self._pause(attempt, call.what, f"HTTP {status}", hint)
                return
            if call.kind is RequestKind.BILLED_POST:
                raise call.outcome_unknown(status, error.server_message, error.code) from error
        raise error

    def _get(
        self, path: str, operation: str, key: str, params: Mapping[str, Any] | None = None
    ) -> Any:
        return self._call("GET", path, operation, RequestKind.IDEMPOTENT, key, params=params)

    def _get_list(
        self,
        path: str,
        operation: str,
        key: str,
        parse_item: Callable[[Mapping[str, Any]], _T],
        params: Mapping[str, Any] | None = None,
    ) -> list[_T]:
        return parse_list(self._get(path, operation, key, params), parse_item)

    def _delete(self, path: str, operation: str, key: str) -> str | None:
        """The deleted id, or None if nothing was deleted."""
        item = self._call("DELETE", path, operation, RequestKind.IDEMPOTENT, key)
        if not isinstance(item, Mapping):
            return None
        value = item.get("id")
        return value if isinstance(value, str) else None

    def _submit(
        self, path: str, operation: str, body: Mapping[str, Any], request: object, *keys: str
    ) -> Any:
        """A billed job submit (never re-sent once it may have been accepted): the job object."""
        return self._call(
            "POST", path, operation, RequestKind.BILLED_POST, *keys, body=body, request=request
        )
