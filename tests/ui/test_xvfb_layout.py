"""The main window's layout on real X servers (Xvfb) at 1366 × 768 and 1920 × 1080: the window
opens inside the screen, no visible control is clipped by its parent or the window, and the
gallery takes most of the width (≥ 60 % at 1400 px with nothing selected)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.test_xvfb_screenshot import xvfb_display
from tests.ui.xvfb_shots import check_shots, run_driver


@pytest.fixture
def screen(request: pytest.FixtureRequest) -> Iterator[str]:
    """An Xvfb display of the size the test is parametrised with."""
    yield from xvfb_display(request.param)


@pytest.mark.parametrize(
    ("screen", "label"), [("1366x768", "1366"), ("1920x1080", "1920")], indirect=["screen"]
)
def test_no_control_is_clipped_and_the_gallery_is_the_centre(
    screen: str, label: str, tmp_path: Path
) -> None:
    out = run_driver("tests.ui.xvfb_layout_driver", screen, tmp_path / "h")
    print(out)
    assert "fits=True" in out, out  # the window opens inside the available screen
    assert "widened=0" in out, out  # Filters and the undo bar do not widen the window
    counts = [int(n) for n in re.findall(r"clipped=(\d+)", out)]
    assert len(counts) >= 3 and counts == [0] * len(counts), out  # nothing clipped, anywhere
    shares = {int(w): float(s) for w, s in re.findall(r"share=(\d+):([0-9.]+)", out)}
    assert min(shares.values()) >= 0.60, shares  # nothing selected: the gallery has the room
    if label == "1920":
        assert shares[1400] >= 0.60 and shares[1920] >= 0.60, shares
    selected = [float(s) for s in re.findall(r"share-selected=\d+:([0-9.]+)", out)]
    assert selected and min(selected) >= 0.45, out  # Details beside it, with a selection
    check_shots(
        {f"layout-{label}-none.png": (1366, 768), f"layout-{label}-selected.png": (1366, 768)}
    )
