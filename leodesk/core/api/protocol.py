"""What the app asks of the API client: :class:`LeonardoApi`, met by
:class:`~leodesk.core.api.client.LeonardoClient`.

The Qt layer holds the client through this protocol, so its calls are type-checked without the
client module (and httpx) being imported at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from .models import (
    CustomModel,
    Element,
    Generation,
    GenerationJob,
    GenerationRequest,
    InitImage,
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
from .retry import RetryPolicy


class LeonardoApi(Protocol):
    """The client's calls the app makes, each as :class:`LeonardoClient` defines it."""

    @property
    def base_url(self) -> str: ...
    def with_retry(self, retry: RetryPolicy) -> LeonardoApi: ...
    def close(self) -> None: ...

    def get_me(self) -> UserInfo: ...
    def list_platform_models(self) -> list[PlatformModel]: ...
    def list_user_models(self, user_id: str) -> list[CustomModel]: ...
    def get_model(self, model_id: str) -> CustomModel | None: ...
    def list_elements(self) -> list[Element]: ...
    def list_user_elements(self, user_id: str) -> list[UserElement]: ...

    def create_generation(self, req: GenerationRequest) -> GenerationJob: ...
    def get_generation(self, generation_id: str) -> Generation | None: ...
    def list_generations(
        self, user_id: str, offset: int = ..., limit: int = ...
    ) -> list[Generation]: ...
    def delete_generation(self, generation_id: str) -> str | None: ...
    def wait_for_generation(
        self,
        generation_id: str,
        *,
        interval: float = ...,
        max_interval: float = ...,
        timeout: float = ...,
        cancel: Callable[[], bool] | None = ...,
        on_update: Callable[[Generation], None] | None = ...,
        missing_grace: float = ...,
    ) -> Generation: ...
    def reconcile_generation(
        self,
        *,
        user_id: str,
        prompt: str,
        submitted_after: datetime,
        limit: int = ...,
        skew: float = ...,
        exclude_ids: Collection[str] = ...,
    ) -> Generation | None: ...

    def upload_init_image(self, data: bytes, extension: str) -> str: ...
    def get_init_image(self, init_image_id: str) -> InitImage | None: ...
    def delete_init_image(self, init_image_id: str) -> str | None: ...

    def upscale(self, image_id: str) -> VariationJob: ...
    def unzoom(self, image_id: str, is_variation: bool = ...) -> VariationJob: ...
    def remove_background(self, image_id: str, is_variation: bool = ...) -> VariationJob: ...
    def universal_upscale(self, req: UniversalUpscaleRequest) -> VariationJob: ...
    def get_variation(self, variation_id: str) -> list[Variation]: ...
    def wait_for_variation(
        self,
        variation_id: str,
        *,
        interval: float = ...,
        max_interval: float = ...,
        timeout: float = ...,
        cancel: Callable[[], bool] | None = ...,
        missing_grace: float = ...,
    ) -> Variation: ...
    def create_motion(self, req: MotionRequest) -> GenerationJob: ...

    def random_prompt(self) -> PromptResult: ...
    def improve_prompt(
        self, prompt: str, instructions: str | None = ..., *, is_video: bool | None = ...
    ) -> PromptResult: ...
    def price(self, request: PricingRequest) -> int: ...

    def download(self, url: str, *, max_bytes: int = ...) -> bytes: ...
