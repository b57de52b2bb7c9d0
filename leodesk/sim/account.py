"""The core of the simulated account: the lock, ids and the clock, the balance, the rate limit
and the job scheduler, over the collections every part of :class:`~leodesk.sim.state.SimState`
reads and writes.

All mutations happen under one re-entrant lock. Jobs advance lazily and exactly: whenever the
state is read, finished jobs are completed at their exact finish time and queued jobs take the
freed slot at that same instant, so timing is deterministic regardless of when clients poll.
``_changes`` is bumped by every change worth keeping (see :mod:`leodesk.sim.keeping`).
"""

from __future__ import annotations

import abc
import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .catalog import (
    PLATFORM_ELEMENTS,
    PLATFORM_MODELS,
    USER_ELEMENTS,
    ModelInfo,
    custom_models,
)
from .config import SimConfig
from .records import CanvasSource, CdnAsset, Generation, GenImage, InitImage, Job, Variation
from .rules import MSG_NO_CREDITS, MSG_RATE_LIMITED, ApiError

#: Billed POSTs that count toward ``rate_limit_per_minute`` (paths relative to the API root).
BILLED_PATHS = frozenset(
    {
        "/generations",
        "/variations/upscale",
        "/variations/unzoom",
        "/variations/nobg",
        "/variations/universal-upscaler",
        "/blueprint-executions",
        "/generations-image-to-video",
        "/generations-text-to-video",
    }
)

#: The realtime canvas (LCM) POSTs: billed, answered at once, rate-limited in their own window.
LCM_PATHS = frozenset(
    {"/generations-lcm", "/lcm-instant-refine", "/lcm-inpainting", "/lcm-upscale"}
)


