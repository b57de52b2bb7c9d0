"""The main window's canvas windows: opening them (a blank sheet, a file, a gallery image) and
connecting each to its :class:`~leodesk.qt.canvas.CanvasSession`.

A canvas job is built from the main form (model, style, number of images... as the form says)
with the canvas's own prompt and strength, so what the artist set up once applies to both.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from leodesk.qt.canvas import CanvasSession
    from leodesk.qt.live import LiveAnswer, LiveInput
    from leodesk.ui.canvas_window import CanvasWindow
    from leodesk.ui.main_window import MainWindow

BLANK_SIZES = ("1024 × 1024", "1024 × 768", "768 × 1024", "1536 × 1024", "1024 × 1536", "512 × 512")
SEED_MAX = 2**31 - 1


class CanvasLink(QObject):
    """Opens canvas windows for ``window`` and keeps each connected to its session."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.canvases: list[tuple[CanvasWindow, CanvasBinding]] = []
        self.new_action = QAction(self.tr("New &canvas…"), window)
        self.new_action.setObjectName("newCanvasAction")
        self.new_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_action.triggered.connect(self.new_blank)
        self.open_action = QAction(self.tr("Open image in ca&nvas…"), window)
        self.open_action.setObjectName("openInCanvasAction")
        self.open_action.triggered.connect(self.open_file)
        self.ask_size = self._ask_size  # replaced in tests
        self.ask_file = self._ask_file

    # -- opening --------------------------------------------------------------------------------
    def open_canvas(self) -> CanvasWindow:
        """A new canvas window, connected and shown."""
        from leodesk.ui.canvas_window import CanvasWindow  # on first use

        ctx = self.window.ctx
        assert ctx is not None
        canvas = CanvasWindow()
        canvas.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        binding = CanvasBinding(self.window, canvas, ctx.canvas_session())
        self.canvases.append((canvas, binding))
        canvas.destroyed.connect(lambda _o=None, c=canvas: self._closed(c))
        canvas.show()
        canvas.raise_()
        return canvas

    def _closed(self, canvas: CanvasWindow) -> None:
        for c, binding in list(self.canvases):
            if c is canvas:
                binding.close()
                self.canvases.remove((c, binding))

    def new_blank(self) -> CanvasWindow | None:
        size = self.ask_size()
        if size is None:
            return None
        canvas = self.open_canvas()
        canvas.new_blank(*size)
        return canvas

    def open_file(self) -> CanvasWindow | None:
        path = self.ask_file()
        if path is None:
            return None
        canvas = self.open_canvas()
        canvas.open_file(path)
        return canvas

    def open_gallery_image(self, image_id: str) -> CanvasWindow:
        """A canvas on library image ``image_id`` (loaded off the GUI thread)."""
        canvas = self.open_canvas()
        self._bindings(canvas).load_gallery_image(image_id)
        return canvas

    def _bindings(self, canvas: CanvasWindow) -> CanvasBinding:
        return next(b for c, b in self.canvases if c is canvas)

    def _ask_size(self) -> tuple[int, int] | None:
        from PySide6.QtWidgets import QInputDialog  # when asked (the window opens without it)

        text, ok = QInputDialog.getItem(
            self.window,
            self.tr("New canvas"),
            self.tr("Size of the blank sheet:"),
            list(BLANK_SIZES),
            0,
            False,
        )
        if not ok:
            return None
        w, h = (int(v) for v in text.replace(" ", "").split("×"))
        return w, h

    def _ask_file(self) -> Path | None:
        from PySide6.QtWidgets import QFileDialog  # when asked (the window opens without it)

        name, _ = QFileDialog.getOpenFileName(
            self.window,
            self.tr("Open an image in the canvas"),
            "",
            self.tr("Images") + " (*.png *.jpg *.jpeg *.webp)",
        )
        return Path(name) if name else None


