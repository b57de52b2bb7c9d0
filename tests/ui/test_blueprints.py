"""The Blueprints window driven as a user on the simulator over real HTTP: File ▸ Blueprints,
``blueprintList`` clicked, the form the version's inputs make filled with real key and mouse
events, wrong or missing values refused with a message and nothing sent, Run
(``blueprintRunButton``) queued through the app's queue, the images in the gallery, and Details
naming the blueprint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QListWidget, QWidget

from leodesk.core.jobs import JobState
from tests.helpers.spec import validate_request
from tests.ui.helpers import (
    Apps,
    child,
    click_row,
    generate,
    replace_text,
    shown_ids,
    sim_runtime,
    wait_idle,
    wait_models,
)


@pytest.fixture
def window(qtbot: Any, sim: Any) -> Iterator[Any]:
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim))
        wait_models(qtbot, w)
        generate(qtbot, w, "a red kite over dunes", num_images=1)
        w.ctx.blueprints.poll_interval = 0.05
        yield w
    finally:
        apps.shutdown_all()


def open_blueprints(qtbot: Any, window: Any) -> Any:
    action = window.findChild(QAction, "blueprintsAction")
    assert action is not None and action.text() == "&Blueprints…"
    action.trigger()
    bp = window.blueprint_link.bp_window
    qtbot.waitExposed(bp)
    blueprints = child(bp, QListWidget, "blueprintList")
    qtbot.waitUntil(lambda: blueprints.count() >= 4, timeout=10000)
    return bp


def choose(qtbot: Any, bp: Any, name: str) -> None:
    blueprints = child(bp, QListWidget, "blueprintList")
    row = next(r for r in range(blueprints.count()) if blueprints.item(r).text().startswith(name))
    click_row(qtbot, blueprints, row)
    qtbot.waitUntil(
        lambda: bp.current_version() is not None and bool(bp.form.fields), timeout=10000
    )


def executions(sim: Any) -> list[Any]:
    return [
        r.json for r in sim.requests if r.method == "POST" and r.path == "/blueprint-executions"
    ]


def run(qtbot: Any, bp: Any) -> None:
    qtbot.mouseClick(child(bp, QAbstractButton, "blueprintRunButton"), Qt.MouseButton.LeftButton)


def wait_done(qtbot: Any, window: Any, before: set[str], count: int) -> list[str]:
    qtbot.waitUntil(lambda: len(set(shown_ids(window)) - before) >= count, timeout=20000)
    return [i for i in shown_ids(window) if i not in before]


def test_a_recipe_is_refused_until_it_fits_then_runs_into_the_gallery(
    qtbot: Any, window: Any, sim: Any
) -> None:
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Detailed Recipe")
    assert child(bp, QWidget, "blueprintCostLabel").text() == "Costs 25 credits · 1 image(s)"
    run(qtbot, bp)
    message = child(bp, QWidget, "blueprintMessage")
    assert message.text() == "“Dish” is required." and not executions(sim)
    servings = child(bp.form, QWidget, "bpInput_1")
    assert (servings.minimum(), servings.maximum(), servings.value()) == (1, 8, 4)
    replace_text(qtbot, servings, "12")  # beyond the limit: the spin box keeps 8 at most
    servings.interpretText()
    assert servings.value() <= 8
    replace_text(qtbot, servings, "3")
    replace_text(qtbot, child(bp.form, QWidget, "bpInput_0"), "lemon tart")
    before = set(shown_ids(window))
    run(qtbot, bp)
    assert message.text().startswith("Queued “Detailed Recipe with Tags” (25 credits)")
    (new,) = wait_done(qtbot, window, before, 1)
    (body,) = executions(sim)
    validate_request("executeBlueprint", body)
    assert [n["value"] for n in body["input"]["nodeInputs"]] == ["lemon tart", "3"]
    # Details names the blueprint of the selected image
    gallery = window.gallery
    row = shown_ids(window).index(new)
    click_row(qtbot, gallery, row)
    origin = child(window.metadata, QWidget, "metaOrigin")
    qtbot.waitUntil(origin.isVisible, timeout=5000)
    assert "Detailed Recipe with Tags" in origin.text()
    jobs = window.ctx.backend.reader.queue_jobs()
    assert any(j.kind == "blueprint" and j.state == JobState.DONE for j in jobs)
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_an_image_input_takes_the_gallerys_selection(qtbot: Any, window: Any, sim: Any) -> None:
    click_row(qtbot, window.gallery, 0)
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Golden Hour")
    qtbot.mouseClick(child(bp.form, QAbstractButton, "bpUseSelected_0"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(bp.form.images), timeout=10000)
    slot = child(bp.form, QWidget, "bpImage_0")
    assert "no upload" in slot.state_label.text()
    before = set(shown_ids(window))
    run(qtbot, bp)
    made = wait_done(qtbot, window, before, 2)
    assert len(made) == 2
    (body,) = executions(sim)
    image = body["input"]["nodeInputs"][0]
    assert image["settingName"] == "imageUrl" and "/cdn/users/" in image["value"]
    assert not [r for r in sim.requests if r.path == "/init-image"]
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_a_retired_version_cannot_run_and_an_empty_image_is_refused(
    qtbot: Any, window: Any, sim: Any
) -> None:
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Sticker Sheet")
    combo = child(bp, QWidget, "blueprintVersionCombo")
    combo.setCurrentIndex(1)
    assert "cannot run" in combo.currentText()
    assert not child(bp, QAbstractButton, "blueprintRunButton").isEnabled()
    choose(qtbot, bp, "Golden Hour")
    window.gallery.clearSelection()
    qtbot.mouseClick(child(bp.form, QAbstractButton, "bpUseSelected_0"), Qt.MouseButton.LeftButton)
    assert child(bp.form, QWidget, "bpImage_0").error() == "Select one image in the gallery first."
    run(qtbot, bp)
    assert child(bp, QWidget, "blueprintMessage").text() == "“Your photo” needs an image."
    assert not executions(sim)
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_every_control_of_the_window_is_named(qtbot: Any, window: Any) -> None:
    from tests.ui.test_accessibility import interactive_count, unnamed

    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Product Shot Studio")  # image, text and a fractional number
    zoom = child(bp.form, QWidget, "bpInput_2")
    assert (zoom.minimum(), zoom.maximum(), zoom.singleStep(), zoom.value()) == (
        0.5,
        2.0,
        0.25,
        1.0,
    )
    assert interactive_count(bp) >= 8
    assert unnamed(bp) == []
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_a_pasted_picture_is_uploaded_once_and_sent_by_its_address(
    qtbot: Any, window: Any, sim: Any
) -> None:
    from PySide6.QtGui import QColor, QGuiApplication, QImage

    picture = QImage(320, 240, QImage.Format.Format_RGB32)
    picture.fill(QColor(200, 90, 40))
    QGuiApplication.clipboard().setImage(picture)
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Golden Hour")
    slot = child(bp.form, QWidget, "bpImage_0")
    qtbot.mouseClick(slot, Qt.MouseButton.LeftButton)
    QTest.keyClick(slot, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(bp.form.images), timeout=10000)
    assert slot.state_label.text().startswith("Uploaded")
    before = set(shown_ids(window))
    run(qtbot, bp)
    wait_done(qtbot, window, before, 2)
    (body,) = executions(sim)
    uploads = [r for r in sim.requests if r.method == "POST" and r.path == "/init-image"]
    assert len(uploads) == 1  # uploaded when pasted, not again when sent
    assert "/initImages/" in body["input"]["nodeInputs"][0]["value"]
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_a_run_refused_for_credits_says_what_it_needed(qtbot: Any, window: Any, sim: Any) -> None:
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Detailed Recipe")
    sim.state.set_credits(5, 0)
    replace_text(qtbot, child(bp.form, QWidget, "bpInput_0"), "fig tart")
    run(qtbot, bp)
    qtbot.waitUntil(lambda: window.status.credits_dialog is not None, timeout=15000)
    dialog = window.status.credits_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert "25" in child(dialog, QWidget, "creditsMessage").text()
    assert "Detailed Recipe with Tags" in child(dialog, QWidget, "creditsJobs").text()
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_a_run_under_way_is_followed_again_after_a_restart(
    qtbot: Any, apps: Apps, make_sim: Any
) -> None:
    sim = make_sim(seed=12, generation_seconds=30.0)
    first = apps.start(sim_runtime(sim))
    wait_models(qtbot, first)
    first.ctx.blueprints.poll_interval = 0.05
    bp = open_blueprints(qtbot, first)
    choose(qtbot, bp, "Detailed Recipe")
    replace_text(qtbot, child(bp.form, QWidget, "bpInput_0"), "tarte tatin")
    run(qtbot, bp)

    def accepted() -> bool:
        jobs = first.ctx.backend.reader.queue_jobs()
        return bool(jobs) and jobs[0].state == JobState.PENDING and bool(jobs[0].generation_id)

    qtbot.waitUntil(accepted, timeout=10000)
    execution_id = first.ctx.backend.reader.queue_jobs()[0].generation_id
    first.close()  # the user quits while the blueprint runs on the server
    assert first.launcher.ctx is None

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    again.ctx.blueprints.poll_interval = 0.05
    polls = f"/blueprint-executions/{execution_id}"
    before = sim.count("GET", polls)
    qtbot.waitUntil(lambda: sim.count("GET", polls) > before, timeout=10000)
    assert sim.complete_all() == 1  # the server finishes it now instead of in 30 s
    qtbot.waitUntil(lambda: again.gallery.model().rowCount() == 1, timeout=15000)
    assert len(executions(sim)) == 1
    record = again.gallery.model().record(0)
    origin = again.ctx.blueprints.origin(record.generation_id)
    assert origin is not None and origin.execution_id == execution_id
    wait_idle(qtbot, again, timeout=20000)


def test_a_run_above_the_cost_limit_is_asked_first(qtbot: Any, window: Any, sim: Any) -> None:
    asked: list[str] = []
    window.confirm_cost = lambda text: asked.append(text) or False
    window.set_cost_limit(20)
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Detailed Recipe")
    replace_text(qtbot, child(bp.form, QWidget, "bpInput_0"), "onion soup")
    run(qtbot, bp)
    assert asked == ["This blueprint run costs 25 credits, more than your limit of 20."]
    assert child(bp, QWidget, "blueprintMessage").text() == "Not sent: above your cost limit."
    assert not executions(sim)
    window.set_cost_limit(30)
    run(qtbot, bp)
    assert len(asked) == 1
    qtbot.waitUntil(lambda: len(executions(sim)) == 1, timeout=10000)
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next


def test_choosing_a_blueprint_shows_its_current_details(
    qtbot: Any, window: Any, sim: Any, monkeypatch: Any
) -> None:
    import dataclasses

    from leodesk.sim import blueprints as sim_blueprints

    bp = open_blueprints(qtbot, window)
    listed = child(bp, QListWidget, "blueprintList")
    second = listed.item(1).text().split("\n", 1)[0]  # the first is chosen on opening
    blueprint_id = next(b.id for b in bp.blueprints.values() if b.name == second)
    changed = dataclasses.replace(
        sim_blueprints._BY_ID[blueprint_id], description="Now with softer light."
    )
    monkeypatch.setitem(sim_blueprints._BY_ID, blueprint_id, changed)  # changed since listed
    choose(qtbot, bp, second)
    description = child(bp, QLabel, "blueprintDescription")
    qtbot.waitUntil(lambda: description.text() == "Now with softer light.", timeout=10000)
    assert sim.count("GET", f"/blueprints/{blueprint_id}") == 1
    assert listed.item(1).toolTip() == "Now with softer light."
    wait_idle(qtbot, window)


def test_a_run_above_the_balance_warns_first(qtbot: Any, window: Any, sim: Any) -> None:
    from tests.ui.test_low_balance import Answer, set_balance

    set_balance(qtbot, window, sim, 24)
    bp = open_blueprints(qtbot, window)
    choose(qtbot, bp, "Detailed Recipe")
    replace_text(qtbot, child(bp.form, QWidget, "bpInput_0"), "onion soup")
    answer = Answer("lowBalanceCancelButton")
    run(qtbot, bp)
    assert answer.said == ["This blueprint run costs 25 credits, and your balance is 24 credits."]
    message = child(bp, QWidget, "blueprintMessage").text()
    assert message == "Not sent: your balance is below its cost"
    assert not executions(sim)
    answer = Answer("lowBalanceSendButton")  # sent anyway: the API decides
    run(qtbot, bp)
    assert len(answer.said) == 1
    qtbot.waitUntil(lambda: len(executions(sim)) == 1, timeout=10000)
    wait_idle(qtbot, window, timeout=20000)  # end idle: the widgets close next
