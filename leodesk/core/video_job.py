"""A video job: image to video or text to video, submit → poll → download the MP4 whole →
probe it, keep its poster frame → record the video item. Qt-free (the app's queue, the CLI and
the tests share it), shaped like :mod:`leodesk.core.variations`.

The job is a row of the library's job queue (kind :data:`JOB_KIND`, the body from
:func:`job_body`) before anything is sent; the pipeline records when it was sent, the
generation id once accepted, and how it ended, so :meth:`VideoPipeline.resume` follows an
accepted job again after a restart. A submit whose answer was lost is **never sent again** (it
may have been billed): the pipeline looks for the generation it made among the account's
generations made since (same prompt, or the prompt it was enhanced from; a video; not followed
by another job) until it is found or it is certain nothing was made.

The result is stored as an image row of kind ``motion`` (its file: the poster frame extracted
from the MP4 with PyAV), the MP4 beside the image store (:func:`video_path`), and a ``videos``
row with the probed duration, size and frame rate (:meth:`Library.set_video`). An image to video
from a gallery image is that image's child (lineage ``IMAGE_TO_VIDEO``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final, Protocol

from leodesk.core.api import errors
from leodesk.core.api.models import ElementRef, Generation, GenerationJob
from leodesk.core.api.video import FrameRef, VideoRequest, video_body
from leodesk.core.library import Library
from leodesk.core.pipeline import (
    DONE,
    DOWNLOADING,
    INCOMPLETE,
    PENDING,
    SUBMITTING,
    Follows,
    ImagesMissing,
    ImageUnavailable,
    JobRecord,
    LibraryRecord,
    Progress,
    Steps,
)
from leodesk.core.pipeline import Store as BaseStore
from leodesk.core.variations import _write_atomic, video_path
from leodesk.core.video import VideoError, VideoInfo, poster, probe

log = logging.getLogger("leodesk.video")

JOB_KIND: Final = "video"  # the library's job kind of a video job
TRANSFORM: Final = "IMAGE_TO_VIDEO"  # the lineage of a video made from a gallery image
MAX_VIDEO_BYTES: Final = 1024 * 1024 * 1024


@dataclass(frozen=True)
class VideoJob:
    """What a stored video job asks for. ``source_generation_id``: the library generation of
    the start image when it came from the gallery (lineage), else None."""

    request: VideoRequest
    source_generation_id: str | None = None

    @property
    def label(self) -> str:
        prompt = " ".join(self.request.prompt.split())
        prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
        what = "Video" if self.request.image is not None else "Text to video"
        return f"{what} · {prompt}"

    @property
    def origin(self) -> str:
        """The library's ``videos.origin`` of the result."""
        return "image_to_video" if self.request.image is not None else "text_to_video"


def request_json(req: VideoRequest) -> str:
    """``req`` as JSON (every field, None included)."""
    return json.dumps(asdict(req), sort_keys=True)


def request_from_dict(data: Any) -> VideoRequest:
    """The inverse of ``asdict``; ValueError when it is not a video request."""
    if not isinstance(data, dict) or not isinstance(data.get("prompt"), str):
        raise ValueError("not a video request")
    known = {k: v for k, v in data.items() if k in VideoRequest.__dataclass_fields__}
    for key in ("image", "end_frame"):
        if known.get(key) is not None:
            known[key] = FrameRef(**known[key])
    if known.get("elements") is not None:
        known["elements"] = tuple(ElementRef(**e) for e in known["elements"])
    if known.get("style_ids") is not None:
        known["style_ids"] = tuple(str(s) for s in known["style_ids"])
    return VideoRequest(**known)


def job_body(job: VideoJob) -> str:
    """The job as the JSON stored in the library's queue."""
    return json.dumps(
        {
            "video": asdict(job.request),
            "source_generation_id": job.source_generation_id,
            "label": job.label,
        },
        sort_keys=True,
    )


