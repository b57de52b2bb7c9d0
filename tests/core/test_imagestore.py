"""The content-addressed image store and image verification."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import threading
from pathlib import Path

import pytest
from PIL import Image

from leodesk.core import imagestore
from leodesk.core.imagestore import (
    MAX_PIXELS,
    ImageError,
    ImageStore,
    StorageError,
    ext_for_format,
    verify_image,
)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    image = Image.new(mode, size)
    for x in range(size[0]):
        image.putpixel((x, x % size[1]), (255, 0, 0) if mode == "RGB" else 255)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images")


def test_put_is_content_addressed_and_private(store: ImageStore) -> None:
    data = image_bytes()
    stored = store.put(data, ".PNG")
    sha = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == sha and stored.ext == "png"
    assert stored.path == store.root / sha[:2] / f"{sha}.png"
    assert stored.path.read_bytes() == data
    assert stored.path == store.path_for(sha, "png")
    assert store.has(sha, "png") and not store.has(sha, "jpg")
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert all_files(store.root) == [stored.path]  # no temporary file left


def test_put_is_idempotent_without_rewriting(store: ImageStore) -> None:
    data = image_bytes()
    first = store.put(data, "png")
    os.utime(first.path, (1_000_000, 1_000_000))
    second = store.put(data, "png")
    assert second == first
    assert first.path.stat().st_mtime == 1_000_000  # not written again
    other = store.put(image_bytes(size=(10, 10)), "png")
    assert other.path != first.path
    assert len(all_files(store.root)) == 2


def test_a_damaged_copy_is_replaced(store: ImageStore) -> None:
    data = image_bytes()
    path = store.path_for(hashlib.sha256(data).hexdigest(), "png")
    path.parent.mkdir(parents=True)
    path.write_bytes(data[:10])  # e.g. left by an older, non-atomic writer
    assert store.put(data, "png").path.read_bytes() == data


def test_extensions_and_digests_are_checked(store: ImageStore) -> None:
    data = image_bytes()
    assert store.put(data, "JPEG").ext == "jpg"
    for bad in ("", ".", "../x", "a/b", "x" * 9, "p ng"):
        with pytest.raises(ValueError):
            store.put(data, bad)
    for bad_sha in ("", "abc", "G" * 64, "../" + "a" * 61, "A" * 64):
        with pytest.raises(ValueError):
            store.path_for(bad_sha, "png")


def test_disk_full_leaves_no_partial_file(
    store: ImageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = image_bytes(size=(256, 256))

    def half_then_full(fd: int, payload: bytes) -> None:
        os.write(fd, payload[: len(payload) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(imagestore, "_write_all", half_then_full)
    with pytest.raises(StorageError, match="disk is full") as info:
        store.put(data, "png")
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value.__cause__, OSError)
    assert all_files(store.root) == []
    assert not store.has(hashlib.sha256(data).hexdigest(), "png")


def test_other_write_errors_are_storage_errors(
    store: ImageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(StorageError, match="not allowed") as info:
        store.put(image_bytes(), "png")
    assert info.value.errno == errno.EACCES
    assert all_files(store.root) == []


def test_concurrent_puts_of_the_same_bytes(store: ImageStore) -> None:
    data = image_bytes(size=(128, 128))
    results: list[Path] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def put() -> None:
        barrier.wait()
        try:
            results.append(store.put(data, "png").path)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert all_files(store.root) == [results[0]]
    assert results[0].read_bytes() == data


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_verify_accepts_real_images(fmt: str, ext: str) -> None:
    info = verify_image(image_bytes(fmt, (40, 30)))
    assert (info.format, info.width, info.height, info.ext) == (fmt, 40, 30, ext)


def test_ext_for_format() -> None:
    assert ext_for_format("jpeg") == "jpg"
    assert ext_for_format("TIFF") == "tiff"


@pytest.mark.parametrize(
    "data",
    [b"", b"<html>Access Denied</html>", b"\x89PNG\r\n\x1a\n", b"GIF89a" + b"\x00" * 3],
    ids=["empty", "html", "png-signature-only", "gif-header-only"],
)
def test_verify_rejects_non_images(data: bytes) -> None:
    with pytest.raises(ImageError):
        verify_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_verify_rejects_truncated_images(fmt: str) -> None:
    data = image_bytes(fmt, (256, 256))
    with pytest.raises(ImageError, match="damaged or incomplete"):
        verify_image(data[: len(data) * 2 // 3])


def test_verify_rejects_a_png_with_a_bad_checksum() -> None:
    data = bytearray(image_bytes("PNG", (32, 32)))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # flip a byte of compressed data; the CRC no longer matches
    with pytest.raises(ImageError):
        verify_image(bytes(data))


def test_verify_rejects_decompression_bombs() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, "PNG")  # tiny file, huge canvas
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(ImageError, match="too large"):
        verify_image(bomb.getvalue())


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="writers are told apart by pid on POSIX")
def test_temporary_files_of_interrupted_writes_are_removed(store: ImageStore) -> None:
    """A process killed in the middle of a write leaves its temporary file; the next sweep
    removes it, and keeps those of writers still running (this process, another one)."""
    kept_image = store.put(image_bytes(), "png").path
    bucket = kept_image.parent
    dead = bucket / f".tmp-{_dead_pid()}-abc123.part"
    mine = bucket / f".tmp-{os.getpid()}-def456.part"
    other = bucket / f".tmp-{os.getppid()}-ghi789.part"  # the test runner's parent: running
    old_style = bucket / ".tmp-jkl012.part"  # no pid: an older version wrote it
    old_style_stale = bucket / ".tmp-mno345.part"
    for path in (dead, mine, other, old_style, old_style_stale):
        path.write_bytes(b"half an image")
    os.utime(old_style_stale, (1_000_000, 1_000_000))
    assert store.remove_stale_temp_files() == 2
    assert all_files(store.root) == sorted([kept_image, mine, other, old_style])
    # Much later every leftover goes, whoever wrote it; images stay.
    later = mine.stat().st_mtime + 2 * imagestore.STALE_TEMP_AGE
    assert store.remove_stale_temp_files(now=later) == 3
    assert all_files(store.root) == [kept_image]
    assert ImageStore(store.root / "missing").remove_stale_temp_files() == 0


def test_a_write_names_its_temporary_file_after_its_process(
    store: ImageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    names: list[str] = []

    def record_then_fail(fd: int, payload: bytes) -> None:
        names.extend(p.name for p in all_files(store.root))
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(imagestore, "_write_all", record_then_fail)
    with pytest.raises(StorageError):
        store.put(image_bytes(), "png")
    assert len(names) == 1 and names[0].startswith(f".tmp-{os.getpid()}-")
    assert names[0].endswith(".part")
    assert all_files(store.root) == []
