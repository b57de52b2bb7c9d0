"""PromptForm, driven as an artist would: typing, clicking, keyboard shortcuts."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from leodesk.core import rules
from leodesk.core.api.models import Element, ElementRef, GenerationRequest
from leodesk.core.api.serialize import generation_body
from leodesk.core.catalog import KINO_XL, ModelInfo
from leodesk.ui.prompt_form import PromptForm

KINO = ModelInfo(id=KINO_XL, name="Leonardo Kino XL", sd_version="SDXL_1_0")
SD15 = ModelInfo(id="sd15-model", name="DreamShaper v7", sd_version="v1_5")
PHOENIX = ModelInfo(
    id="6b645e3a-d64f-4341-a6d8-7a3690fbf042", name="Leonardo Phoenix", sd_version="PHOENIX"
)
LIGHTNING = ModelInfo(
    id=rules.DEFAULT_MODEL_ID,
    name="Leonardo Lightning XL",
    sd_version="SDXL_LIGHTNING",
    facts_known=True,
)

ELEMENTS = [
    Element(
        ak_uuid="el-crystal",
        name="Crystal",
        base_model="SDXL_1_0",
        weight_default=1,
        weight_min=-1,
        weight_max=2,
    ),
    Element(ak_uuid="el-ink", name="Ink wash", base_model="SDXL_1_0", weight_default=0.5),
]


@pytest.fixture
def form(qtbot: QtBot) -> PromptForm:
    widget = PromptForm()
    widget.set_catalog([LIGHTNING])  # the API's default model, with the facts the API gives
    widget.cost_queries = []  # every cost_query, recorded from the start
    widget.cost_query.connect(widget.cost_queries.append)
    qtbot.addWidget(widget)
    widget.resize(560, 1000)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# --------------------------------------------------------------------------------------------
# User helpers
# --------------------------------------------------------------------------------------------


def child(form: PromptForm, cls: type, name: str):
    widget = form.findChild(cls, name)
    assert widget is not None, name
    return widget


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    """Click a button where a user would: on a check box's box, else in the middle."""
    assert button.isVisible() and button.isEnabled(), button.objectName()
    if isinstance(button, QCheckBox):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def expand_advanced(qtbot: QtBot, form: PromptForm) -> None:
    toggle = child(form, QAbstractButton, "advancedSectionToggle")
    if not toggle.isChecked():
        click(qtbot, toggle)
    assert child(form, QAbstractSpinBox, "guidanceSpin").isVisible()


def expand_elements(qtbot: QtBot, form: PromptForm) -> None:
    toggle = child(form, QAbstractButton, "elementsSectionToggle")
    if not toggle.isChecked():
        click(qtbot, toggle)


