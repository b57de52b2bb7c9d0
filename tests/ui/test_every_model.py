"""Every model the simulator lists generates: chosen in the model browser, Generate with the
form's defaults through the app's queue, then one generation for each mode the form offers for
that model (built by the form from real clicks, sent over HTTP to the simulator).

The output size the form predicts is checked against the images the simulator made.
"""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QTabBar, QWidget

from leodesk.core.api import LeonardoClient
from leodesk.sim import catalog as sim_catalog
from tests.conftest import SIM_KEY
from tests.ui.helpers import (
    Apps,
    cell_center,
    child,
    choose_in_combo,
    replace_text,
    sim_runtime,
    wait_idle,
    wait_models,
)

CATALOG = [*sim_catalog.PLATFORM_MODELS, *sim_catalog.custom_models()]
PROMPT = "a lighthouse on a basalt cliff at dusk"


def _click(qtbot: Any, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    if isinstance(button, QCheckBox):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _choose_model(qtbot: Any, window: Any, name: str, own: bool) -> None:
    browser = window.browser
    tabs = child(browser, QTabBar, "modelTabs")
    index = 1 if own else 0
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
    proxy = browser.proxy
    qtbot.waitUntil(
        lambda: any(proxy.index(r, 0).data() == name for r in range(proxy.rowCount())),
        timeout=10000,
    )
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == name)
    pos = cell_center(qtbot, browser.view, proxy.index(row, 0))
    qtbot.mouseClick(browser.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.form.model_button.text() == name


def _predicted(form: Any) -> tuple[int, int]:
    text = child(form, QWidget, "outputSizeLabel").text()
    found = re.match(r"Output ≈ (\d+) × (\d+) px", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def _expand(qtbot: Any, form: Any, section: str) -> None:
    toggle = child(form, QAbstractButton, f"{section}Toggle")
    if not toggle.isChecked():
        qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)


def _v2_offered(form: Any) -> bool:
    combo = form.photo_real_version_combo
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    item = model.item(combo.findData("v2"))
    return item is not None and item.isEnabled()


def _modes(form: Any) -> list[str]:
    """The modes the form offers for the chosen model, read from what it enables."""
    modes = []
    if form.alchemy_check.isEnabled():
        modes.append("alchemy off")
    if form.high_res_check.isEnabled():
        modes.append("high resolution")
    if form.photo_real_check.isEnabled():
        modes.append("photoreal v1")
        if _v2_offered(form):
            modes.append("photoreal v2")
    if form.prompt_magic_check.isEnabled():
        modes += ["prompt magic", "prompt magic raw"]
    if form.contrast_combo.isEnabled():
        modes.append("contrast")
    if form.tiling_check.isEnabled():
        modes.append("tiling")
    if form.transparency_combo.isEnabled():
        modes.append("transparency")
    return modes


def _apply(qtbot: Any, form: Any, mode: str) -> None:
    """Turn ``mode`` on as a user does."""
    if mode == "alchemy off":
        _click(qtbot, form.alchemy_check)
    elif mode == "high resolution":
        _click(qtbot, form.high_res_check)
    elif mode.startswith("photoreal"):
        _click(qtbot, form.photo_real_check)
        choose_in_combo(qtbot, form.photo_real_version_combo, mode.split()[-1])
    elif mode.startswith("prompt magic"):
        _click(qtbot, form.prompt_magic_check)
        if mode.endswith("raw"):
            _click(qtbot, form.raw_mode_check)
    elif mode == "contrast":
        choose_in_combo(qtbot, form.contrast_combo, 3.5)
    elif mode == "tiling":
        _click(qtbot, form.tiling_check)
    elif mode == "transparency":
        choose_in_combo(qtbot, form.transparency_combo, "foreground_only")
    else:
        raise AssertionError(mode)


def _image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.size


@pytest.mark.parametrize("model", CATALOG, ids=[m.name for m in CATALOG])
def test_every_model_generates_with_the_defaults_and_each_mode(
    qtbot: Any, apps: Apps, make_sim: Any, model: Any
) -> None:
    sim = make_sim(seed=7, generation_seconds=0.05, credits=1_000_000)
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    listed = window.ctx.platform_models if model.platform else window.ctx.own_models

    def facts_known() -> bool:
        found = [m for m in listed.models() if m.id == model.id]
        return bool(found) and found[0].facts_known

    qtbot.waitUntil(facts_known, timeout=15000)
    _choose_model(qtbot, window, model.name, own=not model.platform)
    form = window.form
    replace_text(qtbot, child(form, QWidget, "promptEdit"), PROMPT)
    assert form.model() is not None and form.model().sd_version == model.sd_version

    if model.status != "COMPLETE":
        # Still training: the form says so and sends nothing.
        assert not form.generate_button.isEnabled()
        assert "not ready to generate" in form.generate_button.toolTip()
        assert "not ready to generate" in child(form, QWidget, "modelNoteLabel").text()
        QTest.keyClick(form.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(200)
        assert sim.count("POST", "/generations") == 0
        wait_idle(qtbot, window)
        return

    # The form shows what the API says of the model.
    facts = child(form, QWidget, "modelFactsLabel")
    assert facts.isVisible() and str(model.sd_version).upper() in facts.text().upper()
    assert f"{model.width}×{model.height}" in facts.text()

    # The form's defaults, through the app's queue: the job ends DONE with its images, of the
    # size the form predicted.
    assert form.generate_button.isEnabled(), form.generate_button.toolTip()
    predicted = _predicted(form)
    _expand(qtbot, form, "advancedSection")
    baseline = form.state()
    QTest.keyClick(form.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    n = form.request().num_images
    assert n
    qtbot.waitUntil(lambda: [j.state for j in window.jobs.model.jobs()] == ["done"], timeout=30000)
    job = window.jobs.model.jobs()[0]
    assert job.generation_id
    stored = window.ctx.backend.reader.get_generation(job.generation_id)
    assert stored is not None and stored.model_id == model.id
    assert len(stored.images) == n and all(i.has_file for i in stored.images)
    path = window.ctx.backend.store.path_for(stored.images[0].sha256, stored.images[0].ext)
    assert _image_size(path.read_bytes()) == predicted
    posts = [r for r in sim.requests if r.method == "POST" and r.path == "/generations"]
    assert len(posts) == 1 and posts[0].status == 200
    assert posts[0].json["modelId"] == model.id
    assert posts[0].json.get("sd_version") == ("PHOENIX" if model.is_phoenix else None)

    # Each mode the form offers, on top of the defaults: accepted and completed.
    modes = _modes(form)
    assert "photoreal v1" in modes and "tiling" in modes
    client = LeonardoClient(SIM_KEY, base_url=sim.base_url)
    try:
        for mode in modes:
            form.restore_state(baseline)
            _apply(qtbot, form, mode)
            assert form.problems() == [], (mode, form.problems())
            assert form.generate_button.isEnabled(), (mode, form.generate_button.toolTip())
            predicted = _predicted(form)
            req = form.request()
            generation_id = client.create_generation(req).generation_id
            assert generation_id, mode
            sim.complete_all()
            done = client.get_generation(generation_id)
            assert done is not None and done.status == "COMPLETE", mode
            assert len(done.images) == req.num_images, mode
            first = done.images[0].url
            assert first
            got = _image_size(httpx.get(first, timeout=10).content)
            assert got == predicted, (mode, got, predicted)
    finally:
        client.close()
    sent = sim.count("POST", "/generations")
    assert sent == 1 + len(modes)
    wait_idle(qtbot, window)
