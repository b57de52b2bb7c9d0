"""Model facts (version, size, status) come from the API: read after the lists, cached with
them, shown by the form, and asked for again when a model's record could not be read."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QToolButton, QWidget

from leodesk.sim import catalog as sim_catalog
from tests.ui.helpers import Apps, cell_center, child, sim_runtime, wait_idle, wait_models

PLATFORM = {m.id: m for m in sim_catalog.PLATFORM_MODELS}
OWN = {m.id: m for m in sim_catalog.custom_models()}
PHOENIX_1 = next(m for m in sim_catalog.PLATFORM_MODELS if m.name == "Leonardo Phoenix 1.0")


def _all_facts(window: Any) -> bool:
    models = window.ctx.platform_models.models() + window.ctx.own_models.models()
    return len(models) == len(PLATFORM) + len(OWN) and all(m.facts_known for m in models)


def _record_reads(sim: Any) -> int:
    return sim.count("GET", "/models/*") - sim.count("GET", "/models/user/*")


def _open_browser(qtbot: Any, window: Any) -> None:
    """Open the model browser pane (collapsed on a narrow window) with its button."""
    button = child(window, QToolButton, "browserPaneButton")
    if not button.isChecked():
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.browser.isVisible, timeout=5000)


def _click_model(qtbot: Any, window: Any, name: str) -> None:
    _open_browser(qtbot, window)
    browser = window.browser
    proxy = browser.proxy
    rows = [r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == name]
    assert rows, f"{name} is not listed"
    pos = cell_center(qtbot, browser.view, proxy.index(rows[0], 0))
    qtbot.mouseClick(browser.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_facts_are_read_once_cached_and_there_at_once_after_a_restart(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    _open_browser(qtbot, window)  # its tiles' thumbnails are kept (offline below)
    qtbot.waitUntil(lambda: _all_facts(window), timeout=15000)
    for m in window.ctx.platform_models.models():
        expected = PLATFORM[m.id]
        assert (m.sd_version, m.width, m.height, m.status) == (
            expected.sd_version,
            expected.width,
            expected.height,
            "COMPLETE",
        )
    for m in window.ctx.own_models.models():
        assert (m.sd_version, m.status) == (OWN[m.id].sd_version, OWN[m.id].status)
    # One record per platform model; the own list's rows are whole records already.
    assert _record_reads(sim) == len(PLATFORM)
    wait_idle(qtbot, window)
    window.close()

    # A restart has the facts at once from the library, and asks for none of them again.
    sim.clear_requests()
    sim.add_fault("GET", "/platformModels", "slow", delay=1.0, times=1)
    again = apps.start(sim_runtime(sim))
    assert _all_facts(again)
    wait_idle(qtbot, again)
    assert sim.count("GET", "/platformModels") == 1
    assert _record_reads(sim) == 0
    again.close()

    # Offline too: the server is gone, the facts are still there and the form uses them.
    runtime = sim_runtime(sim)
    sim.stop()
    offline = apps.start(runtime)
    assert _all_facts(offline)
    wait_models(qtbot, offline)
    _click_model(qtbot, offline, "Leonardo Phoenix 1.0")
    assert offline.form.request().sd_version == "PHOENIX"
    qtbot.waitUntil(lambda: "Could not refresh" in offline.browser.status.text(), timeout=30000)
    wait_idle(qtbot, offline, timeout=30000)


def test_a_record_that_cannot_be_read_leaves_the_model_usable_and_is_asked_again(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    # The record of Phoenix 1.0 fails once, at once (a Retry-After the client will not wait for).
    sim.add_fault("GET", f"/models/{PHOENIX_1.id}", "429", retry_after=600, times=1)
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    wait_idle(qtbot, window)
    models = {m.id: m for m in window.ctx.platform_models.models()}
    assert not models[PHOENIX_1.id].facts_known and models[PHOENIX_1.id].sd_version is None
    assert all(m.facts_known for i, m in models.items() if i != PHOENIX_1.id)

    # It can be chosen; the form says its version is not known and does not hold it back.
    _click_model(qtbot, window, "Leonardo Phoenix 1.0")
    form = window.form
    note = child(form, QWidget, "modelNoteLabel")
    assert note.isVisible() and "version not known yet" in note.text()
    assert "version not known yet" in child(form, QPushButton, "modelButton").toolTip()
    assert form.request().sd_version is None
    expand = child(form, QWidget, "advancedSectionToggle")
    qtbot.mouseClick(expand, Qt.MouseButton.LeftButton)
    assert form.contrast_combo.isEnabled()  # permissive: maybe a Phoenix or Flux model
    assert (form.guidance_spin.minimum(), form.guidance_spin.maximum()) == (1, 30)

    # The next refresh asks again; the chosen model takes its facts without being re-chosen.
    window.refresh_action.trigger()
    qtbot.waitUntil(lambda: form.request().sd_version == "PHOENIX", timeout=15000)
    assert form.model() is not None and form.model().is_phoenix
    assert not note.isVisible()
    # The lists were updated in place: the browser still has the model selected.
    assert window.browser.view.currentIndex().data() == "Leonardo Phoenix 1.0"
    assert "Phoenix · trained at 1024×1024" in child(form, QPushButton, "modelButton").toolTip()
    assert (form.guidance_spin.minimum(), form.guidance_spin.maximum()) == (2, 30)
    assert not form.high_res_check.isEnabled()  # Alchemy v1 only
    assert form.generate_button.isEnabled() or not form.request().prompt
    wait_idle(qtbot, window)
    # Each model's record was read once, Phoenix 1.0's twice (the failed read, then again).
    assert _record_reads(sim) == len(PLATFORM) + 1


def test_the_queue_prices_default_model_jobs_as_the_form_does(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    # No model chosen: the request has no modelId; the form and the queue both price it with
    # the facts of the API's default model (Lightning XL), which the catalog read.
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    _open_browser(qtbot, window)  # its tiles' thumbnails are kept (offline below)
    qtbot.waitUntil(lambda: _all_facts(window), timeout=15000)
    form = window.form
    assert form.model() is None
    facts = child(form, QWidget, "modelFactsLabel")
    assert facts.text() == "API default · SDXL (SDXL_LIGHTNING) · trained at 1024×1024"
    assert form.model_button.text() == "Default model (Leonardo Lightning XL)"
    qtbot.mouseClick(child(window, QPushButton, "pauseQueueButton"), Qt.MouseButton.LeftButton)
    edit = child(form, QWidget, "promptEdit")
    edit.setFocus()
    qtbot.keyClicks(edit, "two herons at dawn")
    assert form.request().model_id is None
    assert form.pricing_request().params["isSDXLLightning"] is True
    qtbot.waitUntil(lambda: form.known_cost() is not None, timeout=10000)
    each = form.known_cost()
    assert each is not None
    for _ in range(2):
        QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    status = window.findChild(QWidget, "queueStatus")
    qtbot.waitUntil(lambda: f"· {2 * each:,} credits queued" in status.text(), timeout=10000)
    assert sim.count("POST", "/generations") == 0
    qtbot.mouseClick(child(window, QPushButton, "cancelAllButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
