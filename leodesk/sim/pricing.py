"""The simulator's deterministic credit prices.

``POST /pricing-calculator`` and the billed endpoints use the same functions, so a client that
asks the calculator with the parameters below gets exactly the cost the job is charged.

IMAGE_GENERATION parameters derived from a ``POST /generations`` body:

==================  ==========================================================================
imageWidth/Height   ``width``/``height`` as sent (input size; defaults 1024 x 768)
numImages           ``num_images`` (default 4)
inferenceSteps      ``num_inference_steps`` (default 15)
alchemyMode         effective Alchemy: ``alchemy`` (default **true**), forced false by ``ultra``
highResolution      ``highResolution`` (default false)
photoRealMode       ``photoReal``; ``photoRealVersion`` (default "v1" when photoReal is on)
promptMagic         ``promptMagic``; ``promptMagicVersion``
loraCount           ``len(elements) + len(userElements)``
controlnetsCost     5 per entry of ``controlnets``
isModelCustom       the model is one of the account's own models
isPhoenix/isSDXLLightning/isFluxSchnell/isFluxDev   from the model's family
isUltra             ``ultra``
==================  ==========================================================================

LCM_GENERATION (``/generations-lcm``, ``/lcm-inpainting``: ``{width, height}``;
``/lcm-instant-refine``: ``instantRefine: true``; ``/lcm-upscale``: ``refine: true``), see
:func:`lcm_cost`.

``isSDXL``, ``isFluxKontext`` and the strength parameters are accepted but do not change the
price (isFluxKontext adds 100 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

UPSCALE_COST = 15
UNZOOM_COST = 15
NOBG_COST = 5
MOTION_SVD_COST = 45
PROMPT_COST = 4
CONTROLNET_COST = 5


def _flag(params: Mapping[str, Any], key: str) -> bool:
    return bool(params.get(key) or False)


def image_generation_cost(params: Mapping[str, Any]) -> int:
    """Credits for one IMAGE_GENERATION with the pricing-calculator parameter names."""
    width = int(params.get("imageWidth") or 0)
    height = int(params.get("imageHeight") or 0)
    num = int(params.get("numImages") or 0)
    steps = int(params.get("inferenceSteps") or 0)
    pixels = max(width, 0) * max(height, 0) * max(num, 0)
    base = 5 + math.ceil(pixels * max(steps, 0) / 5_500_000)
    percent = 100
    if _flag(params, "alchemyMode"):
        percent += 200
    if _flag(params, "highResolution"):
        percent += 50
    if _flag(params, "photoRealMode"):
        percent += 20 if params.get("photoRealVersion") == "v2" else 30
    if _flag(params, "promptMagic"):
        percent += 40 if params.get("promptMagicVersion") == "v3" else 20
    if _flag(params, "isUltra"):
        percent += 300
    if _flag(params, "isPhoenix"):
        percent += 100
    if _flag(params, "isFluxDev"):
        percent += 150
    if _flag(params, "isFluxKontext"):
        percent += 100
    if _flag(params, "isModelCustom"):
        percent += 10
    if _flag(params, "isSDXLLightning"):
        percent -= 40
    if _flag(params, "isFluxSchnell"):
        percent -= 50
    percent = max(percent, 40)
    cost = (base * percent + 99) // 100
    cost += 2 * int(params.get("loraCount") or 0)
    cost += int(params.get("controlnetsCost") or 0)
    return max(cost, 1)


def universal_upscaler_cost(megapixel: int) -> int:
    """UNIVERSAL_UPSCALER: by output megapixels (rounded up)."""
    return 10 + 5 * max(int(megapixel), 1)


def universal_upscaler_ultra_cost(input_width: int, input_height: int, multiplier: float) -> int:
    """UNIVERSAL_UPSCALER_ULTRA: by output size."""
    out_mp = math.ceil(input_width * input_height * multiplier * multiplier / 1_000_000)
    return 20 + 8 * max(out_mp, 1)


def lcm_cost(width: int, height: int, *, instant_refine: bool, refine: bool) -> int:
    """LCM_GENERATION: 1 + output megapixels (rounded up), +2 for an instant refine, +8 for
    a refine (the LCM upscale); ``/generations-lcm`` and ``/lcm-inpainting`` are neither."""
    cost = 1 + math.ceil(max(width, 0) * max(height, 0) / 1_000_000)
    if instant_refine:
        cost += 2
    if refine:
        cost += 8
    return cost


def output_megapixels(width: int, height: int) -> int:
    """Megapixels rounded up, as the universal upscaler price uses them."""
    return max(1, math.ceil(width * height / 1_000_000))


def service_cost(service: str, params: Mapping[str, Any]) -> int:
    """Price of ``service`` with its ``serviceParams[service]`` object."""
    if service == "IMAGE_GENERATION":
        return image_generation_cost(params)
    if service == "FANTASY_AVATAR_GENERATION":
        p = {
            "imageWidth": params.get("imageWidth"),
            "imageHeight": params.get("imageHeight"),
            "numImages": params.get("numImages"),
            "inferenceSteps": 30,
            "alchemyMode": True,
        }
        return image_generation_cost(p) + 10
    if service == "MOTION_SVD_GENERATION":
        return MOTION_SVD_COST
    if service == "MOTION_VIDEO_GENERATION":
        return {"RESOLUTION_720": 250, "RESOLUTION_1080": 400}.get(
            str(params.get("resolution")), 150
        )
    if service == "VEO3_MOTION_VIDEO_GENERATION":
        return 2000
    if service == "LCM_GENERATION":
        return lcm_cost(
            int(params.get("width") or 512),
            int(params.get("height") or 512),
            instant_refine=_flag(params, "instantRefine"),
            refine=_flag(params, "refine"),
        )
    if service == "MODEL_TRAINING":
        if params.get("sd_version") == "FLUX_DEV":
            return 1000 + 20 * int(params.get("datasetImageCount") or 0)
        return {512: 750, 768: 1500, 1024: 3000}.get(int(params.get("resolution") or 0), 1500)
    if service == "TEXTURE_GENERATION":
        return 30 if params.get("preview") else 150
    if service == "UNIVERSAL_UPSCALER":
        return universal_upscaler_cost(int(params.get("megapixel") or 1))
    if service == "UNIVERSAL_UPSCALER_ULTRA":
        return universal_upscaler_ultra_cost(
            int(params.get("inputWidth") or 0),
            int(params.get("inputHeight") or 0),
            float(params.get("upscaleMultiplier") or 1.0),
        )
    raise KeyError(service)
