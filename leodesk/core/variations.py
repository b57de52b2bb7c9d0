"""Variations and motion: post-process an image, follow the job, store the result as a child.

Qt-free (the app and the tests share it), shaped like :mod:`leodesk.core.pipeline`: submit →
poll → download → store, with progress through a callback and persistence through a
:class:`Persist` object (the app runs every write on its database thread).

- Upscale, unzoom, remove background and the universal upscaler take an image id; when that
  image is itself a variation output the API must be told (``isVariation`` / ``variationId``),
  or it answers "failed to find init variation". The result is stored as an image of kind
  ``variation`` in the source's generation, with ``parent_image_id`` = the source.
- SVD motion takes a generated (or variation) image **id**; a generation id gets "Service
  Error". The motion job is a new generation; its image (the poster frame) is stored as an
  image of kind ``motion`` whose parent is the source, and the MP4 is kept beside the image
  store (:func:`video_path`).

Every job is a row of the library's job queue (kind :data:`JOB_KIND`, the body from
:func:`job_body`) before anything is sent; the pipeline records when it was sent, the server's
id once accepted, and how it ended, so :meth:`VariationPipeline.resume` can follow an accepted
job again after a restart. A job that was sent but whose answer was lost is never sent again
(it may have been billed): it ends with a message saying so.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from leodesk.core.api import errors
from leodesk.core.api.models import (
    Generation,
    GenerationJob,
    MotionRequest,
    PricingRequest,
    UniversalUpscaleRequest,
    Variation,
    parse_timestamp,
)
from leodesk.core.api.models import VariationJob as SubmittedVariation
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
    Progress,
    Steps,
)
from leodesk.core.pipeline import Store as BaseStore
from leodesk.core.video import VideoError, VideoInfo, probe

log = logging.getLogger("leodesk.variations")

UPSCALER_STYLES: tuple[str, ...] = (
    "GENERAL",
    "CINEMATIC",
    "2D ART & ILLUSTRATION",
    "CG ART & GAME ASSETS",
)
DEFAULT_STYLE = "GENERAL"
#: The universal upscaler's ultra mode (``ultraUpscaleStyle``), with similarity and detail contrast.
ULTRA_STYLES: tuple[str, ...] = ("ARTISTIC", "REALISTIC")
DEFAULT_SIMILARITY = 5
DEFAULT_DETAIL_CONTRAST = 5
DEFAULT_CREATIVITY = 5
DEFAULT_MULTIPLIER = 1.5
DEFAULT_MOTION_STRENGTH = 5
MAX_OUTPUT_PIXELS = 20_000_000  # the universal upscaler's output cap


class Kind(enum.Enum):
    """A post-processing job; the value is the ``transform`` stored on the child image."""

    UPSCALE = "UPSCALE"
    UNZOOM = "UNZOOM"
    NOBG = "NOBG"
    UNIVERSAL = "UNIVERSAL_UPSCALE"
    MOTION = "MOTION_SVD"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Kind.UPSCALE: "Upscale",
    Kind.UNZOOM: "Unzoom",
    Kind.NOBG: "Remove background",
    Kind.UNIVERSAL: "Universal upscale",
    Kind.MOTION: "Motion",
}


@dataclass(frozen=True)
class Source:
    """The image a job starts from.

    ``is_variation``: the image is a variation output (kind ``variation`` in the library);
    ``generation_id`` is the generation it is stored under; ``index`` its position there.
    """

    image_id: str
    generation_id: str
    is_variation: bool = False
    index: int = 0
    width: int | None = None
    height: int | None = None
    prompt: str = ""


@dataclass(frozen=True)
class UniversalOptions:
    style: str = DEFAULT_STYLE
    creativity: int = DEFAULT_CREATIVITY  # 1–10
    multiplier: float = DEFAULT_MULTIPLIER  # 1.0–2.0
    prompt: str | None = None
    #: Ultra mode: ``ARTISTIC`` or ``REALISTIC`` (then ``style`` is not sent), with these two.
    ultra_style: str | None = None
    similarity: int = DEFAULT_SIMILARITY  # 1–10, ultra only
    detail_contrast: int = DEFAULT_DETAIL_CONTRAST  # 1–10, ultra only

    def __post_init__(self) -> None:
        if self.style not in UPSCALER_STYLES:
            raise ValueError(f"unknown upscaler style {self.style!r}")
        if self.ultra_style is not None and self.ultra_style not in ULTRA_STYLES:
            raise ValueError(f"unknown ultra style {self.ultra_style!r}")
        if not (1 <= self.similarity <= 10 and 1 <= self.detail_contrast <= 10):
            raise ValueError("similarity and detail contrast must be between 1 and 10")
        if not 1 <= self.creativity <= 10:
            raise ValueError("creativity must be between 1 and 10")
        if not 1.0 <= self.multiplier <= 2.0:
            raise ValueError("the multiplier must be between 1.0 and 2.0")


@dataclass(frozen=True)
class Child:
    """A stored result: the new image's id, the source it came from, and the files."""

    image_id: str
    parent_image_id: str
    kind: Kind
    generation_id: str
    video: Path | None = None
    cost: int | None = None  # what the server said the job cost


