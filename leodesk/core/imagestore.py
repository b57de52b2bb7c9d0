"""The content-addressed store of full-size images (and other downloaded media).

A file lives at ``<root>/<h[:2]>/<h>.<ext>`` where ``h`` is the SHA-256 of its bytes, so the same
bytes are stored once and a path never changes meaning. Files are written to a temporary file in
the target directory, flushed to disk and renamed into place, so a reader (or a crash) never
sees a partial file. Directories are 0700 and files 0600: prompts and pictures are private.

:func:`verify_image` checks downloaded bytes with Pillow before they are stored: it rejects
non-images, truncated or corrupt files and images with more than :data:`MAX_PIXELS` pixels
(a decompression bomb), each with a clear :class:`ImageError`.

Thread-safety: ``put`` may run on several threads at once (temporary names are unique and the
final rename is atomic; two threads storing the same bytes both succeed).

A process killed in the middle of a write leaves its temporary file (``.tmp-<pid>-….part``)
behind: never an image (readers only ever see final names), but dead weight.
:meth:`ImageStore.remove_stale_temp_files` removes those whose writer is gone.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from leodesk.core.errors import LeodeskError
from leodesk.core.lazy import lazy

if TYPE_CHECKING:
    import PIL
    from PIL import Image
else:  # Pillow loads with the first image checked (not with the library: leodesk.core.lazy)
    PIL = lazy("PIL")
    Image = lazy("PIL.Image")

__all__ = [
    "MAX_PIXELS",
    "ImageError",
    "ImageInfo",
    "ImageStore",
    "StorageError",
    "StoredImage",
    "ext_for_format",
    "verify_image",
]

# 80 megapixels: far above anything Leonardo produces (a 4× upscale of 1536² is ~38 MP) and just
# below Pillow's own warning threshold, so an accepted image never triggers Pillow's warning.
MAX_PIXELS: Final = 80_000_000

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX: Final = ".tmp-"
_TEMP_SUFFIX: Final = ".part"
_TEMP_PID = re.compile(r"\.tmp-(?P<pid>[0-9]+)-")
STALE_TEMP_AGE: Final = 3600.0  # seconds: a temporary file this old is left over, whoever wrote it
_EXT = re.compile(r"[a-z0-9]{1,8}")
_FORMAT_EXT: Final = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class ImageError(LeodeskError, ValueError):
    """The bytes are not a usable image. ``str(err)`` is for the user."""


class StorageError(LeodeskError):
    """The image could not be written (disk full, no permission...). ``str(err)`` is for the
    user; ``errno`` is the underlying error number (0 if unknown)."""

    def __init__(self, message: str, *, errno: int = 0) -> None:
        super().__init__(message)
        self.errno = errno


@dataclass(frozen=True)
class StoredImage:
    """Where :meth:`ImageStore.put` stored the bytes."""

    sha256: str
    ext: str
    path: Path


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`verify_image` found: Pillow's format name and the pixel size."""

    format: str
    width: int
    height: int

    @property
    def ext(self) -> str:
        """The usual file extension of ``format``."""
        return ext_for_format(self.format)


def ext_for_format(fmt: str) -> str:
    """``JPEG`` → ``jpg``, ``PNG`` → ``png``...; other formats are lower-cased."""
    return _FORMAT_EXT.get(fmt.upper(), fmt.lower())


def _normalise_ext(ext: str) -> str:
    clean = ext.lower().lstrip(".")
    if clean == "jpeg":
        clean = "jpg"
    if not _EXT.fullmatch(clean):
        raise ValueError(f"invalid file extension: {ext!r}")
    return clean


