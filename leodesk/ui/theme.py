"""Light, dark or the system's colours for the whole app, and a neutral canvas for images.

:func:`apply_theme` takes the saved ``theme`` setting (``system``, ``light`` or ``dark``) and
sets the application's style and palette; it can run at any time (the open windows repaint).
``system`` follows the desktop's colour scheme, live: a desktop that turns dark turns the app
dark. The gallery and the image viewer keep a neutral dark-grey canvas in every theme (images
are judged against grey, never against white): a per-class application palette, so no widget
module has to know about themes.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["CANVAS", "CANVAS_CLASSES", "apply_theme", "current_theme", "is_dark"]

CANVAS: Final = QColor(40, 40, 44)  # the images' background in every theme
CANVAS_TEXT: Final = QColor(220, 220, 226)
# The widgets that show images (their Python class names: Qt matches them with inherits()).
CANVAS_CLASSES: Final = ("GalleryView", "ZoomView", "CompareView")

_R = QPalette.ColorRole
_G = QPalette.ColorGroup


class _State:
    """The platform's own look (kept to go back to it) and the theme now applied."""

    style: str | None = None
    palette: QPalette | None = None
    name = "system"
    effective = "light"
    following = False  # connected to the desktop's colour-scheme changes


def _dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        _R.Window: QColor(45, 45, 48),
        _R.WindowText: QColor(230, 230, 234),
        _R.Base: QColor(32, 32, 35),
        _R.AlternateBase: QColor(42, 42, 46),
        _R.ToolTipBase: QColor(58, 58, 62),
        _R.ToolTipText: QColor(235, 235, 238),
        _R.PlaceholderText: QColor(140, 140, 148),
        _R.Text: QColor(230, 230, 234),
        _R.Button: QColor(58, 58, 62),
        _R.ButtonText: QColor(230, 230, 234),
        _R.BrightText: QColor(255, 120, 120),
        _R.Light: QColor(80, 80, 86),
        _R.Midlight: QColor(66, 66, 72),
        _R.Mid: QColor(50, 50, 54),
        _R.Dark: QColor(24, 24, 26),
        _R.Shadow: QColor(10, 10, 12),
        _R.Highlight: QColor(56, 117, 206),
        _R.HighlightedText: QColor(255, 255, 255),
        _R.Link: QColor(110, 175, 255),
        _R.LinkVisited: QColor(170, 140, 255),
    }
    for role, colour in colours.items():
        p.setColor(role, colour)
    disabled = QColor(118, 118, 124)
    for role in (_R.WindowText, _R.Text, _R.ButtonText, _R.HighlightedText):
        p.setColor(_G.Disabled, role, disabled)
    p.setColor(_G.Disabled, _R.Highlight, QColor(70, 70, 76))
    p.setColor(_G.Disabled, _R.Base, QColor(40, 40, 43))
    return p


def _light_palette(app: QApplication) -> QPalette:
    style = app.style()
    p = QPalette(style.standardPalette())
    p.setColor(_R.Highlight, QColor(48, 110, 200))
    p.setColor(_R.HighlightedText, QColor(255, 255, 255))
    p.setColor(_R.Link, QColor(30, 90, 190))
    return p


def _system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def _canvas_palette(base: QPalette) -> QPalette:
    p = QPalette(base)
    for group in (_G.Active, _G.Inactive, _G.Disabled):
        for role in (_R.Base, _R.Window, _R.AlternateBase):
            p.setColor(group, role, CANVAS)
        p.setColor(group, _R.Text, CANVAS_TEXT)
        p.setColor(group, _R.WindowText, CANVAS_TEXT)
    return p


def _set_style(app: QApplication, name: str) -> None:
    if app.style().name().lower() != name.lower():  # a new style re-polishes every widget
        app.setStyle(name)


def apply_theme(name: str, app: Any = None) -> str:
    """Apply ``system``, ``light`` or ``dark`` (anything else: ``system``); returns what is
    shown now, ``light`` or ``dark``."""
    app = app or QApplication.instance()
    if not isinstance(app, QApplication):
        return "light"
    if _State.palette is None:  # the first call: remember the platform's palette
        _State.palette = QPalette(app.palette())
    name = name if name in ("light", "dark") else "system"
    _State.name = name
    dark = name == "dark" or (name == "system" and _system_is_dark())
    if name == "system" and not dark:
        if _State.style is not None:  # a theme set Fusion: back to the platform's look
            _set_style(app, _State.style)
        palette = QPalette(_State.palette)
    else:
        # The platform's look is remembered only now: asking for the style (app.style()) makes
        # PySide6 build QStyle's enums, ~5 ms before the first paint of a light system theme.
        if _State.style is None:
            _State.style = app.style().name()
        _set_style(app, "fusion")  # draws every control from the palette, light or dark alike
        palette = _dark_palette() if dark else _light_palette(app)
    if palette != app.palette():
        app.setPalette(palette)
        _repolish_styled(app)
    for class_name in CANVAS_CLASSES:
        # PySide6 takes the class name as str (its stubs say bytes).
        app.setPalette(_canvas_palette(palette), class_name)  # type: ignore[arg-type]
    _State.effective = "dark" if dark else "light"
    _follow_system(app)
    return _State.effective


def _repolish_styled(app: QApplication) -> None:
    """Widgets with their own style sheet keep the palette they were polished with (Qt does
    not hand them a new application palette): setting their sheet again polishes them anew."""
    for widget in app.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)


def _follow_system(app: QApplication) -> None:
    signal = getattr(QGuiApplication.styleHints(), "colorSchemeChanged", None)
    if signal is None or _State.following:
        return
    _State.following = True

    def changed(_scheme: Any) -> None:
        if _State.name == "system":
            apply_theme("system", app)

    signal.connect(changed)


def current_theme() -> str:
    """The theme setting applied last: ``system``, ``light`` or ``dark``."""
    return _State.name


def is_dark() -> bool:
    """True while the app shows dark colours (a dark theme, or a dark system)."""
    return _State.effective == "dark"
