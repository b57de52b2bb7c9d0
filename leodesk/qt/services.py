"""Services: QObjects that run core work on the backend's pools and report typed signals.

Background code never touches widgets: workers call core functions and the results come back to
the GUI thread as signals carrying frozen dataclasses or plain values.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from leodesk.core.catalog import ModelInfo, carry_facts, needing_facts
from leodesk.core.pipeline import (
    FAILED,
    INCOMPLETE,
    QUEUED,
    ImagesMissing,
    JobFailed,
    LibraryRecord,
    Pipeline,
    Progress,
    is_disk_full,
    request_json,
)
from leodesk.qt.backend import Backend
from leodesk.qt.workers import CancelToken

log = logging.getLogger("leodesk.services")

DB_WAIT = 30.0  # seconds a network worker waits for its database write
SPACE_RETRY = 10.0  # seconds between tries to send while the library's disk is full

T = TypeVar("T")


def user_message(exc: BaseException) -> str:
    """The short text to show for an exception from any layer."""
    msg = getattr(exc, "user_message", None)
    if isinstance(msg, str) and msg:
        return msg
    text = str(exc)
    return text if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------
class LibraryPersist:
    """Pipeline persistence: the core's :class:`LibraryRecord` writes, each run on the database
    thread and awaited."""

    def __init__(self, backend: Backend) -> None:
        self._b = backend

    def _run(self, fn: Callable[[LibraryRecord], T]) -> T:
        result: T = self._b.db(lambda lib: fn(LibraryRecord(lib))).result(timeout=DB_WAIT)
        return result

    def job_submitting(self, job_id: int, submitted_at: float) -> None:
        self._run(lambda r: r.job_submitting(job_id, submitted_at))

    def job_checking(self, job_id: int) -> None:
        self._run(lambda r: r.job_checking(job_id))

    def job_accepted(self, job_id: int, generation_id: str) -> None:
        self._run(lambda r: r.job_accepted(job_id, generation_id))

    def claim_generation(self, job_id: int, generation_id: str) -> bool:
        return self._run(lambda r: r.claim_generation(job_id, generation_id))

    def generation_seen(self, generation: Any, request_json: str | None) -> None:
        self._run(lambda r: r.generation_seen(generation, request_json))

    def image_stored(self, image_id: str, sha256: str, ext: str) -> None:
        self._run(lambda r: r.image_stored(image_id, sha256, ext))

    def stored_images(self, generation_id: str) -> set[str]:
        return self._run(lambda r: r.stored_images(generation_id))

    def job_ended(self, job_id: int, state: str, message: str | None) -> None:
        self._run(lambda r: r.job_ended(job_id, state, message))


@dataclass(frozen=True)
class JobView:
    """What the job strip shows for one job."""

    job_id: int
    label: str
    state: str
    message: str = ""
    generation_id: str | None = None
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class QueueStatus:
    """What the queue panel says about the queue as a whole."""

    queued: int
    running: int
    slots: int
    paused: bool
    api_pause: float  # seconds left of a pause the API asked for (429)
    cost: int  # credits of the queued jobs whose price is known
    cost_known: bool  # every queued job's price is known
    disk_full: bool = False  # the library's disk is full: sending waits for space

    def text(self) -> str:
        parts = [f"{self.queued} queued", f"{self.running} of {self.slots} running"]
        if self.queued:
            parts.append(f"{self.cost}{'' if self.cost_known else '+'} credits queued")
        line = " · ".join(parts)
        if self.disk_full:
            return f"Waiting for disk space (free some space; sending goes on by itself) · {line}"
        if self.api_pause > 0:
            return f"Paused by the API for {max(1, round(self.api_pause))} s · {line}"
        if self.paused:
            return f"Paused · {line}"
        return line


@dataclass(frozen=True)
class CreditShortfall:
    """A job the API refused for lack of credits."""

    job_id: int
    label: str
    needed: int | None  # the pricing calculator's price of the job (None: not known)
    message: str  # what the job strip says


class NotEnoughCredits(JobFailed):
    """The submit was refused for lack of credits; ``needed`` is the job's price, if known."""

    def __init__(self, message: str, needed: int | None) -> None:
        super().__init__(message)
        self.needed = needed


