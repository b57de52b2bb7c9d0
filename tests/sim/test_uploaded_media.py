"""Uploaded media (``/media``) and motion variations (``/motion-variations/{id}``) in the
simulator: the spec's bodies and answers, the S3 rules, real files, persistence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from leodesk.sim import SimConfig, SimServer, video_render
from leodesk.sim.media import probe_video
from tests.helpers import spec
from tests.sim._util import download

KEY = "sim-test-key"


def _mp4() -> bytes:
    return video_render.motion_mp4("an uploaded clip", 320, 180)


def _call(api: httpx.Client, method: str, path: str, op_id: str, **body: Any) -> dict[str, Any]:
    if body:
        spec.validate_request(op_id, body)
    resp = api.request(method, path, json=body or None)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    spec.validate_response(op_id, data)
    return data


def _upload(api: httpx.Client, data: bytes, extension: str = "mp4") -> str:
    up = _call(api, "POST", "/media", "uploadMedia", extension=extension)["uploadMedia"]
    with httpx.Client(timeout=5.0) as s3:
        mime = "video/mp4" if extension == "mp4" else "video/quicktime"
        fields = json.loads(up["fields"])
        r = s3.post(up["url"], data=fields, files={"file": ("clip." + extension, data, mime)})
    assert r.status_code == 204, r.text
    media_id: str = up["uploadId"]
    return media_id


def _media(api: httpx.Client, media_id: str) -> Any:
    data = _call(api, "GET", f"/media/{media_id}", "getUploadedMediaById")
    return data["uploaded_media_by_pk"]


def test_an_uploaded_video_is_probed_served_and_deleted(api: httpx.Client) -> None:
    clip = _mp4()
    media_id = _upload(api, clip)
    row = _media(api, media_id)
    assert row["status"] == "COMPLETE" and row["mediaType"] == "VIDEO"
    assert (row["width"], row["height"]) == (320, 180)
    assert row["video_fps"] == pytest.approx(24.0)
    assert row["duration"] == pytest.approx(video_render.MOTION_SECONDS, abs=0.2)
    assert download(row["url"]).content == clip
    # not an init image
    assert api.get(f"/init-image/{media_id}").json() == {"init_images_by_pk": None}
    gone = _call(api, "DELETE", f"/media/{media_id}", "deleteUploadedMediaById")
    assert gone == {"delete_uploaded_media_by_pk": {"id": media_id}}
    assert _media(api, media_id) is None
    assert httpx.get(row["url"]).status_code == 403


def test_media_before_its_upload_is_pending_and_garbage_fails(api: httpx.Client) -> None:
    up = _call(api, "POST", "/media", "uploadMedia", extension="mov")["uploadMedia"]
    assert _media(api, up["uploadId"])["status"] == "PENDING"
    media_id = _upload(api, b"not a video at all", "mov")
    row = _media(api, media_id)
    assert row["status"] == "FAILED" and row["statusReason"]
    assert row["url"] is None


def test_media_takes_only_mp4_and_mov(api: httpx.Client) -> None:
    resp = api.post("/media", json={"extension": "png"})
    assert resp.status_code == 400 and "extension" in resp.text
    assert api.post("/media", json={}).status_code == 400
    assert api.post("/media", json={"extension": "mp4", "isPublic": False}).status_code == 400


def test_seeded_videos_have_a_720p_upscale_that_plays(make_server: Any) -> None:
    sim: SimServer = make_server(seed_generations=2, seed_videos=2)
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {KEY}"}) as api:
        user = api.get("/me").json()["user_details"][0]["user"]["id"]
        rows = api.get(f"/generations/user/{user}", params={"limit": 10}).json()["generations"]
        videos = [i for g in rows for i in g["generated_images"] if i.get("motionMP4URL")]
        assert len(videos) == 2
        for item in videos:
            path = f"/motion-variations/{item['id']}"
            data = _call(api, "GET", path, "getMotionVariationById")
            (var,) = data["generated_image_variation_motion"]
            assert var["motionTransformType"] == "UPSCALE"
            assert var["resolution"] == "RESOLUTION_720" and var["status"] == "COMPLETE"
            assert probe_video(download(var["url"]).content) is not None
        still = next(i for g in rows for i in g["generated_images"] if not i.get("motionMP4URL"))
        data = _call(api, "GET", f"/motion-variations/{still['id']}", "getMotionVariationById")
        assert data == {"generated_image_variation_motion": []}


def test_media_and_motion_variations_survive_a_restart(tmp_path: Path) -> None:
    cfg = SimConfig(
        seed=1, generation_seconds=0.05, api_key=KEY, state_dir=str(tmp_path), seed_videos=1
    )
    headers = {"Authorization": f"Bearer {KEY}"}
    sim = SimServer(cfg).start()
    try:
        with httpx.Client(base_url=sim.base_url, headers=headers) as api:
            media_id = _upload(api, _mp4())
            user = api.get("/me").json()["user_details"][0]["user"]["id"]
            rows = api.get(f"/generations/user/{user}").json()["generations"]
            image_id = rows[0]["generated_images"][0]["id"]
            before = api.get(f"/motion-variations/{image_id}").json()
    finally:
        sim.stop()
    sim = SimServer(cfg).start()
    try:
        with httpx.Client(base_url=sim.base_url, headers=headers) as api:
            assert _media(api, media_id)["status"] == "COMPLETE"
            after = _call(api, "GET", f"/motion-variations/{image_id}", "getMotionVariationById")
            assert after["generated_image_variation_motion"]
            ids = [v["id"] for v in after["generated_image_variation_motion"]]
            assert ids == [v["id"] for v in before["generated_image_variation_motion"]]
            url = after["generated_image_variation_motion"][0]["url"]
            assert download(url).status_code == 200
    finally:
        sim.stop()
