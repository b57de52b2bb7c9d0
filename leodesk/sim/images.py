"""Procedural, deterministic images (Pillow); the motion and video MP4s are in video_render.

Every picture is a function of a text key (prompt, seed, image index...) and a size: the same
key renders the same bytes, and the same key at a bigger size renders the same composition
bigger (which is how upscales look like their parent). A 1024x768 JPEG renders in ~10-20 ms.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFilter

MAX_SIDE = 4096
MAX_PIXELS = 8_500_000


def _rng(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big"))


def clamp_size(width: int, height: int) -> tuple[int, int]:
    """Keep a rendering within sane bounds (max side 4096, ~8.5 MP), preserving aspect ratio."""
    width, height = max(8, int(width)), max(8, int(height))
    scale = min(1.0, MAX_SIDE / max(width, height), (MAX_PIXELS / (width * height)) ** 0.5)
    if scale < 1.0:
        width, height = max(8, int(width * scale)), max(8, int(height * scale))
    return width, height


def _palette(rng: random.Random) -> list[tuple[int, int, int]]:
    base = rng.random()
    colors = []
    for i in range(5):
        hue = (base + i * rng.uniform(0.05, 0.22)) % 1.0
        sat = rng.uniform(0.35, 0.9)
        val = rng.uniform(0.35, 1.0)
        r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
        colors.append((int(r * 255), int(g * 255), int(b * 255)))
    return colors


def _compose(key: str, width: int, height: int) -> Image.Image:
    """The RGB picture for ``key`` at ``width`` x ``height``."""
    rng = _rng(key)
    colors = _palette(rng)
    gw, gh = rng.randint(3, 6), rng.randint(3, 5)
    small = Image.new("RGB", (gw, gh))
    small.putdata([colors[rng.randrange(len(colors))] for _ in range(gw * gh)])
    img = small.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    # A horizon of hills.
    horizon = rng.uniform(0.45, 0.8)
    points = [(0.0, 1.0)]
    steps = rng.randint(4, 9)
    for i in range(steps + 1):
        points.append((i / steps, horizon + rng.uniform(-0.12, 0.12)))
    points.append((1.0, 1.0))
    draw.polygon([(x * width, y * height) for x, y in points], fill=colors[0])
    # A sun or moon.
    cx, cy, r = rng.uniform(0.15, 0.85), rng.uniform(0.1, 0.4), rng.uniform(0.04, 0.12)
    side = min(width, height)
    draw.ellipse(
        (
            cx * width - r * side,
            cy * height - r * side,
            cx * width + r * side,
            cy * height + r * side,
        ),
        fill=colors[4],
    )
    # Some shapes.
    for _ in range(rng.randint(3, 7)):
        x, y = rng.uniform(0, 1) * width, rng.uniform(0.3, 1) * height
        w, h = rng.uniform(0.03, 0.2) * width, rng.uniform(0.05, 0.35) * height
        color = colors[rng.randrange(1, len(colors))]
        if rng.random() < 0.5:
            draw.rectangle((x, y - h, x + w, y), fill=color)
        else:
            draw.polygon([(x, y), (x + w / 2, y - h), (x + w, y)], fill=color)
    return img


def picture(key: str, width: int, height: int) -> Image.Image:
    """The RGB picture :func:`render` encodes for ``key`` (size clamped like it)."""
    return _compose(key, *clamp_size(width, height))


def encode(img: Image.Image, fmt: str = "JPEG") -> bytes:
    """Encode a picture the way every rendering is encoded (JPEG quality 88, fast PNG)."""
    return _encode(img, fmt)


def _label(img: Image.Image, text: str) -> None:
    if not text or img.width < 64 or img.height < 32:
        return
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, img.height - 18, img.width, img.height), fill=(0, 0, 0))
    draw.text((6, img.height - 15), text[: max(8, img.width // 7)], fill=(235, 235, 235))


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "PNG":
        img.save(buf, format="PNG", compress_level=1)
    else:
        img.convert("RGB").save(buf, format="JPEG", quality=88)
    return buf.getvalue()


def _foreground_mask(key: str, width: int, height: int) -> Image.Image:
    rng = _rng(key + "|mask")
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    cx, cy = rng.uniform(0.4, 0.6) * width, rng.uniform(0.45, 0.65) * height
    rx, ry = rng.uniform(0.2, 0.32) * width, rng.uniform(0.22, 0.35) * height
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    return mask


def render(
    key: str,
    width: int,
    height: int,
    *,
    fmt: str = "JPEG",
    transparent: bool = False,
    label: str = "",
) -> bytes:
    """Render the picture for ``key``; PNG with an alpha background when ``transparent``."""
    width, height = clamp_size(width, height)
    img = _compose(key, width, height)
    _label(img, label)
    if transparent:
        rgba = img.convert("RGBA")
        rgba.putalpha(_foreground_mask(key, width, height))
        return _encode(rgba, "PNG")
    return _encode(img, fmt)


def render_unzoom(key: str, width: int, height: int, *, label: str = "") -> bytes:
    """The parent picture shrunk to 70 % in the middle of an extended, blurred surround."""
    width, height = clamp_size(width, height)
    outer = _compose(key, max(8, width // 8), max(8, height // 8)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    outer = outer.filter(ImageFilter.BoxBlur(2))
    inner = _compose(key, max(8, int(width * 0.7)), max(8, int(height * 0.7)))
    outer.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2))
    _label(outer, label)
    return _encode(outer, "JPEG")


def render_bytes_image(data: bytes, width: int, height: int, *, label: str = "") -> bytes:
    """Resize an uploaded image (e.g. an init image) to a JPEG; falls back to a pattern."""
    width, height = clamp_size(width, height)
    try:
        with Image.open(io.BytesIO(data)) as src:
            img = src.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    except Exception:
        return render("unreadable-upload", width, height, label=label)
    _label(img, label)
    return _encode(img, "JPEG")


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of an encoded image, or None when Pillow cannot read it."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.width, img.height
    except Exception:
        return None


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@functools.lru_cache(maxsize=4)
def bomb_png(side: int = 40000) -> bytes:
    """A valid, all-black, 1-bit PNG of ``side`` x ``side`` pixels: a decompression bomb.

    40000 x 40000 (1.6 gigapixels, 6.4 GB as RGBA) compresses to about 190 KB: deflate cannot
    shrink more than ~1000:1, and 1 bit per pixel is the least a PNG can store.
    """
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte "none", then the packed pixels
    packer = zlib.compressobj(9)
    block = row * 1000
    body = [packer.compress(block) for _ in range(side // 1000)]
    body.append(packer.compress(row * (side % 1000)))
    body.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(body))
        + _png_chunk(b"IEND", b"")
    )
