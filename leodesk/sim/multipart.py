"""A small ``multipart/form-data`` parser for the simulated S3 POST (``cgi`` is deprecated)."""

from __future__ import annotations

import re
from dataclasses import dataclass


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True)
class Part:
    """One form field: its name, optional filename and content type, and raw bytes."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        """The value decoded as UTF-8 (for ordinary fields)."""
        return self.data.decode("utf-8", errors="replace")


_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``form-data; name="x"; filename="y"`` into ``("form-data", {...})``."""
    main, _, _rest = value.partition(";")
    params: dict[str, str] = {}
    for m in _PARAM.finditer(value[len(main) :]):
        raw = m.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[m.group(1).lower()] = raw
    return main.strip().lower(), params


def boundary_of(content_type: str) -> str | None:
    """The boundary of a ``multipart/form-data`` content type, or None for other types."""
    main, params = header_params(content_type or "")
    if main != "multipart/form-data":
        return None
    return params.get("boundary") or None


def parse(body: bytes, boundary: str) -> list[Part]:
    """Parse ``body`` into its parts, in order."""
    delim = b"--" + boundary.encode("latin-1")
    if not body.startswith(delim):
        idx = body.find(b"\r\n" + delim)
        if idx < 0:
            raise MultipartError("boundary not found")
        body = body[idx + 2 :]
    parts: list[Part] = []
    pos = len(delim)
    while True:
        if body[pos : pos + 2] == b"--":
            return parts
        if body[pos : pos + 2] != b"\r\n":
            raise MultipartError("malformed boundary line")
        pos += 2
        head_end = body.find(b"\r\n\r\n", pos)
        if head_end < 0:
            raise MultipartError("part headers not terminated")
        headers: dict[str, str] = {}
        for line in body[pos:head_end].split(b"\r\n"):
            if not line.strip():
                continue
            name, sep, value = line.decode("utf-8", errors="replace").partition(":")
            if not sep:
                raise MultipartError(f"bad part header line {line!r}")
            headers[name.strip().lower()] = value.strip()
        data_start = head_end + 4
        next_delim = body.find(b"\r\n" + delim, data_start)
        if next_delim < 0:
            raise MultipartError("closing boundary not found")
        disposition, params = header_params(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in params:
            raise MultipartError("part without a form-data name")
        parts.append(
            Part(
                name=params["name"],
                data=body[data_start:next_delim],
                filename=params.get("filename"),
                content_type=headers.get("content-type"),
            )
        )
        pos = next_delim + 2 + len(delim)
