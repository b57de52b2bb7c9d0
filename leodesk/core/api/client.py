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

The client is put together from one module per concern: :mod:`.transport` (the connection pools,
the key, one request with its retry rules), :mod:`.waiting` (polling and reconciling),
:mod:`.downloads` (CDN files), :mod:`.uploads` (init images and canvas images to S3) and
:mod:`.lcm` (the realtime operations, billed and answered synchronously). The parts are mixins of
:class:`LeonardoClient` over :class:`~leodesk.core.api.transport.Transport`, so every caller
keeps calling ``client.<method>`` on one object; this module holds the API's operations.

Every method may raise a :class:`~leodesk.core.api.errors.LeonardoError` subclass; methods that
take request objects may raise ``TypeError``/``ValueError`` for programming errors.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from .blueprints import Blueprints
from .downloads import DEFAULT_MAX_DOWNLOAD_BYTES, Downloads
from .elements import ElementCalls
from .errors import ProtocolError
from .lcm import Lcm
from .media import MediaCalls
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
    parse_list,
    parse_platform_model,
    parse_prompt_result,
    parse_user_element,
    parse_user_info,
    parse_variation,
    parse_variation_job,
)
from .retry import RetryPolicy
from .serialize import (
    generation_body,
    improve_prompt_body,
    motion_body,
    pricing_body,
    pricing_for_generation,
    universal_upscale_body,
    variation_body,
)
from .training import Training
from .transport import (
    DEFAULT_BASE_URL,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    ENV_BASE_URL,
    RequestKind,
    Timeouts,
    path_id,
)
from .uploads import InitImageUpload
from .video import Video
from .waiting import Waiting

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUTS",
    "ENV_BASE_URL",
    "LeonardoClient",
    "RequestKind",
    "Timeouts",
]


class LeonardoClient(
    Waiting,
    Downloads,
    Training,
    MediaCalls,
    InitImageUpload,
    Lcm,
    ElementCalls,
    Blueprints,
    Video,
):
    """A client for the Leonardo.Ai Production API. Use it as a context manager or call close().

    ``sleep`` and ``clock`` (Unix seconds) are injectable so tests never wait. ``transport`` is
    used for API calls and for the S3/CDN requests alike (tests pass an ``httpx.MockTransport``).
    The client is safe to share between threads (httpx's connection pool is).
    """

    # ------------------------------------------------------------------------ lifecycle

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

    def __enter__(self) -> LeonardoClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

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
            f"/models/user/{path_id(user_id)}",
            "getCustomModelsByUserId",
            "custom_models",
            parse_custom_model,
        )

    def get_model(self, model_id: str) -> CustomModel | None:
        """``GET /models/{id}``: a model's own record (``sdVersion``, size, status...). The API
        answers it for platform model ids too; None when it answers ``custom_models_by_pk:
        null``."""
        item = self._get(f"/models/{path_id(model_id)}", "getModelById", "custom_models_by_pk")
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
            f"/elements/user/{path_id(user_id)}",
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
            f"/generations/{path_id(generation_id)}", "getGenerationById", "generations_by_pk"
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
            f"/generations/user/{path_id(user_id)}",
            "getGenerationsByUserId",
            "generations",
            parse_generation,
            params={"offset": int(offset), "limit": int(limit)},
        )

    def delete_generation(self, generation_id: str) -> str | None:
        """``DELETE /generations/{id}``: the deleted id, or None if nothing was deleted."""
        return self._delete(
            f"/generations/{path_id(generation_id)}",
            "deleteGenerationById",
            "delete_generations_by_pk",
        )

    # ------------------------------------------------------------------------ init images

    def get_init_image(self, init_image_id: str) -> InitImage | None:
        """``GET /init-image/{id}``; None when the server answers ``init_images_by_pk: null``."""
        item = self._get(
            f"/init-image/{path_id(init_image_id)}", "getInitImageById", "init_images_by_pk"
        )
        return parse_init_image(item) if isinstance(item, Mapping) else None

    def delete_init_image(self, init_image_id: str) -> str | None:
        """``DELETE /init-image/{id}``: the deleted id, or None if nothing was deleted."""
        return self._delete(
            f"/init-image/{path_id(init_image_id)}",
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
            f"/variations/{path_id(variation_id)}",
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
