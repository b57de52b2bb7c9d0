"""The canvas jobs' images, Qt-free (Pillow): inpaint, outpaint, sketch to image, and the
realtime (LCM) pictures.

* :func:`prepare_canvas` checks an init image and its mask for ``POST /canvas-init-image`` and
  returns them as PNG bytes: the mask exactly the init's size, binarised white on black (white
  = regenerate), not empty where the mode needs a painted area, both scaled down together when
  the image is larger than the endpoint takes (:data:`MAX_SIDE`, with a ``note`` saying so) and
  both brought to multiples of 8.
* :func:`outpaint` grows a picture on its sides: the new area is filled from the picture's own
  edges (stretched and blurred, never black) and is white in the mask, with a small overlap
  into the old picture so the seam blends. :func:`grow_to_aspect` and :func:`grow_each_side`
  compute the margins for the presets.
* :func:`lcm_data_url` encodes a picture as the JPEG data URL the LCM operations take, at an
  allowed size; :func:`decode_data_url` reads the answers' data URLs.
* :func:`canvas_request` turns the form's request into the canvas job's request.

Bad input raises :class:`CanvasError`, whose ``str()`` is a message for the user.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from typing import Final

from PIL import Image, ImageChops, ImageFilter

from leodesk.core.api.dataurl import decode_data_url, encode_data_url
from leodesk.core.api.models import CanvasUploadIds, GenerationRequest, LcmRequest
from leodesk.core.api.serialize import LCM_SIZES
from leodesk.core.errors import LeodeskError

__all__ = [
    "IMG2IMG",
    "INPAINT",
    "LCM_SIZES",
    "MAX_SIDE",
    "MIN_SIDE",
    "MODES",
    "OUTPAINT",
    "OUTPAINT_OVERLAP",
    "SKETCH2IMG",
    "CanvasError",
    "CanvasPrepared",
    "binary_mask",
    "canvas_request",
    "decode_data_url",
    "grow_each_side",
    "grow_to_aspect",
    "lcm_data_url",
    "lcm_size",
    "live_request",
    "outpaint",
    "outpaint_grown",
    "prepare_canvas",
]

INPAINT: Final = "INPAINT"
OUTPAINT: Final = "OUTPAINT"
SKETCH2IMG: Final = "SKETCH2IMG"
IMG2IMG: Final = "IMG2IMG"
#: The spec's ``canvasRequestType`` values.
MODES: Final = (INPAINT, OUTPAINT, SKETCH2IMG, IMG2IMG)
# Modes whose mask says what to change: an empty one would change nothing.
_NEEDS_PAINT: Final = frozenset({INPAINT, OUTPAINT})
# Modes that send init_strength (how much of the picture survives); the others regenerate the
# white area of the mask and leave the rest as it is.
_USES_STRENGTH: Final = frozenset({SKETCH2IMG, IMG2IMG})
_DEFAULT_STRENGTH: Final = 0.5

#: The largest side ``POST /generations`` takes (NOTES §4: 32-1536, multiples of 8).
MAX_SIDE: Final = 1536
MIN_SIDE: Final = 32
_STEP: Final = 8
#: How far (pixels) an outpaint mask reaches into the old picture, so the seam blends.
OUTPAINT_OVERLAP: Final = 16
_LCM_QUALITY: Final = 90


class CanvasError(LeodeskError, ValueError):
    """A canvas job that cannot be made from this input; ``str()`` says why, for the user."""


@dataclass(frozen=True)
class CanvasPrepared:
    """An init image and its mask ready to upload (PNG), their size (both the same, multiples
    of 8), and a note for the user when the picture had to be resized."""

    init_png: bytes
    mask_png: bytes
    width: int
    height: int
    note: str | None = None


def _mode(mode: str) -> str:
    value = str(mode).strip().upper()
    if value not in MODES:
        raise CanvasError(f"Unknown canvas mode {mode!r} (one of {', '.join(MODES)}).")
    return value


def _rgb(image: Image.Image) -> Image.Image:
    """``image`` as RGB; transparent parts become white (a sketch on a clear sheet)."""
    if image.mode == "RGB":
        return image
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        sheet = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(sheet, rgba).convert("RGB")
    return image.convert("RGB")


def binary_mask(mask: Image.Image) -> Image.Image:
    """``mask`` as a white-on-black ``L`` image (255 = regenerate, 0 = keep).

    A mask with transparency (a painted layer) counts its opaque pixels as painted, whatever
    their colour; an opaque mask counts its light pixels (luminance 128 or more)."""
    if "A" in mask.getbands():
        alpha = mask.getchannel("A")
        low, _ = alpha.getextrema()
        if isinstance(low, int | float) and low < 255:
            return alpha.point(lambda v: 255 if v >= 128 else 0)
    gray = mask.convert("L")
    return gray.point(lambda v: 255 if v >= 128 else 0)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def _fitted_size(width: int, height: int) -> tuple[int, int]:
    """The size to send: at most :data:`MAX_SIDE` per side (aspect kept), multiples of 8."""
    scale = min(1.0, MAX_SIDE / max(width, height))

    def side(value: int) -> int:
        scaled = value * scale
        return min(MAX_SIDE, max(MIN_SIDE, round(scaled / _STEP) * _STEP))

    return side(width), side(height)


def _size_note(before: tuple[int, int], after: tuple[int, int]) -> str | None:
    if before == after:
        return None
    (w, h), (nw, nh) = before, after
    if max(w, h) > MAX_SIDE:
        return (
            f"The picture is {w}×{h}, larger than the {MAX_SIDE}-pixel sides the canvas "
            f"takes: it was scaled down to {nw}×{nh}."
        )
    return f"The picture was resized from {w}×{h} to {nw}×{nh} (sides must be multiples of 8)."


def _mask_size_message(mask: tuple[int, int], image: tuple[int, int]) -> str:
    return f"The mask is {mask[0]}x{mask[1]} but the image is {image[0]}x{image[1]}."


def prepare_canvas(init: Image.Image, mask: Image.Image | None, mode: str) -> CanvasPrepared:
    """Check and convert a canvas job's picture and mask (see the module docstring).

    ``mask`` None: no mask painted, allowed for SKETCH2IMG and IMG2IMG (the whole picture is
    regenerated). CanvasError for an unknown mode, a picture under 32 pixels a side, a mask of
    another size, or an empty mask for INPAINT and OUTPAINT."""
    kind = _mode(mode)
    width, height = init.size
    if min(width, height) < MIN_SIDE:
        raise CanvasError(
            f"The picture is {width}×{height}; the canvas needs at least "
            f"{MIN_SIDE}×{MIN_SIDE} pixels."
        )
    if mask is not None and mask.size != init.size:
        raise CanvasError(_mask_size_message(mask.size, init.size))
    if mask is None:
        if kind in _NEEDS_PAINT:
            raise CanvasError("Paint the area to change first.")
        binary = Image.new("L", init.size, 255)
    else:
        binary = binary_mask(mask)
    if kind in _NEEDS_PAINT and binary.getbbox() is None:
        raise CanvasError("Paint the area to change first.")
    picture = _rgb(init)
    size = _fitted_size(width, height)
    if size != init.size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
        # resampled smoothly, then binarised again: the mask stays exactly white on black
        binary = binary.resize(size, Image.Resampling.BILINEAR).point(
            lambda v: 255 if v >= 128 else 0
        )
        if kind in _NEEDS_PAINT and binary.getbbox() is None:
            raise CanvasError(
                "The painted area vanished when the picture was scaled down: paint a larger area."
            )
    return CanvasPrepared(
        init_png=_png(picture),
        mask_png=_png(binary),
        width=size[0],
        height=size[1],
        note=_size_note((width, height), size),
    )


# ------------------------------------------------------------------------------- outpaint


def _margins(left: int, right: int, top: int, bottom: int) -> tuple[int, int, int, int]:
    values = (left, right, top, bottom)
    for name, value in zip(("left", "right", "top", "bottom"), values, strict=True):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CanvasError(f"The {name} margin must be a whole number of pixels, 0 or more.")
    if not any(values):
        raise CanvasError("Grow the canvas on at least one side.")
    return values


def _stretched(picture: Image.Image, left: int, right: int, top: int, bottom: int) -> Image.Image:
    """The grown canvas with ``picture`` in place and each new band filled by stretching the
    picture's outermost pixels across it (the corners from the stretched rows)."""
    w, h = picture.size
    grown = Image.new("RGB", (w + left + right, h + top + bottom))
    grown.paste(picture, (left, top))
    if left:
        grown.paste(picture.crop((0, 0, 1, h)).resize((left, h)), (0, top))
    if right:
        grown.paste(picture.crop((w - 1, 0, w, h)).resize((right, h)), (left + w, top))
    width = grown.width
    if top:
        row = grown.crop((0, top, width, top + 1))
        grown.paste(row.resize((width, top)), (0, 0))
    if bottom:
        row = grown.crop((0, top + h - 1, width, top + h))
        grown.paste(row.resize((width, bottom)), (0, top + h))
    return grown


