"""The CDN: the bytes behind every image, video and upload URL the account hands out, rendered
lazily on first request and then cached."""

from __future__ import annotations

from . import images
from .account import Account


class Cdn(Account):
    """``GET /cdn/...``: what each registered path serves."""

    def cdn_get(self, path: str) -> tuple[bytes, str] | None:
        """Bytes and content type of a CDN path (rendered lazily once, then cached)."""
        with self._lock:
            asset = self._cdn.get(path)
            if asset is None:
                return None
            cached = self._cdn_cache.get(path)
            upload: bytes | None = None
            upload_type = "application/octet-stream"
            if asset.kind in ("upload", "upload-resize"):
                init = self._init_images.get(asset.ref)
                if init is None or init.data is None:
                    return None
                upload, upload_type = init.data, init.content_type
        if asset.kind == "upload":
            assert upload is not None
            return upload, upload_type
        if cached is not None:
            return cached, asset.content_type
        if asset.kind == "mp4":
            data = images.motion_mp4(asset.key)
        elif asset.kind == "unzoom":
            data = images.render_unzoom(asset.key, asset.width, asset.height)
        elif asset.kind == "upload-resize":
            data = images.render_bytes_image(upload or b"", asset.width, asset.height)
        else:
            data = images.render(
                asset.key,
                asset.width,
                asset.height,
                fmt=asset.fmt,
                transparent=asset.transparent,
                label=asset.label,
            )
        with self._lock:
            if path in self._cdn:
                self._cdn_cache[path] = data
        return data, asset.content_type
