"""CanvasWindow: the canvas (inpaint, outpaint, sketch to image, live mode) in its own window.

Widgets only, no network: the window checks a request (an empty mask, no sketch, no prompt are
told inline) and emits it; whoever connects the window reads the document (``window.doc``), the
prompt and the strength, and answers with :meth:`set_cost`, :meth:`add_result`,
:meth:`show_live_result` and :meth:`set_live_status`.

Signals:

* ``inpaintRequested()``, ``outpaintRequested()``, ``sketchRequested()``: checked requests;
* ``resultAccepted(str image_id)`` (the result is now the canvas's picture),
  ``resultDiscarded(str image_id)``;
* ``liveToggled(bool)``; ``liveInputChanged()`` while live is on, 60 ms after a change of the
  document, the prompt or the strength, and at most every 60 ms while changes go on (read
  ``doc.revision`` to tell rounds apart); ``liveNewSeedRequested()``, ``liveRefineRequested()``,
  ``liveUpscaleRequested()``, ``liveKeepRequested()``;
* ``galleryImageDropped(str image_id)``: a gallery image was dropped (the caller loads it and
  calls :meth:`open_image`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QMimeData, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QImageReader,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSplitter, QVBoxLayout, QWidget

from leodesk.qt.canvas_doc import CanvasDocument, Tool, grow_by_fraction, grow_to_aspect
from leodesk.qt.models.gallery_model import IMAGE_IDS_MIME
from leodesk.ui.canvas_panel import SidePanel, ToolRow
from leodesk.ui.canvas_results import ImagePane, ResultsStrip
from leodesk.ui.canvas_view import CanvasView
from leodesk.ui.widgets import named

__all__ = ["EMPTY_MASK", "CanvasWindow"]

EMPTY_MASK = str(QT_TRANSLATE_NOOP("CanvasWindow", "Paint the area to change first"))
NO_GROWTH = str(
    QT_TRANSLATE_NOOP(
        "CanvasWindow",
        "Grow the canvas first: drag an edge with the Outpaint tool, or use a preset",
    )
)
NO_SKETCH = str(QT_TRANSLATE_NOOP("CanvasWindow", "Paint a sketch first with the Colour tool"))
NO_PROMPT = str(QT_TRANSLATE_NOOP("CanvasWindow", "Type a prompt first"))
LIVE_DEBOUNCE_MS = 60
MAX_SIDE = 4096  # a bigger picture is scaled down to this on opening (memory, smoothness)


class CanvasWindow(QWidget):
    inpaintRequested = Signal()
    outpaintRequested = Signal()
    sketchRequested = Signal()
    resultAccepted = Signal(str)
    resultDiscarded = Signal(str)
    liveToggled = Signal(bool)
    liveInputChanged = Signal()
    liveNewSeedRequested = Signal()
    liveRefineRequested = Signal()
    liveUpscaleRequested = Signal()
    liveKeepRequested = Signal()
    galleryImageDropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "canvasWindow", self.tr("Canvas"))
        self.setWindowTitle(self.tr("leodesk — Canvas"))
        self.setAcceptDrops(True)
        self.doc = CanvasDocument(self)
        self.view = CanvasView(self.doc)
        self.tools = ToolRow()
        self.panel = SidePanel()
        self.live_pane = named(
            ImagePane(self.tr("Live results show here")), "liveResultView", self.tr("Live result")
        )
        self.results = ResultsStrip()
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_DEBOUNCE_MS)
        self._live_timer.timeout.connect(self.liveInputChanged.emit)
        self._layout()
        self._connect_tools()
        self._connect_panel()
        self._connect_results()
        self._build_shortcuts()
        self.doc.new_blank(1024, 1024)
        self._sync_brush()
        self._sync_history()
        self.set_live(False)
        self.tools.show_colour(self.doc.colour)

    def _layout(self) -> None:
        self.split = QSplitter()
        self.split.addWidget(self.view)
        self.split.addWidget(self.live_pane)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        left = QVBoxLayout()
        left.addWidget(self.tools)
        left.addWidget(self.split, 1)
        left.addWidget(self.results)
        scroll = named(QScrollArea(), "canvasPanelScroll", self.tr("Canvas controls"))
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(310)
        root = QHBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addLayout(left, 1)
        root.addWidget(scroll)

    def sizeHint(self) -> QSize:
        return QSize(1400, 860)

    # -- wiring ---------------------------------------------------------------------------
    def _connect_tools(self) -> None:
        t, doc = self.tools, self.doc
        t.tool_chosen.connect(self.set_tool)
        t.colour_chosen.connect(self.set_colour)
        t.undo_button.clicked.connect(doc.undo)
        t.redo_button.clicked.connect(doc.redo)
        t.fit_button.clicked.connect(self.view.fit)
        t.actual_button.clicked.connect(self.view.actual_size)
        self.view.zoom_changed.connect(lambda s: t.zoom_label.setText(f"{s * 100:.0f}%"))
        doc.brush_changed.connect(self._sync_brush)
        doc.history_changed.connect(self._sync_history)
        doc.changed.connect(self._doc_changed)

    def _connect_panel(self) -> None:
        p, doc = self.panel, self.doc
        p.size_spin.valueChanged.connect(doc.set_brush_size)
        p.hardness_slider.valueChanged.connect(lambda v: doc.set_hardness(v / 100))
        p.fill_button.clicked.connect(doc.fill_mask)
        p.clear_button.clicked.connect(doc.clear_mask)
        p.invert_button.clicked.connect(doc.invert_mask)
        p.grow25_button.clicked.connect(self.grow_preset)
        p.aspect_button.clicked.connect(self._grow_to_chosen)
        p.sheet_button.clicked.connect(self._new_chosen_sheet)
        p.inpaint_button.clicked.connect(self.request_inpaint)
        p.outpaint_button.clicked.connect(self.request_outpaint)
        p.sketch_button.clicked.connect(self.request_sketch)
        p.prompt_edit.textChanged.connect(self._live_input)
        p.prompt_edit.textChanged.connect(lambda _t: p.show_message(""))
        p.strength_slider.valueChanged.connect(self._live_input)
        p.live_settings.changed.connect(self._live_input)
        p.live_toggle.toggled.connect(self.set_live)
        p.new_seed_button.clicked.connect(self.liveNewSeedRequested.emit)
        p.refine_button.clicked.connect(self.liveRefineRequested.emit)
        p.upscale_button.clicked.connect(self.liveUpscaleRequested.emit)
        p.keep_button.clicked.connect(self.liveKeepRequested.emit)

    def _connect_results(self) -> None:
        r = self.results
        r.current_changed.connect(self.view.set_result)
        r.compare.connect(self.view.set_compare)
        r.opacity_changed.connect(self.view.set_result_opacity)
        r.accepted.connect(self._accept_result)
        r.discarded.connect(self.resultDiscarded.emit)

    def _build_shortcuts(self) -> None:
        self.shortcuts: dict[str, QShortcut] = {}
        for name, seq, slot in (
            ("undo", QKeySequence.StandardKey.Undo, self.doc.undo),
            ("redo", QKeySequence("Ctrl+Shift+Z"), self.doc.redo),
            ("redo2", QKeySequence("Ctrl+Y"), self.doc.redo),
            ("paste", QKeySequence.StandardKey.Paste, self.paste),
        ):
            self.shortcuts[name] = QShortcut(QKeySequence(seq), self, slot)
        for key, tool in (
            ("B", Tool.MASK_BRUSH),
            ("E", Tool.MASK_ERASER),
            ("C", Tool.COLOUR_BRUSH),
        ):
            self.shortcuts[tool] = QShortcut(
                QKeySequence(key), self.view, lambda t=tool: self.set_tool(t)
            )
        self.shortcuts["outpaint"] = QShortcut(
            QKeySequence("O"), self.view, lambda: self.set_tool("outpaint")
        )

    def _sync_brush(self) -> None:
        p, doc = self.panel, self.doc
        for w, value in (
            (p.size_spin, doc.brush_size),
            (p.hardness_slider, round(doc.hardness * 100)),
        ):
            if w.value() != value:
                w.blockSignals(True)
                w.setValue(value)
                w.blockSignals(False)

    def _sync_history(self) -> None:
        self.tools.undo_button.setEnabled(self.doc.can_undo)
        self.tools.redo_button.setEnabled(self.doc.can_redo)

    def _doc_changed(self) -> None:
        self._live_input()
        if self.panel.message.isVisible():
            self.panel.show_message("")

    def _live_input(self) -> None:
        """A change while live is on: ``liveInputChanged`` follows 60 ms after it, and at most
        every 60 ms while changes go on (a long stroke updates the live picture as it goes)."""
        if self.panel.live_toggle.isChecked() and not self._live_timer.isActive():
            self._live_timer.start()

    # -- tools ----------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        self.view.set_tool(tool)
        self.tools.show_tool(tool)

    def set_colour(self, colour: QColor) -> None:
        self.doc.set_colour(colour)
        self.tools.show_colour(colour)
        if self.view.tool != Tool.COLOUR_BRUSH:
            self.set_tool(Tool.COLOUR_BRUSH)

    def grow_preset(self) -> None:
        size = self.doc.size()
        self.doc.grow(*grow_by_fraction(size.width(), size.height()))

    def _new_chosen_sheet(self) -> None:
        w, h = (int(v) for v in str(self.panel.sheet_combo.currentData()).split("x"))
        self.new_blank(w, h)

    def _grow_to_chosen(self) -> None:
        aw, ah = (int(v) for v in str(self.panel.aspect_combo.currentData()).split(":"))
        self.grow_to(aw, ah)

    def grow_to(self, aw: int, ah: int) -> None:
        size = self.doc.size()
        sides = grow_to_aspect(size.width(), size.height(), aw, ah)
        if not any(sides):
            self.panel.show_message(self.tr("The canvas already is {w}:{h}").format(w=aw, h=ah))
            return
        self.doc.grow(*sides)

    # -- requests -------------------------------------------------------------------------
    @property
    def prompt(self) -> str:
        return self.panel.prompt_edit.text().strip()

    @property
    def strength(self) -> float:
        return self.panel.strength_slider.value() / 100

    def _check(self, problem: str | None) -> bool:
        self.panel.show_message(problem or "")
        return problem is None

    def request_inpaint(self) -> None:
        if self._check(self.tr(EMPTY_MASK) if self.doc.mask_is_empty() else self._no_prompt()):
            self.inpaintRequested.emit()

    def request_outpaint(self) -> None:
        if self._check(self.tr(NO_GROWTH) if self.doc.mask_is_empty() else self._no_prompt()):
            self.outpaintRequested.emit()

    def request_sketch(self) -> None:
        if self._check(self.tr(NO_SKETCH) if self.doc.sketch_is_empty() else self._no_prompt()):
            self.sketchRequested.emit()

    def _no_prompt(self) -> str | None:
        return None if self.prompt else self.tr(NO_PROMPT)

    def set_cost(self, text: str) -> None:
        """What the next request costs ("" hides the line)."""
        self.panel.cost_label.setText(text)
        self.panel.cost_label.setVisible(bool(text))

    def show_message(self, text: str) -> None:
        """An inline message under the action buttons, for a problem ("" hides it)."""
        self.panel.show_message(text)

    def show_news(self, text: str) -> None:
        """An inline message under the action buttons that is news, not a problem."""
        self.panel.show_message(text, problem=False)

    # -- results --------------------------------------------------------------------------
    def add_result(self, image_id: str, image: QImage) -> None:
        """A finished result, shown over the canvas (and added to the strip)."""
        self.results.add(image_id, image)

    def _accept_result(self, image_id: str, image: QImage) -> None:
        if image.size() != self.doc.size():
            image = image.scaled(
                self.doc.size(),
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self.doc.set_base(image, image_id)
        self.resultAccepted.emit(image_id)

    @property
    def source_image_id(self) -> str | None:
        """The library image the canvas's picture is (None: a file, a paste, a blank sheet)."""
        return self.doc.source_id

    # -- live -----------------------------------------------------------------------------
    def set_live(self, on: bool) -> None:
        p = self.panel
        if p.live_toggle.isChecked() != on:
            p.live_toggle.setChecked(on)  # toggled → set_live again
            return
        for b in (p.new_seed_button, p.refine_button, p.upscale_button, p.keep_button):
            b.setEnabled(on)
        self.live_pane.setVisible(on)
        if on:
            total = sum(self.split.sizes())
            self.split.setSizes([total * 3 // 5, total - total * 3 // 5])
        self.set_live_status(
            self.tr("Live: paint or type, the picture follows") if on else self.tr("Live is off")
        )
        if not on:
            self._live_timer.stop()
        self.liveToggled.emit(on)
        if on:
            self._live_timer.start()

    @property
    def live(self) -> bool:
        return self.panel.live_toggle.isChecked()

    def show_live_result(self, image: QImage, info_text: str = "") -> None:
        self.live_pane.set_image(image)
        if info_text:
            self.set_live_status(info_text)

    def set_live_status(self, text: str) -> None:
        self.panel.live_status.setText(text)

    # -- opening --------------------------------------------------------------------------
    def open_image(self, image: QImage, source_image_id: str | None = None) -> bool:
        """Start over on ``image`` (undoable: Ctrl+Z brings the previous canvas back); the
        result strip and the live pane are cleared."""
        if image.isNull() or image.width() < 8 or image.height() < 8:
            return self._check(self.tr("That picture is empty or too small to paint on"))
        note = ""
        if max(image.width(), image.height()) > MAX_SIDE:
            w, h = image.width(), image.height()
            image = image.scaled(
                MAX_SIDE,
                MAX_SIDE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            note = self.tr("Scaled from {w} × {h} to {w2} × {h2} to paint on").format(
                w=w, h=h, w2=image.width(), h2=image.height()
            )
        self.results.clear()
        self.live_pane.set_image(None)
        self.doc.load(image, source_image_id)
        self.panel.show_message(note)
        return True

    def new_blank(self, w: int, h: int) -> None:
        """Start over on a white ``w`` × ``h`` sheet (undoable, as :meth:`open_image`)."""
        self.results.clear()
        self.live_pane.set_image(None)
        self.doc.new_blank(w, h)
        self.panel.show_message("")

    def open_mime(self, mime: QMimeData | None) -> bool:
        """Open what a drop or the clipboard holds; a clear message when it is no picture."""
        if mime is None:
            return self._check(self.tr("The clipboard is empty"))
        if mime.hasFormat(IMAGE_IDS_MIME):
            raw = bytes(mime.data(IMAGE_IDS_MIME).data()).decode("utf-8", errors="replace")
            ids = [i.strip() for i in raw.splitlines() if i.strip()]
            if ids:
                self.galleryImageDropped.emit(ids[0])
                return True
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if paths:
            return self.open_file(paths[0])
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                return self.open_image(image)
        return self._check(
            self.tr("That is not a picture: drop or paste a PNG, JPEG or WebP image")
        )

    def open_file(self, path: Path) -> bool:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        image = reader.read()
        if image.isNull():
            return self._check(
                self.tr(
                    "“{name}” is not a picture leodesk can open ({why}); the canvas is unchanged"
                ).format(name=path.name, why=reader.errorString())
            )
        return self.open_image(image)

    def paste(self) -> None:
        self.open_mime(QGuiApplication.clipboard().mimeData())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or mime.hasFormat(IMAGE_IDS_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.open_mime(event.mimeData())
        event.acceptProposedAction()
