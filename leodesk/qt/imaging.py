"""Decoding for worker threads, done by Pillow: no Qt image plugins, no QObjects off the GUI thread.

``QImage.fromData`` / ``QImage(path)`` on a worker load and probe Qt's image-format plugins, which
create QObjects and take Qt-internal locks while holding the GIL; with the GUI thread inside a Qt
call that needs the GIL (a signal disconnect calling back into Python) that deadlocks. So workers
decode with Pillow and hand Qt only raw pixels (a plain ``QImage`` over a buffer, then copied).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

# QImage is looked up where used: PySide makes a class (and its enums) when it is first
# imported, and this module loads with the gallery, before any picture is decoded.
from PySide6 import QtGui

from leodesk.core.lazy import lazy

if TYPE_CHECKING:
    from PIL import Image
    from PySide6.QtGui import QImage
else:  # Pillow loads with the first picture (not with the gallery: see leodesk.core.lazy)
    Image = lazy("PIL.Image")


def qimage_from_pil(im: Image.Image) -> QImage:
    """A QImage owning a copy of ``im``'s pixels (RGBA when it has alpha, else RGB)."""
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    mode = "RGBA" if has_alpha else "RGB"
    if im.mode != mode:  # (convert to the same mode would copy every pixel for nothing)
        im = im.convert(mode)
    formats = QtGui.QImage.Format
    fmt = formats.Format_RGBA8888 if has_alpha else formats.Format_RGB888
    data = im.tobytes()
    stride = im.width * (4 if has_alpha else 3)
    return QtGui.QImage(data, im.width, im.height, stride, fmt).copy()


def qimage_for_screen(im: Image.Image) -> QImage:
    """A QImage of ``im`` in the format a QPixmap keeps (RGB32, or premultiplied ARGB32 with
    alpha), so that ``QPixmap.fromImage`` on the GUI thread shares it instead of converting
    every pixel there. Qt converts here, on the calling (worker) thread, from Pillow's bytes."""
    formats = QtGui.QImage.Format
    if im.mode == "L":
        fmt, target = formats.Format_Grayscale8, formats.Format_RGB32
        channels = 1
    elif im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        fmt, target = formats.Format_RGBA8888, formats.Format_ARGB32_Premultiplied
        channels = 4
    else:
        fmt, target = formats.Format_RGB888, formats.Format_RGB32
        channels = 3
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    if im.mode != mode:
        im = im.convert(mode)
    data = im.tobytes()
    # (convertToFormat makes a new image owning its pixels: ``data`` may go after it.)
    return QtGui.QImage(data, im.width, im.height, im.width * channels, fmt).convertToFormat(target)


def decode(source: bytes | Path, max_side: int | None = None) -> QImage:
    """Decode an image file (bytes or a path), shrunk to fit ``max_side`` if given. A null
    QImage if it cannot be read."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as im:
            if max_side is not None and max(im.size) > max_side:
                im.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
                im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            else:
                im.load()
            return qimage_from_pil(im)
    except (OSError, ValueError, Image.DecompressionBombError):
        return QtGui.QImage()


def to_png(image: QImage) -> bytes:
    """``image`` as PNG bytes (without QBuffer, a QObject)."""
    rgba = image.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    raw = bytes(rgba.constBits())[: rgba.sizeInBytes()]
    stride = rgba.bytesPerLine()
    im = Image.frombuffer("RGBA", (rgba.width(), rgba.height()), raw, "raw", "RGBA", stride, 1)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def pixel_size(path: Path | None) -> tuple[int, int] | None:
    """The picture's own size in pixels, read from its file's header (not decoded); None when
    there is no readable file."""
    if path is None:
        return None
    try:
        with Image.open(path) as im:
            width, height = im.size
    except (OSError, ValueError):
        return None
    return int(width), int(height)
