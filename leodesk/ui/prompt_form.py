"""PromptForm: every createGeneration option an artist uses, checked live against the API's rules.

Widgets only. The form never talks to the network: it emits ``generate_requested`` (a frozen
:class:`GenerationRequest`), ``cost_query`` (a :class:`PricingRequest`, debounced) and the prompt
helper requests, and it has slots for their answers (``set_cost``, ``set_prompt_text``...).

The settings are a :class:`~leodesk.core.form.FormState` read through the binding table of
:mod:`leodesk.ui.form_bindings`; the request, the problems and what each control allows come
from :mod:`leodesk.core.form` (over the rules of :mod:`leodesk.core.rules`). The form is made of
its sections (``form_prompt``, ``form_model``, ``form_quality``, ``form_images``,
``form_elements``, ``form_footer``); their widgets are also reachable as the form's attributes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from leodesk.core import form as core_form
from leodesk.core import rules
from leodesk.core.api.models import Element, GenerationRequest, PricingRequest
from leodesk.core.catalog import ModelInfo
from leodesk.core.elements import ElementChoice
from leodesk.core.form import FieldRule, FormRules, FormState
from leodesk.core.rules import Problem
from leodesk.qt.models.gallery_model import IMAGE_IDS_MIME
from leodesk.ui.form_bindings import BINDINGS, BY_FIELD, Kind, Restore, read, set_combo_data, write
from leodesk.ui.form_elements import ElementsSection
from leodesk.ui.form_footer import FormFooter
from leodesk.ui.form_images import ImagesSection
from leodesk.ui.form_model import ModelSection, SizeSection
from leodesk.ui.form_prompt import PromptSection
from leodesk.ui.form_quality import AdvancedSection, ModesSection
from leodesk.ui.form_section import UpdateGuard, form_column, restyle
from leodesk.ui.image_slot import ImageSlot, sources_from_mime

__all__ = ["PromptForm"]

_ERROR_COLOR = "#c62828"
_STYLE = f"""
*[problem="true"] {{ border: 1px solid {_ERROR_COLOR}; }}
QLabel#promptCounterLabel[overLimit="true"] {{ color: {_ERROR_COLOR}; font-weight: bold; }}
QLabel#problemsLabel {{ color: {_ERROR_COLOR}; }}
QLabel[hint="true"] {{ color: palette(placeholder-text); }}
"""

#: The control that shows a problem with a request field.
_PROBLEM_WIDGETS: Mapping[str, str] = {
    "prompt": "prompt_edit",
    "negative_prompt": "negative_prompt_edit",
    "model_id": "model_button",
    "sd_version": "model_button",
    "width": "width_spin",
    "height": "height_spin",
    "num_images": "num_images_spin",
    "guidance_scale": "guidance_spin",
    "num_inference_steps": "steps_spin",
    "seed": "seed_edit",
    "scheduler": "scheduler_combo",
    "preset_style": "preset_style_combo",
    "alchemy": "alchemy_check",
    "ultra": "alchemy_check",
    "high_resolution": "high_res_check",
    "photo_real": "photo_real_check",
    "photo_real_version": "photo_real_version_combo",
    "photo_real_strength": "photo_real_strength_combo",
    "prompt_magic_version": "prompt_magic_version_combo",
    "prompt_magic_strength": "prompt_magic_strength_spin",
    "high_contrast": "raw_mode_check",
    "contrast": "contrast_combo",
    "transparency": "transparency_combo",
    "elements": "elements_list",
    "image_upload": "init_slot",
    "init_image_id": "init_slot",
    "init_generation_image_id": "init_slot",
    "init_strength": "init_strength_slider",
}


def _takes_text(widget: QObject) -> bool:
    """A widget where Ctrl+V pastes text (the prompt, a spin box, a line edit)."""
    return isinstance(widget, QPlainTextEdit | QLineEdit | QAbstractSpinBox)


class PromptForm(QWidget):
    """The generation form. See the module docstring for what it emits and takes."""

    generate_requested = Signal(object)  # GenerationRequest
    cost_query = Signal(object)  # PricingRequest
    random_prompt_requested = Signal()
    improve_prompt_requested = Signal(str, str)  # prompt, instruction ('' for none)
    model_requested = Signal()  # the model button was clicked: open the model browser
    state_changed = Signal()
    # Image to image: (slot objectName, source) to prepare/upload; a slot was cleared.
    image_source_dropped = Signal(str, object)
    image_cleared = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, prompt_section: PromptSection | None = None
    ) -> None:
        """``prompt_section``: one already shown (the window's start-up stand-in, see
        :class:`leodesk.ui.drafts.FormShell`), taken over with what was typed in it."""
        super().__init__(parent)
        self.setObjectName("promptForm")
        self.setAccessibleName(self.tr("Generation settings"))
        self.setStyleSheet(_STYLE)

        self._model: ModelInfo | None = None
        # Every listed model by id, with the facts the API gave (version, size, status): the
        # chosen model is always shown with its latest facts.
        self._catalog: dict[str, ModelInfo] = {}
        self._guard = UpdateGuard()  # true while the form itself changes widgets
        self._busy_prompt = False
        self._problems: list[Problem] = []
        # Which widgets carry the "problem" mark (not read back from the Qt property, which
        # would come back as None when unset).
        self._flagged: set[QWidget] = set()

        self._build(prompt_section)
        self._take_widgets()
        for widget in self._problem_widgets().values():
            widget.setProperty("problem", False)
        self._connect()
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)
        self._refresh()

    # ----------------------------------------------------------------------------------------
    # Construction
    # ----------------------------------------------------------------------------------------

    def _build(self, prompt_section: PromptSection | None) -> None:
        outer, self.scroll_area, col = form_column(self)
        self.scroll_area.setObjectName("promptFormScroll")
        content = self.scroll_area.widget()
        assert content is not None
        content.setObjectName("promptFormContent")

        self.prompt_section = prompt_section if prompt_section is not None else PromptSection()
        self.model_section = ModelSection()
        self.size_section = SizeSection(self._guard)
        self.modes_section = ModesSection()
        self.advanced_section = AdvancedSection(
            self._guard, lambda: rules.max_seed(self._real_model())
        )
        self.image_section = ImagesSection()
        self.elements_section = ElementsSection(self._guard, self._real_model)
        for section in (
            self.prompt_section,
            self.model_section,
            self.size_section,
            self.modes_section,
            self.advanced_section,
            self.image_section,
            self.elements_section,
        ):
            col.addWidget(section)
        col.addStretch(1)

        self.footer = FormFooter()
        outer.addWidget(self.footer)

    def _take_widgets(self) -> None:
        """The sections' widgets as the form's own attributes (the binding table, the tests and
        the main window name them so)."""
        prompt = self.prompt_section
        self.prompt_edit = prompt.prompt_edit
        self.prompt_counter = prompt.prompt_counter
        self.random_prompt_button = prompt.random_prompt_button
        self.improve_prompt_button = prompt.improve_prompt_button
        self.negative_prompt_edit = prompt.negative_prompt_edit
        model = self.model_section
        self.model_button = model.model_button
        self.model_facts = model.model_facts
        self.model_note = model.model_note
        size = self.size_section
        self.aspect_combo = size.aspect_combo
        self.width_spin = size.width_spin
        self.height_spin = size.height_spin
        self.keep_ratio_check = size.keep_ratio_check
        self.output_size_label = size.output_size_label
        self.num_images_spin = size.num_images_spin
        self.num_images_reason = size.num_images_reason
        modes = self.modes_section
        self.alchemy_check = modes.alchemy_check
        self.high_res_check = modes.high_res_check
        self.preset_style_combo = modes.preset_style_combo
        self.photo_real_check = modes.photo_real_check
        self.photo_real_version_combo = modes.photo_real_version_combo
        self.photo_real_strength_combo = modes.photo_real_strength_combo
        advanced = self.advanced_section
        self.guidance_spin = advanced.guidance_spin
        self.guidance_reason = advanced.guidance_reason
        self.steps_spin = advanced.steps_spin
        self.random_seed_check = advanced.random_seed_check
        self.seed_edit = advanced.seed_edit
        self.new_seed_button = advanced.new_seed_button
        self.scheduler_combo = advanced.scheduler_combo
        self.prompt_magic_check = advanced.prompt_magic_check
        self.prompt_magic_version_combo = advanced.prompt_magic_version_combo
        self.prompt_magic_strength_spin = advanced.prompt_magic_strength_spin
        self.raw_mode_check = advanced.raw_mode_check
        self.contrast_combo = advanced.contrast_combo
        self.tiling_check = advanced.tiling_check
        self.transparency_combo = advanced.transparency_combo
        images = self.image_section
        self.init_slot = images.init_slot
        self.init_strength_label = images.init_strength_label
        self.init_strength_slider = images.init_strength_slider
        self.init_strength_row = images.init_strength_row
        self.image_prompt_slots = images.image_prompt_slots
        self.image_hint = images.image_hint
        elements = self.elements_section
        self.elements_list = elements.elements_list
        self.element_weight_spin = elements.element_weight_spin
        self.elements_hint = elements.elements_hint
        footer = self.footer
        self.problems_label = footer.problems_label
        self.cost_label = footer.cost_label
        self.repeat_spin = footer.repeat_spin
        self.generate_button = footer.generate_button

    def _connect(self) -> None:
        changed = self._on_changed
        # Each bound widget's change refreshes the form; the size, keep ratio and the seed
        # go through their section first (ratio, snapping, a new seed).
        for binding in BINDINGS:
            widget = getattr(self, binding.widget)
            if binding.kind is Kind.CHECK and binding.field not in ("keep_ratio", "random_seed"):
                widget.toggled.connect(changed)
            elif binding.kind is Kind.CHOICE and binding.restore is not Restore.NEVER:
                widget.currentIndexChanged.connect(changed)
            elif binding.kind is Kind.NUMBER and binding.field not in ("width", "height"):
                widget.valueChanged.connect(changed)
            elif binding.kind in (Kind.TEXT, Kind.LINE):
                widget.textChanged.connect(changed)
            elif binding.kind is Kind.SECTION:
                widget.expanded_changed.connect(changed)
        for section in (
            self.size_section,
            self.advanced_section,
            self.image_section,
            self.elements_section,
        ):
            section.changed.connect(changed)
        self.preset_style_combo.currentIndexChanged.connect(self._on_style_chosen)
        self.random_prompt_button.clicked.connect(self.random_prompt_requested)
        self.improve_prompt_button.clicked.connect(self._on_improve)
        self.model_button.clicked.connect(self.model_requested)
        self.generate_button.clicked.connect(self._on_generate)
        self.footer.cost_query.connect(self.cost_query)
        self.image_section.source_dropped.connect(self.image_source_dropped)
        self.image_section.cleared.connect(self.image_cleared)

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
            with self._guard:
                set_combo_data(self.photo_real_version_combo, "v2" if v2 else "v1")
        self._refresh()

    def set_elements(self, elements: Iterable[Element]) -> None:
        """The elements (LoRAs) the user can pick from; earlier picks are kept by ``akUUID``."""
        self.elements_section.set_elements(elements)
        self._refresh()

    def set_element_choices(
        self, platform: Iterable[ElementChoice], own: Iterable[ElementChoice]
    ) -> None:
        """The platform's and the user's own elements; earlier picks are kept by key."""
        self.elements_section.set_choices(platform, own)
        self._refresh()

    def set_prompt_text(self, text: str) -> None:
        """Replace the prompt (a random or improved one) as one undoable edit."""
        self.prompt_section.set_prompt_text(text)

    def set_busy_prompt(self, busy: bool) -> None:
        """Disable the prompt helper buttons while a random/improve request runs."""
        self._busy_prompt = busy
        self._refresh()

    def set_cost(self, key: Hashable, cost: int | None) -> None:
        """The pricing calculator's answer for ``key`` (``rules.pricing_key`` of a query).

        ``None`` means the cost could not be found out; it is not cached.
        """
        self.footer.set_cost(key, cost)

    def known_cost(self) -> int | None:
        """The pricing calculator's answer for the current settings, if it came in."""
        return self.footer.known_cost()

    def repeat_count(self) -> int:
        """How many times one click queues the job (a batch)."""
        return self.footer.repeat_count()

    def image_slots(self) -> list[ImageSlot]:
        """The init image slot, then the image prompt slots."""
        return self.image_section.slots()

    def set_image_busy(self, key: str) -> None:
        """The upload service started on slot ``key``."""
        self.image_section.set_busy(key)

    def set_image_ready(self, key: str, image: Any) -> None:
        """Slot ``key`` holds ``image`` (an ``UploadedImage``)."""
        self.image_section.set_ready(key, image)

    def set_image_failed(self, key: str, message: str) -> None:
        """Slot ``key`` could not be filled: say why on the slot."""
        self.image_section.set_failed(key, message)

    def uploading(self) -> bool:
        """True while any image slot waits for its upload."""
        return self.image_section.uploading()

    def init_strength(self) -> float:
        return self.image_section.init_strength()

    def pricing_request(self) -> PricingRequest:
        """The pricing request matching the current settings."""
        return rules.pricing_params(self.request(), self._model, default_model=self.default_model())

    def pricing_key(self) -> Hashable:
        """The cost cache key of the current settings."""
        return rules.pricing_key(self.pricing_request())

    def form_state(self) -> FormState:
        """The settings as the widgets show them."""
        values = {b.field: read(getattr(self, b.widget), b.kind) for b in BINDINGS}
        return FormState(
            model=self._model,
            elements=self.elements_section.picks(),
            user_elements=self.elements_section.own_picks(),
            init_image=self.image_section.init_image(),
            image_prompts=self.image_section.image_prompts(),
            **values,
        )

    def request(self) -> GenerationRequest:
        """The immutable request the current settings make: only set fields, no nulls."""
        return core_form.build_request(
            self.form_state(),
            self.default_model(),
            elements=self.elements_section.elements,
            own_elements=self.elements_section.own_ids(),
        )

    def problems(self) -> list[Problem]:
        """What stops the current settings from being generated (empty: ready)."""
        return core_form.check(
            self.form_state(),
            self.default_model(),
            elements=self.elements_section.elements,
            own_elements=self.elements_section.own_ids(),
            uploading=self.uploading(),
        )

    def state(self) -> dict[str, Any]:
        """The settings as JSON-able data, for restoring the form on the next start."""
        return {**self.form_state().to_json(), "images": self.image_section.state()}

    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Apply what :meth:`state` returned; unknown keys are ignored, missing ones kept."""
        if not isinstance(state, Mapping):
            return
        with self._guard:
            self._restore(state)
        self.elements_section.show_current(self.elements_list.currentItem())
        self._refresh()

    def _restore(self, saved: Mapping[str, Any]) -> None:
        if "images" in saved:
            self.image_section.restore(saved.get("images"))
        values = core_form.parse_state(saved)
        if "model" in values:
            self._model = self._fresh(values["model"])
        self._write(values, Restore.FIRST)
        self.size_section.size_restored()
        # Ranges and lists depend on the mode set above.
        self._apply_structure(core_form.field_rules(self.form_state(), self.default_model()))
        self._write(values, Restore.AFTER_RANGES)
        if "elements" in values or "user_elements" in values:
            section = self.elements_section
            section.restore_picks(
                values.get("elements", section.picks()), values.get("user_elements")
            )

    def _write(self, values: Mapping[str, Any], when: Restore) -> None:
        for binding in BINDINGS:
            if binding.restore is not when or binding.field not in values:
                continue
            value = values[binding.field]
            if binding.kind is Kind.STYLE:
                self.modes_section.remember_style(value)
            else:
                write(getattr(self, binding.widget), binding.kind, value)

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
        self.image_section.paste(sources)
        return True

    def _on_changed(self, *_: object) -> None:
        if not self._guard:
            self._refresh()

    def _on_generate(self) -> None:
        self._refresh()
        if self._problems:
            return
        self.generate_requested.emit(self.request())

    def _on_improve(self) -> None:
        text = self.prompt_edit.toPlainText().strip()
        ok, _ = rules.can_improve_prompt(text)
        if ok and not self._busy_prompt:
            instruction = self.prompt_section.improve_instruction_edit.text().strip()
            self.improve_prompt_requested.emit(text, instruction)

    def _on_style_chosen(self, _index: int) -> None:
        if self._guard:
            return
        self.modes_section.remember_style(self.preset_style_combo.currentData())
        self._refresh()

    def _real_model(self) -> ModelInfo | None:
        """The model the settings run on (read from the mode alone: it is asked for often)."""
        _, photo_real = self.modes_section.mode()
        version = self.photo_real_version_combo.currentData() if photo_real else None
        return rules.effective_model(
            self._model,
            photo_real=photo_real,
            photo_real_version=version,
            default=self.default_model(),
        )

    # ----------------------------------------------------------------------------------------
    # Refresh: everything shown that depends on the settings
    # ----------------------------------------------------------------------------------------

    def _refresh(self) -> None:
        if self._guard:
            return
        with self._guard:
            shown = core_form.field_rules(self.form_state(), self.default_model())
            self._apply_structure(shown)
            self.prompt_section.show_rules(shown, busy=self._busy_prompt)
            self.size_section.show_rules(shown)
            self._show_problems()
            self.footer.update_cost(self.pricing_request())
        self.state_changed.emit()

    def _apply_structure(self, shown: FormRules) -> None:
        """Ranges, lists and enabled states that follow from the mode and the model."""
        self.model_section.show_rules(shown)
        self.modes_section.show_rules(shown)
        for field, rule in shown.fields.items():
            binding = BY_FIELD[field]
            _apply_rule(getattr(self, binding.widget), rule)
            if binding.note is not None and rule.note is not None:
                getattr(self, binding.note).setText(rule.note)
        self.image_section.show_rules()
        self.elements_section.show_rules()

    def _problem_widgets(self) -> dict[str, QWidget]:
        widgets: dict[str, QWidget] = {
            field: getattr(self, name) for field, name in _PROBLEM_WIDGETS.items()
        }
        widgets["image_prompts"] = self.image_prompt_slots[0]
        return widgets

    def _show_problems(self) -> None:
        self._problems = self.problems()
        by_widget: dict[QWidget, list[str]] = {}
        widgets = self._problem_widgets()
        shown = core_form.shown_problems(self._problems)
        for problem in shown:
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
                restyle(widget)
        self.footer.show_problems(
            self._problems, shown, from_image=self.init_slot.value() is not None
        )


def _apply_rule(widget: QWidget, rule: FieldRule) -> None:
    if rule.enabled is not None:
        widget.setEnabled(rule.enabled)
    if rule.tip is not None:
        widget.setToolTip(rule.tip)
    lo, hi = rule.minimum, rule.maximum
    if isinstance(widget, QDoubleSpinBox) and lo is not None and hi is not None:
        widget.setRange(lo, hi)
    elif isinstance(widget, QSpinBox) and hi is not None:
        widget.setMaximum(int(hi))
