"""Playback: a :class:`~leodesk.qt.video.VideoDecoder`'s frames shown on time (QObjects only).

Frames are shown when their presentation time comes on a monotonic clock (QElapsedTimer), woken
by a precise single-shot timer armed for the next frame's due time. A frame is dropped only when
it is late: the frame after it is already due (the drops are counted). Pausing keeps the frame on
screen; playing again re-anchors the clock on it. Seeking and frame steps are exact (the decoder
decodes forward from the keyframe to the asked frame).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from leodesk.qt.video import DecodedFrame, EndOfClip, VideoDecoder, VideoInfo

_EARLY = 0.002  # seconds: a frame this close to its time is shown now rather than re-timed


class Playback(QObject):
    """Signals: opened(VideoInfo), failed(str), frame_shown(DecodedFrame),
    state_changed(bool playing), ended()."""

    opened = Signal(object)
    failed = Signal(str)
    frame_shown = Signal(object)
    state_changed = Signal(bool)
    ended = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.decoder = VideoDecoder(self)
        self.decoder.frame_ready.connect(self._frame_ready)
        self.decoder.opened.connect(self._opened)
        self.decoder.failed.connect(self._failed)
        self.clock = QElapsedTimer()
        self.clock.start()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._pump)
        self.info: VideoInfo | None = None
        self.error = ""
        self.current: DecodedFrame | None = None
        self.playing = False
        self.loop = False
        self.autoplay = True
        self.dropped = 0
        self.shown = 0
        self._anchor: tuple[float, float] | None = None  # (due, clock seconds) of a shown frame
        self._show_next = True  # show the next frame of the current serial, even when paused
        self._at_end = False
        self._end_retry = False

    # -- commands ---------------------------------------------------------------------------
    def open(self, path: Path | str, autoplay: bool = True) -> None:
        self.timer.stop()
        self.info, self.error, self.current = None, "", None
        self.playing, self._at_end, self._anchor = False, False, None
        self._show_next, self.autoplay = True, autoplay
        self.dropped = self.shown = 0
        self.decoder.set_loop(self.loop)
        self.decoder.open(path)

    def close(self) -> None:
        self.timer.stop()
        self.playing = False
        self.decoder.close()

    def play(self) -> None:
        if self.info is None or self.playing:
            return
        if self._at_end:
            self.seek(0.0)
        self.playing = True
        self._anchor = None if self.current is None else (self.current.due, self._now())
        self.state_changed.emit(True)
        self._pump()

    def pause(self) -> None:
        self.timer.stop()
        if self.playing:
            self.playing = False
            self.state_changed.emit(False)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def set_loop(self, on: bool) -> None:
        self.loop = on
        self.decoder.set_loop(on)

    def seek(self, seconds: float) -> None:
        """Show the frame at ``seconds`` (and play on from it when playing)."""
        self.timer.stop()
        self._at_end = False
        self._anchor = None
        self._show_next = True
        self.decoder.seek(seconds)

    def seek_frame(self, index: int) -> None:
        if self.info is not None:
            last = self.info.frame_count - 1
            self.seek(max(0, min(index, last)) / self.info.fps)

    def step(self, delta: int) -> None:
        """Pause and move exactly ``delta`` frames (±1 from the keys)."""
        self.pause()
        if self.current is None or self.info is None:
            return
        head = self.decoder.peek()
        if delta == 1 and not self._show_next and not self._later_lap(head):
            if isinstance(head, DecodedFrame):
                self.decoder.take()
                self._show(head)
            elif head is None:
                self._show_next = True  # the decoder is on it: the next frame it gives
            return
        self.seek_frame(self.current.index + delta)

    # -- the clock --------------------------------------------------------------------------
    def _now(self) -> float:
        return self.clock.nsecsElapsed() / 1e9

    def _frame_ready(self) -> None:
        if self.playing and not self._show_next:
            self._pump()
            return
        if not self._show_next:
            return
        head = self.decoder.take()
        if isinstance(head, DecodedFrame):
            self._show_next = False
            self._show(head)
            if self.playing:
                self._anchor = (head.due, self._now())
                self._pump()
        elif isinstance(head, EndOfClip):
            self._past_the_end()

    def _past_the_end(self) -> None:
        """A seek beyond the last frame: show the last one there is (once)."""
        if self._end_retry or self.info is None:
            self._show_next = False
            self._end(None)
            return
        self._end_retry = True
        self.seek_frame(self.info.frame_count - 1 if self.current is None else self.current.index)

    def _pump(self) -> None:
        """Show the frame that is due now (one per call, so each is painted); arm the timer for
        the next one."""
        shown = False
        while self.playing:
            head = self.decoder.peek()
            if head is None:
                return  # the decoder calls back with frame_ready
            if isinstance(head, EndOfClip) or self._later_lap(head):
                self._end(head)
                return
            now = self._now()
            if self._anchor is None:
                self._anchor = (head.due, now)
            media_now = self._anchor[0] + (now - self._anchor[1])
            if shown or head.due > media_now + _EARLY:
                self.timer.start(max(0, int((head.due - media_now) * 1000)))
                return
            self.decoder.take()
            following = self.decoder.peek()
            late = isinstance(following, DecodedFrame) and following.due <= media_now
            if late and not self._later_lap(following):
                self.dropped += 1  # late: the next frame is already due
                continue
            self._show(head)
            shown = True

    def _later_lap(self, head: DecodedFrame | EndOfClip | None) -> bool:
        """A frame of the next lap queued before looping was turned off."""
        if self.loop or self.current is None or not isinstance(head, DecodedFrame):
            return False
        return head.due - head.time > self.current.due - self.current.time + 1e-6

    def _end(self, head: DecodedFrame | EndOfClip | None) -> None:
        if self.loop and self.info is not None:
            self.seek(0.0)  # looping was turned on after the decoder reached the end
            return
        self.timer.stop()
        self._at_end = True
        if self.playing:
            self.playing = False
            self.state_changed.emit(False)
        self.ended.emit()

    def _show(self, frame: DecodedFrame) -> None:
        self.current = frame
        self.shown += 1
        self._end_retry = False
        self.frame_shown.emit(frame)

    def _opened(self, info: VideoInfo) -> None:
        self.info = info
        self.opened.emit(info)
        if self.autoplay:
            self.play()

    def _failed(self, message: str) -> None:
        self.pause()
        self.error = message
        self.failed.emit(message)


__all__ = ["Playback"]
