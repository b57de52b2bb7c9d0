"""Uploading an init image (or a canvas init image and its mask): a presigned POST from the
API, then a multipart POST to S3 per file (a mixin of
:class:`~leodesk.core.api.client.LeonardoClient`; S3 never sees the Authorization header).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from . import models
from .errors import ProtocolError, UploadError
from .models import CanvasUploadIds
from .parse import parse_canvas_upload, parse_init_image_upload
from .retry import RETRYABLE_STATUSES, parse_retry_after
from .serialize import canvas_init_body, init_image_body
from .transport import RequestKind, Transport, http_timeout, log, safe_url

__all__ = ["InitImageUpload"]

_IMAGE_TYPES: Final = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


@dataclass(frozen=True)
class _Presign:
    """A checked presigned POST (never logged: ``fields`` holds the signed policy)."""

    id: str
    url: str
    fields: dict[str, str] = field(repr=False)


class _PresignExpired(Exception):
    """S3 refused the upload because the presigned POST expired."""


def _payload(data: bytes, name: str) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview) or not bytes(data):
        raise ValueError(f"{name} must be non-empty bytes")
    return bytes(data)


def _checked(presign: models.InitImageUpload | None, operation: str) -> _Presign:
    """A presigned POST with an id, an HTTP(S) URL and fields, else ProtocolError."""
    if presign is None or not presign.id or not presign.url or presign.fields is None:
        raise ProtocolError(
            "Leonardo did not return a usable upload link.",
            server_message=f"{operation}: id, url or fields missing",
        )
    if urlsplit(presign.url).scheme not in ("http", "https"):
        raise ProtocolError(server_message=f"{operation}: the upload URL is not HTTP(S)")
    return _Presign(presign.id, presign.url, dict(presign.fields))


def _what(name: str) -> str:
    """What a file is, for messages: the ``media`` upload is a video, the others images."""
    return "video" if name == "media" else "image"


_XML_TAG = re.compile(r"<(Code|Message)>(.*?)</\1>", re.DOTALL)


class InitImageUpload(Transport):
    """``upload_init_image`` and ``upload_canvas_images``: presign, then upload to S3 (with one
    new presign if it expired)."""

    def upload_init_image(self, data: bytes, extension: str) -> str:
        """Upload an image for image-to-image, controlnets or motion; returns the init image id.

        Step 1 ``POST /init-image`` (presign), step 2 a multipart POST to S3 with the presign's
        ``fields`` first and ``file`` last, without the Authorization header. If the presign has
        expired (S3 403), a new one is requested once. ``data`` must already be in the format of
        ``extension`` (png, jpg, jpeg, webp).
        """
        payload = _payload(data, "data")
        body = init_image_body(extension)
        ext = body["extension"]

        def presign() -> list[_Presign]:
            raw = self._presign_call("/init-image", "uploadInitImage", body)
            parsed = parse_init_image_upload(raw) if isinstance(raw, Mapping) else None
            return [_checked(parsed, "uploadInitImage")]

        (done,) = self._upload_presigned(presign, [("init", payload, ext)])
        return done.id

    def upload_canvas_images(
        self, init: bytes, init_ext: str, mask: bytes, mask_ext: str
    ) -> CanvasUploadIds:
        """Upload a canvas job's init image and mask: one ``POST /canvas-init-image`` gives two
        presigned POSTs, then each file goes to S3 as :meth:`upload_init_image` sends one (no
        Authorization header; one new presign for both if one expired). The ids go into
        ``canvasInitId`` and ``canvasMaskId`` of ``POST /generations``."""
        body = canvas_init_body(init_ext, mask_ext)
        files = [
            ("init", _payload(init, "init"), body["initExtension"]),
            ("mask", _payload(mask, "mask"), body["maskExtension"]),
        ]

        def presign() -> list[_Presign]:
            operation = "uploadCanvasInitImage"
            raw = self._presign_call("/canvas-init-image", operation, body)
            parts = parse_canvas_upload(raw) if isinstance(raw, Mapping) else (None, None)
            return [_checked(part, operation) for part in parts]

        init_done, mask_done = self._upload_presigned(presign, files)
        return CanvasUploadIds(init_image_id=init_done.id, mask_image_id=mask_done.id)

    def _upload_presigned(
        self,
        presign: Callable[[], list[_Presign]],
        files: list[tuple[str, bytes, str]],
    ) -> list[_Presign]:
        """Presign, then POST each ``(name, bytes, ext)`` of ``files`` to its presigned target
        (the i-th file to the i-th target); one new presign for all when one had expired."""
        for round_number in (1, 2):
            targets = presign()
            try:
                for target, (name, payload, ext) in zip(targets, files, strict=True):
                    self._post_to_s3(target, payload, ext, name)
            except _PresignExpired as exc:
                if round_number == 2:
                    raise UploadError(
                        f"The upload link expired before the {_what(files[0][0])} was sent. "
                        "Try again.",
                        status=403,
                        server_message="presigned POST expired twice",
                    ) from exc
                log.info("upload presign expired; requesting a new one")
                continue
            return targets
        raise AssertionError("unreachable")  # pragma: no cover

    def _presign_call(self, path: str, operation: str, body: Mapping[str, Any]) -> Any:
        return self._call("POST", path, operation, RequestKind.SAFE_POST, operation, body=body)

    def _post_to_s3(self, presign: _Presign, data: bytes, ext: str, name: str = "init") -> None:
        mime = _IMAGE_TYPES.get(ext, "application/octet-stream")
        fields = presign.fields
        policy = self._retry
        target = safe_url(presign.url)
        upload = self._timeouts.upload
        timeout = http_timeout(self._timeouts, read=upload, write=upload)
        attempt = 0
        while True:
            attempt += 1
            can_retry = attempt < policy.max_attempts
            started = time.perf_counter()
            try:
                # httpx writes the ``data`` parts before the ``files`` parts: ``file`` is last.
                response = self._raw.post(
                    presign.url,
                    data=fields,
                    files={"file": (f"{name}.{ext}", data, mime)},
                    timeout=timeout,
                    follow_redirects=False,
                )
            except httpx.RequestError as exc:
                log.debug("POST %s -> %s (attempt %d)", target, type(exc).__name__, attempt)
                if can_retry:
                    self._pause(attempt, f"POST {target}", type(exc).__name__)
                    continue
                raise UploadError(
                    f"The {_what(name)} upload failed: the storage server could not be reached.",
                    server_message=type(exc).__name__,
                ) from exc
            status = response.status_code
            log.debug(
                "POST %s -> %d in %.0f ms (attempt %d)",
                target,
                status,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            if 200 <= status < 300:
                return
            text = response.content.decode("utf-8", errors="replace")
            parsed = dict(_XML_TAG.findall(text))
            detail = parsed.get("Message") or parsed.get("Code") or text[:200].strip() or None
            if status in (400, 403) and "expired" in text.lower():
                raise _PresignExpired()
            if status in RETRYABLE_STATUSES and can_retry:
                retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock())
                self._pause(attempt, f"POST {target}", f"HTTP {status}", retry_after)
                continue
            raise UploadError(status=status, code=parsed.get("Code"), server_message=detail)
