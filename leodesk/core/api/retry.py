"""Retry policy: exponential backoff with jitter, and ``Retry-After`` parsing.

What is retried is decided by the client per request kind (see ``transport.RequestKind``); this
module only says how long to wait.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

#: HTTP statuses that are worth another try for a request that is safe to repeat.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    ``max_attempts`` counts the first try (1 = no retries). The n-th retry waits
    ``min(max_delay, base_delay * 2**(n-1))`` plus up to ``jitter`` × that (random). A server's
    ``Retry-After`` is used as given; if it asks for more than ``max_retry_after`` seconds, the
    client gives up at once and raises ``RateLimitedError`` so the UI can tell the user.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    jitter: float = 0.2
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.jitter < 0:
            raise ValueError("delays and jitter must not be negative")

    def backoff(self, retry_number: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 = the first retry)."""
        exponent = max(0, retry_number - 1)
        delay = min(self.max_delay, self.base_delay * (2.0**exponent))
        return delay + delay * self.jitter * rand()

    def delay(
        self,
        retry_number: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """The wait before ``retry_number``: the server's ``Retry-After``, else the backoff."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return self.backoff(retry_number, rand)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None.

    ``now`` is the current Unix time, used for the HTTP-date form. A date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
