"""``data:`` URLs, as the realtime (LCM) operations send and answer images.

The API takes ``data:image/jpeg;base64,…`` and answers a list of such URLs. A URL that is not
base64 image data is a :class:`DataUrlError` (a ``ValueError``) saying what is wrong with it,
never a crash further on: the bytes are checked to start like a JPEG, PNG or WebP file.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

__all__ = [
    "DATA_URL_TYPES",
    "DataUrlError",
    "decode_data_url",
    "encode_data_url",
    "image_ext_of",
    "sniff_image_ext",
]

#: MIME type → the extension leodesk stores the image under.
DATA_URL_TYPES: Final = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}

_HEAD: Final = re.compile(r"data:([A-Za-z0-9.+/-]+)((?:;[^;,]*)*),", re.ASCII)
_MAX_CHARS: Final = 64 * 1024 * 1024


class DataUrlError(ValueError):
    """A string that is not a base64 image ``data:`` URL; ``str()`` says why."""


def sniff_image_ext(data: bytes) -> str | None:
    """The extension the bytes' first bytes say (jpg, png, webp), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _split(text: object) -> tuple[str, str]:
    """The MIME type and the base64 payload of a data URL, or DataUrlError."""
    if not isinstance(text, str):
        raise DataUrlError(f"expected a data URL string, got {type(text).__name__}")
    if len(text) > _MAX_CHARS:
        raise DataUrlError("the data URL is too large")
    head = _HEAD.match(text.strip())
    if head is None:
        raise DataUrlError("not a data URL (it should start with data:image/…;base64,)")
    mime, params = head.group(1).lower(), head.group(2).lower()
    if mime not in DATA_URL_TYPES:
        raise DataUrlError(f"the data URL holds {mime}, not a JPEG, PNG or WebP image")
    if ";base64" not in params:
        raise DataUrlError("the data URL is not base64-encoded")
    return mime, text.strip()[head.end() :]


def decode_data_url(text: str) -> bytes:
    """The image bytes of a base64 ``data:image/…`` URL; DataUrlError when it is not one."""
    _, payload = _split(text)
    compact = "".join(payload.split())
    try:
        data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise DataUrlError("the data URL's base64 is corrupt") from None
    if not data:
        raise DataUrlError("the data URL holds no data")
    if sniff_image_ext(data) is None:
        raise DataUrlError("the data URL's bytes are not a JPEG, PNG or WebP image")
    return data


def image_ext_of(text: str) -> str:
    """The extension (jpg, png, webp) of the image a data URL declares."""
    mime, _ = _split(text)
    return DATA_URL_TYPES[mime]


def encode_data_url(data: bytes, mime: str = "image/jpeg") -> str:
    """``data:<mime>;base64,<data>``."""
    if mime not in DATA_URL_TYPES:
        raise ValueError(f"mime must be one of {sorted(DATA_URL_TYPES)}, not {mime!r}")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
