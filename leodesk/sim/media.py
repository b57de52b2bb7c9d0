"""Uploaded media and motion variations: ``POST /media`` (a presigned S3 POST for an mp4 or mov),
``GET``/``DELETE /media/{id}`` (``uploaded_media_by_pk``), and ``GET /motion-variations/{id}``
(``generated_image_variation_motion``: the motion variations of a video's image).

An uploaded media is kept like an init image (same bucket, same S3 checks, same persistence) in
its own folder, so ``/init-image/{id}`` does not know it. Its status is ``PENDING`` until the S3
POST arrives, then ``COMPLETE`` with the duration, size and frame rate probed from the file, or
``FAILED`` with a reason when the bytes are no readable video.

Motion variations have no operation that makes them in the spec (the web app upscales a video);
the simulator gives each seeded demo video one: an ``UPSCALE`` at ``RESOLUTION_720`` whose ``url``
serves a real MP4 (the video's own recipe). They are persisted with the video's image.
"""

from __future__ import annotations

import io
import json
import posixpath
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import av

from .records import GenImage, InitImage, timestamp
from .rules import bad_request
from .uploads import MEDIA_FOLDER, S3_BUCKET
from .video import Videos

MEDIA_EXTENSIONS = ("mp4", "mov")
MSG_MEDIA_EXTENSION = "invalid file extension, supported extensions: mp4, mov"  # sim text


def probe_video(data: bytes) -> dict[str, Any] | None:
    """``{duration, width, height, video_fps}`` of a video file, or None when unreadable."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else None
            duration = None
            if container.duration is not None:
                duration = container.duration / 1_000_000
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            return {
                "duration": None if duration is None else round(duration, 3),
                "width": stream.codec_context.width,
                "height": stream.codec_context.height,
                "video_fps": fps,
            }
    except (av.FFmpegError, IndexError, ValueError, OSError):
        return None


class Media(Videos):
    """The account's uploaded media and the motion variations of its videos."""

    def upload_media(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /media``: a presigned S3 POST for a video file."""
        with self._lock:
            if body["extension"] not in MEDIA_EXTENSIONS:
                raise bad_request(MSG_MEDIA_EXTENSION)
            media = self._presign(body["extension"], MEDIA_FOLDER, MEDIA_EXTENSIONS)
            return {
                "uploadMedia": {
                    "uploadId": media.id,
                    "url": self.url(f"/s3/{S3_BUCKET}"),
                    "fields": json.dumps(media.fields),
                }
            }

    def _media(self, media_id: str) -> InitImage | None:
        found = self._init_images.get(media_id)
        return found if found is not None and found.folder == MEDIA_FOLDER else None

    def _probe(self, media: InitImage) -> dict[str, Any] | None:
        cache = self.__dict__.setdefault("_media_probe", {})
        if media.id not in cache:
            cache[media.id] = probe_video(media.data or b"")
        result: dict[str, Any] | None = cache[media.id]
        return result

    def get_media(self, media_id: str) -> dict[str, Any]:
        """``GET /media/{id}``: the record, its status and (once uploaded) what the file is."""
        with self._lock:
            media = self._media(media_id)
            if media is None:
                return {"uploaded_media_by_pk": None}
            row: dict[str, Any] = {
                "id": media.id,
                "createdAt": media.created_at,
                "url": None,
                "thumbnailUrl": None,
                "status": "PENDING",
                "statusReason": None,
                "mediaType": "VIDEO",
                "duration": None,
                "width": None,
                "height": None,
                "video_fps": None,
            }
            if media.data is None:
                return {"uploaded_media_by_pk": row}
            probe = self._probe(media)
            if probe is None:
                row.update(status="FAILED", statusReason="The file is not a readable video.")
            else:
                row.update(probe, status="COMPLETE", url=self.url(self._init_path(media)))
            return {"uploaded_media_by_pk": row}

    def delete_media(self, media_id: str) -> dict[str, Any]:
        """``DELETE /media/{id}``: the record and its file."""
        with self._lock:
            media = self._media(media_id)
            if media is None:
                return {"delete_uploaded_media_by_pk": None}
            del self._init_images[media.id]
            self._changes += 1
            self._init_by_key.pop(media.key, None)
            self._cdn.pop(self._init_path(media), None)
            self._cdn_cache.pop(self._init_path(media), None)
            return {"delete_uploaded_media_by_pk": {"id": media.id}}

    # ------------------------------------------------------------------ motion variations

    def motion_variations(self, image_id: str) -> dict[str, Any]:
        """``GET /motion-variations/{id}``: the motion variations of a video's image."""
        with self._lock:
            img = self._images.get(image_id)
            rows = [] if img is None else img.motion_variations
            return {
                "generated_image_variation_motion": [
                    {k: v for k, v in row.items() if k != "path"} | {"url": self.url(row["path"])}
                    for row in rows
                ]
            }

    def _seed_motion_variations(self) -> None:
        """One finished 720p upscale for each seeded video (see the module's note)."""
        with self._lock:
            for gen in self._generations.values():
                if gen.video is None:
                    continue
                for img in gen.images:
                    if img.motion_path and not img.motion_variations:
                        self._add_motion_variation(img, "UPSCALE", "RESOLUTION_720")

    def _restore_motion_variations(self) -> None:
        """The CDN paths of the motion variations of a continued account."""
        with self._lock:
            for img in self._images.values():
                self._register_motion_variations(img)

    def _add_motion_variation(self, img: GenImage, kind: str, resolution: str) -> None:
        var_id = self._uuid()
        base = posixpath.dirname(img.motion_path or "")
        row = {
            "id": var_id,
            "createdAt": timestamp(datetime.now(UTC)),
            "status": "COMPLETE",
            "motionTransformType": kind,
            "resolution": resolution,
            "path": f"{base}/motion-variations/{var_id}.mp4",
        }
        img.motion_variations.append(row)
        self._register_motion_variations(img)
        self._changes += 1

    def _register_motion_variations(self, img: GenImage) -> None:
        """The CDN paths of ``img``'s motion variations (they serve the video's own MP4)."""
        asset = self._cdn.get(img.motion_path or "")
        if asset is None:
            return
        for row in img.motion_variations:
            self._cdn[str(row["path"])] = asset
