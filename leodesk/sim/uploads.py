"""Init images and their S3 upload: ``/init-image`` presigns an S3 POST, and the simulated
bucket checks that POST the way S3 does (field order, policy, signature, expiry) before
keeping the bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from . import multipart
from .account import Account
from .records import CdnAsset, InitImage, timestamp
from .rules import INIT_IMAGE_EXTENSIONS, MSG_INVALID_EXTENSION, bad_request

S3_BUCKET = "leonardo-sim-uploads"
MEDIA_FOLDER = "uploadedMedia"  # ``POST /media`` uploads: not init images
_S3_SECRET = b"leodesk-simulator-not-a-secret"

_CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


class InitImages(Account):
    """The account's init images and the presigned S3 bucket they are uploaded to."""

    def create_init_image(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /init-image``: presigned S3 POST for an init image."""
        with self._lock:
            init = self._presign(body["extension"], "initImages")
            return {
                "uploadInitImage": {
                    "id": init.id,
                    "url": self.url(f"/s3/{S3_BUCKET}"),
                    "key": init.key,
                    "fields": json.dumps(init.fields),
                }
            }

    def create_canvas_init_image(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /canvas-init-image``: two presigned S3 POSTs, the init and its mask.

        Both are init images (the same S3 rules, ``GET /init-image/{id}`` knows them); they
        are kept under their own folders so their keys tell them apart.
        """
        with self._lock:
            for key in ("initExtension", "maskExtension"):
                if body[key] not in INIT_IMAGE_EXTENSIONS:
                    raise bad_request(MSG_INVALID_EXTENSION)
            init = self._presign(body["initExtension"], "canvasInitImages")
            mask = self._presign(body["maskExtension"], "canvasMaskImages")
            s3_url = self.url(f"/s3/{S3_BUCKET}")
            return {
                "uploadCanvasInitImage": {
                    "initImageId": init.id,
                    "initFields": json.dumps(init.fields),
                    "initKey": init.key,
                    "initUrl": s3_url,
                    "maskImageId": mask.id,
                    "maskFields": json.dumps(mask.fields),
                    "maskKey": mask.key,
                    "maskUrl": s3_url,
                }
            }

    def _presign(
        self, extension: str, folder: str, allowed: tuple[str, ...] = INIT_IMAGE_EXTENSIONS
    ) -> InitImage:
        """A new init image awaiting its S3 POST under ``users/<uid>/<folder>/``."""
        if extension not in allowed:
            raise bad_request(MSG_INVALID_EXTENSION)
        ext = extension.lower()
        init_id = self._uuid()
        key = f"users/{self.user_id}/{folder}/{init_id}.{ext}"
        now_dt = datetime.now(UTC)
        expires = now_dt + timedelta(seconds=self.cfg.presign_ttl_s)
        amz_date = now_dt.strftime("%Y%m%dT%H%M%SZ")
        credential = f"ASIASIMULATOR/{now_dt:%Y%m%d}/us-east-1/s3/aws4_request"
        content_type = _CONTENT_TYPES[ext]
        policy_doc = {
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conditions": [
                {"bucket": S3_BUCKET},
                {"key": key},
                {"Content-Type": content_type},
                ["content-length-range", 0, 52_428_800],
                {"X-Amz-Algorithm": "AWS4-HMAC-SHA256"},
                {"X-Amz-Credential": credential},
                {"X-Amz-Date": amz_date},
            ],
        }
        policy = base64.b64encode(json.dumps(policy_doc).encode()).decode()
        signature = hmac.new(_S3_SECRET, policy.encode(), hashlib.sha256).hexdigest()
        fields = {
            "Content-Type": content_type,
            "bucket": S3_BUCKET,
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": credential,
            "X-Amz-Date": amz_date,
            "key": key,
            "Policy": policy,
            "X-Amz-Signature": signature,
        }
        init = InitImage(
            id=init_id,
            created_at=timestamp(now_dt),
            extension=ext,
            key=key,
            fields=fields,
            presigned_at=self.now(),
            content_type=content_type,
            folder=folder,
        )
        self._init_images[init_id] = init
        self._init_by_key[key] = init_id
        self._cdn[self._init_path(init)] = CdnAsset("upload", "", ref=init_id)
        return init

    def _keep_bytes(self, data: bytes, content_type: str = "image/jpeg") -> InitImage:
        """Bytes the account keeps (an LCM upscale's pictures): stored and persisted like an
        upload, under ``users/<uid>/lcmImages/``, but never uploadable (the S3 POST always
        fails its signature check)."""
        blob_id = self._uuid()
        key = f"users/{self.user_id}/lcmImages/{blob_id}.jpg"
        blob = InitImage(
            id=blob_id,
            created_at=timestamp(datetime.now(UTC)),
            extension="jpg",
            key=key,
            fields={"X-Amz-Signature": self._uuid().replace("-", "")},
            presigned_at=self.now() - self.cfg.presign_ttl_s - 1.0,
            data=data,
            content_type=content_type,
            folder="lcmImages",
        )
        self._init_images[blob_id] = blob
        self._init_by_key[key] = blob_id
        self._cdn[self._init_path(blob)] = CdnAsset("upload", "", ref=blob_id)
        return blob

    def _init_path(self, init: InitImage) -> str:
        return f"/cdn/users/{self.user_id}/{init.folder}/{init.id}.{init.extension}"

    def get_init_image(self, init_id: str) -> dict[str, Any]:
        """``GET /init-image/{id}``."""
        with self._lock:
            init = self._init_images.get(init_id)
            if init is None or init.folder == MEDIA_FOLDER:
                return {"init_images_by_pk": None}
            return {
                "init_images_by_pk": {
                    "id": init.id,
                    "createdAt": init.created_at,
                    "url": self.url(self._init_path(init)),
                }
            }

    def delete_init_image(self, init_id: str) -> dict[str, Any]:
        """``DELETE /init-image/{id}``."""
        with self._lock:
            init = self._init_images.get(init_id)
            if init is None or init.folder == MEDIA_FOLDER:
                return {"delete_init_images_by_pk": None}
            del self._init_images[init_id]
            self._changes += 1
            self._init_by_key.pop(init.key, None)
            self._cdn.pop(self._init_path(init), None)
            return {"delete_init_images_by_pk": {"id": init.id}}

    def s3_post(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes, dict[str, str], list[str] | None]:
        """The presigned S3 POST: ``(status, xml body, headers, form field names)``."""
        boundary = multipart.boundary_of(headers.get("content-type", ""))
        fields_order: list[str] | None = None
        parts: list[multipart.Part] = []
        if boundary is not None:
            try:
                parts = multipart.parse(body, boundary)
                fields_order = [p.name for p in parts]
            except multipart.MultipartError:
                fields_order = None
        status, xml, extra = self._s3_check(headers, boundary, parts, fields_order is not None)
        return status, xml, extra, fields_order

    def _s3_check(
        self,
        headers: Mapping[str, str],
        boundary: str | None,
        parts: list[multipart.Part],
        parsed: bool,
    ) -> tuple[int, bytes, dict[str, str]]:
        if "authorization" in headers:
            return _s3_error(
                403,
                "AccessDenied",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified",
            )
        if boundary is None:
            return _s3_error(
                412,
                "PreconditionFailed",
                "Bucket POST must be of the enclosure-type multipart/form-data",
            )
        if not parsed:
            return _s3_error(
                400,
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            )
        file_idx = [i for i, p in enumerate(parts) if p.name == "file"]
        if len(file_idx) != 1:
            return _s3_error(
                400, "InvalidArgument", "POST requires exactly one file upload per request."
            )
        before = {p.name: p.text for p in parts[: file_idx[0]]}
        after = parts[file_idx[0] + 1 :]
        if "key" not in before:
            return _s3_error(400, "InvalidArgument", _order_msg("key"))
        if after:
            return _s3_error(400, "InvalidArgument", _order_msg(after[0].name))
        with self._lock:
            init = self._init_images.get(self._init_by_key.get(before["key"], ""))
            if init is None:
                return _s3_error(403, "AccessDenied", "Access Denied")
            for name, expected in init.fields.items():
                if name not in before:
                    return _s3_error(400, "InvalidArgument", _order_msg(name))
                if name != "X-Amz-Signature" and before[name] != expected:
                    return _s3_error(
                        403,
                        "AccessDenied",
                        "Invalid according to Policy: Policy Condition failed: "
                        f'["eq", "${name}", "{expected}"]',
                    )
            if before["X-Amz-Signature"] != init.fields["X-Amz-Signature"]:
                return _s3_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                )
            if self.now() > init.presigned_at + self.cfg.presign_ttl_s:
                return _s3_error(
                    403, "AccessDenied", "Invalid according to Policy: Policy expired."
                )
            data = parts[file_idx[0]].data
            init.data = data
            self._changes += 1
            self._cdn_cache.pop(self._init_path(init), None)
            etag = '"' + hashlib.md5(data).hexdigest() + '"'
            location = f"{self.origin}/s3/{S3_BUCKET}/{init.key}"
            return 204, b"", {"ETag": etag, "Location": location}


def _order_msg(name: str) -> str:
    return (
        f"Bucket POST must contain a field named '{name}'.  "
        "If it is specified, please check the order of the fields."
    )


def _s3_error(status: int, code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    request_id = hashlib.sha1(f"{code}{message}".encode()).hexdigest()[:16].upper()
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>leodesk-sim</HostId></Error>"
    )
    return status, xml.encode(), {"Content-Type": "application/xml"}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
