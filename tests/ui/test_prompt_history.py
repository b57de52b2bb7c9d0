"""Recent prompts and presets, driven as a user would: prompts generated on the simulator (and
synced from it) in the history popup, searched and recalled with keys and double-clicks, kept
after their images are deleted, removed; presets saved, applied, renamed, deleted, and still
there after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox, QWidget

from leodesk.sim import catalog as sim_catalog
from tests.ui.helpers import (
    Apps,
    activate,
    cell_center,
    child,
    click_row,
    double_click,
    fast_sync,
    generate,
    key,
    replace_text,
    sim_runtime,
    start_history_sim,
    sync_library,
    wait_idle,
    wait_models,
)
from tests.ui.history_helpers import answer_dialog, choose_in_menu

BOAT = "a paper boat on a puddle"
FOX = "a red fox in fresh snow"


@pytest.fixture
def history_sim() -> Iterator[Any]:
    server = start_history_sim(3, seed=5)
    try:
        yield server
    finally:
        server.stop()


def _popup(window: Any) -> Any:
    return window.history_link.popup


def _rows(window: Any) -> list[str]:
    lst = child(_popup(window), QWidget, "promptHistoryList")
    return [lst.item(i).text() for i in range(lst.count())]


def _boat_rows(window: Any) -> list[int]:
    model = window.gallery.model()
    return [i for i in range(model.rowCount()) if model.record(i).prompt == BOAT]


def _form(window: Any, name: str) -> Any:
    return child(window.form, QWidget, name)


def test_recent_prompts_recall_search_survive_delete_and_forget(
    qtbot: Any, apps: Apps, history_sim: Any
) -> None:
    window = apps.start(sim_runtime(history_sim))
    fast_sync(window)
    wait_models(qtbot, window)
    assert "Library synced" in sync_library(qtbot, window)
    synced = {g.prompt.strip() for g in window.ctx.backend.reader.prompt_history()}
    assert len(synced) >= 1  # the prompts of generations that came by sync

    generate(qtbot, window, BOAT)
    generate(qtbot, window, BOAT)
    replace_text(qtbot, _form(window, "negativePromptEdit"), "blurry, dark")
    generate(qtbot, window, FOX)
    posts = [r for r in history_sim.requests if r.method == "POST" and r.path == "/generations"]
    assert len(posts) == 3

    # Ctrl+H from the prompt box: newest first, with the count of uses
    prompt_edit = _form(window, "promptEdit")
    replace_text(qtbot, prompt_edit, "half a thought")
    replace_text(qtbot, _form(window, "negativePromptEdit"), "")
    activate(qtbot, window)
    QTest.keyClick(prompt_edit, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    popup = _popup(window)
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    assert popup.objectName() == "promptHistory"
    rows = _rows(window)
    assert rows[0].startswith(FOX) and "not: blurry, dark" in rows[0] and "used once" in rows[0]
    assert rows[1].startswith(BOAT) and "used 2×" in rows[1]
    assert len(rows) == 2 + len(synced)

    # search, then Enter recalls the prompt and its negative prompt
    search = child(popup, QLineEdit, "promptHistorySearch")
    assert search.hasFocus()
    qtbot.keyClicks(search, "FOX snow")
    qtbot.waitUntil(lambda: len(_rows(window)) == 1, timeout=3000)
    QTest.keyClick(search, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert prompt_edit.toPlainText() == FOX
    assert _form(window, "negativePromptEdit").toPlainText() == "blurry, dark"
    QTest.keyClick(prompt_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert prompt_edit.toPlainText() == "half a thought"  # one undoable edit

    # delete the boat images: the prompt stays in the history
    window.ctx.deleter.undo_seconds = 0.2
    model = window.gallery.model()
    boat_generations = {model.record(i).generation_id for i in _boat_rows(window)}
    assert len(boat_generations) == 2
    activate(qtbot, window)
    for left in (1, 0):
        click_row(qtbot, window.gallery, _boat_rows(window)[0])
        key(window.gallery, Qt.Key.Key_Delete)
        qtbot.waitUntil(lambda n=left: len(_boat_rows(window)) == n, timeout=5000)
    deletes = lambda: [r for r in history_sim.requests if r.method == "DELETE"]  # noqa: E731
    qtbot.waitUntil(lambda: len(deletes()) == 2, timeout=10000)
    qtbot.waitUntil(lambda: window.ctx.deleter.pending is None, timeout=10000)
    reader = window.ctx.backend.reader
    qtbot.waitUntil(
        lambda: all(reader.get_generation(g) is None for g in boat_generations), timeout=10000
    )

    qtbot.mouseClick(_form(window, "promptHistoryButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    assert search.text() == "FOX snow"  # kept, and selected to type over
    qtbot.keyClicks(search, "boat")
    assert search.text() == "boat"
    qtbot.waitUntil(lambda: [r.split("\n")[0] for r in _rows(window)] == [BOAT], timeout=3000)

    # double-click recalls too
    lst = child(popup, QWidget, "promptHistoryList")
    double_click(qtbot, lst, lst.visualItemRect(lst.item(0)).center())
    assert not popup.isVisible()
    assert prompt_edit.toPlainText() == BOAT
    assert _form(window, "negativePromptEdit").toPlainText() == ""

    # Delete in the list forgets the entry, in the library too
    QTest.keyClick(prompt_edit, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.waitUntil(lambda: len(_rows(window)) == 1, timeout=3000)
    QTest.keyClick(search, Qt.Key.Key_Down)
    lst.setFocus()
    QTest.keyClick(lst, Qt.Key.Key_Delete)
    assert _rows(window) == []
    assert child(popup, QWidget, "promptHistoryEmpty").isVisible()
    qtbot.waitUntil(lambda: window.ctx.backend.reader.prompt_history("boat") == [], timeout=5000)
    QTest.keyClick(search, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert next(e.prompt for e in window.ctx.backend.reader.prompt_history()) == FOX
    wait_idle(qtbot, window)


def _type_name(name: str) -> Any:
    def answer(dialog: QDialog) -> None:
        edit = child(dialog, QLineEdit, "presetNameEdit")
        QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        if name:
            QTest.keyClicks(edit, name)
        else:
            QTest.keyClick(edit, Qt.Key.Key_Backspace)
        QTest.keyClick(edit, Qt.Key.Key_Return)

    return answer


def _name_twice(refused: str, then: str, seen: list[str]) -> None:
    """Type ``refused`` in the name dialog, then ``then`` in the one that asks again."""

    def first(dialog: QDialog) -> None:
        _type_name(refused)(dialog)
        answer_dialog("presetNameDialog", _type_name(then), seen)

    answer_dialog("presetNameDialog", first, seen)


def _click_yes(box: QDialog) -> None:
    assert isinstance(box, QMessageBox)
    yes = box.button(QMessageBox.StandardButton.Yes)
    QTest.mouseClick(yes, Qt.MouseButton.LeftButton)


def _pick_model(qtbot: Any, window: Any, name: str) -> None:
    browser = window.browser
    proxy = browser.proxy
    qtbot.waitUntil(lambda: proxy.rowCount() > 0, timeout=10000)
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == name)
    pos = cell_center(qtbot, browser.view, proxy.index(row, 0))
    qtbot.mouseClick(browser.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert child(window.form, QWidget, "modelButton").text() == name


def test_presets_save_apply_rename_delete_and_survive_a_restart(
    qtbot: Any, apps: Apps, sim: Any
) -> None:
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    model = sim_catalog.PLATFORM_MODELS[1].name
    _pick_model(qtbot, window, model)
    replace_text(qtbot, _form(window, "promptEdit"), "castle, golden hour")
    replace_text(qtbot, _form(window, "negativePromptEdit"), "fog")
    replace_text(qtbot, _form(window, "numImagesSpin"), "3")
    saved_state = window.form.state()
    button = child(window.drafts, QWidget, "presetsMenuButton")
    assert button.isVisible() and button.accessibleName() == "Presets and drafts"

    # Save: an empty name is refused with the reason, and nothing is lost
    seen: list[str] = []
    _name_twice("  ", "Castle", seen)
    names = choose_in_menu(qtbot, button, ["savePresetAction"])
    assert "noPresetsAction" in names and "draftAction0" in names and "newDraftAction" in names
    reader = window.ctx.backend.reader
    qtbot.waitUntil(lambda: [p.name for p in reader.presets()] == ["Castle"], timeout=5000)
    assert "Give the preset a name" in seen[1]
    kept = reader.preset("Castle").state
    assert kept["num_images"] == 3 and kept["model"]["name"] == model
    assert "images" not in kept

    # change the form, then apply keeping my prompt, then apply all
    replace_text(qtbot, _form(window, "promptEdit"), "a new idea")
    replace_text(qtbot, _form(window, "numImagesSpin"), "1")
    _pick_model(qtbot, window, sim_catalog.PLATFORM_MODELS[0].name)
    choose_in_menu(qtbot, button, ["presetMenuAction0", "applyPresetKeepPromptAction"])
    assert _form(window, "numImagesSpin").value() == 3
    assert child(window.form, QWidget, "modelButton").text() == model
    assert _form(window, "promptEdit").toPlainText() == "a new idea"
    choose_in_menu(qtbot, button, ["presetMenuAction0", "applyPresetAction"])
    assert _form(window, "promptEdit").toPlainText() == "castle, golden hour"
    assert _form(window, "negativePromptEdit").toPlainText() == "fog"
    assert window.form.request() is not None

    # saving under a taken name asks before replacing; Cancel on the name keeps everything
    replace_text(qtbot, _form(window, "numImagesSpin"), "2")
    seen.clear()
    answer_dialog("presetNameDialog", _type_name("castle"), seen)
    answer_dialog("presetReplaceDialog", _click_yes, seen)
    choose_in_menu(qtbot, button, ["savePresetAction"])
    assert "Replace the preset “Castle”" in seen[1]
    qtbot.waitUntil(lambda: reader.preset("Castle").state["num_images"] == 2, timeout=5000)
    assert [p.name for p in reader.presets()] == ["castle"]
    answer_dialog("presetNameDialog", lambda d: QTest.keyClick(d, Qt.Key.Key_Escape), seen)
    choose_in_menu(qtbot, button, ["savePresetAction"])
    assert QApplication.activeModalWidget() is None
    assert [p.name for p in reader.presets()] == ["castle"]

    # rename (a second preset's name is taken: said, asked again)
    seen.clear()
    answer_dialog("presetNameDialog", _type_name("Sketch"), seen)
    choose_in_menu(qtbot, button, ["savePresetAction"])
    qtbot.waitUntil(lambda: len(reader.presets()) == 2, timeout=5000)
    _name_twice("sketch", "Golden castle", seen)
    choose_in_menu(qtbot, button, ["presetMenuAction0", "renamePresetAction"])
    assert "already a preset named “Sketch”" in seen[-1]
    qtbot.waitUntil(
        lambda: [p.name for p in reader.presets()] == ["Golden castle", "Sketch"], timeout=5000
    )
    wait_idle(qtbot, window)
    window.close()

    # after a restart: still there; open one in a new draft, then delete it
    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    button = child(again.drafts, QWidget, "presetsMenuButton")
    replace_text(qtbot, child(again.form, QWidget, "numImagesSpin"), "1")
    choose_in_menu(qtbot, button, ["presetMenuAction0", "presetNewDraftAction"])
    tabs = child(again.drafts, QWidget, "draftTabs")
    assert tabs.count() == 2 and tabs.currentIndex() == 1
    assert child(again.form, QWidget, "numImagesSpin").value() == 2  # as replaced
    assert child(again.form, QWidget, "modelButton").text() == model
    assert child(again.form, QWidget, "promptEdit").toPlainText() == saved_state["prompt"]
    replace_text(qtbot, child(again.form, QWidget, "numImagesSpin"), "4")
    choose_in_menu(qtbot, button, ["draftAction0"])
    assert tabs.currentIndex() == 0
    assert child(again.form, QWidget, "numImagesSpin").value() == 1
    choose_in_menu(qtbot, button, ["draftAction1"])
    assert child(again.form, QWidget, "numImagesSpin").value() == 4

    seen.clear()
    answer_dialog("presetDeleteDialog", _click_yes, seen)
    choose_in_menu(qtbot, button, ["presetMenuAction1", "deletePresetAction"])
    assert "Sketch" in seen[0]
    reader = again.ctx.backend.reader
    qtbot.waitUntil(lambda: [p.name for p in reader.presets()] == ["Golden castle"], timeout=5000)
    assert QApplication.activeModalWidget() is None
    wait_idle(qtbot, again)


def test_ctrl_h_belongs_to_the_prompt_history_alone(qtbot: Any, apps: Apps, sim: Any) -> None:
    from PySide6.QtGui import QAction, QKeySequence, QShortcut

    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    wanted = QKeySequence("Ctrl+H")
    owners = [
        a.objectName()
        for a in window.findChildren(QAction)
        if any(k.matches(wanted) == QKeySequence.SequenceMatch.ExactMatch for k in a.shortcuts())
    ]
    owners += [s.objectName() for s in window.findChildren(QShortcut) if s.key() == wanted]
    assert owners == ["promptHistoryAction"]
    assert window.history_link.action in window.view_menu.actions()
    wait_idle(qtbot, window)
