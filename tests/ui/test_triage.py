"""Triage: a full-screen pass over the gallery, one key per decision."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from tests.ui.helpers import (
    Apps,
    activate,
    click_row,
    fast_sync,
    key,
    shown_records,
    sim_runtime,
    start_history_sim,
    sync_library,
    wait_idle,
    wait_models,
)


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    """The app with a synced account of 4 generations (10 images)."""
    sim = start_history_sim(4, seed=5)
    apps = Apps(qtbot)
    try:
        w = apps.start(sim_runtime(sim))
        fast_sync(w)
        wait_models(qtbot, w)
        assert "Library synced" in sync_library(qtbot, w)
        assert len(shown_records(w)) == 10
        yield w
    finally:
        apps.shutdown_all()
        sim.stop()


def _press(qtbot: Any, triage: Any, k: Qt.Key) -> None:
    """A key press as the keyboard delivers it: to the focused widget of the triage window."""
    target = QApplication.focusWidget()
    if target is None or target.window() is not triage:
        target = triage
    QTest.keyClick(target, k)


def _status(triage: Any) -> str:
    return str(triage.findChild(QWidget, "triageStatus").text())


def _stored(window: Any, image_id: str) -> Any:
    return window.ctx.backend.reader.image_records([image_id])[image_id]


def _open_triage(qtbot: Any, window: Any) -> Any:
    key(window.gallery, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: window.findChild(QDialog, "triageWindow") is not None, timeout=5000)
    triage = window.findChild(QDialog, "triageWindow")
    qtbot.waitUntil(triage.isVisible, timeout=5000)
    activate(qtbot, triage)
    return triage


def test_triage_keys(qtbot: Any, window: Any) -> None:
    records = shown_records(window)
    ids = [r.id for r in records]
    answers: list[str] = []

    def ask_text(title: str, label: str, choices: list[str]) -> str:
        answers.append(title)
        return "Keepers"

    window.library_actions.ask_text = ask_text
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 2)
    triage = _open_triage(qtbot, window)
    assert triage.isFullScreen()
    # it starts on the selected image, shows its picture and where it is
    assert _status(triage).startswith("3 / 10   ☆☆☆☆☆   —")
    assert triage.record.id == ids[2]
    qtbot.waitUntil(lambda: not triage.canvas.item.pixmap().isNull(), timeout=10000)

    _press(qtbot, triage, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _status(triage).startswith("4 / 10"), timeout=5000)
    assert triage.record.id == ids[3]
    assert window.gallery.currentIndex().row() == 3
    _press(qtbot, triage, Qt.Key.Key_Left)
    _press(qtbot, triage, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _status(triage).startswith("2 / 10"), timeout=5000)
    assert triage.record.id == ids[1]

    # each decision is stored and moves on to the next image; Left goes back to see it
    def decide(k: Qt.Key, check: Any) -> None:
        _press(qtbot, triage, k)
        qtbot.waitUntil(lambda: _status(triage).startswith("3 / 10"), timeout=5000)
        assert triage.record.id == ids[2]
        qtbot.waitUntil(lambda: check(_stored(window, ids[1])), timeout=5000)
        _press(qtbot, triage, Qt.Key.Key_Left)
        qtbot.waitUntil(lambda: _status(triage).startswith("2 / 10"), timeout=5000)

    # 1–5 rate, 0 clears: on screen and in the library
    decide(Qt.Key.Key_4, lambda r: r.rating == 4)
    qtbot.waitUntil(lambda: "★★★★☆" in _status(triage), timeout=5000)
    decide(Qt.Key.Key_1, lambda r: r.rating == 1)
    qtbot.waitUntil(lambda: "★☆☆☆☆" in _status(triage), timeout=5000)
    decide(Qt.Key.Key_0, lambda r: r.rating == 0)
    qtbot.waitUntil(lambda: "☆☆☆☆☆" in _status(triage), timeout=5000)

    # P picks, P again takes it back, X rejects
    decide(Qt.Key.Key_P, lambda r: r.pick == "picked")
    qtbot.waitUntil(lambda: "✔ picked" in _status(triage), timeout=5000)
    decide(Qt.Key.Key_P, lambda r: r.pick is None)
    qtbot.waitUntil(lambda: "✔ picked" not in _status(triage), timeout=5000)
    decide(Qt.Key.Key_X, lambda r: r.pick == "rejected")
    qtbot.waitUntil(lambda: "✘ rejected" in _status(triage), timeout=5000)

    # F toggles the favourite
    decide(Qt.Key.Key_F, lambda r: r.favourite)
    qtbot.waitUntil(lambda: "♥ favourite" in _status(triage), timeout=5000)
    decide(Qt.Key.Key_F, lambda r: not r.favourite)
    qtbot.waitUntil(lambda: "♥ favourite" not in _status(triage), timeout=5000)
    decide(Qt.Key.Key_F, lambda r: r.favourite)

    # C adds to a collection (the name is asked) and stays on the image
    _press(qtbot, triage, Qt.Key.Key_C)
    assert answers == ["Add to collection"]
    combo = window.findChild(QWidget, "filterCollectionCombo")
    qtbot.waitUntil(lambda: combo.findText("Keepers (1) · local") >= 0, timeout=5000)
    assert _stored(window, ids[1]).collection_ids == (combo.itemData(1),)
    assert _status(triage).startswith("2 / 10") and triage.record.id == ids[1]

    # the next image starts clean; its rating is its own
    _press(qtbot, triage, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _status(triage).startswith("3 / 10   ☆☆☆☆☆   —"), timeout=5000)
    _press(qtbot, triage, Qt.Key.Key_5)
    qtbot.waitUntil(lambda: _status(triage).startswith("4 / 10   ☆☆☆☆☆   —"), timeout=5000)
    qtbot.waitUntil(lambda: _stored(window, ids[2]).rating == 5, timeout=5000)
    assert _stored(window, ids[1]).rating == 0

    # Esc leaves; the gallery shows the decisions and selects where triage ended
    _press(qtbot, triage, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not triage.isVisible(), timeout=5000)
    assert window.gallery.currentIndex().row() == 3
    qtbot.waitUntil(
        lambda: {r.id: r for r in shown_records(window)}[ids[2]].rating == 5, timeout=5000
    )
    shown = {r.id: r for r in shown_records(window)}
    assert (shown[ids[1]].pick, shown[ids[1]].favourite) == ("rejected", True)
    assert sum(1 for r in shown.values() if r.rating or r.pick or r.favourite) == 2

    # T again: back where the user left off
    activate(qtbot, window)
    triage = _open_triage(qtbot, window)
    assert _status(triage).startswith("4 / 10   ☆☆☆☆☆")
    _press(qtbot, triage, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _status(triage).startswith("3 / 10   ★★★★★"), timeout=5000)
    _press(qtbot, triage, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not triage.isVisible(), timeout=5000)
    wait_idle(qtbot, window)


def test_triage_walks_to_the_end_and_stops(qtbot: Any, window: Any) -> None:
    ids = [r.id for r in shown_records(window)]
    activate(qtbot, window)
    click_row(qtbot, window.gallery, 8)
    triage = _open_triage(qtbot, window)
    assert _status(triage).startswith("9 / 10")
    _press(qtbot, triage, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _status(triage).startswith("10 / 10"), timeout=5000)
    _press(qtbot, triage, Qt.Key.Key_Right)  # the last image: it stays
    assert _status(triage).startswith("10 / 10")
    assert triage.record.id == ids[9]
    qtbot.waitUntil(lambda: "Done" not in _status(triage), timeout=5000)

    # a decision on the last image is stored, the image stays and the pass says it is done
    _press(qtbot, triage, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: _stored(window, ids[9]).pick == "picked", timeout=5000)
    qtbot.waitUntil(lambda: "✔ picked" in _status(triage), timeout=5000)
    assert _status(triage).startswith("10 / 10")
    qtbot.waitUntil(lambda: "✓ Done: that was the last image" in _status(triage), timeout=5000)
    assert triage.record.id == ids[9]
    # going back clears the word; a rating from the second-last moves to the last again
    _press(qtbot, triage, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _status(triage).startswith("9 / 10"), timeout=5000)
    qtbot.waitUntil(lambda: "Done" not in _status(triage), timeout=5000)
    _press(qtbot, triage, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: _status(triage).startswith("10 / 10"), timeout=5000)
    qtbot.waitUntil(lambda: _stored(window, ids[8]).rating == 3, timeout=5000)
    qtbot.waitUntil(lambda: "Done" not in _status(triage), timeout=5000)
    _press(qtbot, triage, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not triage.isVisible(), timeout=5000)
    wait_idle(qtbot, window)
