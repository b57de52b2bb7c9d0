"""PromptForm: every createGeneration option an artist uses, checked live against the API's rules.

Widgets only. The form never talks to the network: it emits ``generate_requested`` (a frozen
:class:`GenerationRequest`), ``cost_query`` (a :class:`PricingRequest`, debounced) and the prompt
helper requests, and it has slots for their answers (``set_cost``, ``set_prompt_text``...).
The rules themselves live in :mod:`leodesk.core.rules`.
"""

from __future__ import annotations

import base64
import html
import random
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QObject,
    QRegularExpression,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
    QStandardItemModel,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core import rules
from leodesk.core.api.models import Element, ElementRef, GenerationRequest, PricingRequest
from leodesk.core.catalog import ModelInfo
from leodesk.core.rules import Problem
from leodesk.qt.models.gallery_model import IMAGE_IDS_MIME
from leodesk.qt.uploads import GalleryImage, UploadedImage
from leodesk.ui.form_section import CollapsibleSection
from leodesk.ui.image_slot import ImageSlot, label_for, sources_from_mime

__all__ = ["PromptForm"]

MAX_REPEAT = 50  # one click queues at most this many copies of the job

STATE_VERSION = 1
COST_DEBOUNCE_MS = 400
CUSTOM_ASPECT = "Custom"
IMAGE_PROMPT_SLOTS = 2
INIT_SLOT = "initImageSlot"
DEFAULT_INIT_STRENGTH = 0.5
UPLOAD_PROBLEM = "Wait for the image upload to finish"
BLANK_PROMPT = "The prompt holds only spaces or blank lines: write what to make"

_ERROR_COLOR = "#c62828"
_STYLE = f"""
*[problem="true"] {{ border: 1px solid {_ERROR_COLOR}; }}
QLabel#promptCounterLabel[overLimit="true"] {{ color: {_ERROR_COLOR}; font-weight: bold; }}
QLabel#problemsLabel {{ color: {_ERROR_COLOR}; }}
QLabel[hint="true"] {{ color: palette(placeholder-text); }}
"""

_SCHEDULER_LABELS = {
    "KLMS": "KLMS",
    "EULER_ANCESTRAL_DISCRETE": "Euler ancestral",
    "EULER_DISCRETE": "Euler",
    "DDIM": "DDIM",
    "DPM_SOLVER": "DPM solver",
    "PNDM": "PNDM",
    "LEONARDO": "Leonardo",
}
_TRANSPARENCY_LABELS = {
    "disabled": "No transparency",
    "foreground_only": "Transparent background (foreground only)",
}


def _name(widget: QWidget, object_name: str, accessible: str) -> None:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)


_STYLE_LABELS = {"HDR": "HDR", "SKETCH_BW": "Sketch B&W", "RENDER_3D": "3D Render"}


def _style_label(style: str) -> str:
    return _STYLE_LABELS.get(style) or style.replace("_", " ").capitalize()


