"""The generate pipeline: submit → poll → download → store, resumable at every step.

Qt-free, so the CLI, the app and the tests share it. Persistence goes through a :class:`Persist`
object (the app's runs every write on its single database thread), progress through a callback.
A submit whose outcome is unknown (the request was sent, no answer came back) is never re-sent:
the job is looked for in the account's recent generations instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol

from leodesk.core.api import errors
from leodesk.core.api.models import (
    ControlNetRef,
    ElementRef,
    Generation,
    GenerationRequest,
    UserElementRef,
)
from leodesk.core.imagestore import StorageError
from leodesk.core.jobs import JobState

log = logging.getLogger("leodesk.pipeline")

# Job states as plain strings: the values of leodesk.core.jobs.JobState (one definition).
QUEUED = JobState.QUEUED.value
SUBMITTING = JobState.SUBMITTING.value
PENDING = JobState.PENDING.value
DOWNLOADING = JobState.DOWNLOADING.value
DONE = JobState.DONE.value
FAILED = JobState.FAILED.value
CANCELLED = JobState.CANCELLED.value
UNKNOWN = JobState.UNKNOWN.value


class Polling:
    """The poll schedule shared by the generate and variation pipelines (their dataclass fields
    ``poll_interval``, ``max_poll_interval``, ``poll_timeout`` and ``cancelled``)."""

    poll_interval: float
    max_poll_interval: float
    poll_timeout: float
    cancelled: Callable[[], bool]

    def _poll(self) -> dict[str, Any]:
        """Keyword arguments for the client's ``wait_for_generation`` / ``wait_for_variation``."""
        return {
            "interval": self.poll_interval,
            "max_interval": max(self.poll_interval, self.max_poll_interval),
            "timeout": self.poll_timeout,
            "cancel": self.cancelled,
        }


@dataclass(frozen=True)
class Progress:
    job_id: int
    state: str
    message: str = ""
    generation_id: str | None = None
    done: int = 0
    total: int = 0


class JobRecord(Protocol):
    """The job row of a stored job (generation, variation, motion) and its files: what every
    pipeline records, so a restart can pick up from there. ``job_accepted`` stores the server's
    id of the job (a generation id, or a variation id)."""

    def job_submitting(self, job_id: int, submitted_at: float) -> None: ...
    def job_accepted(self, job_id: int, generation_id: str) -> None: ...
    def image_stored(self, image_id: str, sha256: str, ext: str) -> None: ...
    def job_ended(self, job_id: int, state: str, message: str | None) -> None: ...


class Persist(JobRecord, Protocol):
    """Where the generate pipeline records what happened."""

    def generation_seen(self, generation: Generation, request_json: str | None) -> None: ...


class Store(Protocol):
    def put(self, data: bytes, ext: str) -> Any: ...


class Follows(Protocol):
    """What every pipeline asks of the client once a job exists: its generation, polled, and
    the files."""

    def wait_for_generation(
        self,
        generation_id: str,
        *,
        interval: float = ...,
        max_interval: float = ...,
        timeout: float = ...,
        cancel: Callable[[], bool] | None = ...,
    ) -> Generation: ...
    def download(self, url: str, *, max_bytes: int = ...) -> bytes: ...


class Client(Follows, Protocol):
    def create_generation(self, req: GenerationRequest) -> Any: ...
    def get_me(self) -> Any: ...
    def reconcile_generation(
        self,
        *,
        user_id: str,
        prompt: str,
        submitted_after: datetime,
        limit: int = ...,
        exclude_ids: Collection[str] = ...,
    ) -> Generation | None: ...


class JobFailed(Exception):
    """The job ended without images; ``str()`` is the message for the user."""


def request_json(req: GenerationRequest) -> str:
    """The request as JSON (for the library and for 'recall'); every field, None included."""
    return json.dumps(asdict(req), default=list, sort_keys=True)


