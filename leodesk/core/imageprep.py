"""Prepare an image for ``POST /init-image``: checked, upright, small enough, in an API format.

The API accepts png, jpg, jpeg and webp (NOTES §6). Anything else Pillow reads (bmp, tiff, gif,
...) is converted to PNG. EXIF orientation is applied to the pixels, and images larger than the
API's limit (longest side :data:`MAX_SIDE`) or than the form's output needs (``fit``) are scaled
down keeping their aspect ratio. A file that needs none of this is sent byte for byte.

Bad input raises :class:`ImagePrepError`, whose ``str()`` is a message for the user: not an
image, a corrupt or truncated file, a file over :data:`MAX_BYTES` or :data:`MAX_MEGAPIXELS`.
Qt-free; safe to call from any thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from leodesk.core.errors import LeodeskError

__all__ = [
    "MAX_BYTES",
    "MAX_MEGAPIXELS",
    "MAX_SIDE",
    "ImagePrepError",
    "PreparedImage",
    "load_file",
    "prepare_file",
    "prepare_image",
]

MAX_BYTES: Final = 50 * 1024 * 1024
MAX_MEGAPIXELS: Final = 64.0
MAX_SIDE: Final = 1536

# Pillow format name -> the extension the API takes.
_KEEP: Final = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
_ORIENTATION_TAG: Final = 0x0112
_JPEG_QUALITY: Final = 95


class ImagePrepError(LeodeskError, ValueError):
    """The input cannot be used as an init image; ``str()`` says why, for the user."""


@dataclass(frozen=True)
class PreparedImage:
    """Bytes ready to upload, in the format of ``extension``; ``sha256`` is of ``data``."""

    data: bytes
    extension: str
    width: int
    height: int
    sha256: str


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _label(name: str) -> str:
    return f"{name} " if name else "The file "


def _read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a local file, its size checked before it is read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImagePrepError(
                f"{path.name} is too large ({_mb(size)}; the limit is {_mb(max_bytes)})."
            )
        return path.read_bytes()
    except OSError as exc:
        raise ImagePrepError(f"Cannot read {path.name}: {exc.strerror or exc}") from None


def prepare_file(
    path: Path,
    *,
    max_bytes: int = MAX_BYTES,
    max_megapixels: float = MAX_MEGAPIXELS,
    max_side: int = MAX_SIDE,
    fit: tuple[int, int] | None = None,
) -> PreparedImage:
    """:func:`prepare_image` for a local file (its size is checked before it is read)."""
    path = Path(path)
    return prepare_image(
        _read_file(path, max_bytes),
        name=path.name,
        max_bytes=max_bytes,
        max_megapixels=max_megapixels,
        max_side=max_side,
        fit=fit,
    )


def _check_bytes(data: bytes, label: str, max_bytes: int) -> None:
    if not data:
        raise ImagePrepError(f"{label}is empty.")
    if len(data) > max_bytes:
        raise ImagePrepError(
            f"{label}is too large ({_mb(len(data))}; the limit is {_mb(max_bytes)})."
        )


def _check_pixels(im: Image.Image, label: str, max_megapixels: float) -> None:
    width, height = im.size
    if width * height > max_megapixels * 1_000_000:
        raise ImagePrepError(
            f"{label}is too large ({width} × {height}, "
            f"{width * height / 1e6:.0f} megapixels; the limit is {max_megapixels:g})."
        )


@contextlib.contextmanager
def _reading(label: str) -> Iterator[None]:
    """Pillow's errors while reading an image, as ImagePrepError sentences for the user."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except ImagePrepError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImagePrepError(f"{label}is too large to open safely.") from None
    except UnidentifiedImageError:
        raise ImagePrepError(f"{label}is not an image leodesk can read.") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        detail = str(exc) or type(exc).__name__
        if "truncated" in detail.lower():
            raise ImagePrepError(f"{label}is truncated (incomplete).") from None
        raise ImagePrepError(
            f"{label}is corrupt or not an image leodesk can read ({detail})."
        ) from None


