"""Delete from the gallery with undo: what the user sees, what the simulator receives, what is
left on disk and in the library."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.ui.helpers import (
    Apps,
    activate,
    cell_center,
    choose_from_context_menu,
    click_row,
    generate,
    key,
    shown_ids,
    sim_runtime,
    wait_idle,
    wait_models,
)

DELETES = "/generations/*"


class Answers:
    """Stands in for the confirmation dialogs: records each question, gives the next answer."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []

    def __call__(self, title: str, text: str) -> bool:
        self.asked.append((title, text))
        assert self.answers, f"an unexpected question: {title}: {text}"
        return self.answers.pop(0)


@pytest.fixture
def window(qtbot: Any, sim: Any, apps: Apps) -> Any:
    w = apps.start(sim_runtime(sim))
    wait_models(qtbot, w)
    return w


def _deleted_on_server(sim: Any) -> list[str]:
    return [r.path.rsplit("/", 1)[1] for r in sim.requests if r.method == "DELETE"]


def _undo_bar(window: Any) -> Any:
    return window.findChild(QWidget, "undoBar")


def _status(window: Any) -> str:
    return str(window.statusBar().currentMessage())


def _stored(window: Any, image_id: str) -> Any:
    return window.ctx.backend.reader.image_records([image_id]).get(image_id)


def _wait_deleted(qtbot: Any, window: Any, sim: Any, n: int) -> None:
    """Wait until the undo window closed and the server delete ended (the undo bar hides and
    the status bar reports it)."""
    qtbot.waitUntil(lambda: len(_deleted_on_server(sim)) >= n, timeout=10000)
    qtbot.waitUntil(lambda: not _undo_bar(window).isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: "Deleted" in _status(window), timeout=10000)


def test_delete_key_then_undo_sends_nothing(qtbot: Any, window: Any, sim: Any) -> None:
    (image,) = generate(qtbot, window, "a paper boat on a puddle", 1)
    window.ctx.deleter.undo_seconds = 0.3
    activate(qtbot, window)
    gallery = window.gallery
    click_row(qtbot, gallery, 0)
    key(gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 0, timeout=5000)
    bar = _undo_bar(window)
    assert bar.isVisible()
    assert "1 image(s) deleted" in window.findChild(QWidget, "undoLabel").text()
    assert window.findChild(QWidget, "countLabel").text() == "0 images"

    qtbot.mouseClick(window.findChild(QWidget, "undoButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown_ids(window) == [image.id], timeout=5000)
    assert not bar.isVisible()
    assert "restored" in _status(window)
    assert window.findChild(QWidget, "countLabel").text() == "1 image"
    assert window.ctx.deleter.pending is None  # nothing left to send when the window ends
    assert _deleted_on_server(sim) == []

    # Delete again and let the undo window pass: exactly one DELETE (the undone one sent none,
    # not even late), then the file and the row are gone.
    path = window.ctx.image_path(_stored(window, image.id))
    assert path is not None and path.exists()
    click_row(qtbot, gallery, 0)
    key(gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 0, timeout=5000)
    _wait_deleted(qtbot, window, sim, 1)
    assert _deleted_on_server(sim) == [image.generation_id]
    assert "Deleted 1 generation(s) from your account" in _status(window)
    assert not path.exists()
    assert _stored(window, image.id) is None
    assert window.ctx.backend.reader.get_generation(image.generation_id) is None
    assert image.generation_id not in sim.state.generation_ids()
    assert shown_ids(window) == []
    # nothing else is on its way
    qtbot.waitUntil(lambda: window.ctx.deleter.pending is None, timeout=5000)
    wait_idle(qtbot, window)
    assert _deleted_on_server(sim) == [image.generation_id]


def test_ctrl_z_undoes_a_delete_from_the_context_menu(qtbot: Any, window: Any, sim: Any) -> None:
    (image,) = generate(qtbot, window, "a kite over the dunes", 1)
    window.ctx.deleter.undo_seconds = 30
    activate(qtbot, window)
    gallery = window.gallery
    pos = cell_center(qtbot, gallery, gallery.model().index(0, 0))
    texts = choose_from_context_menu(qtbot, gallery, pos, "deleteAction")
    assert "Delete…" in texts
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 0, timeout=5000)
    assert _undo_bar(window).isVisible()
    activate(qtbot, window)  # the window manager's part: the window is active again
    key(gallery, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shown_ids(window) == [image.id], timeout=5000)
    assert not _undo_bar(window).isVisible()
    assert window.ctx.deleter.pending is None  # nothing left to commit
    assert _deleted_on_server(sim) == []
    wait_idle(qtbot, window)


def test_bulk_delete_asks_first(qtbot: Any, window: Any, sim: Any) -> None:
    (a,) = generate(qtbot, window, "a red door", 1)
    (b,) = generate(qtbot, window, "a blue door", 1)
    window.ctx.deleter.undo_seconds = 0.2
    answers = Answers(False, True)
    window.library_actions.confirm = answers
    activate(qtbot, window)
    gallery = window.gallery
    click_row(qtbot, gallery, 0)
    click_row(qtbot, gallery, 1, Qt.KeyboardModifier.ShiftModifier)

    key(gallery, Qt.Key.Key_Delete)  # "no": nothing happens
    assert len(answers.asked) == 1
    title, text = answers.asked[0]
    assert title == "Delete images" and "Delete 2 images" in text
    assert shown_ids(window) == [b.id, a.id]
    assert not _undo_bar(window).isVisible()

    key(gallery, Qt.Key.Key_Delete)  # "yes"
    assert len(answers.asked) == 2
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 0, timeout=5000)
    assert "2 image(s) deleted" in window.findChild(QWidget, "undoLabel").text()
    _wait_deleted(qtbot, window, sim, 2)
    assert sorted(_deleted_on_server(sim)) == sorted([a.generation_id, b.generation_id])
    assert "Deleted 2 generation(s)" in _status(window)
    assert _stored(window, a.id) is None and _stored(window, b.id) is None
    wait_idle(qtbot, window)