class _SenderClient:
    """The shared client, except that a submit refused with 429 is not retried inside the
    request: it comes back to the queue, which pauses sending for ``Retry-After``.

    It also reports (on the worker thread) each accepted submit's charge, ``charged(generation
    id, apiCreditCost)``, and each generation that ends FAILED, ``refunded(generation id)``."""

    def __init__(
        self,
        client: Any,
        charged: Callable[[str, int], None] | None = None,
        refunded: Callable[[str], None] | None = None,
    ) -> None:
        self._client = client
        self._sender = client
        self._charged = charged
        self._refunded = refunded
        with_retry = getattr(client, "with_retry", None)
        if with_retry is not None:
            from dataclasses import replace

            from leodesk.core.api.client import DEFAULT_RETRY

            self._sender = with_retry(replace(DEFAULT_RETRY, max_retry_after=0.0))

    def create_generation(self, req: Any) -> Any:
        job = self._sender.create_generation(req)
        cost = getattr(job, "api_credit_cost", None)
        gid = getattr(job, "generation_id", None)
        if self._charged is not None and gid and isinstance(cost, int):
            self._charged(str(gid), cost)
        return job

    def wait_for_generation(self, generation_id: str, **kw: Any) -> Any:
        gen = self._client.wait_for_generation(generation_id, **kw)
        if self._refunded is not None and getattr(gen, "status", None) == "FAILED":
            self._refunded(str(generation_id))
        return gen

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class GenerationService(QObject):
    """The generation queue: every job is stored QUEUED first, then sent by a scheduler that
    keeps to the account's ``apiConcurrencySlots`` and 100 submits a minute, and pauses when the
    API answers 429. Queue order, groups and states live in the library, so a restart resumes.

    Signals: job_changed(JobView), generation_stored(str generation id), failed(str),
    queue_changed(list[JobRecord] in queue order), status_changed(QueueStatus),
    charged(str generation id, int credits), refunded(str generation id: it failed on the
    server), insufficient_credits(CreditShortfall).
    """

    job_changed = Signal(object)
    generation_stored = Signal(str)
    failed = Signal(str)
    queue_changed = Signal(object)
    status_changed = Signal(object)
    charged = Signal(str, int)
    refunded = Signal(str)
    insufficient_credits = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtCore import QTimer

        from leodesk.core.queue import SendGate

        self._b = backend
        self._labels: dict[int, str] = {}
        # Other kinds of stored job (variations, motion) and who runs them: see register().
        self._runners: dict[str, Any] = {}
        self.poll_interval = 1.0
        # Other pipeline timings (settle, reconcile_delay, download_delay, space_wait...): the
        # pipeline's defaults unless set here (tests and benchmarks make them short).
        self.tuning: dict[str, Any] = {}
        self.gate = SendGate()
        self.records: list[Any] = []  # JobRecord, queue order (the last read)
        self._costs: dict[str, int | None] = {}  # request json -> credits (None: asking)
        self._models: dict[str, Any] = {}  # model id -> ModelInfo (pricing traits)
        self._sender: tuple[Any, _SenderClient] | None = None
        self._batches = 0  # Generate clicks this run (part of the group label)
        self._loaded = False  # the previous run's jobs were looked at (resume_unfinished)
        self._pause_chosen = False  # paused or resumed this run (the stored flag is moot)
        self._disk_full = False  # the last job could not be taken from the queue: disk full
        self._timer = QTimer(self)  # the next send, after an API pause or the rate window
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._pump)
        self._ticker = QTimer(self)  # counts an API pause down on the panel
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self._tick)

    # -- plumbing -------------------------------------------------------------------------
    def _pipeline(self, token: CancelToken) -> Pipeline:
        from leodesk.core.imagestore import verify_image

        client = self._b.client()
        if self._sender is None or self._sender[0] is not client:
            self._sender = (
                client,
                _SenderClient(client, self.charged.emit, self.refunded.emit),
            )
        persist = LibraryPersist(self._b)
        return Pipeline(
            client=self._sender[1],
            store=self._b.store,
            persist=persist,
            on_progress=self._progress,
            cancelled=lambda: token.cancelled,
            verify=verify_image,
            claim=persist.claim_generation,
            poll_interval=self.poll_interval,
            **self.tuning,
        )

    def _progress(self, p: Progress) -> None:  # called on a worker thread: signals only
        label = self._labels.get(p.job_id, "")
        self.job_changed.emit(
            JobView(p.job_id, label, p.state, p.message, p.generation_id, p.done, p.total)
        )

    def _db(self, fn: Callable[[Any], Any], then: Callable[[Any], None] | None = None) -> None:
        """Run ``fn(library)`` on the database thread; ``then(result)`` on the GUI thread."""
        library = self._b.library
        self._b.pools.submit(
            lambda token: fn(library),
            pool="db",
            on_result=then,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="db",
        )

    def reload(self) -> None:
        """Read the queue from the library again (then send what may be sent)."""
        self._db(lambda lib: lib.queue_jobs(), self._set_records)

    def _set_records(self, records: list[Any]) -> None:
        self.records = list(records)
        for rec in self.records:
            if rec.id not in self._labels:
                self._labels[rec.id] = self._label_of(rec)
        self.queue_changed.emit(self.records)
        self._price_queued()
        self._pump()

    def label(self, job_id: int) -> str:
        return self._labels.get(job_id, "")

    def _label_of(self, rec: Any) -> str:
        runner = self._runners.get(rec.kind)
        if runner is not None:
            return str(runner.label(rec.request_json))
        return _label_for(_prompt_of(rec.request_json))

    # -- other kinds of job -----------------------------------------------------------------
    def register(self, kind: str, runner: Any) -> None:
        """Send, resume and report jobs of ``kind`` through ``runner``, which has
        ``label(body) -> str``, ``send(rec, token)``, ``resume(rec, token)`` and
        ``price_body(body) -> int | None`` (worker threads; send and resume return a result or
        raise), ``finished(result)`` and
        ``job_failed(rec, exc)`` (GUI thread). They share the queue's order, pause, slots and
        rate with generations, and are stored the same way, so a restart resumes them."""
        self._runners[kind] = runner

    def submit_job(self, kind: str, body: str, label: str) -> None:
        """Store one job of a registered ``kind`` (QUEUED, its own group) for the scheduler."""
        if kind not in self._runners:
            raise ValueError(f"no runner for jobs of kind {kind!r}")

        def added(job_id: int) -> None:
            self._labels[job_id] = label
            self._progress(Progress(job_id, QUEUED, "Queued"))
            self.reload()

        self._db(lambda lib: int(lib.add_job(kind, body, group_label=label)), added)

    def _claim(self, job_id: int, token: CancelToken) -> bool:
        """On a worker, before a job is sent: take it from the queue (QUEUED -> SUBMITTING).
        False when it may not be sent: cancelled meanwhile, or the app is closing (then it
        goes back to the queue, never having been sent)."""
        if not self._b.db(lambda lib: lib.claim_job(job_id)).result(DB_WAIT):
            return False
        if token.cancelled:
            self._b.db(lambda lib: lib.requeue_job(job_id)).result(DB_WAIT)
            return False
        return True

    @contextlib.contextmanager
    def _requeued_on_429(self, job_id: int) -> Iterator[None]:
        """A submit answered 429 made nothing: the job goes back in the queue (the scheduler
        pauses sending for Retry-After). Only the submit itself raises RateLimitedError: what
        follows a sent job never does."""
        from leodesk.core.api.errors import RateLimitedError

        try:
            yield
        except RateLimitedError:
            self._b.db(
                lambda lib: lib.requeue_job(job_id, "Paused by the API (rate limit)")
            ).result(DB_WAIT)
            raise

    def _requeue_unsent(self, rec: Any) -> bool:
        """After a restart: a job never sent goes back in the queue (a claim the app closed on
        is undone). False when it was sent: it is to be followed, not queued."""
        if rec.generation_id is not None or rec.submitted_at is not None:
            return False
        if rec.state.value != QUEUED:
            self._db(lambda lib, i=rec.id: lib.requeue_job(i))
        self._progress(Progress(rec.id, QUEUED, "Queued (resumed)"))
        return True

    def _run_other(self, rec: Any, resume: bool) -> None:
        """Send (or follow again) a job of a registered kind on the network pool."""
        runner = self._runners[rec.kind]
        job_id = rec.id

        def job(token: CancelToken) -> Any:
            if resume:
                return runner.resume(rec, token)
            if not self._claim(job_id, token):
                return _NOT_SENT
            with self._requeued_on_429(job_id):
                return runner.send(rec, token)

        def done(result: Any) -> None:
            self._ended(job_id, None)
            if result is not _NOT_SENT:
                runner.finished(result)

        def error(exc: BaseException) -> None:
            from leodesk.core.api.errors import RateLimitedError, WaitCancelledError

            if isinstance(exc, RateLimitedError | WaitCancelledError) or is_disk_full(exc):
                self._ended(job_id, None, exc)
                return
            self.gate.ended(job_id)
            runner.job_failed(rec, exc)
            self.reload()

        self._b.pools.submit(job, on_result=done, on_error=error, name=rec.kind)

    # -- adding ---------------------------------------------------------------------------
    def submit(self, req: Any) -> None:
        """Queue one job (one Generate click)."""
        self.submit_batch([req])

    def submit_batch(self, reqs: list[Any], group: str | None = None) -> None:
        """Store every request as a QUEUED job under one group label; the scheduler sends them."""
        if not reqs:
            return
        self._batches += 1
        label = group or (
            f"{_label_for(reqs[0].prompt)} · {time.strftime('%H:%M:%S')} #{self._batches}"
        )
        bodies = [request_json(r) for r in reqs]
        labels = [_label_for(r.prompt) for r in reqs]

        def write(lib: Any) -> list[int]:
            return [lib.add_job("generation", b, group_label=label) for b in bodies]

        def added(ids: list[int]) -> None:
            for job_id, text in zip(ids, labels, strict=True):
                self._labels[job_id] = text
                self._progress(Progress(job_id, QUEUED, "Queued"))
            self.reload()

        self._db(write, added)

    # -- the scheduler ----------------------------------------------------------------------
    def set_slots(self, slots: int | None) -> None:
        """The account's ``apiConcurrencySlots`` (from ``/me``)."""
        if slots:
            self.gate.slots = slots
            # A job holds a network thread while it is followed (mostly asleep between polls):
            # enough threads for every slot, plus one for everything else.
            network = self._b.pools.network
            network.setMaxThreadCount(max(network.maxThreadCount(), self.gate.slots + 1))
            self._pump()

    def _capacity(self) -> int:
        # Each job holds a network thread while it is followed: leave one for everything else.
        return max(1, self._b.pools.network.maxThreadCount() - 1)

    def _pump(self) -> None:
        if not self._loaded or self._b.pools.closed:
            self._emit_status()
            return
        while len(self.gate.in_flight) < self._capacity():
            wait = self.gate.wait()
            if wait is None:
                break
            if wait > 0:
                self._timer.start(max(1, int(wait * 1000)))
                break
            rec = next(
                (
                    r
                    for r in self.records
                    if r.state.value == QUEUED
                    and (r.kind == "generation" or r.kind in self._runners)
                    and r.id not in self.gate.in_flight
                ),
                None,
            )
            if rec is None:
                break
            self.gate.sent(rec.id)
            self._send(rec)
        self._emit_status()

    def _model_info(self, body: str) -> Any:
        """The catalog's ModelInfo for a stored request's model (GUI thread; None: not in the
        cached lists). Pricing needs its traits (Lightning, Phoenix, Flux...), as
        the form's live cost does, or the queue's prices differ from what is charged."""
        from leodesk.core.rules import DEFAULT_MODEL_ID

        # No modelId: the API's default model, whose facts the catalog has like any model's.
        model_id = _model_id_of(body) or DEFAULT_MODEL_ID
        cached = self._models.get(model_id)
        if cached is None or not cached.facts_known:  # facts may have arrived since
            try:
                reader = self._b.reader
                self._models = {
                    m.id: m for kind in ("platform", "own") for m in reader.load_models(kind)
                }
            except Exception as exc:
                log.info("the model lists could not be read for pricing: %s", exc)
        return self._models.get(model_id)

    def _price_of(self, body: str, req: Any, model: Any) -> int | None:
        """The job's price (on a worker): the queue's priced answer, else the calculator's."""
        from leodesk.core.rules import pricing_params

        known = self._costs.get(body)
        if known is not None:
            return known
        try:
            return int(self._b.client().price(pricing_params(req, model)))
        except Exception as exc:  # the message says the price is not known
            log.info("no price for a refused job: %s", exc)
            return None

    def _send(self, rec: Any) -> None:
        from leodesk.core.api.errors import InsufficientCreditsError
        from leodesk.core.pipeline import request_from_json

        if rec.kind != "generation":
            self._run_other(rec, resume=False)
            return
        job_id = rec.id
        model = self._model_info(rec.request_json or "")

        def job(token: CancelToken) -> str | None:
            if not self._claim(job_id, token):
                return None
            try:
                req = request_from_json(rec.request_json or "")
            except (ValueError, TypeError) as exc:
                message = "The saved request could not be read."
                self._b.db(lambda lib: lib.update_job(job_id, state=FAILED, error=message)).result(
                    DB_WAIT
                )
                raise JobFailed(message) from exc
            try:
                with self._requeued_on_429(job_id):
                    return str(self._pipeline(token).run(job_id, req).id)
            except JobFailed as exc:
                if isinstance(exc.__cause__, InsufficientCreditsError):
                    needed = self._price_of(rec.request_json or "", req, model)
                    raise NotEnoughCredits(str(exc), needed) from exc.__cause__
                raise

        self._b.pools.submit(
            job,
            on_result=lambda gid: self._ended(job_id, gid),
            on_error=lambda exc: self._ended(job_id, None, exc),
            name="generate",
        )

    def _ended(
        self, job_id: int, generation_id: str | None, exc: BaseException | None = None
    ) -> None:
        from leodesk.core.api.errors import RateLimitedError, WaitCancelledError

        self.gate.ended(job_id)
        if isinstance(exc, RateLimitedError):
            self.gate.pause_for(exc.retry_after)
            left = max(1, round(self.gate.api_pause_left()))
            self._progress(Progress(job_id, QUEUED, f"Paused by the API for {left} s"))
            self._ticker.start()
        elif isinstance(exc, WaitCancelledError):
            return  # the app is closing: the job resumes next time
        elif exc is not None and is_disk_full(exc):
            # The job could not even be taken from the queue: nothing was sent. Sending waits
            # (it is tried again every SPACE_RETRY seconds) instead of failing job after job.
            self._disk_full = True
            self.gate.pause_for(SPACE_RETRY)
            self._timer.start(int(SPACE_RETRY * 1000))
            self._progress(Progress(job_id, QUEUED, "Waiting for disk space"))
        elif exc is not None:
            if not isinstance(exc, JobFailed):
                log.warning("generation job error: %s", exc)
            self.failed.emit(user_message(exc))
            if isinstance(exc, ImagesMissing):  # made: the gallery shows what arrived
                self.generation_stored.emit(exc.generation_id)
            if isinstance(exc, NotEnoughCredits):
                self.insufficient_credits.emit(
                    CreditShortfall(job_id, self.label(job_id), exc.needed, str(exc))
                )
        elif generation_id:
            self.generation_stored.emit(generation_id)
        if exc is None or not is_disk_full(exc):
            self._disk_full = False
        self.reload()

    def _tick(self) -> None:
        if self.gate.api_pause_left() <= 0:
            self._ticker.stop()
        self._emit_status()

    def status(self) -> QueueStatus:
        queued = [r for r in self.records if r.state.value == QUEUED]
        costs = [self._costs.get(r.request_json or "") for r in queued]
        return QueueStatus(
            queued=len(queued),
            running=len(self.gate.in_flight),
            slots=self.gate.slots,
            paused=self.gate.paused,
            api_pause=self.gate.api_pause_left(),
            cost=sum(c for c in costs if c is not None),
            cost_known=all(c is not None for c in costs),
            disk_full=self._disk_full,
        )

    def _emit_status(self) -> None:
        self.status_changed.emit(self.status())

    def _price_queued(self) -> None:
        """Ask the pricing calculator once per distinct queued request (cached)."""
        from leodesk.core.pipeline import request_from_json
        from leodesk.core.rules import pricing_params

        def done(result: tuple[str, int | None]) -> None:
            self._costs[result[0]] = result[1]
            self._emit_status()

        for rec in self.records:
            body = rec.request_json or ""
            if rec.state.value != QUEUED or body in self._costs:
                continue
            runner = self._runners.get(rec.kind)
            if rec.kind != "generation":
                if runner is None:
                    continue
                self._costs[body] = None

                def other(token: CancelToken, body: str = body, r: Any = runner) -> Any:
                    return body, r.price_body(body)

                self._b.pools.submit(other, on_result=done, name="price")
                continue
            self._costs[body] = None
            model = self._model_info(body)

            def job(token: CancelToken, body: str = body, model: Any = model) -> tuple[str, int]:
                pricing = pricing_params(request_from_json(body), model)
                return body, int(self._b.client().price(pricing))

            self._b.pools.submit(job, on_result=done, name="price")

    # -- controls -------------------------------------------------------------------------
    def pause(self) -> None:
        """Stop sending queued jobs (those already sent go on); kept across restarts."""
        self._set_paused(True)
        self._emit_status()

    def resume(self) -> None:
        self._set_paused(False)
        self._pump()

    def _set_paused(self, paused: bool) -> None:
        self.gate.paused = paused
        self._pause_chosen = True  # the stored flag, if still being read, no longer applies
        self._db(lambda lib: lib.set_queue_paused(paused))

    def cancel(self, job_ids: list[int] | None) -> None:
        """Cancel the given queued jobs (None: every queued job). Jobs already sent go on."""

        def cancelled(ids: list[int]) -> None:
            for job_id in ids:
                self._progress(Progress(job_id, "cancelled", "Cancelled before it was sent"))
            self.reload()

        self._db(lambda lib: lib.cancel_queued_jobs(job_ids), cancelled)

    def cancel_all(self) -> None:
        self.cancel(None)

    def retry(self, job_id: int) -> None:
        """A failed (or cancelled) job again: a new queued job from its stored request."""

        def write(lib: Any) -> int | None:
            rec = lib.get_job(job_id)
            if rec is None or rec.state.value not in (FAILED, "cancelled"):
                return None
            return int(lib.add_job(rec.kind, rec.request_json, group_label=rec.group_label))

        def added(new_id: int | None) -> None:
            if new_id is not None:
                self._labels[new_id] = self._labels.get(job_id, "")
                self._progress(Progress(new_id, QUEUED, "Queued (retry)"))
            self.reload()

        self._db(write, added)

    def move_to_front(self, job_ids: list[int]) -> None:
        self._db(lambda lib: lib.move_jobs_to_front(job_ids), lambda _r: self.reload())

    def reorder(self, job_ids: list[int]) -> None:
        """The given jobs take the places they hold between them in this order (a drag)."""
        self._db(lambda lib: lib.reorder_jobs(job_ids), lambda _r: self.reload())

    def clear_finished(self) -> None:
        self._db(lambda lib: lib.clear_finished_jobs(), lambda _r: self.reload())

    # -- after a restart ------------------------------------------------------------------
    def resume_unfinished(self) -> None:
        """Pick up the previous run's jobs: those on the server (or possibly so) are followed
        again at once and hold their slots; queued ones wait for the scheduler. Image files a
        killed run was writing are removed (their images download again with their jobs)."""
        store = self._b.store
        self._b.pools.submit(
            lambda token: store.remove_stale_temp_files(), pool="thumbs", name="store sweep"
        )
        since = time.time() - self.gate.window

        def read(lib: Any) -> tuple[bool, list[float], list[Any]]:
            return lib.queue_paused(), lib.submitted_since(since), lib.unfinished_jobs()

        self._db(read, self._resume_stored)

    def _resume_stored(self, stored: tuple[bool, list[float], list[Any]]) -> None:
        paused, sent, records = stored
        if not self._pause_chosen:  # a pause the user kept: still paused, nothing is sent
            self.gate.paused = paused
        # Submits of the last minute (the previous run's too) count against the rate.
        now = time.time()
        self.gate.sent_earlier([now - t for t in sent])
        self._resume_each(records)

    def _resume_other(self, rec: Any) -> None:
        if rec.kind not in self._runners:
            log.warning("job %s is of an unknown kind %r: left as it is", rec.id, rec.kind)
            return
        self._labels[rec.id] = self._label_of(rec)
        if self._requeue_unsent(rec):
            return
        self.gate.adopt(rec.id)
        self._run_other(rec, resume=True)

    def _resume_each(self, records: list[Any]) -> None:
        for rec in records:
            if rec.id not in self.gate.in_flight:
                self._follow_again(rec)
        self._loaded = True
        self.reload()

    def _follow_again(self, rec: Any) -> None:
        """Follow a stored job that was sent (or put one never sent back in the queue): polled
        if the server's id is known, looked for if its answer was lost, its missing images
        downloaded if it is INCOMPLETE. Never sent again."""
        from leodesk.core.pipeline import request_from_json

        if rec.kind != "generation":
            self._resume_other(rec)
            return
        try:
            req = request_from_json(rec.request_json or "")
        except (ValueError, TypeError) as exc:
            log.warning("job %s has an unreadable request: %s", rec.id, exc)
            self._db(
                lambda lib, i=rec.id: lib.update_job(
                    i, state=FAILED, error="The saved request could not be read."
                )
            )
            return
        self._labels[rec.id] = _label_for(req.prompt)
        if self._requeue_unsent(rec):
            return
        self.gate.adopt(rec.id)

        def again(token: CancelToken, r: Any = rec, p: str = req.prompt) -> str:
            gen = self._pipeline(token).resume(
                r.id,
                generation_id=r.generation_id,
                prompt=p,
                submitted_at=r.submitted_at,
                req_json=r.request_json,
            )
            return str(gen.id)

        self._b.pools.submit(
            again,
            on_result=lambda gid, i=rec.id: self._ended(i, gid),
            on_error=lambda exc, i=rec.id: self._ended(i, None, exc),
            name="resume",
        )

    def download_again(self, job_id: int) -> None:
        """An INCOMPLETE job (made, some images not stored): download what is missing now.
        The job is read afresh (the last queue read may predate its end)."""
        self._db(lambda lib: [lib.get_job(job_id)], self._download_missing)

    def recheck_incomplete(self) -> None:
        """After a sync (which downloads missing images too): INCOMPLETE jobs look again, and
        those whose images are all stored now are done."""
        if self._loaded:
            self._db(lambda lib: lib.unfinished_jobs(), self._download_missing)

    def _download_missing(self, records: list[Any]) -> None:
        for rec in records:
            if rec is None or rec.state.value != INCOMPLETE or rec.id in self.gate.in_flight:
                continue
            self._progress(Progress(rec.id, INCOMPLETE, "Downloading again…", rec.generation_id))
            self._follow_again(rec)
        self._emit_status()


