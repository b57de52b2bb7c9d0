"""The state machine of a local job (a generation, variation or motion request), as pure logic.

A job moves through these states::

    QUEUED ─► SUBMITTING ─► PENDING ─► DOWNLOADING ─► DONE
       │           │           │            │  ▲
       │           │           │            ▼  │ (download again)
       │           │           │          INCOMPLETE (made and billed; images missing)
       │           ├─► UNKNOWN ┤            └─► FAILED / CANCELLED
       │           │     (the submit may or may not have reached the server: reconcile
       │           │      against the account's generation list before doing anything else)
       └───────────┴─────────► FAILED / CANCELLED

* ``SUBMITTING`` cannot be cancelled: once the request is on the wire the server may charge for
  it, so the only honest outcomes are PENDING (we got a generation id), FAILED (a definite
  rejection) or UNKNOWN (the connection died before we heard back).
* ``PENDING`` and ``DOWNLOADING`` require a generation id.
* Staying in the same non-terminal state is always allowed; that is how progress and message
  updates are made.
* DONE, FAILED and CANCELLED are terminal. A retry is a new job.

:func:`state_after_restart` says where a job stored in the library resumes when the app starts
again. :class:`PollSchedule` is the backoff used while a job is PENDING. Nothing here does I/O or
reads the clock unless given one.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Final

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "InvalidTransition",
    "Job",
    "JobState",
    "PollSchedule",
    "advance",
    "can_advance",
    "is_terminal",
    "state_after_restart",
]


class JobState(enum.StrEnum):
    """Where a job is. The values are what the library stores."""

    QUEUED = "queued"
    SUBMITTING = "submitting"
    PENDING = "pending"
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    INCOMPLETE = "incomplete"


TERMINAL_STATES: Final[frozenset[JobState]] = frozenset(
    {JobState.DONE, JobState.FAILED, JobState.CANCELLED}
)

# Allowed moves to a *different* state. Self-transitions of non-terminal states are always allowed.
TRANSITIONS: Final[Mapping[JobState, frozenset[JobState]]] = {
    JobState.QUEUED: frozenset({JobState.SUBMITTING, JobState.FAILED, JobState.CANCELLED}),
    JobState.SUBMITTING: frozenset({JobState.PENDING, JobState.FAILED, JobState.UNKNOWN}),
    JobState.PENDING: frozenset({JobState.DOWNLOADING, JobState.FAILED, JobState.CANCELLED}),
    JobState.DOWNLOADING: frozenset(
        {JobState.DONE, JobState.INCOMPLETE, JobState.FAILED, JobState.CANCELLED}
    ),
    # Made and billed, some images not stored: they are downloaded again (DOWNLOADING).
    JobState.INCOMPLETE: frozenset({JobState.DOWNLOADING, JobState.DONE}),
    # Reconciling an unknown submit: found it (PENDING), proved it never happened (FAILED), or
    # the user gave up on it (CANCELLED).
    JobState.UNKNOWN: frozenset({JobState.PENDING, JobState.FAILED, JobState.CANCELLED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}

# States that only make sense once the server has given us a generation id.
_NEEDS_GENERATION: Final[frozenset[JobState]] = frozenset(
    {JobState.PENDING, JobState.DOWNLOADING, JobState.INCOMPLETE, JobState.DONE}
)


class InvalidTransition(ValueError):
    """``advance`` was asked for a move the state machine does not allow."""

    def __init__(self, current: JobState, new: JobState, reason: str = "") -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"job cannot go from {current.value} to {new.value}{detail}")
        self.current = current
        self.new = new


def is_terminal(state: JobState) -> bool:
    """True for DONE, FAILED and CANCELLED."""
    return state in TERMINAL_STATES


def can_advance(current: JobState, new: JobState) -> bool:
    """Whether the table allows ``current`` → ``new`` (ignoring the generation-id rule)."""
    if current == new:
        return not is_terminal(current)
    return new in TRANSITIONS[current]


def state_after_restart(state: JobState) -> JobState:
    """Where a job stored as ``state`` resumes after the app restarts.

    A job that was SUBMITTING when the app stopped may or may not have reached the server, so it
    becomes UNKNOWN and must be reconciled. Every other state resumes as it was.
    """
    return JobState.UNKNOWN if state == JobState.SUBMITTING else state


@dataclass(frozen=True)
class Job:
    """A job as the queue sees it. ``progress`` is 0..1 or None when unknown.

    Timestamps are milliseconds since the epoch.
    """

    local_id: int
    kind: str
    state: JobState = JobState.QUEUED
    generation_id: str | None = None
    message: str = ""
    progress: float | None = None
    created_ms: int = 0
    updated_ms: int = 0

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.state)


def _now_ms() -> int:
    return int(time.time() * 1000)


def advance(
    job: Job,
    new_state: JobState,
    *,
    generation_id: str | None = None,
    message: str | None = None,
    progress: float | None = None,
    now_ms: int | None = None,
) -> Job:
    """``job`` moved to ``new_state`` with the given changes, or :class:`InvalidTransition`.

    Arguments left as None keep the job's current value. A job's generation id, once set, never
    changes. ``progress`` is clamped to 0..1. ``updated_ms`` becomes ``now_ms`` (default: now).
    """
    if not can_advance(job.state, new_state):
        raise InvalidTransition(job.state, new_state)
    if (
        generation_id is not None
        and job.generation_id is not None
        and generation_id != job.generation_id
    ):
        raise InvalidTransition(job.state, new_state, "the generation id cannot change")
    gen_id = generation_id if generation_id is not None else job.generation_id
    if new_state in _NEEDS_GENERATION and not gen_id:
        raise InvalidTransition(job.state, new_state, "a generation id is required")
    new_progress = job.progress if progress is None else min(1.0, max(0.0, progress))
    if new_state == JobState.DONE:
        new_progress = 1.0
    return replace(
        job,
        state=new_state,
        generation_id=gen_id,
        message=job.message if message is None else message,
        progress=new_progress,
        updated_ms=_now_ms() if now_ms is None else now_ms,
    )


class PollSchedule:
    """Backoff for polling a pending generation: 1.5 s, ×1.5 each time, at most 10 s apart.

    :meth:`next_delay` gives the wait before the next poll, clipped so that the last poll lands
    on the deadline, and None once the deadline has passed. ``clock`` is a monotonic seconds
    clock (injectable for tests). Not thread-safe: one schedule belongs to one poller.
    """

    def __init__(
        self,
        *,
        initial: float = 1.5,
        factor: float = 1.5,
        cap: float = 10.0,
        deadline: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if initial <= 0 or factor < 1 or cap < initial or deadline <= 0:
            raise ValueError("need 0 < initial <= cap, factor >= 1 and deadline > 0")
        self._initial = initial
        self._factor = factor
        self._cap = cap
        self._clock = clock
        self._deadline_at = clock() + deadline
        self._current = initial
        self._polls = 0

    @property
    def polls(self) -> int:
        """How many delays have been handed out."""
        return self._polls

    def remaining(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self._deadline_at - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def next_delay(self) -> float | None:
        """Seconds to wait before the next poll, or None when the deadline has passed."""
        left = self.remaining()
        if left <= 0.0:
            return None
        delay = min(self._current, self._cap, left)
        self._current = min(self._current * self._factor, self._cap)
        self._polls += 1
        return delay

    def reset(self) -> None:
        """Start the backoff again from ``initial`` (the deadline is unchanged)."""
        self._current = self._initial
