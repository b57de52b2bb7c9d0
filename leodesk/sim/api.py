"""Routing of the simulated REST API, the CDN and the S3 endpoint to :class:`SimState`.

Everything here is transport-independent: :meth:`SimApi.handle` takes the parts of a request
and returns a :class:`Response`; :mod:`leodesk.sim.server` does the HTTP.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .rules import (
    MSG_NOT_FOUND,
    MSG_UNAUTHORIZED,
    ApiError,
    check_request,
    require_int,
    require_uuid,
)
from .state import S3_BUCKET, SimState

API_PREFIX = "/api/rest/v1"
CDN_PREFIX = "/cdn/"
S3_PREFIX = "/s3/"


@dataclass
class Response:
    """A response before it is written: status, headers, body bytes."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    op_id: str | None = None
    form_fields: list[str] | None = None

    @classmethod
    def of_json(cls, status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
        """A JSON response."""
        h = {"Content-Type": "application/json; charset=utf-8"}
        h.update(headers or {})
        body = json.dumps(data, separators=(",", ":")).encode("utf-8")
        return cls(status, body, h, json=data)

    @classmethod
    def of_error(cls, err: ApiError) -> Response:
        """The Hasura-shaped error response of ``err``."""
        return cls.of_json(err.status, err.body(), err.headers)


Handler = Callable[[dict[str, str], dict[str, str], Any], Any]
# a handler before it is bound to the state: (state, path params, query, parsed body)
StateHandler = Callable[[SimState, dict[str, str], dict[str, str], Any], Any]


@dataclass(frozen=True)
class Route:
    """One API operation: method, path template, spec operationId, handler."""

    method: str
    template: str
    op_id: str
    handler: Handler
    regex: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


def _create_generation(s: SimState, p: dict[str, str], q: dict[str, str], b: Any) -> Any:
    # ``styleUUID`` is not in the v1 spec, but the API docs use it for the styles of Phoenix and
    # Flux ("commonly used API values"): taken as the service does (a uuid), the rest checked
    # against the spec.
    if isinstance(b, dict) and "styleUUID" in b:
        style = b["styleUUID"]
        if style is not None:
            require_uuid(style if isinstance(style, str) else json.dumps(style))
        b = {k: v for k, v in b.items() if k != "styleUUID"}
    return s.create_generation(check_request("createGeneration", b))


def _list_generations(s: SimState, p: dict[str, str], q: dict[str, str], b: Any) -> Any:
    user_id = require_uuid(p["userId"])
    offset = _int_param(q, "offset", 0)
    limit = _int_param(q, "limit", 10)
    if offset < 0:
        raise ApiError(400, "OFFSET must not be negative", "data-exception")
    if limit < 0:
        raise ApiError(400, "LIMIT must not be negative", "data-exception")
    return s.list_generations(user_id, offset, limit)


def _lcm(op_id: str, s: SimState, p: dict[str, str], q: dict[str, str], b: Any) -> Any:
    return s.lcm(op_id, check_request(op_id, b))


def _body(op_id: str, method: str) -> StateHandler:
    """A POST handler: the checked body to ``state.<method>``."""
    return lambda s, p, q, b: getattr(s, method)(check_request(op_id, b))


def _by_uuid(method: str) -> StateHandler:
    """A handler of ``/<things>/{id}``: the uuid to ``state.<method>``."""
    return lambda s, p, q, b: getattr(s, method)(require_uuid(p["id"]))


def _dataset_body(op_id: str, method: str) -> StateHandler:
    """A POST under ``/datasets/{datasetId}``: the id and the checked body."""
    return lambda s, p, q, b: getattr(s, method)(p["datasetId"], check_request(op_id, b))


# One row per API operation: method, path template, spec operationId, handler of the state.
ROUTE_TABLE: tuple[tuple[str, str, str, StateHandler], ...] = (
    ("GET", "/me", "getUserSelf", lambda s, p, q, b: s.me()),
    ("GET", "/platformModels", "listPlatformModels", lambda s, p, q, b: s.platform_models()),
    (
        "GET",
        "/models/user/{userId}",
        "getCustomModelsByUserId",
        lambda s, p, q, b: s.user_models(require_uuid(p["userId"])),
    ),
    (
        "GET",
        "/models/{id}",
        "getModelById",
        lambda s, p, q, b: s.model_by_id(require_uuid(p["id"])),
    ),
    ("GET", "/elements", "listElements", lambda s, p, q, b: s.elements()),
    (
        "GET",
        "/elements/user/{userId}",
        "getCustomElementsByUserId",
        lambda s, p, q, b: s.user_elements(require_uuid(p["userId"])),
    ),
    (
        "GET",
        "/elements/{id}",
        "getElementById",
        lambda s, p, q, b: s.user_element_by_id(require_int(p["id"])),
    ),
    (
        "DELETE",
        "/elements/{id}",
        "deleteElementById",
        lambda s, p, q, b: s.delete_user_element(require_int(p["id"])),
    ),
    ("POST", "/generations", "createGeneration", _create_generation),
    (
        "GET",
        "/generations/user/{userId}",
        "getGenerationsByUserId",
        _list_generations,
    ),
    (
        "GET",
        "/generations/{id}",
        "getGenerationById",
        lambda s, p, q, b: s.get_generation(require_uuid(p["id"])),
    ),
    (
        "DELETE",
        "/generations/{id}",
        "deleteGenerationById",
        lambda s, p, q, b: s.delete_generation(require_uuid(p["id"])),
    ),
    (
        "POST",
        "/init-image",
        "uploadInitImage",
        lambda s, p, q, b: s.create_init_image(check_request("uploadInitImage", b)),
    ),
    (
        "POST",
        "/canvas-init-image",
        "uploadCanvasInitImage",
        lambda s, p, q, b: s.create_canvas_init_image(check_request("uploadCanvasInitImage", b)),
    ),
    (
        "GET",
        "/init-image/{id}",
        "getInitImageById",
        lambda s, p, q, b: s.get_init_image(require_uuid(p["id"])),
    ),
    (
        "DELETE",
        "/init-image/{id}",
        "deleteInitImageById",
        lambda s, p, q, b: s.delete_init_image(require_uuid(p["id"])),
    ),
    (
        "POST",
        "/variations/upscale",
        "createVariationUpscale",
        lambda s, p, q, b: s.create_variation(
            "upscale", check_request("createVariationUpscale", b)
        ),
    ),
    (
        "POST",
        "/variations/unzoom",
        "createVariationUnzoom",
        lambda s, p, q, b: s.create_variation("unzoom", check_request("createVariationUnzoom", b)),
    ),
    (
        "POST",
        "/variations/nobg",
        "createVariationNoBG",
        lambda s, p, q, b: s.create_variation("nobg", check_request("createVariationNoBG", b)),
    ),
    (
        "POST",
        "/variations/universal-upscaler",
        "CreateUniversalUpscalerJob",
        lambda s, p, q, b: s.create_universal_upscale(
            check_request("CreateUniversalUpscalerJob", b)
        ),
    ),
    (
        "GET",
        "/variations/{id}",
        "getVariationById",
        lambda s, p, q, b: s.get_variation(require_uuid(p["id"])),
    ),
    (
        "POST",
        "/generations-motion-svd",
        "createSVDMotionGeneration",
        lambda s, p, q, b: s.create_motion(check_request("createSVDMotionGeneration", b)),
    ),
    (
        "POST",
        "/generations-image-to-video",
        "createImageToVideoGeneration",
        lambda s, p, q, b: s.create_image_to_video(
            check_request("createImageToVideoGeneration", b)
        ),
    ),
    (
        "POST",
        "/generations-text-to-video",
        "createTextToVideoGeneration",
        lambda s, p, q, b: s.create_text_to_video(check_request("createTextToVideoGeneration", b)),
    ),
    *(
        ("POST", path, op_id, functools.partial(_lcm, op_id))
        for path, op_id in (
            ("/generations-lcm", "createLCMGeneration"),
            ("/lcm-instant-refine", "performInstantRefine"),
            ("/lcm-inpainting", "performInpaintingLCM"),
            ("/lcm-upscale", "performAlchemyUpscaleLCM"),
        )
    ),
    (
        "POST",
        "/prompt/random",
        "promptRandom",
        lambda s, p, q, b: (check_request("promptRandom", b), s.prompt_random())[1],
    ),
    (
        "POST",
        "/prompt/improve",
        "promptImprove",
        lambda s, p, q, b: s.prompt_improve(check_request("promptImprove", b)),
    ),
    ("POST", "/media", "uploadMedia", _body("uploadMedia", "upload_media")),
    ("GET", "/media/{id}", "getUploadedMediaById", _by_uuid("get_media")),
    ("DELETE", "/media/{id}", "deleteUploadedMediaById", _by_uuid("delete_media")),
    ("GET", "/motion-variations/{id}", "getMotionVariationById", _by_uuid("motion_variations")),
    ("POST", "/datasets", "createDataset", _body("createDataset", "create_dataset")),
    ("GET", "/datasets/{id}", "getDatasetById", _by_uuid("get_dataset")),
    ("DELETE", "/datasets/{id}", "deleteDatasetById", _by_uuid("delete_dataset")),
    (
        "POST",
        "/datasets/{datasetId}/upload",
        "uploadDatasetImage",
        _dataset_body("uploadDatasetImage", "upload_dataset_image"),
    ),
    (
        "POST",
        "/datasets/{datasetId}/upload/gen",
        "uploadDatasetImageFromGen",
        _dataset_body("uploadDatasetImageFromGen", "upload_dataset_image_from_gen"),
    ),
    ("POST", "/models", "createModel", _body("createModel", "create_model")),
    ("DELETE", "/models/{id}", "deleteModelById", _by_uuid("delete_model")),
    ("POST", "/elements", "createElement", _body("createElement", "create_element")),
    (
        "POST",
        "/pricing-calculator",
        "pricingCalculator",
        lambda s, p, q, b: s.pricing_calculator(check_request("pricingCalculator", b)),
    ),
    ("GET", "/blueprints", "listBlueprints", lambda s, p, q, b: s.list_blueprints(b)),
    ("GET", "/blueprints/{id}", "getBlueprintById", lambda s, p, q, b: s.get_blueprint(p["id"])),
    (
        "GET",
        "/blueprints/{id}/versions",
        "getBlueprintVersionsByBlueprintId",
        lambda s, p, q, b: s.blueprint_versions(p["id"]),
    ),
    (
        "POST",
        "/blueprint-executions",
        "executeBlueprint",
        lambda s, p, q, b: s.execute_blueprint(b),
    ),
    (
        "GET",
        "/blueprint-executions/{id}",
        "getBlueprintExecution",
        lambda s, p, q, b: s.get_blueprint_execution(p["id"]),
    ),
    (
        "GET",
        "/blueprint-executions/{id}/generations",
        "getBlueprintExecutionGenerations",
        lambda s, p, q, b: s.blueprint_execution_generations(p["id"], q),
    ),
)


class SimApi:
    """Dispatches API, CDN and S3 requests to the state."""

    def __init__(self, state: SimState, api_key: str) -> None:
        self.state = state
        self.api_key = api_key
        routes = [
            Route(m, t, o, functools.partial(h, state), _compile(t)) for m, t, o, h in ROUTE_TABLE
        ]
        # Literal paths win over templated ones (``/variations/upscale`` vs ``/variations/{id}``).
        self.routes = sorted(routes, key=lambda r: r.template.count("{"))

    # ------------------------------------------------------------------ dispatch

    def match(self, method: str, rel_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and path parameters for an API path, or None."""
        for route in self.routes:
            if route.method != method:
                continue
            m = route.regex.match(rel_path)
            if m:
                return route, m.groupdict()
        return None

    def handle_api(
        self,
        method: str,
        rel_path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> Response:
        """An API request (path relative to ``/api/rest/v1``)."""
        try:
            auth = headers.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or token.strip() != self.api_key:
                raise ApiError(401, MSG_UNAUTHORIZED, "access-denied")
            found = self.match(method, rel_path)
            if found is None:
                raise ApiError(404, MSG_NOT_FOUND, "not-found")
            route, params = found
            if method == "POST":
                self.state.check_rate_limit(rel_path)
            # GET /blueprints takes its filters in a JSON body.
            parsed = _parse_json_body(body) if method != "DELETE" else None
            result = route.handler(params, query, parsed)
            resp = Response.of_json(200, result)
            resp.op_id = route.op_id
            return resp
        except ApiError as err:
            return Response.of_error(err)

    def handle_cdn(self, method: str, path: str) -> Response:
        """A CDN request (``/cdn/...``): images, videos, previews; no auth."""
        if method not in ("GET", "HEAD"):
            return _xml(405, "MethodNotAllowed", "The specified method is not allowed.")
        found = self.state.cdn_get(path)
        if found is None:
            return _xml(403, "AccessDenied", "Access Denied")
        data, content_type = found
        return Response(
            200,
            data,
            {
                "Content-Type": content_type,
                "ETag": '"' + hashlib.md5(data).hexdigest() + '"',
                "Cache-Control": "public, max-age=31536000, immutable",
                "Accept-Ranges": "none",
            },
        )

    def handle_s3(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        """The presigned S3 POST endpoint (``/s3/<bucket>``)."""
        if path.rstrip("/") != f"{S3_PREFIX}{S3_BUCKET}" or method != "POST":
            return _xml(405 if method != "POST" else 404, "NoSuchBucket", "Not supported here")
        status, xml, extra, fields = self.state.s3_post(headers, body)
        return Response(status, xml, dict(extra), form_fields=fields)


def _xml(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    return Response(status, body, {"Content-Type": "application/xml"})


def _int_param(q: Mapping[str, str], key: str, default: int) -> int:
    raw = q.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(
            400, "Expected an integer for type Int but found a string", "validation-failed"
        ) from None


def _parse_json_body(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "Error in $: Failed reading: not a valid json value", "invalid-json"
        ) from None