_NOT_SENT = object()  # a claimed job that was not sent after all (cancelled, or closing)


def _model_id_of(body: str | None) -> str | None:
    import json

    try:
        data = json.loads(body or "")
    except ValueError:
        return None
    model_id = data.get("model_id") if isinstance(data, dict) else None
    return model_id if isinstance(model_id, str) and model_id else None


def _prompt_of(body: str | None) -> str:
    import json

    try:
        data = json.loads(body or "")
    except ValueError:
        return ""
    prompt = data.get("prompt") if isinstance(data, dict) else None
    return prompt if isinstance(prompt, str) else ""


def _label_for(prompt: str) -> str:
    prompt = " ".join(prompt.split())
    return prompt if len(prompt) <= 40 else prompt[:39] + "…"


# ---------------------------------------------------------------------------------------------
class CatalogService(QObject):
    """The model lists and each model's facts, kept in the library.

    :meth:`refresh` reads the lists; the facts (version, size, status) that the lists lack are
    then read from each model's own record (``GET /models/{id}``), :data:`FACTS_AT_ONCE` at a
    time in the background, and cached with the list. A model whose record cannot be read stays
    usable with an unknown version and is asked for again on the next refresh.

    Signals: models_ready(str kind, list[ModelInfo]) (again when facts arrive),
    favourites_ready(set), failed(str).
    """

    models_ready = Signal(str, object)
    favourites_ready = Signal(object)
    failed = Signal(str)

    #: How many model records are read at the same time.
    FACTS_AT_ONCE = 3

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._facts_workers = 0  # facts readers still running (GUI thread only)
        self._facts_again: dict[str, list[ModelInfo]] | None = None

    def load_cached(self) -> None:
        """Fill the browser from the library at once (the last refresh's lists and facts)."""
        for kind in ("platform", "own"):
            self.models_ready.emit(kind, self._b.reader.load_models(kind))
        self.favourites_ready.emit(self._b.reader.model_favourites())

    def refresh(self) -> None:
        def job(token: CancelToken) -> dict[str, list[ModelInfo]]:
            client = self._b.client()
            platform = [_platform_info(m) for m in client.list_platform_models() if m.id]
            user_id = client.get_me().user_id
            own = (
                [_own_info(m) for m in client.list_user_models(user_id) if m.id] if user_id else []
            )
            result: dict[str, list[ModelInfo]] = {}
            for kind, models in (("platform", platform), ("own", own)):

                def write(lib: Any, k: str = kind, m: list[ModelInfo] = models) -> list[ModelInfo]:
                    fresh = carry_facts(m, lib.load_models(k))
                    lib.save_models(k, fresh)
                    return fresh

                result[kind] = self._b.db(write).result(DB_WAIT)
            return result

        def done(result: dict[str, list[ModelInfo]]) -> None:
            for kind, models in result.items():
                self.models_ready.emit(kind, models)
            self._read_facts(result)

        self._b.pools.submit(
            job, on_result=done, on_error=lambda e: self.failed.emit(user_message(e)), name="models"
        )

    def _read_facts(self, lists: dict[str, list[ModelInfo]]) -> None:
        """Read the records of the listed models whose facts are not cached (GUI thread)."""
        if self._facts_workers:
            self._facts_again = lists  # after the pass under way
            return
        todo = deque((kind, m) for kind, models in lists.items() for m in needing_facts(models))
        if not todo:
            return
        lock = threading.Lock()

        def read(token: CancelToken) -> set[str]:
            client = self._b.client()
            got: list[tuple[str, ModelInfo]] = []
            while not token.cancelled:
                with lock:
                    if not todo:
                        break
                    kind, model = todo.popleft()
                try:
                    record = client.get_model(model.id)
                except Exception as exc:  # the model stays usable, its version unknown
                    log.info("the facts of model %s could not be read: %s", model.id, exc)
                    continue
                if record is None:
                    log.info("the API has no record of model %s", model.id)
                    continue
                got.append(
                    (
                        kind,
                        model.with_facts(
                            sd_version=record.sd_version,
                            width=record.model_width,
                            height=record.model_height,
                            status=record.status,
                        ),
                    )
                )
            kinds = {kind for kind, _ in got}
            if got:

                def write(lib: Any) -> None:
                    for k in kinds:
                        lib.update_models(k, [m for kind, m in got if kind == k])

                self._b.db(write).result(DB_WAIT)
            return kinds

        changed: set[str] = set()

        def ended(kinds: set[str] | None) -> None:
            changed.update(kinds or ())
            self._facts_workers -= 1
            if self._facts_workers:
                return
            for kind in sorted(changed):
                self.models_ready.emit(kind, self._b.reader.load_models(kind))
            again, self._facts_again = self._facts_again, None
            if again is not None:
                self._read_facts({kind: self._b.reader.load_models(kind) for kind in again})

        def failed(exc: BaseException) -> None:
            log.info("reading model facts stopped: %s", exc)
            ended(None)

        workers = min(self.FACTS_AT_ONCE, len(todo))
        self._facts_workers = workers
        for _ in range(workers):
            self._b.pools.submit(read, on_result=ended, on_error=failed, name="model-facts")

    def set_favourite(self, model_id: str, on: bool) -> None:
        def job(token: CancelToken) -> set[str]:
            def write(lib: Any) -> set[str]:
                lib.set_model_favourite(model_id, on)
                return set(lib.model_favourites())

            return self._b.db(write).result(DB_WAIT)

        self._b.pools.submit(
            job,
            on_result=self.favourites_ready.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
        )


