"""The video player driven with real key and mouse events, on real H.264 clips whose frame n is
painted one known colour (so what is on screen tells which frame it is)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QSlider, QWidget

from leodesk.ui.video_player import NO_SOUND, SILENT_CLIP, VideoWindow
from tests.helpers.clips import FRAMES, index_of, make_clip, standard_clip


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return standard_clip(tmp_path)


@pytest.fixture
def window(qtbot: Any) -> Iterator[VideoWindow]:
    w = VideoWindow()
    qtbot.addWidget(w)
    w.resize(640, 420)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.player.close_video()


def find(window: QWidget, kind: type[Any], name: str) -> Any:
    widget = window.findChild(kind, name)
    assert widget is not None, name
    return widget


def on_screen(window: VideoWindow) -> int:
    """The frame whose colour is at the centre of the picture, as painted."""
    surface = window.player.surface
    image = surface.grab().toImage()
    c = image.pixelColor(surface.width() // 2, surface.height() // 2)
    return index_of((c.red(), c.green(), c.blue()), FRAMES)


def shown(window: VideoWindow) -> int:
    current = window.player.playback.current
    assert current is not None
    return current.index


def paused_at_start(qtbot: Any, window: VideoWindow, clip: Path) -> None:
    window.player.open(clip, autoplay=False)
    qtbot.waitUntil(lambda: window.player.playback.current is not None, timeout=5000)
    assert shown(window) == 0 and on_screen(window) == 0


def key(qtbot: Any, window: VideoWindow, k: Qt.Key) -> None:
    qtbot.keyClick(window.player, k)


def test_play_shows_every_frame_in_order_and_stops_at_the_end(
    qtbot: Any, window: VideoWindow, clip: Path
) -> None:
    seen: list[int] = []
    window.player.playback.frame_shown.connect(lambda f: seen.append(f.index))
    window.open(clip)
    pb = window.player.playback
    qtbot.waitUntil(lambda: bool(seen) and not pb.playing, timeout=10000)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == FRAMES - 1
    assert len(seen) + pb.dropped == FRAMES  # a frame is only ever dropped, never repeated
    assert on_screen(window) == FRAMES - 1
    assert find(window, QAbstractButton, "videoPlayButton").accessibleName() == "Play"
    assert find(window, QSlider, "videoScrubSlider").value() == FRAMES - 1
    assert find(window, QWidget, "videoTimeLabel").text() == "0:01.92 / 0:02.00"
    # playing again at the end starts over
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: pb.playing and 0 < shown(window) < FRAMES - 1, timeout=5000)


def test_frames_are_paced_by_their_timestamps_and_only_late_ones_dropped(
    qtbot: Any, window: VideoWindow, clip: Path
) -> None:
    import time

    seen: list[tuple[int, float]] = []
    pb = window.player.playback
    pb.frame_shown.connect(lambda f: seen.append((f.index, time.monotonic())))
    window.open(clip)
    qtbot.waitUntil(lambda: len(seen) >= 6, timeout=5000)
    time.sleep(0.5)  # the GUI thread stalls for six frames' time
    qtbot.waitUntil(lambda: not pb.playing, timeout=10000)
    indices = [i for i, _ in seen]
    assert pb.dropped >= 4  # the frames due during the stall were skipped, not shown late
    assert len(indices) + pb.dropped == FRAMES and indices == sorted(indices)
    assert indices[-1] == FRAMES - 1
    # on the clock: 23 frame intervals of 1/12 s from the first frame to the last
    assert 1.7 <= seen[-1][1] - seen[0][1] <= 3.0


def test_space_pauses_and_resumes(qtbot: Any, window: VideoWindow, clip: Path) -> None:
    window.open(clip)
    pb = window.player.playback
    qtbot.waitUntil(lambda: pb.current is not None and pb.current.index >= 3, timeout=5000)
    key(qtbot, window, Qt.Key.Key_Space)
    assert not pb.playing
    stopped = shown(window)
    qtbot.wait(400)  # five frames' time
    assert shown(window) == stopped and on_screen(window) == stopped
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: shown(window) > stopped, timeout=5000)


def test_frame_steps_move_exactly_one_frame(qtbot: Any, window: VideoWindow, clip: Path) -> None:
    paused_at_start(qtbot, window, clip)
    key(qtbot, window, Qt.Key.Key_Comma)  # nothing before the first frame
    qtbot.wait(100)
    assert shown(window) == 0
    expected = 0
    forward = find(window, QAbstractButton, "videoStepForwardButton")
    back = find(window, QAbstractButton, "videoStepBackButton")
    steps = [(Qt.Key.Key_Period, 1)] * 10 + [(Qt.Key.Key_Comma, -1)] * 3
    steps += [(forward, 1), (forward, 1), (back, -1)]
    for control, delta in steps:
        if isinstance(control, QAbstractButton):
            qtbot.mouseClick(control, Qt.MouseButton.LeftButton)
        else:
            key(qtbot, window, control)
        expected += delta
        qtbot.waitUntil(lambda e=expected: shown(window) == e, timeout=5000)
        assert on_screen(window) == expected
        assert not window.player.playback.playing
    assert find(window, QWidget, "videoFrameLabel").text() == f"frame {expected + 1}/{FRAMES}"


def test_scrubbing_shows_the_frame_under_the_slider(
    qtbot: Any, window: VideoWindow, clip: Path
) -> None:
    paused_at_start(qtbot, window, clip)
    slider = find(window, QSlider, "videoScrubSlider")
    y = slider.height() // 2
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() * 3 // 4, y))
    assert 14 <= slider.value() <= 21  # a click jumps there (no paging)
    qtbot.waitUntil(lambda: shown(window) == slider.value(), timeout=5000)
    assert on_screen(window) == slider.value()
    # a drag to the left: the frame follows the handle
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() * 3 // 4, y))
    for x in (slider.width() // 2, slider.width() // 3, slider.width() // 5):
        qtbot.mouseMove(slider, QPoint(x, y))
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() // 5, y))
    assert 1 <= slider.value() <= 7
    qtbot.waitUntil(lambda: shown(window) == slider.value(), timeout=5000)
    assert on_screen(window) == slider.value()
    assert not window.player.playback.playing


def test_loop_wraps_to_the_start(qtbot: Any, window: VideoWindow, clip: Path) -> None:
    seen: list[int] = []
    window.player.playback.frame_shown.connect(lambda f: seen.append(f.index))
    loop = find(window, QAbstractButton, "videoLoopButton")
    qtbot.mouseClick(loop, Qt.MouseButton.LeftButton)
    assert loop.isChecked()
    window.open(clip)
    pb = window.player.playback

    def wrapped() -> bool:
        return any(a > b for a, b in pairwise(seen)) and len(seen) > FRAMES + 3

    qtbot.waitUntil(wrapped, timeout=10000)
    assert pb.playing
    at = next(i for i, (a, b) in enumerate(pairwise(seen)) if a > b)
    assert seen[at] >= FRAMES - 2 and seen[at + 1] <= 1  # from the end straight to the start
    key(qtbot, window, Qt.Key.Key_L)  # loop off: it stops at the end of this lap
    assert not loop.isChecked()
    qtbot.waitUntil(lambda: not pb.playing, timeout=10000)
    assert shown(window) == FRAMES - 1


def test_a_clip_with_sound_says_sound_is_not_played(
    qtbot: Any, window: VideoWindow, tmp_path: Path, clip: Path
) -> None:
    mute = find(window, QAbstractButton, "videoMuteButton")
    window.open(make_clip(tmp_path / "sound.mp4", frames=6, audio=True))
    qtbot.waitUntil(lambda: window.player.playback.info is not None, timeout=5000)
    assert not mute.isEnabled() and mute.toolTip() == NO_SOUND
    window.open(clip)
    qtbot.waitUntil(lambda: window.player.playback.info is not None, timeout=5000)
    assert not mute.isEnabled() and mute.toolTip() == SILENT_CLIP


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "The video file is missing"),
        (b"\x00\x00\x00\x20ftypisom" + bytes(400), "This video cannot be played"),
    ],
)
def test_a_broken_or_missing_file_is_said_in_the_player(
    qtbot: Any, window: VideoWindow, tmp_path: Path, clip: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "broken.mp4"
    if content is not None:
        path.write_bytes(content)
    window.open(path)
    surface = window.player.surface
    qtbot.waitUntil(lambda: surface.message.startswith(message), timeout=5000)
    play = find(window, QAbstractButton, "videoPlayButton")
    assert not play.isEnabled()
    key(qtbot, window, Qt.Key.Key_Space)  # nothing to play: nothing happens
    assert not window.player.playback.playing and window.isVisible()
    window.open(clip)  # the same player plays the next file
    qtbot.waitUntil(lambda: window.player.playback.current is not None, timeout=5000)
    assert surface.message == "" and play.isEnabled()


def test_escape_closes_the_window_and_stops_decoding(
    qtbot: Any, window: VideoWindow, clip: Path
) -> None:
    window.open(clip)
    qtbot.waitUntil(lambda: window.player.playback.current is not None, timeout=5000)
    assert window.player.hasFocus()
    key(qtbot, window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert window.player.playback.decoder._thread is None


def test_every_control_is_named(window: VideoWindow) -> None:
    controls = [*window.findChildren(QAbstractButton), *window.findChildren(QSlider)]
    assert len(controls) == 6
    for widget in [window, window.player, *controls]:
        assert widget.objectName() and widget.accessibleName(), widget
    assert window.player.objectName() == "videoPlayer"


def test_frames_are_decoded_at_the_size_they_are_shown(
    qtbot: Any, window: VideoWindow, tmp_path: Path
) -> None:
    window.resize(300, 260)
    path = make_clip(tmp_path / "big.mp4", frames=12, fps=12, size=(480, 360))
    window.player.open(path, autoplay=False)
    pb = window.player.playback
    qtbot.waitUntil(lambda: pb.current is not None, timeout=5000)
    surface = window.player.surface
    picture = surface.picture_rect()
    ratio = surface.devicePixelRatioF()
    assert picture.width() < 480
    serial = pb.decoder.serial
    key(qtbot, window, Qt.Key.Key_Home)  # frames decoded from now on know the size (a busy
    qtbot.waitUntil(lambda: pb.current.serial > serial, timeout=5000)  # machine read ahead)
    key(qtbot, window, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: shown(window) == 1, timeout=5000)
    image = pb.current.image
    assert (image.width(), image.height()) == (
        round(picture.width() * ratio),
        round(picture.height() * ratio),
    )
    window.resize(900, 700)  # room for the whole clip: decoded at its own size, never larger
    qtbot.waitUntil(lambda: surface.picture_rect().width() > 480, timeout=5000)
    serial = pb.decoder.serial
    key(qtbot, window, Qt.Key.Key_Home)  # frames decoded from now on (not the read-ahead's)
    qtbot.waitUntil(lambda: pb.current.serial > serial, timeout=5000)
    assert shown(window) == 0 and on_screen(window) == 0
    assert (pb.current.image.width(), pb.current.image.height()) == (480, 360)
