"""Uploading an init image: a presigned POST from the API, then a multipart POST to S3 (a mixin
of :class:`~leodesk.core.api.client.LeonardoClient`; S3 never sees the Authorization header).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from .errors import ProtocolError, UploadError
from .parse import parse_init_image_upload
from .retry import RETRYABLE_STATUSES, parse_retry_after
from .serialize import init_image_body
from .transport import RequestKind, Transport, http_timeout, log, safe_url

__all__ = ["InitImageUpload"]

_IMAGE_TYPES: Final = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}


@dataclass(frozen=True)
class _Presign:
    """A checked presigned POST (never logged: ``fields`` holds the signed policy)."""

    id: str
    url: str
    fields: dict[str, str] = field(repr=False)


class _PresignExpired(Exception):
    """S3 refused the upload because the presigned POST expired."""


_XML_TAG = re.compile(r"<(Code|Message)>(.*?)</\1>", re.DOTALL)


class InitImageUpload(Transport):
    """``upload_init_image``: presign, then upload to S3 (with one new presign if it expired)."""

    def upload_init_image(self, data: bytes, extension: str) -> str:
        """Upload an image for image-to-image, controlnets or motion; returns the init image id.

        Step 1 ``POST /init-image`` (presign), step 2 a multipart POST to S3 with the presign's
        ``fields`` first and ``file`` last, without the Authorization header. If the presign has
        expired (S3 403), a new one is requested once. ``data`` must already be in the format of
        ``extension`` (png, jpg, jpeg, webp).
        """
        if not isinstance(data, bytes | bytearray | memoryview) or not bytes(data):
            raise ValueError("data must be non-empty bytes")
        payload = bytes(data)
        body = init_image_body(extension)
        ext = body["extension"]
        for round_number in (1, 2):
            presign = self._presign_init_image(body)
            try:
                self._post_to_s3(presign, payload, ext)
            except _PresignExpired as exc:
                if round_number == 2:
                    raise UploadError(
                        "The upload link expired before the image was sent. Try again.",
                        status=403,
                        server_message="presigned POST expired twice",
                    ) from exc
                log.info("init image presign expired; requesting a new one")
                continue
            return presign.id
        raise AssertionError("unreachable")  # pragma: no cover

    def _presign_init_image(self, body: Mapping[str, Any]) -> _Presign:
        raw = self._call(
            "POST",
            "/init-image",
            "uploadInitImage",
            RequestKind.SAFE_POST,
            "uploadInitImage",
            body=body,
        )
        presign = parse_init_image_upload(raw) if isinstance(raw, Mapping) else None
        if presign is None or not presign.id or not presign.url or presign.fields is None:
            raise ProtocolError(
                "Leonardo did not return a usable upload link.",
                server_message="uploadInitImage: id, url or fields missing",
            )
        scheme = urlsplit(presign.url).scheme
        if scheme not in ("http", "https"):
            raise ProtocolError(server_message="uploadInitImage: the upload URL is not HTTP(S)")
        return _Presign(presign.id, presign.url, dict(presign.fields))

    def _post_to_s3(self, presign: _Presign, data: bytes, ext: str) -> None:
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
                    files={"file": (f"init.{ext}", data, mime)},
                    timeout=timeout,
                    follow_redirects=False,
                )
            except httpx.RequestError as exc:
                log.debug("POST %s -> %s (attempt %d)", target, type(exc).__name__, attempt)
                if can_retry:
                    self._pause(attempt, f"POST {target}", type(exc).__name__)
                    continue
                raise UploadError(
                    "The image upload failed: the storage server could not be reached.",
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
