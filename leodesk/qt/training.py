"""TrainingRunner: trainings of a custom model or element as jobs of the app's one queue.

A training is stored QUEUED (kind :data:`leodesk.core.training.JOB_KIND`), sent once by the
queue's scheduler, then followed until it ends. Restart-safe: a job whose server id is known is
followed again; one whose answer was lost is looked for among the user's models or elements
(those of the same name that existed before it was sent are not taken for it) and never sent
again; while it is not found it stays UNKNOWN (never a failure). When it ends, ``trained`` or
``failed`` says so and the notifier is told.

Signals: job_changed(JobView), trained(TrainingResult), failed(str), cost_ready(object key,
object cost: int | None), model_deleted(str model id).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from leodesk.core.api.errors import OutcomeUnknownError, WaitCancelledError
from leodesk.core.pipeline import DONE, FAILED, PENDING, UNKNOWN, JobFailed
from leodesk.core.training import (
    JOB_KIND,
    TrainingSpec,
    failure_message,
    follow_training,
    look_for_training,
    price_of,
    same_name_ids,
    submit_training,
)
from leodesk.qt.backend import DB_WAIT, Backend
from leodesk.qt.datasets import DatasetService
from leodesk.qt.errors import user_message
from leodesk.qt.notify import BATCH
from leodesk.qt.queue import JobQueue, JobView, LibraryPersist
from leodesk.qt.workers import CancelToken

if TYPE_CHECKING:
    from leodesk.core.library import JobRecord
    from leodesk.qt.context import AppContext


@dataclass(frozen=True)
class TrainingResult:
    """A training that ended, or ``pending`` when its outcome is still unknown."""

    kind: str  # "model" or "element"
    target_id: str | None
    name: str
    pending: bool = False


class TrainingRunner(QObject):
    job_changed = Signal(object)
    trained = Signal(object)
    failed = Signal(str)
    cost_ready = Signal(object, object)
    model_deleted = Signal(str)

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._b = backend
        self.queue: JobQueue | None = None
        self.poll_interval = 2.0
        self.look_tries = 5  # looks for a lost answer before leaving the job UNKNOWN
        self.look_delay = 3.0
        self._labels: dict[int, str] = {}
        self.datasets = DatasetService(backend, self)

    # -- asking -------------------------------------------------------------------------------
    def query_cost(self, key: Any, spec: TrainingSpec, images: int) -> None:
        """The pricing calculator's MODEL_TRAINING price: ``cost_ready(key, cost or None)``."""

        def job(token: CancelToken) -> tuple[Any, int | None]:
            return key, price_of(self._b.client(), spec, images)

        self._b.pools.submit(
            job,
            on_result=lambda r: self.cost_ready.emit(*r),
            on_error=lambda _e: self.cost_ready.emit(key, None),
            name="training cost",
        )

    def delete_model(self, model_id: str) -> None:
        """Delete one of your models on the server; ``model_deleted(id)`` or ``failed``."""
        self._b.pools.submit(
            lambda token: self._b.client().delete_model(model_id),
            on_result=lambda _r: self.model_deleted.emit(model_id),
            on_error=lambda e: self.failed.emit(
                self.tr("The model was not deleted: {why}").format(why=user_message(e))
            ),
            name="delete model",
        )

    def start(self, spec: TrainingSpec) -> None:
        """Queue the training (stored first: a restart sends or follows it)."""
        if self.queue is None:
            raise RuntimeError("the training runner has no queue")
        # No group: the notifier's "images ready" is for generations; trainings say their own.
        self.queue.submit_jobs(JOB_KIND, [spec.to_json()], [spec.label], "")

    # -- the queue's Runner -------------------------------------------------------------------
    def label(self, body: str | None) -> str:
        try:
            return TrainingSpec.from_json(body).label
        except ValueError:
            return self.tr("Training")

    def can_resume(self, rec: JobRecord) -> bool:
        return True

    def price_body(self, body: str | None) -> int | None:
        try:
            spec = TrainingSpec.from_json(body)
            dataset = self._b.client().get_dataset(str(spec.values.get("datasetId")))
            images = 0 if dataset is None else len(dataset.images)
            return price_of(self._b.client(), spec, images)
        except Exception:  # the queue shows "+" for an unknown price
            return None

    def send(self, rec: JobRecord, token: CancelToken) -> TrainingResult:
        spec = self._spec(rec)
        persist = LibraryPersist(self._b)
        client = self._b.client()
        user_id = client.get_me().user_id or ""
        known = same_name_ids(client, user_id, spec)
        self._b.db(lambda lib: lib.set_training_known(rec.id, known)).result(DB_WAIT)
        persist.job_submitting(rec.id, time.time())
        self._report(rec.id, PENDING, self.tr("Sending the training…"))
        try:
            target = submit_training(client, spec)
        except OutcomeUnknownError:
            persist.job_checking(rec.id)
            return self._look(rec, spec, token)
        except Exception as exc:
            message = self.tr("{what} was refused: {why}").format(
                what=spec.label, why=user_message(exc)
            )
            persist.job_ended(rec.id, FAILED, message)
            self._report(rec.id, FAILED, message)
            raise JobFailed(message) from exc
        persist.job_accepted(rec.id, target)
        return self._follow(rec, spec, target, token)

    def resume(self, rec: JobRecord, token: CancelToken) -> TrainingResult:
        spec = self._spec(rec)
        if rec.generation_id:
            return self._follow(rec, spec, rec.generation_id, token)
        if rec.state.value != UNKNOWN:
            LibraryPersist(self._b).job_checking(rec.id)
        return self._look(rec, spec, token)

    def finished(self, result: TrainingResult) -> None:
        if not result.pending:
            self.trained.emit(result)

    def job_failed(self, rec: JobRecord, exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, JobFailed) else user_message(exc)
        self.failed.emit(message)

    # -- steps (worker thread) ----------------------------------------------------------------
    def _spec(self, rec: JobRecord) -> TrainingSpec:
        self._labels[rec.id] = self.label(rec.request_json)
        try:
            return TrainingSpec.from_json(rec.request_json)
        except ValueError as exc:
            message = self.tr("The saved training could not be read.")
            LibraryPersist(self._b).job_ended(rec.id, FAILED, message)
            raise JobFailed(message) from exc

    def _look(self, rec: JobRecord, spec: TrainingSpec, token: CancelToken) -> TrainingResult:
        """The answer was lost: look for the training (never send it again)."""
        client = self._b.client()
        user_id = client.get_me().user_id or ""
        known = self._b.db(lambda lib: lib.training_known(rec.id)).result(DB_WAIT)
        for attempt in range(self.look_tries):
            self._report(rec.id, UNKNOWN, self.tr("The answer was lost: looking for the training…"))
            found = look_for_training(client, user_id, spec, known)
            if found is not None:
                LibraryPersist(self._b).job_accepted(rec.id, found)
                return self._follow(rec, spec, found, token)
            if token.cancelled:
                raise WaitCancelledError("closing")
            if attempt + 1 < self.look_tries:
                time.sleep(self.look_delay)
        self._report(
            rec.id,
            UNKNOWN,
            self.tr(
                "Not found yet among your trainings; it was not sent again (looked for again "
                "at the next start)."
            ),
        )
        return TrainingResult(spec.kind, None, spec.name, pending=True)

    def _follow(
        self, rec: JobRecord, spec: TrainingSpec, target: str, token: CancelToken
    ) -> TrainingResult:
        def status(value: str) -> None:
            self._report(
                rec.id,
                PENDING,
                self.tr("Training… ({status})").format(status=value.lower()),
                target,
            )

        try:
            end = follow_training(
                self._b.client(),
                spec.kind,
                target,
                interval=self.poll_interval,
                cancelled=lambda: token.cancelled,
                on_status=status,
            )
        except InterruptedError as exc:
            raise WaitCancelledError("closing") from exc
        persist = LibraryPersist(self._b)
        if end == "FAILED":
            message = failure_message(spec)
            persist.job_ended(rec.id, FAILED, message)
            self._report(rec.id, FAILED, message, target)
            raise JobFailed(message)
        persist.job_ended(rec.id, DONE, self.tr("Trained"))
        self._report(rec.id, DONE, self.tr("Trained: {name}").format(name=spec.name), target)
        return TrainingResult(spec.kind, target, spec.name)

    def _report(self, job_id: int, state: str, message: str, target: str | None = None) -> None:
        self.job_changed.emit(
            JobView(job_id, self._labels.get(job_id, self.tr("Training")), state, message, target)
        )


