"""Renders leodesk's icon from resources/icons/leodesk.svg into every hicolor PNG size.

    .venv/bin/python packaging/icons.py

writes resources/icons/hicolor/<N>x<N>/apps/io.github.leodesk.Leodesk.png for each size in
SIZES, and copies the SVG and the PNGs into leodesk/data/icons/ (the same layout): that copy is
package data, so an installed wheel (and a PyInstaller bundle) has the icon the app loads at run
time (leodesk/ui/app_icon.py). tests/test_desktop_files.py checks that both copies match the SVG.
Run it again after changing the SVG, and commit what it writes.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parent.parent
APP_ID = "io.github.leodesk.Leodesk"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SVG = REPO / "resources" / "icons" / "leodesk.svg"
RESOURCE_ICONS = REPO / "resources" / "icons"
PACKAGE_ICONS = REPO / "leodesk" / "data" / "icons"


def png_path(root: Path, size: int) -> Path:
    return root / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn on a transparent ``size``×``size`` image (antialiased)."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in SIZES:
        target = png_path(RESOURCE_ICONS, size)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(SVG, size).save(str(target), "PNG"):
            print(f"could not write {target}", file=sys.stderr)
            return 1
        copy = png_path(PACKAGE_ICONS, size)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, copy)
        print(f"{target.relative_to(REPO)} ({target.stat().st_size} bytes)")
    shutil.copyfile(SVG, PACKAGE_ICONS / SVG.name)
    print(f"copied the SVG and the PNGs into {PACKAGE_ICONS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
