"""The media and motion-variation operations of the client: the body against the official spec,
the answers parsed with every field optional, and the calls over real HTTP to the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from leodesk.core.api import LeonardoClient, UploadError, ValidationError
from leodesk.core.api import serialize as ser
from leodesk.core.api.media import media_body, parse_motion_variation, parse_uploaded_media
from leodesk.core.api.media_models import MotionVariation
from leodesk.sim import SimServer, video_render
from tests.core.api.test_client_sim import FAST_RETRY, KEY, check_bodies, config, s3_posts
from tests.helpers.spec import request_properties, validate_request, validate_response


@pytest.mark.parametrize("ext", ["mp4", ".MOV", " mp4 "])
def test_the_body_validates_and_carries_every_key(ext: str) -> None:
    body = media_body(ext)
    validate_request("uploadMedia", body)
    assert set(body) == set(request_properties("uploadMedia")) == ser.REQUEST_KEYS["uploadMedia"]
    assert body["extension"] in ("mp4", "mov")


@pytest.mark.parametrize("ext", ["png", "avi", "", "mp4x"])
def test_other_file_types_are_refused_before_sending(ext: str) -> None:
    with pytest.raises(ValueError, match="mp4 and mov"):
        media_body(ext)


def test_answers_parse_with_missing_wrong_and_unknown_fields() -> None:
    full = {
        "id": "m1",
        "createdAt": "2026-01-01T00:00:00",
        "url": "https://cdn/x.mp4",
        "thumbnailUrl": None,
        "status": "SOMETHING_NEW",
        "statusReason": None,
        "mediaType": "VIDEO",
        "duration": 4,
        "width": 640,
        "height": "tall",
        "video_fps": 23.976,
        "later": True,
    }
    validate_response("getUploadedMediaById", {"uploaded_media_by_pk": {**full, "height": 360}})
    media = parse_uploaded_media(full)
    assert (media.status, media.duration, media.width, media.height) == (
        "SOMETHING_NEW",
        4,
        640,
        None,
    )
    assert media.fps == pytest.approx(23.976)
    assert parse_uploaded_media({}).id is None
    var = parse_motion_variation(
        {"motionTransformType": "FRAME_BOOST", "resolution": "RESOLUTION_1080"}
    )
    assert var.label == "FRAME_BOOST_1080" and var.url is None
    assert MotionVariation().label == "MOTION"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(config(generation_seconds=0.1, seed_generations=2, seed_videos=2)).start()
    yield server
    try:
        assert check_bodies(server) > 0
    finally:
        server.stop()


@pytest.fixture
def client(sim: SimServer) -> Iterator[LeonardoClient]:
    with LeonardoClient(KEY, base_url=sim.base_url, retry=FAST_RETRY) as c:
        yield c


def test_upload_show_and_delete_a_video(sim: SimServer, client: LeonardoClient) -> None:
    clip = video_render.motion_mp4("client upload", 320, 180)
    media_id = client.upload_media(clip, "mp4")
    (upload,) = s3_posts(sim)
    assert upload.form_fields[-1] == "file" and "authorization" not in upload.headers
    media = client.get_media(media_id)
    assert media is not None and media.id == media_id
    assert (media.status, media.width, media.height) == ("COMPLETE", 320, 180)
    assert media.duration == pytest.approx(video_render.MOTION_SECONDS, abs=0.2)
    assert media.url and client.download(media.url) == clip
    assert client.delete_media(media_id) == media_id
    assert client.get_media(media_id) is None
    assert client.delete_media(media_id) is None


def test_a_bad_extension_or_empty_file_sends_nothing(
    sim: SimServer, client: LeonardoClient
) -> None:
    with pytest.raises(ValueError):
        client.upload_media(b"data", "gif")
    with pytest.raises(ValueError):
        client.upload_media(b"", "mp4")
    with pytest.raises(ValueError):
        client.get_media("")
    client.get_me()  # so that check_bodies has a request to check


def test_motion_variations_of_a_seeded_video(client: LeonardoClient) -> None:
    user = client.get_me().user_id
    assert user
    videos = [
        img for gen in client.list_generations(user) for img in gen.images if img.motion_mp4_url
    ]
    assert videos and videos[0].id
    (var,) = client.get_motion_variations(videos[0].id)
    assert var.label == "UPSCALE_720" and var.status == "COMPLETE" and var.url
    assert client.download(var.url)[4:8] == b"ftyp"


def test_a_server_error_is_a_leonardo_error(client: LeonardoClient) -> None:
    with pytest.raises(ValidationError):
        client.get_media("not-a-uuid")


def test_an_expired_presign_is_renewed_once_then_given_up() -> None:
    server = SimServer(config(presign_ttl_s=0.000001)).start()
    try:
        c = LeonardoClient(KEY, base_url=server.base_url, retry=FAST_RETRY)
        with c, pytest.raises(UploadError, match="before the video was sent"):
            c.upload_media(video_render.motion_mp4("late", 160, 90), "mp4")
        assert server.count("POST", "/media") == 2
        assert [r.status for r in s3_posts(server)] == [403, 403]
        assert check_bodies(server) == 2
    finally:
        server.stop()


def test_a_storage_failure_is_an_upload_error_and_the_media_stays_pending(
    sim: SimServer, client: LeonardoClient
) -> None:
    sim.add_fault("POST", "/s3/*", "500", times=10)
    with pytest.raises(UploadError):
        client.upload_media(video_render.motion_mp4("lost", 160, 90), "mov")
    (presign,) = [r for r in sim.requests if r.path == "/media"]
    assert json.loads(presign.body) == {"extension": "mov"}
    assert len(s3_posts(sim)) == FAST_RETRY.max_attempts
