"""The library as a user drives it: filters, search, selection and curation keys.

The account is synced from a seeded simulator into a real SQLite library; every check reads
what the window shows (the gallery's rows, the count, the details panel, the filter widgets).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QImage, QTextDocument
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget

from leodesk.core.export import read_png_metadata
from leodesk.qt.models.gallery_model import IMAGE_IDS_MIME
from tests.ui.helpers import (
    Apps,
    activate,
    cell_center,
    child,
    choose_from_context_menu,
    choose_in_combo,
    click_row,
    delete_on_server,
    fast_sync,
    generate,
    key,
    retype,
    scroll_to_end,
    selected_rows,
    shown_records,
    sim_runtime,
    start_history_sim,
    sync_library,
    wait_idle,
    wait_models,
    wait_rows,
)

GENERATIONS = 12  # 30 images over 5 models, 8 prompts and 4 sizes


@pytest.fixture
def history_sim() -> Iterator[Any]:
    server = start_history_sim(GENERATIONS)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def window(qtbot: Any, history_sim: Any) -> Iterator[Any]:
    """The app with the seeded account synced into its library, every row loaded."""
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(history_sim))
        fast_sync(w)
        wait_models(qtbot, w)
        assert "Library synced" in sync_library(qtbot, w)
        yield w
    finally:
        apps.shutdown_all()


def _total(history_sim: Any) -> int:
    state = history_sim.state
    return sum(len(state.image_ids(g)) for g in state.generation_ids())


def _count_text(window: Any) -> str:
    return str(window.findChild(QWidget, "countLabel").text())


def _open_filters(qtbot: Any, window: Any) -> Any:
    pane = window.gallery_pane
    button = pane.findChild(QWidget, "filtersButton")
    bar = pane.findChild(QWidget, "filterBar")
    assert not bar.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(bar.isVisible, timeout=2000)
    return bar


def test_model_filter_then_reset(qtbot: Any, window: Any, history_sim: Any) -> None:
    total = _total(history_sim)
    # scrolled to the end, the grid holds every image and the count says so
    assert scroll_to_end(qtbot, window.gallery) == total == 30
    assert _count_text(window) == f"{total} images"
    records = shown_records(window)
    bar = _open_filters(qtbot, window)

    # a model that made some of the images, but not all of them
    model_id = records[0].model_id
    expected = {r.id for r in records if r.model_id == model_id}
    assert 0 < len(expected) < total
    combo = bar.findChild(QWidget, "filterModelCombo")
    chosen = choose_in_combo(qtbot, combo, model_id)
    assert chosen == records[0].model_name

    rows = wait_rows(qtbot, window, lambda rs: len(rs) < total)
    assert {r.id for r in rows} == expected
    assert all(r.model_id == model_id for r in rows)
    assert _count_text(window) == f"{len(expected)} images"
    assert window.gallery_pane.filters_button.text() == "Filters (1)"

    qtbot.mouseClick(bar.findChild(QWidget, "filterResetButton"), Qt.MouseButton.LeftButton)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) == total)
    assert combo.currentText() == "Any model"
    assert _count_text(window) == f"{total} images"
    assert window.gallery_pane.filters_button.text() == "Filters"


# -- helpers of this module ---------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """How the full-text index splits an (ASCII) prompt into words."""
    return "".join(c.lower() if c.isalnum() else " " for c in text).split()


def _matching(records: list[Any], word: str) -> set[str]:
    """Ids of the records whose prompt has a word starting with ``word`` (a prefix search)."""
    return {r.id for r in records if any(t.startswith(word.lower()) for t in _tokens(r.prompt))}


def _search(qtbot: Any, window: Any, text: str) -> list[Any]:
    """Type ``text`` over the search box's content; wait for the gallery to apply it."""
    edit = window.findChild(QWidget, "searchEdit")
    retype(qtbot, edit, text)
    assert edit.text() == text
    model = window.gallery.model()
    wanted = text.strip() or None
    qtbot.waitUntil(lambda: getattr(model.filter, "text", None) == wanted, timeout=5000)
    return shown_records(window)