def prepare_image(
    data: bytes,
    *,
    name: str = "",
    max_bytes: int = MAX_BYTES,
    max_megapixels: float = MAX_MEGAPIXELS,
    max_side: int = MAX_SIDE,
    fit: tuple[int, int] | None = None,
) -> PreparedImage:
    """Check, orient, downscale and (if needed) convert ``data``; see the module docstring.

    ``fit`` (the form's output width and height): an image larger than needed to cover that
    size is scaled down to just cover it (never up), so no more is uploaded than is used."""
    label = _label(name)
    _check_bytes(data, label, max_bytes)
    with _reading(label), Image.open(io.BytesIO(data)) as im:
        _check_pixels(im, label, max_megapixels)
        fmt = (im.format or "").upper()
        im.load()
        return _prepare_loaded(im, data, fmt, max_side, fit)


def load_file(
    path: Path, *, max_bytes: int = MAX_BYTES, max_megapixels: float = MAX_MEGAPIXELS
) -> Image.Image:
    """A local image file as a decoded, upright Pillow image (first frame), checked as
    :func:`prepare_file` checks it: ImagePrepError (a sentence for the user) otherwise."""
    path = Path(path)
    data = _read_file(path, max_bytes)
    label = _label(path.name)
    _check_bytes(data, label, max_bytes)
    with _reading(label), Image.open(io.BytesIO(data)) as im:
        _check_pixels(im, label, max_megapixels)
        im.load()
        upright = ImageOps.exif_transpose(im)
        return upright if upright is not im else im.copy()


def _target_size(
    size: tuple[int, int], max_side: int, fit: tuple[int, int] | None
) -> tuple[int, int] | None:
    """The size to scale down to, or None to keep ``size``."""
    w, h = size
    scale = 1.0
    if fit is not None and fit[0] > 0 and fit[1] > 0:
        scale = max(fit[0] / w, fit[1] / h)  # the smallest scale that still covers the output
    scale = min(scale, max_side / max(w, h), 1.0)
    if scale >= 1.0:
        return None
    return max(1, round(w * scale)), max(1, round(h * scale))


def _prepare_loaded(
    im: Image.Image, raw: bytes, fmt: str, max_side: int, fit: tuple[int, int] | None = None
) -> PreparedImage:
    orientation = im.getexif().get(_ORIENTATION_TAG, 1)
    changed = orientation not in (None, 1)
    out: Image.Image = im
    if changed:
        out = ImageOps.exif_transpose(im)
    if getattr(im, "n_frames", 1) > 1:
        changed = True  # animated: the first frame, as a still PNG
    size = _target_size(out.size, max_side, fit)
    if size is not None:
        if out.mode not in ("RGB", "RGBA", "L", "LA"):
            out = out.convert("RGBA" if _has_alpha(out) else "RGB")
        out = out.resize(size, Image.Resampling.LANCZOS)
        changed = True
    keep = _KEEP.get(fmt)
    if keep is not None and not changed:
        return _result(raw, keep, out.size)
    buf = io.BytesIO()
    if keep == "jpg":
        out.convert("RGB").save(buf, "JPEG", quality=_JPEG_QUALITY)
        return _result(buf.getvalue(), "jpg", out.size)
    if out.mode not in ("RGB", "RGBA", "L", "LA"):
        out = out.convert("RGBA" if _has_alpha(out) else "RGB")
    out.save(buf, "PNG")
    return _result(buf.getvalue(), "png", out.size)


def _has_alpha(im: Image.Image) -> bool:
    return "A" in im.getbands() or "transparency" in im.info


def _result(data: bytes, ext: str, size: tuple[int, int]) -> PreparedImage:
    return PreparedImage(data, ext, size[0], size[1], hashlib.sha256(data).hexdigest())
