"""The on-disk thumbnail cache: small JPEGs made with Pillow, pruned least-recently-used first.

Layout::

    <root>/CACHEDIR.TAG                 backup tools skip the folder
    <root>/<size>/<key[:2]>/<key>.jpg   one thumbnail per key and size (longest edge = size)
    <root>/fail/<key>                   "this source could not be decoded" markers

``key`` is the image's content SHA-256 (or :func:`key_for_url` for an image not downloaded yet).
Everything here can be rebuilt, so deleting the whole folder is always safe, even while the app
runs. Files are JPEG q85 (about 11 KB at 256 px, 0.6 ms to load); they are written to a 0600
temporary file and renamed into place, in 0700 directories.

Decoding goes through Pillow's reduced-size paths: ``Image.draft`` lets the JPEG decoder scale
by 1/2, 1/4 or 1/8 while decoding (2–4× faster for big JPEGs), then ``thumbnail`` with a
``reducing_gap`` finishes with a cheap reduce and a good resample. :meth:`ThumbCache.picture`
and :meth:`ThumbCache.make_picture` hand out the decoded picture at the size it is shown,
made from the same decode as the cached file (no second decode of the JPEG just written).
EXIF orientation is applied; transparency is composited on neutral grey because JPEG has no
alpha.

A source that cannot be decoded gets a failure marker so the gallery does not retry it on every
scroll; :meth:`ThumbCache.make` refuses marked keys until :meth:`ThumbCache.clear_failures`.

Recency: a hit bumps the file's mtime (at most once a minute per file, so scrolling does not turn
into a stream of metadata writes) and :meth:`ThumbCache.prune` deletes the oldest files first.
Pruning walks the whole cache, so run it at start-up and now and then, on a worker thread.

Thread-safety: ``get``, ``make`` (of the same or different keys), ``prune`` and the failure
methods may run concurrently on any threads; the Qt side still dedupes requests to save work.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from leodesk.core.digest import sha256_hex
from leodesk.core.errors import LeodeskError
from leodesk.core.imagestore import MAX_PIXELS
from leodesk.core.lazy import lazy

if TYPE_CHECKING:
    from PIL import Image, ImageOps
else:  # Pillow loads with the first thumbnail (not with the gallery: see leodesk.core.lazy)
    Image = lazy("PIL.Image")
    ImageOps = lazy("PIL.ImageOps")

__all__ = [
    "DEFAULT_MAX_BYTES",
    "JPEG_QUALITY",
    "REDUCING_GAP",
    "PruneResult",
    "ThumbCache",
    "ThumbError",
    "key_for_url",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES: Final = 512 * 1024 * 1024
JPEG_QUALITY: Final = 85
# The JPEG decoder scales by 1/2, 1/4 or 1/8 while decoding (in the DCT, which averages: no
# aliasing) to at least the target size, then ``thumbnail`` reduces by a whole factor to at least
# REDUCING_GAP × the target and resamples with Lanczos. A gap of 2 decoded twice the pixels and
# halved the throughput for no visible gain at thumbnail size.
REDUCING_GAP: Final = 1.0
# Bicubic (Pillow's choice for thumbnails): at these ratios it is as sharp as Lanczos to the eye
# and its smaller kernel costs a third less.
RESAMPLE: Final = "BICUBIC"  # a name of Image.Resampling
# The picture shown is the thumbnail fitted to the cell (256 → 164 px by default): a ratio under
# 2, where an area average (Pillow's box filter: each pixel the mean of the 1.56 × 1.56 pixels it
# covers) looks the same as bilinear and costs a third less (0.24 ms against 0.37 ms; against a
# Lanczos reference its RMS difference is 1.7 levels of 255, bilinear's 1.4).
SHOWN_RESAMPLE: Final = "BOX"
BACKGROUND: Final = (128, 128, 128)  # neutral grey behind transparent pixels
TOUCH_INTERVAL: Final = 60.0  # seconds: a hit refreshes recency at most this often
STALE_TEMP_AGE: Final = 3600.0  # seconds: leftovers of a crashed write older than this go
MIN_SIZE: Final = 16
MAX_SIZE: Final = 2048

_EXIF_IN_INFO: Final = frozenset({"JPEG", "PNG", "WEBP"})
_KEY = re.compile(r"[0-9a-f]{16,128}")
_FAIL_DIR = "fail"
_TEMP_PREFIX = ".tmp-"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# leodesk keeps image thumbnails here. They are rebuilt on demand,\n"
    "# so backup tools may skip this folder and it may be deleted at any time.\n"
)


class ThumbError(LeodeskError):
    """No thumbnail could be made. ``recorded`` says whether a failure marker now exists (the
    source itself is bad) or not (the source file could not be read, which may be temporary)."""

    def __init__(self, message: str, *, recorded: bool) -> None:
        super().__init__(message)
        self.recorded = recorded


@dataclass(frozen=True)
class PruneResult:
    """What :meth:`ThumbCache.prune` did."""

    removed_files: int
    removed_bytes: int
    total_bytes: int


def key_for_url(url: str) -> str:
    """A cache key for an image known only by its URL."""
    return sha256_hex(b"url\0" + url.encode("utf-8"))


def _check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid thumbnail key: {key!r}")
    return key


def _check_size(size: int) -> int:
    if not isinstance(size, int) or isinstance(size, bool) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"thumbnail size must be {MIN_SIZE}..{MAX_SIZE}, not {size!r}")
    return size


def _to_jpeg_mode(image: Image.Image) -> Image.Image:
    """``image`` in a mode JPEG can store (L or RGB), alpha composited on neutral grey."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, BACKGROUND)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("L", "RGB"):
        return image
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, I, F...


