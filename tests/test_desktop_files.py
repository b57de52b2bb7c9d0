"""Desktop integration: the desktop entry and the AppStream metainfo (checked by Debian's own
validators), the icon in every hicolor size, the app's identity on a real X server, and the
project metadata the files repeat (version, binary, licence, URLs).

The validators come from ``desktop-file-utils`` and ``appstream`` (and ``xprop``/``xwininfo`` from
``x11-utils``), which ``./packaging/dev.sh test`` installs. Elsewhere their tests skip, but under
``LEODESK_TEST_KEYCHAIN=1`` (set by ``dev.sh test``, the project's test command) a missing tool is a
failure, so these checks can never pass silently there.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage

import leodesk
from leodesk.ui.app_icon import (
    APP_ID,
    APP_NAME,
    ICON_SIZES,
    WINDOW_ICON_SIZES,
    app_icon,
    apply_identity,
    icon_png,
)
from tests.conftest import KEYCHAIN_REQUIRED_ENV, REPO

DESKTOP = REPO / "resources" / "desktop" / f"{APP_ID}.desktop"
METAINFO = REPO / "resources" / "desktop" / f"{APP_ID}.metainfo.xml"
SVG = REPO / "resources" / "icons" / "leodesk.svg"
AMBER = QColor("#d97706")


def _tool(name: str, package: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        why = f"{name} is not installed (Debian: {package}; ./packaging/dev.sh test installs it)"
        if os.environ.get(KEYCHAIN_REQUIRED_ENV):
            pytest.fail(why)
        pytest.skip(why)
    return exe


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def _pyproject() -> dict[str, Any]:
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _entry() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser


# -- the desktop entry -----------------------------------------------------------------------


def test_desktop_entry_passes_desktop_file_validate() -> None:
    run = _run(_tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP))
    print(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout + run.stderr == ""  # not even a hint


def test_desktop_entry_starts_the_installed_command_with_its_icon() -> None:
    entry = _entry()["Desktop Entry"]
    project = _pyproject()
    commands = {**project["scripts"], **project["gui-scripts"]}
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] in commands
    assert entry["TryExec"] in commands
    assert entry["Icon"] == APP_ID
    assert entry["StartupWMClass"] == APP_NAME  # X11's WM_CLASS class (see the Xvfb test below)
    assert entry["Terminal"] == "false"
    assert entry["Categories"].split(";")[:3] == ["Graphics", "2DGraphics", "RasterGraphics"]
    demo = _entry()["Desktop Action demo"]
    assert "demo" in entry["Actions"].split(";")
    assert demo["Exec"].split() == [entry["Exec"].split()[0], "--demo"]


# -- the AppStream metainfo ------------------------------------------------------------------


def _install_tree(root: Path) -> Path:
    """The files laid out as a package installs them under /usr."""
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir(parents=True)
    shutil.copy(DESKTOP, share / "applications")
    shutil.copy(METAINFO, share / "metainfo")
    shutil.copytree(REPO / "resources" / "icons" / "hicolor", share / "icons" / "hicolor")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy(SVG, scalable / f"{APP_ID}.svg")
    return root


def _no_errors_or_warnings(report: str) -> None:
    assert "Validation was successful" in report, report
    assert not re.search(r"^\s*[EW]: ", report, re.MULTILINE), report


def test_metainfo_passes_appstreamcli_validate(tmp_path: Path) -> None:
    appstreamcli = _tool("appstreamcli", "appstream")
    run = _run(appstreamcli, "validate", "--no-net", "--explain", str(METAINFO))
    print(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout + run.stderr
    _no_errors_or_warnings(run.stdout)
    # As installed: the launchable desktop entry and the icon are where the metainfo says.
    tree = _run(appstreamcli, "validate-tree", "--no-net", str(_install_tree(tmp_path / "root")))
    print(tree.stdout + tree.stderr)
    assert tree.returncode == 0, tree.stdout + tree.stderr
    _no_errors_or_warnings(tree.stdout)


def test_metainfo_agrees_with_the_project() -> None:
    root = ET.parse(METAINFO).getroot()
    project = _pyproject()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == project["license"]
    assert root.findtext("provides/binary") in project["scripts"]
    releases = root.findall("releases/release")
    assert releases, "no release"
    newest = releases[0]
    assert newest.get("version") == project["version"] == leodesk.__version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", newest.get("date") or "")
    assert root.find("content_rating").get("type") == "oars-1.1"  # type: ignore[union-attr]
    urls = {u.get("type"): u.text for u in root.findall("url")}
    assert urls["homepage"] == project["urls"]["Homepage"]
    assert urls["bugtracker"] == project["urls"]["Issues"]
    # Each screenshot is a file of this repository, at the size the metainfo gives.
    shots = root.findall("screenshots/screenshot/image")
    assert shots
    for image in shots:
        url = image.text or ""
        prefix = "https://raw.githubusercontent.com/leodesk/leodesk/main/"
        assert url.startswith(prefix), url
        picture = QImage(str(REPO / url.removeprefix(prefix)))
        assert not picture.isNull(), url
        assert (picture.width(), picture.height()) == (
            int(image.get("width") or 0),
            int(image.get("height") or 0),
        )


# -- the icon --------------------------------------------------------------------------------


def _icons_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("leodesk_icons", REPO / "packaging" / "icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _close(a: QColor, b: QColor, tolerance: int = 24) -> bool:
    return all(
        abs(x - y) <= tolerance
        for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True)  # type: ignore[arg-type]
    )


def _bgra(image: QImage) -> bytes:
    """The pixels as bytes, four per pixel (blue, green, red, alpha)."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    assert image.bytesPerLine() == 4 * image.width()
    return bytes(image.constBits())  # type: ignore[call-overload]


