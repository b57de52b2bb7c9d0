"""Names that would read the same when cut are cut in the middle instead: the model browser's
"Leonardo Phoenix 1.0" and "Leonardo Phoenix 0.9" tiles can be told apart; the tooltip has the
full name."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from leodesk.ui.model_tiles import distinct_labels
from tests.ui.helpers import wait_models


def _cut(width: int) -> Any:
    """An elide of ``width`` characters, the way QFontMetrics.elidedText cuts."""

    def elide(name: str, mode: Qt.TextElideMode) -> str:
        if len(name) <= width:
            return name
        if mode == Qt.TextElideMode.ElideMiddle:
            head = (width - 1) // 2
            return name[:head] + "…" + name[len(name) - (width - 1 - head) :]
        return name[: width - 1] + "…"

    return elide


def test_only_names_that_collide_are_cut_in_the_middle() -> None:
    names = ["Leonardo Phoenix 1.0", "Leonardo Phoenix 0.9", "Leonardo Kino XL", "Flux", "Flux"]
    labels = distinct_labels(names, _cut(15))
    assert labels["Leonardo Phoenix 1.0"] == "Leonard…nix 1.0"
    assert labels["Leonardo Phoenix 0.9"] == "Leonard…nix 0.9"
    assert labels["Leonardo Kino XL"] == "Leonardo Kino …"  # no twin: cut at the end
    assert labels["Flux"] == "Flux"  # a name listed twice is not a collision with itself


def _tile_text(view: Any, index: Any) -> str:
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    return str(option.text)


def test_the_two_phoenix_tiles_can_be_told_apart(qtbot: Any, app_window: Any) -> None:
    window = app_window
    wait_models(qtbot, window)
    browser = window.browser
    view, proxy = browser.view, browser.proxy
    rows = {
        proxy.index(r, 0).data(Qt.ItemDataRole.DisplayRole): proxy.index(r, 0)
        for r in range(proxy.rowCount())
    }
    new, old = rows["Leonardo Phoenix 1.0"], rows["Leonardo Phoenix 0.9"]
    width = view.gridSize().width() - 8
    metrics = view.fontMetrics()
    cut_at_end = [
        metrics.elidedText(n, Qt.TextElideMode.ElideRight, width)
        for n in ("Leonardo Phoenix 1.0", "Leonardo Phoenix 0.9")
    ]
    assert cut_at_end[0] == cut_at_end[1]  # what the tiles read before: the same
    shown_new, shown_old = _tile_text(view, new), _tile_text(view, old)
    assert shown_new != shown_old
    assert shown_new.endswith("1.0") and shown_old.endswith("0.9") and "…" in shown_new
    assert metrics.horizontalAdvance(shown_new) <= width
    assert new.data(Qt.ItemDataRole.ToolTipRole).startswith("Leonardo Phoenix 1.0\n")

    # a search that leaves one Phoenix: it is cut at the end again (no twin to tell apart)
    qtbot.keyClicks(browser.search, "0.9")
    qtbot.waitUntil(lambda: proxy.rowCount() == 1, timeout=5000)
    assert _tile_text(view, proxy.index(0, 0)) == cut_at_end[1]
