"""When the next queued job may be sent: the account's slots, the submit rate and API pauses.

Pure logic with an injectable monotonic clock; the Qt queue asks :meth:`SendGate.wait` before
each send. A job holds a slot from the moment it is sent until it ends (done, failed, cancelled);
jobs a previous run left on the server are *adopted*: they hold a slot without counting as a
new submit.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

__all__ = ["DEFAULT_SLOTS", "SUBMITS_PER_MINUTE", "SendGate"]

DEFAULT_SLOTS: Final = 2  # until /me says how many apiConcurrencySlots the account has
SUBMITS_PER_MINUTE: Final = 100  # POST /generations per rolling minute
DEFAULT_RATE_PAUSE: Final = 10.0  # a 429 without Retry-After pauses this long


class SendGate:
    """Slots, a rolling submit window and pauses (by the user, or by the API for a while)."""

    def __init__(
        self,
        *,
        slots: int = DEFAULT_SLOTS,
        per_window: int = SUBMITS_PER_MINUTE,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_window < 1 or window <= 0:
            raise ValueError("need per_window >= 1 and window > 0")
        self._slots = max(1, int(slots))
        self._per_window = per_window
        self._window = window
        self._clock = clock
        self._sent: deque[float] = deque()
        self._until = 0.0
        self.in_flight: set[int] = set()
        self.paused = False  # by the user

    @property
    def window(self) -> float:
        """The rate's rolling window, in seconds."""
        return self._window

    @property
    def slots(self) -> int:
        return self._slots

    @slots.setter
    def slots(self, value: int) -> None:
        self._slots = max(1, int(value))

    def pause_for(self, seconds: float | None) -> None:
        """The API asked for a break (429): nothing is sent for ``seconds``."""
        wait = DEFAULT_RATE_PAUSE if seconds is None else max(0.0, float(seconds))
        self._until = max(self._until, self._clock() + wait)

    def api_pause_left(self) -> float:
        """Seconds left of the API's pause (0 when none)."""
        return max(0.0, self._until - self._clock())

    def _window_wait(self) -> float:
        now = self._clock()
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        if len(self._sent) < self._per_window:
            return 0.0
        return self._sent[0] + self._window - now

    def wait(self) -> float | None:
        """None: nothing can be sent until something changes (paused, or every slot taken);
        0: send now; otherwise the seconds to wait (an API pause or the rate window)."""
        if self.paused or len(self.in_flight) >= self._slots:
            return None
        return max(self.api_pause_left(), self._window_wait())

    def sent(self, job_id: int) -> None:
        """A job is being submitted: it takes a slot and counts against the rate."""
        self.in_flight.add(job_id)
        self._sent.append(self._clock())

    def sent_earlier(self, ages: list[float]) -> None:
        """Submits made ``ages`` seconds ago (by a previous run of the app) count against the
        rate too, so a restart cannot exceed it."""
        now = self._clock()
        past = sorted(now - max(0.0, a) for a in ages if a < self._window)
        self._sent = deque(sorted([*past, *self._sent]))

    def adopt(self, job_id: int) -> None:
        """A job already on the server (resumed after a restart) takes a slot."""
        self.in_flight.add(job_id)

    def ended(self, job_id: int) -> None:
        self.in_flight.discard(job_id)
