"""The rules of the realtime canvas (LCM) operations: ranges, the data URLs and the prompt.

``/generations-lcm``, ``/lcm-instant-refine``, ``/lcm-inpainting`` and ``/lcm-upscale`` share
one body (``/lcm-inpainting`` adds the required ``maskDataUrl``, ``/lcm-upscale``
``refineCreative`` and ``refineStrength``); :func:`plan_lcm` checks a strictly-checked body
(:func:`leodesk.sim.rules.check_request`) in the order ranges, prompt, pictures, and returns
everything the answer is made from. The texts are the simulator's own, in the API's shape.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from .rules import (
    MAX_SEED,
    MSG_PROMPT_TOO_LONG,
    ApiError,
    bad_request,
    find_word,
    moderation_message,
)

JPEG_DATA_URL = "data:image/jpeg;base64,"
LCM_SIZES = (512, 640, 1024)
MAX_INPUT_SIDE = 4096
MAX_DATA_URL_CHARS = 32_000_000
DEFAULT_STRENGTH = 0.65
DEFAULT_GUIDANCE = 7.0
DEFAULT_STEPS = 8
UPSCALE_FACTOR = 2
"""``/lcm-upscale`` answers ``UPSCALE_FACTOR`` times ``width`` x ``height``."""

OP_GENERATE = "createLCMGeneration"
OP_REFINE = "performInstantRefine"
OP_INPAINT = "performInpaintingLCM"
OP_UPSCALE = "performAlchemyUpscaleLCM"


@dataclass(frozen=True)
class LcmPlan:
    """A checked LCM request: its decoded pictures and every effective value."""

    op: str
    prompt: str
    source: Image.Image
    mask: Image.Image | None
    strength: float
    guidance: float
    steps: int
    width: int
    height: int
    style: str
    seed: int
    request_timestamp: str | None
    refine_strength: float | None
    refine_creative: bool

    @property
    def key(self) -> str:
        """What the generated pattern is a function of (with the input picture and strength)."""
        return f"lcm|{self.prompt}|{self.seed}|{self.style}"


def _bounded(body: Mapping[str, Any], key: str, lo: float, hi: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if not lo <= value <= hi:
        raise bad_request(f"{key} must be between {lo:g} and {hi:g}")
    return float(value)


def _size(body: Mapping[str, Any], key: str) -> int:
    value = int(body.get(key, LCM_SIZES[0]))
    if value not in LCM_SIZES:
        raise bad_request(f"{key} must be 512, 640 or 1024")
    return value


def check_prompt(prompt: str, moderation_words: tuple[str, ...], status: int) -> str:
    """The prompt rules of ``POST /generations``: not empty, at most 1500, moderated."""
    if len(prompt) > 1500:
        raise bad_request(MSG_PROMPT_TOO_LONG)
    if not prompt.strip():
        raise bad_request("Invalid prompt, prompt must not be empty.")
    word = find_word(prompt, moderation_words)
    if word is not None:
        raise ApiError(status, moderation_message(word), "unexpected")
    return prompt


def decode_data_url(value: str, key: str) -> Image.Image:
    """The JPEG of a ``data:image/jpeg;base64,`` URL, fully decoded (400 otherwise)."""
    if not value.startswith(JPEG_DATA_URL):
        raise bad_request(f'{key} must be a JPEG data URL starting with "{JPEG_DATA_URL}"')
    if len(value) > MAX_DATA_URL_CHARS:
        raise bad_request(f"{key} is too large (at most {MAX_DATA_URL_CHARS} characters)")
    try:
        data = base64.b64decode(value[len(JPEG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"{key} is not valid base64") from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG":
                raise ValueError(img.format)
            if max(img.size) > MAX_INPUT_SIDE:
                w, h = img.size
                raise bad_request(
                    f"{key} is too large ({w}x{h}); at most {MAX_INPUT_SIDE} pixels a side"
                )
            img.load()
            return img.convert("RGB")
    except ApiError:
        raise
    except Exception:
        raise bad_request(f"{key} is not a readable JPEG image") from None


def plan_lcm(
    op: str,
    body: Mapping[str, Any],
    *,
    random_seed: int,
    moderation_words: tuple[str, ...],
    moderation_status: int = 403,
) -> LcmPlan:
    """Check an LCM body (ranges, then the prompt, then the pictures)."""
    guidance = _bounded(body, "guidance", 0.5, 20.0)
    strength = _bounded(body, "strength", 0.1, 1.0)
    steps = body.get("steps")
    if steps is not None and not 4 <= steps <= 16:
        raise bad_request("steps must be between 4 and 16")
    width, height = _size(body, "width"), _size(body, "height")
    refine_strength = _bounded(body, "refineStrength", 0.5, 0.9)
    seed = body.get("seed")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise bad_request(f"seed must be between 0 and {MAX_SEED}")
    prompt = check_prompt(body["prompt"], moderation_words, moderation_status)
    source = decode_data_url(body["imageDataUrl"], "imageDataUrl")
    mask = None
    if op == OP_INPAINT:
        mask = decode_data_url(body["maskDataUrl"], "maskDataUrl")
        if mask.size != source.size:
            raise bad_request(
                f"maskDataUrl size {mask.width}x{mask.height} does not match the image "
                f"size {source.width}x{source.height}"
            )
    return LcmPlan(
        op=op,
        prompt=prompt,
        source=source,
        mask=mask,
        strength=DEFAULT_STRENGTH if strength is None else strength,
        guidance=DEFAULT_GUIDANCE if guidance is None else guidance,
        steps=DEFAULT_STEPS if steps is None else int(steps),
        width=width,
        height=height,
        style=str(body.get("style", "DYNAMIC")),
        seed=random_seed % (MAX_SEED + 1) if seed is None else int(seed),
        request_timestamp=body.get("requestTimestamp"),
        refine_strength=refine_strength,
        refine_creative=bool(body.get("refineCreative", False)),
    )