def job_from_body(text: str | None) -> VideoJob:
    """The inverse of :func:`job_body`; ValueError when the text is not such a job."""
    try:
        data = json.loads(text or "")
        req = request_from_dict(data["video"])
        source = data.get("source_generation_id")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"not a video job: {exc}") from None
    return VideoJob(req, None if source is None else str(source))


@dataclass(frozen=True)
class Made:
    """A stored video: its image id (the library item), generation, MP4 path and facts."""

    image_id: str
    generation_id: str
    path: Path
    info: VideoInfo
    cost: int | None = None  # what the server said the job cost


class Persist(JobRecord, Protocol):
    """Where the video pipeline records what happened (the app runs these on its DB thread)."""

    def video_seen(self, generation: Generation, job: VideoJob) -> None: ...
    def video_stored(self, image_id: str, job: VideoJob, info: VideoInfo, sha256: str) -> None: ...


class Store(BaseStore, Protocol):
    @property
    def root(self) -> Path: ...


class Client(Follows, Protocol):
    def create_video(self, req: VideoRequest) -> GenerationJob: ...
    def get_me(self) -> Any: ...
    def list_generations(self, user_id: str, offset: int = ..., limit: int = ...) -> Any: ...


def record_video_seen(library: Library, generation: Generation, job: VideoJob) -> None:
    """Store a finished video generation: its image row (kind motion), the lineage of an image
    to video from a gallery image, and the video's origin and model."""
    library.upsert_generation(generation, request_json=request_json(job.request))
    start = job.request.image
    for image in generation.images:
        if not image.id or not image.motion_mp4_url:
            continue
        if start is not None and start.type == "GENERATED" and job.source_generation_id:
            library.set_image_parent(image.id, start.id, TRANSFORM)
        library.set_video(
            image.id,
            origin=job.origin,
            model=image.motion_model or job.request.model,
            request_json=request_json(job.request),
        )


def record_video_stored(
    library: Library, image_id: str, job: VideoJob, info: VideoInfo, sha256: str
) -> None:
    """Store what probing the downloaded MP4 found."""
    _record_probe(library, image_id, job.origin, None, info, sha256)


def record_motion_probed(library: Library, image_id: str, info: VideoInfo, sha256: str) -> None:
    """Store what probing an SVD motion's MP4 found (the gallery's duration badge)."""
    _record_probe(library, image_id, "motion", "SVD", info, sha256)


def _record_probe(
    library: Library,
    image_id: str,
    origin: str,
    model: str | None,
    info: VideoInfo,
    sha256: str,
) -> None:
    library.set_video(
        image_id,
        origin=origin,
        model=model,
        duration=info.duration,
        width=info.width,
        height=info.height,
        fps=info.fps,
        has_audio=info.has_audio,
        file_sha256=sha256,
    )


def download_video(
    client: Follows, store_root: Path, image_id: str, url: str
) -> tuple[Path, VideoInfo, str]:
    """Download a video item's MP4 whole (it must probe as a video: VideoError otherwise) and
    keep it at :func:`video_path`: its path, facts and sha256."""
    data = client.download(url, max_bytes=MAX_VIDEO_BYTES)
    info = _mp4_check(data)
    path = video_path(store_root, image_id)
    _write_atomic(path, data)
    return path, info, _sha256(data)


def record_video_file(library: Library, image_id: str, info: VideoInfo, sha256: str) -> None:
    """Store what probing a video item's MP4 found, keeping how it was made."""
    known = library.get_video(image_id)
    origin = known.origin if known is not None else "motion"
    _record_probe(library, image_id, origin, None, info, sha256)


class LibraryVideoRecord(LibraryRecord):
    """:class:`Persist` straight into a library (the CLI, tests)."""

    def video_seen(self, generation: Generation, job: VideoJob) -> None:
        record_video_seen(self.library, generation, job)

    def video_stored(self, image_id: str, job: VideoJob, info: VideoInfo, sha256: str) -> None:
        record_video_stored(self.library, image_id, job, info, sha256)