# -- the stored job ----------------------------------------------------------------------------

JOB_KIND = "variation"  # the library's job kind for every variation and motion job


@dataclass(frozen=True)
class VariationJob:
    """What a stored variation or motion job asks for."""

    kind: Kind
    source: Source
    options: UniversalOptions | None = None
    motion_strength: int = DEFAULT_MOTION_STRENGTH

    @property
    def label(self) -> str:
        prompt = " ".join(self.source.prompt.split())
        prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
        return f"{self.kind.label} · {prompt}" if prompt else self.kind.label


def job_body(job: VariationJob) -> str:
    """The job as the JSON stored in the library's queue."""
    return json.dumps(
        {
            "variation": job.kind.value,
            "source": asdict(job.source),
            "options": None if job.options is None else asdict(job.options),
            "motion_strength": job.motion_strength,
            "label": job.label,
        },
        sort_keys=True,
    )


def job_from_body(text: str | None) -> VariationJob:
    """The inverse of :func:`job_body`; ValueError when the text is not such a job."""
    try:
        data = json.loads(text or "")
        kind = Kind(data["variation"])
        src = data["source"]
        source = Source(**{k: v for k, v in src.items() if k in Source.__dataclass_fields__})
        raw_options = data.get("options")
        options = None if raw_options is None else UniversalOptions(**raw_options)
        strength = int(data.get("motion_strength", DEFAULT_MOTION_STRENGTH))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"not a variation job: {exc}") from None
    if not isinstance(source.image_id, str) or not source.image_id:
        raise ValueError("not a variation job: no source image")
    return VariationJob(kind, source, options, strength)


# -- what it costs -----------------------------------------------------------------------------


def pricing_request(
    kind: Kind, source: Source, options: UniversalOptions | None = None
) -> PricingRequest | None:
    """The pricing-calculator request for ``kind`` (None when it has no pricing service)."""
    if kind is Kind.MOTION:
        return PricingRequest("MOTION_SVD_GENERATION", {})
    if kind is Kind.UNIVERSAL:
        opts = options or UniversalOptions()
        if opts.ultra_style is not None:
            params = {
                "inputWidth": source.width or 1024,
                "inputHeight": source.height or 1024,
                "upscaleMultiplier": opts.multiplier,
            }
            return PricingRequest("UNIVERSAL_UPSCALER_ULTRA", params)
        return PricingRequest(
            "UNIVERSAL_UPSCALER", {"megapixel": output_megapixels(source, opts.multiplier)}
        )
    return None