class CanvasBinding(QObject):
    """Connects one canvas window to its session, the main form and the library."""

    def __init__(self, window: MainWindow, canvas: CanvasWindow, session: CanvasSession) -> None:
        super().__init__(canvas)
        self.window = window
        self.canvas = canvas
        self.session = session
        self.seed = random.randint(0, SEED_MAX)
        self.last_answer: LiveAnswer | None = None
        self._waiting_for: str | None = None
        self._connect_jobs()
        self._connect_live()
        self._cost_timer = QTimer(self)
        self._cost_timer.setSingleShot(True)
        self._cost_timer.setInterval(300)
        self._cost_timer.timeout.connect(self.update_cost)
        canvas.doc.size_changed.connect(lambda _s: self._cost_timer.start())
        if window.form is not None:  # the form's model and settings apply to canvas jobs
            window.form.state_changed.connect(self._cost_timer.start)
        self.update_cost()

    def close(self) -> None:
        self.session.close()
        self.session.deleteLater()

    def _connect_jobs(self) -> None:
        c, s = self.canvas, self.session
        c.inpaintRequested.connect(lambda: self.send("INPAINT"))
        c.outpaintRequested.connect(lambda: self.send("OUTPAINT"))
        c.sketchRequested.connect(lambda: self.send("SKETCH2IMG"))
        c.resultAccepted.connect(lambda image_id: self._curate(image_id, keep=True))
        c.resultDiscarded.connect(lambda image_id: self._curate(image_id, keep=False))
        c.galleryImageDropped.connect(self.load_gallery_image)
        s.queued.connect(c.show_news)
        s.failed.connect(c.show_message)
        s.result_ready.connect(c.add_result)
        s.cost_ready.connect(c.set_cost)
        s.live_cost_ready.connect(self._live_cost)
        s.kept.connect(self._kept)
        ctx = self.window.ctx
        assert ctx is not None
        ctx.images.loaded.connect(self._image_loaded)
        ctx.images.failed.connect(self._image_failed)

    def _connect_live(self) -> None:
        c, live = self.canvas, self.session.live
        c.liveToggled.connect(self._live_toggled)
        c.liveInputChanged.connect(lambda: live.request(self.live_input("generate")))
        c.liveNewSeedRequested.connect(self.new_seed)
        c.liveRefineRequested.connect(lambda: self._act("refine"))
        c.liveUpscaleRequested.connect(lambda: self._act("upscale"))
        c.liveKeepRequested.connect(self.keep)
        live.answered.connect(self._answered)
        live.status.connect(lambda text: c.set_live_status(text) if text else None)

    # -- canvas jobs ----------------------------------------------------------------------------
    def request(self) -> Any:
        """The main form's request with the canvas's prompt and strength."""
        from dataclasses import replace

        form = self.window.form
        assert form is not None
        return replace(
            form.request(), prompt=self.canvas.prompt, init_strength=self.canvas.strength
        )

    def send(self, mode: str) -> None:
        if not self._within_cost_limit():
            self.canvas.show_message(self.tr("Not sent: above your cost limit"))
            return
        if not self.window.balance_check.confirm(
            self.session.last_price, self.tr("This canvas job costs")
        ):
            self.canvas.show_message(self.window.balance_check.not_sent())
            return
        doc = self.canvas.doc
        picture = doc.export_sketch_composite() if mode == "SKETCH2IMG" else doc.export_base()
        mask = None if doc.mask_is_empty() else doc.export_mask()
        self.canvas.show_news(self.tr("Uploading the picture and its mask…"))
        self.session.send(mode, picture, mask, self.request(), self.canvas.source_image_id)

    def _within_cost_limit(self) -> bool:
        """Above the user's cost limit (or at a cost not known yet), ask first, as the main
        window's Generate does."""
        limit = self.window.confirm_cost_above
        if not limit:
            return True
        cost = self.session.last_price
        if cost is not None and cost <= limit:
            return True
        text = (
            self.tr(
                "This canvas job costs {cost:,} credits, more than your limit of {limit:,.0f}."
            ).format(cost=cost, limit=limit)
            if cost is not None
            else self.tr(
                "The cost of this job is not known yet (your limit is {limit:,.0f})."
            ).format(limit=limit)
        )
        return self.window.confirm_cost(text)

    def update_cost(self) -> None:
        form = self.window.form
        if form is None:
            return
        size = self.canvas.doc.size()
        self.session.price(self.request(), form.model(), (size.width(), size.height()))

    def _curate(self, image_id: str, *, keep: bool) -> None:
        """An accepted result is marked picked in the library, a discarded one rejected."""
        from leodesk.core.library import Pick

        ctx = self.window.ctx
        if ctx is not None:
            ctx.curation.set_pick([image_id], Pick.PICKED if keep else Pick.REJECTED)

    def load_gallery_image(self, image_id: str) -> None:
        ctx = self.window.ctx
        assert ctx is not None
        record = ctx.backend.reader.image_records([image_id]).get(image_id)
        if record is None:
            self.canvas.show_message(self.tr("That image is not in the library"))
            return
        self._waiting_for = image_id
        self.canvas.show_news(self.tr("Opening the image…"))
        ctx.images.load(image_id, ctx.image_path(record), record.url)

    def _image_loaded(self, image_id: str, image: QImage) -> None:
        if image_id == self._waiting_for:
            self._waiting_for = None
            if self.canvas.open_image(image, image_id):
                self.update_cost()

    def _image_failed(self, image_id: str, message: str) -> None:
        if image_id == self._waiting_for:
            self._waiting_for = None
            self.canvas.show_message(
                self.tr("The image could not be opened: {message}").format(message=message)
            )

    # -- live -----------------------------------------------------------------------------------
    def live_input(self, op: str, picture: QImage | None = None) -> LiveInput:
        from leodesk.qt.live import LiveInput  # with the canvas, after the first paint

        doc, live = self.canvas.doc, self.canvas.panel.live_settings
        mask = None if doc.mask_is_empty() else doc.export_mask()
        if op == "generate" and mask is not None:
            op = "inpaint"
        return LiveInput(
            revision=doc.revision,
            op=op,
            picture=picture if picture is not None else doc.export_sketch_composite(),
            mask=mask if op == "inpaint" else None,
            prompt=self.canvas.prompt or "a picture",
            strength=max(0.1, min(1.0, self.canvas.strength)),
            guidance=live.guidance,
            steps=live.steps,
            style=live.lcm_style,
            seed=self.seed,
            size=live.picture_size,
        )

    def _live_toggled(self, on: bool) -> None:
        if not on:
            self.session.live.stop()
            return
        size = self.canvas.doc.size()
        picture_size = self.canvas.panel.live_settings.picture_size
        self.session.price_live(size.width(), size.height(), picture_size)

    def new_seed(self) -> None:
        self.seed = random.randint(0, SEED_MAX)
        self.session.live.request(self.live_input("generate"))

    def _act(self, op: str) -> None:
        if self.last_answer is None:
            self.canvas.set_live_status(self.tr("Nothing to work on yet: wait for a live result"))
            return
        self.session.live.act(self.live_input(op, self.last_answer.image))

    def _live_cost(self, text: str) -> None:
        if self.canvas.live and self.last_answer is None:
            self.canvas.set_live_status(text)

    def _answered(self, answer: LiveAnswer) -> None:
        self.last_answer = answer
        what = {"refine": self.tr("Refined"), "upscale": self.tr("Upscaled")}.get(
            answer.input.op, self.tr("Live")
        )
        size = f"{answer.image.width()} × {answer.image.height()}"
        if answer.credits is not None:
            text = self.tr("{what}: {size}, seed {seed} · {credits} credits").format(
                what=what, size=size, seed=answer.input.seed, credits=answer.credits
            )
        else:
            text = self.tr("{what}: {size}, seed {seed}").format(
                what=what, size=size, seed=answer.input.seed
            )
        self.canvas.show_live_result(answer.image, text)
        self.session.live.shown(answer)

    def keep(self) -> None:
        if self.last_answer is None:
            self.canvas.set_live_status(self.tr("Nothing to keep yet: wait for a live result"))
            return
        self.session.keep(self.last_answer, self.canvas.source_image_id)
        self.canvas.set_live_status(self.tr("Keeping the live result in the library…"))

    def _kept(self, image_id: str) -> None:
        self.canvas.set_live_status(self.tr("Kept in the library"))
        ctx = self.window.ctx
        if ctx is not None:
            ctx.gallery_model.prepend_new()
