"""Waiting for jobs: polling a generation or a variation until it ends, and finding the
generation a lost submit created (a mixin of :class:`~leodesk.core.api.client.LeonardoClient`).

It reads through the client's own calls (``get_generation``, ``get_variation``,
``list_generations``), declared here as abstract methods, and waits with the transport's
injectable ``sleep`` and ``clock``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .errors import (
    NetworkError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    WaitCancelledError,
    WaitTimeoutError,
)
from .models import Generation, Variation
from .transport import Transport, log

__all__ = ["Waiting"]

_CANCEL_SLICE: Final = 0.2
_POLL_FAILED: Final = object()  # a poll that failed transiently (not "missing")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Waiting(Transport, ABC):
    """Polling with backoff and cancellation, and reconciling a lost submit."""

    # The client's reads that the waits poll (defined by LeonardoClient).
    @abstractmethod
    def get_generation(self, generation_id: str) -> Generation | None: ...

    @abstractmethod
    def get_variation(self, variation_id: str) -> list[Variation]: ...

    @abstractmethod
    def list_generations(
        self, user_id: str, offset: int = 0, limit: int = 10
    ) -> list[Generation]: ...

    def _check_cancel(self, cancel: Callable[[], bool] | None) -> None:
        if cancel is not None and cancel():
            raise WaitCancelledError()

    def _wait(self, seconds: float, cancel: Callable[[], bool] | None) -> None:
        if cancel is None:
            self._sleep(seconds)
            return
        remaining = seconds
        while remaining > 0:
            self._check_cancel(cancel)
            chunk = min(_CANCEL_SLICE, remaining)
            self._sleep(chunk)
            remaining -= chunk
        self._check_cancel(cancel)

    def _poll(
        self,
        fetch: Callable[[], Any],
        done: Callable[[Any], bool],
        *,
        what: str,
        interval: float,
        max_interval: float,
        timeout: float,
        cancel: Callable[[], bool] | None,
        missing_grace: float,
        schedule: Callable[[float, int], float] | None = None,
    ) -> Any:
        started = self._clock()
        deadline = started + timeout
        delay = max(0.0, interval)
        missing_since: float | None = None
        polls = 0
        while True:
            self._check_cancel(cancel)
            floor = 0.0
            try:
                item = fetch()
            except NotFoundError:
                item = None
            except (NetworkError, ServerError, ProtocolError, RateLimitedError) as exc:
                # The request already had its own retries; keep polling until the deadline.
                log.warning("polling %s failed: %s", what, exc)
                item = _POLL_FAILED
                if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
                    floor = exc.retry_after
            if item is None:
                now = self._clock()
                missing_since = now if missing_since is None else missing_since
                if now - missing_since > missing_grace:
                    raise NotFoundError(f"The {what} was not found.")
            elif item is not _POLL_FAILED:
                missing_since = None
                if done(item):
                    return item
            polls += 1
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError()
            if schedule is not None:
                delay = max(0.05, schedule(now - started, polls))
            self._wait(min(max(delay, floor), deadline - now), cancel)
            delay = min(max_interval, max(delay, 0.1) * 1.5)

    def wait_for_generation(
        self,
        generation_id: str,
        *,
        interval: float = 2.0,
        max_interval: float = 10.0,
        timeout: float = 600.0,
        cancel: Callable[[], bool] | None = None,
        on_update: Callable[[Generation], None] | None = None,
        missing_grace: float = 30.0,
        schedule: Callable[[float, int], float] | None = None,
    ) -> Generation:
        """Poll ``GET /generations/{id}`` with backoff until it is COMPLETE or FAILED.

        ``schedule(elapsed, polls)``, when given, says how long to wait after each poll (seconds
        since the wait began, polls made so far) instead of the backoff from ``interval`` to
        ``max_interval`` (see :mod:`leodesk.core.polling`); a Retry-After still wins.

        Transient failures keep the poll going; ``generations_by_pk: null`` (or 404) for longer
        than ``missing_grace`` seconds raises NotFoundError. Raises WaitTimeoutError after
        ``timeout`` seconds and WaitCancelledError as soon as ``cancel()`` returns True. A FAILED
        generation is returned, not raised: check ``status``. ``on_update`` sees every poll result.
        """

        def fetch() -> Generation | None:
            generation = self.get_generation(generation_id)
            if generation is not None and on_update is not None:
                on_update(generation)
            return generation

        result: Generation = self._poll(
            fetch,
            lambda g: bool(g.is_terminal),
            what="generation",
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cancel=cancel,
            missing_grace=missing_grace,
            schedule=schedule,
        )
        return result

    def wait_for_variation(
        self,
        variation_id: str,
        *,
        interval: float = 2.0,
        max_interval: float = 10.0,
        timeout: float = 600.0,
        cancel: Callable[[], bool] | None = None,
        missing_grace: float = 30.0,
    ) -> Variation:
        """Poll ``GET /variations/{id}`` like :meth:`wait_for_generation`; returns the variation
        (COMPLETE or FAILED)."""

        def fetch() -> Variation | None:
            items = self.get_variation(variation_id)
            for item in items:
                if item.id == variation_id:
                    return item
            return items[0] if items else None

        result: Variation = self._poll(
            fetch,
            lambda v: bool(v.is_terminal),
            what="variation",
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cancel=cancel,
            missing_grace=missing_grace,
        )
        return result

    def reconcile_generation(
        self,
        *,
        user_id: str,
        prompt: str,
        submitted_after: datetime,
        limit: int = 50,
        skew: float = 120.0,
        exclude_ids: Collection[str] = (),
    ) -> Generation | None:
        """After an OutcomeUnknownError: find the generation the lost submit created, if any.

        Pages through the user's generations (``limit`` a page, newest first) down to the first
        one created before ``submitted_after - skew`` seconds (clock skew between this machine
        and the server), so every generation made since the submit is seen however many others
        were made meanwhile. A match has the same prompt (ignoring surrounding whitespace) and is
        not in ``exclude_ids`` (jobs the app already follows). Returns the closest in time, or
        None after a complete look. Any error of a page request is raised (the look is then not
        complete). A naive ``submitted_after`` is UTC. Note: if the server rewrites prompts
        (``enhancePrompt``), no match can be made.
        """
        target = _utc(submitted_after)
        threshold = target - timedelta(seconds=skew)
        wanted = prompt.strip()
        page_size = max(1, int(limit))
        best: tuple[float, Generation] | None = None
        offset = 0
        while True:
            page = self.list_generations(user_id, offset, page_size)
            for generation in page:
                created = generation.created_at_datetime
                if (
                    generation.id is None
                    or generation.id in exclude_ids
                    or generation.prompt is None
                    or generation.prompt.strip() != wanted
                    or created is None
                    or created < threshold
                ):
                    continue
                distance = abs((created - target).total_seconds())
                if best is None or distance < best[0]:
                    best = (distance, generation)
            times = [c for g in page if (c := g.created_at_datetime) is not None]
            if len(page) < page_size or (times and min(times) < threshold):
                return best[1] if best is not None else None
            # New generations made while paging push older ones down: a page may repeat a few
            # items, none is skipped.
            offset += len(page)
