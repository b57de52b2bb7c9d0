"""The generate pipeline: submit → poll → download → store, resumable at every step.

Qt-free, so the CLI, the app and the tests share it. Persistence goes through a :class:`Persist`
object (the app's runs every write on its single database thread), progress through a callback.
A submit whose outcome is unknown (the request was sent, no answer came back) is never re-sent:
the job stays "checking whether it was made" and is looked for among everything the account
made since it was sent, through errors and restarts, until it is found or it is certain that
none was made. A job is done only when every image is stored whole; a full disk makes a job wait
for space, never lose what the server made.
"""

from __future__ import annotations

import errno
import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, NoReturn, Protocol, TypeVar

from leodesk.core.api import errors
from leodesk.core.api.models import (
    ControlNetRef,
    ElementRef,
    Generation,
    GenerationRequest,
    UserElementRef,
)
from leodesk.core.errors import LeodeskError
from leodesk.core.imagestore import StorageError
from leodesk.core.jobs import Job, JobState, advance
from leodesk.core.library import Library, LibraryError
from leodesk.core.polling import DurationStore, PollPlan, PollTracker, job_keys, plan_for

log = logging.getLogger("leodesk.pipeline")

_T = TypeVar("_T")

# Job states as plain strings: the values of leodesk.core.jobs.JobState (one definition).
QUEUED = JobState.QUEUED.value
SUBMITTING = JobState.SUBMITTING.value
PENDING = JobState.PENDING.value
DOWNLOADING = JobState.DOWNLOADING.value
DONE = JobState.DONE.value
FAILED = JobState.FAILED.value
CANCELLED = JobState.CANCELLED.value
UNKNOWN = JobState.UNKNOWN.value
INCOMPLETE = JobState.INCOMPLETE.value

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (of the image store or of the library) is full."""
    if isinstance(exc, StorageError):
        return exc.errno in _FULL_ERRNOS
    if isinstance(exc, LibraryError):
        return exc.reason == "full"
    if isinstance(exc, OSError):
        return exc.errno in _FULL_ERRNOS
    return False


class Steps:
    """What the generate and variation pipelines share (their dataclass fields are declared
    here): the poll schedule, downloads that end with a whole image or none, writes that wait
    for disk space, and the patient search for a job whose submit answer was lost."""

    client: Any
    store: Store
    persist: JobRecord
    on_progress: Callable[[Progress], None]
    poll_interval: float
    max_poll_interval: float
    poll_timeout: float
    cancelled: Callable[[], bool]
    verify: Callable[[bytes], Any] | None
    sleep: Callable[[float], None]
    # Re-downloads of an image whose bytes did not decode (the client already retries
    # connection errors, 5xx and short bodies itself); the delay doubles each time.
    download_tries: int
    download_delay: float
    # While the disk is full, a write is tried again this often.
    space_wait: float
    # Looking for a job whose answer was lost: the first delay between looks (doubling up to
    # ``reconcile_max_delay``), and how long after the send a complete look that finds nothing
    # proves that nothing was made (the server cannot still be working on the request then).
    reconcile_delay: float
    reconcile_max_delay: float
    settle: float

    def _poll(self) -> dict[str, Any]:
        """Keyword arguments for the client's ``wait_for_generation`` / ``wait_for_variation``."""
        return {
            "interval": self.poll_interval,
            "max_interval": max(self.poll_interval, self.max_poll_interval),
            "timeout": self.poll_timeout,
            "cancel": self.cancelled,
        }

    def _nap(self, seconds: float) -> None:
        """Sleep in short slices; WaitCancelledError as soon as the job is cancelled (the app
        closes: the job resumes next time)."""
        left = max(0.0, seconds)
        while True:
            if self.cancelled():
                raise errors.WaitCancelledError("cancelled while waiting")
            if left <= 0:
                return
            step = min(0.25, left)
            self.sleep(step)
            left -= step

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

    def _keep(self, job_id: int, state: str, write: Callable[[], _T]) -> _T:
        """Run ``write`` (a library write or a file store); while the disk is full, say so and
        try again every ``space_wait`` seconds: what the server made is never dropped."""
        warned = False
        while True:
            try:
                return write()
            except Exception as exc:
                if not is_disk_full(exc):
                    raise
                if not warned:
                    log.warning("job %s waits for disk space: %s", job_id, exc)
                    warned = True
                self._emit(
                    job_id,
                    state,
                    "The disk is full: free some space and the job goes on by itself "
                    "(nothing is lost).",
                )
                self._nap(self.space_wait)

    def _accepted_then_wait(
        self,
        job_id: int,
        generation_id: str,
        waiting: str,
        failure: Callable[[Any], str],
        tracker: PollTracker | None = None,
    ) -> Generation:
        """Record that the server accepted the job as ``generation_id``, say ``waiting``, and
        poll it to its end (on ``tracker``'s schedule when given: its ``done_at`` is then set
        to the seconds the wait took); a poll that fails for good ends the job FAILED with
        ``failure(error)``. Closing the app is not cancelling the job: WaitCancelledError
        leaves it pending, to resume next time."""
        self._keep(job_id, PENDING, lambda: self.persist.job_accepted(job_id, generation_id))
        self._emit(job_id, PENDING, waiting, generation_id)
        poll = self._poll()
        if tracker is not None:
            poll["schedule"] = tracker
        started = time.monotonic()
        try:
            gen: Generation = self.client.wait_for_generation(generation_id, **poll)
        except errors.WaitCancelledError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, failure(exc), exc, generation_id)
        if tracker is not None:
            tracker.done_at = time.monotonic() - started
        return gen

    def _fail(
        self,
        job_id: int,
        message: str,
        cause: BaseException | None = None,
        generation_id: str | None = None,
    ) -> NoReturn:
        """End the job FAILED with ``message`` (what the job strip says) and raise JobFailed."""
        self._end(job_id, FAILED, message, generation_id)
        raise JobFailed(message) from cause

    def _end(self, job_id: int, state: str, message: str, generation_id: str | None = None) -> None:
        """Store the job's end (waiting for disk space if need be) and report it."""
        self._keep(job_id, state, lambda: self.persist.job_ended(job_id, state, message))
        self._emit(job_id, state, message, generation_id)

    def _fetch_whole(
        self,
        job_id: int,
        image_id: str,
        url: str,
        *,
        check: Callable[[bytes], Any] | None = None,
        max_bytes: int | None = None,
    ) -> bytes:
        """The bytes of ``url`` if they decode as a whole image (``verify``, or ``check`` for
        another kind of file), after up to ``download_tries`` downloads; ImageUnavailable
        (saying why) when every try failed. ``max_bytes``: the client's limit when None."""
        verify = self.verify if check is None else check
        limit = {} if max_bytes is None else {"max_bytes": max_bytes}
        delay = self.download_delay
        why = "it could not be downloaded"
        for attempt in range(max(1, self.download_tries)):
            if attempt:
                self._nap(delay)
                delay *= 2
            try:
                data = self.client.download(url, **limit)
            except errors.WaitCancelledError:
                raise
            except errors.NotFoundError as exc:  # gone: trying again cannot help
                raise ImageUnavailable("it is no longer on the server") from exc
            except ValueError as exc:  # not an address leodesk downloads (file:, ftp:...)
                raise ImageUnavailable(f"its address cannot be downloaded ({url[:60]})") from exc
            except errors.LeonardoError as exc:  # the client's own retries were not enough
                why = exc.user_message.rstrip(".").lower()
                log.warning("image %s of job %s, try %d: %s", image_id, job_id, attempt + 1, exc)
                continue
            try:
                if verify is not None:
                    verify(data)
                return bytes(data)
            except Exception as exc:  # bytes that do not decode: cut short, a web page, a bomb
                why = str(exc).rstrip(".").lower() or "the file is broken"
                log.warning("image %s of job %s is broken: %s", image_id, job_id, exc)
        raise ImageUnavailable(why)

    def _store_whole(self, job_id: int, state: str, data: bytes, url: str) -> Any:
        return self._keep(job_id, state, lambda: self.store.put(data, _ext_of(url)))

    def _keep_checking(
        self, job_id: int, submitted_at: float, look: Callable[[], str | None]
    ) -> str | None:
        """After a submit whose answer was lost: ``look()`` (a complete look at what the
        account made since the send; it raises when it could not look) until it finds the
        job's server id. None only when a complete look that started ``settle`` seconds or more
        after the send found nothing: then it is certain that nothing was made. Errors never end
        the search, and the job is never sent again."""
        self._keep(job_id, UNKNOWN, lambda: self.persist.job_checking(job_id))
        self._emit(job_id, UNKNOWN, "No answer from the server; checking whether it was made…")
        delay = self.reconcile_delay
        while True:
            if self.cancelled():
                raise errors.WaitCancelledError("cancelled while checking")
            started = time.time()
            try:
                found = look()
            except errors.WaitCancelledError:
                raise
            except errors.LeonardoError as exc:
                log.info("job %s: could not look for it yet: %s", job_id, exc)
                self._emit(
                    job_id,
                    UNKNOWN,
                    f"Checking whether it was made (the server said: {exc.user_message} "
                    f"Trying again in {delay:.0f} s.)",
                )
            else:
                if found is not None:
                    return found
                if started - submitted_at >= self.settle:
                    return None
                self._emit(
                    job_id, UNKNOWN, "Checking whether it was made: not among your jobs yet…"
                )
            self._nap(delay)
            delay = min(max(self.reconcile_max_delay, delay), delay * 2)


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
    id of the job (a generation id, or a variation id); ``job_checking`` marks a job whose
    submit answer was lost (it is being looked for); ``stored_images`` are the ids of a
    generation's images (variations included) whose files are stored."""

    def job_submitting(self, job_id: int, submitted_at: float) -> None: ...
    def job_checking(self, job_id: int) -> None: ...
    def job_accepted(self, job_id: int, generation_id: str) -> None: ...
    def image_stored(self, image_id: str, sha256: str, ext: str) -> None: ...
    def stored_images(self, generation_id: str) -> set[str]: ...
    def job_ended(self, job_id: int, state: str, message: str | None) -> None: ...