def _meta_title(window: Any) -> str:
    doc = QTextDocument()
    doc.setHtml(window.findChild(QWidget, "metadataTitle").text())
    return str(doc.toPlainText())


def _by_id(window: Any) -> dict[str, Any]:
    return {r.id: r for r in shown_records(window)}


def _cell_picture(view: Any, row: int) -> QImage:
    """The pixels of one gallery cell as painted on screen."""
    rect = view.visualRect(view.model().index(row, 0))
    image: QImage = view.viewport().grab(rect).toImage()
    return image


# -- curation keys ------------------------------------------------------------------------------


def test_selection_by_mouse_and_curation_keys(qtbot: Any, window: Any, history_sim: Any) -> None:
    gallery = window.gallery
    ids = [r.id for r in shown_records(window)]
    activate(qtbot, window)

    click_row(qtbot, gallery, 0)
    assert selected_rows(gallery) == [0]
    assert _meta_title(window).startswith("1 image")
    click_row(qtbot, gallery, 3, Qt.KeyboardModifier.ShiftModifier)
    assert selected_rows(gallery) == [0, 1, 2, 3]
    assert _meta_title(window) == "4 images selected"
    click_row(qtbot, gallery, 6, Qt.KeyboardModifier.ControlModifier)
    click_row(qtbot, gallery, 2, Qt.KeyboardModifier.ControlModifier)  # ctrl+click: off again
    assert selected_rows(gallery) == [0, 1, 3, 6]
    assert _meta_title(window) == "4 images selected"
    chosen = {ids[r] for r in (0, 1, 3, 6)}

    # The thumbnails are in, so only the badge can change the cell's picture.
    model = gallery.model()
    thumbs = window.ctx.thumbs
    qtbot.waitUntil(
        lambda: thumbs.pixmap(model.thumb_key(model.record(6))) is not None, timeout=10000
    )
    before = _cell_picture(gallery, 6)

    # F: favourite for every selected image, and only for them
    key(gallery, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: all(_by_id(window)[i].favourite for i in chosen), timeout=5000)
    assert {i for i, r in _by_id(window).items() if r.favourite} == chosen
    qtbot.waitUntil(lambda: _cell_picture(gallery, 6) != before, timeout=5000)  # ♥ painted
    assert selected_rows(gallery) == [0, 1, 3, 6]  # the selection survives the repaint

    # F on a mixed selection (one favourite, one not) makes both favourites ...
    click_row(qtbot, gallery, 1)
    click_row(qtbot, gallery, 2, Qt.KeyboardModifier.ShiftModifier)
    key(gallery, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: _by_id(window)[ids[2]].favourite, timeout=5000)
    assert _by_id(window)[ids[1]].favourite
    # ... and on an all-favourite selection it takes them off
    key(gallery, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: not _by_id(window)[ids[2]].favourite, timeout=5000)
    assert not _by_id(window)[ids[1]].favourite
    assert _by_id(window)[ids[0]].favourite  # not selected: untouched

    # 3: three stars for the selection; 0 clears
    key(gallery, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: _by_id(window)[ids[2]].rating == 3, timeout=5000)
    assert _by_id(window)[ids[1]].rating == 3
    assert sum(1 for r in shown_records(window) if r.rating) == 2
    key(gallery, Qt.Key.Key_0)
    qtbot.waitUntil(lambda: _by_id(window)[ids[2]].rating == 0, timeout=5000)
    assert not any(r.rating for r in shown_records(window))

    # P picks, P again un-picks, X rejects
    key(gallery, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: _by_id(window)[ids[1]].pick == "picked", timeout=5000)
    assert _by_id(window)[ids[2]].pick == "picked"
    key(gallery, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: _by_id(window)[ids[1]].pick is None, timeout=5000)
    key(gallery, Qt.Key.Key_X)
    qtbot.waitUntil(lambda: _by_id(window)[ids[1]].pick == "rejected", timeout=5000)
    assert _by_id(window)[ids[2]].pick == "rejected"
    assert _meta_title(window).startswith("2 images")

    # Ctrl+A selects every image; 5 rates them all
    key(gallery, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(selected_rows(gallery)) == len(ids)
    assert _meta_title(window) == f"{len(ids)} images selected"
    key(gallery, Qt.Key.Key_5)
    qtbot.waitUntil(lambda: all(r.rating == 5 for r in shown_records(window)), timeout=5000)
    # what the library holds is what the gallery shows
    stored = window.ctx.backend.reader.image_records(ids)
    assert all(stored[i].rating == 5 for i in ids)
    assert {i for i in ids if stored[i].favourite} == {ids[0], ids[3], ids[6]}
    wait_idle(qtbot, window)


# -- filters ------------------------------------------------------------------------------------


def test_curation_filters_favourites_rating_picks(
    qtbot: Any, window: Any, history_sim: Any
) -> None:
    gallery = window.gallery
    ids = [r.id for r in shown_records(window)]
    total = len(ids)
    activate(qtbot, window)
    # two favourites (F), ratings 4 and 2, one pick, one reject: all with keys
    click_row(qtbot, gallery, 1)
    click_row(qtbot, gallery, 4, Qt.KeyboardModifier.ControlModifier)
    key(gallery, Qt.Key.Key_F)
    for row, k in ((5, Qt.Key.Key_4), (6, Qt.Key.Key_2), (7, Qt.Key.Key_P), (8, Qt.Key.Key_X)):
        click_row(qtbot, gallery, row)
        key(gallery, k)
    qtbot.waitUntil(lambda: _by_id(window)[ids[8]].pick == "rejected", timeout=5000)
    records = _by_id(window)
    assert [i for i in ids if records[i].favourite] == [ids[1], ids[4]]
    assert (records[ids[5]].rating, records[ids[6]].rating) == (4, 2)
    assert records[ids[7]].pick == "picked"

    bar = _open_filters(qtbot, window)
    favourite = bar.findChild(QWidget, "filterFavouriteCheck")
    qtbot.mouseClick(favourite, Qt.MouseButton.LeftButton)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) < total)
    assert [r.id for r in rows] == [ids[1], ids[4]]
    assert _count_text(window) == "2 images"
    qtbot.mouseClick(favourite, Qt.MouseButton.LeftButton)
    wait_rows(qtbot, window, lambda rs: len(rs) == total)

    rating = bar.findChild(QWidget, "filterRatingCombo")
    choose_in_combo(qtbot, rating, 3)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) < total)
    assert [r.id for r in rows] == [ids[5]]
    choose_in_combo(qtbot, rating, 2)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) == 2)
    assert [r.id for r in rows] == [ids[5], ids[6]]
    assert window.gallery_pane.filters_button.text() == "Filters (1)"
    choose_in_combo(qtbot, rating, 0)
    wait_rows(qtbot, window, lambda rs: len(rs) == total)

    picks = bar.findChild(QWidget, "filterPickCombo")
    choose_in_combo(qtbot, picks, "picked")
    rows = wait_rows(qtbot, window, lambda rs: len(rs) < total)
    assert [r.id for r in rows] == [ids[7]]
    choose_in_combo(qtbot, picks, "rejected")
    rows = wait_rows(qtbot, window, lambda rs: [r.id for r in rs] != [ids[7]])
    assert [r.id for r in rows] == [ids[8]]
    choose_in_combo(qtbot, picks, "none")
    rows = wait_rows(qtbot, window, lambda rs: len(rs) > 1)
    assert [r.id for r in rows] == [i for i in ids if i not in (ids[7], ids[8])]

    # two filters at once, then Reset brings everything back
    qtbot.mouseClick(favourite, Qt.MouseButton.LeftButton)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) == 2)
    assert [r.id for r in rows] == [ids[1], ids[4]]
    assert window.gallery_pane.filters_button.text() == "Filters (2)"
    qtbot.mouseClick(bar.findChild(QWidget, "filterResetButton"), Qt.MouseButton.LeftButton)
    wait_rows(qtbot, window, lambda rs: len(rs) == total)
    assert not favourite.isChecked()
    assert picks.currentData() == "any"
    assert _count_text(window) == f"{total} images"
    wait_idle(qtbot, window)


