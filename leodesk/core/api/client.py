"""``LeonardoClient``: a synchronous, Qt-free client for the Leonardo.Ai Production API (v1).

Built on httpx. Each method maps to one operation of the spec (see NOTES.md). The client is
careful about three things:

* **Money.** A billed submit (generation, variation, motion) is never sent twice. If it may have
  been accepted but no usable reply arrived (read timeout, dropped connection after sending, 5xx,
  cut body), :class:`~leodesk.core.api.errors.OutcomeUnknownError` is raised and the caller can
  use :meth:`LeonardoClient.reconcile_generation`. A 429 means "not accepted" and is retried after
  ``Retry-After``; so is a connect failure (nothing was sent).
* **Resilience.** Idempotent requests (GET, DELETE) and non-billed POSTs that are safe to repeat
  (pricing, init-image presign) are retried with backoff on connection errors, timeouts, cut or
  invalid bodies, 429 and 500/502/503/504.
* **Secrets.** The API key is sent only to the API host, never to S3 or the CDN, and never appears
  in logs, exception messages or reprs.

Every method may raise a :class:`~leodesk.core.api.errors.LeonardoError` subclass; methods that
take request objects may raise ``TypeError``/``ValueError`` for programming errors.
"""

from __future__ import annotations

import copy
import enum
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from leodesk import __version__

from .errors import (
    LeonardoError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    UploadError,
    WaitCancelledError,
    WaitTimeoutError,
    classify_error,
)
from .models import (
    CustomModel,
    Element,
    Generation,
    GenerationJob,
    GenerationRequest,
    InitImage,
    ModelTraits,
    MotionRequest,
    PlatformModel,
    PricingRequest,
    PromptResult,
    UniversalUpscaleRequest,
    UserElement,
    UserInfo,
    Variation,
    VariationJob,
)
from .parse import (
    as_int,
    parse_custom_model,
    parse_element,
    parse_generation,
    parse_generation_job,
    parse_init_image,
    parse_init_image_upload,
    parse_list,
    parse_platform_model,
    parse_prompt_result,
    parse_user_element,
    parse_user_info,
    parse_variation,
    parse_variation_job,
    top_level,
)
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from .serialize import (
    generation_body,
    improve_prompt_body,
    init_image_body,
    motion_body,
    pricing_body,
    pricing_for_generation,
    universal_upscale_body,
    variation_body,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "ENV_BASE_URL",
    "LeonardoClient",
    "RequestKind",
    "Timeouts",
]

DEFAULT_BASE_URL: Final = "https://cloud.leonardo.ai/api/rest/v1"
ENV_BASE_URL: Final = "LEODESK_API_URL"
DEFAULT_MAX_DOWNLOAD_BYTES: Final = 200 * 1024 * 1024

log = logging.getLogger("leodesk.api")

# Exceptions raised before any byte of the request left the machine: always safe to retry.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_CANCEL_SLICE: Final = 0.2
_POLL_FAILED: Final = object()  # a poll that failed transiently (not "missing")

_T = TypeVar("_T")


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``read`` applies to API calls and downloads (per read), ``upload`` to S3 uploads."""

    connect: float = 10.0
    read: float = 30.0
    upload: float = 120.0


class RequestKind(enum.Enum):
    """How a request may be retried."""

    #: GET/DELETE: retry every transient failure.
    IDEMPOTENT = "idempotent"
    #: A POST that bills nothing and may be re-sent (pricing, presign): like IDEMPOTENT.
    SAFE_POST = "safe_post"
    #: A cheap billed POST without a job (prompt helpers): retry only 429 and connect failures.
    UNSAFE_POST = "unsafe_post"
    #: A billed job submit: like UNSAFE_POST, and a lost reply raises OutcomeUnknownError.
    BILLED_POST = "billed_post"


DEFAULT_TIMEOUTS: Final = Timeouts()
DEFAULT_RETRY: Final = RetryPolicy()

_REPEATABLE: Final = frozenset({RequestKind.IDEMPOTENT, RequestKind.SAFE_POST})


class _Secret:
    """Holds the API key; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


_IMAGE_TYPES: Final = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}


@dataclass(frozen=True)
class _Presign:
    """A checked presigned POST (never logged: ``fields`` holds the signed policy)."""

    id: str
    url: str
    fields: dict[str, str] = field(repr=False)


