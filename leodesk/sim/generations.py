"""Generations: ``POST /generations``, reading, listing and deleting them, the images a
finished generation job makes (and their CDN paths), and the seeded history of a new account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .catalog import HISTORY_PROMPTS, PLATFORM_MODELS
from .listings import Listings
from .records import CdnAsset, Generation, GenImage, Variation, cost_json, timestamp
from .rules import MAX_SEED, MAX_SEED_FLUX, GenerationPlan, plan_generation


class Generations(Listings):
    """The account's generations and their images (rows render with their elements)."""

    def _new_generation(
        self, plan: GenerationPlan, created: datetime, *, seq: int | None = None
    ) -> Generation:
        gen_id = self._uuid()
        fields: dict[str, Any] = {
            "prompt": plan.prompt,
            "negativePrompt": plan.negative_prompt,
            "modelId": plan.model_id,
            "imageWidth": plan.width,
            "imageHeight": plan.height,
            "inferenceSteps": plan.steps,
            "guidanceScale": plan.guidance,
            "initStrength": plan.init_strength,
            "seed": plan.seed,
            "scheduler": plan.scheduler,
            "sdVersion": plan.sd_version,
            "presetStyle": plan.preset_style,
            "public": plan.public,
            "photoReal": plan.photo_real,
            "photoRealStrength": plan.photo_real_strength,
            "promptMagic": plan.prompt_magic,
            "promptMagicStrength": plan.prompt_magic_strength,
            "promptMagicVersion": plan.prompt_magic_version,
            "ultra": plan.ultra,
        }
        gen = Generation(
            id=gen_id,
            seq=self._next_seq() if seq is None else seq,
            created_at=timestamp(created),
            fields=fields,
            out_width=plan.out_width,
            out_height=plan.out_height,
            num_images=plan.num_images,
            render_key=f"{plan.prompt}|{plan.seed}",
            label=plan.prompt,
            nsfw=plan.nsfw,
            transparent=plan.transparent,
            elements=list(plan.elements),
        )
        self._generations[gen_id] = gen
        return gen

    def _materialize(self, gen: Generation) -> None:
        if gen.images:
            return
        base = f"/cdn/users/{self.user_id}/generations/{gen.id}"
        if gen.motion_source is not None or gen.video is not None:
            video = gen.video or {}
            img = GenImage(
                id=self._uuid(),
                generation_id=gen.id,
                index=0,
                path=f"{base}/Leonardo_Motion_0.jpg",
                width=gen.out_width,
                height=gen.out_height,
                render_key=gen.render_key,
                label=gen.label,
                motion=True,
                motion_path=f"{base}/Leonardo_Motion_0.mp4",
                motion_strength=gen.motion_strength,
                motion_model=video.get("model", "SVD"),
                image_to_video=video.get("imageToVideo", False),
            )
            self._register_image(img)
            self._cdn[img.motion_path or ""] = self._motion_asset(gen)
            gen.images.append(img)
            return
        ext = "png" if gen.transparent else "jpg"
        for n in range(gen.num_images):
            img = GenImage(
                id=self._uuid(),
                generation_id=gen.id,
                index=n,
                path=f"{base}/Leonardo_{n}.{ext}",
                width=gen.out_width,
                height=gen.out_height,
                render_key=f"{gen.render_key}|{n}",
                label=gen.label,
                nsfw=gen.nsfw,
                transparent=gen.transparent,
                canvas_init=gen.canvas_init,
                canvas_mask=gen.canvas_mask,
                canvas_type=gen.canvas_type,
            )
            self._register_image(img)
            gen.images.append(img)

    def _motion_asset(self, gen: Generation) -> CdnAsset:
        """What the MP4 path of a motion/video generation serves (:mod:`.video_render`)."""
        if gen.video is None:
            return CdnAsset("mp4", gen.render_key, gen.out_width, gen.out_height)
        return CdnAsset(
            "video",
            str(gen.video["recipe"]),
            gen.out_width,
            gen.out_height,
            ref=str(gen.video.get("startUpload") or ""),
            mask_ref=str(gen.video.get("endUpload") or ""),
        )

    def _register_image(self, img: GenImage) -> None:
        self._images[img.id] = img
        if img.blob is not None:  # kept bytes (an LCM upscale's picture)
            self._cdn[img.path] = CdnAsset("upload", "", ref=img.blob)
            return
        if img.canvas_init is not None:
            self._cdn[img.path] = CdnAsset(
                "canvas",
                img.render_key,
                img.width,
                img.height,
                ref=img.canvas_init,
                mask_ref=img.canvas_mask or "",
                canvas_type=img.canvas_type or "",
            )
            return
        self._cdn[img.path] = CdnAsset(
            "render",
            img.render_key,
            img.width,
            img.height,
            fmt="PNG" if img.transparent else "JPEG",
            transparent=img.transparent,
            label=img.label,
        )

    def _seed_history(self, count: int) -> None:
        if count <= 0:
            return
        featured = [m for m in PLATFORM_MODELS if m.featured and not m.is_phoenix]
        start = datetime.now(UTC)
        for i in range(count - 1, -1, -1):
            model = featured[i % len(featured)]
            prompt = HISTORY_PROMPTS[i % len(HISTORY_PROMPTS)]
            width, height = [(1024, 768), (768, 1024), (1024, 1024), (512, 512)][i % 4]
            factor = 1.75 if model.is_sdxl else 1.0
            plan = GenerationPlan(
                prompt=prompt,
                negative_prompt=None,
                model_id=model.id,
                model_name=model.name,
                sd_version=model.sd_version,
                width=width,
                height=height,
                out_width=int(width * factor) // 8 * 8,
                out_height=int(height * factor) // 8 * 8,
                num_images=1 + i % 4,
                steps=15,
                guidance=7.0,
                seed=self._rng.randint(0, MAX_SEED_FLUX if model.is_flux else MAX_SEED),
                scheduler="EULER_DISCRETE",
                preset_style="DYNAMIC",
                alchemy=True,
                high_resolution=False,
                photo_real=False,
                photo_real_version=None,
                photo_real_strength=None,
                prompt_magic=False,
                prompt_magic_strength=None,
                prompt_magic_version=None,
                ultra=False,
                public=False,
                transparent=False,
                init_strength=None,
            )
            gen = self._new_generation(plan, start - timedelta(minutes=37 * (i + 1)))
            gen.status = "COMPLETE"
            self._materialize(gen)

    def create_generation(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /generations`` (body already strictly checked)."""
        with self._lock:
            canvas = self._canvas_source(body)
            if canvas is not None:  # a canvas generation is the size of its init image
                body = {**body, "width": canvas.width, "height": canvas.height}
            plan = plan_generation(
                body,
                self,
                random_seed=self._rng.randint(0, 9_999_999_998),
                moderation_words=self.cfg.moderation_words,
                fail_words=self.cfg.fail_words,
                nsfw_words=self.cfg.nsfw_words,
                moderation_status=self.cfg.moderation_status,
            )
            self._check_queue()
            self._charge(plan.cost)
            gen = self._new_generation(plan, datetime.now(UTC))
            if canvas is not None:
                gen.out_width, gen.out_height = canvas.width, canvas.height
                gen.canvas_type = canvas.kind
                gen.canvas_init, gen.canvas_mask = canvas.init_id, canvas.mask_id
            gen.job = self._submit("generation", gen.id, plan.cost, plan.fail)
            return {
                "sdGenerationJob": {
                    "generationId": gen.id,
                    "apiCreditCost": plan.cost,
                    "cost": cost_json(plan.cost),
                }
            }

    def _variation_generic_json(self, var: Variation) -> dict[str, Any]:
        return {
            "id": var.id,
            "status": var.status,
            "transformType": var.transform_type,
            "url": self.url(var.path),
        }

    def _image_json(self, img: GenImage) -> dict[str, Any]:
        generics = [
            self._variation_generic_json(self._variations[v])
            for v in img.variation_ids
            if v in self._variations
        ]
        return {
            "id": img.id,
            "url": self.url(img.path),
            "nsfw": img.nsfw,
            "likeCount": 0,
            "motion": img.motion,
            "motionModel": img.motion_model or ("SVD" if img.motion else None),
            "motionMP4URL": self.url(img.motion_path),
            "motionStrength": img.motion_strength,
            "imageToVideo": img.image_to_video if img.motion else None,
            "fantasyAvatar": None,
            "generated_image_variation_generics": generics,
        }

    def _generation_json(self, gen: Generation) -> dict[str, Any]:
        elements = []
        for n, (ak, weight) in enumerate(gen.elements):
            info = self._elements.get(ak)
            lora = None
            if info is not None:
                full = self._element_json(info)
                full.pop("creatorName", None)
                lora = full
            elements.append({"id": int(gen.seq) * 100 + n, "lora": lora, "weightApplied": weight})
        row: dict[str, Any] = {
            "id": gen.id,
            "createdAt": gen.created_at,
            "status": gen.status,
            **gen.fields,
            "generated_images": [self._image_json(i) for i in gen.images],
            "generation_elements": elements,
        }
        return row

    def get_generation(self, gen_id: str) -> dict[str, Any]:
        """``GET /generations/{id}``."""
        with self._lock:
            self._advance()
            gen = self._generations.get(gen_id)
            return {"generations_by_pk": None if gen is None else self._generation_json(gen)}

    def list_generations(self, user_id: str, offset: int, limit: int) -> dict[str, Any]:
        """``GET /generations/user/{userId}``: newest first, plain offset/limit."""
        with self._lock:
            self._advance()
            if user_id != self.user_id:
                return {"generations": []}
            gens = sorted(self._generations.values(), key=lambda g: g.seq, reverse=True)
            page = gens[offset : offset + limit]
            return {"generations": [self._generation_json(g) for g in page]}

    def delete_generation(self, gen_id: str) -> dict[str, Any]:
        """``DELETE /generations/{id}``: removes it (a pending job is dropped, not refunded)."""
        with self._lock:
            self._advance()
            gen = self._generations.pop(gen_id, None)
            if gen is None:
                return {"delete_generations_by_pk": None}
            self._changes += 1
            job = self._jobs.pop(gen_id, None)
            if job is not None and not job.done:
                if job in self._running:
                    self._running.remove(job)
                elif job in self._queue:
                    self._queue.remove(job)
                job.done = True
                self._fill_slots(self.now())
            for img in gen.images:
                self._images.pop(img.id, None)
                self._cdn.pop(img.path, None)
                self._cdn_cache.pop(img.path, None)
                if img.motion_path:
                    self._cdn.pop(img.motion_path, None)
            return {"delete_generations_by_pk": {"id": gen.id}}
