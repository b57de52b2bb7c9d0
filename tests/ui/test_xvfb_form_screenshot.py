"""The real demo app on Xvfb with a Phoenix and a Flux model chosen: the form knows their
version from the API, and a screenshot of each is kept in artifacts/ for a look."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from tests.conftest import REPO
from tests.ui.test_xvfb_screenshot import ARTIFACTS, xvfb  # noqa: F401  (the fixture)


@pytest.mark.parametrize(
    ("model", "version", "name"),
    [
        ("Leonardo Phoenix 1.0", "PHOENIX", "form-phoenix.png"),
        ("Flux Dev", "FLUX_DEV", "form-flux.png"),
    ],
)
def test_form_with_a_phoenix_and_a_flux_model_under_xvfb(
    xvfb: str,  # noqa: F811
    tmp_path: Path,
    model: str,
    version: str,
    name: str,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / name
    out.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_form_driver", model, str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"chosen={model} version={version}" in r.stdout
    with Image.open(out) as im:
        assert im.size[0] >= 1200 and im.size[1] >= 700
        stat = ImageStat.Stat(im.convert("RGB"))
        assert max(stat.stddev) > 20  # not blank
