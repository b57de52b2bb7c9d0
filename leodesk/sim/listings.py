"""The user, models and elements as the API lists them (``/me``, ``/platformModels``,
``/models``, ``/elements``), and the lookups the generation rules ask the account
(:class:`leodesk.sim.rules.Lookup`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .account import Account
from .catalog import (
    PLATFORM_ELEMENTS,
    PLATFORM_MODELS,
    USER_ELEMENTS,
    ElementInfo,
    ModelInfo,
    UserElementInfo,
)
from .records import timestamp


class Listings(Account):
    """The account's user, models and elements, and :class:`~leodesk.sim.rules.Lookup`."""

    # ------------------------------------------------------------------ lookup (rules.Lookup)

    def model(self, model_id: str) -> ModelInfo | None:
        """A platform or own model."""
        return self._models.get(model_id)

    def is_custom_model(self, model_id: str) -> bool:
        """True for the account's own models."""
        return any(m.id == model_id for m in self._custom_models)

    def init_image_ready(self, image_id: str) -> bool:
        """An uploaded init image."""
        init = self._init_images.get(image_id)
        return init is not None and init.data is not None

    def generated_image_exists(self, image_id: str) -> bool:
        """A generated image id."""
        return image_id in self._images

    def element(self, ak_uuid: str) -> ElementInfo | None:
        """A platform element."""
        return self._elements.get(ak_uuid)

    def user_element(self, lora_id: int) -> UserElementInfo | None:
        """A custom element."""
        return self._user_elements.get(lora_id)

    # ------------------------------------------------------------------ account and catalog

    def me(self) -> dict[str, Any]:
        """``GET /me``."""
        with self._lock:
            self._advance()
            renewal = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            renewal += timedelta(days=30)
            return {
                "user_details": [
                    {
                        "user": {"id": self.user_id, "username": self.username},
                        "tokenRenewalDate": None,
                        "paidTokens": None,
                        "subscriptionTokens": 150,
                        "subscriptionGptTokens": 1000,
                        "subscriptionModelTokens": 10,
                        "apiConcurrencySlots": self._slots,
                        "apiPaidTokens": self._paid,
                        "apiSubscriptionTokens": self._subscription,
                        "apiPlanTokenRenewalDate": timestamp(renewal),
                    }
                ]
            }

    def platform_models(self) -> dict[str, Any]:
        """``GET /platformModels``."""
        return {
            "custom_models": [
                {
                    "id": m.id,
                    "name": m.name,
                    "description": m.description,
                    "nsfw": m.nsfw,
                    "featured": m.featured,
                    "generated_image": {
                        "id": m.preview_image_id,
                        "url": self.url(f"/cdn/models/{m.id}/preview.jpg"),
                    },
                }
                for m in PLATFORM_MODELS
            ]
        }

    def _model_json(self, m: ModelInfo) -> dict[str, Any]:
        created = timestamp(self._account_created)
        return {
            "createdAt": created,
            "id": m.id,
            "instancePrompt": m.instance_prompt,
            "modelHeight": m.height,
            "modelWidth": m.width,
            "name": m.name,
            "description": m.description,
            "public": m.platform,
            "sdVersion": m.sd_version,
            "status": m.status,
            "type": m.type,
            "updatedAt": created,
        }

    def user_models(self, user_id: str) -> dict[str, Any]:
        """``GET /models/user/{userId}``."""
        if user_id != self.user_id:
            return {"custom_models": []}
        return {"custom_models": [self._model_json(m) for m in self._custom_models]}

    def model_by_id(self, model_id: str) -> dict[str, Any]:
        """``GET /models/{id}``."""
        m = self._models.get(model_id)
        return {"custom_models_by_pk": None if m is None else self._model_json(m)}

    def _element_json(self, e: ElementInfo) -> dict[str, Any]:
        return {
            "akUUID": e.ak_uuid,
            "baseModel": e.base_model,
            "creatorName": e.creator_name,
            "description": e.description,
            "name": e.name,
            "urlImage": self.url(f"/cdn/elements/{e.ak_uuid}.jpg"),
            "weightDefault": e.weight_default,
            "weightMax": e.weight_max,
            "weightMin": e.weight_min,
        }

    def elements(self) -> dict[str, Any]:
        """``GET /elements``."""
        return {"loras": [self._element_json(e) for e in PLATFORM_ELEMENTS]}

    def _lora_json(self, e: UserElementInfo) -> dict[str, Any]:
        """A custom element as ``/elements/user/{userId}`` and ``/elements/{id}`` show it."""
        created = timestamp(self._account_created)
        return {
            "id": e.id,
            "name": e.name,
            "description": e.description,
            "instancePrompt": e.instance_prompt,
            "resolution": e.resolution,
            "learningRate": e.learning_rate,
            "trainingEpoch": e.training_epoch,
            "trainTextEncoder": e.train_text_encoder,
            "baseModel": e.base_model,
            "status": e.status,
            "focus": e.focus,
            "createdAt": created,
            "updatedAt": created,
        }

    def user_elements(self, user_id: str) -> dict[str, Any]:
        """``GET /elements/user/{userId}``."""
        if user_id != self.user_id:
            return {"user_loras": []}
        return {"user_loras": [self._lora_json(e) for e in USER_ELEMENTS]}
