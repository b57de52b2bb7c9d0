"""The video player: a clip decoded by PyAV (FFmpeg) on a worker thread, shown in a widget.

:class:`VideoPlayer` (objectName ``videoPlayer``) plays, pauses (Space), loops (L), scrubs
(``videoScrubSlider``: click or drag anywhere on it), steps one frame back or forward (``,`` and
``.``, or the buttons), and says why a file does not play. Sound is not played: the app has no
audio output (Qt Multimedia is not part of it), so the mute button (``videoMuteButton``) stays
disabled and says so when a clip has sound. (PyAV's FFmpeg can write to ALSA; playing sound that
way would need the audio device as the clock the frames follow, and a sound device to test it
on: not done.) :class:`VideoWindow` is a window holding one player
(Esc closes it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProxyStyle,
    QSlider,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.qt.playback import Playback
from leodesk.qt.video import DecodedFrame, VideoInfo
from leodesk.ui.video_icons import media_icon
from leodesk.ui.video_view import VideoSurface
from leodesk.ui.widgets import named

NO_SOUND = str(
    QT_TRANSLATE_NOOP(
        "VideoPlayer",
        "Sound is not played: leodesk has no audio output (Qt Multimedia is not installed).",
    )
)
SILENT_CLIP = str(QT_TRANSLATE_NOOP("VideoPlayer", "This clip has no sound."))

STYLE = """
#videoPlayer { background: #0c0c0e; }
#videoControls { background: #18181c; }
#videoControls QLabel { color: #d8d8de; }
#videoControls QToolButton { color: #e6e6ea; border: none; padding: 4px 8px; border-radius: 4px; }
#videoControls QToolButton:hover { background: #2a2a31; }
#videoControls QToolButton:checked { background: #3a4a6a; }
#videoControls QToolButton:disabled { color: #6a6a72; }
"""


def clock_text(seconds: float) -> str:
    """``m:ss.cc`` (hundredths)."""
    hundredths = max(0, round(seconds * 100))
    minutes, rest = divmod(hundredths, 6000)
    return f"{minutes}:{rest // 100:02d}.{rest % 100:02d}"


class _JumpStyle(QProxyStyle):
    """A left click on the slider jumps there (and drags on from there)."""

    def styleHint(
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        data: QStyleHintReturn | None = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return int(Qt.MouseButton.LeftButton.value)
        return int(super().styleHint(hint, option, widget, data))


class VideoPlayer(QWidget):
    """Plays one local video file; see the module's docstring for the controls."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "videoPlayer", self.tr("Video player"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(STYLE)
        self.path: Path | None = None
        self.playback = Playback(self)
        self.surface = VideoSurface(self)
        self._build_controls()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.surface, 1)
        layout.addWidget(self.controls)
        pb = self.playback
        pb.opened.connect(self._opened)
        pb.failed.connect(self._failed)
        pb.frame_shown.connect(self._frame_shown)
        pb.state_changed.connect(self._state_changed)
        self.surface.display_size.connect(self._display_size)
        self._set_enabled(False)

    def _button(self, name: str, label: str, tip: str, icon: str | None) -> QToolButton:
        button = named(QToolButton(), name, label, tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if icon is None:
            button.setText(label)
        else:
            button.setIcon(media_icon(icon))
            button.setIconSize(QSize(20, 20))
        return button

    def _build_controls(self) -> None:
        self.controls = QWidget(self)
        self.controls.setObjectName("videoControls")
        self.controls.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.back_button = self._button(
            "videoStepBackButton", self.tr("Frame back"), self.tr("One frame back (,)"), "back"
        )
        self.play_button = self._button(
            "videoPlayButton", self.tr("Play"), self.tr("Play or pause (Space)"), "play"
        )
        self.forward_button = self._button(
            "videoStepForwardButton",
            self.tr("Frame forward"),
            self.tr("One frame forward (.)"),
            "forward",
        )
        self.loop_button = self._button(
            "videoLoopButton", self.tr("Loop"), self.tr("Play over and over (L)"), None
        )
        self.loop_button.setCheckable(True)
        self.mute_button = self._button(
            "videoMuteButton", self.tr("Mute"), self.tr(SILENT_CLIP), "sound"
        )
        self.slider = named(
            QSlider(Qt.Orientation.Horizontal), "videoScrubSlider", self.tr("Position in the video")
        )
        jump = _JumpStyle()  # its own base style: a proxy owns (and deletes) the style it wraps
        jump.setParent(self.slider)
        self.slider.setStyle(jump)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.time_label = named(QLabel("0:00.00 / 0:00.00"), "videoTimeLabel", self.tr("Time"))
        self.frame_label = named(QLabel(""), "videoFrameLabel", self.tr("Frame number"))
        bar = QVBoxLayout(self.controls)  # the slider spans the width, the buttons below it
        bar.setContentsMargins(10, 4, 10, 4)
        bar.setSpacing(0)
        bar.addWidget(self.slider)
        row = QHBoxLayout()
        row.setSpacing(6)
        bar.addLayout(row)
        for widget in (self.back_button, self.play_button, self.forward_button):
            row.addWidget(widget)
        row.addSpacing(8)
        row.addWidget(self.time_label)
        row.addSpacing(8)
        row.addWidget(self.frame_label)
        row.addStretch(1)
        row.addWidget(self.loop_button)
        row.addWidget(self.mute_button)
        self.play_button.clicked.connect(self.playback.toggle)
        self.back_button.clicked.connect(lambda: self.playback.step(-1))
        self.forward_button.clicked.connect(lambda: self.playback.step(1))
        self.loop_button.toggled.connect(self.playback.set_loop)
        self.slider.valueChanged.connect(self._scrubbed)
        self.slider.sliderPressed.connect(self._scrub_started)
        self.slider.sliderReleased.connect(self._scrub_ended)
        self._resume_after_scrub = False

    # -- opening ------------------------------------------------------------------------------
    def open(self, path: Path | str, autoplay: bool = True) -> None:
        """Play ``path`` (errors are shown in the player)."""
        self.path = Path(path)
        self.surface.frame = None
        self.surface.show_message(self.tr("Opening…"))
        self._set_enabled(False)
        self._state_changed(False)
        self.playback.open(self.path, autoplay)

    def close_video(self) -> None:
        """Stop decoding (the worker thread ends)."""
        self.playback.close()

    def _opened(self, info: VideoInfo) -> None:
        self.surface.set_video_size(QSize(info.width, info.height))
        self.slider.setPageStep(max(1, round(info.fps)))
        self._set_slider(0, max(0, info.frame_count - 1))
        self._set_enabled(True)
        self.mute_button.setEnabled(False)
        self.mute_button.setToolTip(self.tr(NO_SOUND) if info.has_audio else self.tr(SILENT_CLIP))
        self._show_time(0.0, 0)

    def show_message(self, text: str) -> None:
        """Stop and say ``text`` in the picture (downloading, or why nothing plays)."""
        self.playback.close()
        self._failed(text)

    def _failed(self, message: str) -> None:
        self._state_changed(False)
        self.surface.frame = None
        self.surface.show_message(message)
        self._set_enabled(False)
        self._set_slider(0)
        self.time_label.setText("–")
        self.frame_label.setText("")

    def _set_slider(self, value: int, maximum: int | None = None) -> None:
        """Move the slider without seeking (only the user's moves seek)."""
        self.slider.blockSignals(True)
        if maximum is not None:
            self.slider.setRange(0, maximum)
        self.slider.setValue(value)
        self.slider.blockSignals(False)

    def _set_enabled(self, on: bool) -> None:
        for widget in (
            self.play_button,
            self.back_button,
            self.forward_button,
            self.slider,
        ):
            widget.setEnabled(on)  # looping is a choice that holds for any clip
        self.mute_button.setEnabled(False)

    # -- what is shown ------------------------------------------------------------------------
    def _frame_shown(self, frame: DecodedFrame) -> None:
        self.surface.show_frame(frame)
        if not self.slider.isSliderDown():
            self._set_slider(frame.index)
        self._show_time(frame.time, frame.index)

    def _show_time(self, seconds: float, index: int) -> None:
        info = self.playback.info
        if info is None:
            return
        self.time_label.setText(f"{clock_text(seconds)} / {clock_text(info.duration)}")
        self.frame_label.setText(
            self.tr("frame {n}/{total}").format(n=index + 1, total=info.frame_count)
        )

    def _state_changed(self, playing: bool) -> None:
        self.play_button.setIcon(media_icon("pause" if playing else "play"))
        self.play_button.setAccessibleName(self.tr("Pause") if playing else self.tr("Play"))

    def _display_size(self, size: QSize) -> None:
        self.playback.decoder.set_target_size((size.width(), size.height()))

    # -- scrubbing and keys -------------------------------------------------------------------
    def _scrubbed(self, value: int) -> None:
        if not self.slider.isSliderDown():
            self.playback.pause()
        self.playback.seek_frame(value)

    def _scrub_started(self) -> None:
        self._resume_after_scrub = self.playback.playing
        self.playback.pause()

    def _scrub_ended(self) -> None:
        if self._resume_after_scrub:
            self.playback.play()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        pb = self.playback
        if pb.info is None:
            super().keyPressEvent(event)
            return
        actions: dict[Qt.Key, Callable[[], object]] = {
            Qt.Key.Key_Space: pb.toggle,
            Qt.Key.Key_Comma: lambda: pb.step(-1),
            Qt.Key.Key_Period: lambda: pb.step(1),
            Qt.Key.Key_L: self.loop_button.toggle,
            Qt.Key.Key_Home: lambda: pb.seek_frame(0),
        }
        action = actions.get(Qt.Key(key))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()


class VideoWindow(QWidget):
    """A window playing one video (objectName ``videoWindow``); Esc closes it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        named(self, "videoWindow", self.tr("Video"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet("#videoWindow { background: #0c0c0e; }")
        self.player = VideoPlayer(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.player)
        self.resize(960, 600)

    def open(self, path: Path | str, title: str = "") -> None:
        path = Path(path)
        self.setWindowTitle(self.tr("{title} — leodesk").format(title=title or path.name))
        self.player.open(path)
        self.player.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.close_video()
        super().closeEvent(event)


__all__ = ["NO_SOUND", "VideoPlayer", "VideoWindow", "clock_text"]