class Account(abc.ABC):
    """The account's collections, balance and job scheduler (the parts add the endpoints)."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self._lock = threading.RLock()
        self._changes = 0  # bumped by every change worth keeping
        self.username = "leodesk-sim"
        self.origin = ""
        self._slots = max(1, int(cfg.concurrency_slots))
        self._custom_models = custom_models()
        self._models: dict[str, ModelInfo] = {m.id: m for m in PLATFORM_MODELS}
        self._models.update({m.id: m for m in self._custom_models})
        self._elements = {e.ak_uuid: e for e in PLATFORM_ELEMENTS}
        self._user_elements = {e.id: e for e in USER_ELEMENTS}
        self._reset_account(random.Random(f"sim:{cfg.seed}"))

    def _reset_account(self, rng: random.Random) -> None:
        """An empty account: a new user, the configured balance, no generations."""
        self._rng = rng
        self.user_id = self._uuid()
        self._subscription = int(self.cfg.credits)
        self._paid = 0
        self._seq = 0
        self._generations: dict[str, Generation] = {}
        self._images: dict[str, GenImage] = {}
        self._variations: dict[str, Variation] = {}
        self._init_images: dict[str, InitImage] = {}
        self._init_by_key: dict[str, str] = {}
        self._running: list[Job] = []
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}
        self._billed: deque[float] = deque()
        self._billed_lcm: deque[float] = deque()
        self._cdn: dict[str, CdnAsset] = {}
        self._cdn_cache: dict[str, bytes] = {}
        self._account_created = datetime.now(UTC) - timedelta(days=90)
        for model in PLATFORM_MODELS:
            self._cdn[f"/cdn/models/{model.id}/preview.jpg"] = CdnAsset(
                "render", f"model:{model.id}", 512, 512, label=model.name
            )
        for element in PLATFORM_ELEMENTS:
            self._cdn[f"/cdn/elements/{element.ak_uuid}.jpg"] = CdnAsset(
                "render", f"element:{element.ak_uuid}", 384, 384, label=element.name
            )

    # ------------------------------------------------------------------ basics

    def _uuid(self) -> str:
        self._changes += 1
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_seq(self) -> int:
        self._changes += 1
        self._seq += 1
        return self._seq

    @staticmethod
    def now() -> float:
        """The simulator clock (monotonic seconds)."""
        return time.monotonic()

    def url(self, path: str | None) -> str | None:
        """Absolute URL of a CDN/S3 path."""
        return None if path is None else self.origin + path

    @property
    def lock(self) -> threading.RLock:
        """The state lock (held by every public method)."""
        return self._lock

    # ------------------------------------------------------------------ inspection for tests

    @property
    def credits(self) -> int:
        """``apiSubscriptionTokens``."""
        with self._lock:
            self._advance()
            return self._subscription

    @property
    def paid_credits(self) -> int:
        """``apiPaidTokens``."""
        with self._lock:
            return self._paid

    def set_credits(self, subscription: int, paid: int | None = None) -> None:
        """Set the balances (e.g. to test insufficient credits)."""
        with self._lock:
            self._changes += 1
            self._subscription = int(subscription)
            if paid is not None:
                self._paid = int(paid)

    def set_slots(self, slots: int) -> None:
        """Change ``apiConcurrencySlots`` (takes effect for jobs that start afterwards)."""
        with self._lock:
            self._advance()
            self._slots = max(1, int(slots))
            self._fill_slots(self.now())

    @property
    def running_count(self) -> int:
        """Jobs holding a slot right now."""
        with self._lock:
            self._advance()
            return len(self._running)

    @property
    def queued_count(self) -> int:
        """Jobs waiting for a slot."""
        with self._lock:
            self._advance()
            return len(self._queue)

    def job(self, target_id: str) -> Job | None:
        """A copy of the job of a generation or variation (times are monotonic seconds)."""
        with self._lock:
            self._advance()
            job = self._jobs.get(target_id)
            return None if job is None else Job(**job.__dict__)

    def status(self, target_id: str) -> str | None:
        """Status of a generation or variation."""
        with self._lock:
            self._advance()
            if target_id in self._generations:
                return self._generations[target_id].status
            if target_id in self._variations:
                return self._variations[target_id].status
            return None

    def image_ids(self, generation_id: str) -> list[str]:
        """Ids of a generation's images (empty until COMPLETE)."""
        with self._lock:
            self._advance()
            gen = self._generations.get(generation_id)
            return [] if gen is None else [i.id for i in gen.images]

    def generation_ids(self) -> list[str]:
        """All generation ids, newest first."""
        with self._lock:
            gens = sorted(self._generations.values(), key=lambda g: g.seq, reverse=True)
            return [g.id for g in gens]

    # ------------------------------------------------------------------ scheduler

    def _advance(self, now: float | None = None) -> None:
        now = self.now() if now is None else now
        while True:
            due = [j for j in self._running if j.finished_at is not None and j.finished_at <= now]
            if not due:
                break
            job = min(due, key=lambda j: (j.finished_at or 0.0, j.seq))
            self._running.remove(job)
            self._finish(job)
            assert job.finished_at is not None
            self._fill_slots(job.finished_at)

    def _fill_slots(self, at: float) -> None:
        while self._queue and len(self._running) < self._slots:
            nxt = self._queue.popleft()
            nxt.started_at = at
            self._changes += 1
            nxt.finished_at = at + nxt.duration
            self._running.append(nxt)

    def _submit(self, kind: str, target_id: str, cost: int, fail: bool = False) -> Job:
        now = self.now()
        self._advance(now)
        job = Job(
            seq=self._next_seq(),
            kind=kind,
            target_id=target_id,
            duration=max(0.0, float(self.cfg.generation_seconds)),
            submitted_at=now,
            cost=cost,
            fail=fail,
        )
        self._jobs[target_id] = job
        self._queue.append(job)
        self._fill_slots(now)
        return job

    def _check_queue(self) -> None:
        self._advance()
        if len(self._queue) >= self.cfg.queue_per_slot * self._slots:
            raise ApiError(
                429,
                "Too many pending jobs. Please wait for your queued jobs to finish.",
                "rate-limited",
                headers={"Retry-After": str(max(1, math.ceil(self.cfg.generation_seconds)))},
            )

    def complete_all(self) -> int:
        """Finish every queued and running job now; returns how many finished."""
        with self._lock:
            self._advance()
            now = self.now()
            jobs = list(self._running) + list(self._queue)
            self._changes += 1
            self._running.clear()
            self._queue.clear()
            for job in jobs:
                if job.started_at is None:
                    job.started_at = now
                job.finished_at = now
                self._finish(job)
            return len(jobs)

    def _finish(self, job: Job) -> None:
        if job.done:
            return
        job.done = True
        self._changes += 1
        if job.kind in ("generation", "motion", "video"):
            gen = self._generations.get(job.target_id)
            if gen is None:
                return
            if job.fail:
                gen.status = "FAILED"
                self._subscription += job.cost
            else:
                gen.status = "COMPLETE"
                self._materialize(gen)
        else:
            var = self._variations.get(job.target_id)
            if var is None:
                return
            if job.fail:
                var.status = "FAILED"
                self._subscription += job.cost
            else:
                var.status = "COMPLETE"
                self._materialize_variation(var)

    # ------------------------------------------------------------------ credits and limits

    def _charge(self, cost: int) -> None:
        if cost > self._subscription + self._paid:
            raise ApiError(400, MSG_NO_CREDITS, "unexpected")
        self._changes += 1
        from_sub = min(cost, max(self._subscription, 0))
        self._subscription -= from_sub
        self._paid -= cost - from_sub

    def check_rate_limit(self, path: str) -> None:
        """Count a billed POST; raise 429 with Retry-After past ``rate_limit_per_minute``.

        The job POSTs (:data:`BILLED_PATHS`) share one sliding minute, the LCM POSTs
        (:data:`LCM_PATHS`) another, so live mode cannot starve the job queue.
        """
        if path in BILLED_PATHS:
            window = self._billed
        elif path in LCM_PATHS:
            window = self._billed_lcm
        else:
            return
        with self._lock:
            now = self.now()
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= self.cfg.rate_limit_per_minute:
                wait = max(1, math.ceil(window[0] + 60.0 - now))
                raise ApiError(
                    429, MSG_RATE_LIMITED, "rate-limited", headers={"Retry-After": str(wait)}
                )
            window.append(now)
            self._changes += 1

    # ------------------------------------------------------------------ what a finished job makes

    @abc.abstractmethod
    def _materialize(self, gen: Generation) -> None:
        """The images of a generation whose job completed (see :mod:`leodesk.sim.generations`)."""

    @abc.abstractmethod
    def _canvas_source(self, body: Mapping[str, Any]) -> CanvasSource | None:
        """The checked init and mask of a canvas ``POST /generations`` (see
        :mod:`leodesk.sim.canvas`); None when the request is not a canvas request."""

    @abc.abstractmethod
    def _materialize_variation(self, var: Variation) -> None:
        """The output of a variation whose job completed (see :mod:`leodesk.sim.variations`)."""
