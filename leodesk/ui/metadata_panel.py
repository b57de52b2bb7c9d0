"""MetadataPanel: the selected generation's parameters, with recall buttons and a two-way diff.

One image selected: every parameter with a "recall" button that copies that one value into the
form, and "Recall all into a new draft" (never overwrites the draft being edited). Two selected: a
table of the parameters that differ. More: a count.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui import recall
from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.core.library import ImageRecord


class MetadataPanel(QScrollArea):
    """Signals: recall_field(str field), recall_all(), compare_requested() (2–4 selected)."""

    recall_field = Signal(str)
    recall_all = Signal()
    compare_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "metadataPanel", self.tr("Image details"))
        self.setWidgetResizable(True)
        self.setMinimumWidth(190)
        body = QWidget()
        self.setWidget(body)
        self._layout = QVBoxLayout(body)
        self.title = named(
            QLabel(self.tr("Select an image to see how it was made.")),
            "metadataTitle",
            self.tr("Selection summary"),
        )
        self.title.setWordWrap(True)
        self._layout.addWidget(self.title)
        self.origin_label = named(QLabel(""), "metaOrigin", self.tr("Made by"))
        self.origin_label.setWordWrap(True)
        self.origin_label.setVisible(False)
        self._layout.addWidget(self.origin_label)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(1, 1)
        self._layout.addWidget(self._grid_host)
        self.recall_all_button = named(
            QPushButton(self.tr("Recall all into a new draft")),
            "recallAllButton",
            self.tr("Recall all parameters into a new draft"),
            self.tr(
                "Open these parameters in a new draft tab; the draft you are editing stays as it is"
            ),
        )
        self.recall_all_button.clicked.connect(self.recall_all.emit)
        self._layout.addWidget(self.recall_all_button)
        self.diff_label = named(
            QLabel(""), "diffLabel", self.tr("Differences between the two images")
        )
        self.diff_label.setWordWrap(True)
        self.diff_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self.diff_label)
        self.compare_button = named(
            QPushButton(self.tr("Compare…")),
            "compareSelectionButton",
            self.tr("Compare the selected images"),
            self.tr("Side by side, or two split by a line (Ctrl+Shift+D)"),
        )
        self.compare_button.clicked.connect(self.compare_requested.emit)
        self._layout.addWidget(self.compare_button)
        self._layout.addStretch(1)
        self.generation: Any = None
        self.values: dict[str, QLabel] = {}
        self.recall_buttons: dict[str, QPushButton] = {}
        self._build_rows()
        self.show_none()

    def _build_rows(self) -> None:
        for row, (field, english, _key) in enumerate(recall.FIELDS):
            label = recall.shown_label(english)
            name = QLabel(label)
            name.setStyleSheet("color: palette(placeholder-text);")
            value = named(QLabel(""), f"meta_{field}", label)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = named(
                QPushButton("↩"),
                f"recall_{field}",
                self.tr("Recall {field}").format(field=label.lower()),
                self.tr("Copy the {field} into the form").format(field=label.lower()),
            )
            button.setFixedWidth(30)
            button.clicked.connect(lambda _c=False, f=field: self.recall_field.emit(f))
            self._grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self._grid.addWidget(value, row, 1)
            self._grid.addWidget(button, row, 2, Qt.AlignmentFlag.AlignTop)
            self.values[field] = value
            self.recall_buttons[field] = button

    # -- content --------------------------------------------------------------------------
    def show_origin(self, text: str | None) -> None:
        """What made the selected image, when it is not a plain generation (a blueprint)."""
        self.origin_label.setText(
            self.tr("Made by {who}").format(who=html.escape(text)) if text else ""
        )
        self.origin_label.setVisible(bool(text))

    def show_none(self) -> None:
        self.generation = None
        self.title.setText(self.tr("Select an image to see how it was made."))
        self.compare_button.setVisible(False)
        self._grid_host.setVisible(False)
        self.recall_all_button.setVisible(False)
        self.diff_label.setVisible(False)

    def show_one(
        self,
        generation: Any,
        image: ImageRecord | None = None,
        model_names: dict[str, str] | None = None,
        pixels: tuple[int, int] | None = None,
    ) -> None:
        """``pixels``: the file's own size (an upscale's is not its generation's)."""
        self.generation = generation
        extra = []
        if pixels is not None:
            extra.append(self.tr("{w} × {h} px").format(w=pixels[0], h=pixels[1]))
        if image is not None and image.deleted_remote:
            extra.append(self.tr("deleted on the server; kept here"))
        self.title.setText(
            self.tr("<b>1 image</b>") + "".join(f" · {html.escape(x)}" for x in extra)
        )
        for field, _label, _key in recall.FIELDS:
            text = recall.display(generation, field, model_names)
            self.values[field].setText(text)
            self.values[field].setToolTip(recall.raw_tip(generation, field))
            self.recall_buttons[field].setEnabled(text != "—")
        self._grid_host.setVisible(True)
        self.compare_button.setVisible(False)
        self.recall_all_button.setVisible(True)
        self.diff_label.setVisible(False)

    def show_two(self, a: Any, b: Any, model_names: dict[str, str] | None = None) -> None:
        self.generation = None
        self.compare_button.setVisible(True)
        # shown as in the one-image view ("1024 × 768", "on", the model's name), not raw values
        rows = [
            (
                recall.shown_label(label),
                recall.display(a, f, model_names),
                recall.display(b, f, model_names),
            )
            for f, label, _key in recall.FIELDS
            if recall.value(a, f) != recall.value(b, f)
        ]
        self._grid_host.setVisible(False)
        self.recall_all_button.setVisible(False)
        self.diff_label.setVisible(True)
        if getattr(a, "id", None) == getattr(b, "id", None):
            self.title.setText(self.tr("<b>2 images</b> of the same generation: same parameters."))
            self.diff_label.setText("")
            return
        self.title.setText(self.tr("<b>2 images</b>: {n} parameter(s) differ").format(n=len(rows)))
        body = "".join(
            f"<tr><td style='color:gray;padding-right:6px'>{html.escape(label)}</td>"
            f"<td>{html.escape(str(va))}</td><td>{html.escape(str(vb))}</td></tr>"
            for label, va, vb in rows
        )
        self.diff_label.setText(
            f"<table><tr><th></th><th align=left>A</th><th align=left>B</th></tr>{body}</table>"
            if rows
            else self.tr("Same parameters.")
        )

    def show_many(self, n: int) -> None:
        self.generation = None
        self.title.setText(self.tr("<b>{n} images</b> selected").format(n=n))
        self.compare_button.setVisible(n <= 4)
        self._grid_host.setVisible(False)
        self.recall_all_button.setVisible(False)
        self.diff_label.setVisible(False)