def _count(data: bytes, colour: QColor, tolerance: int = 24) -> int:
    """Opaque pixels within ``tolerance`` of ``colour``."""
    r, g, b = colour.red(), colour.green(), colour.blue()
    return sum(
        1
        for i in range(0, len(data), 4)
        if data[i + 3] == 255
        and abs(data[i] - b) <= tolerance
        and abs(data[i + 1] - g) <= tolerance
        and abs(data[i + 2] - r) <= tolerance
    )


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_at_its_size_drawn_from_the_svg(qapp: Any, size: int) -> None:
    committed = REPO / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
    path = committed / f"{APP_ID}.png"
    image = QImage(str(path))
    assert not image.isNull(), f"{path} missing or unreadable"
    assert (image.width(), image.height()) == (size, size)
    # Not blank: an amber square with a white letter, transparent only at the rounded corners.
    data = _bgra(image)
    amber, white = _count(data, AMBER), _count(data, QColor("white"))
    assert amber >= 0.6 * size * size, f"{size}px: {amber} amber pixels"
    # The letter covers 24 of the 16 × 16 grid's cells, wholly white: none of it is blurred.
    assert white == size * size * 24 // 256, f"{size}px: {white} white pixels"
    assert image.pixelColor(0, 0).alpha() < 255  # the rounded corner
    # The letter's stem is sharp at every size: columns 6/16 .. 8/16 are white, 5/16 amber.
    row = size // 2
    assert _close(image.pixelColor(size * 6 // 16, row), QColor("white"), 0)
    assert _close(image.pixelColor(size * 8 // 16 - 1, row), QColor("white"), 0)
    assert _close(image.pixelColor(size * 6 // 16 - 1, row), AMBER, 0)
    # The committed PNG is what packaging/icons.py renders from the SVG now.
    fresh = _bgra(_icons_script().render(SVG, size))
    worst = max(abs(a - b) for a, b in zip(data, fresh, strict=True))
    assert worst <= 2, f"{path} is not the SVG's rendering: run packaging/icons.py"
    # The package's copy (what a wheel installs) is the same file.
    assert icon_png(size).read_bytes() == path.read_bytes()


def test_svg_is_packaged_too() -> None:
    assert (icon_png(16).parents[3] / "leodesk.svg").read_bytes() == SVG.read_bytes()


def test_app_icon_and_identity_from_the_packaged_files(qapp: Any) -> None:
    icon = app_icon()
    assert {s.width() for s in icon.availableSizes()} == set(ICON_SIZES)
    small = icon.pixmap(16, 16).toImage()
    assert _close(small.pixelColor(8, 2), AMBER, 0)
    assert _close(small.pixelColor(6, 8), QColor("white"), 0)
    before = (
        qapp.applicationName(),
        qapp.organizationName(),
        QGuiApplication.desktopFileName(),
        qapp.applicationVersion(),
    )
    try:
        apply_identity(qapp, version="9.9.9")
        assert QGuiApplication.desktopFileName() == APP_ID
        assert qapp.applicationName() == APP_NAME
        assert qapp.applicationVersion() == "9.9.9"
        # the window's icon to 128 px (the larger ones only for the launcher's hicolor icons)
        assert {s.width() for s in qapp.windowIcon().availableSizes()} == set(WINDOW_ICON_SIZES)
        assert WINDOW_ICON_SIZES == (16, 24, 32, 48, 64, 128)
    finally:
        qapp.setApplicationName(before[0])
        qapp.setOrganizationName(before[1])
        QGuiApplication.setDesktopFileName(before[2])
        qapp.setApplicationVersion(before[3])  # the other tests share the application


# -- the running app on a real X server ------------------------------------------------------


def test_the_app_window_names_its_desktop_entry_and_carries_the_icon(tmp_path: Path) -> None:
    """``leodesk --demo`` on Xvfb: the window's WM_CLASS is the entry's StartupWMClass, it names
    the desktop entry (what GNOME and KDE use to match it to its launcher) and gives the window
    manager the icon in every size up to 128 px."""
    _tool("Xvfb", "xvfb")
    xprop = _tool("xprop", "x11-utils")
    xwininfo = _tool("xwininfo", "x11-utils")
    from tests.bench.xserver import xvfb

    with xvfb() as display:
        env = dict(
            os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", LEODESK_HOME=str(tmp_path / "h")
        )
        app = subprocess.Popen(
            [sys.executable, "-m", "leodesk", "--demo"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            props = ""
            deadline = time.monotonic() + 60
            while "_NET_WM_ICON(CARDINAL)" not in props:
                assert app.poll() is None, app.communicate()[0]
                assert time.monotonic() < deadline, f"no leodesk window with an icon: {props}"
                time.sleep(0.2)
                tree = subprocess.run(
                    [xwininfo, "-root", "-children"], env=env, capture_output=True, text=True
                ).stdout
                # A top-level window with a WM_CLASS: ("instance" "class").
                found = re.search(r'^\s*(0x[0-9a-f]+) .*\("[^"]*" "[^"]*"\)', tree, re.M)
                if found:
                    wanted = ["WM_CLASS", "_KDE_NET_WM_DESKTOP_FILE", "_NET_WM_ICON"]
                    props = subprocess.run(
                        [xprop, "-len", "100000000", "-id", found.group(1), *wanted],
                        env=env,
                        capture_output=True,
                        text=True,
                    ).stdout
        finally:
            app.terminate()
            output = app.communicate(timeout=30)[0]
    wm_class = re.search(r'WM_CLASS\(STRING\) = "([^"]*)", "([^"]*)"', props)
    assert wm_class, props[:1000]
    assert wm_class.group(2) == _entry()["Desktop Entry"]["StartupWMClass"]
    assert f'_KDE_NET_WM_DESKTOP_FILE(UTF8_STRING) = "{APP_ID}"' in props
    sizes = {int(n) for n in re.findall(r"Icon \((\d+) x \1\)", props)}
    assert sizes == set(WINDOW_ICON_SIZES), (sizes, output[-2000:])


# -- leodesk-gui (Windows' console-less launcher) ----------------------------------------------


def test_gui_command_refuses_cli_arguments_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    from leodesk.__main__ import gui

    assert gui(["models", "--json"]) == 2
    err = capsys.readouterr().err
    assert "leodesk-gui [--demo] [PICTURE" in err and "Unknown arguments: models --json" in err


def test_gui_command_without_a_console_says_it_in_a_message_box(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under pythonw (Windows' gui-scripts launcher) there is no stderr: a dialog tells."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from leodesk.__main__ import gui

    monkeypatch.setattr(sys, "stderr", None)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    assert gui(["key", "set"]) == 2
    assert len(seen) == 1 and "Unknown arguments: key set" in seen[0]


# -- pictures on the command line (Exec=leodesk %F) ---------------------------------------------


def test_files_start_the_app_and_commands_the_cli(tmp_path: Path) -> None:
    from leodesk.__main__ import _files_to_open

    picture = str(tmp_path / "a.PNG")
    assert _files_to_open([]) is None  # the app with nothing to open
    assert _files_to_open(["--demo", picture]) == [picture]
    assert _files_to_open(["b.webp", "c.jpeg"]) == ["b.webp", "c.jpeg"]
    assert _files_to_open(["./sketch"]) == ["./sketch"]  # a path, even without a suffix
    assert _files_to_open(["models"]) is None
    assert _files_to_open(["sketch", "s.png", "a house"]) is None  # a command taking a picture
    assert _files_to_open(["gen", "--out", "x.png"]) is None


def test_a_missing_picture_is_named_and_nothing_starts(tmp_path: Path) -> None:
    gone = tmp_path / "gone.png"
    run = subprocess.run(
        [sys.executable, "-m", "leodesk", "--demo", str(gone)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == f"leodesk: {gone} does not exist; nothing was opened"
    assert not (tmp_path / "leodesk-home").exists()  # no profile made, no window opened


CONSOLELESS_DRIVER = """
import sys
from pathlib import Path

report = Path(sys.argv[1])
sys.stdout = sys.stderr = None  # what pythonw gives a GUI script on Windows
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

def check():
    windows = [w for w in QApplication.topLevelWidgets() if hasattr(w, "ctx") and w.isVisible()]
    # the account's balance shown: the app talked to the simulator (and logged it); the status
    # bar is built right after the window's first paint
    balance = getattr(windows[0], "balance_label", None) if windows else None
    if balance is not None and balance.text().endswith("credits"):
        report.write_text("attached " + windows[0].windowTitle(), encoding="utf-8")
        windows[0].close()
    else:
        QTimer.singleShot(50, check)

app = QApplication(["leodesk-gui"])
QTimer.singleShot(50, check)
from leodesk.__main__ import gui
code = gui(["--demo"])
report.write_text(report.read_text(encoding="utf-8") + f"; exit {code}", encoding="utf-8")
"""


def test_leodesk_gui_runs_without_a_console(tmp_path: Path) -> None:
    """No stdout, no stderr (Windows' console-less launcher): the app starts, opens the demo
    account and closes cleanly; its log still goes to the log file."""
    report = tmp_path / "report.txt"
    run = subprocess.run(
        [sys.executable, "-c", CONSOLELESS_DRIVER, str(report)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert report.read_text(encoding="utf-8") == "attached leodesk — Demo; exit 0", run.stderr
    logs = list((tmp_path / "leodesk-home").rglob("leodesk.log"))
    assert logs and logs[0].stat().st_size > 0
