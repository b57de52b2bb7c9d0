"""Downloads from the CDN: an image or video's bytes, checked against ``Content-Length`` and a
size limit (a mixin of :class:`~leodesk.core.api.client.LeonardoClient` over its S3/CDN pool,
which never carries the Authorization header).
"""

from __future__ import annotations

import time
from typing import Final
from urllib.parse import urlsplit

import httpx

from .errors import (
    LeonardoError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ServerError,
)
from .parse import as_int
from .retry import RETRYABLE_STATUSES, parse_retry_after
from .transport import Transport, log, network_message, safe_url

__all__ = ["DEFAULT_MAX_DOWNLOAD_BYTES", "Downloads"]

DEFAULT_MAX_DOWNLOAD_BYTES: Final = 200 * 1024 * 1024


class Downloads(Transport):
    """Fetching files from the CDN with retries."""

    def download(self, url: str, *, max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES) -> bytes:
        """Fetch an image or video from the CDN (no Authorization header) and return its bytes.

        The body must match ``Content-Length`` when the server sends one; cut bodies, connection
        errors, 429 and 5xx are retried. Larger than ``max_bytes`` raises ProtocolError. The
        caller decodes (and should verify) the image.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("only http(s) URLs can be downloaded")
        policy = self._retry
        target = safe_url(url)
        attempt = 0
        while True:
            attempt += 1
            can_retry = attempt < policy.max_attempts
            started = time.perf_counter()
            retry_after: float | None = None
            try:
                with self._raw.stream("GET", url) as response:
                    status = response.status_code
                    if status == 200:
                        body, problem = self._read_limited(response, max_bytes)
                    else:
                        response.read()
                        body, problem = b"", f"HTTP {status}"
                        retry_after = parse_retry_after(
                            response.headers.get("retry-after"), self._clock()
                        )
            except httpx.RequestError as exc:
                log.debug("GET %s -> %s (attempt %d)", target, type(exc).__name__, attempt)
                if can_retry:
                    self._pause(attempt, f"GET {target}", type(exc).__name__)
                    continue
                raise NetworkError(network_message(exc), server_message=type(exc).__name__) from exc
            log.debug(
                "GET %s -> %d, %d bytes in %.0f ms (attempt %d)",
                target,
                status,
                len(body),
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            if status == 200 and problem is None:
                return body
            transient = problem == "truncated" or status in RETRYABLE_STATUSES or status == 408
            if transient and can_retry:
                self._pause(attempt, f"GET {target}", problem or "", retry_after)
                continue
            if problem == "too large":
                raise ProtocolError(
                    "The file is larger than allowed.", status=status, server_message=problem
                )
            if problem == "truncated":
                raise NetworkError(
                    "The download was cut off. Try again.",
                    server_message="body shorter than Content-Length",
                )
            if status == 404:
                raise NotFoundError("The file was not found.", status=status)
            if status == 429:
                raise RateLimitedError(retry_after=retry_after)
            if status >= 500:
                raise ServerError(status=status)
            raise LeonardoError(f"The download failed (HTTP {status}).", status=status)

    @staticmethod
    def _read_limited(response: httpx.Response, max_bytes: int) -> tuple[bytes, str | None]:
        declared_header = response.headers.get("content-length")
        declared = as_int(declared_header) if declared_header is not None else None
        if declared is not None and declared > max_bytes:
            return b"", "too large"
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > max_bytes:
                return b"", "too large"
            chunks.append(chunk)
        # Content-Length counts the bytes on the wire: compare with the decoded size unless a
        # content coding (gzip...) was applied.
        coding = response.headers.get("content-encoding", "").strip().lower()
        received = total if coding in ("", "identity") else response.num_bytes_downloaded
        if declared is not None and received != declared:
            return b"", "truncated"
        return b"".join(chunks), None
