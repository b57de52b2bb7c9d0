"""Variations and motion: upscale, unzoom, remove background and the universal upscaler on a
generated image, a variation or an init image, and motion (SVD) generations from an image."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from . import images, pricing
from .generations import Generations
from .records import (
    CdnAsset,
    Generation,
    Variation,
    cost_json,
    plain_generation_fields,
    timestamp,
)
from .rules import (
    MSG_COULDNT_ACCESS,
    MSG_INVALID_INIT_IMAGE,
    MSG_NO_INIT_VARIATION,
    MSG_SERVICE_ERROR,
    ApiError,
    bad_request,
    find_word,
    moderation_message,
)


class Variations(Generations):
    """Post-processing jobs and motion generations over the account's images."""

    def _variation_source(self, image_id: str, is_variation: bool) -> tuple[str, str, int, int]:
        """Resolve a variation's input: ``(kind, id, width, height)`` or the real errors."""
        if is_variation:
            var = self._variations.get(image_id)
            if var is None or var.status != "COMPLETE":
                raise bad_request(MSG_NO_INIT_VARIATION)
            return ("variation", var.id, var.width, var.height)
        if image_id in self._variations:
            raise bad_request(MSG_NO_INIT_VARIATION)
        img = self._images.get(image_id)
        if img is None:
            raise bad_request(MSG_COULDNT_ACCESS)
        return ("image", img.id, img.width, img.height)

    def _source_render_key(self, kind: str, source_id: str) -> tuple[str, str | None, str | None]:
        """Render key, root image id and generation id of a variation source."""
        if kind == "image":
            img = self._images[source_id]
            return img.render_key, img.id, img.generation_id
        if kind == "variation":
            var = self._variations[source_id]
            return var.render_key, var.root_image_id, var.generation_id
        return f"init:{source_id}", None, None

    def _new_variation(
        self,
        transform: str,
        kind: str,
        source: tuple[str, str],
        width: int,
        height: int,
        cost: int,
    ) -> Variation:
        key, root, gen_id = self._source_render_key(*source)
        var = Variation(
            id=self._uuid(),
            seq=self._next_seq(),
            created_at=timestamp(datetime.now(UTC)),
            transform_type=transform,
            kind=kind,
            root_image_id=root,
            generation_id=gen_id,
            width=width,
            height=height,
            render_key=key,
            source=source,
        )
        self._variations[var.id] = var
        if root is not None and root in self._images:
            self._images[root].variation_ids.append(var.id)
        var.job = self._submit("variation", var.id, cost)
        return var

    def _materialize_variation(self, var: Variation) -> None:
        ext = "png" if var.kind == "nobg" else "jpg"
        if var.generation_id is not None:
            base = f"/cdn/users/{self.user_id}/generations/{var.generation_id}/variations"
        else:
            base = f"/cdn/users/{self.user_id}/variations/{var.id}"
        var.path = f"{base}/{var.transform_type}_{var.id}.{ext}"
        self._cdn[var.path] = self._variation_asset(var)

    @staticmethod
    def _variation_asset(var: Variation) -> CdnAsset:
        """What the CDN serves for a COMPLETE variation."""
        if var.source[0] == "blob":  # kept bytes (an LCM upscale)
            return CdnAsset("upload", "", ref=var.source[1])
        if var.source[0] == "init":
            return CdnAsset("upload-resize", "", var.width, var.height, ref=var.source[1])
        if var.kind == "unzoom":
            return CdnAsset("unzoom", var.render_key, var.width, var.height)
        return CdnAsset(
            "render",
            var.render_key,
            var.width,
            var.height,
            fmt="PNG" if var.kind == "nobg" else "JPEG",
            transparent=var.kind == "nobg",
        )

    def create_variation(self, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /variations/upscale|unzoom|nobg``."""
        with self._lock:
            self._advance()
            src_kind, src_id, w, h = self._variation_source(
                body["id"], bool(body.get("isVariation", False))
            )
            if kind == "upscale":
                transform, cost, (w, h) = "UPSCALE", pricing.UPSCALE_COST, (w * 2, h * 2)
                key = "sdUpscaleJob"
            elif kind == "unzoom":
                transform, cost, key = "UNZOOM", pricing.UNZOOM_COST, "sdUnzoomJob"
            else:
                transform, cost, key = "NOBG", pricing.NOBG_COST, "sdNobgJob"
            w, h = images.clamp_size(w, h)
            self._check_queue()
            self._charge(cost)
            var = self._new_variation(transform, kind, (src_kind, src_id), w, h, cost)
            return {key: {"id": var.id, "apiCreditCost": cost, "cost": cost_json(cost)}}

    def create_universal_upscale(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /variations/universal-upscaler``."""
        with self._lock:
            self._advance()
            given = [k for k in ("generatedImageId", "initImageId", "variationId") if k in body]
            if len(given) != 1:
                raise bad_request(
                    "Exactly one of generatedImageId, initImageId or variationId is required"
                )  # sim text
            if "upscalerStyle" in body and "ultraUpscaleStyle" in body:
                raise bad_request("upscalerStyle can not be used with ultraUpscaleStyle")
            mult = float(body.get("upscaleMultiplier", 1.5))
            if not 1.0 <= mult <= 2.0:
                raise bad_request("upscaleMultiplier must be between 1.00 and 2.00")
            for k in ("creativityStrength", "similarity", "detailContrast"):
                if k in body and not 1 <= int(body[k]) <= 10:
                    raise bad_request(f"{k} must be between 1 and 10")
            prompt = body.get("prompt")
            if prompt:
                word = find_word(prompt, self.cfg.moderation_words)
                if word is not None:
                    raise ApiError(
                        self.cfg.moderation_status, moderation_message(word), "unexpected"
                    )
            which = given[0]
            source: tuple[str, str]
            if which == "generatedImageId":
                kind, sid, w, h = self._variation_source(body[which], False)
                source = (kind, sid)
            elif which == "variationId":
                kind, sid, w, h = self._variation_source(body[which], True)
                source = (kind, sid)
            else:
                init = self._init_images.get(body[which])
                if init is None or init.data is None:
                    raise bad_request(MSG_INVALID_INIT_IMAGE)
                w, h = images.image_size(init.data) or (1024, 1024)
                source = ("init", init.id)
            out_w, out_h = int(w * mult), int(h * mult)
            if out_w * out_h > 20_000_000:
                scale = (20_000_000 / (out_w * out_h)) ** 0.5
                out_w, out_h = int(out_w * scale), int(out_h * scale)
            if "ultraUpscaleStyle" in body:
                cost = pricing.universal_upscaler_ultra_cost(w, h, mult)
            else:
                cost = pricing.universal_upscaler_cost(pricing.output_megapixels(out_w, out_h))
            self._check_queue()
            self._charge(cost)
            out_w, out_h = images.clamp_size(out_w, out_h)
            var = self._new_variation("UPSCALE", "universal", source, out_w, out_h, cost)
            return {
                "universalUpscaler": {"id": var.id, "apiCreditCost": cost, "cost": cost_json(cost)}
            }

    def get_variation(self, var_id: str) -> dict[str, Any]:
        """``GET /variations/{id}``: an array (empty when unknown)."""
        with self._lock:
            self._advance()
            var = self._variations.get(var_id)
            if var is None:
                return {"generated_image_variation_generic": []}
            item = {"createdAt": var.created_at, **self._variation_generic_json(var)}
            return {"generated_image_variation_generic": [item]}

    # ------------------------------------------------------------------ motion

    def create_motion(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /generations-motion-svd``."""
        with self._lock:
            self._advance()
            image_id: str = body["imageId"]
            if image_id in self._generations:
                raise ApiError(500, MSG_SERVICE_ERROR, "unexpected")
            strength = int(body.get("motionStrength", 5))
            if not 1 <= strength <= 10:
                raise bad_request("motionStrength must be between 1 and 10")  # sim text
            if body.get("isInitImage"):
                if not self.init_image_ready(image_id):
                    raise bad_request(MSG_INVALID_INIT_IMAGE)
                init = self._init_images[image_id]
                w, h = images.image_size(init.data or b"") or (1024, 576)
                key, prompt = f"init:{image_id}", ""
            else:
                kind, sid, w, h = self._variation_source(image_id, bool(body.get("isVariation")))
                key, _root, gen_id = self._source_render_key(kind, sid)
                parent = self._generations.get(gen_id or "")
                prompt = parent.fields["prompt"] if parent else ""
            cost = pricing.MOTION_SVD_COST
            self._check_queue()
            self._charge(cost)
            gen = Generation(
                id=self._uuid(),
                seq=self._next_seq(),
                created_at=timestamp(datetime.now(UTC)),
                # The real API sends scheduler and sdVersion null for motion rows although
                # the spec says non-null (ts-sdk #80).
                fields=plain_generation_fields(prompt, w, h, public=bool(body.get("isPublic"))),
                out_width=w,
                out_height=h,
                num_images=1,
                render_key=key,
                label=prompt,
                nsfw=False,
                transparent=False,
                elements=[],
                motion_source=("image", image_id),
                motion_strength=strength,
            )
            self._generations[gen.id] = gen
            gen.job = self._submit("motion", gen.id, cost)
            return {
                "motionSvdGenerationJob": {
                    "generationId": gen.id,
                    "apiCreditCost": cost,
                    "cost": cost_json(cost),
                }
            }