def test_collections_from_key_and_context_menu_then_filter(
    qtbot: Any, window: Any, history_sim: Any
) -> None:
    gallery = window.gallery
    ids = [r.id for r in shown_records(window)]
    asked: list[tuple[str, list[str]]] = []

    def answer(title: str, label: str, choices: list[str]) -> str:
        asked.append((title, list(choices)))
        return "Foxes"

    window.library_actions.ask_text = answer
    activate(qtbot, window)
    click_row(qtbot, gallery, 0)
    click_row(qtbot, gallery, 2, Qt.KeyboardModifier.ShiftModifier)
    key(gallery, Qt.Key.Key_C)
    assert asked == [("Add to collection", [])]
    bar = window.gallery_pane.filters
    combo = bar.findChild(QWidget, "filterCollectionCombo")
    qtbot.waitUntil(lambda: combo.findText("Foxes (3) · local") >= 0, timeout=5000)

    # right-click another image: the menu's "Add to collection…" offers the existing name
    pos = cell_center(qtbot, gallery, gallery.model().index(5, 0))
    texts = choose_from_context_menu(qtbot, gallery, pos, "collectAction")
    assert "Add to collection…" in texts
    assert asked[-1] == ("Add to collection", ["Foxes"])
    qtbot.waitUntil(lambda: combo.findText("Foxes (4) · local") >= 0, timeout=5000)
    assert combo.count() == 2  # "All images" and the one collection: no duplicate
    # a closed context menu does not linger (one more per right-click otherwise)
    qtbot.waitUntil(lambda: not gallery.findChildren(QMenu, "galleryContextMenu"), timeout=2000)

    _open_filters(qtbot, window)
    cid = combo.itemData(combo.findText("Foxes (4) · local"))
    choose_in_combo(qtbot, combo, cid)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) == 4)
    assert [r.id for r in rows] == [ids[0], ids[1], ids[2], ids[5]]
    assert all(cid in r.collection_ids for r in rows)
    assert _count_text(window) == "4 images"
    wait_idle(qtbot, window)


