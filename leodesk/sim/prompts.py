"""Prompts and prices: ``/prompt/random``, ``/prompt/improve`` and ``/pricing-calculator``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import pricing
from .account import Account
from .catalog import RANDOM_PROMPTS
from .records import cost_json
from .rules import MSG_IMPROVE_TOO_LONG, ApiError, bad_request, find_word, moderation_message


class Prompts(Account):
    """Prompt help (charged per call) and the price calculator."""

    def prompt_random(self) -> dict[str, Any]:
        """``POST /prompt/random``."""
        with self._lock:
            self._charge(pricing.PROMPT_COST)
            prompt = RANDOM_PROMPTS[self._rng.randrange(len(RANDOM_PROMPTS))]
            return self._prompt_json(prompt)

    def _prompt_json(self, prompt: str) -> dict[str, Any]:
        cost = pricing.PROMPT_COST
        return {
            "promptGeneration": {"prompt": prompt, "apiCreditCost": cost, "cost": cost_json(cost)}
        }

    def prompt_improve(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /prompt/improve``: deterministic embellishment of a prompt under 200 chars."""
        with self._lock:
            prompt: str = body["prompt"]
            if len(prompt) >= 200:
                raise bad_request(MSG_IMPROVE_TOO_LONG)
            word = find_word(prompt, self.cfg.moderation_words)
            if word is not None:
                raise ApiError(self.cfg.moderation_status, moderation_message(word), "unexpected")
            self._charge(pricing.PROMPT_COST)
            extras = ["highly detailed", "soft volumetric light", "rich colour palette"]
            if body.get("isVideo"):
                extras = ["slow dolly-in camera move", "gentle parallax", "cinematic motion"]
            instructions = body.get("promptInstructions")
            if instructions:
                extras.insert(0, instructions.strip().rstrip("."))
            improved = prompt.strip().rstrip(".") + ", " + ", ".join(extras)
            return self._prompt_json(improved)

    def pricing_calculator(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /pricing-calculator``."""
        service: str = body["service"]
        params = body["serviceParams"].get(service)
        if params is None and service != "MOTION_SVD_GENERATION":
            raise bad_request(f"serviceParams.{service} is required for service {service}")
        cost = pricing.service_cost(service, params or {})
        return {"calculateProductionApiServiceCost": {"cost": cost}}
