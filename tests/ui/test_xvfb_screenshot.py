"""The real app on a real X server (Xvfb): generate on the simulator and keep a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from tests.conftest import REPO

ARTIFACTS = REPO / "artifacts"


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def xvfb_display(size: str = "1400x900") -> Iterator[str]:
    """An Xvfb server with one screen of ``size`` (WxH) for the time of the generator."""
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (./packaging/dev.sh test installs it)")
    display = _free_display()
    proc = subprocess.Popen(
        [exe, f":{display}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield f":{display}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def xvfb() -> Iterator[str]:
    yield from xvfb_display()


@pytest.mark.parametrize(
    ("theme", "name"), [("light", "main-window"), ("dark", "main-window-dark")]
)
def test_real_app_under_xvfb_generates_and_screenshots(
    xvfb: str, tmp_path: Path, theme: str, name: str
) -> None:
    """The README's screenshots: three prompts generated in the chosen theme."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    out.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_driver", str(out), theme],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "rows=12" in r.stdout and f"dark={theme == 'dark'}" in r.stdout, r.stdout
    with Image.open(out) as im:
        assert im.size == (1400, 860)
        rgb = im.convert("RGB")
        stat = ImageStat.Stat(rgb)
        # not blank: real contrast, and many distinct colours (text, thumbnails, widgets)
        assert max(stat.stddev) > 20
        assert len(rgb.getcolors(maxcolors=1 << 20) or []) > 500
        # the theme shows: the form's side (left third) is dark or light as chosen
        form_side = ImageStat.Stat(rgb.crop((0, 0, 430, 860)).convert("L")).median[0]
        assert form_side < 90 if theme == "dark" else form_side > 170, form_side


@pytest.mark.parametrize("damage", ["pages", "header"])
def test_damaged_library_dialog_under_xvfb(xvfb: str, tmp_path: Path, damage: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"damaged-library-{damage}.png"
    out.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h"))
    r = subprocess.run(
        [sys.executable, "-m", "tests.ui.xvfb_library_driver", str(out), damage],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dialog=shown" in r.stdout
    assert "Traceback" not in r.stderr, r.stderr
    with Image.open(out) as im:
        assert im.size == (1400, 900)
        assert max(ImageStat.Stat(im.convert("RGB")).stddev) > 20
