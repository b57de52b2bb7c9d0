"""Phoenix and Flux styles: offered by name, sent as ``styleUUID`` only for those models."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from leodesk.core import form
from leodesk.core.api import serialize as ser
from leodesk.core.catalog import ModelInfo
from leodesk.core.pipeline import request_json
from leodesk.core.styles import STYLE_UUIDS, style_name_of, takes_style_uuid
from leodesk.ui import recall

PHOENIX = ModelInfo("phoenix", "Leonardo Phoenix 1.0", sd_version="PHOENIX")
FLUX = ModelInfo("flux", "Flux Dev", sd_version="FLUX_DEV")
KINO = ModelInfo("kino", "Leonardo Kino XL", sd_version="SDXL_1_0")


def test_phoenix_and_flux_take_the_style_as_style_uuid() -> None:
    assert takes_style_uuid(PHOENIX) and takes_style_uuid(FLUX)
    assert not takes_style_uuid(KINO) and not takes_style_uuid(None)
    for model in (PHOENIX, FLUX):
        state = form.FormState(prompt="a fox", model=model, preset_style="CREATIVE")
        assert form.field_rules(state).preset_styles == ("DYNAMIC", "CINEMATIC", "CREATIVE", "NONE")
        req = form.build_request(state)
        assert req.style_uuid == "6fedbf1f-4a17-45ec-84fb-92fe524a29ef" and req.preset_style is None
        body = ser.generation_body(req)
        assert body["styleUUID"] == STYLE_UUIDS["CREATIVE"] and "presetStyle" not in body


def test_other_models_keep_the_preset_style_and_never_send_a_style_uuid() -> None:
    state = form.FormState(prompt="a fox", model=KINO, preset_style="CINEMATIC")
    assert form.field_rules(state).preset_styles != tuple(STYLE_UUIDS)
    req = form.build_request(state)
    assert req.preset_style == "CINEMATIC" and req.style_uuid is None
    assert "styleUUID" not in ser.generation_body(req)
    # a style of the same name is this model's preset style, not a uuid
    creative = form.build_request(replace(state, preset_style="CREATIVE"))
    assert (creative.preset_style, creative.style_uuid) == ("CREATIVE", None)


def test_recall_brings_the_style_back_by_name() -> None:
    req = form.build_request(form.FormState(prompt="p", model=FLUX, preset_style="NONE"))
    draft = recall.draft_state(SimpleNamespace(request_json=request_json(req)))
    assert draft["preset_style"] == "NONE" == style_name_of(STYLE_UUIDS["NONE"])
    assert style_name_of("not-known") is None
