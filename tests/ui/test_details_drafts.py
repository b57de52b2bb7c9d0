"""The details panel (what the selection was made with), recall into the form and draft tabs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QWidget

from tests.ui.helpers import (
    Apps,
    activate,
    child,
    click_row,
    fast_sync,
    replace_text,
    retype,
    shown_records,
    sim_runtime,
    start_history_sim,
    sync_library,
    wait_idle,
    wait_models,
)

MY_PROMPT = "my own words, half written"


@pytest.fixture
def history_sim() -> Iterator[Any]:
    server = start_history_sim(5, seed=9)  # 5 generations, 5 models, 1–4 images each
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def window(qtbot: Any, history_sim: Any, apps: Apps) -> Any:
    w = apps.start(sim_runtime(history_sim))
    fast_sync(w)
    wait_models(qtbot, w)
    assert "Library synced" in sync_library(qtbot, w)
    return w


def _plain(html_text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html_text)
    return str(doc.toPlainText())


def _panel(window: Any) -> Any:
    return child(window, QWidget, "metadataPanel")


def _value(window: Any, field: str) -> str:
    return str(child(_panel(window), QWidget, f"meta_{field}").text())


def _form(window: Any, name: str) -> Any:
    return child(window.form, QWidget, name)


def _click(qtbot: Any, widget: Any) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _click_tab(qtbot: Any, tabs: Any, index: int) -> None:
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
    assert tabs.currentIndex() == index


def _generation(window: Any, record: Any) -> Any:
    return window.ctx.backend.reader.get_generation(record.generation_id)


def test_details_recall_one_field_and_recall_all(qtbot: Any, window: Any) -> None:
    records = shown_records(window)
    record = records[0]
    gen = _generation(window, record)
    assert gen.seed is not None and gen.width and gen.height
    # the user has a draft of their own going
    prompt_edit = _form(window, "promptEdit")
    replace_text(qtbot, prompt_edit, MY_PROMPT)
    own_width = _form(window, "widthSpin").value()
    _click(qtbot, _form(window, "advancedSectionToggle"))  # to see the seed
    assert _form(window, "randomSeedCheck").isChecked()
    assert _form(window, "seedEdit").isVisible()

    activate(qtbot, window)
    assert "Select an image" in _plain(child(_panel(window), QWidget, "metadataTitle").text())
    click_row(qtbot, window.gallery, 0)
    assert _value(window, "prompt") == record.prompt == gen.prompt
    assert _value(window, "seed") == str(gen.seed)
    assert _value(window, "size") == f"{gen.width} × {gen.height}"
    assert _value(window, "model_id") == record.model_name
    # no value, no recall button: this generation has no negative prompt
    assert _value(window, "negative_prompt") == "—"
    assert not child(_panel(window), QWidget, "recall_negative_prompt").isEnabled()

    # recall the seed only: into the draft being edited, the prompt untouched
    _click(qtbot, child(_panel(window), QWidget, "recall_seed"))
    assert _form(window, "seedEdit").text() == str(gen.seed)
    assert not _form(window, "randomSeedCheck").isChecked()
    assert prompt_edit.toPlainText() == MY_PROMPT
    assert _form(window, "widthSpin").value() == own_width
    tabs = child(window, QWidget, "draftTabs")
    assert tabs.count() == 1

    # recall all: a new draft tab with the generation's settings
    _click(qtbot, child(_panel(window), QWidget, "recallAllButton"))
    assert tabs.count() == 2 and tabs.currentIndex() == 1
    assert prompt_edit.toPlainText() == gen.prompt
    assert _form(window, "seedEdit").text() == str(gen.seed)
    assert not _form(window, "randomSeedCheck").isChecked()
    assert (_form(window, "widthSpin").value(), _form(window, "heightSpin").value()) == (
        gen.width,
        gen.height,
    )
    assert window.form.model() is not None and window.form.model().id == gen.model_id
    assert _form(window, "modelButton").text() == record.model_name
    assert tabs.tabText(1) == " ".join(gen.prompt.split()[:3])[:22]

    # the user edits the recalled draft; the first tab is the draft as it was
    edited = gen.prompt + ", at dusk"
    retype(qtbot, prompt_edit, edited)
    _click_tab(qtbot, tabs, 0)
    assert prompt_edit.toPlainText() == MY_PROMPT
    assert _form(window, "widthSpin").value() == own_width
    assert _form(window, "seedEdit").text() == str(gen.seed)  # the one field recalled into it
    _click_tab(qtbot, tabs, 1)  # and back: the edit is kept
    assert prompt_edit.toPlainText() == edited
    assert _form(window, "widthSpin").value() == gen.width

    # recall one field of another image into the recalled draft: only that field changes
    other = next(r for r in records if r.generation_id != record.generation_id)
    other_gen = _generation(window, other)
    assert other_gen.prompt != gen.prompt
    click_row(qtbot, window.gallery, records.index(other))
    assert _value(window, "prompt") == other_gen.prompt
    _click(qtbot, child(_panel(window), QWidget, "recall_prompt"))
    assert prompt_edit.toPlainText() == other_gen.prompt
    assert _form(window, "seedEdit").text() == str(gen.seed)
    assert tabs.count() == 2
    wait_idle(qtbot, window)


def test_two_images_show_what_differs(qtbot: Any, window: Any) -> None:
    records = shown_records(window)
    a = records[0]
    b = next(r for r in records if r.generation_id != a.generation_id)
    ga, gb = _generation(window, a), _generation(window, b)
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 0)
    click_row(qtbot, window.gallery, records.index(b), Qt.KeyboardModifier.ControlModifier)
    panel = _panel(window)
    diff = child(panel, QWidget, "diffLabel")
    assert diff.isVisible()
    assert not child(panel, QWidget, "recallAllButton").isVisible()
    cells = [line for line in _plain(diff.text()).splitlines() if line.strip()]
    assert cells[:2] == ["A", "B"]  # the header, then label, A, B for each differing parameter
    shown = {cells[i]: (cells[i + 1], cells[i + 2]) for i in range(2, len(cells), 3)}
    expected = {
        "Prompt": (ga.prompt, gb.prompt),
        "Seed": (str(ga.seed), str(gb.seed)),
        "Size": (f"{ga.width} × {ga.height}", f"{gb.width} × {gb.height}"),
        "Images": (str(ga.num_images), str(gb.num_images)),
    }
    assert {k: shown.get(k) for k in expected} == expected
    # the models differ too; the rest (steps, scheduler, style, …) is the same: not listed
    assert set(shown) == set(expected) | {"Model"}
    title = _plain(child(panel, QWidget, "metadataTitle").text())
    assert title == f"2 images: {len(shown)} parameter(s) differ"

    # two images of one generation: nothing differs
    big = next(
        g
        for g in {r.generation_id for r in records}
        if sum(1 for r in records if r.generation_id == g) >= 2
    )
    rows = [i for i, r in enumerate(records) if r.generation_id == big][:2]
    click_row(qtbot, window.gallery, rows[0])
    click_row(qtbot, window.gallery, rows[1], Qt.KeyboardModifier.ControlModifier)
    title = _plain(child(panel, QWidget, "metadataTitle").text())
    assert "same generation" in title
    wait_idle(qtbot, window)


def test_drafts_survive_a_restart(qtbot: Any, window: Any, history_sim: Any, apps: Apps) -> None:
    tabs = child(window, QWidget, "draftTabs")
    prompt_edit = _form(window, "promptEdit")
    replace_text(qtbot, prompt_edit, "draft one: a moth on a lamp")
    _click(qtbot, child(window, QWidget, "newDraftButton"))
    assert tabs.count() == 2 and tabs.currentIndex() == 1
    # a new draft starts from the current settings
    assert prompt_edit.toPlainText() == "draft one: a moth on a lamp"
    replace_text(qtbot, prompt_edit, "draft two: a wolf at the treeline")
    _click(qtbot, _form(window, "advancedSectionToggle"))  # the seed is under "Advanced"
    _click(qtbot, _form(window, "randomSeedCheck"))
    assert not _form(window, "randomSeedCheck").isChecked()
    replace_text(qtbot, _form(window, "seedEdit"), "424242")
    assert _form(window, "seedEdit").text() == "424242"
    assert tabs.tabText(1) == "draft two: a"  # the first three words
    wait_idle(qtbot, window)
    window.close()

    again = apps.start(sim_runtime(history_sim))
    wait_models(qtbot, again)
    tabs = child(again, QWidget, "draftTabs")
    prompt_edit = _form(again, "promptEdit")
    assert tabs.count() == 2 and tabs.currentIndex() == 1
    assert [tabs.tabText(i) for i in range(2)] == ["draft one: a", "draft two: a"]
    assert prompt_edit.toPlainText() == "draft two: a wolf at the treeline"
    assert _form(again, "seedEdit").text() == "424242"
    assert not _form(again, "randomSeedCheck").isChecked()
    _click_tab(qtbot, tabs, 0)
    assert prompt_edit.toPlainText() == "draft one: a moth on a lamp"
    assert _form(again, "randomSeedCheck").isChecked()
    wait_idle(qtbot, again)


def test_the_diff_names_the_models(qtbot: Any, window: Any) -> None:
    records = shown_records(window)
    a = records[0]
    b = next(r for r in records if r.model_id != a.model_id)
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 0)
    click_row(qtbot, window.gallery, records.index(b), Qt.KeyboardModifier.ControlModifier)
    cells = [
        line
        for line in _plain(child(_panel(window), QWidget, "diffLabel").text()).splitlines()
        if line.strip()
    ]
    model = cells.index("Model")
    assert cells[model + 1 : model + 3] == [a.model_name, b.model_name]
