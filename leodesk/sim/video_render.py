"""Real, playable MP4 files (H.264 through PyAV) for the simulator's videos and SVD motions.

A video is a slow push-in on its start picture (the generated or uploaded image of an image to
video, the prompt's procedural picture of a text to video), cross-fading to the end frame when
there is one, with a small marker whose colour and path derive from the prompt and seed, so two
requests give visibly different files. Files are deterministic per recipe and encoded lazily
(the CDN asks on the first download, then caches the bytes).

Size: the frames are the requested aspect at most :data:`MAX_SIDE` pixels on the long side
(1280x720 is encoded as 640x360) to keep the simulator cheap; the API still reports the requested
size. 24 frames per second, ``duration`` seconds, no audio track. Frame interpolation is
recorded with the generation but does not change the file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from typing import Any

import av
from PIL import Image, ImageDraw

from . import images

MAX_SIDE = 640
FPS = 24
MOTION_SECONDS = 4  # an SVD motion clip


def encoded_size(width: int, height: int) -> tuple[int, int]:
    """The frame size of a video asked for at ``width`` x ``height`` (even, long side <= 640)."""
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _picture(data: bytes | None, key: str, label: str, size: tuple[int, int]) -> Image.Image:
    """A start/end picture: the given bytes (an upload) or the procedural render of ``key``."""
    if data is None:
        data = images.render(key, size[0], size[1], label=label)
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    except Exception:  # an unreadable upload: the key's picture instead
        return _picture(None, key, label, size)


def _marker(seed_text: str) -> tuple[tuple[int, int, int], float, float]:
    digest = hashlib.sha256(seed_text.encode("utf-8")).digest()
    return (digest[0], digest[1], digest[2]), digest[3] / 255, digest[4] / 255


def _frame(
    start: Image.Image, end: Image.Image | None, t: float, marker: tuple[Any, float, float]
) -> Image.Image:
    """The picture at ``t`` in [0, 1]: pushed in by up to 15 %, cross-faded to ``end``."""
    w, h = start.size
    zoom = 1.0 + 0.15 * t
    cw, ch = w / zoom, h / zoom
    box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    img = start.resize((w, h), Image.Resampling.BILINEAR, box=box)
    if end is not None:
        img = Image.blend(img, end, t)
    colour, x0, y0 = marker
    r = max(4, min(w, h) // 16)
    x = int((x0 * 0.5 + 0.5 * t) * (w - 2 * r)) + r
    y = int(y0 * (h - 2 * r)) + r
    ImageDraw.Draw(img).ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(255, 255, 255))
    return img


def encode(frames_at: Any, count: int, size: tuple[int, int]) -> bytes:
    """An H.264 MP4 of ``count`` frames (``frames_at(i)`` gives frame ``i``) at 24 fps."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "26"}
        for i in range(count):
            frame = av.VideoFrame.from_image(frames_at(i))  # type: ignore[no-untyped-call]
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buf.getvalue()


@functools.lru_cache(maxsize=8)
def render_video(recipe: str, start_data: bytes | None, end_data: bytes | None) -> bytes:
    """The MP4 of a video recipe (JSON: start/end key and label, prompt, seed, duration, w, h)."""
    spec = json.loads(recipe)
    size = encoded_size(int(spec["w"]), int(spec["h"]))
    start = _picture(start_data, spec["start"], spec.get("start_label", ""), size)
    end = None
    if spec.get("end") is not None or end_data is not None:
        end = _picture(end_data, spec.get("end") or "", spec.get("end_label", ""), size)
    marker = _marker(f"{spec.get('prompt', '')}|{spec.get('seed', 0)}")
    count = max(1, int(spec.get("duration", 5)) * FPS)
    return encode(lambda i: _frame(start, end, i / max(1, count - 1), marker), count, size)


def motion_mp4(key: str, width: int = 1024, height: int = 576) -> bytes:
    """The SVD motion clip of the picture ``key``: 4 s at 24 fps, a push-in on that picture."""
    recipe = {"start": key, "prompt": key, "seed": 0, "duration": MOTION_SECONDS}
    return render_video(json.dumps({**recipe, "w": width, "h": height}), None, None)
