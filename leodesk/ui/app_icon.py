"""leodesk's identity on the desktop: the application id and the icon files.

The icon is drawn once, in ``resources/icons/leodesk.svg``; ``packaging/icons.py`` renders it into
the hicolor PNG sizes and copies the SVG and PNGs into ``leodesk/data/icons/``, which is package
data: a wheel and a PyInstaller bundle carry it, so the app loads the same files everywhere.

``APP_ID`` names the desktop entry (``io.github.leodesk.Leodesk.desktop``), the AppStream metainfo
and the icon; :func:`apply_identity` gives it to Qt, which uses it as the Wayland app id and to
match the window to its launcher.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtGui import QGuiApplication, QIcon

APP_ID = "io.github.leodesk.Leodesk"
APP_NAME = "leodesk"  # QCoreApplication's name: the settings folder and X11's WM_CLASS
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# The window's own icon (X11's _NET_WM_ICON: taskbars, window switchers, title bars, at most
# 64 px at twice the scale). 256 and 512 px would add 1.3 MB to the property and ~9 ms to the
# first show of every window; launchers and docks take the installed hicolor icons instead.
WINDOW_ICON_SIZES = tuple(size for size in ICON_SIZES if size <= 128)

log = logging.getLogger("leodesk.ui.app_icon")


def icon_dir() -> Path:
    """The packaged icon folder (``leodesk/data/icons``)."""
    return Path(__file__).resolve().parent.parent / "data" / "icons"


def icon_png(size: int) -> Path:
    return icon_dir() / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def app_icon(sizes: tuple[int, ...] = ICON_SIZES) -> QIcon:
    """The application's icon from its packaged PNGs, one per hicolor size in ``sizes`` (the PNGs,
    not the SVG, so it does not depend on Qt's SVG icon engine being bundled). A null icon, and a
    warning in the log, when the files are missing (a broken install)."""
    icon = QIcon()
    missing = []
    for size in sizes:
        path = icon_png(size)
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
        else:
            missing.append(path)
    if missing:
        log.warning("application icon files missing: %s", ", ".join(str(p) for p in missing))
    return icon


def apply_identity(app: QCoreApplication, version: str | None = None) -> None:
    """Name the application for the desktop: its name, organisation, desktop entry, icon and
    (when given) version."""
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    QGuiApplication.setDesktopFileName(APP_ID)
    if version is not None:
        app.setApplicationVersion(version)
    icon = app_icon(WINDOW_ICON_SIZES)
    if not icon.isNull():
        QGuiApplication.setWindowIcon(icon)
    _windows_app_id(APP_ID)


def _windows_app_id(app_id: str) -> None:
    """On Windows the taskbar groups windows and pins by the AppUserModelID (the desktop file
    name means nothing there): without one, a pip install's window would group under
    pythonw.exe. Elsewhere nothing. (Written for Windows; this Linux machine cannot run it.)"""
    if sys.platform == "win32":
        import ctypes

        try:
            ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(app_id)
        except (AttributeError, OSError) as exc:
            log.warning("could not set the Windows AppUserModelID: %s", exc)