def test_search_keeps_the_selection_and_combines_with_filters(
    qtbot: Any, window: Any, history_sim: Any
) -> None:
    gallery = window.gallery
    # Every image of the account in the gallery first: the sync's last page may still be on its
    # way to the gallery (on a slow machine the search below then found 7 images more than
    # the rows read here).
    everything = _total(history_sim)
    wait_rows(qtbot, window, lambda rs: len(rs) == everything, timeout=15000)
    total = scroll_to_end(qtbot, gallery)
    records = shown_records(window)
    # the oldest image, at the end of the grid; the word of its prompt most images share
    target = records[-1]
    word = max(
        (w for w in _tokens(target.prompt) if len(_matching(records, w)) < total),
        key=lambda w: (len(_matching(records, w)), w),
    )
    expected = _matching(records, word)
    assert target.id in expected and 1 < len(expected) < total
    activate(qtbot, window)
    click_row(qtbot, gallery, total - 1)
    assert _meta_title(window).startswith("1 image")
    gallery.scrollToTop()  # the selected image is out of sight
    assert (
        not gallery.viewport()
        .rect()
        .intersects(gallery.visualRect(gallery.model().index(total - 1, 0)))
    )

    rows = _search(qtbot, window, word)
    assert {r.id for r in rows} == expected
    assert _count_text(window) == f"{len(expected)} images"
    row = gallery.model().row_of(target.id)
    assert row is not None
    # far enough down that it is out of sight unless the view scrolls to it
    cell = gallery.gridSize()
    first_screen = (gallery.viewport().width() // cell.width()) * (
        gallery.viewport().height() // cell.height() + 1
    )
    assert row >= first_screen
    assert selected_rows(gallery) == [row]
    assert gallery.currentIndex().row() == row
    cell = gallery.visualRect(gallery.model().index(row, 0))
    assert gallery.viewport().rect().contains(cell.center())  # scrolled into view
    assert _meta_title(window).startswith("1 image")
    assert window.findChild(QWidget, "meta_prompt").text() == target.prompt

    # search and a model filter combine: both must hold
    _open_filters(qtbot, window)
    model_id = target.model_id
    choose_in_combo(qtbot, window.findChild(QWidget, "filterModelCombo"), model_id)
    both = {r.id for r in records if r.id in expected and r.model_id == model_id}
    rows = wait_rows(qtbot, window, lambda rs: {r.id for r in rs} == both)
    assert _count_text(window) == f"{len(both)} images"
    assert selected_rows(gallery) == [gallery.model().row_of(target.id)]

    # a search the selected image does not match: it leaves the grid and the selection
    other = next(
        w for r in records for w in _tokens(r.prompt) if target.id not in _matching(records, w)
    )
    rows = _search(qtbot, window, other)
    assert target.id not in {r.id for r in rows}
    assert selected_rows(gallery) == []
    assert _meta_title(window).startswith("Select an image")

    # clearing the search keeps the model filter
    rows = _search(qtbot, window, "")
    assert {r.id for r in rows} == {r.id for r in records if r.model_id == model_id}
    wait_idle(qtbot, window)


