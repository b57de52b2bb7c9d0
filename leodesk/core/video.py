"""Facts about a video file and its poster frame, read with PyAV (FFmpeg); Qt-free.

- :func:`probe` reads the container's header and streams: duration (seconds), the size of the
  picture, frames per second and whether there is an audio track. It decodes nothing, so it
  takes a few milliseconds even for a long file.
- :func:`poster` decodes the first picture (or the one at ``at`` seconds) and returns it as a
  JPEG: the library stores it as the thumbnail source of a video item.

PyAV is imported on first use (it takes ~50 ms), not with this module. Both raise
:class:`VideoError` (a sentence for the user) when the file is missing, is not a
video, or is cut short.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from leodesk.core.errors import LeodeskError

__all__ = ["VideoError", "VideoInfo", "poster", "probe"]


class VideoError(LeodeskError):
    """A file that cannot be read as a video; ``str()`` says why."""


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` finds: ``duration`` in seconds, the picture's ``width``/``height`` in
    pixels, ``fps`` (frames per second; 0.0 when the file does not say) and ``has_audio``."""

    duration: float
    width: int
    height: int
    fps: float
    has_audio: bool

    @property
    def frames(self) -> int:
        """The number of frames (``duration`` x ``fps``, rounded)."""
        return round(self.duration * self.fps)


def _open(path: Path | str | bytes) -> Any:
    import av  # PyAV costs ~50 ms to import: only when a video is read

    if isinstance(path, bytes):
        try:
            return av.open(io.BytesIO(path))
        except (av.FFmpegError, OSError, ValueError) as exc:
            why = getattr(exc, "strerror", None) or type(exc).__name__
            raise VideoError(f"The file is not a video leodesk can read ({why}).") from None
    try:
        return av.open(str(path))
    except FileNotFoundError:
        raise VideoError(f"The video {_name(path)} is missing.") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        raise VideoError(f"{_name(path)} is not a video leodesk can read ({why}).") from None


def _name(path: Path | str | bytes) -> str:
    return "The video" if isinstance(path, bytes) else Path(path).name


def _seconds(value: Any, base: Fraction | None) -> float | None:
    if value is None or base is None:
        return None
    return float(value * base)


def probe(path: Path | str | bytes) -> VideoInfo:
    """The duration, size, frame rate and audio presence of the video at ``path`` (or of the
    bytes of a whole video file)."""
    with _open(path) as container:
        if not container.streams.video:
            raise VideoError(f"{_name(path)} has no picture track.")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        duration = _seconds(stream.duration, stream.time_base)
        if duration is None and container.duration is not None:
            duration = container.duration / 1_000_000  # AV_TIME_BASE
        if duration is None and stream.frames and fps:
            duration = stream.frames / fps
        ctx = stream.codec_context
        return VideoInfo(
            duration=round(duration or 0.0, 3),
            width=int(ctx.width or 0),
            height=int(ctx.height or 0),
            fps=round(fps, 3),
            has_audio=bool(container.streams.audio),
        )


def poster(path: Path | str | bytes, *, at: float = 0.0, quality: int = 90) -> bytes:
    """The picture at ``at`` seconds (the first one by default) of the video, as JPEG bytes."""
    with _open(path) as container:
        if not container.streams.video:
            raise VideoError(f"{_name(path)} has no picture track.")
        stream = container.streams.video[0]
        if at > 0 and stream.time_base:
            container.seek(int(at / stream.time_base), stream=stream)
        import av

        try:
            for frame in container.decode(stream):
                when = frame.time if frame.time is not None else 0.0
                if when + 1e-6 >= at or at <= 0:
                    out = io.BytesIO()
                    frame.to_image().convert("RGB").save(out, "JPEG", quality=quality)
                    return out.getvalue()
        except av.FFmpegError as exc:
            raise VideoError(f"{_name(path)} is damaged ({exc}).") from None
    raise VideoError(f"{_name(path)} has no picture at {at:.2f} s.")
