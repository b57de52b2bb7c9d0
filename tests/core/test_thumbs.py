"""The disk thumbnail cache."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, JpegImagePlugin

from leodesk.core import thumbs
from leodesk.core.thumbs import TOUCH_INTERVAL, ThumbCache, ThumbError, key_for_url


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gradient(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    image = Image.linear_gradient("L").resize(size)
    if mode == "RGB":
        return Image.merge("RGB", (image, image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), image))
    return image.convert(mode)


def key(n: int | str) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> ThumbCache:
    return ThumbCache(tmp_path / "thumbs", clock=clock)


def test_make_from_a_file_and_from_bytes(cache: ThumbCache, tmp_path: Path) -> None:
    source = tmp_path / "big.png"
    gradient((1024, 768)).save(source)
    made = cache.make(key(1), 256, source_path=source)
    thumb = decode(made)
    assert thumb.format == "JPEG" and thumb.size == (256, 192)
    path = cache.path_for(key(1), 256)
    assert path == cache.root / "256" / key(1)[:2] / f"{key(1)}.jpg"
    assert path.read_bytes() == made == cache.get(key(1), 256)

    portrait = decode(cache.make(key(2), 128, data=encode(gradient((300, 900)), "JPEG")))
    assert portrait.size == (43, 128)
    small = decode(cache.make(key(3), 512, data=encode(gradient((100, 50)), "PNG")))
    assert small.size == (100, 50)  # never enlarged
    assert cache.get(key(1), 512) is None  # sizes are separate


def test_layout_permissions_and_cachedir_tag(cache: ThumbCache) -> None:
    cache.make(key(1), 256, data=encode(gradient((64, 64)), "PNG"))
    path = cache.path_for(key(1), 256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (cache.root, path.parent, path.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    tag = cache.root / "CACHEDIR.TAG"
    assert tag.read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    leftovers = [p for p in cache.root.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []


def test_big_jpegs_are_decoded_at_reduced_size(
    cache: ThumbCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[tuple[int, int], Any]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: Any) -> Any:
        result = original(self, mode, size)
        seen.append((self.size, result))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    data = encode(gradient((2048, 1536)), "JPEG", quality=90)
    thumb = decode(cache.make(key("big"), 256, data=data))
    assert thumb.size == (256, 192)
    # The decoder scaled by 1/8 while decoding: 256×192 is already the size asked for.
    assert seen and seen[0][0] == (256, 192) and seen[0][1] is not None


def test_the_shown_picture_comes_from_the_decode_that_made_the_file(
    cache: ThumbCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    original = thumbs.Image.open

    def counting(fp: Any, *args: Any, **kwargs: Any) -> Any:
        image = original(fp, *args, **kwargs)
        opened.append(str(image.format))
        return image

    monkeypatch.setattr(thumbs.Image, "open", counting)
    data = encode(gradient((1536, 1024)), "PNG")
    shown = cache.make_picture(key("pic"), 256, 164, data=data)
    assert shown.size == (164, 110) and shown.mode == "RGB"
    assert opened == ["PNG"]  # the source only: the JPEG just written is not decoded again
    # Asked again: read from the cache, at the size shown; the same picture within JPEG noise.
    again = cache.make_picture(key("pic"), 256, 164, data=b"not read again")
    assert opened == ["PNG", "JPEG"] and again.size == (164, 110)
    assert decode(cache.get(key("pic"), 256) or b"").size == (256, 171)
    first, second = shown.getpixel((80, 50)), again.getpixel((80, 50))
    assert isinstance(first, tuple) and isinstance(second, tuple)
    assert max(abs(a - b) for a, b in zip(first, second, strict=True)) < 12
    assert cache.picture(key("pic"), 256).size == (256, 171)  # no display size: as stored
    assert cache.picture(key("missing"), 256, 164) is None


def test_make_picture_refuses_bad_sources_like_make(cache: ThumbCache) -> None:
    with pytest.raises(ThumbError) as info:
        cache.make_picture(key("bad"), 256, 164, data=b"this is not an image")
    assert info.value.recorded and cache.is_failed(key("bad"))
    with pytest.raises(TypeError):
        cache.make_picture(key("bad"), 256, 164)


def test_exif_orientation_is_applied(cache: ThumbCache) -> None:
    image = Image.new("RGB", (400, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 200))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    thumb = decode(cache.make(key("rot"), 256, data=encode(image, "JPEG", exif=exif.tobytes())))
    assert thumb.size == (128, 256)
    top = thumb.getpixel((64, 10))
    bottom = thumb.getpixel((64, 246))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


@pytest.mark.parametrize(
    ("image", "fmt"),
    [
        (Image.new("RGBA", (64, 64), (255, 0, 0, 0)), "PNG"),
        (Image.new("LA", (64, 64), (255, 0)), "PNG"),
        (Image.new("RGBA", (64, 64), (255, 0, 0, 0)), "WEBP"),
    ],
    ids=["rgba", "la", "webp-alpha"],
)
def test_transparency_is_composited_on_grey(
    cache: ThumbCache, image: Image.Image, fmt: str
) -> None:
    thumb = decode(cache.make(key(fmt + image.mode), 32, data=encode(image, fmt, lossless=True)))
    assert thumb.mode == "RGB"
    pixel = thumb.getpixel((16, 16))
    assert isinstance(pixel, tuple)
    assert all(abs(c - 128) <= 3 for c in pixel)


def test_palette_with_transparency(cache: ThumbCache) -> None:
    image = Image.new("P", (32, 32), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    data = encode(image, "PNG", transparency=0)
    pixel = decode(cache.make(key("p"), 32, data=data)).getpixel((5, 5))
    assert isinstance(pixel, tuple) and all(abs(c - 128) <= 3 for c in pixel)


def test_other_modes_become_jpeg_safe(cache: ThumbCache) -> None:
    cmyk = decode(cache.make(key("cmyk"), 64, data=encode(Image.new("CMYK", (80, 80)), "JPEG")))
    assert cmyk.mode == "RGB"
    grey = decode(cache.make(key("l"), 64, data=encode(Image.new("L", (80, 80), 200), "PNG")))
    assert grey.mode == "L"
    deep = Image.new("I;16", (80, 80), 32768)
    mid = decode(cache.make(key("i16"), 64, data=encode(deep, "PNG")))
    assert mid.mode == "L"
    value = mid.getpixel((10, 10))
    assert isinstance(value, int) and abs(value - 128) <= 2  # scaled, not clipped to white


def test_a_broken_image_is_marked_and_not_retried(
    cache: ThumbCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ThumbError) as info:
        cache.make(key("bad"), 256, data=b"<html>not an image</html>")
    assert info.value.recorded
    assert cache.is_failed(key("bad"))
    assert (cache.root / "fail" / key("bad")).is_file()

    calls: list[object] = []
    monkeypatch.setattr(thumbs, "_render", lambda *a: calls.append(a))
    with pytest.raises(ThumbError, match="earlier"):
        cache.make(key("bad"), 128, data=b"anything")  # any size: the source is bad
    assert calls == []

    monkeypatch.undo()
    assert cache.clear_failures(key("bad")) == 1
    assert cache.clear_failures(key("bad")) == 0
    good = encode(gradient((64, 64)), "PNG")
    assert decode(cache.make(key("bad"), 64, data=good)).size == (64, 64)


def test_clear_all_failures(cache: ThumbCache) -> None:
    assert cache.clear_failures() == 0
    truncated = encode(gradient((512, 512)), "JPEG")[:2000]
    for n in range(3):
        with pytest.raises(ThumbError):
            cache.make(key(n), 64, data=truncated if n else b"")
    assert cache.clear_failures() == 3
    assert not any(cache.is_failed(key(n)) for n in range(3))


def test_an_unreadable_source_is_not_marked(cache: ThumbCache, tmp_path: Path) -> None:
    with pytest.raises(ThumbError) as info:
        cache.make(key("gone"), 256, source_path=tmp_path / "missing.png")
    assert not info.value.recorded
    assert not cache.is_failed(key("gone"))


def test_arguments_are_checked(cache: ThumbCache, tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        cache.make(key(1), 256)
    with pytest.raises(TypeError):
        cache.make(key(1), 256, source_path=tmp_path / "x", data=b"x")
    for bad_key in ("", "../../etc", "ABCDEF0123456789", "a" * 8):
        with pytest.raises(ValueError):
            cache.get(bad_key, 256)
    for bad_size in (0, 8, 4096):
        with pytest.raises(ValueError):
            cache.path_for(key(1), bad_size)


def test_a_hit_refreshes_recency_cheaply(cache: ThumbCache, clock: Clock) -> None:
    cache.make(key(1), 64, data=encode(gradient((64, 64)), "PNG"))
    path = cache.path_for(key(1), 64)
    os.utime(path, (clock.now - 1000, clock.now - 1000))
    assert cache.get(key(1), 64) is not None
    assert path.stat().st_mtime == clock.now
    clock.now += TOUCH_INTERVAL / 2
    cache.get(key(1), 64)
    assert path.stat().st_mtime == clock.now - TOUCH_INTERVAL / 2  # recent enough: no write


def test_prune_removes_least_recently_used_first(cache: ThumbCache, clock: Clock) -> None:
    data = encode(gradient((128, 128)), "PNG")
    for n in range(5):
        cache.make(key(n), 128, data=data)
        path = cache.path_for(key(n), 128)
        os.utime(path, (clock.now - 10_000 + n * 100, clock.now - 10_000 + n * 100))
    sizes = {n: cache.path_for(key(n), 128).stat().st_size for n in range(5)}
    assert cache.total_bytes() == sum(sizes.values())

    cache.get(key(0), 128)  # the oldest is used again: now the newest
    cache.max_bytes = sizes[0] + sizes[3] + sizes[4]
    result = cache.prune()
    assert result.removed_files == 2
    assert result.removed_bytes == sizes[1] + sizes[2]
    assert result.total_bytes == cache.total_bytes() == cache.max_bytes
    kept = {n for n in range(5) if cache.get(key(n), 128) is not None}
    assert kept == {0, 3, 4}

    assert cache.prune().removed_files == 0  # already within the limit
    cache.max_bytes = 0
    assert cache.prune().total_bytes == 0
    assert (cache.root / "CACHEDIR.TAG").exists()


def test_prune_sweeps_stale_temporary_files(cache: ThumbCache, clock: Clock) -> None:
    cache.make(key(1), 64, data=encode(gradient((64, 64)), "PNG"))
    bucket = cache.path_for(key(1), 64).parent
    stale, fresh = bucket / ".tmp-crashed.part", bucket / ".tmp-writing.part"
    stale.write_bytes(b"x" * 100)
    fresh.write_bytes(b"y" * 100)
    os.utime(stale, (clock.now - 7200, clock.now - 7200))
    os.utime(fresh, (clock.now, clock.now))
    cache.prune()
    assert not stale.exists() and fresh.exists()


def test_deleting_the_cache_is_safe(cache: ThumbCache) -> None:
    data = encode(gradient((64, 64)), "PNG")
    cache.make(key(1), 64, data=data)
    shutil.rmtree(cache.root)
    assert cache.get(key(1), 64) is None
    assert cache.total_bytes() == 0 and cache.prune().removed_files == 0
    assert cache.make(key(1), 64, data=data)
    assert (cache.root / "CACHEDIR.TAG").exists()


def test_a_cache_write_failure_still_returns_the_thumbnail(
    cache: ThumbCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(thumbs, "_write_file", full)
    made = cache.make(key(1), 64, data=encode(gradient((64, 64)), "PNG"))
    assert decode(made).size == (64, 64)
    assert not cache.is_failed(key(1))
    assert cache.get(key(1), 64) is None


def test_concurrent_makes(cache: ThumbCache) -> None:
    sources = {n: encode(gradient((600 + n * 10, 400)), "JPEG") for n in range(6)}
    barrier = threading.Barrier(12)
    results: dict[tuple[int, int], bytes] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        n = worker % 6  # two threads per key: same key and different keys at once
        barrier.wait()
        try:
            data = cache.make(key(n), 128, data=sources[n])
        except BaseException as exc:
            errors.append(exc)
            return
        with lock:
            results[(worker, n)] = data

    threads = [threading.Thread(target=work, args=(w,)) for w in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 12
    for (_, n), data in results.items():
        assert decode(data).size == (128, round(400 * 128 / (600 + n * 10)))
        assert decode(cache.path_for(key(n), 128).read_bytes()).size == decode(data).size
    files = [p for p in cache.root.rglob("*") if p.is_file() and p.name != "CACHEDIR.TAG"]
    assert len(files) == 6


def test_key_for_url() -> None:
    url = "https://cdn.leonardo.ai/users/u/generations/g/x_0.jpg"
    assert key_for_url(url) == key_for_url(url)
    assert key_for_url(url) != key_for_url(url + "?v=2")
    assert (
        len(key_for_url(url)) == 64 and key_for_url(url) != hashlib.sha256(url.encode()).hexdigest()
    )


def test_concurrent_make_pictures_write_whole_private_files(cache: ThumbCache) -> None:
    # make_picture encodes straight into the cache file (no bytes in between): several threads
    # on the same and on different keys still leave one whole 0600 JPEG per key, no temp files.
    sources = {n: encode(gradient((700 + n * 10, 500)), "JPEG") for n in range(4)}
    barrier = threading.Barrier(8)
    shown: dict[int, tuple[int, int]] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        n = worker % 4
        barrier.wait()
        try:
            shown[worker] = cache.make_picture(key(n), 128, 100, data=sources[n]).size
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for worker, size in shown.items():
        n = worker % 4
        assert size[0] == 100 and abs(size[1] - 500 * 100 / (700 + n * 10)) < 1
        path = cache.path_for(key(n), 128)
        stored = decode(path.read_bytes()).size
        assert stored[0] == 128 and abs(stored[1] - 500 * 128 / (700 + n * 10)) < 1
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p for p in cache.root.rglob("*") if p.name.startswith(".tmp-")] == []


def test_make_picture_survives_a_failed_write_and_leaves_no_temp_file(
    cache: ThumbCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = encode(gradient((300, 200)), "JPEG")
    cache.make_picture(key("other"), 64, data=data)  # the folders exist: the write is tried

    def full(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(thumbs.os, "replace", full)
    picture = cache.make_picture(key("full"), 64, 48, data=data)
    assert picture.size == (48, 32)
    assert not cache.is_failed(key("full"))
    assert cache.get(key("full"), 64) is None
    assert [p for p in cache.root.rglob("*") if p.name.startswith(".tmp-")] == []


def test_a_leftover_temp_file_of_the_same_name_is_not_overwritten(
    cache: ThumbCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = encode(gradient((300, 200)), "PNG")
    cache.make(key("first"), 64, data=data)  # makes the root
    path = cache.path_for(key("x"), 64)
    path.parent.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(thumbs, "_temp_names", iter([7]))
    leftover = path.parent / f".tmp-{os.getpid()}-7-{path.name}.part"
    leftover.write_bytes(b"someone else's")
    cache.make_picture(key("x"), 64, data=data)
    assert leftover.read_bytes() == b"someone else's"
    assert decode(path.read_bytes()).size == (64, 43)