def outpaint(
    image: Image.Image, left: int, right: int, top: int, bottom: int
) -> tuple[Image.Image, Image.Image]:
    """The grown canvas and its mask for an OUTPAINT job.

    The new bands are filled with the picture's edge pixels stretched outwards and blurred
    (a neutral start for the model, never black); the old picture is untouched. The mask is
    white over the new bands and :data:`OUTPAINT_OVERLAP` pixels into the old picture on each
    grown side (so the seam is regenerated too and blends), black elsewhere."""
    left, right, top, bottom = _margins(left, right, top, bottom)
    picture = _rgb(image)
    w, h = picture.size
    grown = _stretched(picture, left, right, top, bottom)
    radius = max(4.0, min(48.0, max(left, right, top, bottom) / 6))
    blurred = grown.filter(ImageFilter.GaussianBlur(radius))
    blurred.paste(picture, (left, top))
    mask = Image.new("L", grown.size, 255)
    overlap_x = min(OUTPAINT_OVERLAP, w // 4)
    overlap_y = min(OUTPAINT_OVERLAP, h // 4)
    keep = (
        left + (overlap_x if left else 0),
        top + (overlap_y if top else 0),
        left + w - (overlap_x if right else 0),
        top + h - (overlap_y if bottom else 0),
    )
    mask.paste(0, keep)
    return blurred, mask


def _aspect(aspect: float | str) -> float:
    if isinstance(aspect, str):
        text = aspect.strip().replace("/", ":")
        try:
            if ":" in text:
                a, b = text.split(":", 1)
                value = float(a) / float(b)
            else:
                value = float(text)
        except (ValueError, ZeroDivisionError):
            raise CanvasError(f"{aspect!r} is not an aspect ratio like 16:9.") from None
    else:
        value = float(aspect)
    if not math.isfinite(value) or value <= 0 or not 0.1 <= value <= 10:
        raise CanvasError(f"{aspect!r} is not an aspect ratio between 1:10 and 10:1.")
    return value


def grow_to_aspect(width: int, height: int, aspect: float | str) -> tuple[int, int, int, int]:
    """Margins ``(left, right, top, bottom)`` that grow a ``width`` × ``height`` picture to
    the aspect ratio ``aspect`` (``16/9``, ``"16:9"``), centred, only ever adding: the
    narrower dimension grows. All zero when it already has that ratio (to the pixel)."""
    ratio = _aspect(aspect)
    if width <= 0 or height <= 0:
        raise CanvasError("The picture has no size.")
    if width / height < ratio:
        extra = max(0, math.ceil(height * ratio) - width)
        return extra // 2, extra - extra // 2, 0, 0
    extra = max(0, math.ceil(width / ratio) - height)
    return 0, 0, extra // 2, extra - extra // 2


def grow_each_side(width: int, height: int, fraction: float = 0.25) -> tuple[int, int, int, int]:
    """The "+25 % each side" preset: margins ``(left, right, top, bottom)`` of ``fraction``
    of the width (left, right) and of the height (top, bottom)."""
    if not 0 < fraction <= 2:
        raise CanvasError("The growth must be more than 0 and at most 200 % per side.")
    x = max(1, round(width * fraction))
    y = max(1, round(height * fraction))
    return x, x, y, y


def outpaint_grown(
    picture: Image.Image, mask: Image.Image | None
) -> tuple[Image.Image, Image.Image | None]:
    """A canvas grown in the app for an OUTPAINT job: its transparent border is the new area.

    The picture is the opaque box of ``picture``; the border is filled as :func:`outpaint`
    fills it and the job's mask is :func:`outpaint`'s joined with what the user painted in
    ``mask``. A picture with no transparent border is returned as it is, with ``mask``."""
    if "A" not in picture.getbands():
        return picture, mask
    box = picture.getchannel("A").point(lambda v: 255 if v >= 128 else 0).getbbox()
    w, h = picture.size
    if box is None:
        raise CanvasError("The canvas is empty: open a picture to grow first.")
    margins = (box[0], w - box[2], box[1], h - box[3])
    if not any(margins):
        return picture, mask
    inner = picture.crop(box)
    grown, grown_mask = outpaint(inner, *margins)
    if mask is not None:
        if mask.size != picture.size:
            raise CanvasError(_mask_size_message(mask.size, picture.size))
        grown_mask = ImageChops.lighter(grown_mask, binary_mask(mask))
    return grown, grown_mask


# ------------------------------------------------------------------------------- realtime


def lcm_size(width: int, height: int, size: int | tuple[int, int] | None = None) -> tuple[int, int]:
    """The width and height a live picture of ``width`` × ``height`` is sent at (``size`` as
    :func:`lcm_data_url` takes it)."""
    if size is None:
        # The allowed pair nearest the picture's shape (so the picture is least distorted),
        # then the largest not much larger than the picture (a small sheet costs less).
        aspect = math.log(max(width, 1) / max(height, 1))
        cap = max(width * height * 1.75, min(LCM_SIZES) ** 2)
        pairs = [(w, h) for w in LCM_SIZES for h in LCM_SIZES if w * h <= cap]
        return min(
            pairs, key=lambda p: (round(abs(math.log(p[0] / p[1]) - aspect), 2), -p[0] * p[1])
        )
    if isinstance(size, int):
        return size, size
    return int(size[0]), int(size[1])


def lcm_data_url(
    image: Image.Image, size: int | tuple[int, int] | None = None
) -> tuple[str, int, int]:
    """``image`` as a JPEG ``data:`` URL for the LCM operations, and its width and height.

    ``size``: one allowed side for both (512, 640 or 1024), a ``(width, height)`` pair of
    allowed sides, or None for the allowed sides nearest the picture's own (after fitting its
    longer side into 1024). The picture is resized to exactly that size."""
    target = lcm_size(*image.size, size)
    for side in target:
        if side not in LCM_SIZES:
            allowed = ", ".join(str(s) for s in LCM_SIZES)
            raise CanvasError(f"Live pictures are {allowed} pixels a side, not {side}.")
    picture = _rgb(image)
    if picture.size != target:
        picture = picture.resize(target, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    picture.save(buf, "JPEG", quality=_LCM_QUALITY)
    return encode_data_url(buf.getvalue(), "image/jpeg"), target[0], target[1]


def live_request(
    picture: Image.Image,
    mask: Image.Image | None,
    *,
    prompt: str,
    seed: int | None,
    strength: float | None = None,
    guidance: float | None = None,
    steps: int | None = None,
    style: str | None = None,
    size: int | tuple[int, int] | None = None,
    request_timestamp: str | None = None,
) -> LcmRequest:
    """The realtime request for ``picture`` (and ``mask``, white = regenerate: then it is an
    ``/lcm-inpainting`` request), both as JPEG data URLs at the size :func:`lcm_size` picks.
    CanvasError for a mask of another size or a size the endpoints do not take."""
    image_url, width, height = lcm_data_url(picture, size)
    mask_url = None
    if mask is not None:
        if mask.size != picture.size:
            raise CanvasError(_mask_size_message(mask.size, picture.size))
        mask_url = lcm_data_url(binary_mask(mask), (width, height))[0]
    return LcmRequest(
        image_data_url=image_url,
        prompt=prompt,
        guidance=guidance,
        strength=strength,
        steps=steps,
        style=style,
        width=width,
        height=height,
        seed=seed,
        request_timestamp=request_timestamp,
        mask_data_url=mask_url,
    )


# ------------------------------------------------------------------------------- requests


def canvas_request(
    request: GenerationRequest,
    mode: str,
    ids: CanvasUploadIds,
    made_from: str | None,
    *,
    size: tuple[int, int],
) -> GenerationRequest:
    """The canvas job's ``POST /generations`` request, from the form's ``request``.

    Sets ``canvasRequest``, ``canvasRequestType`` (``mode``), ``canvasInitId`` and
    ``canvasMaskId`` (``ids``), the prepared picture's ``size`` (``CanvasPrepared.width``,
    ``.height``), and ``init_strength`` for SKETCH2IMG and IMG2IMG (the form's, else 0.5;
    dropped for INPAINT and OUTPAINT, which keep the black area as it is). Other init images
    (``init_image_id``, ``init_generation_image_id``, unzoom) are dropped: the canvas picture
    is the init. ``made_from`` (local, never sent) is the library image the canvas started
    from, the results' parent in the lineage."""
    kind = _mode(mode)
    width, height = int(size[0]), int(size[1])
    for side in (width, height):
        if not MIN_SIDE <= side <= MAX_SIDE or side % _STEP:
            raise CanvasError(f"A canvas side must be {MIN_SIDE}-{MAX_SIDE}, a multiple of 8.")
    strength = None
    if kind in _USES_STRENGTH:
        strength = _DEFAULT_STRENGTH if request.init_strength is None else request.init_strength
        if not 0.1 <= strength <= 0.9:
            raise CanvasError(f"The init strength must be between 0.1 and 0.9, not {strength}.")
    return replace(
        request,
        canvas_request=True,
        canvas_request_type=kind,
        canvas_init_id=ids.init_image_id,
        canvas_mask_id=ids.mask_image_id,
        width=width,
        height=height,
        init_strength=strength,
        init_image_id=None,
        init_generation_image_id=None,
        unzoom=None,
        unzoom_amount=None,
        made_from=made_from,
    )
