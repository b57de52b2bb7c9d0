"""The prompt form's binding table: every setting has one widget, read and written through it."""

from __future__ import annotations

from dataclasses import fields, replace

from pytestqt.qtbot import QtBot

from leodesk.core.api.models import Element, ElementRef
from leodesk.core.catalog import ModelInfo
from leodesk.core.form import FormState
from leodesk.ui.form_bindings import BINDINGS
from leodesk.ui.prompt_form import PromptForm

# Settings that are not one widget's value: the model (the model browser), the element picks
# (a list with weights) and the image slots.
_NOT_BOUND = {"model", "elements", "user_elements", "init_image", "image_prompts"}
PHOENIX = ModelInfo(id="phoenix-id", name="Leonardo Phoenix", sd_version="PHOENIX")


def test_every_setting_has_exactly_one_widget(qtbot: QtBot) -> None:
    form = PromptForm()
    qtbot.addWidget(form)
    bound = [b.field for b in BINDINGS]
    assert len(bound) == len(set(bound))
    assert set(bound) | _NOT_BOUND == {f.name for f in fields(FormState)}
    widgets = [getattr(form, b.widget) for b in BINDINGS]
    assert len({id(w) for w in widgets}) == len(widgets)


def test_a_fresh_form_reads_as_the_default_state(qtbot: QtBot) -> None:
    form = PromptForm()
    qtbot.addWidget(form)
    assert form.form_state() == FormState()


def test_a_saved_state_is_shown_and_read_back_unchanged(qtbot: QtBot) -> None:
    form = PromptForm()
    qtbot.addWidget(form)
    form.set_elements([Element(ak_uuid="glow", name="Glow"), Element(ak_uuid="ink")])
    state = replace(
        FormState(),
        prompt="a heron  ",
        negative_prompt="fog",
        model=PHOENIX,
        aspect="Custom",
        width=640,
        height=960,
        keep_ratio=True,
        num_images=3,
        guidance_scale=4.5,
        steps=33,
        random_seed=False,
        seed="31337",
        scheduler="DDIM",
        preset_style="CINEMATIC",  # a Phoenix style (styleUUID)
        prompt_magic=True,
        prompt_magic_version="v2",
        prompt_magic_strength=0.35,
        contrast=3.0,
        tiling=True,
        transparency="foreground_only",
        elements=(ElementRef("ink", 0.4),),
        init_strength=0.7,
        advanced_open=True,
        elements_open=True,
        image_open=False,
    )
    form.restore_state(state.to_json())
    assert form.form_state() == state
    assert form.state() == {**state.to_json(), "images": []}