def output_megapixels(source: Source, multiplier: float) -> int:
    """Megapixels (rounded up, at least 1, at most the 20 MP cap) of an upscale's output."""
    width = source.width or 1024
    height = source.height or 1024
    pixels = min(width * height * multiplier * multiplier, MAX_OUTPUT_PIXELS)
    return max(1, -(-int(pixels) // 1_000_000))


def cost_of(
    price: Callable[[PricingRequest], int],
    kind: Kind,
    source: Source,
    options: UniversalOptions | None = None,
    known: dict[Kind, int] | None = None,
) -> int | None:
    """The job's cost in API credits, or None when it cannot be known (never raises).

    Upscale, unzoom and remove background have no pricing-calculator service: their cost is
    only known from an earlier job of the same kind (``known``, filled from job replies).
    """
    request = pricing_request(kind, source, options)
    if request is None:
        return None if known is None else known.get(kind)
    try:
        return price(request)
    except errors.LeonardoError as exc:
        log.info("no price for %s: %s", kind.value, exc)
        return None


def cost_text(kind: Kind, cost: int | None) -> str:
    """The confirmation line: "Upscale costs 15 credits." (or says the cost is unknown)."""
    if cost is None:
        return f"{kind.label}: the cost is not known in advance."
    return f"{kind.label} costs {cost} credit{'s' if cost != 1 else ''}."


# -- the request bodies ------------------------------------------------------------------------


def universal_request(source: Source, options: UniversalOptions) -> UniversalUpscaleRequest:
    """A variation source goes as ``variationId``, a generated image as ``generatedImageId``."""
    common: dict[str, Any] = {
        "upscale_multiplier": options.multiplier,
        "creativity_strength": options.creativity,
        "prompt": options.prompt or None,
    }
    if options.ultra_style is not None:
        common["ultra_upscale_style"] = options.ultra_style
        common["similarity"] = options.similarity
        common["detail_contrast"] = options.detail_contrast
    else:
        common["upscaler_style"] = options.style
    if source.is_variation:
        return UniversalUpscaleRequest(variation_id=source.image_id, **common)
    return UniversalUpscaleRequest(generated_image_id=source.image_id, **common)


def motion_request(source: Source, strength: int) -> MotionRequest:
    if not 1 <= strength <= 10:
        raise ValueError("motion strength must be between 1 and 10")
    return MotionRequest(
        image_id=source.image_id,
        is_init_image=False,
        is_variation=source.is_variation,
        motion_strength=strength,
    )


def video_path(store_root: Path, image_id: str) -> Path:
    """Where a motion image's MP4 is kept (beside the content-addressed image files)."""
    safe = "".join(ch for ch in image_id if ch.isalnum() or ch in "-_")
    if not safe:
        raise ValueError("an image id is needed")
    return store_root / "video" / f"{safe}.mp4"


# -- the pipeline ------------------------------------------------------------------------------


class Persist(JobRecord, Protocol):
    """Where results are recorded (the app runs these on its database thread)."""

    def add_variation_child(
        self,
        *,
        image_id: str,
        source: Source,
        transform: str,
        url: str | None,
        created_at: str | None,
    ) -> None: ...
    def add_motion_child(self, generation: Generation, source: Source) -> None: ...
    def motion_probed(self, image_id: str, info: VideoInfo, sha256: str) -> None: ...


class Store(BaseStore, Protocol):
    @property
    def root(self) -> Path: ...


class Client(Follows, Protocol):
    def upscale(self, image_id: str) -> Any: ...
    def unzoom(self, image_id: str, is_variation: bool = ...) -> Any: ...
    def remove_background(self, image_id: str, is_variation: bool = ...) -> Any: ...
    def universal_upscale(self, req: UniversalUpscaleRequest) -> Any: ...
    def wait_for_variation(
        self,
        variation_id: str,
        *,
        interval: float = ...,
        max_interval: float = ...,
        timeout: float = ...,
        cancel: Callable[[], bool] | None = ...,
    ) -> Variation: ...
    def create_motion(self, req: MotionRequest) -> Any: ...
    def get_generation(self, generation_id: str) -> Generation | None: ...
    def get_variation(self, variation_id: str) -> list[Variation]: ...


_NEXT_STEP = {
    "failed to find init variation": (
        "The server does not know this image as a variation source. Sync the library and try again."
    ),
}


def _failure(kind: Kind, exc: errors.LeonardoError) -> str:
    text = exc.user_message
    for needle, hint in _NEXT_STEP.items():
        if needle in text.lower():
            return f"{kind.label} failed: {text} {hint}"
    if isinstance(exc, errors.WaitTimeoutError):
        return (
            f"{kind.label} is taking too long; it may still finish on the server. "
            "Sync the library later to pick it up."
        )
    return f"{kind.label} failed: {text} {errors.next_step(exc)}"


# The transformType a variation of each kind is listed under (the universal upscaler's is not
# documented: the simulator lists it as UPSCALE).
_RECONCILE_TRANSFORMS: dict[Kind, frozenset[str]] = {
    Kind.UPSCALE: frozenset({"UPSCALE"}),
    Kind.UNZOOM: frozenset({"UNZOOM"}),
    Kind.NOBG: frozenset({"NOBG"}),
    Kind.UNIVERSAL: frozenset({"UPSCALE", "UNIVERSAL_UPSCALE", "UNIVERSAL_UPSCALER"}),
}


def _lost(kind: Kind) -> str:
    if kind is Kind.MOTION:
        # A motion is a new generation with nothing that ties it to the job: it cannot be
        # looked for, so what happened is not known.
        return (
            f"{kind.label} was sent but its answer was lost. It was not sent again, so you were "
            "not charged twice; sync the library later to pick up its result if it was made."
        )
    return (
        f"Nothing was made for this {kind.label.lower()}: its answer was lost, and nothing it "
        "made appeared in the minutes after it was sent. Nothing was charged; retry it if you "
        "want it."
    )


def _job_cost(job: GenerationJob | SubmittedVariation) -> int | None:
    """The credits a submitted job cost (``apiCreditCost``; ``cost`` is in another unit)."""
    legacy = job.api_credit_cost
    return legacy if isinstance(legacy, int) and not isinstance(legacy, bool) else None


def _ext_of(url: str, default: str) -> str:
    tail = url.split("?", 1)[0].rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    ext = {"jpeg": "jpg"}.get(ext, ext)
    return ext if ext in {"jpg", "png", "webp"} else default


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass
class VariationPipeline(Steps):
    client: Client
    store: Store
    persist: Persist
    on_progress: Callable[[Progress], None]
    cancelled: Callable[[], bool] = lambda: False
    verify: Callable[[bytes], Any] | None = None  # raises on a broken image
    poll_interval: float = 1.0
    max_poll_interval: float = 5.0
    poll_timeout: float = 900.0
    sleep: Callable[[float], None] = time.sleep
    #: claim(job id, server id) -> False when another job already follows that id
    claim: Callable[[int, str], bool] | None = None
    download_tries: int = 4
    download_delay: float = 2.0
    space_wait: float = 10.0
    reconcile_delay: float = 3.0
    reconcile_max_delay: float = 60.0
    settle: float = 150.0
    reconcile_skew: float = 120.0  # seconds of clock difference tolerated

    def run(
        self,
        job_id: int,
        kind: Kind,
        source: Source,
        *,
        options: UniversalOptions | None = None,
        motion_strength: int = DEFAULT_MOTION_STRENGTH,
    ) -> Child:
        """Submit ``kind`` on ``source``, wait for it, download and record the child."""
        if kind is Kind.UPSCALE and source.is_variation:
            self._fail(
                job_id,
                "Upscale works on generated images only. Use the universal upscaler on a "
                "variation.",
            )
        self._emit(job_id, SUBMITTING, "Submitting…")
        sent_at = time.time()
        self._keep(job_id, SUBMITTING, lambda: self.persist.job_submitting(job_id, sent_at))
        try:
            if kind is Kind.MOTION:
                job = self.client.create_motion(motion_request(source, motion_strength))
            else:
                job = self._submit(kind, source, options)
        except errors.OutcomeUnknownError as exc:
            found = self._reconcile(job_id, kind, source, sent_at)
            if found is None:
                self._fail(job_id, _lost(kind), exc)
            return self._follow(job_id, kind, source, found, cost=None)
        except errors.RateLimitedError:
            raise  # nothing was made: back in the queue
        except errors.LeonardoError as exc:
            self._fail(job_id, _failure(kind, exc), exc)
        remote_id = str(job.generation_id if kind is Kind.MOTION else job.id)
        return self._follow(job_id, kind, source, remote_id, cost=_job_cost(job))

    def resume(
        self,
        job_id: int,
        job: VariationJob,
        *,
        remote_id: str | None,
        submitted_at: float | None,
    ) -> Child:
        """Pick a stored job up after a restart: one the server accepted is followed again; one
        never sent is sent now; one sent whose answer was lost is not sent again."""
        if remote_id:
            return self._follow(job_id, job.kind, job.source, remote_id, cost=None)
        if submitted_at is not None:
            found = self._reconcile(job_id, job.kind, job.source, submitted_at)
            if found is None:
                self._fail(job_id, _lost(job.kind))
            return self._follow(job_id, job.kind, job.source, found, cost=None)
        return self.run(
            job_id,
            job.kind,
            job.source,
            options=job.options,
            motion_strength=job.motion_strength,
        )

    def _reconcile(
        self, job_id: int, kind: Kind, source: Source, submitted_at: float
    ) -> str | None:
        """After a submit whose answer was lost: the variation it made (same kind, under the
        source's generation, made since it was sent, not followed by another job), looked for
        until found or certainly not made (None). Motion jobs cannot be told apart: None."""
        transforms = _RECONCILE_TRANSFORMS.get(kind)
        if not transforms:
            return None
        since = submitted_at - self.reconcile_skew
        taken: set[str] = set()

        def look() -> str | None:
            gen = self.client.get_generation(source.generation_id)
            candidates = [
                v.id
                for image in (gen.images if gen is not None else ())
                for v in image.variations
                if v.id and v.id not in taken and (v.transform_type or "").upper() in transforms
            ]
            for variation_id in candidates:
                if self._made_since(variation_id, since) and (
                    self.claim is None
                    or self._keep(job_id, PENDING, partial(self.claim, job_id, variation_id))
                ):
                    return variation_id
                taken.add(variation_id)
            return None

        return self._keep_checking(job_id, submitted_at, look)

    def _made_since(self, variation_id: str, since: float) -> bool:
        items = self.client.get_variation(variation_id)  # an error: the look is not complete
        when = parse_timestamp(items[0].created_at) if items else None
        return when is not None and when.timestamp() >= since

    def _follow(
        self, job_id: int, kind: Kind, source: Source, remote_id: str, *, cost: int | None
    ) -> Child:
        self._keep(job_id, PENDING, lambda: self.persist.job_accepted(job_id, remote_id))
        if kind is Kind.MOTION:
            return self._motion(job_id, source, remote_id, cost)
        self._emit(job_id, PENDING, "Processing…")
        try:
            variation = self.client.wait_for_variation(remote_id, **self._poll())
        except errors.WaitCancelledError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, _failure(kind, exc), exc)
        if variation.status != "COMPLETE" or not variation.url or not variation.id:
            self._fail(
                job_id,
                f"{kind.label} failed on the server (failed jobs are refunded). "
                "Try again, or pick another image.",
            )
        assert variation.id is not None and variation.url is not None
        self._keep(
            job_id,
            PENDING,
            partial(
                self.persist.add_variation_child,
                image_id=variation.id,
                source=source,
                transform=kind.value,
                url=variation.url,
                created_at=variation.created_at,
            ),
        )
        self._emit(job_id, DOWNLOADING, "Downloading…", done=0, total=1)
        self._download_image(job_id, source.generation_id, variation.id, variation.url)
        self._done(job_id)
        return Child(variation.id, source.image_id, kind, source.generation_id, cost=cost)

    def _submit(self, kind: Kind, source: Source, options: UniversalOptions | None) -> Any:
        if kind is Kind.UPSCALE:
            return self.client.upscale(source.image_id)
        if kind is Kind.UNZOOM:
            return self.client.unzoom(source.image_id, source.is_variation)
        if kind is Kind.NOBG:
            return self.client.remove_background(source.image_id, source.is_variation)
        if kind is Kind.UNIVERSAL:
            return self.client.universal_upscale(
                universal_request(source, options or UniversalOptions())
            )
        raise ValueError(f"not a variation: {kind}")

    def _motion(self, job_id: int, source: Source, generation_id: str, cost: int | None) -> Child:
        kind = Kind.MOTION
        self._emit(job_id, PENDING, "Making the motion…", generation_id)
        try:
            gen = self.client.wait_for_generation(generation_id, **self._poll())
        except errors.WaitCancelledError:
            raise
        except errors.LeonardoError as exc:
            self._fail(job_id, _failure(kind, exc), exc, generation_id)
        frames = [im for im in gen.images if im.id and (im.motion_mp4_url or im.url)]
        if gen.status != "COMPLETE" or not frames:
            self._fail(
                job_id,
                "The server could not make this motion (failed jobs are refunded). "
                "Try a lower motion strength or another image.",
                generation_id=generation_id,
            )
        self._keep(job_id, PENDING, partial(self.persist.add_motion_child, gen, source))
        image = frames[0]
        assert image.id is not None
        self._emit(job_id, DOWNLOADING, "Downloading…", generation_id, 0, 2)
        if image.url:
            self._download_image(job_id, source.generation_id, image.id, image.url)
        video: Path | None = None
        if image.motion_mp4_url:
            try:
                data = self.client.download(image.motion_mp4_url, max_bytes=512 * 1024 * 1024)
                video = video_path(self.store.root, image.id)
                self._keep(job_id, DOWNLOADING, partial(_write_atomic, video, data))
                info, sha = probe(video), hashlib.sha256(data).hexdigest()
                self._keep(
                    job_id, DOWNLOADING, partial(self.persist.motion_probed, image.id, info, sha)
                )
            except (errors.LeonardoError, OSError, VideoError) as exc:
                log.warning("the MP4 of %s was not downloaded: %s", image.id, exc)
                video = None
        self._done(job_id, generation_id, 2)
        return Child(image.id, source.image_id, kind, str(gen.id or generation_id), video, cost)

    def _done(self, job_id: int, generation_id: str | None = None, total: int = 1) -> None:
        self._keep(job_id, DONE, lambda: self.persist.job_ended(job_id, DONE, None))
        self._emit(job_id, DONE, "Done", generation_id, total, total)

    def _download_image(self, job_id: int, generation_id: str, image_id: str, url: str) -> None:
        """Fetch and store a result whole, unless it is stored already; when every try
        failed the job is INCOMPLETE (ImagesMissing) and the image downloads again later."""
        if image_id in self.persist.stored_images(generation_id):
            return
        try:
            data = self._fetch_whole(job_id, image_id, url)
        except ImageUnavailable as exc:
            message = (
                "The result could not be downloaded. It is safe on your account: use Download "
                "again (leodesk also tries at the next start and when it syncs)."
            )
            self._keep(
                job_id, INCOMPLETE, lambda: self.persist.job_ended(job_id, INCOMPLETE, message)
            )
            self._emit(job_id, INCOMPLETE, message, generation_id)
            raise ImagesMissing(message, generation_id, {image_id: str(exc)}) from exc
        stored = self._store_whole(job_id, DOWNLOADING, data, url)
        self._keep(
            job_id,
            DOWNLOADING,
            partial(self.persist.image_stored, image_id, stored.sha256, stored.ext),
        )
