"""Video decoding for playback inside the app (PyAV / FFmpeg; QObjects only, no widgets).

:class:`VideoDecoder` opens a local file on its own :class:`QThread` and keeps a small bounded
read-ahead queue of :class:`DecodedFrame` (a QImage in the display's size, in the painter's
native 32-bit format, converted by FFmpeg's scaler off the GUI thread). The GUI thread only takes
frames from the queue. Seeks go to the keyframe before the target and decode forward to the exact
frame; every seek gets a new *serial* so frames of an older position are never shown. When
looping, the decoder goes back to the start by itself and carries on: each lap's frames are due
one clip length later (:attr:`DecodedFrame.due`), so a loop has no gap.

Videos not on this computer yet are downloaded by the video service
(:class:`leodesk.qt.video_jobs.VideoService`), then played from the disk.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtGui import QImage

if TYPE_CHECKING:
    pass

#: FFmpeg's name for QImage.Format_RGB32 (0xffRRGGBB words) in this machine's byte order.
_PIX_FMT = "bgra" if sys.byteorder == "little" else "argb"
READ_AHEAD = 24  # frames decoded ahead of the one on screen, at most (1 s at 24 fps)...
READ_AHEAD_BYTES = 128 * 1024 * 1024  # ...and at most this much (16 frames at 1080p)
MIN_READ_AHEAD = 4


@dataclass(frozen=True)
class VideoInfo:
    """What a clip is: its size, rate, length and whether it carries sound."""

    path: str
    width: int
    height: int
    fps: float
    duration: float  # seconds
    frame_count: int
    has_audio: bool
    codec: str

    @property
    def frame_duration(self) -> float:
        return 1.0 / self.fps


@dataclass(frozen=True)
class DecodedFrame:
    """One picture: its frame number, its time in the clip, and when it is due on the playback
    timeline (its time plus the length of the laps played before it when looping)."""

    index: int
    time: float
    due: float
    image: QImage
    serial: int


@dataclass(frozen=True)
class EndOfClip:
    """The clip ended (not looping) after the frames before this marker."""

    serial: int


class VideoError(Exception):
    """A file that is missing or cannot be decoded (its message is for the user)."""


def _fps(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    value = float(rate) if rate else 0.0
    return value if 0 < value < 1000 else 25.0


def probe(container: Any, path: str) -> VideoInfo:
    """The facts of an opened container's first video stream."""
    if not container.streams.video:
        raise VideoError(
            QCoreApplication.translate("VideoDecoder", "This file has no video in it.")
        )
    stream = container.streams.video[0]
    fps = _fps(stream)
    duration = 0.0
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / 1_000_000
    frames = int(stream.frames or 0) or max(1, round(duration * fps))
    duration = max(duration, frames / fps)
    ctx = stream.codec_context
    return VideoInfo(
        path=path,
        width=int(ctx.width),
        height=int(ctx.height),
        fps=fps,
        duration=duration,
        frame_count=frames,
        has_audio=bool(container.streams.audio),
        codec=str(ctx.name),
    )


def to_qimage(frame: Any, size: tuple[int, int] | None) -> QImage:
    """A decoded frame as a QImage (RGB32), scaled by FFmpeg to ``size`` when given.

    No copy: the QImage paints from the converted frame's plane, which it keeps alive."""
    width, height = size if size else (frame.width, frame.height)
    rgb = frame.reformat(width=width, height=height, format=_PIX_FMT, interpolation="BILINEAR")
    plane = rgb.planes[0]
    return QImage(plane, width, height, plane.line_size, QImage.Format.Format_RGB32)


def open_error(path: Path, exc: BaseException) -> str:
    """What to tell the user when ``path`` does not open as a video."""
    if not path.exists():
        return QCoreApplication.translate(
            "VideoDecoder", "The video file is missing: {name}"
        ).format(name=path.name)
    if isinstance(exc, VideoError):
        return str(exc)
    return QCoreApplication.translate(
        "VideoDecoder", "This video cannot be played ({name} is not a video FFmpeg can decode)."
    ).format(name=path.name)