def _check_sha(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def verify_image(data: bytes) -> ImageInfo:
    """Check that ``data`` is a complete, decodable image of a sane size.

    Raises :class:`ImageError` for anything else. This decodes the whole image (tens of
    milliseconds for a large PNG), so call it on a worker thread.
    """
    if not data:
        raise ImageError("The downloaded file is empty.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or "unknown"
            width, height = probe.size
            if width <= 0 or height <= 0:
                raise ImageError("The image has no pixels.")
            if width * height > MAX_PIXELS:
                raise ImageError(
                    f"The image is too large to open safely ({width}×{height} pixels)."
                )
            probe.verify()  # checksums (PNG CRCs) and structure, without decoding
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # a full decode: finds truncated or corrupt pixel data
    except ImageError:
        raise
    except PIL.UnidentifiedImageError as exc:
        raise ImageError("The file is not an image leodesk can read.") from exc
    except Image.DecompressionBombError as exc:
        raise ImageError("The image is too large to open safely.") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        # Pillow reports damaged data through all of these, depending on the decoder.
        raise ImageError("The image file is damaged or incomplete.") from exc
    return ImageInfo(format=fmt, width=width, height=height)


class ImageStore:
    """Content-addressed files under ``root`` (created on first write)."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        return self._root

    def path_for(self, sha256: str, ext: str) -> Path:
        """Where the file with this digest and extension lives (whether or not it exists)."""
        sha = _check_sha(sha256)
        return self._root / sha[:2] / f"{sha}.{_normalise_ext(ext)}"

    def has(self, sha256: str, ext: str) -> bool:
        return self.path_for(sha256, ext).is_file()

    def put(self, data: bytes, ext: str) -> StoredImage:
        """Store ``data`` (idempotent: the same bytes are written once) and say where it is.

        Raises :class:`StorageError` when the file cannot be written; no partial file is left.
        """
        clean_ext = _normalise_ext(ext)
        import hashlib  # OpenSSL's (fast on large data): loaded with the first image

        sha = hashlib.sha256(data).hexdigest()
        path = self._root / sha[:2] / f"{sha}.{clean_ext}"
        with contextlib.suppress(OSError):
            if path.stat().st_size == len(data):
                return StoredImage(sha, clean_ext, path)
        try:
            self._ensure_dir(path.parent)
            _write_atomic(path, data)
        except OSError as exc:
            raise _storage_error(exc) from exc
        return StoredImage(sha, clean_ext, path)

    def remove_stale_temp_files(
        self, *, max_age: float = STALE_TEMP_AGE, now: float | None = None
    ) -> int:
        """Remove the temporary files interrupted writes left behind; returns how many.

        A temporary file is removed when the process that wrote it (its pid is in the name) no
        longer runs, or when it is older than ``max_age`` seconds (files of older versions,
        which have no pid, and any platform where liveness cannot be asked). Files of this
        process and of other running processes (the CLI may store images beside the app) are
        kept. Scans every bucket, so call it on a worker thread.
        """
        if not self._root.is_dir():
            return 0
        now = time.time() if now is None else now
        removed = 0
        alive: dict[int, bool] = {}
        with os.scandir(self._root) as buckets:
            dirs = [b.path for b in buckets if b.is_dir(follow_symlinks=False)]
        for bucket in dirs:
            try:
                with os.scandir(bucket) as entries:
                    temps = [
                        e
                        for e in entries
                        if e.name.startswith(_TEMP_PREFIX) and e.name.endswith(_TEMP_SUFFIX)
                    ]
                for entry in temps:
                    match = _TEMP_PID.match(entry.name)
                    pid = int(match["pid"]) if match else None
                    if pid is not None and pid not in alive:
                        alive[pid] = _process_alive(pid)
                    stale = now - entry.stat(follow_symlinks=False).st_mtime > max_age
                    if stale or (pid is not None and not alive[pid]):
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(entry.path)
                            removed += 1
            except OSError:
                continue  # a bucket that cannot be read is left as it is
        return removed

    def _ensure_dir(self, directory: Path) -> None:
        # mkdir(parents=True) ignores ``mode`` for the intermediate levels, so make the two
        # levels we own one by one.
        self._root.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory.mkdir(exist_ok=True, mode=0o700)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a 0600 temporary file in the same directory."""
    prefix = f"{_TEMP_PREFIX}{os.getpid()}-"
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (True when it cannot be told: then age alone decides)."""
    if pid == os.getpid():
        return True
    if os.name != "posix" or pid <= 0:
        return True  # (os.kill on Windows would end the process, not probe it)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. EPERM: it runs, as another user
    return True


def _storage_error(exc: OSError) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message = "The disk is full: free some space so leodesk can save your images."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = "leodesk is not allowed to write to its image folder."
    else:
        message = f"leodesk could not save an image ({exc.strerror or exc})."
    return StorageError(message, errno=exc.errno or 0)