def _platform_info(m: Any) -> ModelInfo:
    """A ``/platformModels`` item; its facts come from the model's record afterwards (the list
    is not known to carry them: the spec lists no ``sdVersion`` or size there)."""
    return ModelInfo(
        id=m.id,
        name=m.name or m.id,
        kind="platform",
        description=m.description or "",
        sd_version=m.sd_version,
        featured=bool(m.featured),
        nsfw=bool(m.nsfw),
        thumbnail_url=m.thumbnail_url,
        width=m.model_width,
        height=m.model_height,
    )


def _own_info(m: Any) -> ModelInfo:
    """A ``/models/user/{userId}`` row: the model's whole record, facts included."""
    info = ModelInfo(
        id=m.id,
        name=m.name or m.id,
        kind="own",
        description=m.description or "",
    )
    if m.sd_version is None:  # a row without its version: read the record itself
        return info
    return info.with_facts(
        sd_version=m.sd_version, width=m.model_width, height=m.model_height, status=m.status
    )


# ---------------------------------------------------------------------------------------------
class PricingService(QObject):
    """Signals: cost_ready(object key, object cost: int | None)."""

    cost_ready = Signal(object, object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._cache: dict[Any, int] = {}

    def query(self, key: Any, request: Any) -> None:
        if key in self._cache:
            self.cost_ready.emit(key, self._cache[key])
            return

        def job(token: CancelToken) -> tuple[Any, int]:
            return key, int(self._b.client().price(request))

        def done(result: tuple[Any, int]) -> None:
            self._cache[result[0]] = result[1]
            self.cost_ready.emit(*result)

        self._b.pools.submit(
            job, on_result=done, on_error=lambda e: self.cost_ready.emit(key, None), name="price"
        )


class PromptService(QObject):
    """Signals: prompt_ready(str), failed(str), busy(bool)."""

    prompt_ready = Signal(str)
    failed = Signal(str)
    busy = Signal(bool)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def _run(self, fn: Callable[[Any], Any]) -> None:
        self.busy.emit(True)

        def job(token: CancelToken) -> str:
            return str(fn(self._b.client()).prompt or "")

        def done(text: str) -> None:
            self.busy.emit(False)
            if text:
                self.prompt_ready.emit(text)
            else:
                self.failed.emit("The server returned an empty prompt.")

        def error(exc: BaseException) -> None:
            self.busy.emit(False)
            self.failed.emit(user_message(exc))

        self._b.pools.submit(job, on_result=done, on_error=error, name="prompt")

    def random(self) -> None:
        self._run(lambda c: c.random_prompt())

    def improve(self, prompt: str) -> None:
        self._run(lambda c: c.improve_prompt(prompt))


class ImageLoader(QObject):
    """Full-size images for the viewer, decoded off the GUI thread.

    Signals: loaded(str image id, QImage), failed(str image id, str message).
    """

    loaded = Signal(str, QImage)
    failed = Signal(str, str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    stored = Signal(str)  # image id: a full image was downloaded into the store

    def load(self, image_id: str, path: Path | None, url: str | None) -> None:
        """Decode the image; one that is not on this computer yet is downloaded into the
        content-addressed store first (and recorded in the library), so it opens offline next
        time."""
        backend = self._b
        fetched: list[bool] = []

        def job(token: CancelToken) -> tuple[str, QImage]:
            from leodesk.qt.imaging import decode

            if path is not None and path.exists():
                image = decode(path)
            elif url:
                from leodesk.core.imagestore import verify_image

                data = backend.client().download(url)
                info = verify_image(data)
                kept = backend.store.put(data, info.ext)
                backend.db(lambda lib: lib.set_image_file(image_id, kept.sha256, kept.ext)).result(
                    DB_WAIT
                )
                fetched.append(True)
                image = decode(data)
            else:
                raise FileNotFoundError("the image is not on this computer yet")
            if image.isNull():
                raise ValueError("the image file cannot be decoded")
            return image_id, image

        def done(r: tuple[str, QImage]) -> None:
            if fetched:
                self.stored.emit(image_id)
            self.loaded.emit(*r)

        self._b.pools.submit(
            job,
            pool="thumbs",
            on_result=done,
            on_error=lambda e: self.failed.emit(image_id, user_message(e)),
            name="image",
        )


@dataclass(frozen=True)
class AccountState:
    username: str | None
    user_id: str | None
    credits: int | None  # apiSubscriptionTokens + apiPaidTokens; may be negative
    slots: int | None
    checked_at: float
    renewal_date: str | None = None  # apiPlanTokenRenewalDate, as the API sent it


class AccountService(QObject):
    """The account (``/me``) and what this run spent.

    ``refresh()`` asks ``/me`` again; calls while one is under way make one more afterwards, so
    the last answer is never older than the last call (a refund right after a job shows).
    ``charge(key, cost)`` / ``refund(key)`` keep the ledger of this run's jobs (see
    :mod:`leodesk.core.credits`).

    Signals: loaded(AccountState), failed(str), spent_changed(Spending).
    """

    loaded = Signal(object)
    failed = Signal(str)
    spent_changed = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from leodesk.core.credits import CreditLedger

        self._b = backend
        self.ledger = CreditLedger()
        self.first: AccountState | None = None  # the first balance this run saw
        self.last: AccountState | None = None
        self._asking = False
        self._again = False

    def refresh(self) -> None:
        if self._asking:
            self._again = True
            return
        self._asking = True

        def job(token: CancelToken) -> AccountState:
            me = self._b.client().get_me()
            return AccountState(
                me.username,
                me.user_id,
                me.api_credits,
                me.api_concurrency_slots,
                time.time(),
                me.api_plan_token_renewal_date,
            )

        self._b.pools.submit(job, on_result=self._loaded, on_error=self._failed, name="me")

    def _settled(self) -> None:
        self._asking = False
        if self._again:
            self._again = False
            self.refresh()

    def _loaded(self, state: AccountState) -> None:
        if state.credits is not None and (
            self.first is None or self.first.user_id != state.user_id  # another key's account
        ):
            self.first = state
        self.last = state
        self.loaded.emit(state)
        self._settled()

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(user_message(exc))
        self._settled()

    def charge(self, key: str, cost: int) -> None:
        """A job this run sent was charged ``cost`` credits (the API's ``apiCreditCost``); the
        balance is read again to show it."""
        if self.ledger.charge(key, cost):
            self.spent_changed.emit(self.ledger.snapshot())
            self.refresh()

    def refund(self, key: str) -> None:
        """Job ``key`` ended FAILED on the server: its charge is refunded (the balance is read
        again when the job's end is reported)."""
        if self.ledger.refund(key):
            self.spent_changed.emit(self.ledger.snapshot())


class SyncService(QObject):
    """Runs a library sync in the background.

    Signals: started(), progress(SyncProgress), finished(SyncProgress), stored() (a page of
    generations reached the library: the gallery can show it).
    """

    started = Signal()
    progress = Signal(object)
    finished = Signal(object)
    stored = Signal()

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._worker: Any = None
        # Its own flag, not the worker's token: a cancelled sync still reports how it ended.
        self._cancel = threading.Event()
        self.page_size = 50
        self.min_interval = 0.05
        self.full_after_days = 7.0

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, *, images: bool = False, full: bool = False) -> bool:
        """Start a sync; False if one runs. A full pass (which also notices generations deleted
        on the server) when ``full``, when none completed yet, or when the last one is older
        than ``full_after_days``; an incremental pass otherwise."""
        if self._worker is not None:
            return False
        from leodesk.core.sync import Syncer

        last = [0]

        def report(p: Any) -> None:  # on the worker: signals only
            self.progress.emit(p)
            if p.generations != last[0]:  # rises once a page is committed
                last[0] = p.generations
                self.stored.emit()

        def job(token: CancelToken) -> Any:
            syncer = Syncer(
                self._b.client(),
                self._b.db_proxy(),
                page_size=self.page_size,
                min_interval=self.min_interval,
                on_progress=report,
                cancelled=lambda: self._cancel.is_set() or token.cancelled,
                full_after_days=self.full_after_days,
            )
            result = syncer.full() if full else syncer.sync()
            if images and result.ok and not self._cancel.is_set():
                result = syncer.download_images(self._b.store)
            return result

        self._cancel.clear()
        self.started.emit()
        self._worker = self._b.pools.submit(
            job, on_result=self._done, on_error=self._failed, name="sync"
        )
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def _done(self, result: Any) -> None:
        self._worker = None
        self.stored.emit()
        self.finished.emit(result)

    def _failed(self, exc: BaseException) -> None:
        from leodesk.core.sync import Phase, SyncProgress

        self._worker = None
        self.finished.emit(SyncProgress(Phase.FAILED, message=user_message(exc)))


class ExportService(QObject):
    """Exports images (PNG + parameters + JSON sidecar) to a folder in the background.

    Signals: progress(int done, int total), finished(list[str] written paths, str message).
    """

    progress = Signal(int, int)
    finished = Signal(object, str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self._worker: Any = None

    def export(self, items: list[Any], dest: Path) -> None:
        from leodesk.core.export import export

        def job(token: CancelToken) -> list[str]:
            written = export(
                items,
                dest,
                on_progress=lambda n, total: self.progress.emit(n, total),
                cancelled=lambda: token.cancelled,
            )
            return [str(p) for p in written]

        def done(paths: list[str]) -> None:
            self._worker = None
            self.finished.emit(paths, f"Exported {len(paths)} image(s) to {dest}")

        def error(exc: BaseException) -> None:
            self._worker = None
            self.finished.emit([], f"Export failed: {user_message(exc)}")

        self._worker = self._b.pools.submit(job, on_result=done, on_error=error, name="export")

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.token.cancel()
            self._worker = None
            self.finished.emit([], "Export cancelled")


class CurationService(QObject):
    """Favourites, ratings, picks and collections: written on the database thread.

    Signals: changed(list[str] image ids), collections_changed(list), failed(str).
    """

    changed = Signal(object)
    collections_changed = Signal(object)
    failed = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def _write(self, fn: Callable[[Any], Any], ids: list[str]) -> None:
        future = self._b.db(fn)

        def job(token: CancelToken) -> list[str]:
            future.result(DB_WAIT)
            return ids

        self._b.pools.submit(
            job,
            on_result=self.changed.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="curate",
        )

    def set_favourite(self, ids: list[str], on: bool) -> None:
        self._write(lambda lib: lib.set_favourite(ids, on), ids)

    def set_rating(self, ids: list[str], rating: int) -> None:
        self._write(lambda lib: lib.set_rating(ids, rating), ids)

    def set_pick(self, ids: list[str], state: str | None) -> None:
        self._write(lambda lib: lib.set_pick(ids, state), ids)

    def add_to_collection(self, ids: list[str], name: str) -> None:
        def write(lib: Any) -> None:
            existing = {c.name: c.id for c in lib.collections()}
            cid = existing.get(name)
            if cid is None:
                cid = lib.create_collection(name)
            lib.add_to_collection(cid, ids)

        self._write(write, ids)
        self.refresh_collections()

    def refresh_collections(self) -> None:
        future = self._b.db(lambda lib: lib.collections())

        def job(token: CancelToken) -> list[Any]:
            return list(future.result(DB_WAIT))

        self._b.pools.submit(
            job,
            on_result=self.collections_changed.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
        )


@dataclass(frozen=True)
class PendingDelete:
    """Images hidden now, deleted for good when the undo window closes."""

    image_ids: tuple[str, ...]
    whole_generations: tuple[str, ...]  # generations all of whose images are in the delete
    partial_images: int = 0  # images whose generation keeps others: hidden, not deleted remotely


def _image_ids_of(lib: Any, generation_ids: Any) -> list[str]:
    out: list[str] = []
    for gid in generation_ids:
        record = lib.get_generation(gid)
        if record is not None:
            out += [im.id for im in record.images]
    return out


def _pending(lib: Any, ids: list[str]) -> PendingDelete:
    """Which generations of the (already marked) images can go: those with every image marked."""
    whole, partial = [], 0
    for gid in lib.generation_ids_for(ids):
        record = lib.get_generation(gid)
        if record is None:
            continue
        if all(im.deleted_local for im in record.images):
            whole.append(gid)
        else:
            partial += sum(1 for im in record.images if im.id in ids)
    return PendingDelete(tuple(ids), tuple(whole), partial)


class DeleteService(QObject):
    """Delete with undo: hide at once, then (after ``undo_seconds``) delete on the server and
    remove the files. The server deletes whole generations; images of a generation only partly
    deleted stay hidden here and stay on the account.

    Signals: hidden(PendingDelete), restored(list[str]), done(str message), failed(str message).
    """

    hidden = Signal(object)
    restored = Signal(object)
    done = Signal(str)
    failed = Signal(str)
    progress = Signal(int, int)  # generations deleted on the server so far, of how many

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.undo_seconds = 6.0
        self.pending: PendingDelete | None = None
        self._committing: threading.Event | None = None
        from PySide6.QtCore import QTimer

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.commit)

    def _run(self, fn: Callable[[Any], Any], on_result: Callable[[Any], None], name: str) -> None:
        future = self._b.db(fn)
        self._b.pools.submit(
            lambda token: future.result(DB_WAIT),
            on_result=on_result,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name=name,
        )

    def delete(self, image_ids: list[str]) -> None:
        """Hide ``image_ids`` now; commit after the undo window (a previous one commits first)."""
        if self.pending is not None:
            self.commit()
        ids = list(dict.fromkeys(image_ids))

        def write(lib: Any) -> PendingDelete:
            lib.mark_deleted_local(ids, True)
            return _pending(lib, ids)

        def hidden(p: PendingDelete) -> None:
            self.pending = p
            self._timer.start(int(self.undo_seconds * 1000))
            self.hidden.emit(p)

        self._run(write, hidden, "delete")

    def resume(self) -> None:
        """Finish deletes a previous run left (it closed inside the undo window)."""

        def read(lib: Any) -> PendingDelete:
            return _pending(lib, list(lib.deleted_local_ids()))

        def go(p: PendingDelete) -> None:
            if p.whole_generations:
                self.commit_now(p)

        self._run(read, go, "resume deletes")

    def undo(self) -> None:
        p, self.pending = self.pending, None
        self._timer.stop()
        if p is None:
            return
        ids = list(p.image_ids)
        self._run(
            lambda lib: (lib.mark_deleted_local(ids, False), ids)[1],
            self.restored.emit,
            "undo delete",
        )

    def commit(self) -> None:
        """Delete the pending generations on the server, then their rows and files."""
        p, self.pending = self.pending, None
        self._timer.stop()
        if p is not None:
            self.commit_now(p)

    def wait_committed(self, timeout: float) -> bool:
        """Wait (bounded) for the server deletes under way, e.g. when the app closes."""
        done = self._committing
        return done is None or done.wait(timeout)

    def commit_now(self, p: PendingDelete) -> None:
        store = self._b.store
        finished = self._committing = threading.Event()

        def job(token: CancelToken) -> str:
            try:
                return run()
            finally:
                finished.set()

        def run() -> str:
            client = self._b.client()
            deleted: list[str] = []
            errors: list[str] = []
            total = len(p.whole_generations)
            for n, gid in enumerate(p.whole_generations, start=1):
                try:
                    client.delete_generation(gid)
                    deleted.append(gid)
                except Exception as exc:  # the others still go; this one comes back
                    errors.append(user_message(exc))
                if total > 1:
                    self.progress.emit(n, total)
            failed = [g for g in p.whole_generations if g not in deleted]

            def finish(lib: Any) -> list[Any]:
                lib.mark_deleted_local(_image_ids_of(lib, failed), False)
                return list(lib.purge_deleted(_image_ids_of(lib, deleted)))

            for ref in self._b.db(finish).result(DB_WAIT):
                store.path_for(ref.sha256, ref.ext).unlink(missing_ok=True)
            parts = []
            if deleted:
                parts.append(f"Deleted {len(deleted)} generation(s) from your account")
            if p.partial_images:
                parts.append(
                    f"{p.partial_images} image(s) hidden here: their generations keep other "
                    "images, and the API deletes whole generations only"
                )
            text = "; ".join(parts) or "Nothing to delete"
            if errors:
                raise RuntimeError(f"Could not delete on the server, shown again: {errors[0]}")
            return text

        self._b.pools.submit(
            job,
            on_result=self.done.emit,
            on_error=lambda e: self.failed.emit(user_message(e)),
            name="delete on server",
        )


class MonthsService(QObject):
    """Images per month for the date scrubber, counted off the GUI thread.

    Signals: ready(list[tuple[str, int]]).
    """

    ready = Signal(object)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend

    def refresh(self) -> None:
        path = self._b.paths.library_db

        def job(token: CancelToken) -> list[tuple[str, int]]:
            from leodesk.core.library import Library

            reader = Library.open_readonly(path)
            try:
                return reader.month_counts()
            finally:
                reader.close()

        self._b.pools.submit(job, on_result=self.ready.emit, name="months")
