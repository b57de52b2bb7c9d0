"""The realtime (LCM) session behind the canvas's Live mode.

At most one request is in flight. While it runs, newer input replaces older input waiting to
be sent: a picture made stale by a newer stroke is dropped, never queued, so the result on
screen always catches up with the newest input and never goes back in time. An explicit
action (Refine, Upscale) is not dropped by later strokes: it goes next. Requests stay within
a rolling per-minute budget; a 429 pauses the session for as long as the API asks, and says so.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from leodesk.core.api import errors
from leodesk.qt.errors import user_message
from leodesk.qt.workers import CancelToken, Pools

log = logging.getLogger("leodesk.live")

# A token bucket: bursts of LIVE_BURST, then LIVE_PER_MINUTE a minute, so no 60 s window
# holds more than LIVE_BURST + LIVE_PER_MINUTE requests (the API allows 100 a minute).
LIVE_PER_MINUTE = 80
LIVE_BURST = 10
DEFAULT_RATE_PAUSE = 10.0


@dataclass(frozen=True)
class LiveInput:
    """What one realtime request is made from (``op``: generate, inpaint, refine, upscale)."""

    revision: int
    op: str
    picture: QImage
    prompt: str
    strength: float
    guidance: float | None
    steps: int | None
    seed: int
    style: str | None = None
    mask: QImage | None = None
    size: int | None = None


@dataclass(frozen=True)
class LiveAnswer:
    """A realtime result, decoded off the GUI thread (``image`` is ready to show)."""

    input: LiveInput
    image: QImage
    data: bytes
    ext: str
    credits: int | None = None
    cost: str | None = None
    sent_at: float = 0.0
    answered_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


Send = Callable[[LiveInput, CancelToken], LiveAnswer]


@dataclass
class LiveStats:
    sent: int = 0
    superseded: int = 0  # inputs replaced by newer ones before they were sent
    shown: int = 0
    stale: int = 0  # answers older than one already shown (never shown)
    failed: int = 0
    overhead_ms: deque[float] = field(default_factory=lambda: deque(maxlen=1000))  # the last


class LiveSession(QObject):
    """Schedules realtime requests; ``answered`` carries each result worth showing."""

    answered = Signal(object)  # LiveAnswer
    status = Signal(str)
    busy = Signal(bool)

    def __init__(
        self,
        pools: Pools,
        send: Send,
        *,
        per_minute: int = LIVE_PER_MINUTE,
        burst: int = LIVE_BURST,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pools = pools
        self._send = send
        self._per_minute = max(1, per_minute)
        self._clock = clock
        self._burst = max(1, burst)
        self._tokens = float(self._burst)
        self._filled_at = clock()
        self._pending: LiveInput | None = None
        self._action: LiveInput | None = None
        self._in_flight: LiveInput | None = None
        self._token: CancelToken | None = None
        self._shown_revision = -1
        self._paused_until = 0.0
        self.stats = LiveStats()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._pump)

    # -- what the canvas asks -----------------------------------------------------------------
    def request(self, inp: LiveInput) -> None:
        """Newest input wins: an input still waiting is replaced, not queued."""
        if self._pending is not None:
            self.stats.superseded += 1
        self._pending = inp
        self._pump()

    def act(self, inp: LiveInput) -> None:
        """An explicit action (Refine, Upscale): sent next, not replaced by live input."""
        self._action = inp
        self._pump()

    def stop(self) -> None:
        """Live is off: nothing waiting is sent, an answer still on its way is not shown."""
        self._pending = None
        self._action = None
        self._timer.stop()
        if self._token is not None:
            self._token.cancel()
        self._in_flight = None
        self._token = None
        self.busy.emit(False)

    @property
    def in_flight(self) -> bool:
        return self._in_flight is not None

    def shown(self, answer: LiveAnswer) -> None:
        """The canvas put ``answer`` on screen: record the overhead since the API answered."""
        if answer.answered_at:
            self.stats.overhead_ms.append((time.perf_counter() - answer.answered_at) * 1000)

    # -- scheduling ---------------------------------------------------------------------------
    def _wait_left(self) -> float:
        """Seconds before another request may be sent (0: now)."""
        now = self._clock()
        rate = self._per_minute / 60.0
        self._tokens = min(self._burst, self._tokens + (now - self._filled_at) * rate)
        self._filled_at = now
        wait = max(0.0, self._paused_until - now)
        if self._tokens < 1.0:
            wait = max(wait, (1.0 - self._tokens) / rate)
        return wait

    def _pump(self) -> None:
        if self._in_flight is not None or (self._pending is None and self._action is None):
            return
        wait = self._wait_left()
        if wait > 0:
            if not self._timer.isActive():
                self._timer.start(int(wait * 1000) + 1)
            paused = self._paused_until > self._clock()
            self.status.emit(
                self.tr(
                    "Live is paused: the API asked for a break (rate limit). It goes on in {s} s."
                ).format(s=f"{wait:.0f}")
                if paused
                else self.tr("Live waits {s} s: at most {n} requests a minute.").format(
                    s=f"{wait:.1f}", n=self._per_minute
                )
            )
            return
        inp = self._action or self._pending
        assert inp is not None
        if inp is self._action:
            self._action = None
        else:
            self._pending = None
        self._start(inp)

    def _start(self, inp: LiveInput) -> None:
        self._in_flight = inp
        self._wait_left()  # brings the bucket up to now
        self._tokens -= 1.0
        self.stats.sent += 1
        self.busy.emit(True)
        worker = self._pools.submit(
            lambda token: self._send(inp, token),
            on_result=lambda answer: self._answered(inp, answer),
            on_error=lambda exc: self._failed(inp, exc),
            name="live",
        )
        self._token = worker.token

    def _done(self, inp: LiveInput) -> bool:
        """The request of ``inp`` ended; False when the session no longer waits for it."""
        if self._in_flight is not inp:
            return False
        self._in_flight = None
        self._token = None
        self.busy.emit(False)
        return True

    def _answered(self, inp: LiveInput, answer: LiveAnswer) -> None:
        if not self._done(inp):
            return
        if inp.op in ("generate", "inpaint") and inp.revision < self._shown_revision:
            self.stats.stale += 1
        else:
            self._shown_revision = max(self._shown_revision, inp.revision)
            self.stats.shown += 1
            self.status.emit("")
            self.answered.emit(answer)
        self._pump()

    def _failed(self, inp: LiveInput, exc: BaseException) -> None:
        if not self._done(inp):
            return
        self.stats.failed += 1
        if isinstance(exc, errors.RateLimitedError):
            self._paused_until = self._clock() + (exc.retry_after or DEFAULT_RATE_PAUSE)
            if self._pending is None and inp.op in ("generate", "inpaint"):
                self._pending = inp  # tried again when the pause ends
        elif isinstance(exc, errors.OutcomeUnknownError):
            self.status.emit(
                self.tr(
                    "No answer came for the last picture (it may have been charged); "
                    "the next change sends a new one."
                )
            )
        else:
            log.info("live request failed: %s", exc)
            self.status.emit(self.tr("Live: {why}").format(why=user_message(exc)))
        self._pump()
