"""Init-image upload: the presign response and the simulated S3 POST's strictness."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from leodesk.sim import SimServer
from tests.sim._util import decode, download, upload_init_image, wait_done

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def presign(api: httpx.Client, ext: str = "png") -> dict[str, Any]:
    resp = api.post("/init-image", json={"extension": ext})
    assert resp.status_code == 200, resp.text
    up: dict[str, Any] = resp.json()["uploadInitImage"]
    return up


def multipart(parts: list[tuple[str, bytes, str | None]]) -> tuple[bytes, str]:
    """Build a multipart body by hand, in exactly this order."""
    boundary = "simtestboundary7MA4YWxkTrZu0gW"
    out = b""
    for name, data, filename in parts:
        disp = f'form-data; name="{name}"'
        if filename:
            disp += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n".encode()
        if filename:
            out += b"Content-Type: image/png\r\n"
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def s3_post(url: str, body: bytes, content_type: str, **headers: str) -> httpx.Response:
    with httpx.Client(timeout=5, verify=False) as client:
        return client.post(url, content=body, headers={"content-type": content_type, **headers})


def test_presign_shape(api: httpx.Client, server: SimServer) -> None:
    up = presign(api, "jpg")
    assert isinstance(up["fields"], str)
    fields = json.loads(up["fields"])
    for key in ("key", "Policy", "X-Amz-Signature", "Content-Type", "X-Amz-Credential"):
        assert key in fields
    assert fields["Content-Type"] == "image/jpeg"
    assert fields["key"] == up["key"] == f"users/{server.user_id}/initImages/{up['id']}.jpg"
    assert up["url"].startswith(server.origin + "/s3/")


def test_upload_fields_first_then_file(api: httpx.Client, server: SimServer) -> None:
    up = presign(api)
    fields = json.loads(up["fields"])
    with httpx.Client(timeout=5, verify=False) as s3:
        resp = s3.post(up["url"], data=fields, files={"file": ("a.png", PNG, "image/png")})
    assert resp.status_code == 204 and resp.content == b""
    rec = [r for r in server.requests if r.path.startswith("/s3/")][-1]
    assert rec.status == 204 and rec.method == "POST"
    assert rec.form_fields == [*fields, "file"]
    assert "authorization" not in rec.headers
    got = api.get(f"/init-image/{up['id']}").json()["init_images_by_pk"]
    assert got["id"] == up["id"] and got["createdAt"]
    served = download(got["url"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"


def test_uploaded_image_works_as_init_image(api: httpx.Client, server: SimServer) -> None:
    init_id = upload_init_image(server, api)
    resp = api.post(
        "/generations",
        json={"prompt": "img2img", "init_image_id": init_id, "init_strength": 0.3, "num_images": 1},
    )
    assert resp.status_code == 200, resp.text
    row = wait_done(api, resp.json()["sdGenerationJob"]["generationId"])
    assert row["status"] == "COMPLETE" and row["initStrength"] == 0.3


def test_file_not_last(api: httpx.Client) -> None:
    up = presign(api)
    fields = json.loads(up["fields"])
    items = list(fields.items())
    body, ctype = multipart(
        [(k, v.encode(), None) for k, v in items[:-1]]
        + [("file", PNG, "a.png")]
        + [(items[-1][0], items[-1][1].encode(), None)]
    )
    resp = s3_post(up["url"], body, ctype)
    assert resp.status_code == 400
    assert b"<Code>InvalidArgument</Code>" in resp.content
    assert b"check the order of the fields" in resp.content
    assert resp.headers["content-type"] == "application/xml"


def test_all_fields_after_file_misses_the_key(api: httpx.Client) -> None:
    up = presign(api)
    fields = json.loads(up["fields"])
    body, ctype = multipart(
        [("file", PNG, "a.png")] + [(k, v.encode(), None) for k, v in fields.items()]
    )
    resp = s3_post(up["url"], body, ctype)
    assert resp.status_code == 400
    assert b"Bucket POST must contain a field named 'key'" in resp.content


def test_missing_file(api: httpx.Client) -> None:
    up = presign(api)
    body, ctype = multipart([(k, v.encode(), None) for k, v in json.loads(up["fields"]).items()])
    resp = s3_post(up["url"], body, ctype)
    assert resp.status_code == 400 and b"exactly one file" in resp.content


def test_authorization_header_is_refused(api: httpx.Client, server: SimServer) -> None:
    up = presign(api)
    fields = json.loads(up["fields"])
    with httpx.Client(timeout=5, verify=False) as s3:
        resp = s3.post(
            up["url"],
            data=fields,
            files={"file": ("a.png", PNG, "image/png")},
            headers={"Authorization": f"Bearer {server.api_key}"},
        )
    assert resp.status_code == 403 and b"AccessDenied" in resp.content
    assert api.get(f"/init-image/{up['id']}").json()["init_images_by_pk"]["url"]
    assert (
        download(api.get(f"/init-image/{up['id']}").json()["init_images_by_pk"]["url"]).status_code
        == 403
    )


def test_expired_presign(make_server: Make, make_client: Client) -> None:
    sim = make_server(presign_ttl_s=0.05)
    api = make_client(sim)
    up = presign(api)
    time.sleep(0.1)
    with httpx.Client(timeout=5, verify=False) as s3:
        resp = s3.post(
            up["url"], data=json.loads(up["fields"]), files={"file": ("a.png", PNG, "image/png")}
        )
    assert resp.status_code == 403 and b"Policy expired" in resp.content


@pytest.mark.parametrize("field", ["Policy", "Content-Type", "X-Amz-Signature"])
def test_tampered_fields(api: httpx.Client, field: str) -> None:
    up = presign(api)
    fields = json.loads(up["fields"])
    fields[field] = "tampered"
    with httpx.Client(timeout=5, verify=False) as s3:
        resp = s3.post(up["url"], data=fields, files={"file": ("a.png", PNG, "image/png")})
    assert resp.status_code == 403


def test_not_multipart(api: httpx.Client) -> None:
    up = presign(api)
    resp = s3_post(up["url"], b"{}", "application/json")
    assert resp.status_code == 412 and b"multipart/form-data" in resp.content


def test_delete_init_image(api: httpx.Client, server: SimServer) -> None:
    init_id = upload_init_image(server, api)
    url = api.get(f"/init-image/{init_id}").json()["init_images_by_pk"]["url"]
    assert decode(download(url).content).size == (64, 48)
    assert api.delete(f"/init-image/{init_id}").json() == {
        "delete_init_images_by_pk": {"id": init_id}
    }
    assert api.get(f"/init-image/{init_id}").json() == {"init_images_by_pk": None}
    assert download(url).status_code == 403