def _restyle(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
    if isinstance(widget, QAbstractScrollArea):  # the frame is painted with the viewport
        widget.viewport().update()


def _as_bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class PromptForm(QWidget):
    """The generation form. See the module docstring for what it emits and takes."""

    generate_requested = Signal(object)  # GenerationRequest
    cost_query = Signal(object)  # PricingRequest
    random_prompt_requested = Signal()
    improve_prompt_requested = Signal(str)
    model_requested = Signal()  # the model button was clicked: open the model browser
    state_changed = Signal()
    # Image to image: (slot objectName, source) to prepare/upload; a slot was cleared.
    image_source_dropped = Signal(str, object)
    image_cleared = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptForm")
        self.setAccessibleName("Generation settings")
        self.setStyleSheet(_STYLE)

        self._model: ModelInfo | None = None
        # Every listed model by id, with the facts the API gave (version, size, status): the
        # chosen model is always shown with its latest facts.
        self._catalog: dict[str, ModelInfo] = {}
        self._elements: list[Element] = []
        # ak_uuid → (checked, weight): survives set_elements() and restore_state().
        self._element_choice: dict[str, tuple[bool, float]] = {}
        self._style_by_mode: dict[tuple[bool, bool], str] = {}
        self._ratio = 1024 / 768
        self._updating = 0  # > 0 while the form itself changes widgets
        self._busy_prompt = False
        self._problems: list[Problem] = []
        self._pending_sources: dict[str, Any] = {}  # slot name -> what it is being filled from
        # Which widgets carry the "problem" mark, and the counter's state (not read back
        # from Qt properties, which would come back as None when unset).
        self._flagged: set[QWidget] = set()
        self._over_limit = False

        self._cost_cache: dict[Hashable, int] = {}
        self._cost_failed: set[Hashable] = set()
        self._current_key: Hashable | None = None
        self._current_pricing: PricingRequest | None = None
        self._last_query_key: Hashable | None = None
        self._cost_timer = QTimer(self)
        self._cost_timer.setSingleShot(True)
        self._cost_timer.setInterval(COST_DEBOUNCE_MS)
        self._cost_timer.timeout.connect(self._send_cost_query)

        self._build()
        self.prompt_counter.setProperty("overLimit", False)
        for widget in set(self._problem_widgets().values()):
            widget.setProperty("problem", False)
        self._connect()
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)
        self._refresh()

    # ----------------------------------------------------------------------------------------
    # Construction
    # ----------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("promptFormScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setObjectName("promptFormContent")
        self.scroll_area.setWidget(content)
        outer.addWidget(self.scroll_area, 1)
        col = QVBoxLayout(content)
        col.setContentsMargins(6, 6, 6, 6)
        col.setSpacing(6)

        col.addWidget(self._build_prompt())
        col.addWidget(self._build_model())
        col.addWidget(self._build_size())
        col.addWidget(self._build_modes())

        self.advanced_section = CollapsibleSection("Advanced", "advancedSection")
        self._build_advanced(self.advanced_section.body)
        col.addWidget(self.advanced_section)

        self.image_section = CollapsibleSection(
            "Image to image", "imageToImageSection", expanded=True
        )
        self._build_images(self.image_section.body)
        col.addWidget(self.image_section)

        self.elements_section = CollapsibleSection("Elements", "elementsSection")
        self._build_elements(self.elements_section.body)
        col.addWidget(self.elements_section)
        col.addStretch(1)

        outer.addWidget(self._build_footer())

    def _build_prompt(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)

        self.prompt_edit = QPlainTextEdit()
        _name(self.prompt_edit, "promptEdit", "Prompt")
        self.prompt_edit.setPlaceholderText("Describe the image… (Ctrl+Enter generates)")
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setMinimumHeight(80)
        lay.addWidget(self.prompt_edit)

        row = QHBoxLayout()
        self.prompt_counter = QLabel()
        _name(self.prompt_counter, "promptCounterLabel", "Prompt length")
        row.addWidget(self.prompt_counter)
        row.addStretch(1)
        self.random_prompt_button = QPushButton("Random prompt")
        _name(self.random_prompt_button, "randomPromptButton", "Random prompt")
        self.random_prompt_button.setToolTip("Ask Leonardo for a random prompt")
        self.improve_prompt_button = QPushButton("Improve prompt")
        _name(self.improve_prompt_button, "improvePromptButton", "Improve prompt")
        row.addWidget(self.random_prompt_button)
        row.addWidget(self.improve_prompt_button)
        lay.addLayout(row)

        self.negative_prompt_edit = QPlainTextEdit()
        _name(self.negative_prompt_edit, "negativePromptEdit", "Negative prompt")
        self.negative_prompt_edit.setPlaceholderText("What to leave out (optional)")
        self.negative_prompt_edit.setTabChangesFocus(True)
        self.negative_prompt_edit.setMaximumHeight(60)
        lay.addWidget(self.negative_prompt_edit)
        return box

    def _build_model(self) -> QWidget:
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Model")
        self.model_button = QPushButton()
        _name(self.model_button, "modelButton", "Model")
        self.model_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        label.setBuddy(self.model_button)
        self.model_facts = QLabel()
        _name(self.model_facts, "modelFactsLabel", "Model version and size")
        self.model_facts.setProperty("hint", True)
        self.model_facts.setWordWrap(True)
        self.model_note = QLabel()
        _name(self.model_note, "modelNoteLabel", "Model note")
        self.model_note.setProperty("hint", True)
        self.model_note.setWordWrap(True)
        inner = QVBoxLayout()
        inner.addWidget(self.model_button)
        inner.addWidget(self.model_facts)
        inner.addWidget(self.model_note)
        lay.addWidget(label)
        lay.addLayout(inner, 1)
        return box

    def _build_size(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)

        self.aspect_combo = QComboBox()
        _name(self.aspect_combo, "aspectCombo", "Aspect ratio")
        for name, (w, h) in rules.ASPECT_PRESETS.items():
            self.aspect_combo.addItem(f"{name}  ({w}×{h})", name)
        self.aspect_combo.addItem(CUSTOM_ASPECT, CUSTOM_ASPECT)

        self.width_spin = self._size_spin("widthSpin", "Width")
        self.height_spin = self._size_spin("heightSpin", "Height")
        w, h = rules.ASPECT_PRESETS[rules.DEFAULT_ASPECT]
        self.width_spin.setValue(w)
        self.height_spin.setValue(h)
        self.aspect_combo.setCurrentIndex(self.aspect_combo.findData(rules.DEFAULT_ASPECT))

        self.keep_ratio_check = QCheckBox("Keep ratio")
        _name(self.keep_ratio_check, "keepRatioCheck", "Keep aspect ratio")
        self.keep_ratio_check.setToolTip("Change the other side too when one side changes")

        self.num_images_spin = QSpinBox()
        _name(self.num_images_spin, "numImagesSpin", "Number of images")
        self.num_images_spin.setRange(1, 8)
        self.num_images_spin.setValue(rules.DEFAULT_NUM_IMAGES)
        self.num_images_reason = QLabel()
        _name(self.num_images_reason, "numImagesReasonLabel", "Why fewer images")
        self.num_images_reason.setProperty("hint", True)
        self.num_images_reason.setWordWrap(True)

        self.output_size_label = QLabel()
        _name(self.output_size_label, "outputSizeLabel", "Expected output size")
        self.output_size_label.setProperty("hint", True)
        self.output_size_label.setWordWrap(True)

        aspect_label = QLabel("Aspect")
        aspect_label.setBuddy(self.aspect_combo)
        grid.addWidget(aspect_label, 0, 0)
        grid.addWidget(self.aspect_combo, 0, 1, 1, 3)
        size_label = QLabel("Size")
        size_label.setBuddy(self.width_spin)
        grid.addWidget(size_label, 1, 0)
        grid.addWidget(self.width_spin, 1, 1)
        grid.addWidget(QLabel("×"), 1, 2)
        grid.addWidget(self.height_spin, 1, 3)
        grid.addWidget(self.keep_ratio_check, 2, 1, 1, 3)
        grid.addWidget(self.output_size_label, 3, 1, 1, 3)
        images_label = QLabel("Images")
        images_label.setBuddy(self.num_images_spin)
        grid.addWidget(images_label, 4, 0)
        grid.addWidget(self.num_images_spin, 4, 1)
        grid.addWidget(self.num_images_reason, 4, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _size_spin(self, name: str, accessible: str) -> QSpinBox:
        spin = QSpinBox()
        _name(spin, name, accessible)
        spin.setRange(rules.SIZE_MIN, rules.SIZE_MAX)
        spin.setSingleStep(rules.SIZE_STEP)
        spin.setSuffix(" px")
        spin.setToolTip(f"{rules.SIZE_MIN}–{rules.SIZE_MAX} px, a multiple of {rules.SIZE_STEP}")
        return spin

    def _build_modes(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)

        row = QHBoxLayout()
        self.alchemy_check = QCheckBox("Alchemy")
        _name(self.alchemy_check, "alchemyCheck", "Alchemy")
        self.alchemy_check.setChecked(True)
        self.alchemy_check.setToolTip(
            "Leonardo's quality pipeline (v2 on SDXL models). Costs more credits."
        )
        self.high_res_check = QCheckBox("High resolution")
        _name(self.high_res_check, "highResCheck", "High resolution")
        row.addWidget(self.alchemy_check)
        row.addWidget(self.high_res_check)
        row.addStretch(1)
        form.addRow(row)

        self.preset_style_combo = QComboBox()
        _name(self.preset_style_combo, "presetStyleCombo", "Preset style")
        form.addRow("Style", self.preset_style_combo)

        pr = QHBoxLayout()
        self.photo_real_check = QCheckBox("PhotoReal")
        _name(self.photo_real_check, "photoRealCheck", "PhotoReal")
        self.photo_real_version_combo = QComboBox()
        _name(self.photo_real_version_combo, "photoRealVersionCombo", "PhotoReal version")
        for version in rules.PHOTOREAL_VERSIONS:
            self.photo_real_version_combo.addItem(version, version)
        self.photo_real_strength_combo = QComboBox()
        _name(self.photo_real_strength_combo, "photoRealStrengthCombo", "PhotoReal depth of field")
        for label, value in rules.PHOTOREAL_STRENGTHS.items():
            self.photo_real_strength_combo.addItem(f"{label} ({value:g})", value)
        self.photo_real_strength_combo.setToolTip("Depth of field")
        pr.addWidget(self.photo_real_check)
        pr.addWidget(self.photo_real_version_combo)
        pr.addWidget(self.photo_real_strength_combo)
        pr.addStretch(1)
        form.addRow(pr)
        return box

    def _build_advanced(self, body: QWidget) -> None:
        form = QFormLayout(body)
        form.setContentsMargins(12, 0, 0, 0)

        guidance = QHBoxLayout()
        self.guidance_spin = QDoubleSpinBox()
        _name(self.guidance_spin, "guidanceSpin", "Guidance scale")
        self.guidance_spin.setDecimals(1)
        self.guidance_spin.setSingleStep(0.5)
        self.guidance_spin.setRange(1.0, 30.0)
        self.guidance_spin.setValue(rules.DEFAULT_GUIDANCE)
        self.guidance_reason = QLabel()
        _name(self.guidance_reason, "guidanceReasonLabel", "Guidance scale range")
        self.guidance_reason.setProperty("hint", True)
        self.guidance_reason.setWordWrap(True)
        guidance.addWidget(self.guidance_spin)
        guidance.addWidget(self.guidance_reason, 1)
        form.addRow("Guidance", guidance)

        self.steps_spin = QSpinBox()
        _name(self.steps_spin, "stepsSpin", "Inference steps")
        self.steps_spin.setRange(rules.STEPS_MIN, rules.STEPS_MAX)
        self.steps_spin.setValue(rules.DEFAULT_STEPS)
        self.steps_spin.setToolTip(f"{rules.STEPS_MIN}–{rules.STEPS_MAX}")
        form.addRow("Steps", self.steps_spin)

        seed = QHBoxLayout()
        self.random_seed_check = QCheckBox("Random")
        _name(self.random_seed_check, "randomSeedCheck", "Random seed")
        self.random_seed_check.setChecked(True)
        self.seed_edit = QLineEdit()
        _name(self.seed_edit, "seedEdit", "Seed")
        self.seed_edit.setPlaceholderText("random")
        self.seed_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,10}"), self.seed_edit)
        )
        self.new_seed_button = QToolButton()
        _name(self.new_seed_button, "newSeedButton", "New seed")
        self.new_seed_button.setText("New")
        self.new_seed_button.setToolTip("Pick a random seed and keep it")
        seed.addWidget(self.random_seed_check)
        seed.addWidget(self.seed_edit, 1)
        seed.addWidget(self.new_seed_button)
        form.addRow("Seed", seed)

        self.scheduler_combo = QComboBox()
        _name(self.scheduler_combo, "schedulerCombo", "Scheduler")
        # "" = the server's default (not sent); item data is never None, so every
        # currentData() of the form's combos is a str or a number.
        self.scheduler_combo.addItem("Default (Euler)", "")
        for value in rules.SCHEDULERS:
            self.scheduler_combo.addItem(_SCHEDULER_LABELS.get(value, value), value)
        form.addRow("Scheduler", self.scheduler_combo)

        pm = QHBoxLayout()
        self.prompt_magic_check = QCheckBox("Prompt Magic")
        _name(self.prompt_magic_check, "promptMagicCheck", "Prompt Magic")
        self.prompt_magic_version_combo = QComboBox()
        _name(self.prompt_magic_version_combo, "promptMagicVersionCombo", "Prompt Magic version")
        for version in rules.PROMPT_MAGIC_VERSIONS:
            self.prompt_magic_version_combo.addItem(version, version)
        self.prompt_magic_version_combo.setCurrentIndex(
            self.prompt_magic_version_combo.findData("v3")
        )
        self.prompt_magic_strength_spin = QDoubleSpinBox()
        _name(self.prompt_magic_strength_spin, "promptMagicStrengthSpin", "Prompt Magic strength")
        self.prompt_magic_strength_spin.setDecimals(2)
        self.prompt_magic_strength_spin.setSingleStep(0.05)
        self.prompt_magic_strength_spin.setRange(
            rules.PROMPT_MAGIC_STRENGTH_MIN, rules.PROMPT_MAGIC_STRENGTH_MAX
        )
        self.prompt_magic_strength_spin.setValue(rules.DEFAULT_PROMPT_MAGIC_STRENGTH)
        self.raw_mode_check = QCheckBox("RAW mode")
        _name(self.raw_mode_check, "rawModeCheck", "RAW mode")
        pm.addWidget(self.prompt_magic_check)
        pm.addWidget(self.prompt_magic_version_combo)
        pm.addWidget(self.prompt_magic_strength_spin)
        pm.addWidget(self.raw_mode_check)
        pm.addStretch(1)
        form.addRow(pm)

        self.contrast_combo = QComboBox()
        _name(self.contrast_combo, "contrastCombo", "Contrast")
        self.contrast_combo.addItem("Default", "")
        for contrast in rules.CONTRAST_VALUES:
            self.contrast_combo.addItem(f"{contrast:g}", contrast)
        form.addRow("Contrast", self.contrast_combo)

        self.tiling_check = QCheckBox("Tiling")
        _name(self.tiling_check, "tilingCheck", "Tiling")
        self.tiling_check.setToolTip("Make images that tile seamlessly")
        form.addRow(self.tiling_check)

        self.transparency_combo = QComboBox()
        _name(self.transparency_combo, "transparencyCombo", "Transparency")
        for value in rules.TRANSPARENCY_VALUES:
            self.transparency_combo.addItem(_TRANSPARENCY_LABELS[value], value)
        form.addRow("Transparency", self.transparency_combo)

    def _build_elements(self, body: QWidget) -> None:
        lay = QVBoxLayout(body)
        lay.setContentsMargins(12, 0, 0, 0)
        self.elements_list = QListWidget()
        _name(self.elements_list, "elementsList", "Elements")
        self.elements_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.elements_list.setMaximumHeight(140)
        lay.addWidget(self.elements_list)
        row = QHBoxLayout()
        label = QLabel("Weight")
        self.element_weight_spin = QDoubleSpinBox()
        _name(self.element_weight_spin, "elementWeightSpin", "Element weight")
        self.element_weight_spin.setDecimals(2)
        self.element_weight_spin.setSingleStep(0.05)
        label.setBuddy(self.element_weight_spin)
        row.addWidget(label)
        row.addWidget(self.element_weight_spin)
        row.addStretch(1)
        lay.addLayout(row)
        self.elements_hint = QLabel("No elements loaded")
        _name(self.elements_hint, "elementsHintLabel", "Elements hint")
        self.elements_hint.setProperty("hint", True)
        lay.addWidget(self.elements_hint)

    def _build_images(self, body: QWidget) -> None:
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.init_slot = ImageSlot(INIT_SLOT, "Init image")
        lay.addWidget(self.init_slot)
        row = QHBoxLayout()
        self.init_strength_label = QLabel()
        self.init_strength_label.setObjectName("initStrengthLabel")
        self.init_strength_slider = QSlider(Qt.Orientation.Horizontal)
        _name(self.init_strength_slider, "initStrengthSlider", "Init strength")
        self.init_strength_slider.setRange(10, 90)
        self.init_strength_slider.setSingleStep(5)
        self.init_strength_slider.setPageStep(10)
        self.init_strength_slider.setValue(round(DEFAULT_INIT_STRENGTH * 100))
        self.init_strength_slider.setToolTip(
            "How much the init image shapes the result (0.1 loose – 0.9 close)"
        )
        self.init_strength_label.setBuddy(self.init_strength_slider)
        row.addWidget(self.init_strength_label)
        row.addWidget(self.init_strength_slider, 1)
        self.init_strength_row = QWidget()
        self.init_strength_row.setObjectName("initStrengthRow")
        self.init_strength_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.init_strength_row)
        prompts_label = QLabel("Image prompts")
        prompts_label.setProperty("hint", True)
        lay.addWidget(prompts_label)
        self.image_prompt_slots = [
            ImageSlot(f"imagePromptSlot{i}", f"Image prompt {i + 1}")
            for i in range(IMAGE_PROMPT_SLOTS)
        ]
        for slot in self.image_prompt_slots:
            lay.addWidget(slot)
        self.image_hint = QLabel()
        self.image_hint.setObjectName("imageSlotsHint")
        self.image_hint.setProperty("hint", True)
        self.image_hint.setWordWrap(True)
        self.image_hint.hide()
        lay.addWidget(self.image_hint)

    def _build_footer(self) -> QWidget:
        box = QWidget()
        box.setObjectName("promptFormFooter")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(6, 0, 6, 6)
        self.problems_label = QLabel()
        _name(self.problems_label, "problemsLabel", "Problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.problems_label)
        row = QHBoxLayout()
        self.cost_label = QLabel()
        _name(self.cost_label, "costLabel", "Cost")
        # the button says the cost too: the label may be clipped rather than widen the pane
        self.cost_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.cost_label, 1)
        self.repeat_spin = QSpinBox()
        _name(self.repeat_spin, "repeatSpin", "Times to queue")
        self.repeat_spin.setRange(1, MAX_REPEAT)
        self.repeat_spin.setPrefix("× ")
        self.repeat_spin.setToolTip(
            "Queue this job several times as one batch (each run gets its own seed unless the "
            "seed is fixed)"
        )
        row.addWidget(self.repeat_spin)
        self.generate_button = QPushButton("Generate")
        _name(self.generate_button, "generateButton", "Generate")
        self.generate_button.setDefault(True)
        row.addWidget(self.generate_button)
        lay.addLayout(row)
        return box

    def _connect(self) -> None:
        changed = self._on_changed
        self.prompt_edit.textChanged.connect(changed)
        self.negative_prompt_edit.textChanged.connect(changed)
        self.random_prompt_button.clicked.connect(self.random_prompt_requested)
        self.improve_prompt_button.clicked.connect(self._on_improve)
        self.model_button.clicked.connect(self.model_requested)
        self.aspect_combo.activated.connect(self._on_aspect_chosen)
        self.width_spin.valueChanged.connect(self._on_width_changed)
        self.height_spin.valueChanged.connect(self._on_height_changed)
        self.width_spin.editingFinished.connect(lambda: self._snap(self.width_spin))
        self.height_spin.editingFinished.connect(lambda: self._snap(self.height_spin))
        self.keep_ratio_check.toggled.connect(self._on_keep_ratio)
        for spin in (
            self.num_images_spin,
            self.guidance_spin,
            self.steps_spin,
            self.prompt_magic_strength_spin,
        ):
            spin.valueChanged.connect(changed)
        for check in (
            self.alchemy_check,
            self.high_res_check,
            self.photo_real_check,
            self.prompt_magic_check,
            self.raw_mode_check,
            self.tiling_check,
        ):
            check.toggled.connect(changed)
        self.random_seed_check.toggled.connect(self._on_random_seed)
        self.seed_edit.textChanged.connect(changed)
        self.new_seed_button.clicked.connect(self._on_new_seed)
        for combo in (
            self.scheduler_combo,
            self.photo_real_version_combo,
            self.photo_real_strength_combo,
            self.prompt_magic_version_combo,
            self.contrast_combo,
            self.transparency_combo,
        ):
            combo.currentIndexChanged.connect(changed)
        self.preset_style_combo.currentIndexChanged.connect(self._on_style_chosen)
        self.elements_list.itemChanged.connect(self._on_element_item_changed)
        self.elements_list.currentItemChanged.connect(self._on_current_element)
        self.element_weight_spin.valueChanged.connect(self._on_element_weight)
        self.generate_button.clicked.connect(self._on_generate)
        self.repeat_spin.valueChanged.connect(lambda _v: self._show_cost())
        for slot in self.image_slots():
            slot.sources_dropped.connect(lambda sources, s=slot: self._on_sources(s, sources))
            slot.cleared.connect(lambda s=slot: self._on_slot_cleared(s))
        self.init_strength_slider.valueChanged.connect(changed)
        self.image_section.expanded_changed.connect(changed)
        self.advanced_section.expanded_changed.connect(changed)
        self.elements_section.expanded_changed.connect(changed)

    # ----------------------------------------------------------------------------------------
    # Public slots
    # ----------------------------------------------------------------------------------------

    def model(self) -> ModelInfo | None:
        """The chosen model (``None``: the API's default model)."""
        return self._model

    def set_catalog(self, models: Iterable[ModelInfo]) -> None:
        """The listed models with their facts; the chosen model (and the API's default model,
        when none is chosen) follows them, e.g. when the facts arrive after the choice."""
        self._catalog = {m.id: m for m in models if m.id}
        fresh = self._fresh(self._model)
        if fresh != self._model:
            self._model = fresh
        self._refresh()

    def _fresh(self, model: ModelInfo | None) -> ModelInfo | None:
        """``model`` with the catalog's latest facts about it."""
        if model is None:
            return None
        known = self._catalog.get(model.id)
        return known if known is not None and known.kind == model.kind else model

    def default_model(self) -> ModelInfo:
        """The API's default model (used when no model is chosen), with its facts when the
        catalog has them."""
        return self._catalog.get(rules.DEFAULT_MODEL_ID) or rules.DEFAULT_MODEL

    def set_model(self, model: ModelInfo | None) -> None:
        """Show ``model`` as the chosen one and re-check every rule that depends on it."""
        model = self._fresh(model)
        self._model = model
        if not self.photo_real_check.isChecked():
            # PhotoReal is off: preselect the version this model takes; when it is on, keep
            # the user's choice and let the problems list explain a mismatch.
            v2 = model is not None and model.supports_photoreal_v2
            self._updating += 1
            try:
                self._set_combo_data(self.photo_real_version_combo, "v2" if v2 else "v1")
            finally:
                self._updating -= 1
        self._refresh()

    def set_elements(self, elements: Iterable[Element]) -> None:
        """The elements (LoRAs) the user can pick from; earlier picks are kept by ``akUUID``."""
        self._remember_elements()
        self._elements = [e for e in elements if e.ak_uuid]
        self._updating += 1
        try:
            self.elements_list.clear()
            for element in self._elements:
                assert element.ak_uuid is not None
                checked, weight = self._element_choice.get(
                    element.ak_uuid, (False, self._default_weight(element))
                )
                lo, hi = rules.element_weight_range(element)
                weight = min(hi, max(lo, weight))
                self._element_choice[element.ak_uuid] = (checked, weight)
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, element.ak_uuid)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.elements_list.addItem(item)
                self._label_element_item(item)
            if self._elements:
                self.elements_list.setCurrentRow(0)
        finally:
            self._updating -= 1
        self._on_current_element(self.elements_list.currentItem(), None)
        self._refresh()

    def set_prompt_text(self, text: str) -> None:
        """Replace the prompt (a random or improved one) as one undoable edit."""
        cursor = self.prompt_edit.textCursor()
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        self.prompt_edit.setTextCursor(cursor)

    def set_busy_prompt(self, busy: bool) -> None:
        """Disable the prompt helper buttons while a random/improve request runs."""
        self._busy_prompt = busy
        self._refresh()

    def set_cost(self, key: Hashable, cost: int | None) -> None:
        """The pricing calculator's answer for ``key`` (``rules.pricing_key`` of a query).

        ``None`` means the cost could not be found out; it is not cached.
        """
        if cost is None:
            self._cost_cache.pop(key, None)
            self._cost_failed.add(key)
        else:
            self._cost_cache[key] = cost
            self._cost_failed.discard(key)
        if key == self._current_key:
            self._show_cost()

    def known_cost(self) -> int | None:
        """The pricing calculator's answer for the current settings, if it came in."""
        return self._cost_cache.get(self._current_key) if self._current_key is not None else None

    def repeat_count(self) -> int:
        """How many times one click queues the job (a batch)."""
        return int(self.repeat_spin.value())

    def image_slots(self) -> list[ImageSlot]:
        """The init image slot, then the image prompt slots."""
        return [self.init_slot, *self.image_prompt_slots]

    def image_slot(self, key: str) -> ImageSlot | None:
        """The slot whose objectName is ``key``."""
        return next((s for s in self.image_slots() if s.objectName() == key), None)

    def set_image_busy(self, key: str) -> None:
        """The upload service started on slot ``key``."""
        slot = self.image_slot(key)
        if slot is not None and not slot.is_busy():
            slot.set_busy(slot.source_label.text())
            self._refresh()

    def set_image_ready(self, key: str, image: Any) -> None:
        """Slot ``key`` holds ``image`` (an ``UploadedImage``)."""
        slot = self.image_slot(key)
        self._pending_sources.pop(key, None)
        if slot is not None:
            slot.set_image(image)
            self._refresh()

    def set_image_failed(self, key: str, message: str) -> None:
        """Slot ``key`` could not be filled: say why on the slot."""
        slot = self.image_slot(key)
        self._pending_sources.pop(key, None)
        if slot is not None:
            slot.set_error(message)
            self._refresh()

    def uploading(self) -> bool:
        """True while any image slot waits for its upload."""
        return any(slot.is_busy() for slot in self.image_slots())

    def init_strength(self) -> float:
        return round(self.init_strength_slider.value() / 100, 2)

    def pricing_request(self) -> PricingRequest:
        """The pricing request matching the current settings."""
        return rules.pricing_params(self.request(), self._model, default_model=self.default_model())

    def pricing_key(self) -> Hashable:
        """The cost cache key of the current settings."""
        return rules.pricing_key(self.pricing_request())

    def request(self) -> GenerationRequest:
        """The immutable request the current settings make: only set fields, no nulls."""
        alchemy = self.alchemy_check.isChecked()
        photo_real = alchemy and self.photo_real_check.isChecked()
        pr_version = self.photo_real_version_combo.currentData() if photo_real else None
        pr_v1 = rules.is_photo_real_v1(photo_real, pr_version)
        model = self._model
        real_model = rules.effective_model(
            model,
            photo_real=photo_real,
            photo_real_version=pr_version,
            default=self.default_model(),
        )
        fields: dict[str, Any] = {
            "prompt": self.prompt_edit.toPlainText().strip(),
            "width": self.width_spin.value(),
            "height": self.height_spin.value(),
            "num_images": self.num_images_spin.value(),
            "guidance_scale": round(self.guidance_spin.value(), 1),
            "num_inference_steps": self.steps_spin.value(),
            "alchemy": alchemy,
        }
        negative = self.negative_prompt_edit.toPlainText().strip()
        if negative:
            fields["negative_prompt"] = negative
        if model is not None and not pr_v1:
            fields["model_id"] = model.id
        if real_model is not None and real_model.is_phoenix:
            fields["sd_version"] = "PHOENIX"  # the API refuses Phoenix without it
        seed = self._seed_value()
        if seed is not None:
            fields["seed"] = seed
        scheduler = self.scheduler_combo.currentData()
        if scheduler:
            fields["scheduler"] = scheduler
        style = self.preset_style_combo.currentData()
        if style:
            fields["preset_style"] = style
        if (
            alchemy
            and self.high_res_check.isChecked()
            and rules.high_resolution_applies(real_model)
        ):
            fields["high_resolution"] = True
        if photo_real:
            fields["photo_real"] = True
            fields["photo_real_version"] = pr_version
            fields["photo_real_strength"] = self.photo_real_strength_combo.currentData()
        if self.prompt_magic_check.isChecked():
            fields["prompt_magic"] = True
            version = self.prompt_magic_version_combo.currentData()
            fields["prompt_magic_version"] = version
            fields["prompt_magic_strength"] = round(self.prompt_magic_strength_spin.value(), 2)
            if version == "v3" and self.raw_mode_check.isChecked():
                fields["high_contrast"] = False
        contrast = self._contrast_value()
        if contrast is not None and rules.contrast_applies(real_model):
            fields["contrast"] = contrast
        if self.tiling_check.isChecked():
            fields["tiling"] = True
        transparency = self.transparency_combo.currentData()
        if transparency and transparency != "disabled":
            fields["transparency"] = transparency
        refs = self._element_refs()
        if refs:
            fields["elements"] = refs
        init = self.init_slot.value()
        if init is not None:
            key = "init_generation_image_id" if init.generated else "init_image_id"
            fields[key] = init.image_id
            fields["init_strength"] = self.init_strength()
        prompts = tuple(
            image.image_id
            for image in (slot.value() for slot in self.image_prompt_slots)
            if image is not None
        )
        if prompts:
            fields["image_prompts"] = prompts
        return GenerationRequest(**fields)

    def problems(self) -> list[Problem]:
        """What stops the current settings from being generated (empty: ready)."""
        problems = rules.validate(
            self.request(),
            self._model,
            elements=self._elements,
            default_model=self.default_model(),
        )
        if self.prompt_edit.toPlainText() and not self.prompt_edit.toPlainText().strip():
            # Not the empty starting state: the box holds only spaces or blank lines.
            problems = [
                Problem("prompt", BLANK_PROMPT)
                if p.field == "prompt" and p.message == "Write a prompt"
                else p
                for p in problems
            ]
        if not self.random_seed_check.isChecked() and self._seed_value() is None:
            problems.append(Problem("seed", "Enter a seed or tick Random"))
        if self.uploading():
            problems.insert(0, Problem("image_upload", UPLOAD_PROBLEM))  # the reason shown first
        return problems

    def state(self) -> dict[str, Any]:
        """The settings as JSON-able data, for restoring the form on the next start."""
        self._remember_elements()
        return {
            "version": STATE_VERSION,
            "prompt": self.prompt_edit.toPlainText(),
            "negative_prompt": self.negative_prompt_edit.toPlainText(),
            "model": self._model.to_json() if self._model is not None else None,
            "aspect": self.aspect_combo.currentData(),
            "width": self.width_spin.value(),
            "height": self.height_spin.value(),
            "keep_ratio": self.keep_ratio_check.isChecked(),
            "num_images": self.num_images_spin.value(),
            "guidance_scale": self.guidance_spin.value(),
            "steps": self.steps_spin.value(),
            "random_seed": self.random_seed_check.isChecked(),
            "seed": self.seed_edit.text(),
            "scheduler": self.scheduler_combo.currentData() or None,
            "preset_style": self.preset_style_combo.currentData(),
            "alchemy": self.alchemy_check.isChecked(),
            "high_resolution": self.high_res_check.isChecked(),
            "photo_real": self.photo_real_check.isChecked(),
            "photo_real_version": self.photo_real_version_combo.currentData(),
            "photo_real_strength": self.photo_real_strength_combo.currentData(),
            "prompt_magic": self.prompt_magic_check.isChecked(),
            "prompt_magic_version": self.prompt_magic_version_combo.currentData(),
            "prompt_magic_strength": self.prompt_magic_strength_spin.value(),
            "raw_mode": self.raw_mode_check.isChecked(),
            "contrast": self._contrast_value(),
            "tiling": self.tiling_check.isChecked(),
            "transparency": self.transparency_combo.currentData(),
            "elements": {
                ak: weight for ak, (checked, weight) in self._element_choice.items() if checked
            },
            "init_strength": self.init_strength(),
            "images": self._images_state(),
            "sections": {
                "advanced": self.advanced_section.is_expanded(),
                "elements": self.elements_section.is_expanded(),
                "image": self.image_section.is_expanded(),
            },
        }

    def _images_state(self) -> list[dict[str, Any]]:
        """The ready image slots (uploaded ids or gallery image ids, with a small thumbnail),
        so a draft switch or a restart keeps them."""
        out: list[dict[str, Any]] = []
        for slot in self.image_slots():
            value = slot.value()
            pending = self._pending_sources.get(slot.objectName()) if slot.is_busy() else None
            if pending is not None:
                entry = _pending_entry(pending)
                if entry is not None:
                    out.append({"slot": slot.objectName(), **entry})
                continue
            if value is None:
                continue
            out.append(
                {
                    "slot": slot.objectName(),
                    "image_id": value.image_id,
                    "generated": value.generated,
                    "source": value.source,
                    "width": value.width,
                    "height": value.height,
                    "thumbnail": _png_b64(value.thumbnail),
                }
            )
        return out

    def _restore_images(self, entries: Any) -> None:
        by_slot: dict[str, Mapping[str, Any]] = {}
        if isinstance(entries, list):
            for e in entries:
                if isinstance(e, Mapping) and isinstance(e.get("slot"), str):
                    by_slot[e["slot"]] = e
        for slot in self.image_slots():
            name = slot.objectName()
            if slot.is_busy():  # its upload belonged to the form as it was: forget the answer
                self._pending_sources.pop(name, None)
                self.image_cleared.emit(name)
            e = by_slot.get(name)
            pending = None if e is None else _pending_source(e)
            if pending is not None:  # still to be uploaded when the state was taken: again
                self._start_source(slot, pending)
                continue
            image_id = None if e is None else _as_str(e.get("image_id"))
            if e is None or not image_id:
                slot.clear()
                continue
            slot.set_image(
                UploadedImage(
                    image_id,
                    _image_from_b64(e.get("thumbnail")),
                    _as_str(e.get("source")) or "Image",
                    generated=_as_bool(e.get("generated"), False),
                    width=_as_int(e.get("width")) or 0,
                    height=_as_int(e.get("height")) or 0,
                )
            )

    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Apply what :meth:`state` returned; unknown keys are ignored, missing ones kept."""
        if not isinstance(state, Mapping):
            return
        self._updating += 1
        try:
            self._restore(state)
        finally:
            self._updating -= 1
        self._on_current_element(self.elements_list.currentItem(), None)
        self._refresh()

    # ----------------------------------------------------------------------------------------
    # Restore
    # ----------------------------------------------------------------------------------------

    def _restore(self, s: Mapping[str, Any]) -> None:
        if "images" in s:
            self._restore_images(s.get("images"))
        model = s.get("model")
        if isinstance(model, Mapping) and model.get("id"):
            self._model = self._fresh(ModelInfo.from_json(model))
        elif "model" in s and model is None:
            self._model = None

        def check(box: QCheckBox, key: str) -> None:
            box.setChecked(_as_bool(s.get(key), box.isChecked()))

        check(self.alchemy_check, "alchemy")
        check(self.high_res_check, "high_resolution")
        check(self.photo_real_check, "photo_real")
        check(self.prompt_magic_check, "prompt_magic")
        check(self.raw_mode_check, "raw_mode")
        check(self.tiling_check, "tiling")
        check(self.keep_ratio_check, "keep_ratio")
        check(self.random_seed_check, "random_seed")
        for combo, key in (
            (self.photo_real_version_combo, "photo_real_version"),
            (self.photo_real_strength_combo, "photo_real_strength"),
            (self.prompt_magic_version_combo, "prompt_magic_version"),
            (self.scheduler_combo, "scheduler"),
            (self.contrast_combo, "contrast"),
            (self.transparency_combo, "transparency"),
        ):
            if key in s:
                self._set_combo_data(combo, s[key])

        width, height = _as_int(s.get("width")), _as_int(s.get("height"))
        if width is not None:
            self.width_spin.setValue(rules.snap_size(width))
        if height is not None:
            self.height_spin.setValue(rules.snap_size(height))
        self._ratio = self.width_spin.value() / self.height_spin.value()
        self._sync_aspect_combo()

        seed = _as_str(s.get("seed"))
        if seed is not None and (seed == "" or (seed.isdigit() and len(seed) <= 10)):
            self.seed_edit.setText(seed)

        style = _as_str(s.get("preset_style"))
        if style:
            alchemy = self.alchemy_check.isChecked()
            mode = (alchemy, alchemy and self.photo_real_check.isChecked())
            self._style_by_mode[mode] = style

        # Ranges and lists depend on the mode set above.
        self._apply_structure()

        spins: tuple[tuple[QSpinBox | QDoubleSpinBox, str, Any], ...] = (
            (self.num_images_spin, "num_images", _as_int),
            (self.guidance_spin, "guidance_scale", _as_float),
            (self.steps_spin, "steps", _as_int),
            (self.prompt_magic_strength_spin, "prompt_magic_strength", _as_float),
        )
        for spin, key, read in spins:
            number = read(s.get(key))
            if number is not None:
                spin.setValue(number)
        for edit, key in (
            (self.prompt_edit, "prompt"),
            (self.negative_prompt_edit, "negative_prompt"),
        ):
            text = _as_str(s.get(key))
            if text is not None:
                edit.setPlainText(text)

        picked = s.get("elements")
        if isinstance(picked, Mapping):
            self._element_choice = {
                str(ak): (True, w)
                for ak, w in ((ak, _as_float(w)) for ak, w in picked.items())
                if w is not None
            }
            for i in range(self.elements_list.count()):
                item = self.elements_list.item(i)
                ak = item.data(Qt.ItemDataRole.UserRole)
                element = self._element_by_id(ak)
                default = self._default_weight(element) if element else 1.0
                checked, weight = self._element_choice.get(ak, (False, default))
                self._element_choice[ak] = (checked, weight)
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self._label_element_item(item)

        sections = s.get("sections")
        if isinstance(sections, Mapping):
            adv = sections.get("advanced")
            if isinstance(adv, bool):
                self.advanced_section.set_expanded(adv)
            els = sections.get("elements")
            if isinstance(els, bool):
                self.elements_section.set_expanded(els)
            image = sections.get("image")
            if isinstance(image, bool):
                self.image_section.set_expanded(image)
        strength = _as_float(s.get("init_strength"))
        if strength is not None and 0.1 <= strength <= 0.9:
            self.init_strength_slider.setValue(round(strength * 100))

    # ----------------------------------------------------------------------------------------
    # Reactions
    # ----------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_generate()
                return True
            if event.matches(QKeySequence.StandardKey.Paste) and not isinstance(watched, ImageSlot):
                return self.paste_image(text_field=_takes_text(watched))
        return super().eventFilter(watched, event)

    def paste_image(self, *, text_field: bool = False) -> bool:
        """Ctrl+V on the form outside a slot: an image, image file or gallery image on the
        clipboard goes to the init slot when it is empty, else to the first empty image prompt
        slot. In a text field, text on the clipboard is pasted as text (returns False then)."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return False
        has_picture = (
            mime.hasImage()
            or mime.hasFormat(IMAGE_IDS_MIME)
            or any(u.isLocalFile() for u in (mime.urls() if mime.hasUrls() else []))
        )
        if text_field and (mime.hasText() and not has_picture):
            return False
        sources = sources_from_mime(mime) if has_picture or not text_field else []
        if not sources:
            return False
        empty = [s for s in [self.init_slot, *self.image_prompt_slots] if s.is_empty()]
        self._on_sources(empty[0] if empty else self.init_slot, sources)
        return True

    def _on_changed(self, *_: object) -> None:
        if not self._updating:
            self._refresh()

    def _on_generate(self) -> None:
        self._refresh()
        if self._problems:
            return
        self.generate_requested.emit(self.request())

    def _on_sources(self, slot: ImageSlot, sources: list[Any]) -> None:
        """A drop or paste on ``slot``: the first source goes there, the others fill the empty
        image prompt slots after it (then before it)."""
        if not sources:
            return
        targets = [slot]
        prompts = self.image_prompt_slots
        start = prompts.index(slot) + 1 if slot in prompts else 0
        for other in prompts[start:] + prompts[:start]:
            if len(targets) == len(sources):
                break
            if other is not slot and other.is_empty():
                targets.append(other)
        left = len(sources) - len(targets)
        self.image_hint.setText(
            f"{left} image{'s' if left > 1 else ''} did not fit: clear a slot and drop again"
            if left > 0
            else ""
        )
        self.image_hint.setVisible(left > 0)
        self.image_section.set_expanded(True)
        for target, source in zip(targets, sources, strict=False):
            self._start_source(target, source)
        self._refresh()

    def _start_source(self, slot: ImageSlot, source: Any) -> None:
        """Show ``slot`` busy and ask for ``source`` to be prepared (and uploaded) for it."""
        self._pending_sources[slot.objectName()] = source
        slot.set_busy(label_for(source))
        self.image_source_dropped.emit(slot.objectName(), source)

    def _on_slot_cleared(self, slot: ImageSlot) -> None:
        self._pending_sources.pop(slot.objectName(), None)
        self.image_hint.hide()
        self.image_cleared.emit(slot.objectName())
        self._refresh()

    def _on_improve(self) -> None:
        text = self.prompt_edit.toPlainText().strip()
        ok, _ = rules.can_improve_prompt(text)
        if ok and not self._busy_prompt:
            self.improve_prompt_requested.emit(text)

    def _on_aspect_chosen(self, index: int) -> None:
        name = self.aspect_combo.itemData(index)
        if name not in rules.ASPECT_PRESETS:
            return
        width, height = rules.ASPECT_PRESETS[name]
        self._updating += 1
        try:
            self.width_spin.setValue(width)
            self.height_spin.setValue(height)
            self._ratio = width / height
        finally:
            self._updating -= 1
        self._refresh()

    def _on_width_changed(self, value: int) -> None:
        if self._updating:
            return
        if self.keep_ratio_check.isChecked():
            self._updating += 1
            try:
                self.height_spin.setValue(rules.snap_size(value / self._ratio))
            finally:
                self._updating -= 1
        self._sync_aspect_combo()
        self._refresh()

    def _on_height_changed(self, value: int) -> None:
        if self._updating:
            return
        if self.keep_ratio_check.isChecked():
            self._updating += 1
            try:
                self.width_spin.setValue(rules.snap_size(value * self._ratio))
            finally:
                self._updating -= 1
        self._sync_aspect_combo()
        self._refresh()

    def _snap(self, spin: QSpinBox) -> None:
        snapped = rules.snap_size(spin.value())
        if snapped != spin.value():
            spin.setValue(snapped)

    def _on_keep_ratio(self, on: bool) -> None:
        if on:
            self._ratio = self.width_spin.value() / self.height_spin.value()
        self._on_changed()

    def _sync_aspect_combo(self) -> None:
        size = (self.width_spin.value(), self.height_spin.value())
        name = next((n for n, wh in rules.ASPECT_PRESETS.items() if wh == size), CUSTOM_ASPECT)
        self.aspect_combo.blockSignals(True)
        self.aspect_combo.setCurrentIndex(self.aspect_combo.findData(name))
        self.aspect_combo.blockSignals(False)

    def _on_random_seed(self, random_seed: bool) -> None:
        if not random_seed and not self.seed_edit.text():
            self.seed_edit.setText(str(self._roll_seed()))
        self._on_changed()

    def _on_new_seed(self) -> None:
        self._updating += 1
        try:
            self.seed_edit.setText(str(self._roll_seed()))
            self.random_seed_check.setChecked(False)
        finally:
            self._updating -= 1
        self._refresh()

    def _roll_seed(self) -> int:
        return random.randint(rules.SEED_MIN, rules.max_seed(self._real_model()))

    def _on_style_chosen(self, _index: int) -> None:
        if self._updating:
            return
        style = self.preset_style_combo.currentData()
        if style:
            self._style_by_mode[self._mode()] = style
        self._refresh()

    def _on_element_item_changed(self, item: QListWidgetItem) -> None:
        if self._updating:
            return
        ak = item.data(Qt.ItemDataRole.UserRole)
        _, weight = self._element_choice.get(ak, (False, 1.0))
        self._element_choice[ak] = (item.checkState() == Qt.CheckState.Checked, weight)
        self._refresh()

    def _on_current_element(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        element = self._element_by_id(current.data(Qt.ItemDataRole.UserRole)) if current else None
        self._updating += 1
        try:
            if element is None:
                self.element_weight_spin.setEnabled(False)
                self.element_weight_spin.setToolTip("Select an element to set its weight")
                return
            assert element.ak_uuid is not None
            lo, hi = rules.element_weight_range(element)
            self.element_weight_spin.setEnabled(True)
            self.element_weight_spin.setRange(lo, hi)
            _, weight = self._element_choice.get(
                element.ak_uuid, (False, self._default_weight(element))
            )
            self.element_weight_spin.setValue(weight)
            self.element_weight_spin.setToolTip(
                f"Weight of {element.name or element.ak_uuid}: {lo:g}–{hi:g}"
            )
        finally:
            self._updating -= 1

    def _on_element_weight(self, value: float) -> None:
        if self._updating:
            return
        item = self.elements_list.currentItem()
        if item is None:
            return
        ak = item.data(Qt.ItemDataRole.UserRole)
        checked, _ = self._element_choice.get(ak, (False, value))
        self._element_choice[ak] = (checked, round(value, 2))
        self._updating += 1
        try:
            self._label_element_item(item)
        finally:
            self._updating -= 1
        self._refresh()

    # ----------------------------------------------------------------------------------------
    # Helpers
    # ----------------------------------------------------------------------------------------

    def _mode(self) -> tuple[bool, bool]:
        alchemy = self.alchemy_check.isChecked()
        return alchemy, alchemy and self.photo_real_check.isChecked()

    def _real_model(self) -> ModelInfo | None:
        _, photo_real = self._mode()
        version = self.photo_real_version_combo.currentData() if photo_real else None
        return rules.effective_model(
            self._model,
            photo_real=photo_real,
            photo_real_version=version,
            default=self.default_model(),
        )

    def _seed_value(self) -> int | None:
        if self.random_seed_check.isChecked():
            return None
        text = self.seed_edit.text().strip()
        return int(text) if text.isdigit() else None

    def _element_by_id(self, ak: object) -> Element | None:
        return next((e for e in self._elements if e.ak_uuid == ak), None)

    @staticmethod
    def _default_weight(element: Element) -> float:
        if element.weight_default is not None:
            return float(element.weight_default)
        lo, hi = rules.element_weight_range(element)
        return min(hi, max(lo, 1.0))

    def _remember_elements(self) -> None:
        for i in range(self.elements_list.count()):
            item = self.elements_list.item(i)
            ak = item.data(Qt.ItemDataRole.UserRole)
            _, weight = self._element_choice.get(ak, (False, 1.0))
            self._element_choice[ak] = (item.checkState() == Qt.CheckState.Checked, weight)

    def _element_refs(self) -> tuple[ElementRef, ...]:
        refs = []
        for i in range(self.elements_list.count()):
            item = self.elements_list.item(i)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            ak = item.data(Qt.ItemDataRole.UserRole)
            _, weight = self._element_choice.get(ak, (True, 1.0))
            refs.append(ElementRef(ak_uuid=ak, weight=weight))
        return tuple(refs)

    def _label_element_item(self, item: QListWidgetItem) -> None:
        ak = item.data(Qt.ItemDataRole.UserRole)
        element = self._element_by_id(ak)
        if element is None:
            return
        _, weight = self._element_choice.get(ak, (False, self._default_weight(element)))
        item.setText(f"{element.name or ak}  ·  {weight:g}")
        tip = element.description or ""
        fits = rules.element_fits_model(element, self._real_model())
        if fits is False:
            tip = f"Made for {element.base_model} models; it may not suit this model. {tip}"
        item.setToolTip(tip.strip())

    def _contrast_value(self) -> float | None:
        value = self.contrast_combo.currentData()
        return float(value) if isinstance(value, int | float) else None

    @staticmethod
    def _set_combo_data(combo: QComboBox, value: object) -> None:
        if value is None:
            value = ""  # the "default" item
        index = combo.findData(value)
        if index < 0 and isinstance(value, int | float) and not isinstance(value, bool):
            index = next(
                (
                    i
                    for i in range(combo.count())
                    if isinstance(combo.itemData(i), float) and combo.itemData(i) == value
                ),
                -1,
            )
        if index >= 0:
            combo.setCurrentIndex(index)

    # ----------------------------------------------------------------------------------------
    # Refresh: everything shown that depends on the settings
    # ----------------------------------------------------------------------------------------

    def _refresh(self) -> None:
        if self._updating:
            return
        self._updating += 1
        try:
            self._apply_structure()
            self._show_labels()
            self._show_problems()
            self._update_cost()
        finally:
            self._updating -= 1
        self.state_changed.emit()

    def _apply_structure(self) -> None:
        """Ranges, lists and enabled states that follow from the mode and the model."""
        alchemy, photo_real = self._mode()
        real_model = self._real_model()
        model = self._model

        # Model button and note: what the API says of the model the request runs on.
        default = self.default_model()
        if model is None:
            self.model_button.setText("Default model (Leonardo Lightning XL)")
            self.model_button.setToolTip(
                "No model chosen: the API uses Leonardo Lightning XL\n"
                + rules.model_summary(default)
            )
        else:
            self.model_button.setText(model.name or model.id)
            self.model_button.setToolTip(f"{model.name}\n{rules.model_summary(model)}\n{model.id}")
        if photo_real and real_model is None and model is not None:
            note = f"PhotoReal v1 runs without a model: {model.name or model.id} is not sent"
        elif photo_real and real_model is None:
            note = "PhotoReal v1 runs without a model"
        elif real_model is not None and not real_model.ready:
            note = rules.model_summary(real_model)
        elif real_model is not None and not real_model.version_known:
            note = (
                f"{rules.model_summary(real_model)}: the form cannot check this model's "
                "limits, the server may adjust or refuse some settings"
            )
        else:
            note = ""
        self.model_note.setText(note)
        self.model_note.setVisible(bool(note))
        # What the API says of it, when the form knows its rules (else the note says why not).
        facts = ""
        if not note and real_model is not None:
            facts = rules.model_summary(real_model)
            if model is None:
                facts = f"API default · {facts}"
        self.model_facts.setText(facts)
        self.model_facts.setVisible(bool(facts))

        # Alchemy: the version the API picks for the model.
        if real_model is None or real_model.family in ("SD1", "SD2"):
            alchemy_tip = "Alchemy v1 (×1.5 output, ×2 with High resolution)"
        elif real_model.is_sdxl:
            alchemy_tip = "Alchemy v2 on this SDXL model (×1.75 output)"
        elif real_model.is_phoenix or real_model.is_flux:
            alchemy_tip = "Alchemy: this model's quality mode (no upscale)"
        else:
            alchemy_tip = "Alchemy: the API picks the version for this model"
        self.alchemy_check.setToolTip(f"Leonardo's quality pipeline. {alchemy_tip}. Costs more.")

        # High resolution: an Alchemy v1 setting.
        high_res_applies = rules.high_resolution_applies(real_model)
        self.high_res_check.setEnabled(alchemy and high_res_applies)
        if not alchemy:
            self.high_res_check.setToolTip("Needs Alchemy")
        elif not high_res_applies:
            self.high_res_check.setToolTip(
                "Alchemy v1 only: this model uses Alchemy v2 or its own quality mode"
            )
        else:
            self.high_res_check.setToolTip("Alchemy v1: ×2 instead of ×1.5 output")

        # PhotoReal.
        self.photo_real_check.setEnabled(alchemy)
        self.photo_real_check.setToolTip(
            "Photographic pipeline (needs Alchemy)" if alchemy else "PhotoReal needs Alchemy"
        )
        self.photo_real_version_combo.setEnabled(photo_real)
        self.photo_real_strength_combo.setEnabled(photo_real)
        v2_ok = model is not None and model.supports_photoreal_v2
        v2_index = self.photo_real_version_combo.findData("v2")
        combo_model = self.photo_real_version_combo.model()
        if isinstance(combo_model, QStandardItemModel):
            item = combo_model.item(v2_index)
            if item is not None:
                item.setEnabled(v2_ok)
        v2_tip = (
            "PhotoReal v2 uses the chosen model"
            if v2_ok
            else "PhotoReal v2 needs Leonardo Kino XL, Diffusion XL or Vision XL as the model"
        )
        self.photo_real_version_combo.setItemData(v2_index, v2_tip, Qt.ItemDataRole.ToolTipRole)
        self.photo_real_version_combo.setItemData(
            self.photo_real_version_combo.findData("v1"),
            "PhotoReal v1 runs without a model (the chosen model is not sent)",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.photo_real_version_combo.setToolTip(
            v2_tip if not v2_ok else "v2 uses the chosen model; v1 runs without one"
        )

        # Preset styles valid for the mode.
        styles = rules.preset_styles(alchemy, photo_real)
        current_items = tuple(
            self.preset_style_combo.itemData(i) for i in range(self.preset_style_combo.count())
        )
        wanted = self._style_by_mode.get((alchemy, photo_real))
        if wanted not in styles:
            wanted = rules.default_preset_style(alchemy, photo_real)
        if current_items != styles:
            self.preset_style_combo.blockSignals(True)
            self.preset_style_combo.clear()
            for style in styles:
                self.preset_style_combo.addItem(_style_label(style), style)
            self.preset_style_combo.blockSignals(False)
        if self.preset_style_combo.currentData() != wanted:
            self.preset_style_combo.blockSignals(True)
            self.preset_style_combo.setCurrentIndex(self.preset_style_combo.findData(wanted))
            self.preset_style_combo.blockSignals(False)
        mode_name = (
            "with PhotoReal" if photo_real else ("with Alchemy" if alchemy else "without Alchemy")
        )
        self.preset_style_combo.setToolTip(f"Styles available {mode_name}")

        # Number of images.
        width, height = self.width_spin.value(), self.height_spin.value()
        self.num_images_spin.setMaximum(rules.max_images(width, height))
        reason = rules.max_images_reason(width, height)
        self.num_images_reason.setText(reason)
        self.num_images_spin.setToolTip(reason or "1–8 images")

        # Guidance.
        lo, hi, why = rules.guidance_range(alchemy, real_model, self.scheduler_combo.currentData())
        self.guidance_spin.setRange(lo, hi)
        self.guidance_reason.setText(why)
        self.guidance_spin.setToolTip(f"{why}. 7 suits most prompts.")

        # Seed.
        top = rules.max_seed(real_model)
        self.seed_edit.setEnabled(not self.random_seed_check.isChecked())
        self.seed_edit.setToolTip(f"{rules.SEED_MIN}–{top}")

        # Prompt Magic.
        pm = self.prompt_magic_check.isChecked()
        self.prompt_magic_version_combo.setEnabled(pm)
        self.prompt_magic_strength_spin.setEnabled(pm)
        v3 = self.prompt_magic_version_combo.currentData() == "v3"
        self.raw_mode_check.setEnabled(pm and v3)
        self.raw_mode_check.setToolTip(
            "Less stylised, closer to the prompt (highContrast off)"
            if pm and v3
            else "RAW mode needs Prompt Magic v3"
        )

        # Contrast: Phoenix and Flux.
        applies = rules.contrast_applies(real_model)
        self.contrast_combo.setEnabled(applies)
        if not applies:
            self.contrast_combo.setToolTip("Contrast works with Phoenix and Flux models only")
        elif real_model is not None and not real_model.version_known:
            self.contrast_combo.setToolTip(
                "Contrast works with Phoenix and Flux models; this model's version is unknown"
            )
        elif real_model is not None and real_model.is_phoenix and alchemy:
            self.contrast_combo.setToolTip(
                f"Phoenix with Alchemy needs {rules.PHOENIX_ALCHEMY_MIN_CONTRAST:g} or higher"
            )
        else:
            self.contrast_combo.setToolTip("Contrast of the image")

        # Image to image: the strength only matters with an init image.
        self.init_strength_row.setVisible(self.init_slot.value() is not None)
        self.init_strength_label.setText(f"Strength {self.init_strength():.2f}")

        # Elements hint and tooltips.
        count = self.elements_list.count()
        chosen = len(self._element_refs())
        self.elements_hint.setText(
            "No elements loaded" if not count else f"{chosen} of {count} elements chosen"
        )
        for i in range(count):
            self._label_element_item(self.elements_list.item(i))

    def _show_labels(self) -> None:
        text = self.prompt_edit.toPlainText()
        n = len(text.strip())
        over = n > rules.PROMPT_MAX
        self.prompt_counter.setText(f"{n} / {rules.PROMPT_MAX}")
        self.prompt_counter.setToolTip(
            f"{n - rules.PROMPT_MAX} characters over the limit: shorten the prompt"
            if over
            else "Prompt length"
        )
        if self._over_limit != over:
            self._over_limit = over
            self.prompt_counter.setProperty("overLimit", over)
            _restyle(self.prompt_counter)

        ok, why = rules.can_improve_prompt(text)
        self.random_prompt_button.setEnabled(not self._busy_prompt)
        self.improve_prompt_button.setEnabled(ok and not self._busy_prompt)
        if self._busy_prompt:
            self.improve_prompt_button.setToolTip("Waiting for the prompt service…")
            self.random_prompt_button.setToolTip("Waiting for the prompt service…")
        else:
            self.improve_prompt_button.setToolTip(why or "Let Leonardo expand the prompt")
            self.random_prompt_button.setToolTip("Ask Leonardo for a random prompt")

        alchemy, _ = self._mode()
        width, height = self.width_spin.value(), self.height_spin.value()
        real_model = self._real_model()
        high_res = (
            alchemy
            and self.high_res_check.isChecked()
            and rules.high_resolution_applies(real_model)
        )
        out_w, out_h = rules.output_size(
            width, height, alchemy=alchemy, high_resolution=high_res, model=real_model
        )
        _, why_scale = rules.output_scale(
            alchemy=alchemy, high_resolution=high_res, model=real_model
        )
        self.output_size_label.setText(f"Output ≈ {out_w} × {out_h} px ({why_scale})")

    def _problem_widgets(self) -> dict[str, QWidget]:
        return {
            "prompt": self.prompt_edit,
            "negative_prompt": self.negative_prompt_edit,
            "model_id": self.model_button,
            "sd_version": self.model_button,
            "width": self.width_spin,
            "height": self.height_spin,
            "num_images": self.num_images_spin,
            "guidance_scale": self.guidance_spin,
            "num_inference_steps": self.steps_spin,
            "seed": self.seed_edit,
            "scheduler": self.scheduler_combo,
            "preset_style": self.preset_style_combo,
            "alchemy": self.alchemy_check,
            "ultra": self.alchemy_check,
            "high_resolution": self.high_res_check,
            "photo_real": self.photo_real_check,
            "photo_real_version": self.photo_real_version_combo,
            "photo_real_strength": self.photo_real_strength_combo,
            "prompt_magic_version": self.prompt_magic_version_combo,
            "prompt_magic_strength": self.prompt_magic_strength_spin,
            "high_contrast": self.raw_mode_check,
            "contrast": self.contrast_combo,
            "transparency": self.transparency_combo,
            "elements": self.elements_list,
            "image_upload": self.init_slot,
            "init_image_id": self.init_slot,
            "init_generation_image_id": self.init_slot,
            "init_strength": self.init_strength_slider,
            "image_prompts": self.image_prompt_slots[0],
        }

    def _show_problems(self) -> None:
        self._problems = self.problems()
        by_widget: dict[QWidget, list[str]] = {}
        widgets = self._problem_widgets()
        for problem in self._problems:
            if problem.field == "prompt" and problem.message == "Write a prompt":
                continue  # an empty prompt is the normal starting state, not an error
            widget = widgets.get(problem.field)
            if widget is not None:
                by_widget.setdefault(widget, []).append(problem.message)
        for widget in set(widgets.values()):
            messages = by_widget.get(widget, [])
            flagged = bool(messages)
            widget.setAccessibleDescription("; ".join(messages))
            if (widget in self._flagged) != flagged:
                if flagged:
                    self._flagged.add(widget)
                else:
                    self._flagged.discard(widget)
                widget.setProperty("problem", flagged)
                _restyle(widget)
        # An empty prompt is the normal starting state: say it on the button, not in red.
        shown = [
            p for p in self._problems if not (p.field == "prompt" and p.message == "Write a prompt")
        ]
        self.problems_label.setText("<br>".join(f"• {html.escape(p.message)}" for p in shown))
        self.problems_label.setVisible(bool(shown))

    def _update_cost(self) -> None:
        pricing = rules.pricing_params(
            self.request(), self._model, default_model=self.default_model()
        )
        key = rules.pricing_key(pricing)
        self._current_pricing = pricing
        if key != self._current_key:
            self._current_key = key
            if key in self._cost_cache or key == self._last_query_key:
                self._cost_timer.stop()
            else:
                self._cost_timer.start()
        self._show_cost()

    def _send_cost_query(self) -> None:
        key, pricing = self._current_key, self._current_pricing
        if pricing is None or key == self._last_query_key or key in self._cost_cache:
            return
        self._last_query_key = key
        self.cost_query.emit(pricing)

    def _show_cost(self) -> None:
        key = self._current_key
        cost = self._cost_cache.get(key) if key is not None else None
        verb = "Generate from image" if self.init_slot.value() is not None else "Generate"
        times = self.repeat_count()
        if times > 1:
            verb += f" ×{times}"
        if cost is not None and times > 1:
            total = cost * times
            self.generate_button.setText(f"{verb} · {total:,} credits")
            self.cost_label.setText(f"Cost: {times} × {cost:,} = {total:,} credits")
            cost_tip = f"{times} generations of {cost:,} API credits each"
        elif cost is not None:
            self.generate_button.setText(f"{verb} · {cost:,} credits")
            self.cost_label.setText(f"Cost: {cost:,} credits")
            cost_tip = f"This generation costs {cost:,} API credits"
        else:
            self.generate_button.setText(verb)
            failed = key in self._cost_failed
            self.cost_label.setText("Cost unknown" if failed else "Checking cost…")
            cost_tip = "Cost unknown"
        self.cost_label.setToolTip(cost_tip)
        if self._problems:
            self.generate_button.setEnabled(False)
            self.generate_button.setToolTip(self._problems[0].message)
        else:
            self.generate_button.setEnabled(True)
            self.generate_button.setToolTip(f"{cost_tip} (Ctrl+Enter)")


def _takes_text(widget: QObject) -> bool:
    """A widget where Ctrl+V pastes text (the prompt, a spin box, a line edit)."""
    return isinstance(widget, QPlainTextEdit | QLineEdit | QAbstractSpinBox)


def _png_b64(image: QImage) -> str | None:
    """A (small) picture as base64 PNG text, for JSON state."""
    if image.isNull():
        return None
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _image_from_b64(text: Any) -> QImage:
    image = QImage()
    if isinstance(text, str) and text:
        try:
            image.loadFromData(base64.b64decode(text, validate=True), "PNG")
        except ValueError:
            return QImage()
    return image


_PENDING_IMAGE_LIMIT = 8 * 1024 * 1024  # a pasted picture kept in a draft's state (base64)


def _pending_entry(source: Any) -> dict[str, Any] | None:
    """A slot's source still being prepared, as JSON (a path, a link, a gallery image, or a
    pasted picture as PNG); None for what cannot be kept."""
    if isinstance(source, Path):
        return {"pending_path": str(source)}
    if isinstance(source, str):
        return {"pending_url": source}
    if isinstance(source, GalleryImage):
        return {"pending_gallery": source.image_id}
    if isinstance(source, QImage):
        data = _png_b64(source)
        if data is not None and len(data) <= _PENDING_IMAGE_LIMIT:
            return {"pending_png": data}
    if isinstance(source, bytes | bytearray) and len(source) * 4 // 3 <= _PENDING_IMAGE_LIMIT:
        return {"pending_bytes": base64.b64encode(bytes(source)).decode("ascii")}
    return None


def _pending_source(entry: Mapping[str, Any]) -> Any:
    """The inverse of :func:`_pending_entry` (None when ``entry`` holds no pending source)."""
    path, url = _as_str(entry.get("pending_path")), _as_str(entry.get("pending_url"))
    gallery = _as_str(entry.get("pending_gallery"))
    if path:
        return Path(path)
    if url:
        return url
    if gallery:
        return GalleryImage(gallery)
    png = _image_from_b64(entry.get("pending_png"))
    if not png.isNull():
        return png
    raw = _as_str(entry.get("pending_bytes"))
    if raw:
        try:
            return base64.b64decode(raw, validate=True)
        except ValueError:
            return None
    return None