def _clear_button(edit: QWidget) -> QWidget | None:
    for button in edit.findChildren(QAbstractButton):
        if button.metaObject().className() == "QLineEditIconButton" and button.isVisible():
            return button
    return None


def test_the_search_fields_clear_button_comes_with_text_and_clears(
    qtbot: Any, window: Any, history_sim: Any
) -> None:
    everything = {r.id for r in shown_records(window)}
    edit = window.findChild(QWidget, "searchEdit")
    assert _clear_button(edit) is None  # an empty field has nothing to clear
    found = {r.id for r in _search(qtbot, window, "cat")}
    assert 0 < len(found) < len(everything)
    button = _clear_button(edit)
    assert button is not None  # the ✕ at the field's end
    assert edit.rect().contains(button.geometry().center())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert edit.text() == ""
    rows = wait_rows(qtbot, window, lambda rs: {r.id for r in rs} == everything)
    assert _count_text(window) == f"{len(rows)} images"
    # typed again, the button is back (it stays enabled once the field has held text)
    _search(qtbot, window, "cat")
    assert _clear_button(edit) is not None
    wait_idle(qtbot, window)


ODD_INPUT = [
    '"',
    "'",
    "*",
    "-",
    "AND",
    "OR NOT",
    "NEAR(",
    "prompt:",
    "^",
    "(((",
    "\\",
    "%_",
    "café",
    "猫",
    "🦊",
    "e\u0301",  # e + combining accent
    "\u200b",  # zero-width space
]


def test_odd_search_input_never_raises(qtbot: Any, window: Any, history_sim: Any) -> None:
    everything = shown_records(window)
    total = len(everything)
    word = "cat"
    plain = {r.id for r in _search(qtbot, window, word)}
    assert 0 < len(plain) < total
    # Operators and quotes around a word are plain text: the same images as the word alone.
    for text in (f'"{word}', f'{word}"', f"{word}*", f"-{word}", f"({word})", word.upper()):
        rows = _search(qtbot, window, text)
        assert {r.id for r in rows} == plain, text
        assert _count_text(window) == f"{len(plain)} images"
    # "cat AND": every word must match, and no prompt has a word starting with "and"
    assert {r.id for r in _search(qtbot, window, f"{word} AND")} <= plain
    # a pasted essay of one word: all of them must match, the last as a prefix, so it finds
    # the whole word only ("cat", not "cathedral")
    exact = {r.id for r in _search(qtbot, window, " ".join([word] * 60))}
    assert exact == {r.id for r in everything if word in _tokens(r.prompt)}
    assert 0 < len(exact) < len(plain)

    for text in ODD_INPUT:
        rows = _search(qtbot, window, text)
        assert len(rows) <= total, text
        assert _count_text(window) == f"{len(rows)} images", text
        if not any(c.isalnum() for c in text):
            assert len(rows) == total, f"{text!r} has no word: nothing to narrow by"
    # typing odd input leaves a working search box
    assert {r.id for r in _search(qtbot, window, word)} == plain
    wait_idle(qtbot, window)


