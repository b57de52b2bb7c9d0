"""Generations as a kind of job: the runner the queue sends them through, and the queue as the
app holds it (:class:`GenerationService`, a :class:`JobQueue` that also takes Generate clicks
and reports stored generations, charges and refunds).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from leodesk.core.api.errors import InsufficientCreditsError
from leodesk.core.api.models import Generation, GenerationJob, GenerationRequest, UserInfo
from leodesk.core.imagestore import verify_image
from leodesk.core.pipeline import (
    FAILED,
    ImagesMissing,
    JobFailed,
    LibraryRecord,
    Pipeline,
    request_from_json,
    request_json,
)
from leodesk.core.rules import DEFAULT_MODEL_ID, pricing_params
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.errors import user_message
from leodesk.qt.queue import CreditShortfall, JobQueue, LibraryPersist, NotEnoughCredits
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.catalog import ModelInfo
    from leodesk.core.library import JobRecord, Library

log = logging.getLogger("leodesk.generation")

GENERATION = "generation"  # the stored kind of a generation job


class _SenderClient:
    """The shared client, except that a submit refused with 429 is not retried inside the
    request: it comes back to the queue, which pauses sending for ``Retry-After``.

    It also reports (on the worker thread) each accepted submit's charge, ``charged(generation
    id, apiCreditCost)``, and each generation that ends FAILED, ``refunded(generation id)``."""

    def __init__(
        self,
        client: LeonardoApi,
        charged: Callable[[str, int], None] | None = None,
        refunded: Callable[[str], None] | None = None,
    ) -> None:
        # Imported here: the client module (~7 ms to import, measured) loads with the client,
        # on a worker, not at start-up.
        from leodesk.core.api.client import DEFAULT_RETRY

        self._client = client
        self._sender = client.with_retry(replace(DEFAULT_RETRY, max_retry_after=0.0))
        self._charged = charged
        self._refunded = refunded

    def create_generation(self, req: GenerationRequest) -> GenerationJob:
        job = self._sender.create_generation(req)
        cost = job.api_credit_cost
        gid = job.generation_id
        if self._charged is not None and gid and isinstance(cost, int):
            self._charged(str(gid), cost)
        return job

    def wait_for_generation(
        self,
        generation_id: str,
        *,
        interval: float = 2.0,
        max_interval: float = 10.0,
        timeout: float = 600.0,
        cancel: Callable[[], bool] | None = None,
        schedule: Callable[[float, int], float] | None = None,
    ) -> Generation:
        gen = self._client.wait_for_generation(
            generation_id,
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cancel=cancel,
            schedule=schedule,
        )
        if self._refunded is not None and gen.status == "FAILED":
            self._refunded(str(generation_id))
        return gen

    def get_me(self) -> UserInfo:
        return self._client.get_me()

    def reconcile_generation(
        self,
        *,
        user_id: str,
        prompt: str,
        submitted_after: datetime,
        limit: int = 50,
        exclude_ids: Collection[str] = (),
    ) -> Generation | None:
        return self._client.reconcile_generation(
            user_id=user_id,
            prompt=prompt,
            submitted_after=submitted_after,
            limit=limit,
            exclude_ids=exclude_ids,
        )

    def download(self, url: str, *, max_bytes: int | None = None) -> bytes:
        """The file at ``url``; ``max_bytes`` None: the client's own limit."""
        if max_bytes is None:
            return self._client.download(url)
        return self._client.download(url, max_bytes=max_bytes)


class _Durations:
    """The library's record of how long jobs took (the poll plan's history), read and written
    on the database thread (see :mod:`leodesk.core.polling`)."""

    def __init__(self, backend: Backend) -> None:
        self._b = backend

    def job_durations(self, key: str, model_key: str, limit: int = 20) -> dict[str, list[float]]:
        found: dict[str, list[float]] = self._b.db(
            lambda lib: lib.job_durations(key, model_key, limit)
        ).result(timeout=DB_WAIT)
        return found

    def record_job_duration(self, key: str, model_key: str, seconds: float) -> None:
        # Not awaited: the job's images are on their way to the gallery meanwhile. The database
        # thread runs writes in order, so the next job's plan reads it.
        future = self._b.db(lambda lib: lib.record_job_duration(key, model_key, seconds))
        future.add_done_callback(_log_failure)


