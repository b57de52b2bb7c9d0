"""Running a blueprint: upload its image inputs, execute the version (billed), follow the
execution, then store each generation it made, with the blueprint as its origin, and its
images whole.

Qt-free (the app's queue and the CLI share it), shaped like :mod:`leodesk.core.pipeline`. The
job is a row of the library's queue (kind :data:`~leodesk.core.blueprint_inputs.JOB_KIND`)
before anything is sent; the pipeline records when it was sent and the execution's id once
accepted, so :meth:`BlueprintPipeline.resume` follows an accepted execution again after a
restart. An execute whose answer was lost is never sent again (it may have been billed): the
generations it made are looked for among the account's newest (made since it was sent, their
prompt showing the run's text values, not followed by another job); the job fails saying
nothing was charged only once a complete look long enough after the send found nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from leodesk.core.api import errors
from leodesk.core.api.blueprint_models import BlueprintExecution, ExecutionGeneration, NodeInput
from leodesk.core.api.models import Generation, InitImage
from leodesk.core.blueprint_inputs import FILE, INIT, BlueprintJob, JobInput
from leodesk.core.imageprep import ImagePrepError, prepare_file
from leodesk.core.library import BlueprintOrigin
from leodesk.core.pipeline import (
    DONE,
    INCOMPLETE,
    PENDING,
    SUBMITTING,
    Follows,
    ImagesMissing,
    LibraryRecord,
    Pipeline,
    Progress,
    Steps,
    Store,
)
from leodesk.core.pipeline import Persist as BasePersist

log = logging.getLogger("leodesk.blueprints")


class Persist(BasePersist, Protocol):
    def claim_generation(self, job_id: int, generation_id: str) -> bool: ...
    def set_generation_origin(self, generation_id: str, origin: BlueprintOrigin) -> None: ...


class BlueprintRecord(LibraryRecord):
    """:class:`Persist` straight into a library (the CLI, tests)."""

    def set_generation_origin(self, generation_id: str, origin: BlueprintOrigin) -> None:
        self.library.set_generation_origin(generation_id, origin)


class Client(Follows, Protocol):
    def upload_init_image(self, data: bytes, extension: str) -> str: ...
    def get_init_image(self, init_image_id: str) -> InitImage | None: ...
    def execute_blueprint(self, version_id: str, inputs: Any) -> str: ...
    def get_blueprint_execution(self, execution_id: str) -> BlueprintExecution | None: ...
    def list_execution_generations(self, execution_id: str) -> list[ExecutionGeneration]: ...
    def get_generation(self, generation_id: str) -> Generation | None: ...
    def list_generations(
        self, user_id: str, offset: int = ..., limit: int = ...
    ) -> list[Generation]: ...
    def get_me(self) -> Any: ...


@dataclass(frozen=True)
class RunResult:
    """What a finished run stored."""

    job_id: int
    label: str
    execution_id: str | None
    generation_ids: tuple[str, ...]
    image_ids: tuple[str, ...]
    cost: int | None
    refused: tuple[str, ...] = ()  # why some outputs were not made (moderation...)


@dataclass
class BlueprintPipeline(Steps):
    client: Client
    store: Store
    persist: Persist
    on_progress: Callable[[Progress], None]
    cancelled: Callable[[], bool] = lambda: False
    verify: Callable[[bytes], Any] | None = None
    poll_interval: float = 1.0
    max_poll_interval: float = 5.0
    poll_timeout: float = 1800.0
    sleep: Callable[[float], None] = time.sleep
    download_tries: int = 4
    download_delay: float = 2.0
    space_wait: float = 10.0
    reconcile_delay: float = 3.0
    reconcile_max_delay: float = 60.0
    settle: float = 150.0
    reconcile_skew: float = 120.0
    _user: list[str] = field(default_factory=list, repr=False)

    # -- entry points ---------------------------------------------------------------------
    def run(self, job_id: int, job: BlueprintJob) -> RunResult:
        """Upload, execute, follow, store. RateLimitedError (the execute got 429: nothing was
        made) is the only error that leaves the job unsent."""
        nodes = self._resolve_images(job_id, job)
        self._emit(job_id, SUBMITTING, "Submitting…")
        sent_at = time.time()
        self._keep(job_id, SUBMITTING, lambda: self.persist.job_submitting(job_id, sent_at))
        try:
            execution_id = self.client.execute_blueprint(job.version_id, nodes)
        except errors.OutcomeUnknownError as exc:
            found = self._reconcile(job_id, job, sent_at)
            if found is None:
                self._fail(job_id, _lost(), exc)
            return self._follow_found(job_id, job, found)
        except errors.RateLimitedError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, f"{exc.user_message} {errors.next_step(exc)}", exc)
        return self.follow(job_id, job, execution_id)

    def resume(
        self, job_id: int, job: BlueprintJob, *, remote_id: str | None, submitted_at: float | None
    ) -> RunResult:
        """After a restart: an accepted execution is followed again; one never sent is sent
        now; one whose answer was lost is looked for, never sent again."""
        if remote_id:
            try:
                known = self.client.get_blueprint_execution(remote_id) is not None
            except errors.LeonardoError as exc:  # not a "no such execution": follow it
                log.info("execution %s not read yet: %s", remote_id, exc)
                known = True
            if not known:
                # found by reconciling: the id is that of a generation it made
                return self._follow_found(job_id, job, remote_id)
            return self.follow(job_id, job, remote_id)
        if submitted_at is not None:
            found = self._reconcile(job_id, job, submitted_at)
            if found is None:
                self._fail(job_id, _lost())
            return self._follow_found(job_id, job, found)
        return self.run(job_id, job)

    def follow(self, job_id: int, job: BlueprintJob, execution_id: str) -> RunResult:
        """Poll an accepted execution to its end, then store what it made."""
        self._keep(job_id, PENDING, lambda: self.persist.job_accepted(job_id, execution_id))
        self._wait_execution(job_id, execution_id)
        try:
            made = self.client.list_execution_generations(execution_id)
        except errors.WaitCancelledError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, exc.user_message, exc)
        refused = tuple(_refusal(g) for g in made if (g.status or "").upper() == "FAILED")
        ok = [g.generation_id for g in made if (g.status or "").upper() != "FAILED"]
        return self._follow_generations(job_id, job, execution_id, ok, refused)

    def _follow_found(self, job_id: int, job: BlueprintJob, generation_id: str) -> RunResult:
        """Follow a generation the lost execute made (found among the account's newest)."""
        self._keep(job_id, PENDING, lambda: self.persist.job_accepted(job_id, generation_id))
        return self._follow_generations(job_id, job, None, [generation_id])

    # -- steps ----------------------------------------------------------------------------
    def _resolve_images(self, job_id: int, job: BlueprintJob) -> list[NodeInput]:
        """The node inputs to send: local files are uploaded (nothing is billed yet)."""
        nodes = []
        for inp in job.inputs:
            value = inp.value
            if inp.source == FILE:
                self._emit(job_id, SUBMITTING, f"Uploading “{inp.label}”…")
                value = self._upload(job_id, inp)
            elif inp.source == INIT:
                value = self._init_url(job_id, inp, inp.value)
            nodes.append(NodeInput(inp.node_id, inp.setting_name, value))
        return nodes

    def _upload(self, job_id: int, inp: JobInput) -> str:
        try:
            prepared = prepare_file(Path(inp.value))
            init_id = self.client.upload_init_image(prepared.data, prepared.extension)
        except ImagePrepError as exc:
            self._fail(job_id, f"“{inp.label}”: {exc}", exc)
        except errors.RateLimitedError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, f"“{inp.label}” could not be uploaded: {exc.user_message}", exc)
        return self._init_url(job_id, inp, init_id)

    def _init_url(self, job_id: int, inp: JobInput, init_id: str) -> str:
        """The address of an uploaded init image (the blueprint takes images by URL)."""
        try:
            init = self.client.get_init_image(init_id)
        except errors.RateLimitedError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, f"“{inp.label}”: {exc.user_message}", exc)
        if init is None or not init.url:
            self._fail(job_id, f"“{inp.label}” is not on the server any more: drop it again.")
        return str(init.url)

    def _wait_execution(self, job_id: int, execution_id: str) -> None:
        self._emit(job_id, PENDING, "Running the blueprint…")
        deadline = time.monotonic() + self.poll_timeout
        delay = self.poll_interval
        while True:
            try:
                ex = self.client.get_blueprint_execution(execution_id)
            except errors.WaitCancelledError:
                raise
            except errors.LeonardoError as exc:
                log.info("execution %s: %s", execution_id, exc)
                ex = BlueprintExecution(execution_id)
            if ex is None:
                self._fail(job_id, "The server no longer knows this blueprint run.")
            if ex.finished:
                return
            if ex.status:
                self._emit(job_id, PENDING, f"Running the blueprint ({ex.status.lower()})…")
            if time.monotonic() > deadline:
                self._fail(job_id, "The blueprint run did not finish in time; sync later.")
            self._nap(delay)
            delay = min(self.max_poll_interval, delay * 1.5)

    def _follow_generations(
        self,
        job_id: int,
        job: BlueprintJob,
        execution_id: str | None,
        generation_ids: list[str],
        refused: tuple[str, ...] = (),
    ) -> RunResult:
        origin = BlueprintOrigin(job.blueprint_id, job.version_id, job.name, execution_id)
        images: list[str] = []
        missing: dict[str, str] = {}
        for gen_id in generation_ids:
            gen = self._stored_generation(job_id, gen_id, origin)
            if gen.status != "COMPLETE":
                refused += ("A part of the run failed on the server (refunded).",)
                continue
            missing.update(self._images().download_images(job_id, gen))
            images += [im.id for im in gen.images if im.id]
        first = generation_ids[0] if generation_ids else None
        if not images:
            reasons = " ".join(dict.fromkeys(refused)) or "The run made nothing."
            self._fail(job_id, f"{reasons} Failed outputs are not charged.", None, first)
        result = RunResult(
            job_id, job.label, execution_id, tuple(generation_ids), tuple(images), job.cost, refused
        )
        if missing:
            message = (
                f"{len(missing)} of {len(images)} images could not be downloaded. Safe on your "
                "account: use Download again."
            )
            self._end(job_id, INCOMPLETE, message, first)
            raise ImagesMissing(message, first or "", missing)
        note = f" ({len(refused)} output group(s) refused: {refused[0]})" if refused else ""
        self._end(job_id, DONE, f"{len(images)} image(s){note}", first)
        return result

    def _stored_generation(self, job_id: int, gen_id: str, origin: BlueprintOrigin) -> Generation:
        try:
            gen = self.client.wait_for_generation(gen_id, **self._poll())
        except errors.WaitCancelledError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, exc.user_message, exc, gen_id)
        self._keep(job_id, PENDING, lambda: self.persist.generation_seen(gen, None))
        self._keep(job_id, PENDING, lambda: self.persist.set_generation_origin(gen_id, origin))
        return gen

    def _images(self) -> Pipeline:
        """The generate pipeline's downloads (whole images, disk-full waits), over this job."""
        return Pipeline(
            client=self.client,  # type: ignore[arg-type]  # only download() is used
            store=self.store,
            persist=self.persist,
            on_progress=self.on_progress,
            cancelled=self.cancelled,
            verify=self.verify,
            download_tries=self.download_tries,
            download_delay=self.download_delay,
            space_wait=self.space_wait,
            sleep=self.sleep,
        )

    # -- a lost answer --------------------------------------------------------------------
    def _reconcile(self, job_id: int, job: BlueprintJob, submitted_at: float) -> str | None:
        threshold = datetime.fromtimestamp(submitted_at, tz=UTC) - timedelta(
            seconds=self.reconcile_skew
        )
        texts = job.texts()
        taken: set[str] = set()

        def look() -> str | None:
            for gen in self._made_since(threshold):
                prompt = gen.prompt or ""
                if not gen.id or gen.id in taken or not all(t in prompt for t in texts):
                    continue
                if self._keep(
                    job_id, PENDING, partial(self.persist.claim_generation, job_id, gen.id)
                ):
                    return gen.id
                taken.add(gen.id)
            return None

        return self._keep_checking(job_id, submitted_at, look)

    def _made_since(self, threshold: datetime) -> list[Generation]:
        if not self._user:
            user_id = getattr(self.client.get_me(), "user_id", None)
            if not user_id:
                raise errors.ProtocolError("The server did not say which account this is.")
            self._user.append(str(user_id))
        found: list[Generation] = []
        offset = 0
        while True:
            page = self.client.list_generations(self._user[0], offset, 50)
            fresh = [g for g in page if (g.created_at_datetime or threshold) >= threshold]
            found += fresh
            if len(page) < 50 or len(fresh) < len(page):
                return found
            offset += 50

    # -- endings --------------------------------------------------------------------------


def _refusal(gen: ExecutionGeneration) -> str:
    if gen.failed_message:
        return gen.failed_message
    return f"An output failed on the server ({gen.failed_type or 'no reason given'})."


def _lost() -> str:
    return (
        "Nothing was made for this blueprint run: its answer was lost, and nothing it made "
        "appeared in the minutes after it was sent. Nothing was charged; run it again if you "
        "want it."
    )
