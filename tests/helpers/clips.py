"""Real small H.264 clips made with PyAV, each frame painted one known colour (so a test can tell
which frame is on screen from a pixel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av

FRAMES = 24  # the tests' standard clip: 24 frames at 12 fps, a keyframe every 8


def standard_clip(folder: Path) -> Path:
    """The tests' standard clip (:data:`FRAMES` frames, 2 s) in ``folder``."""
    return make_clip(folder / "clip.mp4", frames=FRAMES, fps=12, gop=8)


def colour_of(n: int) -> tuple[int, int, int]:
    """Frame ``n``'s colour: far apart from its neighbours' even after YUV 4:2:0 coding."""
    return ((n * 53) % 256, (n * 97 + 80) % 256, (255 - n * 29) % 256)


def index_of(rgb: tuple[int, int, int], frames: int) -> int:
    """The frame whose colour is nearest to ``rgb``."""

    def distance(n: int) -> int:
        return sum((a - b) ** 2 for a, b in zip(colour_of(n), rgb, strict=True))

    return min(range(frames), key=distance)


def _solid(width: int, height: int, rgb: tuple[int, int, int]) -> Any:
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    row = bytes(rgb) * width
    plane.update((row + bytes(plane.line_size - len(row))) * height)
    return frame


def make_clip(
    path: Path,
    frames: int = 24,
    fps: int = 12,
    size: tuple[int, int] = (96, 64),
    audio: bool = False,
    gop: int = 8,
) -> Path:
    """Write an MP4 of ``frames`` solid frames (frame n in :func:`colour_of`)."""
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "4", "g": str(gop), "keyint_min": str(gop)}
    sound = container.add_stream("aac", rate=48000) if audio else None
    for n in range(frames):
        for packet in stream.encode(_solid(*size, colour_of(n))):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    if sound is not None:
        _silence(container, sound, frames / fps)
    container.close()
    return path


def _silence(container: Any, stream: Any, seconds: float) -> None:
    samples = 1024
    for i in range(int(seconds * 48000 / samples) + 1):
        frame = av.AudioFrame(format="fltp", layout="stereo", samples=samples)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = 48000
        frame.pts = i * samples
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
