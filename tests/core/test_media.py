"""Uploaded videos and motion variations in the library, over the simulator on real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from leodesk.core.api import LeonardoClient
from leodesk.core.library import Library
from leodesk.core.media import (
    MediaFileError,
    collect_for_library,
    collect_motion_variations,
    upload_video_file,
)
from leodesk.core.sync import Syncer
from leodesk.sim import SimServer, video_render
from tests.core.api import test_api_spec_media as _spec

sim = _spec.sim  # the simulator with two seeded videos, on real HTTP, bodies checked
client = _spec.client


def _synced(client: LeonardoClient, lib: Library) -> None:
    Syncer(client, lib, min_interval=0.0, sleep=lambda _s: None).sync()


def test_motion_variations_become_child_videos(client: LeonardoClient, lib: Library) -> None:
    _synced(client, lib)
    videos = lib.videos_to_check()
    assert len(videos) == 2
    assert collect_for_library(client, lib) == 2
    assert lib.videos_to_check() == []  # asked about: not again today
    for video_id in videos:
        (child,) = lib.children_of(video_id)
        assert child.kind == "motion" and child.transform == "UPSCALE_720"
        assert child.motion_url and child.motion_url.endswith(".mp4")
        parent = lib.image_records([video_id]).get(video_id)
        assert parent is not None and child.url == parent.url  # the poster
        facts = lib.get_video(child.id)
        assert facts is not None and facts.origin == lib.get_video(video_id).origin  # type: ignore[union-attr]
        assert collect_motion_variations(client, lib, video_id) == 0  # idempotent
        assert [c.id for c in lib.children_of(video_id)] == [child.id]


def test_a_child_video_is_not_asked_about(client: LeonardoClient, lib: Library) -> None:
    _synced(client, lib)
    collect_for_library(client, lib)
    lib.mark_motion_checked("nothing")  # harmless
    with lib._writing() as conn:  # a day later
        conn.execute("UPDATE motion_checks SET checked_ms = 0")
    assert len(lib.videos_to_check()) == 2  # the two videos again, never their children


def test_uploads_are_recorded_and_listed(
    client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    clip = tmp_path / "Holiday.MOV"
    clip.write_bytes(video_render.motion_mp4("holiday", 320, 180))
    media_id = upload_video_file(client, lib, clip)
    (row,) = lib.media_uploads()
    assert (row.media_id, row.name, row.size) == (media_id, "Holiday.MOV", clip.stat().st_size)
    assert client.get_media(media_id) is not None
    lib.forget_media(media_id)
    assert lib.media_uploads() == []


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("clip.gif", b"GIF89a", "MP4 and MOV"),
        ("clip", b"x", "without an extension"),
        ("empty.mp4", b"", "empty"),
    ],
)
def test_bad_files_are_refused_before_sending(
    sim: SimServer,
    client: LeonardoClient,
    lib: Library,
    tmp_path: Path,
    name: str,
    data: bytes,
    fragment: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(MediaFileError, match=fragment):
        upload_video_file(client, lib, path)
    with pytest.raises(MediaFileError, match="could not be read"):
        upload_video_file(client, lib, tmp_path / "missing.mp4")
    assert lib.media_uploads() == []
    assert not any(r.path.endswith("/media") for r in sim.requests)
    client.get_me()
