"""When to poll a generation: a schedule learnt from how long jobs like it took before.

A job's images can be shown only after a poll sees it COMPLETE, so a poll schedule trades
lateness against requests. Jobs of the same model, size and modes take about as long as each
other, and the library remembers how long every job took (:meth:`Library.job_durations`), so:

* before the expected finish, polls are sparse (every :attr:`PollPlan.sparse` seconds: the job
  strip still hears that the job is alive);
* in a window around it (from a little before the fastest recent job to a little after the
  slowest), polls are dense (every :attr:`PollPlan.dense` seconds);
* after the window, the wait grows again (×1.4 a poll up to :attr:`PollPlan.slow`).

A job with no history of its kind (its model alone, then any job, are asked for with a wider
window) polls every second for its first 30 seconds, then backs off the same way.

Every schedule keeps within a request budget: a job polls at most :data:`BUDGET_PER_MINUTE`
times a minute on average (with a burst of :data:`BUDGET_BURST`), so the ten jobs the API runs at
once poll at most 1,000 times a minute, half of the 2,000 requests a minute an account may make.

Times are seconds since the wait began (the server accepted the job). A job's duration is
learnt from the wait itself: it ended between the last poll that saw it running and the first
that saw it done; the middle of that bracket is stored (:class:`PollTracker`).

Pure: no I/O, no clock (the waiting loop passes the time in).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

__all__ = [
    "BUDGET_BURST",
    "BUDGET_PER_MINUTE",
    "DurationStore",
    "PollPlan",
    "PollTracker",
    "job_keys",
    "plan_for",
]

BUDGET_PER_MINUTE: Final = 100.0
BUDGET_BURST: Final = 8.0
#: Recent durations of a kind of job that the plan is made from.
HISTORY: Final = 20
_UNKNOWN_STEADY: Final = 30.0  # seconds of 1 s polls for a job of a kind never seen
_GROWTH: Final = 1.4


class DurationStore(Protocol):
    """Where past jobs' durations are kept (the library)."""

    def job_durations(self, key: str, model_key: str, limit: int = ...) -> dict[str, list[float]]:
        """Recent durations, newest first: ``{"key": [...], "model": [...], "any": [...]}``."""
        ...

    def record_job_duration(self, key: str, model_key: str, seconds: float) -> None: ...


def job_keys(request_json: str | None) -> tuple[str, str]:
    """The kind of a job as ``(key, model key)``: the key names the model, the size, the number
    of images and the modes that change how long a job takes (Alchemy, PhotoReal, Ultra, the
    preset style); the model key the model alone."""
    try:
        data: Any = json.loads(request_json or "")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}

    def part(name: str) -> str:
        value = data.get(name)
        return "" if value is None else str(value)

    model = part("model_id") or "default"
    key = "|".join(
        [
            model,
            f"{part('width')}x{part('height')}",
            f"n{part('num_images')}",
            f"a{part('alchemy')}",
            f"p{part('photo_real')}",
            f"u{part('ultra')}",
            part("preset_style"),
        ]
    )
    return key, model


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values (linear between neighbours)."""
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(len(ordered) - 1, lo + 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class PollPlan:
    """A poll schedule. ``expected`` is the median duration of the history it was made from
    (None: no history); ``early``/``late`` bound the dense window."""

    expected: float | None = None
    early: float = 0.0
    late: float = 0.0
    dense: float = 0.5
    sparse: float = 4.0
    slow: float = 5.0
    samples: int = 0
    budget_per_minute: float = BUDGET_PER_MINUTE
    burst: float = BUDGET_BURST
    #: Scales every interval (and the budget's rate the other way): below 1 for tests and
    #: benchmarks against a fast simulator (the app's first poll interval setting).
    pace: float = 1.0

    @classmethod
    def from_durations(cls, durations: Sequence[float], *, widen: float = 1.0) -> PollPlan:
        """The plan for a job whose kind took ``durations`` seconds before (newest first; only
        the last :data:`HISTORY` count). ``widen`` > 1 for a history of similar, not the same,
        jobs. An empty history gives the plan for an unknown kind."""
        recent = sorted(d for d in list(durations)[:HISTORY] if d >= 0 and math.isfinite(d))
        if not recent:
            return cls()
        median = statistics.median(recent)
        low, high = _quantile(recent, 0.1), _quantile(recent, 0.9)
        # A margin for what the history has not shown yet: more with fewer samples.
        margin = (max(0.75, 0.1 * median) + (0.25 * median if len(recent) < 3 else 0.0)) * widen
        return cls(
            expected=median,
            early=max(0.0, low - margin),
            late=high + margin,
            samples=len(recent),
        )

    def wanted(self, elapsed: float, polls: int) -> float:
        """The wait the schedule wants after a poll at ``elapsed`` (``polls`` made so far),
        before the budget."""
        pace = self.pace
        if self.expected is None:
            if elapsed < _UNKNOWN_STEADY:
                return pace
            return pace * min(self.slow, float(_GROWTH ** ((elapsed - _UNKNOWN_STEADY) / 2.0)))
        dense = self.dense * pace
        if elapsed < self.early - dense:
            # Sparse, landing on the window's start.
            return max(dense, min(self.sparse * pace, self.early - elapsed))
        if elapsed <= self.late:
            return dense
        grown = float(_GROWTH ** (1 + (elapsed - self.late) / 2.0))
        return min(self.slow * pace, dense * grown)

    def next_delay(self, elapsed: float, polls: int) -> float:
        """Seconds to wait after the ``polls``-th poll, made at ``elapsed``: what the schedule
        wants, stretched when the job has used its request budget (polls so far, counting the
        next one, stay within ``burst`` + the budget's rate × the time)."""
        delay = self.wanted(elapsed, polls)
        rate = self.budget_per_minute / 60.0 / self.pace
        earliest = (polls + 1 - self.burst) / rate  # when the next poll fits the budget
        return max(delay, earliest - elapsed)


def plan_for(store: DurationStore | None, key: str, model_key: str) -> PollPlan:
    """The plan for a job of kind ``key``: from the durations of that kind, else (wider) of
    its model, else (wider still) of any job; the unknown-kind plan without any history."""
    if store is None:
        return PollPlan()
    found = store.job_durations(key, model_key, HISTORY)
    if found.get("key"):
        return PollPlan.from_durations(found["key"])
    if len(found.get("model", [])) >= 3:
        return PollPlan.from_durations(found["model"], widen=2.0)
    if len(found.get("any", [])) >= 5:
        return PollPlan.from_durations(found["any"], widen=3.0)
    return PollPlan()


@dataclass
class PollTracker:
    """The schedule of one wait (call it as the waiting loop's ``schedule``) that also notes
    when the job was last seen running, so its duration can be learnt afterwards."""

    plan: PollPlan
    polls: list[float] = field(default_factory=list)  # elapsed at each poll that saw it running
    done_at: float | None = None  # elapsed when the wait ended (set by the one who waited)

    def __call__(self, elapsed: float, polls: int) -> float:
        self.polls.append(elapsed)
        return self.plan.next_delay(elapsed, polls)

    def duration(self, done_at: float) -> float:
        """The job's duration, given that a poll at ``done_at`` saw it done: the middle of
        the bracket between the last poll that saw it running (or the start) and that one."""
        last_running = self.polls[-1] if self.polls else 0.0
        return max(0.0, (last_running + done_at) / 2.0)
