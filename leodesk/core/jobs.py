"""The state machine of a local job (a generation, variation or motion request), as pure logic.

A job moves through these states; these are the only moves (:data:`TRANSITIONS`)::

    QUEUED      ─► SUBMITTING, FAILED, CANCELLED
    SUBMITTING  ─► PENDING, UNKNOWN, FAILED, QUEUED (nothing was sent)
    UNKNOWN     ─► PENDING, FAILED, CANCELLED
    PENDING     ─► DOWNLOADING, DONE, INCOMPLETE, FAILED, CANCELLED
    DOWNLOADING ─► DONE, INCOMPLETE, FAILED, CANCELLED
    INCOMPLETE  ─► PENDING, DOWNLOADING, DONE, FAILED (its saved job unreadable)
    DONE, FAILED, CANCELLED: terminal

* ``UNKNOWN``: the submit may or may not have reached the server; the job is looked for among
  what the account made before anything else, and never sent again.
* ``INCOMPLETE``: made and billed, some images not stored; they are downloaded again.
* ``SUBMITTING`` cannot be cancelled: once the request is on the wire the server may charge for
  it, so the only honest outcomes are PENDING (we got a generation id), FAILED (a definite
  rejection) or UNKNOWN (the connection died before we heard back). It goes back to QUEUED only
  when nothing was sent (the app closed on a claimed job, or the API answered 429).
* ``PENDING``, ``DOWNLOADING``, ``INCOMPLETE`` and ``DONE`` require a generation id (for a
  variation, the server's id of the variation job), which never changes once set.
* Staying in the same non-terminal state is always allowed; that is how progress and message
  updates are made.
* DONE, FAILED and CANCELLED are terminal. A retry is a new job.

Every state the pipelines store goes through :func:`advance` (see
``leodesk.core.pipeline.LibraryRecord``). The poll backoff while a job is PENDING is the API
client's (``wait_for_generation``). Nothing here does I/O or reads the clock unless given one.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "InvalidTransition",
    "Job",
    "JobState",
    "advance",
    "can_advance",
    "is_terminal",
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
    # Back to QUEUED only when nothing was sent (a claim undone, or a 429).
    JobState.SUBMITTING: frozenset(
        {JobState.PENDING, JobState.FAILED, JobState.UNKNOWN, JobState.QUEUED}
    ),
    # The pipelines store no DOWNLOADING: a followed job ends straight from PENDING.
    JobState.PENDING: frozenset(
        {
            JobState.DOWNLOADING,
            JobState.DONE,
            JobState.INCOMPLETE,
            JobState.FAILED,
            JobState.CANCELLED,
        }
    ),
    JobState.DOWNLOADING: frozenset(
        {JobState.DONE, JobState.INCOMPLETE, JobState.FAILED, JobState.CANCELLED}
    ),
    # Made and billed, some images not stored: they are downloaded again (the generation is
    # polled first: PENDING). FAILED only when its saved job can no longer be read.
    JobState.INCOMPLETE: frozenset(
        {JobState.PENDING, JobState.DOWNLOADING, JobState.DONE, JobState.FAILED}
    ),
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
