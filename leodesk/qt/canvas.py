"""Canvas jobs and realtime requests for the canvas window.

A :class:`CanvasSession` belongs to one canvas window. ``send`` prepares the picture and its mask
off the GUI thread (sizes, the endpoint's limits, PNG), uploads both through
``POST /canvas-init-image`` and queues the canvas generation on the app's one job queue: the
cost is known first, the job survives a restart and is never billed twice, like every job. When
a job of this session is stored, its images come back as ``result_ready`` for the window's
result layers. Realtime (LCM) requests go through a :class:`~leodesk.qt.live.LiveSession` built
on :meth:`CanvasSession.live_send`; ``keep`` stores a realtime picture in the library.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from dataclasses import replace
from typing import Any

from PIL import Image
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QImage

from leodesk.core.api.models import GenerationRequest, LcmResult, PricingRequest
from leodesk.core.api.protocol import LeonardoApi
from leodesk.core.api.retry import RetryPolicy
from leodesk.core.api.serialize import pricing_for_lcm
from leodesk.core.canvas import (
    canvas_request,
    lcm_size,
    live_request,
    outpaint_grown,
    prepare_canvas,
)
from leodesk.core.catalog import ModelInfo
from leodesk.core.jobs import JobState
from leodesk.core.library import Library
from leodesk.core.pipeline import request_from_json
from leodesk.core.rules import pricing_params
from leodesk.qt.backend import Backend
from leodesk.qt.errors import user_message
from leodesk.qt.generation import GenerationService
from leodesk.qt.imaging import decode, qimage_from_pil
from leodesk.qt.live import LiveAnswer, LiveInput, LiveSession
from leodesk.qt.queue import JobView
from leodesk.qt.workers import CancelToken

log = logging.getLogger("leodesk.canvas")

MODES = ("INPAINT", "OUTPAINT", "SKETCH2IMG", "IMG2IMG")
KIND_OF_OP = {
    "generate": "LCM",
    "inpaint": "LCM_INPAINT",
    "refine": "LCM_REFINE",
    "upscale": "LCM_UPSCALE",
}


def pil_from_qimage(image: QImage) -> Image.Image:
    """A Pillow copy of ``image`` (RGBA), made without Qt's image plugins (safe on a worker)."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    raw = bytes(rgba.constBits())[: rgba.sizeInBytes()]
    size = (rgba.width(), rgba.height())
    return Image.frombuffer("RGBA", size, raw, "raw", "RGBA", rgba.bytesPerLine(), 1).copy()


def mask_as_pil(mask: QImage) -> Image.Image:
    """The canvas's exported mask (Grayscale8, white = regenerate) as a Pillow ``L`` image."""
    gray = mask.convertToFormat(QImage.Format.Format_Grayscale8)
    raw = bytes(gray.constBits())[: gray.sizeInBytes()]
    size = (gray.width(), gray.height())
    return Image.frombuffer("L", size, raw, "raw", "L", gray.bytesPerLine(), 1).copy()


