"""The CDN: the bytes behind every image, video and upload URL the account hands out, rendered
lazily on first request and then cached."""

from __future__ import annotations

from . import derived, images, video_render
from .account import Account
from .records import CdnAsset


class Cdn(Account):
    """``GET /cdn/...``: what each registered path serves."""

    def _upload_data(self, init_id: str) -> bytes | None:
        init = self._init_images.get(init_id)
        return None if init is None else init.data

    def cdn_get(self, path: str) -> tuple[bytes, str] | None:
        """Bytes and content type of a CDN path (rendered lazily once, then cached)."""
        with self._lock:
            asset = self._cdn.get(path)
            if asset is None:
                return None
            cached = self._cdn_cache.get(path)
            upload: bytes | None = None
            mask: bytes | None = None
            upload_type = "application/octet-stream"
            if asset.kind in ("upload", "upload-resize"):
                init = self._init_images.get(asset.ref)
                if init is None or init.data is None:
                    return None
                upload, upload_type = init.data, init.content_type
            elif asset.kind in ("canvas", "video") and cached is None:
                upload, mask = self._upload_data(asset.ref), self._upload_data(asset.mask_ref)
        if asset.kind == "upload":
            assert upload is not None
            return upload, upload_type
        if cached is not None:
            return cached, asset.content_type
        data = _rendered(asset, upload, mask)
        with self._lock:
            if path in self._cdn:
                self._cdn_cache[path] = data
        return data, asset.content_type


def _rendered(asset: CdnAsset, upload: bytes | None, mask: bytes | None) -> bytes:
    """The bytes of a rendered asset (``upload``/``mask``: the uploads it derives from)."""
    if asset.kind == "mp4":
        return video_render.motion_mp4(asset.key, asset.width or 1024, asset.height or 576)
    if asset.kind == "video":
        return video_render.render_video(asset.key, upload, mask)
    if asset.kind == "unzoom":
        return images.render_unzoom(asset.key, asset.width, asset.height)
    if asset.kind == "upload-resize":
        return images.render_bytes_image(upload or b"", asset.width, asset.height)
    if asset.kind == "canvas" and upload is not None:
        return derived.render_canvas(
            upload, mask, asset.key, asset.width, asset.height, asset.canvas_type
        )
    return images.render(
        asset.key,
        asset.width,
        asset.height,
        fmt=asset.fmt,
        transparent=asset.transparent,
        label=asset.label,
    )
