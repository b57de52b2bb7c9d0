"""Shared helpers and sample payloads for the API client tests (not a test module)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from leodesk.core.api import ControlNetRef, ElementRef, GenerationRequest, UserElementRef

API_KEY = "sk-test-0f1e2d3c-secret-key"
BASE = "https://api.test/api/rest/v1"
USER_ID = "0b6a3c9e-1234-4abc-8def-0123456789ab"
GEN_ID = "8c1f0e2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
IMAGE_ID = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
VARIATION_ID = "9f8e7d6c-5b4a-4c2d-8e0f-a1b2c3d4e5f6"
INIT_ID = "4d3c2b1a-0f9e-4d7c-8b5a-493827160544"
START = 1_750_000_000.0


class FakeClock:
    """``time()`` and ``sleep()`` for the client: sleeping advances time instantly."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reply = httpx.Response | type[Exception] | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """A MockTransport handler answering from per-(method, path) queues and recording requests.

    ``path`` is relative to ``/api/rest/v1`` for API calls and the full URL path otherwise. The
    last reply of a queue is repeated when the queue runs out.
    """

    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *replies: Reply) -> Script:
        self.routes[(method.upper(), path)] = list(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        prefix = "/api/rest/v1"
        if request.url.host == "api.test" and path.startswith(prefix):
            path = path[len(prefix) :]
        queue = self.routes.get((request.method, path))
        if not queue:
            return httpx.Response(599, json={"error": f"no route {request.method} {path}"})
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, type) and issubclass(reply, Exception):
            if issubclass(reply, httpx.RequestError):
                raise reply("scripted failure", request=request)
            raise reply("scripted failure")
        if isinstance(reply, Exception):
            raise reply
        handler = cast(Callable[[httpx.Request], httpx.Response], reply)
        return handler(request)

    def count(self, method: str, path: str) -> int:
        return sum(
            1
            for r in self.requests
            if r.method == method and r.url.path.endswith(path) and r.url.host == "api.test"
        )

    def sent(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def ok(data: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=data, headers=headers)


def err(
    status: int, data: Any = None, *, text: str | None = None, **headers: str
) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=data, headers=headers)


# ------------------------------------------------------------------------------ sample payloads


def generation_json(**overrides: Any) -> dict[str, Any]:
    """A complete ``generations_by_pk`` object as the spec describes it."""
    data: dict[str, Any] = {
        "id": GEN_ID,
        "createdAt": "2025-06-15T15:06:40.123",
        "status": "COMPLETE",
        "prompt": "a lighthouse at dusk",
        "negativePrompt": "blurry",
        "modelId": "b24e16ff-06e3-43eb-8d33-4416c2d75876",
        "imageWidth": 1024,
        "imageHeight": 768,
        "inferenceSteps": 30,
        "guidanceScale": 7,
        "initStrength": None,
        "seed": 9999999998,
        "scheduler": "EULER_DISCRETE",
        "sdVersion": "SDXL_1_0",
        "presetStyle": "DYNAMIC",
        "public": False,
        "photoReal": False,
        "photoRealStrength": None,
        "promptMagic": False,
        "promptMagicStrength": None,
        "promptMagicVersion": None,
        "ultra": None,
        "generation_elements": [
            {
                "id": 77,
                "lora": {
                    "akUUID": "aaaa1111-2222-4333-8444-555566667777",
                    "name": "Crystal",
                    "description": "glassy",
                    "urlImage": "https://cdn.test/crystal.jpg",
                    "baseModel": "SDXL_1_0",
                    "weightDefault": 1,
                    "weightMin": -1,
                    "weightMax": 2,
                },
                "weightApplied": 0.8,
            }
        ],
        "generated_images": [
            {
                "id": IMAGE_ID,
                "url": "https://cdn.test/users/u/generations/g/img_0.jpg",
                "nsfw": False,
                "likeCount": 0,
                "motion": None,
                "motionModel": None,
                "motionStrength": None,
                "motionMP4URL": None,
                "imageToVideo": None,
                "fantasyAvatar": None,
                "generated_image_variation_generics": [
                    {
                        "id": VARIATION_ID,
                        "status": "COMPLETE",
                        "transformType": "UPSCALE",
                        "url": "https://cdn.test/up.jpg",
                    }
                ],
            }
        ],
    }
    data.update(overrides)
    return data


def user_details_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": {"id": USER_ID, "username": "artist"},
        "tokenRenewalDate": None,
        "paidTokens": 0,
        "subscriptionTokens": 150,
        "subscriptionGptTokens": 0,
        "subscriptionModelTokens": 0,
        "apiConcurrencySlots": 10,
        "apiPaidTokens": 250,
        "apiSubscriptionTokens": 3500,
        "apiPlanTokenRenewalDate": "2025-07-01T00:00:00",
    }
    data.update(overrides)
    return data


def presign_json(**overrides: Any) -> dict[str, Any]:
    fields = {
        "Content-Type": "image/png",
        "bucket": "bucket-test",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": "AKIA/20250615/us-east-1/s3/aws4_request",
        "X-Amz-Date": "20250615T150640Z",
        "key": f"users/{USER_ID}/initImages/{INIT_ID}.png",
        "Policy": "eyJleHBpcmF0aW9uIjoi...",
        "X-Amz-Signature": "abcdef0123456789",
    }
    data: dict[str, Any] = {
        "id": INIT_ID,
        "url": "https://s3.test/bucket-test",
        "key": fields["key"],
        "fields": json.dumps(fields),
    }
    data.update(overrides)
    return {"uploadInitImage": data}


def job_cost() -> dict[str, Any]:
    return {"apiCreditCost": 11, "cost": {"amount": "0.0147", "unit": "DOLLARS"}}


def multipart_parts(request: httpx.Request) -> list[tuple[str, bytes]]:
    """The (name, value) parts of a multipart/form-data request body, in order."""
    content_type = request.headers["content-type"]
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    parts: list[tuple[str, bytes]] = []
    for chunk in request.content.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, value = chunk.partition(b"\r\n\r\n")
        match = re.search(rb'name="([^"]+)"', head)
        assert match is not None
        parts.append((match.group(1).decode(), value[:-2]))  # strip the trailing CRLF
    return parts


def full_request(**overrides: Any) -> GenerationRequest:
    values: dict[str, Any] = {
        "prompt": "a lighthouse at dusk",
        "negative_prompt": "blurry",
        "model_id": "b24e16ff-06e3-43eb-8d33-4416c2d75876",
        "sd_version": "SDXL_1_0",
        "width": 1024,
        "height": 768,
        "num_images": 2,
        "guidance_scale": 7.5,
        "num_inference_steps": 30,
        "seed": 9_999_999_998,
        "scheduler": "EULER_DISCRETE",
        "preset_style": "DYNAMIC",
        "alchemy": False,
        "contrast_ratio": 0.5,
        "contrast": 3.5,
        "expanded_domain": True,
        "high_resolution": True,
        "fantasy_avatar": False,
        "high_contrast": False,
        "photo_real": True,
        "photo_real_version": "v2",
        "photo_real_strength": 0.45,
        "prompt_magic": True,
        "prompt_magic_strength": 0.5,
        "prompt_magic_version": "v3",
        "init_image_id": "4d3c2b1a-0f9e-4d7c-8b5a-493827160544",
        "init_generation_image_id": "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        "init_strength": 0.4,
        "image_prompts": ("img-1", "img-2"),
        "image_prompt_weight": 0.3,
        "controlnets": (
            ControlNetRef("init-1", "UPLOADED", 67, weight=0.9, strength_type="High"),
            ControlNetRef("gen-1", "GENERATED", 133),
        ),
        "elements": (ElementRef("ak-1", 0.8), ElementRef("ak-2")),
        "user_elements": (UserElementRef(12, 1.0),),
        "tiling": True,
        "transparency": "foreground_only",
        "ultra": False,
        "unzoom": True,
        "unzoom_amount": 0.2,
        "upscale_ratio": 1.5,
        "enhance_prompt": True,
        "enhance_prompt_instruction": "more moody",
        "canvas_request": True,
        "canvas_request_type": "INPAINT",
        "canvas_init_id": "canvas-init",
        "canvas_mask_id": "canvas-mask",
    }
    values.update(overrides)
    return GenerationRequest(**values)