def _job_cost(job: GenerationJob) -> int | None:
    cost = job.api_credit_cost
    return cost if isinstance(cost, int) and not isinstance(cost, bool) else None


def _mp4_check(data: bytes) -> VideoInfo:
    info = probe(data)
    if info.width <= 0 or info.height <= 0:
        raise VideoError("the video has no picture")
    return info


@dataclass
class VideoPipeline(Steps):
    client: Client
    store: Store
    persist: Persist
    on_progress: Callable[[Progress], None]
    cancelled: Callable[[], bool] = lambda: False
    verify: Callable[[bytes], Any] | None = None  # the poster check (an image)
    poll_interval: float = 2.0
    max_poll_interval: float = 10.0
    poll_timeout: float = 3600.0  # videos take minutes
    sleep: Callable[[float], None] = time.sleep
    claim: Callable[[int, str], bool] | None = None
    download_tries: int = 4
    download_delay: float = 2.0
    space_wait: float = 10.0
    reconcile_delay: float = 3.0
    reconcile_max_delay: float = 60.0
    settle: float = 150.0
    reconcile_skew: float = 120.0

    def run(self, job_id: int, job: VideoJob) -> Made:
        """Submit ``job`` and follow it to a stored video. RateLimitedError (a 429: nothing
        was made) is the only error that leaves the job unsent. A request the client would
        refuse to send (no prompt, a wrong type) fails before anything is sent."""
        try:
            video_body(job.request)
        except (TypeError, ValueError) as exc:
            self._fail(job_id, f"The video cannot be sent: {exc}.", exc)
        self._emit(job_id, SUBMITTING, "Submitting…")
        sent_at = time.time()
        self._keep(job_id, SUBMITTING, lambda: self.persist.job_submitting(job_id, sent_at))
        try:
            reply = self.client.create_video(job.request)
        except errors.OutcomeUnknownError as exc:
            found = self._reconcile(job_id, job, sent_at)
            if found is None:
                self._fail(job_id, _LOST, exc)
            return self._follow(job_id, job, found, cost=None)
        except errors.RateLimitedError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, f"The video failed: {exc.user_message} {errors.next_step(exc)}", exc)
        return self._follow(job_id, job, str(reply.generation_id), cost=_job_cost(reply))

    def resume(
        self, job_id: int, job: VideoJob, *, remote_id: str | None, submitted_at: float | None
    ) -> Made:
        """After a restart: an accepted job is followed again (an incomplete one downloads its
        video again), one never sent is sent now, one whose answer was lost is looked for."""
        if remote_id:
            return self._follow(job_id, job, remote_id, cost=None)
        if submitted_at is not None:
            found = self._reconcile(job_id, job, submitted_at)
            if found is None:
                self._fail(job_id, _LOST)
            return self._follow(job_id, job, found, cost=None)
        return self.run(job_id, job)

    # -- finding a lost submit -------------------------------------------------------------
    def _reconcile(self, job_id: int, job: VideoJob, submitted_at: float) -> str | None:
        since = datetime.fromtimestamp(submitted_at - self.reconcile_skew, tz=UTC)
        wanted = job.request.prompt.strip()
        enhanced = bool(job.request.prompt_enhance)
        taken: set[str] = set()
        user: list[str] = []

        def matches(gen: Generation) -> bool:
            prompt = (gen.prompt or "").strip()
            same = prompt == wanted or (enhanced and prompt.startswith(wanted))
            video = any(im.motion_mp4_url or im.motion for im in gen.images)
            return same and (video or gen.status != "COMPLETE")

        def look() -> str | None:
            if not user:
                user.append(str(self.client.get_me().user_id or ""))
            for gen in self._made_since(user[0], since):
                if not gen.id or gen.id in taken or not matches(gen):
                    continue
                if self.claim is None or self._keep(
                    job_id, PENDING, partial(self.claim, job_id, gen.id)
                ):
                    return gen.id
                taken.add(gen.id)
            return None

        return self._keep_checking(job_id, submitted_at, look)

    def _made_since(self, user_id: str, since: datetime) -> list[Generation]:
        out: list[Generation] = []
        offset, limit = 0, 50
        while True:
            page = list(self.client.list_generations(user_id, offset, limit))
            recent = [g for g in page if (c := g.created_at_datetime) and c >= since]
            out += recent
            if len(page) < limit or len(recent) < len(page):
                return out
            offset += len(page)

    # -- following --------------------------------------------------------------------------
    def _follow(self, job_id: int, job: VideoJob, generation_id: str, *, cost: int | None) -> Made:
        gen = self._accepted_then_wait(job_id, generation_id, "Making the video…", _poll_failure)
        clips = [im for im in gen.images if im.id and im.motion_mp4_url]
        if gen.status != "COMPLETE" or not clips:
            self._fail(job_id, _FAILED_ON_SERVER, generation_id=generation_id)
        self._keep(job_id, PENDING, partial(self.persist.video_seen, gen, job))
        clip = clips[0]
        assert clip.id is not None and clip.motion_mp4_url is not None
        self._emit(job_id, DOWNLOADING, "Downloading the video…", generation_id, 0, 1)
        path, info, sha = self._download(job_id, generation_id, clip.id, clip.motion_mp4_url)
        self._keep(job_id, DOWNLOADING, partial(self.persist.video_stored, clip.id, job, info, sha))
        self._keep(job_id, DONE, lambda: self.persist.job_ended(job_id, DONE, None))
        self._emit(job_id, DONE, "Done", generation_id, 1, 1)
        return Made(clip.id, str(gen.id or generation_id), path, info, cost)

    def _download(
        self, job_id: int, generation_id: str, image_id: str, url: str
    ) -> tuple[Path, VideoInfo, str]:
        """The MP4 whole (it must probe as a video), kept at :func:`video_path`, and its
        poster frame stored as the image's file; INCOMPLETE when every try failed."""
        try:
            data = self._fetch_whole(
                job_id, image_id, url, check=_mp4_check, max_bytes=MAX_VIDEO_BYTES
            )
        except ImageUnavailable as exc:
            message = (
                "The video could not be downloaded. It is safe on your account: use Download "
                "again (leodesk also tries at the next start)."
            )
            self._keep(
                job_id, INCOMPLETE, lambda: self.persist.job_ended(job_id, INCOMPLETE, message)
            )
            self._emit(job_id, INCOMPLETE, message, generation_id)
            raise ImagesMissing(message, generation_id, {image_id: str(exc)}) from exc
        path = video_path(self.store.root, image_id)
        self._keep(job_id, DOWNLOADING, partial(_write_atomic, path, data))
        info = probe(path)
        frame = poster(path)
        stored = self._keep(job_id, DOWNLOADING, lambda: self.store.put(frame, "jpg"))
        self._keep(
            job_id,
            DOWNLOADING,
            partial(self.persist.image_stored, image_id, stored.sha256, stored.ext),
        )
        return path, info, _sha256(data)


def _poll_failure(exc: errors.LeonardoError) -> str:
    if isinstance(exc, errors.WaitTimeoutError):
        return _SLOW
    return f"The video failed: {exc.user_message}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_LOST: Final = (
    "The video was sent but its answer was lost, and nothing it made appeared in the minutes "
    "after. It was not sent again, so you were not charged twice; retry it if you want it."
)
_SLOW: Final = (
    "The video is taking very long; it may still finish on the server. Sync the library later "
    "to pick it up."
)
_FAILED_ON_SERVER: Final = (
    "The server could not make this video (failed jobs are refunded). Try another prompt, "
    "model or image."
)