class _Queue:
    """The bounded read-ahead queue and the pending command, shared by both threads."""

    def __init__(self, limit: int) -> None:
        self.most = limit  # frames, before their size is known
        self.limit = limit
        self.items: deque[DecodedFrame | EndOfClip] = deque()
        self.cond = threading.Condition()
        self.seek_to: float | None = None
        self.serial = 0
        self.loop = False
        self.size: tuple[int, int] | None = None
        self.stopped = False

    def fit(self, frame_bytes: int) -> None:
        """Keep the read-ahead within :data:`READ_AHEAD_BYTES` for frames of this size."""
        self.limit = min(self.most, max(MIN_READ_AHEAD, READ_AHEAD_BYTES // max(1, frame_bytes)))


class VideoDecoder(QObject):
    """Decodes one file on a worker thread into a bounded queue of frames.

    Signals: opened(VideoInfo), failed(str message), frame_ready() (a frame or the end was
    queued). Call :meth:`take` / :meth:`peek` from the GUI thread; :meth:`close` when done.
    """

    opened = Signal(object)
    failed = Signal(str)
    frame_ready = Signal()

    def __init__(self, parent: QObject | None = None, read_ahead: int = READ_AHEAD) -> None:
        super().__init__(parent)
        self._q = _Queue(read_ahead)
        self._thread: QThread | None = None
        self.info: VideoInfo | None = None
        self.decoded = 0  # frames converted (for the benchmark)
        self.opened.connect(self._keep_info)
        app = QCoreApplication.instance()
        if app is not None:  # a decoder thread must not outlive the application
            app.aboutToQuit.connect(self.close)

    def _keep_info(self, info: VideoInfo) -> None:
        self.info = info

    # -- GUI side --------------------------------------------------------------------------
    def open(self, path: Path | str) -> None:
        """Start decoding ``path`` from its first frame (serial 0)."""
        self.close()
        old, self._q = self._q, _Queue(self._q.most)
        self._q.loop, self._q.size = old.loop, old.size
        self.info = None
        thread = _DecodeThread(_DecodeLoop(self, Path(path), self._q))
        self._thread = thread
        thread.start()

    @property
    def serial(self) -> int:
        return self._q.serial

    def seek(self, seconds: float) -> int:
        """Go to the frame shown at ``seconds``; returns the new serial (older frames are
        dropped from the queue)."""
        q = self._q
        with q.cond:
            q.serial += 1
            q.seek_to = max(0.0, seconds)
            q.items.clear()
            q.cond.notify_all()
            return q.serial

    def set_loop(self, on: bool) -> None:
        with self._q.cond:
            self._q.loop = on
            self._q.cond.notify_all()

    def set_target_size(self, size: tuple[int, int] | None) -> None:
        """Frames converted from now on are scaled to ``size`` (None: the clip's own size)."""
        with self._q.cond:
            self._q.size = size

    def peek(self) -> DecodedFrame | EndOfClip | None:
        """The next item of the current serial, without taking it."""
        q = self._q
        with q.cond:
            while q.items and q.items[0].serial != q.serial:
                q.items.popleft()
            return q.items[0] if q.items else None

    def take(self) -> DecodedFrame | EndOfClip | None:
        """Take the next item of the current serial (frees room for the decoder)."""
        q = self._q
        with q.cond:
            while q.items and q.items[0].serial != q.serial:
                q.items.popleft()
            item = q.items.popleft() if q.items else None
            q.cond.notify_all()
            return item

    def queued(self) -> int:
        with self._q.cond:
            return len(self._q.items)

    def close(self, timeout_ms: int = 3000) -> None:
        """Stop the worker thread and wait for it (bounded)."""
        with self._q.cond:
            self._q.stopped = True
            self._q.items.clear()
            self._q.cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None and not thread.wait(timeout_ms):
            # still inside FFmpeg (a slow disk): kept until it has ended, never destroyed running
            for ended in [t for t in _LINGERING if t.isFinished()]:
                _LINGERING.discard(ended)
            _LINGERING.add(thread)


_LINGERING: set[QThread] = set()  # decoder threads told to stop that have not ended yet


class _DecodeThread(QThread):
    def __init__(self, loop: _DecodeLoop) -> None:
        super().__init__()
        self.loop = loop

    def run(self) -> None:
        self.loop.run()


class _DecodeLoop:
    """The worker thread's body: open, then decode into the queue until stopped."""

    def __init__(self, owner: VideoDecoder, path: Path, q: _Queue) -> None:
        self.owner = owner
        self.path = path
        self.q = q
        self.serial = 0
        self.target: float | None = None
        self.offset = 0.0  # the playback time of this lap's start (looping)
        self.last_time = 0.0
        self.finished = False  # the end was reached: nothing to do until a seek

    def run(self) -> None:
        import av  # FFmpeg is loaded with the first video, not at start-up

        try:
            container = av.open(str(self.path))
        except Exception as exc:  # any FFmpeg or OS error: the player shows it
            self.owner.failed.emit(open_error(self.path, exc))
            return
        try:
            self._play(container)
        except Exception as exc:
            self.owner.failed.emit(open_error(self.path, exc))
        finally:
            container.close()

    def _play(self, container: Any) -> None:
        info = probe(container, str(self.path))
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        self.info = info
        self.stream = stream
        self.start_pts = int(stream.start_time or 0)
        self.owner.opened.emit(info)
        frames = container.decode(stream)
        while True:
            command = self._wait_for_room()
            if command == "stop":
                return
            if command == "seek":
                frames = self._seek(container, self.target or 0.0)
                continue
            frame = next(frames, None)
            if frame is None:
                frames = self._at_end(container)
                continue
            self._deliver(frame)

    def _wait_for_room(self) -> str:
        """Block while the queue is full; report a stop or a new seek."""
        q = self.q
        with q.cond:
            while True:
                if q.stopped:
                    return "stop"
                if q.seek_to is not None:
                    self.target, q.seek_to = q.seek_to, None
                    self.serial = q.serial
                    self.offset = 0.0
                    self.finished = False
                    return "seek"
                if len(q.items) < q.limit and not self.finished:
                    return "decode"
                q.cond.wait(0.5)

    def _seek(self, container: Any, seconds: float) -> Any:
        stream = self.stream
        pts = self.start_pts + int(
            Fraction(seconds).limit_denominator(1_000_000) / stream.time_base
        )
        container.seek(max(self.start_pts, pts), stream=stream, backward=True)
        return container.decode(stream)

    def _at_end(self, container: Any) -> Any:
        """Loop back to the start, or queue the end marker and wait for a seek."""
        q = self.q
        with q.cond:
            looping = q.loop and q.serial == self.serial
            if not looping:
                q.items.append(EndOfClip(self.serial))
                self.finished = True
        self.owner.frame_ready.emit()
        if not looping:
            return iter(())
        self.offset += self.last_time + self.info.frame_duration
        self.target = 0.0
        return self._seek(container, 0.0)

    def _deliver(self, frame: Any) -> None:
        info = self.info
        if frame.pts is None:
            seconds = self.last_time + info.frame_duration
        else:
            seconds = float((frame.pts - self.start_pts) * self.stream.time_base)
        if self.target is not None:
            if seconds < self.target - info.frame_duration / 2:
                return  # decoding forward from the keyframe to the exact frame
            self.target = None
        self.last_time = seconds
        with self.q.cond:
            size = self.q.size
        image = to_qimage(frame, size)
        item = DecodedFrame(
            round(seconds * info.fps), seconds, self.offset + seconds, image, self.serial
        )
        with self.q.cond:
            if self.q.serial != self.serial or self.q.stopped:
                return  # a seek came in meanwhile
            self.q.items.append(item)
            self.q.fit(image.sizeInBytes())
        self.owner.decoded += 1
        self.owner.frame_ready.emit()


__all__ = [
    "DecodedFrame",
    "EndOfClip",
    "VideoDecoder",
    "VideoError",
    "VideoInfo",
    "open_error",
    "probe",
    "to_qimage",
]
