"""The video decoder on real H.264 clips made with PyAV (each frame one known colour)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk.qt.video import DecodedFrame, EndOfClip, VideoDecoder
from tests.helpers.clips import FRAMES, index_of, make_clip, standard_clip


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return standard_clip(tmp_path)


@pytest.fixture
def decoder(qtbot: Any) -> Iterator[VideoDecoder]:
    d = VideoDecoder()
    yield d
    d.close()


def colour_index(frame: DecodedFrame) -> int:
    c = frame.image.pixelColor(frame.image.width() // 2, frame.image.height() // 2)
    return index_of((c.red(), c.green(), c.blue()), FRAMES)


def take(qtbot: Any, d: VideoDecoder, count: int) -> list[DecodedFrame | EndOfClip]:
    items: list[DecodedFrame | EndOfClip] = []
    while len(items) < count:
        qtbot.waitUntil(lambda: d.peek() is not None, timeout=5000)
        item = d.take()
        assert item is not None
        items.append(item)
        if isinstance(item, EndOfClip):
            break
    return items


def frames_of(items: list[DecodedFrame | EndOfClip]) -> list[DecodedFrame]:
    return [i for i in items if isinstance(i, DecodedFrame)]


def test_info_and_every_frame_in_order(qtbot: Any, decoder: VideoDecoder, clip: Path) -> None:
    with qtbot.waitSignal(decoder.opened, timeout=5000) as opened:
        decoder.open(clip)
    info = opened.args[0]
    assert (info.width, info.height, info.fps, info.frame_count) == (96, 64, 12.0, FRAMES)
    assert info.duration == pytest.approx(2.0) and info.has_audio is False
    assert info.codec == "h264"
    items = take(qtbot, decoder, FRAMES + 5)
    assert isinstance(items[-1], EndOfClip) and len(items) == FRAMES + 1
    frames = frames_of(items)
    assert [f.index for f in frames] == list(range(FRAMES))
    assert [colour_index(f) for f in frames] == list(range(FRAMES))
    assert [f.time for f in frames] == pytest.approx([n / 12 for n in range(FRAMES)])


def test_seek_lands_on_the_exact_frame_inside_a_group(
    qtbot: Any, decoder: VideoDecoder, clip: Path
) -> None:
    decoder.open(clip)
    take(qtbot, decoder, 20)  # well past the frames sought back to below
    for target in (13, 5, 22, 0, 11):  # keyframes are every 8 frames: 13 decodes from 8
        serial = decoder.seek(target / 12)
        first = frames_of(take(qtbot, decoder, 1))[0]
        assert first.serial == serial
        assert (first.index, colour_index(first)) == (target, target)


def test_read_ahead_is_bounded_and_older_frames_are_dropped_on_seek(qtbot: Any, clip: Path) -> None:
    d = VideoDecoder(read_ahead=3)
    try:
        d.open(clip)
        qtbot.waitUntil(lambda: d.queued() == 3, timeout=5000)
        qtbot.wait(200)
        assert d.queued() == 3 and d.decoded == 3  # it waits for room, it does not run ahead
        d.seek(18 / 12)
        first = frames_of(take(qtbot, d, 1))[0]
        assert first.index == 18  # none of the three queued before the seek
    finally:
        d.close()


def test_looping_goes_on_from_the_start_one_clip_later(
    qtbot: Any, decoder: VideoDecoder, clip: Path
) -> None:
    decoder.set_loop(True)
    decoder.open(clip)
    decoder.seek(21 / 12)
    frames = frames_of(take(qtbot, decoder, 6))
    assert [f.index for f in frames] == [21, 22, 23, 0, 1, 2]
    assert [colour_index(f) for f in frames] == [21, 22, 23, 0, 1, 2]
    dues = [f.due for f in frames]
    assert dues == sorted(dues) and frames[3].due == pytest.approx(2.0)


def test_frames_are_scaled_to_the_asked_size(qtbot: Any, decoder: VideoDecoder, clip: Path) -> None:
    decoder.set_target_size((48, 32))
    decoder.open(clip)
    frame = frames_of(take(qtbot, decoder, 1))[0]
    assert (frame.image.width(), frame.image.height()) == (48, 32)
    assert colour_index(frame) == 0


def test_sound_is_reported(qtbot: Any, decoder: VideoDecoder, tmp_path: Path) -> None:
    path = make_clip(tmp_path / "sound.mp4", frames=6, audio=True)
    with qtbot.waitSignal(decoder.opened, timeout=5000) as opened:
        decoder.open(path)
    assert opened.args[0].has_audio is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "The video file is missing: clip.mp4"),
        (b"\x00\x00\x00\x20ftypisom" + bytes(500), "This video cannot be played"),
        (b"not a video at all", "This video cannot be played"),
    ],
)
def test_a_file_that_does_not_decode_is_reported(
    qtbot: Any, decoder: VideoDecoder, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "clip.mp4"
    if content is not None:
        path.write_bytes(content)
    with qtbot.waitSignal(decoder.failed, timeout=5000) as failed:
        decoder.open(path)
    assert failed.args[0].startswith(message)
    assert decoder.info is None


def test_a_file_without_video_is_reported(
    qtbot: Any, decoder: VideoDecoder, tmp_path: Path
) -> None:
    import av

    path = tmp_path / "sound-only.m4a"
    container = av.open(str(path), "w")
    stream = container.add_stream("aac", rate=48000)
    frame = av.AudioFrame(format="fltp", layout="stereo", samples=1024)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = 48000
    for packet in [*stream.encode(frame), *stream.encode()]:
        container.mux(packet)
    container.close()
    with qtbot.waitSignal(decoder.failed, timeout=5000) as failed:
        decoder.open(path)
    assert failed.args[0] == "This file has no video in it."


def test_a_decoder_closed_without_waiting_ends_on_its_own(qtbot: Any, clip: Path) -> None:
    from leodesk.qt import video

    decoders = [VideoDecoder() for _ in range(3)]
    for d in decoders:
        d.open(clip)
    qtbot.waitUntil(lambda: all(d.queued() for d in decoders), timeout=5000)
    for d in decoders:
        d.close(timeout_ms=0)  # told to stop; not waited for
    assert all(d._thread is None for d in decoders)
    qtbot.waitUntil(lambda: all(t.isFinished() for t in video._LINGERING), timeout=5000)
    assert all(d.queued() == 0 for d in decoders)


def test_read_ahead_is_kept_within_its_memory_budget(
    qtbot: Any, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leodesk.qt import video

    frame_bytes = 96 * 64 * 4
    monkeypatch.setattr(video, "READ_AHEAD_BYTES", 6 * frame_bytes)
    d = VideoDecoder()  # up to 24 frames, but six of these fill the budget
    try:
        d.open(clip)
        qtbot.waitUntil(lambda: d.queued() == 6, timeout=5000)
        qtbot.wait(200)
        assert d.queued() == 6 and d.decoded <= 7
    finally:
        d.close()
