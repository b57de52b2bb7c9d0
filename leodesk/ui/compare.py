"""CompareWindow: two to four images side by side, or two split by a line that can be dragged,
with one zoom and pan for all of them and the parameters that differ in a strip below.

Keys: Space or Tab flips the images (swaps the sides of the split; turns the order round side by
side), Left and Right move the split line, S switches between split and side by side, F fits, 1
shows the first image at its real size, + and - zoom, Esc closes. The pictures arrive through
:meth:`CompareWindow.show_image` (decoded off the GUI thread by the app); this widget does no I/O.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.library.records import ImageRecord
from leodesk.ui import names, recall
from leodesk.ui.compare_canvas import BACKGROUND, ImagePane, SplitPane, ViewState
from leodesk.ui.widgets import named

LETTERS = "ABCD"


@dataclass
class CompareItem:
    """One compared image: its record, its generation (or None) and, once decoded, the picture."""

    record: ImageRecord
    generation: Any = None
    image: QImage | None = None
    pixmap: QPixmap | None = None  # made once from ``image``, for painting
    message: str = ""

    def what(self) -> str:
        r = self.record
        made = (
            names.transform(r.transform)
            if r.transform
            else QCoreApplication.translate("CompareWindow", "Generated")
        )
        return f"{made} {r.id[:8]}"

    def size_text(self) -> str:
        if self.image is not None and not self.image.isNull():
            return QCoreApplication.translate("CompareWindow", "{w} × {h} px").format(
                w=self.image.width(), h=self.image.height()
            )
        return ""


def diff_rows(
    items: list[CompareItem], model_names: dict[str, str] | None = None
) -> list[tuple[str, list[str]]]:
    """(label, the value of each item as shown) for what is not the same in all of them: how
    each image was made, then the generation parameters."""
    rows: list[tuple[str, list[str]]] = []
    made = [i.what().rsplit(" ", 1)[0] for i in items]
    if len(set(made)) > 1:
        rows.append((QCoreApplication.translate("CompareWindow", "Made by"), made))
    gens = [i.generation if i.generation is not None else i.record for i in items]
    for field, label, _key in recall.FIELDS:
        values = [recall.value(g, field) for g in gens]
        if any(v != values[0] for v in values[1:]):
            rows.append((label, [recall.display(g, field, model_names) for g in gens]))
    return rows


def diff_html(items: list[CompareItem], model_names: dict[str, str] | None = None) -> str:
    rows = diff_rows(items, model_names)
    if not rows:
        return QCoreApplication.translate("CompareWindow", "Same parameters.")
    head = "".join(f"<th align=left>{LETTERS[n]}</th>" for n in range(len(items)))
    body = "".join(
        f"<tr><td style='color:#9e9e9e;padding-right:10px'>{html.escape(label)}</td>"
        + "".join(f"<td style='padding-right:14px'>{html.escape(v)}</td>" for v in values)
        + "</tr>"
        for label, values in rows
    )
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


class CompareWindow(QDialog):
    """Not modal; made by :class:`leodesk.ui.window_compare.CompareLink`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "compareView", QCoreApplication.translate("CompareWindow", "Compare images"))
        self.setWindowTitle(QCoreApplication.translate("CompareWindow", "leodesk — Compare"))
        self.resize(1200, 780)
        self.items: list[CompareItem] = []
        self.state = ViewState(self)
        self.panes = [
            named(
                ImagePane(self.state), f"comparePane{n}", self.tr("Image {letter}").format(letter=c)
            )
            for n, c in enumerate(LETTERS)
        ]
        self.split_pane = named(
            SplitPane(self.state),
            "compareSplit",
            QCoreApplication.translate("CompareWindow", "Split comparison"),
        )
        self.split_pane.setToolTip(
            QCoreApplication.translate(
                "CompareWindow", "Drag the line to move the split; Space swaps the sides"
            )
        )
        side = QWidget()
        row = QHBoxLayout(side)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for pane in self.panes:
            row.addWidget(pane)
        self.stack = QStackedWidget()
        self.stack.addWidget(side)
        self.stack.addWidget(self.split_pane)
        self.stack.setStyleSheet(f"background: {BACKGROUND.name()};")
        self.diff = named(
            QLabel(""),
            "compareDiff",
            QCoreApplication.translate("CompareWindow", "Parameters that differ"),
        )
        self.diff.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diff.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.diff.setWordWrap(True)
        strip = named(
            QScrollArea(),
            "compareDiffStrip",
            QCoreApplication.translate("CompareWindow", "Parameters that differ"),
        )
        strip.setWidget(self.diff)
        strip.setWidgetResizable(True)
        strip.setMaximumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_tools())
        layout.addWidget(self.stack, 1)
        layout.addWidget(strip)
        self._build_shortcuts()

    def _button(self, text: str, name: str, tip: str, slot: Any) -> QPushButton:
        b = named(QPushButton(text), name, text, tip)
        b.clicked.connect(slot)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and Tab stay the window's keys
        return b

    def _build_tools(self) -> QHBoxLayout:
        self.side_button = self._button(
            QCoreApplication.translate("CompareWindow", "Side by side"),
            "compareSideButton",
            QCoreApplication.translate("CompareWindow", "Side by side (S)"),
            lambda: self.set_split_mode(False),
        )
        self.split_button = self._button(
            QCoreApplication.translate("CompareWindow", "Split"),
            "compareSplitButton",
            QCoreApplication.translate("CompareWindow", "Two images split by a line (S)"),
            lambda: self.set_split_mode(True),
        )
        for b in (self.side_button, self.split_button):
            b.setCheckable(True)
        self.flip_button = self._button(
            QCoreApplication.translate("CompareWindow", "Flip"),
            "compareFlipButton",
            QCoreApplication.translate("CompareWindow", "Swap the images (Space or Tab)"),
            self.flip,
        )
        self.fit_button = self._button(
            QCoreApplication.translate("CompareWindow", "Fit"),
            "compareFitButton",
            QCoreApplication.translate("CompareWindow", "Fit (F)"),
            self.state.fit,
        )
        self.actual_button = self._button(
            "100%",
            "compareActualButton",
            QCoreApplication.translate("CompareWindow", "The first image at its real size (1)"),
            self.actual_size,
        )
        self.zoom_label = named(
            QLabel(""), "compareZoomLabel", QCoreApplication.translate("CompareWindow", "Zoom")
        )
        self.state.changed.connect(self._show_zoom)
        tools = QHBoxLayout()
        for b in (self.side_button, self.split_button, self.flip_button):
            tools.addWidget(b)
        tools.addStretch(1)
        for w in (self.zoom_label, self.fit_button, self.actual_button):
            tools.addWidget(w)
        return tools

    def _build_shortcuts(self) -> None:
        self.shortcuts: dict[str, QShortcut] = {}
        for name, key, slot in (
            ("flip", Qt.Key.Key_Space, self.flip),
            ("flip2", Qt.Key.Key_Tab, self.flip),
            ("mode", Qt.Key.Key_S, lambda: self.set_split_mode(not self.split_mode)),
            ("fit", Qt.Key.Key_F, self.state.fit),
            ("actual", Qt.Key.Key_1, self.actual_size),
            ("zoom in", Qt.Key.Key_Plus, lambda: self.state.set_zoom(self.state.zoom * 1.25)),
            ("zoom in2", Qt.Key.Key_Equal, lambda: self.state.set_zoom(self.state.zoom * 1.25)),
            ("zoom out", Qt.Key.Key_Minus, lambda: self.state.set_zoom(self.state.zoom * 0.8)),
            ("split left", Qt.Key.Key_Left, lambda: self.move_split(-0.05)),
            ("split right", Qt.Key.Key_Right, lambda: self.move_split(0.05)),
        ):
            self.shortcuts[name] = QShortcut(QKeySequence(key), self, slot)

    # -- content ------------------------------------------------------------------------------
    def set_items(
        self,
        items: list[CompareItem],
        model_names: dict[str, str] | None = None,
        split: bool | None = None,
    ) -> None:
        """Compare ``items`` (2–4); ``split`` defaults to the split for two images."""
        self.items = list(items[: len(LETTERS)])
        self.setWindowTitle(
            QCoreApplication.translate("CompareWindow", "leodesk — Compare {0} images").format(
                len(self.items)
            )
        )
        self.diff.setText(diff_html(self.items, model_names))
        self.split_button.setEnabled(len(self.items) == 2)
        self.split_pane.set_split(0.5)
        self.state.fit()
        self.set_split_mode(len(self.items) == 2 if split is None else split)

    @property
    def split_mode(self) -> bool:
        return self.stack.currentWidget() is self.split_pane

    def set_split_mode(self, on: bool) -> None:
        on = on and len(self.items) == 2
        self.stack.setCurrentIndex(1 if on else 0)
        self.side_button.setChecked(not on)
        self.split_button.setChecked(on)
        self._refresh()

    def show_image(self, image_id: str, image: QImage) -> None:
        for item in self.items:
            if item.record.id == image_id and not image.isNull():
                item.image = image
                item.pixmap = QPixmap.fromImage(image)
                item.message = ""
        self._refresh()

    def show_error(self, image_id: str, message: str) -> None:
        for item in self.items:
            if item.record.id == image_id:
                item.message = message
        self._refresh()

    def ids(self) -> list[str]:
        return [i.record.id for i in self.items]

    def _caption(self, n: int) -> str:
        item = self.items[n]
        size = item.size_text()
        return f"{LETTERS[n]} · {item.what()}" + (f" · {size}" if size else "")

    def _refresh(self) -> None:
        for n, pane in enumerate(self.panes):
            pane.setVisible(n < len(self.items))
            if n < len(self.items):
                item = self.items[n]
                pane.image = item.pixmap or QPixmap()
                pane.message = item.message
                pane.caption = self._caption(n)
                pane.update()
        if len(self.items) == 2:
            split = self.split_pane
            split.images = [i.pixmap or QPixmap() for i in self.items]
            split.messages = [i.message for i in self.items]
            split.captions = [self._caption(0), self._caption(1)]
            split.update()
        self._show_zoom()

    # -- view ---------------------------------------------------------------------------------
    def flip(self) -> None:
        """Swap the two images (split), or move every image one place on (side by side)."""
        if len(self.items) < 2:
            return
        self.items = self.items[1:] + self.items[:1]
        self._refresh()

    def move_split(self, delta: float) -> None:
        """Move the split line by ``delta`` of the width (the arrow keys, in split mode)."""
        if self.split_mode:
            self.split_pane.set_split(self.split_pane.split + delta)

    def _visible_pane(self) -> ImagePane | SplitPane:
        return self.split_pane if self.split_mode else self.panes[0]

    def actual_size(self) -> None:
        """Zoom so that the first image shows one image pixel per screen pixel."""
        pane = self._visible_pane()
        placed = pane.placed()
        image = pane.main_image()
        if placed.width() > 0 and not image.isNull():
            self.state.set_zoom(self.state.zoom * image.width() / placed.width())

    def scale(self) -> float:
        """Screen pixels per pixel of the first image as drawn now (0 before it is shown)."""
        pane = self._visible_pane()
        image = pane.main_image()
        placed = pane.placed()
        return placed.width() / image.width() if not image.isNull() else 0.0

    def _show_zoom(self) -> None:
        s = self.scale()
        self.zoom_label.setText(f"{s * 100:.0f}%" if s else "")

    def pane_rect(self) -> QRectF:
        return QRectF(self._visible_pane().rect())