def _log_failure(future: Any) -> None:
    exc = future.exception()
    if exc is not None:
        log.warning("a job's duration was not remembered: %s", exc)


class GenerationRunner:
    """Sends and follows stored generation jobs for the queue (:class:`leodesk.qt.queue.Runner`)
    and reports through the queue's :class:`GenerationService` signals."""

    def __init__(self, backend: Backend, queue: GenerationService) -> None:
        self._b = backend
        self.queue = queue
        self.poll_interval = 1.0
        # Other pipeline timings (settle, reconcile_delay, download_delay, space_wait...): the
        # pipeline's defaults unless set here (tests and benchmarks make them short).
        self.tuning: dict[str, Any] = {}
        self._sender: tuple[LeonardoApi, _SenderClient] | None = None
        self._prices: dict[str, int] = {}  # stored body -> credits (priced while queued)
        self._models: dict[str, ModelInfo] = {}  # pricing traits
        self._models_lock = threading.Lock()

    def _pipeline(self, token: CancelToken) -> Pipeline:
        client = self._b.client()
        if self._sender is None or self._sender[0] is not client:
            q = self.queue
            self._sender = (client, _SenderClient(client, q.charged.emit, q.refunded.emit))
        persist = LibraryPersist(self._b)
        return Pipeline(
            client=self._sender[1],
            store=self._b.store,
            persist=persist,
            on_progress=self.queue.report,
            cancelled=lambda: token.cancelled,
            verify=verify_image,
            claim=persist.claim_generation,
            poll_interval=self.poll_interval,
            durations=_Durations(self._b),
            **self.tuning,
        )

    # -- what the queue asks (GUI thread) ----------------------------------------------------
    def label(self, body: str | None) -> str:
        return label_for(_prompt_of(body))

    def can_resume(self, rec: JobRecord) -> bool:
        """A stored request that cannot be read is marked failed, not followed."""
        try:
            request_from_json(rec.request_json or "")
        except (ValueError, TypeError) as exc:
            log.warning("job %s has an unreadable request: %s", rec.id, exc)
            job_id = rec.id
            self.queue.on_db(
                lambda lib: LibraryRecord(lib).job_ended(
                    job_id,
                    FAILED,
                    QCoreApplication.translate(
                        "GenerationService", "The saved request could not be read."
                    ),
                )
            )
            return False
        return True

    def finished(self, generation_id: str) -> None:
        if generation_id:
            self.queue.generation_stored.emit(generation_id)

    def job_failed(self, rec: JobRecord, exc: BaseException) -> None:
        q = self.queue
        if not isinstance(exc, JobFailed):
            log.warning("generation job error: %s", exc)
        q.failed.emit(user_message(exc))
        if isinstance(exc, ImagesMissing):  # made: the gallery shows what arrived
            q.generation_stored.emit(exc.generation_id)
        if isinstance(exc, NotEnoughCredits):
            q.insufficient_credits.emit(
                CreditShortfall(rec.id, q.label(rec.id), exc.needed, str(exc))
            )

    # -- what the queue asks (worker threads) ------------------------------------------------
    def send(self, rec: JobRecord, token: CancelToken) -> str:
        """Submit the stored request of ``rec`` (claimed by the queue) and follow it."""
        body = rec.request_json or ""
        try:
            req = request_from_json(body)
        except (ValueError, TypeError) as exc:
            message = QCoreApplication.translate(
                "GenerationService", "The saved request could not be read."
            )
            LibraryPersist(self._b).job_ended(rec.id, FAILED, message)
            raise JobFailed(message) from exc
        try:
            return str(self._pipeline(token).run(rec.id, req).id)
        except JobFailed as exc:
            if isinstance(exc.__cause__, InsufficientCreditsError):
                needed = self._prices.get(body)
                if needed is None:
                    needed = self._price(req, body, "a refused job")
                raise NotEnoughCredits(str(exc), needed) from exc.__cause__
            raise

    def resume(self, rec: JobRecord, token: CancelToken) -> str:
        """Follow a job the previous run sent (polled, looked for, or its missing images
        downloaded); never sent again."""
        req = request_from_json(rec.request_json or "")
        gen = self._pipeline(token).resume(
            rec.id,
            generation_id=rec.generation_id,
            prompt=req.prompt,
            submitted_at=rec.submitted_at,
            req_json=rec.request_json,
        )
        return str(gen.id)

    def price_body(self, body: str | None) -> int | None:
        """The pricing calculator's price of a stored request (None: not known)."""
        try:
            req = request_from_json(body or "")
        except (ValueError, TypeError):
            return None
        price = self._price(req, body or "", "a queued job")
        if price is not None:
            self._prices[body or ""] = price
        return price

    def _price(self, req: GenerationRequest, body: str, what: str) -> int | None:
        try:
            return int(self._b.client().price(pricing_params(req, self._model_info(body))))
        except Exception as exc:  # the queue and the message then say the price is not known
            log.info("no price for %s: %s", what, exc)
            return None

    def _model_info(self, body: str) -> ModelInfo | None:
        """The catalog's ModelInfo for a stored request's model (None: not in the cached
        lists). Pricing needs its traits (Lightning, Phoenix, Flux...), as the form's live cost
        does, or the queue's prices differ from what is charged."""
        # No modelId: the API's default model, whose facts the catalog has like any model's.
        model_id = _model_id_of(body) or DEFAULT_MODEL_ID
        with self._models_lock:
            cached = self._models.get(model_id)
            if cached is None or not cached.facts_known:  # facts may have arrived since
                try:
                    models = self._b.db(_all_models).result(DB_WAIT)
                    self._models = {m.id: m for m in models}
                except Exception as exc:
                    log.info("the model lists could not be read for pricing: %s", exc)
            return self._models.get(model_id)