def wire_training(ctx: AppContext) -> None:
    """Trainings go through the app's queue (job strip, queue panel, notifier); a model that
    ends refreshes the model browser ("Yours"), and the end is told."""
    runner = ctx.training
    runner.queue = ctx.generation
    ctx.generation.register(JOB_KIND, runner)
    runner.job_changed.connect(ctx.jobs.update)
    runner.job_changed.connect(ctx.queue.update)
    runner.job_changed.connect(ctx.notifier.job_changed)  # a failure is told with its message

    def trained(result: TrainingResult) -> None:
        ctx.account.refresh()  # the balance after the charge
        if result.kind == "model":
            ctx.catalog.refresh()
            text = QCoreApplication.translate(
                "TrainingRunner", "“{name}” is ready: find it under Yours in the model browser."
            ).format(name=result.name)
        else:
            ctx.elements.refresh()  # the form's Elements list shows it
            text = QCoreApplication.translate(
                "TrainingRunner", "The element “{name}” is ready to generate with."
            ).format(name=result.name)
        ctx.notifier.announce(
            BATCH, QCoreApplication.translate("TrainingRunner", "Training finished"), text
        )

    runner.trained.connect(trained)
    runner.model_deleted.connect(lambda _id: ctx.catalog.refresh())
    runner.failed.connect(lambda _m: ctx.account.refresh())  # a failed training is refunded