def test_favourites_ask_again(qtbot: Any, window: Any, sim: Any) -> None:
    (plain,) = generate(qtbot, window, "a green bottle", 1)
    (loved,) = generate(qtbot, window, "a golden bottle", 1)
    window.ctx.deleter.undo_seconds = 30
    activate(qtbot, window)
    gallery = window.gallery
    click_row(qtbot, gallery, 0)
    key(gallery, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: gallery.model().record(0).favourite, timeout=5000)
    assert gallery.model().record(0).id == loved.id

    # one favourite: one question, and "no" keeps it
    answers = Answers(False)
    window.library_actions.confirm = answers
    key(gallery, Qt.Key.Key_Delete)
    assert [t for t, _ in answers.asked] == ["Delete favourites"]
    assert "1 of them are favourites" in answers.asked[0][1]
    assert shown_ids(window) == [loved.id, plain.id]

    # two images, one a favourite: asked twice; "yes", then "no" to the favourite: nothing
    answers = Answers(True, False)
    window.library_actions.confirm = answers
    click_row(qtbot, gallery, 1, Qt.KeyboardModifier.ShiftModifier)
    key(gallery, Qt.Key.Key_Delete)
    assert [t for t, _ in answers.asked] == ["Delete images", "Delete favourites"]
    assert shown_ids(window) == [loved.id, plain.id]
    assert not _undo_bar(window).isVisible()

    # "yes" to both: deleted
    answers = Answers(True, True)
    window.library_actions.confirm = answers
    key(gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 0, timeout=5000)
    assert _undo_bar(window).isVisible()
    qtbot.mouseClick(window.findChild(QWidget, "undoButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 2, timeout=5000)
    assert _deleted_on_server(sim) == []
    wait_idle(qtbot, window)


def test_deleting_part_of_a_generation_hides_it_and_says_why(
    qtbot: Any, window: Any, sim: Any
) -> None:
    first, second = generate(qtbot, window, "twin lanterns on a pier", 2)
    assert first.generation_id == second.generation_id
    window.ctx.deleter.undo_seconds = 0.2
    activate(qtbot, window)
    gallery = window.gallery
    click_row(qtbot, gallery, 0)
    key(gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: shown_ids(window) == [second.id], timeout=5000)
    qtbot.waitUntil(lambda: "hidden here" in _status(window), timeout=10000)
    message = _status(window)
    assert "1 image(s) hidden here" in message
    assert "deletes whole generations only" in message
    assert not _undo_bar(window).isVisible()
    assert _deleted_on_server(sim) == []
    assert sim.state.image_ids(first.generation_id)  # still in the account
    assert shown_ids(window) == [second.id]

    # deleting the other image later deletes the generation: one DELETE, both rows gone
    click_row(qtbot, gallery, 0)
    key(gallery, Qt.Key.Key_Delete)
    _wait_deleted(qtbot, window, sim, 1)
    assert _deleted_on_server(sim) == [first.generation_id]
    assert _stored(window, first.id) is None and _stored(window, second.id) is None
    wait_idle(qtbot, window)


def test_a_server_error_brings_the_images_back(qtbot: Any, window: Any, sim: Any) -> None:
    (image,) = generate(qtbot, window, "a clock without hands", 1)
    # a server error on every try (Retry-After: 0, so the client's retries are quick)
    sim.add_fault("DELETE", DELETES, "503", retry_after=0)
    window.ctx.deleter.undo_seconds = 0.2
    activate(qtbot, window)
    gallery = window.gallery
    click_row(qtbot, gallery, 0)
    key(gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: "Could not delete on the server" in _status(window), timeout=15000)
    qtbot.waitUntil(lambda: shown_ids(window) == [image.id], timeout=5000)
    assert "shown again" in _status(window)
    assert not _undo_bar(window).isVisible()
    assert _deleted_on_server(sim)  # it was tried
    assert image.generation_id in sim.state.generation_ids()
    stored = _stored(window, image.id)
    assert stored is not None and not stored.deleted_local
    assert window.ctx.image_path(stored).exists()
    assert window.findChild(QWidget, "countLabel").text() == "1 image"
    wait_idle(qtbot, window)


def test_closing_inside_the_undo_window_commits(
    qtbot: Any, sim: Any, apps: Apps, window: Any
) -> None:
    (image,) = generate(qtbot, window, "a snow globe on a shelf", 1)
    path = window.ctx.image_path(_stored(window, image.id))
    window.ctx.deleter.undo_seconds = 30
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 0)
    key(window.gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.gallery.model().rowCount() == 0, timeout=5000)
    assert _undo_bar(window).isVisible()
    wait_idle(qtbot, window)
    window.close()  # inside the undo window

    again = apps.start(sim_runtime(sim))
    wait_models(qtbot, again)
    qtbot.waitUntil(lambda: _deleted_on_server(sim) == [image.generation_id], timeout=10000)
    qtbot.waitUntil(lambda: _stored(again, image.id) is None, timeout=10000)
    assert shown_ids(again) == []
    assert not path.exists()
    assert image.generation_id not in sim.state.generation_ids()
    wait_idle(qtbot, again)