def type_into_spin(qtbot: QtBot, spin: QAbstractSpinBox, text: str) -> None:
    """Replace a spin box's text the way a user does: select all, type, press Return."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def choose(combo: QComboBox, data: object) -> bool:
    """Pick an item with the keyboard (arrow keys skip disabled items). False if unreachable."""
    target = combo.findData(data)
    assert target >= 0, data
    for _ in range(combo.count() + 1):
        if combo.currentIndex() == target:
            return True
        before = combo.currentIndex()
        key = Qt.Key.Key_Down if before < target else Qt.Key.Key_Up
        QTest.keyClick(combo, key)
        if combo.currentIndex() == before:
            return False
    return combo.currentIndex() == target


def combo_items(combo: QComboBox) -> list[object]:
    return [combo.itemData(i) for i in range(combo.count())]


def ctrl_enter(widget: QWidget, key: Qt.Key = Qt.Key.Key_Return) -> None:
    QTest.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


# --------------------------------------------------------------------------------------------
# Generate
# --------------------------------------------------------------------------------------------


def test_type_prompt_and_ctrl_enter_emits_one_request(qtbot: QtBot, form: PromptForm) -> None:
    form.set_model(KINO)
    emitted: list[GenerationRequest] = []
    form.generate_requested.connect(emitted.append)
    qtbot.keyClicks(form.prompt_edit, "a red fox in fresh snow")
    with qtbot.waitSignal(form.generate_requested, timeout=1000) as blocker:
        ctrl_enter(form.prompt_edit)
    assert len(emitted) == 1
    req = blocker.args[0]
    assert isinstance(req, GenerationRequest)
    assert req == GenerationRequest(
        prompt="a red fox in fresh snow",
        model_id=KINO.id,
        width=1024,
        height=768,
        num_images=4,
        guidance_scale=7.0,
        num_inference_steps=15,
        preset_style="DYNAMIC",
        alchemy=True,
    )
    # No newline was typed, and the request is frozen.
    assert form.prompt_edit.toPlainText() == "a red fox in fresh snow"
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.prompt = "changed"  # type: ignore[misc]
    # Nothing unset is sent.
    body = generation_body(req)
    assert None not in body.values()
    assert "seed" not in body and "negative_prompt" not in body


def test_ctrl_enter_from_other_controls_and_the_button(qtbot: QtBot, form: PromptForm) -> None:
    qtbot.keyClicks(form.prompt_edit, "castle")
    emitted: list[GenerationRequest] = []
    form.generate_requested.connect(emitted.append)
    ctrl_enter(form.num_images_spin, Qt.Key.Key_Enter)
    ctrl_enter(form.negative_prompt_edit)
    click(qtbot, form.generate_button)
    assert [r.prompt for r in emitted] == ["castle"] * 3
    assert form.negative_prompt_edit.toPlainText() == ""


def test_empty_prompt_disables_generate(qtbot: QtBot, form: PromptForm) -> None:
    button = form.generate_button
    assert not button.isEnabled()
    assert button.toolTip() == "Write a prompt"
    with qtbot.assertNotEmitted(form.generate_requested):
        ctrl_enter(form.prompt_edit)
    assert form.problems_label.isHidden()  # the empty starting state is not an error
    qtbot.keyClicks(form.prompt_edit, "   ")
    assert not button.isEnabled()
    # spaces only: the reason is said, on the button and under the form
    assert "only spaces" in button.toolTip()
    assert not form.problems_label.isHidden() and "only spaces" in form.problems_label.text()
    qtbot.keyClicks(form.prompt_edit, "x")
    assert button.isEnabled()
    QTest.keyClick(form.prompt_edit, Qt.Key.Key_Backspace)
    assert not button.isEnabled()


def test_negative_prompt_is_sent_when_written(qtbot: QtBot, form: PromptForm) -> None:
    qtbot.keyClicks(form.prompt_edit, "portrait")
    qtbot.keyClicks(form.negative_prompt_edit, "blurry, text")
    assert form.request().negative_prompt == "blurry, text"


def test_counter_turns_red_over_1500(qtbot: QtBot, form: PromptForm) -> None:
    counter = child(form, QWidget, "promptCounterLabel")
    form.set_prompt_text("x" * 1500)
    assert counter.text() == "1500 / 1500"
    assert not counter.property("overLimit")
    assert form.generate_button.isEnabled()
    qtbot.keyClicks(form.prompt_edit, "y")
    assert counter.text() == "1501 / 1500"
    assert counter.property("overLimit") is True
    assert "1 characters over" in counter.toolTip()
    assert not form.generate_button.isEnabled()
    assert "too long" in form.generate_button.toolTip()
    problems = child(form, QWidget, "problemsLabel")
    assert problems.isVisible() and "too long" in problems.text()
    assert form.prompt_edit.property("problem") is True
    QTest.keyClick(form.prompt_edit, Qt.Key.Key_Backspace)
    assert counter.text() == "1500 / 1500"
    assert not counter.property("overLimit")
    assert form.generate_button.isEnabled()


# --------------------------------------------------------------------------------------------
# Size, count, output
# --------------------------------------------------------------------------------------------


def test_width_over_768_limits_images_to_4(qtbot: QtBot, form: PromptForm) -> None:
    reason = child(form, QWidget, "numImagesReasonLabel")
    type_into_spin(qtbot, form.width_spin, "768")
    type_into_spin(qtbot, form.height_spin, "768")
    assert form.num_images_spin.maximum() == 8
    assert reason.text() == ""
    type_into_spin(qtbot, form.num_images_spin, "8")
    assert form.num_images_spin.value() == 8
    type_into_spin(qtbot, form.width_spin, "1024")
    assert form.width_spin.value() == 1024
    assert form.num_images_spin.maximum() == 4
    assert form.num_images_spin.value() == 4
    assert reason.isVisible()
    assert reason.text() == "At most 4 images when a side is over 768 px"
    assert form.num_images_spin.toolTip() == reason.text()


def test_aspect_preset_sets_the_size_and_custom_follows_edits(
    qtbot: QtBot, form: PromptForm
) -> None:
    aspect = child(form, QComboBox, "aspectCombo")
    assert aspect.currentData() == "4:3"
    assert choose(aspect, "16:9")
    assert (form.width_spin.value(), form.height_spin.value()) == (1280, 720)
    type_into_spin(qtbot, form.height_spin, "640")
    assert aspect.currentData() == "Custom"
    type_into_spin(qtbot, form.height_spin, "720")
    assert aspect.currentData() == "16:9"


def test_sizes_snap_to_multiples_of_8_and_keep_ratio(qtbot: QtBot, form: PromptForm) -> None:
    assert form.width_spin.singleStep() == 8
    assert (form.width_spin.minimum(), form.width_spin.maximum()) == (32, 1536)
    type_into_spin(qtbot, form.width_spin, "1001")
    assert form.width_spin.value() == 1000
    click(qtbot, child(form, QAbstractButton, "keepRatioCheck"))
    type_into_spin(qtbot, form.width_spin, "600")
    assert form.height_spin.value() == rules.snap_size(600 / (1000 / 768))
    QTest.keyClick(form.width_spin, Qt.Key.Key_Up)
    assert form.width_spin.value() == 608


@pytest.mark.parametrize(
    ("model", "high_res", "text"),
    [
        (None, False, "Output ≈ 1792 × 1344 px (Alchemy v2 ×1.75)"),
        (KINO, False, "Output ≈ 1792 × 1344 px (Alchemy v2 ×1.75)"),
        (SD15, False, "Output ≈ 1536 × 1152 px (Alchemy v1 ×1.5)"),
        (SD15, True, "Output ≈ 2048 × 1536 px (Alchemy v1 high resolution ×2)"),
    ],
)
def test_output_size_label(
    qtbot: QtBot, form: PromptForm, model: ModelInfo | None, high_res: bool, text: str
) -> None:
    form.set_model(model)
    if high_res:
        click(qtbot, form.high_res_check)
    label = child(form, QWidget, "outputSizeLabel")
    assert label.text() == text


def test_output_size_without_alchemy_and_high_res_needs_alchemy(
    qtbot: QtBot, form: PromptForm
) -> None:
    form.set_model(SD15)
    click(qtbot, form.high_res_check)
    click(qtbot, form.alchemy_check)
    assert form.output_size_label.text() == "Output ≈ 1024 × 768 px (no Alchemy)"
    assert not form.high_res_check.isEnabled()
    assert form.high_res_check.toolTip() == "Needs Alchemy"
    assert form.request().high_resolution is None


# --------------------------------------------------------------------------------------------
# Guidance, styles, PhotoReal
# --------------------------------------------------------------------------------------------


def test_guidance_range_follows_alchemy_scheduler_and_model(qtbot: QtBot, form: PromptForm) -> None:
    expand_advanced(qtbot, form)
    spin, reason = form.guidance_spin, child(form, QWidget, "guidanceReasonLabel")
    assert spin.value() == 7
    # No model: the API default (Lightning XL, SDXL) with Alchemy.
    assert (spin.minimum(), spin.maximum()) == (1, 20)
    form.set_model(SD15)
    assert (spin.minimum(), spin.maximum()) == (2, 30)
    assert reason.text() == "2–30 with Alchemy on a model that is not SDXL"
    type_into_spin(qtbot, spin, "25")
    assert spin.value() == 25
    click(qtbot, form.alchemy_check)
    assert (spin.minimum(), spin.maximum()) == (1, 20)
    assert reason.text() == "1–20 without Alchemy"
    assert spin.value() == 20
    assert choose(form.scheduler_combo, "LEONARDO")
    assert (spin.minimum(), spin.maximum()) == (1, 7)
    assert "LEONARDO scheduler caps guidance at 7" in reason.text()
    assert spin.value() == 7
    click(qtbot, form.alchemy_check)
    assert (spin.minimum(), spin.maximum()) == (2, 30)
    form.set_model(KINO)
    assert (spin.minimum(), spin.maximum()) == (1, 20)
    assert "SDXL" in reason.text()
    assert form.request().scheduler == "LEONARDO"


def test_preset_styles_follow_alchemy_and_photo_real(qtbot: QtBot, form: PromptForm) -> None:
    combo = form.preset_style_combo
    assert tuple(combo_items(combo)) == rules.preset_styles(True, False)
    assert combo.currentData() == "DYNAMIC"
    assert choose(combo, "ANIME")
    click(qtbot, form.alchemy_check)
    assert combo_items(combo) == ["LEONARDO", "NONE"]
    assert combo.currentData() == "LEONARDO"
    assert combo.currentText() == "Leonardo"
    click(qtbot, form.alchemy_check)
    assert combo.currentData() == "ANIME"  # the choice per mode is remembered
    click(qtbot, form.photo_real_check)
    assert tuple(combo_items(combo)) == rules.preset_styles(True, True)
    assert combo.currentData() == "CINEMATIC"
    assert form.request().preset_style == "CINEMATIC"


def test_photo_real_needs_alchemy(qtbot: QtBot, form: PromptForm) -> None:
    click(qtbot, form.alchemy_check)
    assert not form.photo_real_check.isEnabled()
    assert form.photo_real_check.toolTip() == "PhotoReal needs Alchemy"


def test_photo_real_v2_disabled_for_non_xl_model_and_v1_drops_model(
    qtbot: QtBot, form: PromptForm
) -> None:
    qtbot.keyClicks(form.prompt_edit, "a street photo")
    form.set_model(SD15)
    click(qtbot, form.photo_real_check)
    versions = form.photo_real_version_combo
    assert versions.isEnabled()
    assert versions.currentData() == "v1"
    v2 = versions.findData("v2")
    model = versions.model()
    assert isinstance(model, QStandardItemModel)
    assert not model.item(v2).isEnabled()
    assert "Kino XL" in versions.itemData(v2, Qt.ItemDataRole.ToolTipRole)
    assert "Kino XL" in versions.toolTip()
    assert not choose(versions, "v2")  # the keyboard skips the disabled item
    assert versions.currentData() == "v1"

    req = form.request()
    assert req.photo_real is True and req.photo_real_version == "v1"
    assert req.model_id is None
    assert "modelId" not in generation_body(req)
    note = child(form, QWidget, "modelNoteLabel")
    assert note.isVisible() and "without a model" in note.text()
    assert form.generate_button.isEnabled()

    form.set_model(KINO)
    assert model.item(v2).isEnabled()
    assert choose(versions, "v2")
    assert choose(form.photo_real_strength_combo, 0.45)
    req = form.request()
    assert (req.model_id, req.photo_real_version, req.photo_real_strength) == (
        KINO.id,
        "v2",
        0.45,
    )
    assert not note.isVisible()


def test_photo_real_v2_kept_when_model_changes_shows_a_problem(
    qtbot: QtBot, form: PromptForm
) -> None:
    qtbot.keyClicks(form.prompt_edit, "a street photo")
    form.set_model(KINO)
    click(qtbot, form.photo_real_check)
    assert form.photo_real_version_combo.currentData() == "v2"
    form.set_model(SD15)
    assert not form.generate_button.isEnabled()
    assert "PhotoReal v2 needs" in form.generate_button.toolTip()
    assert form.photo_real_version_combo.property("problem") is True


# --------------------------------------------------------------------------------------------
# Seed, Prompt Magic, contrast, transparency, elements
# --------------------------------------------------------------------------------------------


def test_seed_beyond_int32_round_trips(qtbot: QtBot, form: PromptForm) -> None:
    expand_advanced(qtbot, form)
    qtbot.keyClicks(form.prompt_edit, "dunes")
    assert form.request().seed is None
    assert not form.seed_edit.isEnabled()
    click(qtbot, form.random_seed_check)
    assert form.seed_edit.isEnabled()
    assert form.seed_edit.text().isdigit()  # a fixed seed was rolled
    form.seed_edit.selectAll()
    qtbot.keyClicks(form.seed_edit, "9876543210")
    assert form.request().seed == 9_876_543_210
    assert generation_body(form.request())["seed"] == 9_876_543_210
    qtbot.keyClicks(form.seed_edit, "x")  # the validator refuses letters and an 11th digit
    assert form.seed_edit.text() == "9876543210"
    state = json.loads(json.dumps(form.state()))
    other = PromptForm()
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.request().seed == 9_876_543_210


def test_seed_over_the_maximum_and_empty_seed_are_problems(qtbot: QtBot, form: PromptForm) -> None:
    expand_advanced(qtbot, form)
    qtbot.keyClicks(form.prompt_edit, "dunes")
    click(qtbot, form.random_seed_check)
    form.seed_edit.selectAll()
    qtbot.keyClicks(form.seed_edit, "9999999999")
    assert not form.generate_button.isEnabled()
    assert form.generate_button.toolTip().startswith("Seed must be 0–9999999998")
    form.seed_edit.clear()
    assert form.generate_button.toolTip() == "Enter a seed or tick Random"
    click(qtbot, child(form, QAbstractButton, "newSeedButton"))
    assert form.seed_edit.text().isdigit()
    assert form.generate_button.isEnabled()


def test_prompt_magic_and_raw_mode(qtbot: QtBot, form: PromptForm) -> None:
    expand_advanced(qtbot, form)
    assert not form.prompt_magic_strength_spin.isEnabled()
    assert not form.raw_mode_check.isEnabled()
    click(qtbot, form.prompt_magic_check)
    type_into_spin(qtbot, form.prompt_magic_strength_spin, "0.4")
    click(qtbot, form.raw_mode_check)
    req = form.request()
    assert (req.prompt_magic, req.prompt_magic_version, req.prompt_magic_strength) == (
        True,
        "v3",
        0.4,
    )
    assert req.high_contrast is False
    assert choose(form.prompt_magic_version_combo, "v2")
    assert not form.raw_mode_check.isEnabled()
    assert form.raw_mode_check.toolTip() == "RAW mode needs Prompt Magic v3"
    assert form.request().high_contrast is None
    assert (
        form.prompt_magic_strength_spin.minimum(),
        form.prompt_magic_strength_spin.maximum(),
    ) == (
        0.1,
        1.0,
    )


def test_contrast_for_phoenix(qtbot: QtBot, form: PromptForm) -> None:
    expand_advanced(qtbot, form)
    qtbot.keyClicks(form.prompt_edit, "a neon city")
    assert not form.contrast_combo.isEnabled()
    assert "Phoenix and Flux" in form.contrast_combo.toolTip()
    form.set_model(PHOENIX)
    assert form.contrast_combo.isEnabled()
    assert choose(form.contrast_combo, 1.8)
    assert form.contrast_combo.property("problem") is True
    assert "2.5 or higher" in child(form, QWidget, "problemsLabel").text()
    assert not form.generate_button.isEnabled()
    assert choose(form.contrast_combo, 3.5)
    req = form.request()
    assert (req.contrast, req.sd_version, req.model_id) == (3.5, "PHOENIX", PHOENIX.id)
    assert form.generate_button.isEnabled()
    form.set_model(KINO)
    assert form.request().contrast is None  # not a Phoenix/Flux model: not sent


def test_tiling_and_transparency(qtbot: QtBot, form: PromptForm) -> None:
    expand_advanced(qtbot, form)
    assert form.request().tiling is None and form.request().transparency is None
    click(qtbot, form.tiling_check)
    assert choose(form.transparency_combo, "foreground_only")
    req = form.request()
    assert (req.tiling, req.transparency) == (True, "foreground_only")


def test_elements_with_weights(qtbot: QtBot, form: PromptForm) -> None:
    expand_elements(qtbot, form)
    elements_list = form.elements_list
    assert elements_list.count() == 0
    form.set_elements(ELEMENTS)
    assert elements_list.count() == 2
    assert elements_list.item(0).text().splitlines()[0] == "Crystal  ·  1"
    assert "Weight -1 to 2 (default 1)" in elements_list.item(0).text()
    elements_list.setFocus()
    elements_list.setCurrentRow(0)
    QTest.keyClick(elements_list, Qt.Key.Key_Space)
    assert elements_list.item(0).checkState() == Qt.CheckState.Checked
    weight = form.element_weight_spin
    assert (weight.minimum(), weight.maximum()) == (-1, 2)
    type_into_spin(qtbot, weight, "0.8")
    assert form.request().elements == (ElementRef("el-crystal", 0.8),)
    assert elements_list.item(0).text().splitlines()[0] == "Crystal  ·  0.8"
    assert child(form, QWidget, "elementsHintLabel").text() == "1 of 2 elements chosen"
    # A new catalog keeps the choice by id.
    form.set_elements(list(reversed(ELEMENTS)))
    assert form.request().elements == (ElementRef("el-crystal", 0.8),)
    assert "made for SDXL_1_0" in elements_list.item(1).toolTip()
    # Elements for another model family are not offered, and their picks are not sent.
    form.set_model(SD15)
    assert elements_list.count() == 0 and form.request().elements is None
    hint = child(form, QWidget, "elementsHintLabel").text()
    assert hint == "No elements for this model; 1 chosen for another model (not sent)"
    form.set_model(KINO)
    assert form.request().elements == (ElementRef("el-crystal", 0.8),)


# --------------------------------------------------------------------------------------------
# Prompt helpers
# --------------------------------------------------------------------------------------------


def test_random_and_improve_prompt(qtbot: QtBot, form: PromptForm) -> None:
    improve = child(form, QAbstractButton, "improvePromptButton")
    random_button = child(form, QAbstractButton, "randomPromptButton")
    assert not improve.isEnabled()
    with qtbot.waitSignal(form.random_prompt_requested, timeout=1000):
        click(qtbot, random_button)
    qtbot.keyClicks(form.prompt_edit, "a cat")
    with qtbot.waitSignal(form.improve_prompt_requested, timeout=1000) as blocker:
        click(qtbot, improve)
    assert blocker.args == ["a cat", ""]
    qtbot.keyClicks(child(form, QWidget, "improveInstructionEdit"), "  make it moodier ")
    with qtbot.waitSignal(form.improve_prompt_requested, timeout=1000) as blocker:
        click(qtbot, improve)
    assert blocker.args == ["a cat", "make it moodier"]
    form.set_busy_prompt(True)
    assert not improve.isEnabled() and not random_button.isEnabled()
    form.set_prompt_text("a majestic cat on a velvet cushion, oil painting")
    form.set_busy_prompt(False)
    assert improve.isEnabled() and random_button.isEnabled()
    assert form.request().prompt == "a majestic cat on a velvet cushion, oil painting"
    QTest.keyClick(form.prompt_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert form.prompt_edit.toPlainText() == "a cat"


def test_improve_needs_a_prompt_under_200_chars(qtbot: QtBot, form: PromptForm) -> None:
    form.set_prompt_text("x" * 200)
    assert not form.improve_prompt_button.isEnabled()
    assert "under 200" in form.improve_prompt_button.toolTip()


# --------------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------------


def test_cost_query_is_debounced_and_cached(qtbot: QtBot, form: PromptForm) -> None:
    queries = form.cost_queries
    qtbot.waitUntil(lambda: len(queries) == 1, timeout=2000)  # the initial settings
    first = queries[0]
    assert first.service == "IMAGE_GENERATION"
    assert form.generate_button.text() == "Generate"
    assert form.cost_label.text() == "Checking cost…"
    form.set_cost(rules.pricing_key(first), 24)
    assert form.generate_button.text() == "Generate · 24 credits"
    assert form.cost_label.text() == "Cost: 24 credits"

    qtbot.keyClicks(form.prompt_edit, "a lighthouse")  # the price does not depend on it
    with qtbot.waitSignal(form.cost_query, timeout=2000) as blocker:
        for _ in range(3):
            QTest.keyClick(form.num_images_spin, Qt.Key.Key_Down)
        click(qtbot, form.alchemy_check)
        assert form.generate_button.text() == "Generate"
        assert form.generate_button.toolTip().startswith("Cost unknown")
        assert len(queries) == 1  # nothing before the pause
    assert len(queries) == 2
    params = blocker.args[0].params
    assert (params["numImages"], params["alchemyMode"]) == (1, False)
    with qtbot.assertNotEmitted(form.cost_query, wait=600):
        qtbot.keyClicks(form.prompt_edit, " at night")

    # Back to the first settings: the known cost shows at once, without a query.
    with qtbot.assertNotEmitted(form.cost_query, wait=600):
        click(qtbot, form.alchemy_check)
        for _ in range(3):
            QTest.keyClick(form.num_images_spin, Qt.Key.Key_Up)
        assert form.generate_button.text() == "Generate · 24 credits"

    # A failed answer shows "cost unknown".
    with qtbot.waitSignal(form.cost_query, timeout=2000) as failed:
        click(qtbot, form.alchemy_check)
    assert form.cost_label.text() == "Checking cost…"
    form.set_cost(rules.pricing_key(failed.args[0]), None)
    assert form.cost_label.text() == "Cost unknown"
    assert form.generate_button.text() == "Generate"


def test_set_cost_for_other_settings_is_kept_for_later(qtbot: QtBot, form: PromptForm) -> None:
    qtbot.keyClicks(form.prompt_edit, "x")
    other = rules.pricing_params(
        dataclasses.replace(form.request(), num_images=1), None, default_model=LIGHTNING
    )
    form.set_cost(rules.pricing_key(other), 9)
    assert form.generate_button.text() == "Generate"
    type_into_spin(qtbot, form.num_images_spin, "1")
    assert form.generate_button.text() == "Generate · 9 credits"


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


def test_state_round_trip_on_a_fresh_form(qtbot: QtBot, form: PromptForm) -> None:
    form.set_elements(ELEMENTS)
    form.set_model(KINO)
    expand_advanced(qtbot, form)
    expand_elements(qtbot, form)
    qtbot.keyClicks(form.prompt_edit, "a lighthouse at dusk")
    qtbot.keyClicks(form.negative_prompt_edit, "people")
    assert choose(form.aspect_combo, "1:1")
    type_into_spin(qtbot, form.num_images_spin, "2")
    click(qtbot, form.photo_real_check)
    assert choose(form.photo_real_version_combo, "v2")
    assert choose(form.photo_real_strength_combo, 0.45)
    assert choose(form.preset_style_combo, "MOODY")
    type_into_spin(qtbot, form.guidance_spin, "9.5")
    type_into_spin(qtbot, form.steps_spin, "30")
    click(qtbot, form.random_seed_check)
    form.seed_edit.selectAll()
    qtbot.keyClicks(form.seed_edit, "5000000000")
    assert choose(form.scheduler_combo, "DDIM")
    click(qtbot, form.prompt_magic_check)
    click(qtbot, form.raw_mode_check)
    click(qtbot, form.tiling_check)
    assert choose(form.transparency_combo, "foreground_only")
    form.elements_list.setCurrentRow(1)
    QTest.keyClick(form.elements_list, Qt.Key.Key_Space)

    state = json.loads(json.dumps(form.state()))
    fresh = PromptForm()
    qtbot.addWidget(fresh)
    fresh.set_elements(ELEMENTS)
    fresh.restore_state(state)
    assert fresh.request() == form.request()
    assert fresh.state() == state
    assert fresh.model() == KINO
    assert fresh.request().elements == (ElementRef("el-ink", 0.5),)
    assert fresh.request().seed == 5_000_000_000
    assert fresh.request().preset_style == "MOODY"
    assert fresh.advanced_section.is_expanded()
    # The element choice waits for the catalog when the state comes first.
    later = PromptForm()
    qtbot.addWidget(later)
    later.restore_state(state)
    assert later.request().elements is None
    hint = child(later, QWidget, "elementsHintLabel").text()
    assert hint == "No elements loaded; 1 chosen, kept until the list arrives"
    later.set_elements(ELEMENTS)
    assert later.request() == form.request()


def test_restore_state_tolerates_unknown_missing_and_bad_values(
    qtbot: QtBot, form: PromptForm
) -> None:
    before = form.request()
    form.restore_state({})
    form.restore_state({"surprise": [1, 2], "version": 99})
    form.restore_state(
        {
            "width": "wide",
            "height": None,
            "scheduler": "WARP_DRIVE",
            "num_images": 3.5,
            "alchemy": "yes",
            "seed": "12ab",
            "model": {"name": "no id"},
            "elements": ["not", "a", "mapping"],
            "sections": "open",
        }
    )
    assert form.request() == before
    form.restore_state({"width": 1001, "num_images": 8, "prompt": "hi"})
    assert form.width_spin.value() == 1000
    assert form.num_images_spin.value() == 4  # 1000 px wide: at most 4
    assert form.request().prompt == "hi"


def test_state_changed_is_emitted_on_edits(qtbot: QtBot, form: PromptForm) -> None:
    with qtbot.waitSignal(form.state_changed, timeout=1000):
        qtbot.keyClicks(form.prompt_edit, "a")
    with qtbot.waitSignal(form.state_changed, timeout=1000):
        click(qtbot, form.alchemy_check)


def test_model_button_asks_for_the_model_browser(qtbot: QtBot, form: PromptForm) -> None:
    button = child(form, QAbstractButton, "modelButton")
    assert button.text() == "Default model (Leonardo Lightning XL)"
    form.set_model(KINO)
    assert button.text() == "Leonardo Kino XL"
    with qtbot.waitSignal(form.model_requested, timeout=1000):
        click(qtbot, button)


# --------------------------------------------------------------------------------------------
# Accessibility
# --------------------------------------------------------------------------------------------

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QPlainTextEdit,
    QAbstractSpinBox,
    QComboBox,
    QAbstractItemView,
)

REQUIRED_NAMES = [
    "promptEdit",
    "negativePromptEdit",
    "modelButton",
    "aspectCombo",
    "widthSpin",
    "heightSpin",
    "numImagesSpin",
    "guidanceSpin",
    "stepsSpin",
    "seedEdit",
    "randomSeedCheck",
    "schedulerCombo",
    "presetStyleCombo",
    "alchemyCheck",
    "highResCheck",
    "photoRealCheck",
    "photoRealVersionCombo",
    "photoRealStrengthCombo",
    "promptMagicCheck",
    "promptMagicStrengthSpin",
    "rawModeCheck",
    "contrastCombo",
    "tilingCheck",
    "transparencyCombo",
    "elementsList",
    "randomPromptButton",
    "improvePromptButton",
    "outputSizeLabel",
    "problemsLabel",
    "generateButton",
    "costLabel",
]


def _is_part_of_another_control(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, INTERACTIVE):
            return True
        parent = parent.parentWidget()
    return False


def test_every_interactive_widget_has_object_and_accessible_names(
    qtbot: QtBot, form: PromptForm
) -> None:
    form.set_elements(ELEMENTS)
    checked = 0
    for widget in form.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or _is_part_of_another_control(widget, form):
            continue
        checked += 1
        assert widget.objectName(), f"{type(widget).__name__} without objectName"
        assert widget.accessibleName(), f"{widget.objectName()} without accessible name"
    assert checked >= 30
    for name in REQUIRED_NAMES:
        widget = form.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name


def test_spin_boxes_are_64_bit_safe_where_needed(form: PromptForm) -> None:
    # The seed is a line edit because QSpinBox stops at 2**31 - 1.
    assert isinstance(form.seed_edit, QLineEdit)
    assert not isinstance(form.seed_edit, QSpinBox)