# -- generations deleted on the server ------------------------------------------------------------


@pytest.fixture
def own_window(qtbot: Any, sim: Any) -> Iterator[Any]:
    """The app on an empty account, with two generations of one image each made in the app."""
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim))
        fast_sync(w)
        wait_models(qtbot, w)
        generate(qtbot, w, "a lighthouse in a storm")
        generate(qtbot, w, "a quiet harbour at dawn")
        yield w
    finally:
        apps.shutdown_all()


def test_deleted_on_server_toggle(qtbot: Any, own_window: Any, sim: Any) -> None:
    window = own_window
    newer, older = shown_records(window)
    assert older.prompt == "a lighthouse in a storm"
    delete_on_server(sim, older.generation_id)

    # the first sync is a full pass: it notices the generation is gone from the account
    status = sync_library(qtbot, window)
    assert "1 deleted on the server" in status, status
    assert [r.id for r in shown_records(window)] == [newer.id, older.id]  # kept, shown

    bar = _open_filters(qtbot, window)
    deleted = bar.findChild(QWidget, "filterDeletedCheck")
    assert deleted.isChecked()
    qtbot.mouseClick(deleted, Qt.MouseButton.LeftButton)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) == 1)
    assert rows[0].id == newer.id
    assert _count_text(window) == "1 image"
    assert window.gallery_pane.filters_button.text() == "Filters (1)"
    qtbot.mouseClick(deleted, Qt.MouseButton.LeftButton)
    rows = wait_rows(qtbot, window, lambda rs: len(rs) == 2)
    assert [r.id for r in rows] == [newer.id, older.id]
    assert [r.deleted_remote for r in rows] == [False, True]  # the grid's "deleted online"
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 1)
    assert "deleted on the server; kept here" in _meta_title(window)
    # the image stays in the library, and its file on this computer
    assert window.ctx.image_path(rows[1]).exists()
    wait_idle(qtbot, window)


def test_the_grid_shows_a_server_deletion_right_after_the_sync(
    qtbot: Any, own_window: Any, sim: Any
) -> None:
    window = own_window
    _newer, older = shown_records(window)
    delete_on_server(sim, older.generation_id)
    assert "1 deleted on the server" in sync_library(qtbot, window)
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 1)
    assert "deleted on the server; kept here" in _meta_title(window)
    assert [r.deleted_remote for r in shown_records(window)] == [False, True]


def test_a_later_sync_notices_a_deletion_on_the_server(
    qtbot: Any, own_window: Any, sim: Any
) -> None:
    window = own_window
    assert "0 new" in sync_library(qtbot, window)  # the first (full) pass: nothing is gone yet
    _newer, older = shown_records(window)
    delete_on_server(sim, older.generation_id)
    # a plain sync right after a full one is incremental: it cannot see deletions
    assert "deleted on the server" not in sync_library(qtbot, window)
    # Sync ▸ Full check looks at every page again
    pane = window.gallery_pane
    child(pane, QAction, "fullSyncAction").trigger()
    button = child(pane, QWidget, "syncButton")
    assert not button.isEnabled()
    qtbot.waitUntil(button.isEnabled, timeout=20000)
    status = child(pane, QWidget, "syncStatus").text()
    assert "1 deleted on the server" in status, status


# -- export, drag out, copy ---------------------------------------------------------------------


def _png_text(path: Path) -> dict[str, str]:
    """The text chunks of a PNG."""
    with Image.open(path) as im:
        return dict(getattr(im, "text", {}))


def _png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def _status_message(window: Any) -> str:
    return str(window.statusBar().currentMessage())


