"""ImageViewer: one image at a time with its generation's metadata beside it.

Fit / 100% / wheel zoom, drag to pan, previous / next, copy image / prompt / seed, open the
containing folder. The picture arrives as a QImage through :meth:`show_image` (decoded by the Qt
layer off the GUI thread); this widget does no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QDrag,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPixmap,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.library.records import ImageRecord
from leodesk.ui.compare_canvas import BACKGROUND
from leodesk.ui.variation_actions import ACTIONS, action_text
from leodesk.ui.viewer_details import lineage_html, metadata_html, raw_values
from leodesk.ui.widgets import named

THUMB = 56  # the lineage's parent thumbnail (px)


class ZoomView(QGraphicsView):
    """Signals: drag_out() (a left-drag on the fitted picture, where there is nothing to pan)."""

    drag_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._press: QPoint | None = None
        named(self, "viewerCanvas", self.tr("Image"))
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(BACKGROUND)  # neutral dark grey for judging colours
        self.fit_mode = True

    def set_pixmap(self, pm: QPixmap) -> None:
        self.item.setPixmap(pm)
        self.scene().setSceneRect(self.item.boundingRect())
        if self.fit_mode:
            self.fit()

    def fit(self) -> None:
        self.fit_mode = True
        if not self.item.pixmap().isNull():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)

    def actual_size(self) -> None:
        self.fit_mode = False
        self.resetTransform()

    def zoom(self, factor: float) -> None:
        self.fit_mode = False
        scale = self.transform().m11() * factor
        if 0.05 <= scale <= 32:
            self.scale(factor, factor)

    @property
    def scale_factor(self) -> float:
        return self.transform().m11()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        fitted = self.fit_mode and not self.item.pixmap().isNull()
        left = event.button() == Qt.MouseButton.LeftButton
        self._press = event.position().toPoint() if fitted and left else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and (
            (event.position().toPoint() - self._press).manhattanLength()
            >= QApplication.startDragDistance()
        ):
            self._press = None
            self.drag_out.emit()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.25**steps)
        event.accept()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()


class DragHandle(QToolButton):
    """A button the picture is dragged out by (also when the picture is zoomed and a drag on it
    pans). Signals: drag_out()."""

    drag_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._press: QPoint | None = None
        self.setText(self.tr("✥ Drag"))
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and (
            (event.position().toPoint() - self._press).manhattanLength()
            >= QApplication.startDragDistance()
        ):
            self._press = None
            self.setDown(False)
            self.drag_out.emit()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)


class ImageViewer(QDialog):
    """Signals: navigate(int delta), image_wanted(str image id).

    Lineage: variation_requested(Kind), open_image(str image id) (a lineage link),
    branch_requested(), play_requested(), canvas_requested().
    """

    navigate = Signal(int)
    variation_requested = Signal(object)
    open_image = Signal(str)
    branch_requested = Signal()
    canvas_requested = Signal()
    play_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "imageViewer", self.tr("Image viewer"))
        self.setWindowTitle(self.tr("leodesk — Viewer"))
        self.resize(1100, 760)
        self.record: ImageRecord | None = None
        self.path: Path | None = None
        self._image = QImage()
        self.generation: Any = None
        self.model_names: dict[str, str] | None = None
        #: record -> QMimeData for a drag of the shown picture (set by the window)
        self.drag_mime: Callable[[Any], QMimeData] | None = None
        self.last_drag: QMimeData | None = None  # kept for the drag's lifetime (and tests)

        self.canvas = ZoomView()
        self.meta = named(QLabel(), "viewerMetadata", self.tr("Generation details"))
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.meta.setMinimumWidth(260)
        tools = self._build_tools()
        self._build_lineage_tools(tools)
        split = QSplitter()
        split.addWidget(self.canvas)
        split.addWidget(self._build_side())
        split.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(split, 1)
        self._build_shortcuts()

    @staticmethod
    def _button(text: str, name: str, tip: str, slot: Any) -> QPushButton:
        b = named(QPushButton(text), name, text, tip)
        b.clicked.connect(slot)
        return b

    def _build_tools(self) -> QHBoxLayout:
        """Previous / next, fit / 100%, copy and open-folder buttons in a row."""
        button = self._button
        self.prev_button = button(
            self.tr("◀ Previous"),
            "viewerPrevButton",
            self.tr("Previous image (Left)"),
            lambda: self.navigate.emit(-1),
        )
        self.next_button = button(
            self.tr("Next ▶"),
            "viewerNextButton",
            self.tr("Next image (Right)"),
            lambda: self.navigate.emit(1),
        )
        self.fit_button = button(
            self.tr("Fit"), "viewerFitButton", self.tr("Fit to window (F)"), self.canvas.fit
        )
        self.actual_button = button(
            "100%", "viewerActualButton", self.tr("Actual size (1)"), self.canvas.actual_size
        )
        self.copy_image_button = button(
            self.tr("Copy image"),
            "copyImageButton",
            self.tr("Copy the image to the clipboard (Ctrl+C)"),
            self.copy_image,
        )
        self.copy_prompt_button = button(
            self.tr("Copy prompt"), "copyPromptButton", self.tr("Copy the prompt"), self.copy_prompt
        )
        self.copy_seed_button = button(
            self.tr("Copy seed"), "copySeedButton", self.tr("Copy the seed"), self.copy_seed
        )
        self.folder_button = button(
            self.tr("Open folder"),
            "openFolderButton",
            self.tr("Open the folder that holds this image"),
            self.open_folder,
        )

        tools = QHBoxLayout()
        for b in (self.prev_button, self.next_button, self.fit_button, self.actual_button):
            tools.addWidget(b)
        tools.addStretch(1)
        for b in (
            self.copy_image_button,
            self.copy_prompt_button,
            self.copy_seed_button,
            self.folder_button,
        ):
            tools.addWidget(b)
        return tools

    def _build_lineage_tools(self, tools: QHBoxLayout) -> None:
        """Variations menu, play, branch and the drag handle, at the end of ``tools``."""
        button = self._button
        self.variations_button = named(
            QToolButton(),
            "viewerVariationsButton",
            self.tr("Variations"),
            self.tr("Upscale, unzoom, motion…"),
        )
        self.variations_button.setText(self.tr("Variations"))
        self.variations_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.variations_menu = QMenu(self.variations_button)
        self.variations_menu.setObjectName("viewerVariationsMenu")
        self.variation_actions: dict[str, QAction] = {}
        for name, text, kind, _shortcut in ACTIONS:
            action = self.variations_menu.addAction(action_text(text))
            viewer_name = "viewer" + name[0].upper() + name[1:]
            action.setObjectName(viewer_name)
            action.triggered.connect(lambda _c=False, k=kind: self.variation_requested.emit(k))
            self.variation_actions[viewer_name] = action
        self.variations_button.setMenu(self.variations_menu)
        self.play_button = button(
            self.tr("Play motion"),
            "playMotionButton",
            self.tr("Open this motion's video in the system player"),
            self.play_requested.emit,
        )
        self.branch_button = button(
            self.tr("Branch from here"),
            "branchButton",
            self.tr("Open this image's generation in a new draft"),
            self.branch_requested.emit,
        )
        self.canvas_button = button(
            self.tr("Edit in canvas"),
            "viewerCanvasButton",
            self.tr("Open this image in the canvas: inpaint, outpaint, sketch, live"),
            self.canvas_requested.emit,
        )
        self.drag_handle = named(
            DragHandle(),
            "viewerDragHandle",
            self.tr("Drag this image"),
            self.tr("Drag this image onto the form (image to image), a folder or another app"),
        )
        self.drag_handle.drag_out.connect(self.start_drag)
        self.canvas.drag_out.connect(self.start_drag)
        for extra in (
            self.variations_button,
            self.play_button,
            self.branch_button,
            self.canvas_button,
            self.drag_handle,
        ):
            tools.addWidget(extra)

    def _build_side(self) -> QWidget:
        """The generation's details above its lineage links."""
        self.lineage = named(QLabel(""), "viewerLineage", self.tr("Lineage"))
        self.lineage.setWordWrap(True)
        self.lineage.setTextFormat(Qt.TextFormat.RichText)
        self.lineage.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.lineage.linkActivated.connect(self._link)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.meta, 1)
        self.parent_id: str | None = None
        self.parent_thumb = named(
            QToolButton(), "viewerParentThumb", self.tr("Open the original image")
        )
        self.parent_thumb.setIconSize(QSize(THUMB, THUMB))
        self.parent_thumb.setAutoRaise(True)
        self.parent_thumb.setVisible(False)
        self.parent_thumb.clicked.connect(self._open_parent)
        row = QHBoxLayout()
        row.addWidget(self.parent_thumb, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.lineage, 1)
        side_layout.addLayout(row)
        return side

    def _build_shortcuts(self) -> None:
        self.shortcuts: dict[str, QShortcut] = {}
        for name, seq, slot in (
            ("previous", QKeySequence(Qt.Key.Key_Left), lambda: self.navigate.emit(-1)),
            ("next", QKeySequence(Qt.Key.Key_Right), lambda: self.navigate.emit(1)),
            ("fit", QKeySequence(Qt.Key.Key_F), self.canvas.fit),
            ("actual", QKeySequence(Qt.Key.Key_1), self.canvas.actual_size),
            ("zoom in", QKeySequence(Qt.Key.Key_Plus), lambda: self.canvas.zoom(1.25)),
            ("zoom out", QKeySequence(Qt.Key.Key_Minus), lambda: self.canvas.zoom(0.8)),
            ("copy", QKeySequence(QKeySequence.StandardKey.Copy), self.copy_image),
        ):
            self.shortcuts[name] = QShortcut(seq, self, slot)

    # -- content --------------------------------------------------------------------------
    def show_record(self, record: ImageRecord, path: Path | None) -> None:
        """Show a record's metadata now; the picture follows with :meth:`show_image`."""
        self.record = record
        self.path = path
        self.generation = None
        self.model_names = None
        self._image = QImage()
        self.canvas.set_pixmap(QPixmap())
        self._show_meta()
        self.copy_seed_button.setEnabled(record.seed is not None)
        self.folder_button.setEnabled(path is not None)
        self.copy_image_button.setEnabled(False)
        kind = record.kind
        self.play_button.setVisible(kind == "motion")
        for name, action in self.variation_actions.items():
            action.setEnabled(
                kind in ("image", "variation")
                and not (name == "viewerUpscaleAction" and kind == "variation")
            )
        self.lineage.setText("")

    def show_image(self, image_id: str, image: QImage) -> None:
        if self.record is None or self.record.id != image_id or image.isNull():
            return
        self._image = image
        self.canvas.set_pixmap(QPixmap.fromImage(image))
        self.copy_image_button.setEnabled(True)
        self._show_meta()  # the file's real size

    def show_generation(self, generation: Any, model_names: dict[str, str] | None = None) -> None:
        """The shown image's generation: its style, scheduler, steps and modes join the
        details (human names; the raw values in the tooltip)."""
        self.generation = generation
        self.model_names = model_names
        self._show_meta()

    def _show_meta(self, error: str = "") -> None:
        if self.record is None:
            return
        text = metadata_html(self.record, self._image, self.generation, self.model_names)
        if error:
            text += f"<p style='color:#e57373'>{html.escape(error)}</p>"
        self.meta.setText(text)
        self.meta.setToolTip(raw_values(self.generation))

    def show_error(self, image_id: str, message: str) -> None:
        if self.record is not None and self.record.id == image_id:
            self._show_meta(message)

    # -- lineage -------------------------------------------------------------------------
    def set_lineage(self, ancestors: list[ImageRecord], children: list[ImageRecord]) -> None:
        """Show where this image came from (parent first, then further back) and what was made
        from it; every entry is a link that opens that image here. The parent's thumbnail
        follows with :meth:`set_parent_thumbnail`."""
        self.lineage.setText(lineage_html(self.record, ancestors, children))
        self.parent_id = ancestors[0].id if ancestors and self.record is not None else None
        self.parent_thumb.setIcon(QIcon())
        self.parent_thumb.setVisible(self.parent_id is not None)
        if self.parent_id is not None:
            self.parent_thumb.setToolTip(self.tr("Open the image this was made from"))

    def set_parent_thumbnail(self, image_id: str, pixmap: QPixmap) -> None:
        if image_id == self.parent_id and not pixmap.isNull():
            self.parent_thumb.setIcon(QIcon(pixmap))

    def _open_parent(self) -> None:
        if self.parent_id is not None:
            self.open_image.emit(self.parent_id)

    def _link(self, href: str) -> None:
        if href.startswith("image:"):
            self.open_image.emit(href[len("image:") :])

    # -- actions --------------------------------------------------------------------------
    def mime_data(self) -> QMimeData | None:
        """What a drag of the shown picture carries: its image id (a drop on the form sends it
        as ``init_generation_image_id``) and a PNG with its parameters (other apps)."""
        if self.record is None or self.drag_mime is None:
            return None
        return self.drag_mime(self.record)

    def start_drag(self) -> None:
        mime = self.mime_data()
        if mime is None:
            return
        self.last_drag = mime
        drag = QDrag(self)
        drag.setMimeData(mime)
        if not self._image.isNull():
            drag.setPixmap(
                QPixmap.fromImage(self._image).scaled(
                    96,
                    96,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.run_drag(drag)

    def run_drag(self, drag: QDrag) -> None:
        """The window system's drag loop (blocking until the drop; tests replace it)."""
        drag.exec(Qt.DropAction.CopyAction)

    def copy_image(self) -> None:
        if not self._image.isNull():
            QGuiApplication.clipboard().setImage(self._image)

    def copy_prompt(self) -> None:
        QGuiApplication.clipboard().setText(self.record.prompt if self.record is not None else "")

    def copy_seed(self) -> None:
        seed = None if self.record is None else self.record.seed
        if seed is not None:
            QGuiApplication.clipboard().setText(str(seed))

    def open_folder(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))
