"""LeonardoClient against httpx.MockTransport: paths, headers, bodies, parsing, upload, download."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from leodesk.core.api import (
    DEFAULT_BASE_URL,
    AuthenticationError,
    ElementRef,
    GenerationRequest,
    LeonardoClient,
    LeonardoError,
    ModerationError,
    MotionRequest,
    NetworkError,
    NotFoundError,
    PricingRequest,
    ProtocolError,
    RetryPolicy,
    ServerError,
    UniversalUpscaleRequest,
    UploadError,
    ValidationError,
)
from tests.core.api.api_samples import (
    API_KEY,
    BASE,
    GEN_ID,
    IMAGE_ID,
    INIT_ID,
    USER_ID,
    VARIATION_ID,
    FakeClock,
    Script,
    err,
    generation_json,
    job_cost,
    multipart_parts,
    ok,
    presign_json,
    user_details_json,
)

MakeClient = Callable[..., LeonardoClient]


# ----------------------------------------------------------------------------- construction


def test_base_url_default_env_and_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    with LeonardoClient("k") as client:
        assert client.base_url == DEFAULT_BASE_URL
    monkeypatch.setenv("LEODESK_API_URL", "http://127.0.0.1:9/api/rest/v1/")
    with LeonardoClient("k") as client:
        assert client.base_url == "http://127.0.0.1:9/api/rest/v1"
    with LeonardoClient("k", base_url="https://other.test/v1") as client:
        assert client.base_url == "https://other.test/v1"


@pytest.mark.parametrize("bad", ["", "   ", "abc\ndef", "abc\x00", "clé-1234"])
def test_bad_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        LeonardoClient(bad)
    if bad.strip():
        assert bad not in str(info.value)


def test_repr_never_shows_the_key(client: LeonardoClient) -> None:
    assert API_KEY not in repr(client)
    assert API_KEY not in str(client)
    assert "redacted" in repr(client)
    assert API_KEY not in repr(vars(client))


def test_headers_on_api_calls(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", ok({"user_details": [user_details_json()]}))
    script.on("POST", "/generations", ok({"sdGenerationJob": {"generationId": GEN_ID}}))
    client.get_me()
    client.create_generation(GenerationRequest(prompt="p"))
    get, post = script.requests
    assert str(get.url) == f"{BASE}/me"
    assert get.headers["authorization"] == f"Bearer {API_KEY}"
    assert get.headers["accept"] == "application/json"
    assert get.headers["user-agent"].startswith("leodesk/")
    assert "content-type" not in get.headers
    assert post.headers["content-type"] == "application/json"
    assert post.headers["authorization"] == f"Bearer {API_KEY}"


def test_context_manager_closes(make_client: MakeClient, script: Script) -> None:
    with make_client() as client:
        pass
    with pytest.raises(RuntimeError):
        client.get_me()


# ----------------------------------------------------------------------------- endpoints


def test_get_me(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", ok({"user_details": [user_details_json(apiPaidTokens=None)]}))
    me = client.get_me()
    assert me.user_id == USER_ID and me.api_credits == 3500


def test_get_me_without_details_is_a_protocol_error(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", ok({"user_details": []}))
    with pytest.raises(ProtocolError):
        client.get_me()


def test_model_and_element_listings(client: LeonardoClient, script: Script) -> None:
    script.on(
        "GET",
        "/platformModels",
        ok({"custom_models": [{"id": "m1", "name": "A"}, "odd", {"id": "m2"}]}),
    )
    script.on("GET", f"/models/user/{USER_ID}", ok({"custom_models": None}))
    script.on("GET", "/elements", ok({"loras": [{"akUUID": "ak", "weightDefault": 1}]}))
    script.on("GET", f"/elements/user/{USER_ID}", ok({"user_loras": [{"id": 5, "name": "x"}]}))
    assert [m.id for m in client.list_platform_models()] == ["m1", "m2"]
    assert client.list_user_models(USER_ID) == []
    assert client.list_elements()[0].weight_default == 1.0
    assert client.list_user_elements(USER_ID)[0].id == 5


def test_path_ids_are_escaped(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/generations/../me", ok({"generations_by_pk": None}))
    assert client.get_generation("../me") is None
    assert script.requests[0].url.raw_path.endswith(b"/generations/..%2Fme")


def test_create_generation(client: LeonardoClient, script: Script) -> None:
    script.on(
        "POST", "/generations", ok({"sdGenerationJob": {"generationId": GEN_ID, **job_cost()}})
    )
    req = GenerationRequest(
        prompt="p", seed=9_999_999_998, num_images=2, elements=(ElementRef("ak", 0.5),)
    )
    job = client.create_generation(req)
    assert job.generation_id == GEN_ID and job.api_credit_cost == 11
    assert job.cost is not None and job.cost.amount == "0.0147"
    assert script.sent() == {
        "prompt": "p",
        "seed": 9_999_999_998,
        "num_images": 2,
        "elements": [{"akUUID": "ak", "weight": 0.5}],
        "public": False,
    }
    assert b"9999999998" in script.requests[0].content


def test_create_generation_200_without_job_id_is_an_error(
    client: LeonardoClient, script: Script
) -> None:
    script.on("POST", "/generations", ok({"sdGenerationJob": None}))
    with pytest.raises(ProtocolError):
        client.create_generation(GenerationRequest(prompt="p"))
    script.on("POST", "/generations", ok({}))
    with pytest.raises(ProtocolError):
        client.create_generation(GenerationRequest(prompt="p"))
    assert script.count("POST", "/generations") == 2  # one each, never re-sent


def test_get_and_list_and_delete_generations(client: LeonardoClient, script: Script) -> None:
    script.on("GET", f"/generations/{GEN_ID}", ok({"generations_by_pk": generation_json()}))
    script.on(
        "GET",
        f"/generations/user/{USER_ID}",
        ok({"generations": [generation_json(), 5, generation_json(id="other")]}),
    )
    script.on("DELETE", f"/generations/{GEN_ID}", ok({"delete_generations_by_pk": {"id": GEN_ID}}))
    gen = client.get_generation(GEN_ID)
    assert gen is not None and gen.seed == 9_999_999_998
    assert [g.id for g in client.list_generations(USER_ID, offset=20, limit=5)] == [GEN_ID, "other"]
    assert script.requests[1].url.params == httpx.QueryParams({"offset": "20", "limit": "5"})
    assert client.delete_generation(GEN_ID) == GEN_ID
    script.on("DELETE", f"/generations/{GEN_ID}", ok({"delete_generations_by_pk": None}))
    assert client.delete_generation(GEN_ID) is None


def test_get_generation_null_is_none(client: LeonardoClient, script: Script) -> None:
    script.on("GET", f"/generations/{GEN_ID}", ok({"generations_by_pk": None}))
    assert client.get_generation(GEN_ID) is None


def test_variations(client: LeonardoClient, script: Script) -> None:
    script.on("POST", "/variations/upscale", ok({"sdUpscaleJob": {"id": "u1", **job_cost()}}))
    script.on("POST", "/variations/unzoom", ok({"sdUnzoomJob": {"id": "z1"}}))
    script.on("POST", "/variations/nobg", ok({"sdNobgJob": {"id": "n1"}}))
    script.on("POST", "/variations/universal-upscaler", ok({"universalUpscaler": {"id": "x1"}}))
    script.on(
        "GET",
        f"/variations/{VARIATION_ID}",
        ok(
            {
                "generated_image_variation_generic": [
                    {"id": VARIATION_ID, "status": "PENDING", "transformType": "NOBG", "url": None}
                ]
            }
        ),
    )
    assert client.upscale(IMAGE_ID).id == "u1"
    assert script.sent() == {"id": IMAGE_ID}
    assert client.unzoom(IMAGE_ID).id == "z1"
    assert script.sent() == {"id": IMAGE_ID, "isVariation": False}
    assert client.remove_background(VARIATION_ID, is_variation=True).id == "n1"
    assert script.sent() == {"id": VARIATION_ID, "isVariation": True}
    job = client.universal_upscale(
        UniversalUpscaleRequest(generated_image_id=IMAGE_ID, upscale_multiplier=1.5)
    )
    assert job.id == "x1"
    assert script.sent() == {"generatedImageId": IMAGE_ID, "upscaleMultiplier": 1.5}
    (variation,) = client.get_variation(VARIATION_ID)
    assert variation.status == "PENDING" and variation.transform_type == "NOBG"


def test_upscale_accepts_the_misspelled_key(client: LeonardoClient, script: Script) -> None:
    script.on("POST", "/variations/upscale", ok({"sdUpscalerjob": {"id": "u9"}}))
    assert client.upscale(IMAGE_ID).id == "u9"


def test_motion(client: LeonardoClient, script: Script) -> None:
    script.on(
        "POST", "/generations-motion-svd", ok({"motionSvdGenerationJob": {"generationId": "mv"}})
    )
    job = client.create_motion(MotionRequest(INIT_ID, is_init_image=True, motion_strength=5))
    assert job.generation_id == "mv"
    assert script.sent() == {
        "imageId": INIT_ID,
        "isInitImage": True,
        "motionStrength": 5,
        "isPublic": False,
    }


def test_prompts(client: LeonardoClient, script: Script) -> None:
    script.on("POST", "/prompt/random", ok({"promptGeneration": {"prompt": "a fox", **job_cost()}}))
    script.on("POST", "/prompt/improve", ok({"promptGeneration": {"prompt": "a fox, cinematic"}}))
    assert client.random_prompt().prompt == "a fox"
    assert script.requests[0].content == b""
    assert "content-type" not in script.requests[0].headers
    assert client.improve_prompt("a fox", "cinematic").prompt == "a fox, cinematic"
    assert script.sent() == {"prompt": "a fox", "promptInstructions": "cinematic"}
    script.on("POST", "/prompt/random", ok({"promptGeneration": {"apiCreditCost": 4}}))
    with pytest.raises(ProtocolError):
        client.random_prompt()


def test_price(client: LeonardoClient, script: Script) -> None:
    script.on(
        "POST", "/pricing-calculator", ok({"calculateProductionApiServiceCost": {"cost": 24}})
    )
    pricing = client.pricing_for_generation(GenerationRequest(prompt="p", num_images=2))
    assert client.price(pricing) == 24
    sent = script.sent()
    assert sent["service"] == "IMAGE_GENERATION"
    assert sent["serviceParams"]["IMAGE_GENERATION"]["numImages"] == 2
    script.on("POST", "/pricing-calculator", ok({"calculateProductionApiServiceCost": None}))
    with pytest.raises(ProtocolError):
        client.price(PricingRequest("UNIVERSAL_UPSCALER", {"megapixel": 2}))


def test_init_image_get_and_delete(client: LeonardoClient, script: Script) -> None:
    script.on(
        "GET",
        f"/init-image/{INIT_ID}",
        ok(
            {
                "init_images_by_pk": {
                    "id": INIT_ID,
                    "url": "https://cdn.test/i.png",
                    "createdAt": "x",
                }
            }
        ),
    )
    script.on("DELETE", f"/init-image/{INIT_ID}", ok({"delete_init_images_by_pk": {"id": INIT_ID}}))
    image = client.get_init_image(INIT_ID)
    assert image is not None and image.url == "https://cdn.test/i.png"
    assert client.delete_init_image(INIT_ID) == INIT_ID
    script.on("GET", f"/init-image/{INIT_ID}", ok({"init_images_by_pk": None}))
    assert client.get_init_image(INIT_ID) is None


# ----------------------------------------------------------------------------- errors


def test_error_classes_from_replies(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", err(401, {"error": "Authentication hook unauthorized this request"}))
    with pytest.raises(AuthenticationError):
        client.get_me()
    script.on(
        "POST",
        "/generations",
        err(400, {"error": "content moderation filter: nsfwword", "code": "unexpected"}),
    )
    with pytest.raises(ModerationError):
        client.create_generation(GenerationRequest(prompt="nsfwword"))
    assert script.count("POST", "/generations") == 1  # never retried
    script.on("POST", "/generations", err(400, {"error": "Too many images"}))
    with pytest.raises(ValidationError, match="Too many images"):
        client.create_generation(GenerationRequest(prompt="p", num_images=8))
    script.on("GET", "/variations/nope", err(404, {"error": "not found"}))
    with pytest.raises(NotFoundError):
        client.get_variation("nope")


def test_server_text_echoing_the_key_is_scrubbed(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/me", err(403, {"error": f"API key {API_KEY} is not authorized"}))
    with pytest.raises(AuthenticationError) as info:
        client.get_me()
    for text in (str(info.value), repr(info.value), info.value.user_message):
        assert API_KEY not in text
    assert API_KEY not in (info.value.server_message or "")


def test_logging_has_method_path_status_and_never_the_key(
    client: LeonardoClient, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    script.on("GET", "/me", err(503, text="busy"), ok({"user_details": [user_details_json()]}))
    script.on("POST", "/init-image", ok(presign_json()))
    script.on("POST", "/bucket-test", httpx.Response(204))
    with caplog.at_level(logging.DEBUG):
        client.get_me()
        client.upload_init_image(b"\x89PNG...", "png")
    api_records = [r for r in caplog.records if r.name == "leodesk.api"]
    messages = [r.getMessage() for r in api_records]
    assert any(m.startswith("GET /me -> 503") for m in messages)
    assert any(m.startswith("GET /me -> 200") for m in messages)
    assert any(m.startswith("POST https://s3.test/bucket-test -> 204") for m in messages)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert API_KEY not in text
        assert "Bearer" not in text
        assert "X-Amz-Signature" not in text


# ----------------------------------------------------------------------------- S3 upload


def test_upload_init_image_shape(client: LeonardoClient, script: Script) -> None:
    script.on("POST", "/init-image", ok(presign_json()))
    script.on("POST", "/bucket-test", httpx.Response(204))
    data = b"\x89PNG\r\n\x1a\n fake image bytes"
    assert client.upload_init_image(data, ".PNG") == INIT_ID
    presign, upload = script.requests
    assert json.loads(presign.content) == {"extension": "png"}
    assert presign.headers["authorization"] == f"Bearer {API_KEY}"
    assert str(upload.url) == "https://s3.test/bucket-test"
    assert "authorization" not in upload.headers
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = multipart_parts(upload)
    names = [name for name, _ in parts]
    fields = json.loads(presign_json()["uploadInitImage"]["fields"])
    assert names == [*fields, "file"]  # every field first, in order, then the file last
    assert dict(parts[:-1]) == {k: v.encode() for k, v in fields.items()}
    assert parts[-1][1] == data
    assert b'filename="init.png"' in upload.content
    assert b"Content-Type: image/png" in upload.content


def test_upload_retries_with_a_new_presign_once_when_it_expired(
    client: LeonardoClient, script: Script
) -> None:
    expired = httpx.Response(
        403,
        text="<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: "
        "Policy expired.</Message></Error>",
    )
    second = presign_json(id="second-id")
    script.on("POST", "/init-image", ok(presign_json()), ok(second))
    script.on("POST", "/bucket-test", expired, httpx.Response(204))
    assert client.upload_init_image(b"img", "jpg") == "second-id"
    assert script.count("POST", "/init-image") == 2
    assert len(script.requests) == 4


def test_upload_gives_up_after_a_second_expired_presign(
    client: LeonardoClient, script: Script
) -> None:
    expired = httpx.Response(403, text="<Error><Message>Request has expired</Message></Error>")
    script.on("POST", "/init-image", ok(presign_json()))
    script.on("POST", "/bucket-test", expired)
    with pytest.raises(UploadError):
        client.upload_init_image(b"img", "png")
    assert script.count("POST", "/init-image") == 2


def test_upload_other_403_is_not_retried(client: LeonardoClient, script: Script) -> None:
    denied = httpx.Response(
        403, text="<Error><Code>SignatureDoesNotMatch</Code><Message>bad sig</Message></Error>"
    )
    script.on("POST", "/init-image", ok(presign_json()))
    script.on("POST", "/bucket-test", denied)
    with pytest.raises(UploadError) as info:
        client.upload_init_image(b"img", "png")
    assert info.value.code == "SignatureDoesNotMatch" and info.value.server_message == "bad sig"
    assert len(script.requests) == 2


def test_upload_retries_transient_s3_failures(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("POST", "/init-image", ok(presign_json()))
    script.on("POST", "/bucket-test", httpx.ReadTimeout, httpx.Response(503), httpx.Response(204))
    assert client.upload_init_image(b"img", "webp") == INIT_ID
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    "presign",
    [
        presign_json(fields="not json"),
        presign_json(url=None),
        presign_json(id=None),
        presign_json(url="ftp://s3.test/x"),
        {"uploadInitImage": None},
    ],
)
def test_unusable_presign_is_a_protocol_error(
    client: LeonardoClient, script: Script, presign: dict[str, object]
) -> None:
    script.on("POST", "/init-image", ok(presign))
    with pytest.raises(ProtocolError):
        client.upload_init_image(b"img", "png")
    assert len(script.requests) == 1


def test_upload_checks_its_arguments_before_sending(client: LeonardoClient, script: Script) -> None:
    with pytest.raises(ValueError):
        client.upload_init_image(b"img", "gif")
    with pytest.raises(ValueError):
        client.upload_init_image(b"", "png")
    assert script.requests == []


# ----------------------------------------------------------------------------- downloads


CDN = "https://cdn.test/users/u/generations/g/img_0.jpg"


def test_download(client: LeonardoClient, script: Script) -> None:
    script.on("GET", "/users/u/generations/g/img_0.jpg", httpx.Response(200, content=b"JPEGDATA"))
    assert client.download(CDN) == b"JPEGDATA"
    assert "authorization" not in script.requests[0].headers


def test_download_retries_a_cut_body(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    cut = httpx.Response(200, content=b"JPEG", headers={"content-length": "8"})
    whole = httpx.Response(200, content=b"JPEGDATA")
    script.on("GET", "/users/u/generations/g/img_0.jpg", cut, httpx.RemoteProtocolError, whole)
    assert client.download(CDN) == b"JPEGDATA"
    assert len(script.requests) == 3 and clock.sleeps == [0.5, 1.0]


def test_download_keeps_failing_cut_body_is_a_network_error(
    make_client: MakeClient, script: Script
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=2, jitter=0))
    cut = httpx.Response(200, content=b"JPEG", headers={"content-length": "8"})
    script.on("GET", "/users/u/generations/g/img_0.jpg", cut)
    with pytest.raises(NetworkError):
        client.download(CDN)
    assert len(script.requests) == 2


def test_download_errors(client: LeonardoClient, script: Script) -> None:
    path = "/users/u/generations/g/img_0.jpg"
    script.on("GET", path, httpx.Response(404))
    with pytest.raises(NotFoundError):
        client.download(CDN)
    script.on("GET", path, httpx.Response(200, content=b"x" * 100))
    with pytest.raises(ProtocolError):
        client.download(CDN, max_bytes=10)
    script.on("GET", path, httpx.Response(403, text="<Error>denied</Error>"))
    with pytest.raises(LeonardoError):
        client.download(CDN)
    with pytest.raises(ValueError):
        client.download("file:///etc/passwd")


def test_download_retries_5xx_then_gives_up(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    script.on("GET", "/users/u/generations/g/img_0.jpg", httpx.Response(503))
    with pytest.raises(ServerError):
        client.download(CDN)
    assert len(script.requests) == 5
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize("bad", ["ftp://x/api", "cloud.leonardo.ai/api/rest/v1", "http://"])
def test_bad_base_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        LeonardoClient("k", base_url=bad)


def test_decoding_errors_are_retried_like_cut_bodies(
    client: LeonardoClient, script: Script, clock: FakeClock
) -> None:
    def bad_gzip(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=httpx.ByteStream(b"not gzip"), headers={"content-encoding": "gzip"}
        )

    script.on("GET", "/me", bad_gzip, ok({"user_details": [user_details_json()]}))
    assert client.get_me().username == "artist"
    assert clock.sleeps == [0.5]
