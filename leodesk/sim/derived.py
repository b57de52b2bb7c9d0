"""Pictures derived from the client's own pictures: canvas results over an uploaded init and
mask, and the realtime (LCM) answers over a data URL.

Each result visibly keeps its input: a canvas result is the init where the mask is black and the
simulator's usual generated pattern (:func:`leodesk.sim.images.picture`) where it is white; an
LCM result is the input blended with a pattern of its prompt and seed, the more the higher the
strength. The same inputs always give the same bytes.
"""

from __future__ import annotations

import io

from PIL import Image, ImageFilter

from . import images

#: Canvas types that regenerate the masked area from scratch (the rest blend with the init).
REPLACING_TYPES = frozenset({"INPAINT", "OUTPAINT"})
SKETCH_BLEND = 0.5


def open_picture(data: bytes, max_side: int = images.MAX_SIDE) -> Image.Image | None:
    """A decoded picture no larger than ``max_side`` a side, or None when it is unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as src:
            if max(src.size) > max_side:
                return None
            src.load()
            return src.copy()
    except Exception:
        return None


def as_mask(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A mask picture as 8-bit grey at ``size``: white is where to generate (transparent
    pixels count as black)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        black = Image.new("RGBA", img.size, (0, 0, 0, 255))
        black.alpha_composite(img.convert("RGBA"))
        img = black
    grey = img.convert("L")
    return grey if grey.size == size else grey.resize(size, Image.Resampling.BILINEAR)


def render_canvas(
    init: bytes, mask: bytes | None, key: str, width: int, height: int, kind: str
) -> bytes:
    """A canvas result: the init with its masked area regenerated (JPEG)."""
    width, height = images.clamp_size(width, height)
    base = open_picture(init)
    if base is None:
        return images.render(key, width, height)
    base = base.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    made = images.picture(key, width, height)
    if kind not in REPLACING_TYPES:
        made = Image.blend(base, made, SKETCH_BLEND)
    mask_img = None if mask is None else open_picture(mask)
    if mask_img is None:
        return images.encode(made)
    return images.encode(Image.composite(made, base, as_mask(mask_img, (width, height))))


def lcm_picture(
    source: Image.Image,
    key: str,
    strength: float,
    size: tuple[int, int],
    mask: Image.Image | None = None,
) -> Image.Image:
    """An LCM result: ``source`` at ``size`` blended with the pattern of ``key``.

    The pattern's weight grows with ``strength`` (0.1..1 gives 0.21..0.75), so the input
    always shows through; with a mask only its white area changes.
    """
    base = source.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    made = Image.blend(base, images.picture(key, *size), 0.15 + 0.6 * strength)
    if mask is not None:
        made = Image.composite(made, base, as_mask(mask, size))
    return made


def refined(img: Image.Image) -> Image.Image:
    """An instant refine: the same picture, sharpened and with more detail."""
    return img.filter(ImageFilter.DETAIL).filter(ImageFilter.SHARPEN)


def upscaled(img: Image.Image, factor: int) -> Image.Image:
    """An upscale: ``factor`` times larger (Lanczos), then refined."""
    big = img.resize((img.width * factor, img.height * factor), Image.Resampling.LANCZOS)
    return refined(big)