def request_from_json(text: str) -> GenerationRequest:
    """The inverse of :func:`request_json`; unknown keys are ignored, nested refs rebuilt."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("prompt"), str):
        raise ValueError("not a generation request")
    known = {k: v for k, v in data.items() if k in GenerationRequest.__dataclass_fields__}
    nested: dict[str, Any] = {
        "elements": ElementRef,
        "user_elements": UserElementRef,
        "controlnets": ControlNetRef,
    }
    for key, cls in nested.items():
        if known.get(key) is not None:
            known[key] = tuple(cls(**item) for item in known[key])
    if known.get("image_prompts") is not None:
        known["image_prompts"] = tuple(known["image_prompts"])
    return GenerationRequest(**known)


def _ext_of(url: str) -> str:
    tail = url.split("?", 1)[0].rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    return {"jpeg": "jpg"}.get(ext, ext) if ext in {"jpg", "jpeg", "png", "webp", "mp4"} else "jpg"


@dataclass
class Pipeline(Polling):
    client: Client
    store: Store
    persist: Persist
    on_progress: Callable[[Progress], None]
    cancelled: Callable[[], bool] = lambda: False
    verify: Callable[[bytes], Any] | None = None  # raises on a broken image
    poll_interval: float = 1.0  # the first poll; it grows ×1.5 per poll up to max_poll_interval
    max_poll_interval: float = 5.0
    poll_timeout: float = 900.0
    reconcile_tries: int = 4
    reconcile_delay: float = 3.0
    # Records that a job follows a generation found by reconciling, unless another job already
    # does (one atomic step); False: taken. Without it two jobs with the same prompt whose
    # submits were both lost could both take the same generation.
    claim: Callable[[int, str], bool] | None = None
    sleep: Callable[[float], None] = time.sleep

    # -- entry points ---------------------------------------------------------------------
    def run(self, job_id: int, req: GenerationRequest) -> Generation:
        """Submit ``req`` and follow it to stored images."""
        self._emit(job_id, SUBMITTING, "Submitting…")
        submitted_at = time.time()
        self.persist.job_submitting(job_id, submitted_at)
        try:
            job = self.client.create_generation(req)
            generation_id = str(job.generation_id)
        except errors.OutcomeUnknownError:
            generation_id = self._reconcile(job_id, req.prompt, submitted_at)
        except errors.RateLimitedError:
            # 429: the server created nothing. Not a failure of the job: the caller puts it
            # back in the queue and pauses sending for ``retry_after``.
            raise
        except errors.LeonardoError as exc:
            self._end(job_id, FAILED, exc.user_message)
            raise JobFailed(exc.user_message) from exc
        return self.follow(job_id, generation_id, request_json(req))

    def resume(
        self,
        job_id: int,
        *,
        generation_id: str | None,
        prompt: str,
        submitted_at: float | None,
        req_json: str | None,
    ) -> Generation:
        """Pick a job up after a restart: poll it if it has an id, else reconcile, never re-send."""
        if generation_id is None:
            if submitted_at is None:
                raise ValueError("a job that was never submitted is resumed with run()")
            generation_id = self._reconcile(job_id, prompt, submitted_at)
        return self.follow(job_id, generation_id, req_json)

    def follow(self, job_id: int, generation_id: str, req_json: str | None) -> Generation:
        """Poll an accepted job to its end, then download and store its images."""
        self.persist.job_accepted(job_id, generation_id)
        self._emit(job_id, PENDING, "Generating…", generation_id)
        try:
            gen = self.client.wait_for_generation(generation_id, **self._poll())
        except errors.WaitCancelledError:
            # Closing the app is not cancelling the job: it stays pending and resumes next time.
            raise
        except errors.LeonardoError as exc:
            self._end(job_id, FAILED, exc.user_message, generation_id)
            raise JobFailed(exc.user_message) from exc
        self.persist.generation_seen(gen, req_json)
        if gen.status != "COMPLETE":
            message = "The server could not make these images (failed jobs are refunded)."
            self._end(job_id, FAILED, message, generation_id)
            raise JobFailed(message)
        self.download_images(job_id, gen)
        self._end(job_id, DONE, f"{len(gen.images)} image(s)", generation_id)
        return gen

    def download_images(self, job_id: int, gen: Generation) -> None:
        images = [im for im in gen.images if im.url and im.id]
        total = len(images)
        self._emit(job_id, DOWNLOADING, "Downloading…", gen.id, 0, total)
        for n, image in enumerate(images, start=1):
            if self.cancelled():
                raise errors.WaitCancelledError("cancelled during download")
            assert image.url is not None and image.id is not None
            try:
                data = self.client.download(image.url)
                if self.verify is not None:
                    self.verify(data)
            except errors.LeonardoError as exc:
                log.warning("download of image %s failed: %s", image.id, exc)
                continue  # the library keeps the URL; the download is retried later
            except Exception as exc:
                log.warning("image %s is broken: %s", image.id, exc)
                continue
            try:
                stored = self.store.put(data, _ext_of(image.url))
            except (StorageError, OSError) as exc:
                self._storage_failed(job_id, gen, exc)
            self.persist.image_stored(image.id, stored.sha256, stored.ext)
            self._emit(job_id, DOWNLOADING, f"Downloading {n}/{total}…", gen.id, n, total)

    # -- helpers --------------------------------------------------------------------------
    def _storage_failed(self, job_id: int, gen: Generation, exc: BaseException) -> NoReturn:
        """The disk refused the image: the job ends with what to do; nothing is lost (the
        generation and its URLs are in the library, so the images download again later)."""
        message = (
            f"{exc}. The images are safe on your account and in the library: free some disk "
            "space, then open or sync them to download them again."
        )
        self._end(job_id, FAILED, message, gen.id)
        raise JobFailed(message) from exc

    def _reconcile(self, job_id: int, prompt: str, submitted_at: float) -> str:
        self._emit(job_id, UNKNOWN, "No answer from the server; checking whether the job exists…")
        user_id = self.client.get_me().user_id
        after = datetime.fromtimestamp(submitted_at, tz=UTC)
        taken: set[str] = set()  # generations other jobs follow (same prompt, same minutes)
        attempt = 0
        while user_id and attempt < self.reconcile_tries:
            if self.cancelled():
                raise errors.WaitCancelledError("cancelled while reconciling")
            found = self.client.reconcile_generation(
                user_id=user_id, prompt=prompt, submitted_after=after, exclude_ids=taken
            )
            if found is not None and found.id and found.id not in taken:
                if self.claim is None or self.claim(job_id, found.id):
                    return found.id
                taken.add(found.id)
                continue  # look again at once, without it (each pass excludes one more)
            attempt += 1
            if attempt < self.reconcile_tries:
                self.sleep(self.reconcile_delay)
        message = (
            "The server never confirmed this job and it is not in your recent generations. "
            "It was not re-sent, so you were not charged twice; retry it if you want it."
        )
        self._end(job_id, FAILED, message)
        raise JobFailed(message)

    def _emit(
        self,
        job_id: int,
        state: str,
        message: str = "",
        generation_id: str | None = None,
        done: int = 0,
        total: int = 0,
    ) -> None:
        self.on_progress(Progress(job_id, state, message, generation_id, done, total))

    def _end(self, job_id: int, state: str, message: str, generation_id: str | None = None) -> None:
        self.persist.job_ended(job_id, state, message)
        self._emit(job_id, state, message, generation_id)
