"""The realtime (LCM) operations: ``POST /generations-lcm``, ``/lcm-instant-refine``,
``/lcm-inpainting`` and ``/lcm-upscale`` (a mixin of
:class:`~leodesk.core.api.client.LeonardoClient`).

They are billed and answer synchronously with the images as data URLs. Like every billed
submit they are never re-sent once they may have been accepted (a 429 or a refused connection
is retried: nothing was made then); a lost answer raises :class:`LcmOutcomeUnknownError`,
which differs from the job submits' :class:`OutcomeUnknownError` in one way: there is no job
to look up later, the images were only in the answer.
"""

from __future__ import annotations

from .errors import LcmOutcomeUnknownError, OutcomeUnknownError
from .models import LcmRequest, LcmResult
from .parse import parse_lcm_result
from .serialize import LCM_OPERATIONS, lcm_body
from .transport import RequestKind, Transport

__all__ = ["Lcm"]


class Lcm(Transport):
    """``lcm_generate``, ``lcm_instant_refine``, ``lcm_inpaint`` and ``lcm_upscale``.

    Each sends only its operation's keys, checks the ranges first (ValueError, nothing sent),
    and returns an :class:`LcmResult` with the images decoded; an answer whose image is not a
    base64 JPEG/PNG/WebP data URL is a ProtocolError saying so."""

    def lcm_generate(self, req: LcmRequest) -> LcmResult:
        """``POST /generations-lcm``: a picture from ``req.image_data_url`` and the prompt."""
        return self._lcm("createLCMGeneration", req)

    def lcm_instant_refine(self, req: LcmRequest) -> LcmResult:
        """``POST /lcm-instant-refine``: a refined version of a live result."""
        return self._lcm("performInstantRefine", req)

    def lcm_inpaint(self, req: LcmRequest) -> LcmResult:
        """``POST /lcm-inpainting``: regenerate the white area of ``req.mask_data_url``."""
        return self._lcm("performInpaintingLCM", req)

    def lcm_upscale(self, req: LcmRequest) -> LcmResult:
        """``POST /lcm-upscale`` (``refine_creative``, ``refine_strength`` 0.5-0.9); the answer
        may carry the ids of what the server stored (``generation_ids``, ``variation_ids``,
        ``generated_image_id``)."""
        return self._lcm("performAlchemyUpscaleLCM", req)

    def _lcm(self, operation: str, req: LcmRequest) -> LcmResult:
        if not isinstance(req, LcmRequest):
            raise TypeError("req must be an LcmRequest")
        body = lcm_body(operation, req)
        path, _ = LCM_OPERATIONS[operation]
        try:
            job = self._call(
                "POST",
                path,
                operation,
                RequestKind.BILLED_POST,
                "lcmGenerationJob",
                body=body,
                request=req,
            )
        except OutcomeUnknownError as exc:
            raise LcmOutcomeUnknownError(
                submitted_at=exc.submitted_at,
                request=req,
                operation=operation,
                status=exc.status,
                code=exc.code,
                server_message=exc.server_message,
            ) from exc
        return parse_lcm_result(job, operation=operation)
