"""The realtime canvas (LCM): ``/generations-lcm``, ``/lcm-instant-refine``,
``/lcm-inpainting`` and ``/lcm-upscale``, answered synchronously with JPEG data URLs.

Every answer is a pure function of the input picture, the prompt, the seed, the style and the
strength (:func:`leodesk.sim.derived.lcm_picture`): the input blended with the pattern of the
prompt and seed, more of the pattern the higher the strength, at ``width`` x ``height``.
``/lcm-inpainting`` changes only the white area of its mask; ``/lcm-instant-refine`` answers
the same picture refined (sharpened, same size); ``/lcm-upscale`` answers it
:data:`~leodesk.sim.lcm_rules.UPSCALE_FACTOR` times larger and refined, and also keeps it in
the library: a COMPLETE generation whose one image is the picture at ``width`` x ``height`` and
an UPSCALE variation of that image serving exactly the answered bytes.

Each is billed as LCM_GENERATION (:func:`leodesk.sim.pricing.lcm_cost`), counted in the LCM
rate-limit window, and moderated like ``POST /generations``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from . import derived, images
from .lcm_rules import (
    JPEG_DATA_URL,
    OP_REFINE,
    OP_UPSCALE,
    UPSCALE_FACTOR,
    LcmPlan,
    plan_lcm,
)
from .pricing import lcm_cost
from .records import (
    Generation,
    GenImage,
    Variation,
    cost_json,
    plain_generation_fields,
    timestamp,
)
from .rules import MAX_SEED, PRESET_STYLES
from .uploads import InitImages
from .variations import Variations


def data_url(jpeg: bytes) -> str:
    """A ``data:image/jpeg;base64,`` URL of JPEG bytes."""
    return JPEG_DATA_URL + base64.b64encode(jpeg).decode("ascii")


def lcm_result(plan: LcmPlan) -> tuple[Image.Image, Image.Image]:
    """The picture at ``width`` x ``height`` and the picture answered (refined, upscaled)."""
    picture = derived.lcm_picture(
        plan.source, plan.key, plan.strength, (plan.width, plan.height), plan.mask
    )
    if plan.op == OP_REFINE:
        return picture, derived.refined(picture)
    if plan.op == OP_UPSCALE:
        return picture, derived.upscaled(picture, UPSCALE_FACTOR)
    return picture, picture


class Realtime(Variations, InitImages):
    """The four synchronous LCM operations."""

    def lcm(self, op: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Answer an LCM request (``op`` is its operationId; body strictly checked)."""
        with self._lock:
            random_seed = self._rng.randint(0, MAX_SEED)
        plan = plan_lcm(
            op,
            body,
            random_seed=random_seed,
            moderation_words=self.cfg.moderation_words,
            moderation_status=self.cfg.moderation_status,
        )
        picture, answer = lcm_result(plan)
        jpeg = images.encode(answer)
        cost = lcm_cost(
            plan.width, plan.height, instant_refine=op == OP_REFINE, refine=op == OP_UPSCALE
        )
        with self._lock:
            self._charge(cost)
            job: dict[str, Any] = {
                "imageDataUrl": [data_url(jpeg)],
                "requestTimestamp": plan.request_timestamp or str(int(time.time() * 1000)),
                "apiCreditCost": cost,
                "cost": cost_json(cost),
            }
            if op == OP_UPSCALE:
                job.update(self._keep_upscale(plan, images.encode(picture), jpeg, answer.size))
            return {"lcmGenerationJob": job}

    def _keep_upscale(
        self, plan: LcmPlan, picture: bytes, upscaled: bytes, size: tuple[int, int]
    ) -> dict[str, Any]:
        """The library records of an LCM upscale: its generation, image and variation ids."""
        created = timestamp(datetime.now(UTC))
        gen = Generation(
            id=self._uuid(),
            seq=self._next_seq(),
            created_at=created,
            fields=_generation_fields(plan),
            out_width=plan.width,
            out_height=plan.height,
            num_images=1,
            render_key=plan.key,
            label=plan.prompt,
            nsfw=False,
            transparent=False,
            elements=[],
            status="COMPLETE",
        )
        img = GenImage(
            id=self._uuid(),
            generation_id=gen.id,
            index=0,
            path=f"/cdn/users/{self.user_id}/generations/{gen.id}/Leonardo_0.jpg",
            width=plan.width,
            height=plan.height,
            render_key=f"{plan.key}|0",
            label=plan.prompt,
            blob=self._keep_bytes(picture).id,
        )
        gen.images.append(img)
        self._generations[gen.id] = gen
        self._register_image(img)
        var = Variation(
            id=self._uuid(),
            seq=self._next_seq(),
            created_at=created,
            transform_type="UPSCALE",
            kind="upscale",
            root_image_id=img.id,
            generation_id=gen.id,
            width=size[0],
            height=size[1],
            render_key=img.render_key,
            source=("blob", self._keep_bytes(upscaled).id),
            status="COMPLETE",
        )
        var.path = f"/cdn/users/{self.user_id}/generations/{gen.id}/variations/UPSCALE_{var.id}.jpg"
        self._variations[var.id] = var
        img.variation_ids.append(var.id)
        self._cdn[var.path] = self._variation_asset(var)
        return {"generationId": [gen.id], "variationId": [var.id], "generatedImageId": img.id}


def _generation_fields(plan: LcmPlan) -> dict[str, Any]:
    """The generation row of an LCM upscale (the LCM scheduler has no name in the spec)."""
    return plain_generation_fields(
        plan.prompt,
        plan.width,
        plan.height,
        inferenceSteps=plan.steps,
        guidanceScale=plan.guidance,
        initStrength=plan.strength,
        seed=plan.seed,
        sdVersion="SDXL_1_0",
        presetStyle=plan.style if plan.style in PRESET_STYLES else None,
    )
