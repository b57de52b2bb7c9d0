"""imageprep: formats kept or converted, EXIF orientation, downscaling, limits, bad input."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from leodesk.core.imageprep import (
    MAX_SIDE,
    ImagePrepError,
    PreparedImage,
    prepare_file,
    prepare_image,
)
from leodesk.core.library import Library


def encode(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def decode(p: PreparedImage) -> Image.Image:
    im = Image.open(io.BytesIO(p.data))
    im.load()
    return im


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_api_formats_are_sent_byte_for_byte(fmt: str, ext: str) -> None:
    raw = encode(Image.new("RGB", (40, 30), (10, 200, 30)), fmt)
    p = prepare_image(raw)
    assert p.data == raw
    assert (p.extension, p.width, p.height) == (ext, 40, 30)
    assert p.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "GIF", "TGA"])
def test_other_formats_become_png(fmt: str) -> None:
    raw = encode(Image.new("RGB", (33, 21), (200, 30, 30)), fmt)
    p = prepare_image(raw)
    assert p.extension == "png"
    im = decode(p)
    assert im.format == "PNG" and im.size == (33, 21)
    assert p.sha256 == hashlib.sha256(p.data).hexdigest()


def test_palette_gif_with_transparency_keeps_alpha() -> None:
    im = Image.new("P", (8, 8), 0)
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    raw = encode(im, "GIF", transparency=0)
    out = decode(prepare_image(raw))
    assert out.mode in ("RGBA", "P", "LA")


def test_exif_orientation_is_applied() -> None:
    im = Image.new("RGB", (60, 20), (255, 255, 255))
    im.paste((255, 0, 0), (0, 0, 10, 20))  # red band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    raw = encode(im, "JPEG", exif=exif.tobytes())
    p = prepare_image(raw)
    assert p.extension == "jpg"
    assert (p.width, p.height) == (20, 60)
    out = decode(p)
    assert out.size == (20, 60)
    assert out.getexif().get(0x0112, 1) == 1
    r, g, b = out.getpixel((10, 3))  # the red band is now at the top
    assert r > 200 and g < 80 and b < 80


def test_large_images_are_scaled_down_keeping_the_aspect() -> None:
    raw = encode(Image.new("RGB", (3072, 1024), (1, 2, 3)), "PNG")
    p = prepare_image(raw)
    assert max(p.width, p.height) == MAX_SIDE
    assert (p.width, p.height) == (1536, 512)
    assert decode(p).size == (1536, 512)
    assert p.data != raw


def test_fit_scales_down_to_just_cover_the_output_and_never_up() -> None:
    raw = encode(Image.new("RGB", (1200, 900), (1, 2, 3)), "PNG")
    # a 512 x 768 portrait output: the height decides (900 -> 768), the width still covers
    p = prepare_image(raw, fit=(512, 768))
    assert (p.width, p.height) == (1024, 768)
    assert decode(p).size == (1024, 768)
    # a landscape output wider than the picture's aspect: the width decides
    p = prepare_image(raw, fit=(1024, 512))
    assert (p.width, p.height) == (1024, 768)
    # a small picture is never enlarged, and is sent byte for byte
    small = encode(Image.new("RGB", (300, 200), (1, 2, 3)), "PNG")
    p = prepare_image(small, fit=(1024, 1024))
    assert (p.width, p.height) == (300, 200) and p.data == small
    # the API's limit still holds when the output is larger than it
    big = encode(Image.new("RGB", (4000, 1000), (1, 2, 3)), "PNG")
    p = prepare_image(big, fit=(1536, 1536))
    assert (p.width, p.height) == (MAX_SIDE, 384)


def test_downscaled_jpeg_stays_jpeg() -> None:
    raw = encode(Image.new("RGB", (2000, 1000), (1, 2, 3)), "JPEG")
    p = prepare_image(raw, max_side=1000)
    assert (p.extension, p.width, p.height) == ("jpg", 1000, 500)


def test_not_an_image() -> None:
    with pytest.raises(ImagePrepError, match=r"notes.txt is not an image"):
        prepare_image(b"hello, this is text", name="notes.txt")


def test_empty() -> None:
    with pytest.raises(ImagePrepError, match=r"empty"):
        prepare_image(b"")


def test_truncated_png() -> None:
    raw = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "PNG")
    with pytest.raises(ImagePrepError, match=r"truncated|corrupt"):
        prepare_image(raw[: len(raw) // 2], name="half.png")


def test_corrupt_png() -> None:
    raw = bytearray(encode(Image.new("RGB", (50, 50), (9, 9, 9)), "PNG"))
    raw[40:80] = b"\x00" * 40  # wreck the image data
    with pytest.raises(ImagePrepError, match=r"corrupt|truncated|not an image"):
        prepare_image(bytes(raw), name="bad.png")


def test_byte_limit() -> None:
    raw = encode(Image.new("RGB", (64, 64)), "PNG")
    with pytest.raises(ImagePrepError, match=r"too large.*limit"):
        prepare_image(raw, max_bytes=len(raw) - 1)


def test_megapixel_limit_is_checked_before_decoding() -> None:
    raw = encode(Image.new("L", (3000, 2000)), "PNG")
    with pytest.raises(ImagePrepError, match=r"3000 × 2000.*megapixels"):
        prepare_image(raw, max_megapixels=5)


def test_prepare_file(tmp_path: Path) -> None:
    src = tmp_path / "a.bmp"
    Image.new("RGB", (10, 10)).save(src)
    assert prepare_file(src).extension == "png"
    with pytest.raises(ImagePrepError, match=r"Cannot read missing.png"):
        prepare_file(tmp_path / "missing.png")
    with pytest.raises(ImagePrepError, match=r"a.bmp is too large"):
        prepare_file(src, max_bytes=10)


def test_upload_cache_reuses_ids_for_a_day(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    with Library.open(tmp_path / "lib.db", clock=lambda: now[0]) as lib:
        assert lib.upload_id_for("ab" * 32) is None
        lib.remember_upload("ab" * 32, "init-1")
        assert lib.upload_id_for("ab" * 32) == "init-1"
        now[0] += 23 * 3600
        assert lib.upload_id_for("ab" * 32) == "init-1"
        now[0] += 2 * 3600
        assert lib.upload_id_for("ab" * 32) is None  # older than a day: upload again
        lib.remember_upload("ab" * 32, "init-2")
        assert lib.upload_id_for("ab" * 32) == "init-2"
    with Library.open_readonly(tmp_path / "lib.db", clock=lambda: now[0]) as ro:
        assert ro.upload_id_for("ab" * 32) == "init-2"
