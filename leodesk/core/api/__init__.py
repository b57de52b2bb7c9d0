"""Client for the Leonardo.Ai Production API (v1): requests, lenient responses, typed errors.

Qt-free and independent of the simulator: the OpenAPI spec is the contract. Start with
:class:`LeonardoClient`; everything it takes or returns is re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AuthenticationError,
    InsufficientCreditsError,
    LcmOutcomeUnknownError,
    LeonardoError,
    ModerationError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    UploadError,
    ValidationError,
    WaitCancelledError,
    WaitTimeoutError,
)
from .models import (
    JOB_COMPLETE,
    JOB_FAILED,
    JOB_PENDING,
    CanvasUploadIds,
    ControlNetRef,
    Cost,
    CustomModel,
    Element,
    ElementRef,
    GeneratedImage,
    Generation,
    GenerationElement,
    GenerationJob,
    GenerationRequest,
    InitImage,
    InitImageUpload,
    LcmRequest,
    LcmResult,
    ModelTraits,
    MotionRequest,
    PlatformModel,
    PricingRequest,
    PromptResult,
    UniversalUpscaleRequest,
    UserElement,
    UserElementRef,
    UserInfo,
    Variation,
    VariationJob,
    parse_timestamp,
)
from .retry import RetryPolicy, parse_retry_after
from .serialize import pricing_for_generation, pricing_for_lcm

if TYPE_CHECKING:
    from .client import (
        DEFAULT_BASE_URL,
        DEFAULT_MAX_DOWNLOAD_BYTES,
        ENV_BASE_URL,
        LeonardoClient,
        RequestKind,
        Timeouts,
    )
    from .protocol import LeonardoApi

# The client module loads httpx (~80-150 ms), and so does the protocol (through the video
# requests' transport). They are imported on first use, so that code needing only the data
# classes (the prompt form, the library) does not pay for them at start-up.
_LAZY_PROTOCOL = {"LeonardoApi"}
_LAZY = {
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "ENV_BASE_URL",
    "LeonardoClient",
    "RequestKind",
    "Timeouts",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_PROTOCOL:
        from . import protocol

        return getattr(protocol, name)
    if name in _LAZY:
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "ENV_BASE_URL",
    "JOB_COMPLETE",
    "JOB_FAILED",
    "JOB_PENDING",
    "AuthenticationError",
    "CanvasUploadIds",
    "ControlNetRef",
    "Cost",
    "CustomModel",
    "Element",
    "ElementRef",
    "GeneratedImage",
    "Generation",
    "GenerationElement",
    "GenerationJob",
    "GenerationRequest",
    "InitImage",
    "InitImageUpload",
    "InsufficientCreditsError",
    "LcmOutcomeUnknownError",
    "LcmRequest",
    "LcmResult",
    "LeonardoApi",
    "LeonardoClient",
    "LeonardoError",
    "ModelTraits",
    "ModerationError",
    "MotionRequest",
    "NetworkError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PlatformModel",
    "PricingRequest",
    "PromptResult",
    "ProtocolError",
    "RateLimitedError",
    "RequestKind",
    "RetryPolicy",
    "ServerError",
    "Timeouts",
    "UniversalUpscaleRequest",
    "UploadError",
    "UserElement",
    "UserElementRef",
    "UserInfo",
    "ValidationError",
    "Variation",
    "VariationJob",
    "WaitCancelledError",
    "WaitTimeoutError",
    "parse_retry_after",
    "parse_timestamp",
    "pricing_for_generation",
    "pricing_for_lcm",
]