def _all_models(lib: Library) -> list[ModelInfo]:
    return [m for kind in ("platform", "own") for m in lib.load_models(kind)]


class GenerationService(JobQueue):
    """The job queue of the app (every kind of job), with generations registered as one kind:
    Generate clicks come in through :meth:`submit` / :meth:`submit_batch`.

    Signals, besides the queue's: generation_stored(str generation id), charged(str generation
    id, int credits), refunded(str generation id: it failed on the server),
    insufficient_credits(CreditShortfall).
    """

    generation_stored = Signal(str)
    charged = Signal(str, int)
    refunded = Signal(str)
    insufficient_credits = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(backend, parent)
        self.generations = GenerationRunner(backend, self)
        self.register(GENERATION, self.generations)
        self._batches = 0  # Generate clicks this run (part of the group label)

    @property
    def poll_interval(self) -> float:
        """The first wait between polls of a generation."""
        return self.generations.poll_interval

    @poll_interval.setter
    def poll_interval(self, seconds: float) -> None:
        self.generations.poll_interval = seconds

    @property
    def tuning(self) -> dict[str, Any]:
        """Other generation pipeline timings (see :class:`GenerationRunner`)."""
        return self.generations.tuning

    def submit(
        self, req: GenerationRequest, then: Callable[[list[int]], None] | None = None
    ) -> None:
        """Queue one job (one Generate click); ``then([job id])`` once it is stored."""
        self.submit_batch([req], then=then)

    def submit_batch(
        self,
        reqs: list[GenerationRequest],
        group: str | None = None,
        then: Callable[[list[int]], None] | None = None,
    ) -> None:
        """Store every request as a QUEUED job under one group label; the scheduler sends them
        (``then(job ids)`` once they are stored)."""
        if not reqs:
            return
        self._batches += 1
        label = group or (
            f"{label_for(reqs[0].prompt)} · {time.strftime('%H:%M:%S')} #{self._batches}"
        )
        bodies = [request_json(r) for r in reqs]
        labels = [label_for(r.prompt) for r in reqs]
        self.submit_jobs(GENERATION, bodies, labels, label, then)


def _field_of(body: str | None, key: str) -> Any:
    try:
        data = json.loads(body or "")
    except ValueError:
        return None
    return data.get(key) if isinstance(data, dict) else None


def _model_id_of(body: str | None) -> str | None:
    model_id = _field_of(body, "model_id")
    return model_id if isinstance(model_id, str) and model_id else None


def _prompt_of(body: str | None) -> str:
    prompt = _field_of(body, "prompt")
    return prompt if isinstance(prompt, str) else ""


def label_for(prompt: str) -> str:
    """What the job strip calls a generation: its prompt, on one line, at most 40 characters."""
    prompt = " ".join(prompt.split())
    return prompt if len(prompt) <= 40 else prompt[:39] + "…"