class CanvasSession(QObject):
    """One canvas window's jobs. Signals: queued(str message), failed(str),
    result_ready(str image id, QImage), cost_ready(str text), kept(str image id)."""

    queued = Signal(str)
    failed = Signal(str)
    result_ready = Signal(str, object)
    cost_ready = Signal(str)
    live_cost_ready = Signal(str)
    kept = Signal(str)

    def __init__(
        self, backend: Backend, generation: GenerationService, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._b = backend
        self._generation = generation
        self._init_ids: set[str] = set()
        self._shown: set[str] = set()
        self._price_ticket = 0
        self.last_price: int | None = None  # credits of a canvas job as now set up
        self._prices: dict[str, int] = {}  # pricing request → credits (asked once)
        self.closed = False
        self._jobs: dict[int, str] = {}  # job id -> what it is ("Inpaint"...), while it runs
        generation.generation_stored.connect(self._stored)
        generation.job_changed.connect(self._job_changed)
        self._live_lock = threading.Lock()
        self._live_view: tuple[LeonardoApi, LeonardoApi] | None = None
        self.live = LiveSession(backend.pools, self.live_send, parent=self)

    def close(self) -> None:
        """The window closed: live stops, and answers still on their way are not told (a job
        already uploaded is still queued: the user asked for it; its results reach the
        library)."""
        self.closed = True
        self.live.stop()

    def _say(self, signal: str, *args: Any) -> None:
        if not self.closed:
            getattr(self, signal).emit(*args)

    @property
    def waiting(self) -> int:
        """Canvas jobs sent from this session whose results have not arrived yet."""
        return len(self._init_ids)

    # -- canvas jobs ----------------------------------------------------------------------------
    def send(
        self,
        mode: str,
        picture: QImage,
        mask: QImage | None,
        request: GenerationRequest,
        made_from: str | None,
    ) -> None:
        """Prepare and upload ``picture`` and ``mask``, then queue the canvas job."""
        picture, mask = picture.copy(), None if mask is None else mask.copy()

        def job(token: CancelToken) -> tuple[GenerationRequest, str | None]:
            init, painted = pil_from_qimage(picture), None if mask is None else mask_as_pil(mask)
            if mode == "OUTPAINT":
                init, painted = outpaint_grown(init, painted)
            prepared = prepare_canvas(init, painted, mode)
            ids = self._b.client().upload_canvas_images(
                prepared.init_png, "png", prepared.mask_png, "png"
            )
            size = (prepared.width, prepared.height)
            return canvas_request(request, mode, ids, made_from, size=size), prepared.note

        self._b.pools.submit(
            job,
            on_result=self._queue,
            on_error=lambda exc: self._say("failed", user_message(exc)),
            name="canvas-upload",
        )

    def _queue(self, result: tuple[GenerationRequest, str | None]) -> None:
        req, note = result
        if req.canvas_init_id:
            self._init_ids.add(req.canvas_init_id)
        kinds = {
            "INPAINT": self.tr("Inpaint"),
            "OUTPAINT": self.tr("Outpaint"),
            "SKETCH2IMG": self.tr("Sketch to image"),
            "IMG2IMG": self.tr("Img to image"),
        }
        kind = req.canvas_request_type or ""
        what = (
            kinds.get(kind) or (kind or "canvas").lower().replace("2img", " to image").capitalize()
        )
        self._generation.submit(req, then=lambda ids: self._jobs.update(dict.fromkeys(ids, what)))
        text = self.tr("{what} queued at {w} × {h}.").format(what=what, w=req.width, h=req.height)
        self._say("queued", f"{text} {note}" if note else text)

    def _job_changed(self, view: JobView) -> None:
        """A job of this session failed or was cancelled: say so in the canvas (a refused
        prompt, no credits...); done jobs arrive as results."""
        what = self._jobs.get(view.job_id)
        if what is None:
            return
        if view.state == JobState.FAILED.value:
            del self._jobs[view.job_id]
            self._say(
                "failed",
                self.tr("{what} failed: {message}").format(what=what, message=view.message)
                if view.message
                else self.tr("{what} failed").format(what=what),
            )
        elif view.state in (JobState.DONE.value, JobState.CANCELLED.value):
            del self._jobs[view.job_id]

    def _stored(self, generation_id: str) -> None:
        if not self._init_ids:
            return

        store = self._b.store

        def read(lib: Library) -> tuple[str | None, list[tuple[str, Any]]]:
            rec = lib.get_generation(generation_id)
            if rec is None or not rec.request_json:
                return None, []
            try:
                init_id = request_from_json(rec.request_json).canvas_init_id
            except (ValueError, TypeError):
                return None, []
            paths = [
                (img.id, store.path_for(img.sha256, img.ext))
                for img in rec.images
                if img.sha256 and img.ext
            ]
            return init_id, paths

        def load(found: list[tuple[str, Any]]) -> list[tuple[str, QImage]]:
            return [(image_id, decode(path)) for image_id, path in found]

        def show(loaded: list[tuple[str, QImage]]) -> None:
            for image_id, image in loaded:
                if not image.isNull() and image_id not in self._shown:
                    self._shown.add(image_id)
                    self._say("result_ready", image_id, image)

        def then(read_back: tuple[str | None, list[tuple[str, Any]]]) -> None:
            init_id, found = read_back
            if init_id is None or init_id not in self._init_ids or not found:
                return
            self._init_ids.discard(init_id)
            self._b.pools.submit(
                lambda token: load(found), on_result=show, pool="thumbs", name="canvas-result"
            )

        self._generation.on_db(read, then)

    def price(
        self, request: GenerationRequest, model: ModelInfo | None, size: tuple[int, int]
    ) -> None:
        """Ask the pricing calculator what a canvas job of ``size`` costs (``cost_ready``)."""
        self._price_ticket += 1
        ticket = self._price_ticket
        sized = replace(request, width=size[0] - size[0] % 8, height=size[1] - size[1] % 8)
        body: PricingRequest = pricing_params(sized, model)
        n = max(1, int(request.num_images or 1))
        key = json.dumps([body.service, dict(body.params)], sort_keys=True, default=str)

        def job(token: CancelToken) -> int:
            if key not in self._prices:
                self._prices[key] = int(self._b.client().price(body))
            return self._prices[key]

        def done(credits: int) -> None:
            if ticket == self._price_ticket:
                self.last_price = credits
                text = (
                    self.tr("{credits:,} credits ({n} images)")
                    if n > 1
                    else self.tr("{credits:,} credits ({n} image)")
                )
                self._say("cost_ready", text.format(credits=credits, n=n))

        def error(exc: BaseException) -> None:
            if ticket == self._price_ticket:
                self.last_price = None
                self._say("cost_ready", self.tr("Cost not known"))

        self._b.pools.submit(job, on_result=done, on_error=error, name="canvas-price")

    def price_live(self, width: int, height: int, size: int | None) -> None:
        """Ask what one live picture of a ``width`` × ``height`` canvas costs
        (``live_cost_ready``)."""
        w, h = lcm_size(width, height, size)
        body = pricing_for_lcm("createLCMGeneration", w, h)

        def job(token: CancelToken) -> int:
            return int(self._b.client().price(body))

        def done(credits: int) -> None:
            self._say(
                "live_cost_ready",
                self.tr("Live: {credits:,} credits a picture at {w} × {h}").format(
                    credits=credits, w=w, h=h
                ),
            )

        self._b.pools.submit(
            job,
            on_result=done,
            on_error=lambda exc: self._say(
                "live_cost_ready", self.tr("Live: the cost is not known")
            ),
            name="live-price",
        )

    # -- realtime -------------------------------------------------------------------------------
    def live_send(self, inp: LiveInput, token: CancelToken) -> LiveAnswer:
        """One realtime request (on a worker): the picture as a JPEG data URL, the answer's
        first image decoded for the screen."""
        mask = mask_as_pil(inp.mask) if inp.op == "inpaint" and inp.mask is not None else None
        req = live_request(
            pil_from_qimage(inp.picture),
            mask,
            prompt=inp.prompt,
            guidance=inp.guidance,
            strength=inp.strength,
            steps=inp.steps,
            style=inp.style,
            size=inp.size,
            seed=inp.seed,
            request_timestamp=str(int(time.time() * 1000)),
        )
        client = self._live_client()
        call = {
            "generate": client.lcm_generate,
            "inpaint": client.lcm_inpaint,
            "refine": client.lcm_instant_refine,
            "upscale": client.lcm_upscale,
        }[inp.op]
        sent = time.perf_counter()
        result: LcmResult = call(req)
        answered = time.perf_counter()
        return _answer(inp, result, sent, answered)

    def _live_client(self) -> LeonardoApi:
        """The app's client without retries: a live request that fails is replaced by the next
        input rather than tried again, and a 429 reaches the session at once (it pauses live
        and says so) instead of sleeping inside the request."""
        client = self._b.client()
        with self._live_lock:
            if self._live_view is None or self._live_view[0] is not client:
                self._live_view = (client, client.with_retry(RetryPolicy(max_attempts=1)))
            return self._live_view[1]

    def keep(self, answer: LiveAnswer, made_from: str | None) -> None:
        """Store a realtime picture in the library (``kept`` with its image id)."""
        inp = answer.input
        params = {
            "seed": inp.seed,
            "strength": inp.strength,
            "guidance": inp.guidance,
            "steps": inp.steps,
            "style": inp.style,
            "width": answer.image.width(),
            "height": answer.image.height(),
            "credits": answer.credits,
        }

        def write(lib: Library) -> str:
            return lib.keep_local_image(
                answer.data,
                answer.ext,
                prompt=inp.prompt,
                kind=KIND_OF_OP.get(inp.op, "LCM"),
                parent_image_id=made_from,
                params=params,
                store=self._b.store,
            )

        library = self._b.library
        self._b.pools.submit(
            lambda token: write(library),
            pool="db",
            on_result=lambda image_id: self._say("kept", image_id),
            on_error=lambda exc: self._say(
                "failed", self.tr("The picture was not kept: {why}").format(why=user_message(exc))
            ),
            name="canvas-keep",
        )


def _answer(inp: LiveInput, result: LcmResult, sent: float, answered: float) -> LiveAnswer:
    if not result.images:
        raise ValueError(
            QCoreApplication.translate("LiveSession", "The live answer carried no picture.")
        )
    data = result.images[0]
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        # Sent at the nearest allowed shape: shown in the canvas's own shape again.
        aspect = inp.picture.width() / max(1, inp.picture.height())
        shown = (im.width, max(1, round(im.width / aspect)))
        image = qimage_from_pil(
            im if im.size == shown else im.resize(shown, Image.Resampling.BILINEAR)
        )
    return LiveAnswer(
        input=inp,
        image=image,
        data=data,
        ext=result.image_ext,
        credits=result.api_credit_cost,
        cost=result.cost_amount,
        sent_at=sent,
        answered_at=answered,
    )
