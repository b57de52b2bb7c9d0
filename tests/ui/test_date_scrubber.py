"""The date scrubber: the library's months beside the gallery; a click jumps to that month."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from leodesk.core import paths
from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library
from tests.ui.conftest import open_app

MONTHS = {"2026-09": 700, "2026-07": 5, "2026-05": 40}  # images per month (1 per generation)


def _fill_library() -> None:
    lib = Library.open(paths.resolve().ensure().library_db)
    gens = []
    for ym, n in MONTHS.items():
        for k in range(n):
            gens.append(
                Generation(
                    id=f"{ym}-{k:04d}",
                    status="COMPLETE",
                    prompt=f"picture {k} of {ym}",
                    created_at=f"{ym}-15T12:{k // 60 % 60:02d}:{k % 60:02d}",
                    images=(
                        GeneratedImage(id=f"img-{ym}-{k:04d}"),
                    ),  # no file, no URL: placeholders
                )
            )
    lib.upsert_generations(gens)
    lib.close()


def test_months_are_listed_and_a_click_jumps(qtbot: Any, sim: Any) -> None:
    _fill_library()
    window = open_app(qtbot, sim)
    launcher = window.launcher
    try:
        scrubber = window.gallery_pane.scrubber
        qtbot.waitUntil(lambda: scrubber.count() == 3, timeout=10000)
        assert scrubber.isVisible()
        labels = [scrubber.item(i).text() for i in range(3)]
        assert labels[0].startswith("Sep 2026") and "700" in labels[0]
        assert labels[1].startswith("Jul") and labels[2].startswith("May")

        # May: past the first page of 500 rows, so the gallery must load up to it
        rect = scrubber.visualItemRect(scrubber.item(2))
        qtbot.mouseClick(scrubber.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        current = window.gallery.currentIndex()
        assert current.isValid() and current.row() == 705
        record = window.gallery.model().record(current.row())
        assert record.prompt.endswith("of 2026-05")
        assert window.gallery.viewport().rect().intersects(window.gallery.visualRect(current))

        # a search hides the scrubber (month offsets hold for the whole library only)
        qtbot.keyClicks(window.gallery_pane.search, "picture")
        qtbot.waitUntil(lambda: not scrubber.isVisible(), timeout=5000)
    finally:
        launcher.shutdown()