def test_export_selection_to_a_folder(qtbot: Any, own_window: Any, tmp_path: Path) -> None:
    window = own_window
    records = shown_records(window)
    folder = tmp_path / "exported"
    asked: list[bool] = []

    def ask_folder() -> str:
        asked.append(True)
        return str(folder)

    window.library_actions.ask_folder = ask_folder
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 0)
    click_row(qtbot, window.gallery, 1, Qt.KeyboardModifier.ShiftModifier)
    key(window.gallery, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True]
    qtbot.waitUntil(lambda: "Exported 2 image(s)" in _status_message(window), timeout=10000)
    assert str(folder) in _status_message(window)

    pngs = sorted(folder.glob("*.png"))
    assert len(pngs) == 2 and len(list(folder.glob("*.json"))) == 2
    by_image = {read_png_metadata(p)["image_id"]: p for p in pngs}
    assert set(by_image) == {r.id for r in records}
    for record in records:
        png = by_image[record.id]
        meta = read_png_metadata(png)
        gen = window.ctx.backend.reader.get_generation(record.generation_id)
        assert meta["prompt"] == record.prompt
        assert meta["seed"] == gen.seed == record.seed
        assert meta["generation_id"] == record.generation_id
        assert json.loads(png.with_suffix(".json").read_text(encoding="utf-8")) == meta
        parameters = _png_text(png)["parameters"]
        assert parameters.startswith(record.prompt)
        assert f"Seed: {gen.seed}" in parameters
        assert _png_size(png) == _png_size(window.ctx.image_path(record))
    wait_idle(qtbot, window)


def test_drag_out_carries_ids_and_pngs_with_parameters(qtbot: Any, own_window: Any) -> None:
    window = own_window
    gallery = window.gallery
    records = shown_records(window)
    activate(qtbot, window)
    click_row(qtbot, gallery, 0)
    click_row(qtbot, gallery, 1, Qt.KeyboardModifier.ControlModifier)
    # what the view hands to the drag when the user drags the selection
    mime = gallery.model().mimeData(gallery.selectionModel().selectedIndexes())
    assert IMAGE_IDS_MIME in mime.formats()
    assert bytes(mime.data(IMAGE_IDS_MIME).data()).decode().split("\n") == [r.id for r in records]
    files = [Path(u.toLocalFile()) for u in mime.urls()]
    assert len(files) == 2 and all(f.suffix == ".png" and f.exists() for f in files)
    metas = {read_png_metadata(f)["image_id"]: read_png_metadata(f) for f in files}
    for record in records:
        meta = metas[record.id]
        assert (meta["prompt"], meta["seed"]) == (record.prompt, record.seed)
        dragged = files[list(metas).index(record.id)]
        assert _png_size(dragged) == _png_size(window.ctx.image_path(record))
        assert _png_text(dragged)["parameters"].startswith(record.prompt)
    wait_idle(qtbot, window)


def test_copy_image_puts_it_on_the_clipboard(qtbot: Any, own_window: Any) -> None:
    window = own_window
    record = shown_records(window)[1]
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("something else")
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 1)
    key(
        window.gallery,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: _status_message(window) == "Image copied", timeout=10000)
    fmt = QImage.Format.Format_RGB32
    stored = QImage(str(window.ctx.image_path(record)))
    copied = clipboard.image()
    assert not copied.isNull() and copied.size() == stored.size()
    assert copied.convertToFormat(fmt) == stored.convertToFormat(fmt)
    wait_idle(qtbot, window)


def test_export_of_images_not_downloaded_says_so(qtbot: Any, window: Any, tmp_path: Path) -> None:
    asked: list[bool] = []

    def ask_folder() -> str:
        asked.append(True)
        return str(tmp_path)

    window.library_actions.ask_folder = ask_folder
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 0)
    key(window.gallery, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert "not on this computer yet" in _status_message(window)
    assert asked == [] and not list(tmp_path.glob("*.png"))
    wait_idle(qtbot, window)