def _render_image(source: Path | bytes, size: int) -> Image.Image:
    """Decode ``source`` into a picture (L or RGB, upright) whose longest edge is at most
    ``size``."""
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    with Image.open(fp) as image:
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
            raise ValueError(f"unusable image size {width}×{height}")
        if image.format == "JPEG":
            # Let the JPEG decoder scale by 1/2, 1/4 or 1/8 while decoding, keeping at least
            # REDUCING_GAP × the final size (the box ``thumbnail`` would use itself).
            scale = min(size / width, size / height, 1.0)
            box = (
                max(1, round(width * scale * REDUCING_GAP)),
                max(1, round(height * scale * REDUCING_GAP)),
            )
            image.draft(image.mode, box)
        image.thumbnail((size, size), Image.Resampling[RESAMPLE], reducing_gap=REDUCING_GAP)
        # Reading EXIF is Python work (it holds the GIL the other workers need): only when the
        # file has EXIF at all (JPEG, PNG and WebP keep it in info["exif"]).
        if image.format in _EXIF_IN_INFO and "exif" not in image.info:
            oriented: Image.Image = image
        else:
            oriented = ImageOps.exif_transpose(image)
        out = _to_jpeg_mode(oriented)
        out.load()
    return out


def _encode(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _render(source: Path | bytes, size: int) -> bytes:
    """Decode ``source`` and return a JPEG whose longest edge is at most ``size``."""
    return _encode(_render_image(source, size))


def _shrink(picture: Image.Image, display: int | None) -> Image.Image:
    """``picture`` fitted into ``display`` pixels (itself when it already fits)."""
    if display is None or max(picture.size) <= display:
        return picture
    scale = display / max(picture.size)
    box = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    return picture.resize(box, Image.Resampling[SHOWN_RESAMPLE])


class ThumbCache:
    """Thumbnails under ``root``, at most ``max_bytes`` after :meth:`prune`."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self._root = Path(root)
        # The hot paths (a lookup, a write) build file names as strings: pathlib's objects cost
        # more Python work than the rest of a lookup, under the GIL the decoders share.
        self._root_str = os.fspath(self._root)
        self.max_bytes = max_bytes
        self._clock = clock

    @property
    def root(self) -> Path:
        return self._root

    def path_for(self, key: str, size: int) -> Path:
        """Where the thumbnail of ``key`` at ``size`` lives (whether or not it exists)."""
        return Path(self._file(key, size))

    def _file(self, key: str, size: int) -> str:
        key = _check_key(key)
        return f"{self._root_str}{os.sep}{_check_size(size)}{os.sep}{key[:2]}{os.sep}{key}.jpg"

    # ---------------------------------------------------------------------------- reading

    def get(self, key: str, size: int) -> bytes | None:
        """The cached JPEG, or None. A hit marks the file as recently used."""
        path = self._file(key, size)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read thumbnail %s: %s", path, exc)
            return None
        if not data:
            return None
        now = self._clock()
        with contextlib.suppress(OSError):  # recency is a hint: a read-only cache still serves
            if now - os.stat(path).st_mtime > TOUCH_INTERVAL:
                os.utime(path, (now, now))
        return data

    def picture(self, key: str, size: int, display: int | None = None) -> Image.Image | None:
        """The cached thumbnail decoded and fitted into ``display`` pixels (None: as stored), or
        None when it is not cached or cannot be read."""
        data = self.get(key, size)
        if data is None:
            return None
        try:
            with Image.open(io.BytesIO(data)) as image:
                if display is not None and max(image.size) > display:
                    image.draft(image.mode, (display, display))
                    image.thumbnail((display, display), Image.Resampling[SHOWN_RESAMPLE])
                image.load()
                return image
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            log.warning("cannot decode thumbnail %s: %s", key[:12], exc)
            return None

    def make_picture(
        self,
        key: str,
        size: int,
        display: int | None = None,
        *,
        source_path: Path | None = None,
        data: bytes | None = None,
        look_in_cache: bool = True,
    ) -> Image.Image:
        """:meth:`make`, returning the picture fitted into ``display`` pixels (None: at
        ``size``) instead of the JPEG: made from the decode that made the cached file, or read
        from the cache when it is there already (``look_in_cache=False``: the caller has just
        asked :meth:`picture` and it was not). Raises like :meth:`make`."""
        if (source_path is None) == (data is None):
            raise TypeError("give exactly one of source_path and data")
        if look_in_cache:
            cached = self.picture(key, size, display)
            if cached is not None:
                return cached
        picture, _jpeg = self._make(key, size, source_path, data, want_jpeg=False)
        return _shrink(picture, display)

    # ---------------------------------------------------------------------------- making

    def make(
        self,
        key: str,
        size: int,
        *,
        source_path: Path | None = None,
        data: bytes | None = None,
    ) -> bytes:
        """Make (or return the cached) thumbnail of ``key`` from a file or from bytes.

        Raises :class:`ThumbError` when the source cannot be read or decoded; an undecodable
        source gets a failure marker and is refused until :meth:`clear_failures`. If the cache
        itself cannot be written (disk full), the thumbnail is still returned.
        """
        if (source_path is None) == (data is None):
            raise TypeError("give exactly one of source_path and data")
        cached = self.get(key, size)
        if cached is not None:
            return cached
        jpeg = self._make(key, size, source_path, data)[1]
        assert jpeg is not None
        return jpeg

    def _make(
        self,
        key: str,
        size: int,
        source_path: Path | None,
        data: bytes | None,
        *,
        want_jpeg: bool = True,
    ) -> tuple[Image.Image, bytes | None]:
        """Decode the source, write the thumbnail to the cache and return its picture and the
        JPEG it was stored as (None unless ``want_jpeg``: then it is encoded into the file)."""
        path = self._file(key, size)
        if self.is_failed(key):
            raise ThumbError("This image could not be read earlier.", recorded=True)
        source: Path | bytes
        if data is not None:
            source = data
        else:
            assert source_path is not None
            try:
                with open(source_path, "rb") as fh:
                    source = fh.read()
            except OSError as exc:
                raise ThumbError(f"The image file cannot be read: {exc}", recorded=False) from exc
        try:
            picture = _render_image(source, size)
            jpeg = _encode(picture) if want_jpeg else None
        except MemoryError:
            raise
        except Exception as exc:  # Pillow reports bad data through many exception types
            self._mark_failed(key, exc)
            raise ThumbError("This image is damaged or not supported.", recorded=True) from exc
        try:
            if jpeg is not None:
                self._write(path, jpeg)
            else:
                # Encoded straight into the cache file: Pillow encodes to a file descriptor
                # without the GIL (into a BytesIO it holds it, and the other workers wait).
                self._write(path, picture)
        except OSError as exc:
            log.warning("cannot cache thumbnail %s: %s", path, exc)
        return picture, jpeg

    def _ensure_root(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True, mode=0o700)
        tag = self._root / "CACHEDIR.TAG"
        if not tag.exists():
            _write_file(tag, _CACHEDIR_TAG.encode("ascii"))

    def _write(self, path: str, data: bytes | Image.Image) -> None:
        # Most writes go to a folder that exists: try first, make the folders when missing
        # (three mkdir calls per thumbnail cost more than encoding it).
        try:
            _write_file(path, data)
            return
        except FileNotFoundError:
            pass
        self._ensure_root()
        bucket = os.path.dirname(path)
        for folder in (os.path.dirname(bucket), bucket):
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder, 0o700)
        _write_file(path, data)

    # ---------------------------------------------------------------------------- failures

    def _fail_path(self, key: str) -> Path:
        return Path(self._fail_file(key))

    def _fail_file(self, key: str) -> str:
        return f"{self._root_str}{os.sep}{_FAIL_DIR}{os.sep}{_check_key(key)}"

    def is_failed(self, key: str) -> bool:
        """True if ``key``'s source could not be decoded before."""
        return os.path.exists(self._fail_file(key))

    def _mark_failed(self, key: str, exc: BaseException) -> None:
        path = self._fail_path(key)
        try:
            self._ensure_root()
            path.parent.mkdir(exist_ok=True, mode=0o700)
            _write_file(path, f"{type(exc).__name__}: {exc}\n"[:500].encode("utf-8", "replace"))
        except OSError as write_exc:
            log.warning("cannot record thumbnail failure %s: %s", path, write_exc)

    def clear_failures(self, key: str | None = None) -> int:
        """Forget the failure of ``key`` (or of every key); returns how many were removed."""
        if key is not None:
            try:
                self._fail_path(key).unlink()
            except FileNotFoundError:
                return 0
            return 1
        removed = 0
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self._root / _FAIL_DIR):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
        return removed

    # ---------------------------------------------------------------------------- size

    def _scan(self) -> tuple[list[tuple[float, int, str]], int]:
        """Every thumbnail as (mtime, bytes, path), and the stale temporary files removed."""
        files: list[tuple[float, int, str]] = []
        stale = 0
        now = self._clock()
        try:
            size_dirs = [e for e in os.scandir(self._root) if e.is_dir() and e.name.isdigit()]
        except FileNotFoundError:
            return files, stale
        for size_dir in size_dirs:
            with contextlib.suppress(FileNotFoundError):
                for bucket in os.scandir(size_dir.path):
                    if not bucket.is_dir():
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        for entry in os.scandir(bucket.path):
                            try:
                                st = entry.stat()
                            except FileNotFoundError:
                                continue
                            if entry.name.startswith(_TEMP_PREFIX):
                                if now - st.st_mtime > STALE_TEMP_AGE:
                                    with contextlib.suppress(FileNotFoundError):
                                        os.unlink(entry.path)
                                        stale += 1
                                continue
                            if entry.name.endswith(".jpg"):
                                files.append((st.st_mtime, st.st_size, entry.path))
        return files, stale

    def total_bytes(self) -> int:
        """The bytes taken by thumbnails now (markers and the tag are not counted)."""
        files, _ = self._scan()
        return sum(size for _, size, _ in files)

    def prune(self) -> PruneResult:
        """Delete least-recently-used thumbnails until at most ``max_bytes`` remain."""
        files, _ = self._scan()
        total = sum(size for _, size, _ in files)
        removed_files = removed_bytes = 0
        if total > self.max_bytes:
            files.sort()
            for _, size, path in files:
                if total <= self.max_bytes:
                    break
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    log.warning("cannot prune thumbnail %s: %s", path, exc)
                    continue
                total -= size
                removed_files += 1
                removed_bytes += size
        return PruneResult(removed_files, removed_bytes, total)


_temp_names = itertools.count()
_TEMP_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _write_file(path: str | Path, data: bytes | Image.Image) -> None:
    """Write via a 0600 temporary file in the same directory and rename into place. A picture
    is encoded as JPEG straight into the file (Pillow does that without holding the GIL)."""
    # A name unique to this process and call (cheaper than tempfile's random names, which are
    # Python work under the GIL); O_EXCL still refuses a leftover of the same name.
    folder, name = os.path.split(path)
    tmp_name = os.path.join(folder, f"{_TEMP_PREFIX}{os.getpid()}-{next(_temp_names)}-{name}.part")
    try:
        fd = os.open(tmp_name, _TEMP_FLAGS, 0o600)
    except FileExistsError:
        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".part", dir=folder)
    try:
        with io.FileIO(fd, "wb") as fh:  # (unbuffered: one write of the whole file)
            if isinstance(data, Image.Image):
                data.save(fh, "JPEG", quality=JPEG_QUALITY)
            else:
                fh.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
