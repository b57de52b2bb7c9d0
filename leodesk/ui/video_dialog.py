"""VideoDialog: the options of an image to video or a text to video, and what it costs.

Model, resolution, duration, frame interpolation, an optional end frame (another gallery
image; Kling 2.1 only), seed, negative prompt, and prompt enhance with an instruction. An option
the chosen model does not take is disabled, with the reason in its tooltip
(:func:`leodesk.core.video_options.why_not`); what would still be refused is listed above the
buttons and keeps "Make video" disabled. The cost comes from the pricing calculator: the dialog
emits ``cost_wanted(model, resolution)`` and shows what :meth:`set_cost` is given.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.api.video import FrameRef, VideoRequest
from leodesk.core.library.records import ImageRecord
from leodesk.core.video_options import (
    ASPECTS,
    RESOLUTION_LABELS,
    VIDEO_MODELS,
    model_info,
    problems,
    size_for,
    why_not,
)
from leodesk.ui.widgets import named

_THUMB = 96


def _short(text: str, n: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class VideoDialog(QDialog):
    """Signals: cost_wanted(str model, str resolution)."""

    cost_wanted = Signal(str, str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        start: FrameRef | None = None,
        start_text: str = "",
        prompt: str = "",
        poster: QPixmap | None = None,
        end_candidates: list[ImageRecord] | None = None,
    ) -> None:
        super().__init__(parent)
        self.start = start  # None: a text to video
        self.cost: int | None = None  # the last price shown (None: not known)
        title = self.tr("Make video") if start is not None else self.tr("Text to video")
        named(self, "videoDialog", title)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._build_fields(end_candidates or [])
        layout = QVBoxLayout(self)
        if start is not None:
            layout.addLayout(self._source_row(start_text or start.id, poster))
        layout.addLayout(self._form())
        layout.addWidget(self.problems_label)
        layout.addLayout(self._footer())
        self.model_box.currentIndexChanged.connect(self._model_changed)
        self.resolution_box.currentIndexChanged.connect(self._changed)
        for box in (self.interpolation, self.enhance, self.fixed_seed):
            box.toggled.connect(self._changed)
        for edit in (self.seed, self.instruction, self.negative):
            edit.textChanged.connect(self._changed)
        self.prompt.textChanged.connect(self._changed)
        self.duration_box.currentIndexChanged.connect(self._changed)
        self.end_box.currentIndexChanged.connect(self._changed)
        self.aspect_box.currentIndexChanged.connect(self._changed)
        self.prompt.setPlainText(prompt)
        self._model_changed()

    # -- building ---------------------------------------------------------------------------
    def _build_fields(self, end_candidates: list[ImageRecord]) -> None:
        self.prompt = named(QPlainTextEdit(), "videoPrompt", self.tr("Prompt"))
        self.prompt.setPlaceholderText(self.tr("What moves, and how the camera moves"))
        self.prompt.setFixedHeight(70)
        self.model_box = named(QComboBox(), "videoModel", self.tr("Video model"))
        for name, info in VIDEO_MODELS.items():
            self.model_box.addItem(info.label, name)
        self.resolution_box = named(QComboBox(), "videoResolution", self.tr("Resolution"))
        self.duration_box = named(QComboBox(), "videoDuration", self.tr("Duration"))
        self.aspect_box = named(QComboBox(), "videoAspect", self.tr("Aspect ratio"))
        self.aspect_box.addItem(
            self.tr("Automatic") if self.start is None else self.tr("As the image"), None
        )
        for aspect in ASPECTS:
            self.aspect_box.addItem(aspect, aspect)
        self.interpolation = named(
            QCheckBox(self.tr("Frame interpolation (smoother motion)")),
            "videoInterpolation",
            self.tr("Frame interpolation"),
        )
        self.end_box = named(QComboBox(), "videoEndFrame", self.tr("End frame"))
        self.end_box.addItem(self.tr("None"), None)
        for rec in end_candidates:
            if self.start is None or rec.id != self.start.id:
                self.end_box.addItem(_short(rec.prompt or rec.id, 40), rec.id)
        self.fixed_seed = named(
            QCheckBox(self.tr("Fixed seed")), "videoFixedSeed", self.tr("Use a fixed seed")
        )
        self.seed = named(QLineEdit(), "videoSeed", self.tr("Seed"))
        self.seed.setPlaceholderText(self.tr("random"))
        self.negative = named(QLineEdit(), "videoNegativePrompt", self.tr("Negative prompt"))
        self.negative.setPlaceholderText(self.tr("What to avoid (optional)"))
        self.enhance = named(
            QCheckBox(self.tr("Enhance the prompt")), "videoEnhance", self.tr("Prompt enhance")
        )
        self.instruction = named(
            QLineEdit(), "videoEnhanceInstruction", self.tr("Enhance instruction")
        )
        self.instruction.setPlaceholderText(self.tr("e.g. make it cinematic (optional)"))
        self.cost_label = named(QLabel(self.tr("Cost: asking…")), "videoCost", self.tr("Cost"))
        self.problems_label = named(QLabel(""), "videoProblems", self.tr("Problems"))
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #e57373;")

    def _source_row(self, text: str, poster: QPixmap | None) -> QHBoxLayout:
        row = QHBoxLayout()
        thumb = named(QLabel(), "videoStartImage", self.tr("Start image"))
        thumb.setFixedSize(_THUMB, _THUMB)
        thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        thumb.setStyleSheet("background: #333; border-radius: 4px;")
        if poster is not None and not poster.isNull():
            thumb.setPixmap(
                poster.scaled(
                    _THUMB,
                    _THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            thumb.setText(self.tr("image"))
        caption = QLabel(
            self.tr("<b>Start image</b><br>{text}").format(text=html.escape(_short(text, 70)))
        )
        caption.setTextFormat(Qt.TextFormat.RichText)
        caption.setWordWrap(True)
        row.addWidget(thumb)
        row.addWidget(caption, 1)
        return row

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.addRow(self.tr("Prompt"), self.prompt)
        form.addRow(self.tr("Model"), self.model_box)
        form.addRow(self.tr("Resolution"), self.resolution_box)
        form.addRow(self.tr("Duration"), self.duration_box)
        form.addRow(self.tr("Aspect"), self.aspect_box)
        form.addRow("", self.interpolation)
        if self.start is not None:
            form.addRow(self.tr("End frame"), self.end_box)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.fixed_seed)
        seed_row.addWidget(self.seed, 1)
        form.addRow(self.tr("Seed"), seed_row)
        form.addRow(self.tr("Negative prompt"), self.negative)
        enhance_row = QHBoxLayout()
        enhance_row.addWidget(self.enhance)
        enhance_row.addWidget(self.instruction, 1)
        form.addRow(self.tr("Prompt enhance"), enhance_row)
        return form

    def _footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.cost_label, 1)
        buttons = QDialogButtonBox()
        self.send_button = named(
            QPushButton(self.tr("Make video")), "videoSendButton", self.tr("Make video")
        )
        self.send_button.setDefault(True)
        cancel = named(QPushButton(self.tr("Cancel")), "videoCancelButton", self.tr("Cancel"))
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        return row

    # -- what the model takes -----------------------------------------------------------------
    @property
    def model(self) -> str:
        return str(self.model_box.currentData())

    @property
    def is_text(self) -> bool:
        return self.start is None

    def _model_changed(self) -> None:
        info = model_info(self.model)
        resolutions = [(RESOLUTION_LABELS.get(r, r), r) for r in info.resolutions]
        durations = [(f"{d} s", d) for d in info.durations_for(self.is_text)]
        self._refill(self.resolution_box, resolutions, info.default_resolution)
        self._refill(self.duration_box, durations, info.durations[0])
        if not info.durations_for(self.is_text):
            self.duration_box.addItem(
                self.tr("{seconds} s (fixed)").format(seconds=info.durations[0]), None
            )
        self._gate(self.duration_box, "duration")
        self._gate(self.interpolation, "frameInterpolation")
        self._gate(self.end_box, "endFrameImage")
        self.resolution_box.setEnabled(len(info.resolutions) > 1)
        self.resolution_box.setToolTip(
            ""
            if len(info.resolutions) > 1
            else self.tr("{model} makes only this resolution.").format(model=info.label)
        )
        self.seed.setToolTip(
            self.tr("0 to {max} for {model}; empty: random").format(
                max=info.seed_max, model=info.label
            )
        )
        self._changed()

    @staticmethod
    def _refill(box: QComboBox, items: Sequence[tuple[str, object]], default: object) -> None:
        """Replace ``box``'s items, keeping the chosen value when it is still offered."""
        keep = box.currentData()
        box.blockSignals(True)
        box.clear()
        for text, value in items:
            box.addItem(text, value)
        index = box.findData(keep)
        box.setCurrentIndex(index if index >= 0 else max(0, box.findData(default)))
        box.blockSignals(False)

    def _gate(self, widget: QWidget, option: str) -> None:
        """Enable ``widget`` when the model takes ``option``; else disable it, say why, reset."""
        reason = why_not(option, self.model, text=self.is_text)
        widget.setEnabled(reason is None)
        widget.setToolTip(reason or "")
        if reason is not None:
            if isinstance(widget, QCheckBox):
                widget.setChecked(False)
            elif isinstance(widget, QComboBox) and widget is self.end_box:
                widget.setCurrentIndex(0)

    def _changed(self) -> None:
        self.seed.setEnabled(self.fixed_seed.isChecked())
        self.instruction.setEnabled(self.enhance.isChecked())
        found = self.problems()
        self.problems_label.setText("\n".join(found))
        self.problems_label.setVisible(bool(found))
        self.send_button.setEnabled(not found)
        self.cost_label.setText(self.tr("Cost: asking…"))
        self.cost = None
        self.cost_wanted.emit(self.model, str(self.resolution_box.currentData() or ""))

    def problems(self) -> list[str]:
        """What would be refused as the dialog stands (empty: "Make video" may send it)."""
        if not self.prompt.toPlainText().strip():
            return [self.tr("Write a prompt.")]
        seed_text = self.seed.text().strip()
        if self.fixed_seed.isChecked() and not seed_text.isdigit():
            return [self.tr("The seed is a whole number.")]
        return problems(self.request())

    # -- answers ------------------------------------------------------------------------------
    def set_cost(self, cost: int | None) -> None:
        """Show the pricing calculator's answer for the current model and resolution."""
        self.cost = cost
        if cost is None:
            self.cost_label.setText(self.tr("Cost: not known (the price could not be asked)"))
        else:
            self.cost_label.setText(
                (
                    self.tr("Cost: {cost} credits") if cost != 1 else self.tr("Cost: {cost} credit")
                ).format(cost=cost)
            )

    def request(self) -> VideoRequest:
        """The request as the dialog stands (send it only when :meth:`problems` is empty)."""
        seed_text = self.seed.text().strip()
        end_id = self.end_box.currentData() if self.end_box.isEnabled() else None
        instruction = self.instruction.text().strip()
        enhance = self.enhance.isChecked()
        resolution = self.resolution_box.currentData() or None
        size = size_for(resolution, self.aspect_box.currentData(), self.model)
        return VideoRequest(
            prompt=self.prompt.toPlainText().strip(),
            image=self.start,
            end_frame=None if not end_id else FrameRef(str(end_id), "GENERATED"),
            model=self.model,
            resolution=resolution,
            width=None if size is None else size[0],
            height=None if size is None else size[1],
            frame_interpolation=True if self.interpolation.isChecked() else None,
            seed=int(seed_text) if self.fixed_seed.isChecked() and seed_text.isdigit() else None,
            negative_prompt=self.negative.text().strip() or None,
            prompt_enhance=True if enhance else None,
            prompt_enhance_instruction=instruction if enhance and instruction else None,
            duration=self.duration_box.currentData() or None,
        )