class _PresignExpired(Exception):
    """S3 refused the upload because the presigned POST expired."""


def _network_message(exc: httpx.RequestError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "Leonardo did not answer in time. Check the network connection."
    return NetworkError.default_message


def _timeout(timeouts: Timeouts, *, read: float, write: float) -> httpx.Timeout:
    """Connecting and waiting for a pooled connection both get ``timeouts.connect``."""
    return httpx.Timeout(connect=timeouts.connect, read=read, write=write, pool=timeouts.connect)


def _path_id(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _safe_url(url: str) -> str:
    """Scheme, host and path only: presigned and signed URLs carry credentials in the query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


_XML_TAG = re.compile(r"<(Code|Message)>(.*?)</\1>", re.DOTALL)


class LeonardoClient:
    """A client for the Leonardo.Ai Production API. Use it as a context manager or call close().

    ``sleep`` and ``clock`` (Unix seconds) are injectable so tests never wait. ``transport`` is
    used for API calls and for the S3/CDN requests alike (tests pass an ``httpx.MockTransport``).
    The client is safe to share between threads (httpx's connection pool is).
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        user_agent: str | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("an API key is required")
        key = api_key.strip()
        if not key.isascii() or not key.isprintable():
            raise ValueError("the API key contains characters that cannot be sent")
        self._key = _Secret(key)
        resolved = base_url if base_url is not None else os.environ.get(ENV_BASE_URL)
        self._base_url = (resolved or DEFAULT_BASE_URL).strip().rstrip("/")
        parts = urlsplit(self._base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the API base URL must be http(s)://host/..., not {self._base_url!r}")
        self._timeouts = timeouts
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._rand: Callable[[], float] = random.random
        agent = user_agent or f"leodesk/{__version__}"
        self._http = httpx.Client(
            base_url=self._base_url + "/",
            headers={
                "Authorization": f"Bearer {key}",
                "accept": "application/json",
                "user-agent": agent,
            },
            timeout=_timeout(timeouts, read=timeouts.read, write=timeouts.read),
            transport=transport,
            follow_redirects=False,
        )
        # S3 and CDN: never the Authorization header (S3 answers 403 when it is present).
        self._raw = httpx.Client(
            headers={"user-agent": agent},
            timeout=_timeout(timeouts, read=timeouts.read, write=timeouts.upload),
            transport=transport,
            follow_redirects=True,
        )

    # ------------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """The API base URL (without a trailing slash)."""
        return self._base_url

    def __repr__(self) -> str:
        return f"LeonardoClient(base_url={self._base_url!r}, api_key=<redacted>)"

    def with_retry(self, retry: RetryPolicy) -> LeonardoClient:
        """A view of this client with other retry rules, sharing its connection pools.

        E.g. a queue that pauses itself on a 429 instead of sleeping inside the request. Close
        only the original (closing the view closes the shared pools).
        """
        view = copy.copy(self)
        view._retry = retry
        return view

    def close(self) -> None:
        """Close the connection pools."""
        self._http.close()
        self._raw.close()

    def __enter__(self) -> LeonardoClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------ transport core

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _scrub(self, data: bytes) -> bytes:
        key = self._key.reveal().encode("utf-8", errors="replace")
        return data.replace(key, b"<redacted>") if key in data else data

    def _pause(self, attempt: int, what: str, why: str, retry_after: float | None = None) -> None:
        """Sleep before a retry: the server's ``retry_after`` if given, else the backoff."""
        seconds = self._retry.delay(attempt, retry_after, self._rand)
        log.info("%s: %s; retrying in %.2f s", what, why, seconds)
        self._sleep(seconds)

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        kind: RequestKind,
        *keys: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        request: object = None,
    ) -> Any:
        """Send one API request with the retry rules of ``kind``; return the reply's value under
        the first of ``keys`` (see ``top_level``)."""
        policy = self._retry
        what = f"{method} {path}"
        url = path.lstrip("/")
        submitted_at = self._now()

        def outcome_unknown(
            status: int | None, server_message: str | None, code: str | None = None
        ) -> OutcomeUnknownError:
            return OutcomeUnknownError(
                submitted_at=submitted_at,
                request=request,
                operation=operation,
                status=status,
                code=code,
                server_message=server_message,
            )

        attempt = 0
        while True:
            attempt += 1
            can_retry = attempt < policy.max_attempts
            started = time.perf_counter()
            try:
                response = self._http.request(
                    method,
                    url,
                    json=dict(body) if body is not None else None,
                    params=dict(params) if params is not None else None,
                )
            except httpx.RequestError as exc:
                elapsed = (time.perf_counter() - started) * 1000
                log.debug(
                    "%s %s -> %s after %.0f ms (attempt %d)",
                    method,
                    path,
                    type(exc).__name__,
                    elapsed,
                    attempt,
                )
                not_sent = isinstance(exc, _NOT_SENT)
                if isinstance(exc, httpx.UnsupportedProtocol):
                    raise NetworkError(
                        "The API address is not valid.", server_message=str(exc)
                    ) from exc
                if (not_sent or kind in _REPEATABLE) and can_retry:
                    self._pause(attempt, what, type(exc).__name__)
                    continue
                if kind is RequestKind.BILLED_POST and not not_sent:
                    raise outcome_unknown(None, type(exc).__name__) from exc
                raise NetworkError(
                    _network_message(exc), server_message=type(exc).__name__
                ) from exc

            status = response.status_code
            elapsed = (time.perf_counter() - started) * 1000
            log.debug("%s %s -> %d in %.0f ms (attempt %d)", method, path, status, elapsed, attempt)
            if 200 <= status < 300:
                try:
                    data = json.loads(response.content)
                except ValueError as exc:
                    if kind in _REPEATABLE and can_retry:
                        self._pause(attempt, what, "invalid JSON")
                        continue
                    if kind is RequestKind.BILLED_POST:
                        raise outcome_unknown(status, "the reply was not valid JSON") from exc
                    raise ProtocolError(
                        status=status, server_message="the reply was not valid JSON"
                    ) from exc
                return top_level(data, *keys, operation=operation)

            retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock())
            error = classify_error(
                status,
                self._scrub(response.content),
                content_type=response.headers.get("content-type"),
                retry_after=retry_after,
            )
            if isinstance(error, RateLimitedError):
                # Not accepted: safe to retry for every kind, billed POSTs included.
                within_cap = retry_after is None or retry_after <= policy.max_retry_after
                if can_retry and within_cap:
                    self._pause(attempt, what, "HTTP 429", retry_after)
                    continue
                raise error
            if type(error) is ServerError:
                if kind in _REPEATABLE and status in RETRYABLE_STATUSES and can_retry:
                    # A 503 may carry Retry-After too; honour it unless it is unreasonably long.
                    hint = retry_after if (retry_after or 0.0) <= policy.max_retry_after else None
                    self._pause(attempt, what, f"HTTP {status}", hint)
                    continue
                if kind is RequestKind.BILLED_POST:
                    raise outcome_unknown(status, error.server_message, error.code) from error
            raise error

    def _get(
        self, path: str, operation: str, key: str, params: Mapping[str, Any] | None = None
    ) -> Any:
        return self._call("GET", path, operation, RequestKind.IDEMPOTENT, key, params=params)

    def _get_list(
        self,
        path: str,
        operation: str,
        key: str,
        parse_item: Callable[[Mapping[str, Any]], _T],
        params: Mapping[str, Any] | None = None,
    ) -> list[_T]:
        return parse_list(self._get(path, operation, key, params), parse_item)

    def _delete(self, path: str, operation: str, key: str) -> str | None:
        """The deleted id, or None if nothing was deleted."""
        item = self._call("DELETE", path, operation, RequestKind.IDEMPOTENT, key)
        if not isinstance(item, Mapping):
            return None
        value = item.get("id")
        return value if isinstance(value, str) else None

    def _submit(
        self, path: str, operation: str, body: Mapping[str, Any], request: object, *keys: str
    ) -> Any:
        """A billed job submit (never re-sent once it may have been accepted): the job object."""
        return self._call(
            "POST", path, operation, RequestKind.BILLED_POST, *keys, body=body, request=request
        )

    # ------------------------------------------------------------------------ account, models

    def get_me(self) -> UserInfo:
        """``GET /me``: the account (element 0 of ``user_details``)."""
        details = self._get("/me", "getUserSelf", "user_details")
        if isinstance(details, Mapping):
            details = [details]
        users = parse_list(details, parse_user_info)
        if not users:
            raise ProtocolError(server_message="getUserSelf: user_details is empty")
        return users[0]

    def list_platform_models(self) -> list[PlatformModel]:
        """``GET /platformModels``."""
        return self._get_list(
            "/platformModels", "listPlatformModels", "custom_models", parse_platform_model
        )

    def list_user_models(self, user_id: str) -> list[CustomModel]:
        """``GET /models/user/{userId}``: the user's custom models."""
        return self._get_list(
            f"/models/user/{_path_id(user_id)}",
            "getCustomModelsByUserId",
            "custom_models",
            parse_custom_model,
        )

    def get_model(self, model_id: str) -> CustomModel | None:
        """``GET /models/{id}``: a model's own record (``sdVersion``, size, status...). The API
        answers it for platform model ids too; None when it answers ``custom_models_by_pk:
        null``."""
        item = self._get(f"/models/{_path_id(model_id)}", "getModelById", "custom_models_by_pk")
        if item is None:
            return None
        if not isinstance(item, Mapping):
            raise ProtocolError(server_message="getModelById: custom_models_by_pk is no object")
        return parse_custom_model(item)

    def list_elements(self) -> list[Element]:
        """``GET /elements``: the platform elements (LoRAs)."""
        return self._get_list("/elements", "listElements", "loras", parse_element)

    def list_user_elements(self, user_id: str) -> list[UserElement]:
        """``GET /elements/user/{userId}``: the user's custom elements."""
        return self._get_list(
            f"/elements/user/{_path_id(user_id)}",
            "getCustomElementsByUserId",
            "user_loras",
            parse_user_element,
        )

    # ------------------------------------------------------------------------ generations

    def create_generation(self, req: GenerationRequest) -> GenerationJob:
        """``POST /generations``. Billed: never re-sent after it may have been accepted."""
        body = generation_body(req)
        job = self._submit("/generations", "createGeneration", body, req, "sdGenerationJob")
        return parse_generation_job(job, operation="createGeneration")

    def get_generation(self, generation_id: str) -> Generation | None:
        """``GET /generations/{id}``; None when the server answers ``generations_by_pk: null``."""
        item = self._get(
            f"/generations/{_path_id(generation_id)}", "getGenerationById", "generations_by_pk"
        )
        if item is None:
            return None
        if not isinstance(item, Mapping):
            raise ProtocolError(server_message="getGenerationById: generations_by_pk is no object")
        return parse_generation(item)

    def list_generations(self, user_id: str, offset: int = 0, limit: int = 10) -> list[Generation]:
        """``GET /generations/user/{userId}?offset&limit``, newest first. No total is given:
        a page shorter than ``limit`` is the last."""
        return self._get_list(
            f"/generations/user/{_path_id(user_id)}",
            "getGenerationsByUserId",
            "generations",
            parse_generation,
            params={"offset": int(offset), "limit": int(limit)},
        )

    def delete_generation(self, generation_id: str) -> str | None:
        """``DELETE /generations/{id}``: the deleted id, or None if nothing was deleted."""
        return self._delete(
            f"/generations/{_path_id(generation_id)}",
            "deleteGenerationById",
            "delete_generations_by_pk",
        )

    # ------------------------------------------------------------------------ init images

    def upload_init_image(self, data: bytes, extension: str) -> str:
        """Upload an image for image-to-image, controlnets or motion; returns the init image id.

        Step 1 ``POST /init-image`` (presign), step 2 a multipart POST to S3 with the presign's
        ``fields`` first and ``file`` last, without the Authorization header. If the presign has
        expired (S3 403), a new one is requested once. ``data`` must already be in the format of
        ``extension`` (png, jpg, jpeg, webp).
        """
        if not isinstance(data, bytes | bytearray | memoryview) or not bytes(data):
            raise ValueError("data must be non-empty bytes")
        payload = bytes(data)
        body = init_image_body(extension)
        ext = body["extension"]
        for round_number in (1, 2):
            presign = self._presign_init_image(body)
            try:
                self._post_to_s3(presign, payload, ext)
            except _PresignExpired as exc:
                if round_number == 2:
                    raise UploadError(
                        "The upload link expired before the image was sent. Try again.",
                        status=403,
                        server_message="presigned POST expired twice",
                    ) from exc
                log.info("init image presign expired; requesting a new one")
                continue
            return presign.id
        raise AssertionError("unreachable")  # pragma: no cover

    def _presign_init_image(self, body: Mapping[str, Any]) -> _Presign:
        raw = self._call(
            "POST",
            "/init-image",
            "uploadInitImage",
            RequestKind.SAFE_POST,
            "uploadInitImage",
            body=body,
        )
        presign = parse_init_image_upload(raw) if isinstance(raw, Mapping) else None
        if presign is None or not presign.id or not presign.url or presign.fields is None:
            raise ProtocolError(
                "Leonardo did not return a usable upload link.",
                server_message="uploadInitImage: id, url or fields missing",
            )
        scheme = urlsplit(presign.url).scheme
        if scheme not in ("http", "https"):
            raise ProtocolError(server_message="uploadInitImage: the upload URL is not HTTP(S)")
        return _Presign(presign.id, presign.url, dict(presign.fields))

    def _post_to_s3(self, presign: _Presign, data: bytes, ext: str) -> None:
        mime = _IMAGE_TYPES.get(ext, "application/octet-stream")
        fields = presign.fields
        policy = self._retry
        target = _safe_url(presign.url)
        upload = self._timeouts.upload
        timeout = _timeout(self._timeouts, read=upload, write=upload)
        attempt = 0
        while True:
            attempt += 1
            can_retry = attempt < policy.max_attempts
            started = time.perf_counter()
            try:
                # httpx writes the ``data`` parts before the ``files`` parts: ``file`` is last.
                response = self._raw.post(
                    presign.url,
                    data=fields,
                    files={"file": (f"init.{ext}", data, mime)},
                    timeout=timeout,
                    follow_redirects=False,
                )
            except httpx.RequestError as exc:
                log.debug("POST %s -> %s (attempt %d)", target, type(exc).__name__, attempt)
                if can_retry:
                    self._pause(attempt, f"POST {target}", type(exc).__name__)
                    continue
                raise UploadError(
                    "The image upload failed: the storage server could not be reached.",
                    server_message=type(exc).__name__,
                ) from exc
            status = response.status_code
            log.debug(
                "POST %s -> %d in %.0f ms (attempt %d)",
                target,
                status,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            if 200 <= status < 300:
                return
            text = response.content.decode("utf-8", errors="replace")
            parsed = dict(_XML_TAG.findall(text))
            detail = parsed.get("Message") or parsed.get("Code") or text[:200].strip() or None
            if status in (400, 403) and "expired" in text.lower():
                raise _PresignExpired()
            if status in RETRYABLE_STATUSES and can_retry:
                retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock())
                self._pause(attempt, f"POST {target}", f"HTTP {status}", retry_after)
                continue
            raise UploadError(status=status, code=parsed.get("Code"), server_message=detail)

    def get_init_image(self, init_image_id: str) -> InitImage | None:
        """``GET /init-image/{id}``; None when the server answers ``init_images_by_pk: null``."""
        item = self._get(
            f"/init-image/{_path_id(init_image_id)}", "getInitImageById", "init_images_by_pk"
        )
        return parse_init_image(item) if isinstance(item, Mapping) else None

    def delete_init_image(self, init_image_id: str) -> str | None:
        """``DELETE /init-image/{id}``: the deleted id, or None if nothing was deleted."""
        return self._delete(
            f"/init-image/{_path_id(init_image_id)}",
            "deleteInitImageById",
            "delete_init_images_by_pk",
        )

    # ------------------------------------------------------------------------ variations

    def _variation(
        self, path: str, operation: str, body: Mapping[str, Any], *keys: str
    ) -> VariationJob:
        job = self._submit(path, operation, body, dict(body), *keys)
        return parse_variation_job(job, operation=operation)

    def upscale(self, image_id: str) -> VariationJob:
        """``POST /variations/upscale`` on a generated image (reads ``sdUpscaleJob`` or the
        misspelled ``sdUpscalerjob``)."""
        body = variation_body("createVariationUpscale", image_id, None)
        return self._variation(
            "/variations/upscale", "createVariationUpscale", body, "sdUpscaleJob", "sdUpscalerjob"
        )

    def unzoom(self, image_id: str, is_variation: bool = False) -> VariationJob:
        """``POST /variations/unzoom``; ``is_variation`` when ``image_id`` is a variation output."""
        body = variation_body("createVariationUnzoom", image_id, is_variation)
        return self._variation("/variations/unzoom", "createVariationUnzoom", body, "sdUnzoomJob")

    def remove_background(self, image_id: str, is_variation: bool = False) -> VariationJob:
        """``POST /variations/nobg``; ``is_variation`` when ``image_id`` is a variation output."""
        body = variation_body("createVariationNoBG", image_id, is_variation)
        return self._variation("/variations/nobg", "createVariationNoBG", body, "sdNobgJob")

    def universal_upscale(self, req: UniversalUpscaleRequest) -> VariationJob:
        """``POST /variations/universal-upscaler``."""
        body = universal_upscale_body(req)
        job = self._submit(
            "/variations/universal-upscaler",
            "CreateUniversalUpscalerJob",
            body,
            req,
            "universalUpscaler",
        )
        return parse_variation_job(job, operation="CreateUniversalUpscalerJob")

    def get_variation(self, variation_id: str) -> list[Variation]:
        """``GET /variations/{id}`` (an array; usually one item)."""
        return self._get_list(
            f"/variations/{_path_id(variation_id)}",
            "getVariationById",
            "generated_image_variation_generic",
            parse_variation,
        )

    # ------------------------------------------------------------------------ motion, prompts

    def create_motion(self, req: MotionRequest) -> GenerationJob:
        """``POST /generations-motion-svd`` (``isPublic: false``). Poll with get_generation; the
        video is in ``images[].motion_mp4_url``."""
        body = motion_body(req)
        job = self._submit(
            "/generations-motion-svd",
            "createSVDMotionGeneration",
            body,
            req,
            "motionSvdGenerationJob",
        )
        return parse_generation_job(job, operation="createSVDMotionGeneration")

    def random_prompt(self) -> PromptResult:
        """``POST /prompt/random`` (costs a few credits; not retried once sent)."""
        return self._prompt("/prompt/random", "promptRandom")

    def improve_prompt(
        self, prompt: str, instructions: str | None = None, *, is_video: bool | None = None
    ) -> PromptResult:
        """``POST /prompt/improve`` (the prompt must be under 200 characters)."""
        body = improve_prompt_body(prompt, instructions, is_video)
        return self._prompt("/prompt/improve", "promptImprove", body)

    def _prompt(
        self, path: str, operation: str, body: Mapping[str, Any] | None = None
    ) -> PromptResult:
        item = self._call(
            "POST", path, operation, RequestKind.UNSAFE_POST, "promptGeneration", body=body
        )
        if not isinstance(item, Mapping):
            raise ProtocolError(server_message=f"{operation}: promptGeneration is no object")
        result = parse_prompt_result(item)
        if result.prompt is None:
            raise ProtocolError(server_message=f"{operation}: no prompt in the reply")
        return result

    # ------------------------------------------------------------------------ pricing

    def price(self, request: PricingRequest) -> int:
        """``POST /pricing-calculator``: the cost (API credits) of a job."""
        item = self._call(
            "POST",
            "/pricing-calculator",
            "pricingCalculator",
            RequestKind.SAFE_POST,
            "calculateProductionApiServiceCost",
            body=pricing_body(request),
        )
        cost = as_int(item.get("cost")) if isinstance(item, Mapping) else None
        if cost is None:
            raise ProtocolError(server_message="pricingCalculator: no cost in the reply")
        return cost

    @staticmethod
    def pricing_for_generation(
        req: GenerationRequest, *, model: ModelTraits | None = None
    ) -> PricingRequest:
        """See :func:`leodesk.core.api.serialize.pricing_for_generation`."""
        return pricing_for_generation(req, model=model)

    # ------------------------------------------------------------------------ waiting

    def _check_cancel(self, cancel: Callable[[], bool] | None) -> None:
        if cancel is not None and cancel():
            raise WaitCancelledError()

    def _wait(self, seconds: float, cancel: Callable[[], bool] | None) -> None:
        if cancel is None:
            self._sleep(seconds)
            return
        remaining = seconds
        while remaining > 0:
            self._check_cancel(cancel)
            chunk = min(_CANCEL_SLICE, remaining)
            self._sleep(chunk)
            remaining -= chunk
        self._check_cancel(cancel)

    def _poll(
        self,
        fetch: Callable[[], Any],
        done: Callable[[Any], bool],
        *,
        what: str,
        interval: float,
        max_interval: float,
        timeout: float,
        cancel: Callable[[], bool] | None,
        missing_grace: float,
    ) -> Any:
        deadline = self._clock() + timeout
        delay = max(0.0, interval)
        missing_since: float | None = None
        while True:
            self._check_cancel(cancel)
            floor = 0.0
            try:
                item = fetch()
            except NotFoundError:
                item = None
            except (NetworkError, ServerError, ProtocolError, RateLimitedError) as exc:
                # The request already had its own retries; keep polling until the deadline.
                log.warning("polling %s failed: %s", what, exc)
                item = _POLL_FAILED
                if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
                    floor = exc.retry_after
            if item is None:
                now = self._clock()
                missing_since = now if missing_since is None else missing_since
                if now - missing_since > missing_grace:
                    raise NotFoundError(f"The {what} was not found.")
            elif item is not _POLL_FAILED:
                missing_since = None
                if done(item):
                    return item
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError()
            self._wait(min(max(delay, floor), deadline - now), cancel)
            delay = min(max_interval, max(delay, 0.1) * 1.5)

    def wait_for_generation(
        self,
        generation_id: str,
        *,
        interval: float = 2.0,
        max_interval: float = 10.0,
        timeout: float = 600.0,
        cancel: Callable[[], bool] | None = None,
        on_update: Callable[[Generation], None] | None = None,
        missing_grace: float = 30.0,
    ) -> Generation:
        """Poll ``GET /generations/{id}`` with backoff until it is COMPLETE or FAILED.

        Transient failures keep the poll going; ``generations_by_pk: null`` (or 404) for longer
        than ``missing_grace`` seconds raises NotFoundError. Raises WaitTimeoutError after
        ``timeout`` seconds and WaitCancelledError as soon as ``cancel()`` returns True. A FAILED
        generation is returned, not raised: check ``status``. ``on_update`` sees every poll result.
        """

        def fetch() -> Generation | None:
            generation = self.get_generation(generation_id)
            if generation is not None and on_update is not None:
                on_update(generation)
            return generation

        result: Generation = self._poll(
            fetch,
            lambda g: bool(g.is_terminal),
            what="generation",
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cancel=cancel,
            missing_grace=missing_grace,
        )
        return result

    def wait_for_variation(
        self,
        variation_id: str,
        *,
        interval: float = 2.0,
        max_interval: float = 10.0,
        timeout: float = 600.0,
        cancel: Callable[[], bool] | None = None,
        missing_grace: float = 30.0,
    ) -> Variation:
        """Poll ``GET /variations/{id}`` like :meth:`wait_for_generation`; returns the variation
        (COMPLETE or FAILED)."""

        def fetch() -> Variation | None:
            items = self.get_variation(variation_id)
            for item in items:
                if item.id == variation_id:
                    return item
            return items[0] if items else None

        result: Variation = self._poll(
            fetch,
            lambda v: bool(v.is_terminal),
            what="variation",
            interval=interval,
            max_interval=max_interval,
            timeout=timeout,
            cancel=cancel,
            missing_grace=missing_grace,
        )
        return result

    def reconcile_generation(
        self,
        *,
        user_id: str,
        prompt: str,
        submitted_after: datetime,
        limit: int = 50,
        skew: float = 120.0,
        exclude_ids: Collection[str] = (),
    ) -> Generation | None:
        """After an OutcomeUnknownError: find the generation the lost submit created, if any.

        Pages through the user's generations (``limit`` a page, newest first) down to the first
        one created before ``submitted_after - skew`` seconds (clock skew between this machine
        and the server), so every generation made since the submit is seen however many others
        were made meanwhile. A match has the same prompt (ignoring surrounding whitespace) and is
        not in ``exclude_ids`` (jobs the app already follows). Returns the closest in time, or
        None after a complete look. Any error of a page request is raised (the look is then not
        complete). A naive ``submitted_after`` is UTC. Note: if the server rewrites prompts
        (``enhancePrompt``), no match can be made.
        """
        target = _utc(submitted_after)
        threshold = target - timedelta(seconds=skew)
        wanted = prompt.strip()
        page_size = max(1, int(limit))
        best: tuple[float, Generation] | None = None
        offset = 0
        while True:
            page = self.list_generations(user_id, offset, page_size)
            for generation in page:
                created = generation.created_at_datetime
                if (
                    generation.id is None
                    or generation.id in exclude_ids
                    or generation.prompt is None
                    or generation.prompt.strip() != wanted
                    or created is None
                    or created < threshold
                ):
                    continue
                distance = abs((created - target).total_seconds())
                if best is None or distance < best[0]:
                    best = (distance, generation)
            times = [c for g in page if (c := g.created_at_datetime) is not None]
            if len(page) < page_size or (times and min(times) < threshold):
                return best[1] if best is not None else None
            # New generations made while paging push older ones down: a page may repeat a few
            # items, none is skipped.
            offset += len(page)

    # ------------------------------------------------------------------------ downloads

    def download(self, url: str, *, max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES) -> bytes:
        """Fetch an image or video from the CDN (no Authorization header) and return its bytes.

        The body must match ``Content-Length`` when the server sends one; cut bodies, connection
        errors, 429 and 5xx are retried. Larger than ``max_bytes`` raises ProtocolError. The
        caller decodes (and should verify) the image.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("only http(s) URLs can be downloaded")
        policy = self._retry
        target = _safe_url(url)
        attempt = 0
        while True:
            attempt += 1
            can_retry = attempt < policy.max_attempts
            started = time.perf_counter()
            retry_after: float | None = None
            try:
                with self._raw.stream("GET", url) as response:
                    status = response.status_code
                    if status == 200:
                        body, problem = self._read_limited(response, max_bytes)
                    else:
                        response.read()
                        body, problem = b"", f"HTTP {status}"
                        retry_after = parse_retry_after(
                            response.headers.get("retry-after"), self._clock()
                        )
            except httpx.RequestError as exc:
                log.debug("GET %s -> %s (attempt %d)", target, type(exc).__name__, attempt)
                if can_retry:
                    self._pause(attempt, f"GET {target}", type(exc).__name__)
                    continue
                raise NetworkError(
                    _network_message(exc), server_message=type(exc).__name__
                ) from exc
            log.debug(
                "GET %s -> %d, %d bytes in %.0f ms (attempt %d)",
                target,
                status,
                len(body),
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            if status == 200 and problem is None:
                return body
            transient = problem == "truncated" or status in RETRYABLE_STATUSES or status == 408
            if transient and can_retry:
                self._pause(attempt, f"GET {target}", problem or "", retry_after)
                continue
            if problem == "too large":
                raise ProtocolError(
                    "The file is larger than allowed.", status=status, server_message=problem
                )
            if problem == "truncated":
                raise NetworkError(
                    "The download was cut off. Try again.",
                    server_message="body shorter than Content-Length",
                )
            if status == 404:
                raise NotFoundError("The file was not found.", status=status)
            if status == 429:
                raise RateLimitedError(retry_after=retry_after)
            if status >= 500:
                raise ServerError(status=status)
            raise LeonardoError(f"The download failed (HTTP {status}).", status=status)

    @staticmethod
    def _read_limited(response: httpx.Response, max_bytes: int) -> tuple[bytes, str | None]:
        declared_header = response.headers.get("content-length")
        declared = as_int(declared_header) if declared_header is not None else None
        if declared is not None and declared > max_bytes:
            return b"", "too large"
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > max_bytes:
                return b"", "too large"
            chunks.append(chunk)
        # Content-Length counts the bytes on the wire: compare with the decoded size unless a
        # content coding (gzip...) was applied.
        coding = response.headers.get("content-encoding", "").strip().lower()
        received = total if coding in ("", "identity") else response.num_bytes_downloaded
        if declared is not None and received != declared:
            return b"", "truncated"
        return b"".join(chunks), None