class Persist(JobRecord, Protocol):
    """Where the generate pipeline records what happened."""

    def generation_seen(self, generation: Generation, request_json: str | None) -> None: ...


class LibraryRecord:
    """:class:`Persist` straight into a library (the CLI, tests); the app runs the same writes
    on its database thread. Every job state it stores is a move the job state machine allows
    (:func:`leodesk.core.jobs.advance`)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def move(
        self,
        job_id: int,
        state: str,
        *,
        generation_id: str | None = None,
        error: str | None = None,
        submitted_at: float | None = None,
    ) -> None:
        """Store job ``job_id`` in ``state`` with the given fields (None: unchanged).
        InvalidTransition when the state machine does not allow the move, KeyError when there
        is no such job."""
        rec = self.library.get_job(job_id)
        if rec is None:
            raise KeyError(job_id)
        stored = Job(rec.id, rec.kind, JobState(rec.state), rec.generation_id)
        advance(stored, JobState(state), generation_id=generation_id)
        self.library.update_job(
            job_id,
            state=state,
            generation_id=generation_id,
            error=error,
            submitted_at=submitted_at,
        )

    def job_submitting(self, job_id: int, submitted_at: float) -> None:
        self.move(job_id, SUBMITTING, submitted_at=submitted_at)

    def job_checking(self, job_id: int) -> None:
        self.move(job_id, UNKNOWN)

    def job_accepted(self, job_id: int, generation_id: str) -> None:
        self.move(job_id, PENDING, generation_id=generation_id)

    def claim_generation(self, job_id: int, generation_id: str) -> bool:
        return self.library.claim_generation(job_id, generation_id)

    def generation_seen(self, generation: Generation, request_json: str | None) -> None:
        self.library.upsert_generation(generation, request_json=request_json)

    def image_stored(self, image_id: str, sha256: str, ext: str) -> None:
        self.library.set_image_file(image_id, sha256, ext)

    def stored_images(self, generation_id: str) -> set[str]:
        return self.library.stored_image_ids(generation_id)

    def job_ended(self, job_id: int, state: str, message: str | None) -> None:
        self.move(job_id, state, error=message)


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
        schedule: Callable[[float, int], float] | None = ...,
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


class JobFailed(LeodeskError):
    """The job ended without images; ``str()`` is the message for the user."""


class ImagesMissing(JobFailed):
    """The generation was made (and billed) but some of its images could not be stored whole:
    the job is INCOMPLETE, its images are downloaded again later (Download again, the next
    start, a sync). ``missing`` maps each missing image id to why."""

    def __init__(self, message: str, generation_id: str, missing: dict[str, str]) -> None:
        super().__init__(message)
        self.generation_id = generation_id
        self.missing = missing


class ImageUnavailable(Exception):
    """Every download of an image failed; ``str()`` says why, in a few lowercase words."""


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
class Pipeline(Steps):
    client: Client
    store: Store
    persist: Persist
    on_progress: Callable[[Progress], None]
    cancelled: Callable[[], bool] = lambda: False
    verify: Callable[[bytes], Any] | None = None  # raises on a broken image
    poll_interval: float = 1.0  # the first poll; it grows ×1.5 per poll up to max_poll_interval
    max_poll_interval: float = 5.0
    poll_timeout: float = 900.0
    download_tries: int = 4
    download_delay: float = 2.0
    space_wait: float = 10.0
    reconcile_delay: float = 3.0
    reconcile_max_delay: float = 60.0
    settle: float = 150.0
    # Records that a job follows a generation found by reconciling, unless another job already
    # does (one atomic step); False: taken. Without it two jobs with the same prompt whose
    # submits were both lost could both take the same generation.
    claim: Callable[[int, str], bool] | None = None
    sleep: Callable[[float], None] = time.sleep
    # How long past jobs of each kind took (the library): polls are planned from it and each
    # finished job adds its own (see leodesk.core.polling). None: the plan for an unknown kind.
    durations: DurationStore | None = None

    # -- entry points ---------------------------------------------------------------------
    def run(self, job_id: int, req: GenerationRequest) -> Generation:
        """Submit ``req`` and follow it to stored images. RateLimitedError (a 429 to the
        submit: nothing was made) is the only error that leaves the job unsent."""
        self._emit(job_id, SUBMITTING, "Submitting…")
        submitted_at = time.time()
        self._keep(job_id, SUBMITTING, lambda: self.persist.job_submitting(job_id, submitted_at))
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
            message = f"{exc.user_message} {errors.next_step(exc)}"
            self._end(job_id, FAILED, message)
            raise JobFailed(message) from exc
        body = request_json(req)
        return self.follow(job_id, generation_id, body, learn=True)

    def resume(
        self,
        job_id: int,
        *,
        generation_id: str | None,
        prompt: str,
        submitted_at: float | None,
        req_json: str | None,
    ) -> Generation:
        """Pick a job up after a restart: poll it if it has an id, else reconcile, never re-send.
        A job whose images were missing downloads just those."""
        if generation_id is None:
            if submitted_at is None:
                raise ValueError("a job that was never submitted is resumed with run()")
            generation_id = self._reconcile(job_id, prompt, submitted_at)
        return self.follow(job_id, generation_id, req_json)

    def follow(
        self, job_id: int, generation_id: str, req_json: str | None, *, learn: bool = False
    ) -> Generation:
        """Poll an accepted job to its end, then download and store its images. Polls follow
        the plan for the job's kind; with ``learn`` (a job just sent: the wait began when it
        started) the time it took is remembered for the next one."""
        key, model_key = job_keys(req_json)
        plan = self._plan(key, model_key) if learn else PollPlan()
        tracker = PollTracker(replace(plan, pace=min(1.0, max(0.01, self.poll_interval))))
        gen = self._accepted_then_wait(
            job_id, generation_id, "Generating…", lambda exc: str(exc.user_message), tracker
        )
        if learn and gen.status == "COMPLETE" and tracker.done_at is not None:
            self._learn(key, model_key, tracker.duration(tracker.done_at))
        self._keep(job_id, PENDING, lambda: self.persist.generation_seen(gen, req_json))
        if gen.status != "COMPLETE":
            message = "The server could not make these images (failed jobs are refunded)."
            self._end(job_id, FAILED, message, generation_id)
            raise JobFailed(message)
        missing = self.download_images(job_id, gen)
        total = len([im for im in gen.images if im.url and im.id])
        if missing:
            what = "The image" if total == 1 else f"{len(missing)} of {total} images"
            message = (
                f"{what} could not be downloaded. Safe on your account: use Download again "
                "(leodesk also tries at the next start and when it syncs)."
            )
            self._end(job_id, INCOMPLETE, message, generation_id)
            raise ImagesMissing(message, generation_id, missing)
        self._end(job_id, DONE, f"{total} image(s)", generation_id)
        return gen

    def download_images(self, job_id: int, gen: Generation) -> dict[str, str]:
        """Download and store every image of ``gen`` not stored yet, each one whole (decoded)
        or not at all; returns the images still missing (id -> why)."""
        images = [im for im in gen.images if im.url and im.id]
        total = len(images)
        have = self.persist.stored_images(gen.id) if gen.id else set()
        missing: dict[str, str] = {}
        self._emit(job_id, DOWNLOADING, "Downloading…", gen.id, 0, total)
        for n, image in enumerate(images, start=1):
            if self.cancelled():
                raise errors.WaitCancelledError("cancelled during download")
            assert image.url is not None and image.id is not None
            image_id, url = image.id, image.url
            if image_id in have:
                continue
            try:
                data = self._fetch_whole(job_id, image_id, url)
            except ImageUnavailable as exc:
                missing[image_id] = str(exc)
                continue
            stored = self._store_whole(job_id, DOWNLOADING, data, url)
            self._keep(
                job_id,
                DOWNLOADING,
                partial(self.persist.image_stored, image_id, stored.sha256, stored.ext),
            )
            self._emit(job_id, DOWNLOADING, f"Downloading {n}/{total}…", gen.id, n, total)
        return missing

    # -- helpers --------------------------------------------------------------------------
    def _plan(self, key: str, model_key: str) -> PollPlan:
        try:
            return plan_for(self.durations, key, model_key)
        except Exception as exc:  # a plan is an optimisation: polling goes on without one
            log.warning("no poll plan from the job history: %s", exc)
            return PollPlan()

    def _learn(self, key: str, model_key: str, seconds: float) -> None:
        if self.durations is None:
            return
        try:
            self.durations.record_job_duration(key, model_key, seconds)
        except Exception as exc:
            log.warning("the job's duration was not remembered: %s", exc)

    def _reconcile(self, job_id: int, prompt: str, submitted_at: float) -> str:
        after = datetime.fromtimestamp(submitted_at, tz=UTC)
        taken: set[str] = set()  # generations other jobs follow (same prompt, same minutes)
        user: list[str] = []

        def look() -> str | None:
            if not user:
                user_id = self.client.get_me().user_id
                if not user_id:
                    raise errors.ProtocolError("The server did not say which account this is.")
                user.append(user_id)
            while True:
                found = self.client.reconcile_generation(
                    user_id=user[0], prompt=prompt, submitted_after=after, exclude_ids=taken
                )
                if found is None or not found.id:
                    return None
                if self.claim is None or self._keep(
                    job_id, UNKNOWN, partial(self.claim, job_id, found.id)
                ):
                    return found.id
                taken.add(found.id)  # another job follows it: look again without it

        found = self._keep_checking(job_id, submitted_at, look)
        if found is not None:
            return found
        message = (
            "Nothing was made for this job: its answer was lost, and nothing it made appeared "
            "in the minutes after it was sent. Nothing was charged; retry it if you want it."
        )
        self._end(job_id, FAILED, message)
        raise JobFailed(message)
