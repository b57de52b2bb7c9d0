"""Video generations: ``POST /generations-image-to-video`` and ``POST /generations-text-to-video``.

A video is a generation row with one ``generated_images[]`` entry: ``url`` is its poster (the
start picture), ``motionMP4URL`` the MP4, ``motion: true``, ``motionModel`` the video model
(``MOTION2``...) and ``imageToVideo`` true or false. The row's ``imageWidth``/``imageHeight`` are
the video's requested size, ``seed``/``negativePrompt`` as sent, ``prompt`` the enhanced prompt
when ``promptEnhance`` is on. The model rules are in :mod:`leodesk.sim.video_rules`, the files in
:mod:`leodesk.sim.video_render`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from . import images
from .records import Generation, cost_json, plain_generation_fields, timestamp
from .rules import (
    MSG_COULDNT_ACCESS,
    MSG_INVALID_INIT_IMAGE,
    ApiError,
    bad_request,
    find_word,
    moderation_message,
)
from .uploads import InitImages
from .variations import Variations
from .video_rules import VideoPlan, plan_video


class Videos(Variations, InitImages):
    """The two video operations over the account's images and uploads."""

    def _video_frame(self, image_id: str, image_type: str) -> dict[str, Any]:
        """A start/end frame: ``{key, label, upload, width, height}`` or the real errors."""
        if image_type == "UPLOADED":
            if not self.init_image_ready(image_id):
                raise bad_request(MSG_INVALID_INIT_IMAGE)
            data = self._init_images[image_id].data or b""
            w, h = images.image_size(data) or (1024, 576)
            return {"key": f"init:{image_id}", "label": "", "upload": image_id, "w": w, "h": h}
        img = self._images.get(image_id)
        if img is None:
            raise bad_request(MSG_COULDNT_ACCESS)
        return {
            "key": img.render_key,
            "label": img.label,
            "upload": None,
            "w": img.width,
            "h": img.height,
        }

    def _video_prompt(self, body: Mapping[str, Any]) -> str:
        prompt = str(body["prompt"]).strip()
        word = find_word(prompt, self.cfg.moderation_words)
        if word is not None:
            raise ApiError(self.cfg.moderation_status, moderation_message(word), "unexpected")
        instruction = str(body.get("promptEnhanceInstruction") or "").strip()
        if instruction and not body.get("promptEnhance"):
            raise bad_request("promptEnhanceInstruction needs promptEnhance: true")  # sim text
        if body.get("promptEnhance"):
            extra = instruction or "cinematic lighting, smooth camera motion"
            return f"{prompt}, {extra}"
        return prompt

    def _video_elements(self, body: Mapping[str, Any]) -> list[tuple[str, float]]:
        out = []
        for el in body.get("elements", []):
            info = self.element(el["akUUID"])
            if info is None:
                raise bad_request(f"element {el['akUUID']} not found")  # sim text
            out.append((info.ak_uuid, float(el.get("weight", info.weight_default))))
        return out

    def _new_video(
        self,
        body: Mapping[str, Any],
        plan: VideoPlan,
        start: dict[str, Any] | None,
        end: dict[str, Any] | None,
    ) -> Generation:
        prompt = self._video_prompt(body)
        recipe = {
            "start": start["key"] if start else f"{prompt}|{plan.seed}",
            "start_label": start["label"] if start else prompt,
            "end": end["key"] if end else None,
            "end_label": end["label"] if end else "",
            "prompt": prompt,
            "seed": plan.seed,
            "duration": plan.duration,
            "w": plan.width,
            "h": plan.height,
        }
        fields = plain_generation_fields(
            prompt,
            plan.width,
            plan.height,
            negativePrompt=body.get("negativePrompt"),
            seed=plan.seed,
            public=bool(body.get("isPublic")),
        )
        return Generation(
            id=self._uuid(),
            seq=self._next_seq(),
            created_at=timestamp(datetime.now(UTC)),
            fields=fields,
            out_width=plan.width,
            out_height=plan.height,
            num_images=1,
            render_key=str(recipe["start"]),
            label=str(recipe["start_label"]),
            nsfw=False,
            transparent=False,
            elements=self._video_elements(body),
            video={
                "model": plan.model,
                "resolution": plan.resolution,
                "duration": plan.duration,
                "imageToVideo": start is not None,
                "frameInterpolation": plan.interpolation,
                "recipe": json.dumps(recipe, sort_keys=True),
                "startUpload": start["upload"] if start else None,
                "endUpload": end["upload"] if end else None,
            },
        )

    def _create_video(
        self,
        body: Mapping[str, Any],
        start: dict[str, Any] | None,
        end: dict[str, Any] | None,
    ) -> dict[str, Any]:
        source = (start["w"], start["h"]) if start else None
        plan = plan_video(
            body, text=start is None, source=source, random_seed=self._rng.getrandbits(32)
        )
        gen = self._new_video(body, plan, start, end)
        self._check_queue()
        self._charge(plan.cost)
        self._generations[gen.id] = gen
        fail = find_word(gen.fields["prompt"], self.cfg.fail_words) is not None
        gen.job = self._submit("video", gen.id, plan.cost, fail)
        return {
            "motionVideoGenerationJob": {
                "generationId": gen.id,
                "apiCreditCost": plan.cost,
                "cost": cost_json(plan.cost),
            }
        }

    def _seed_videos(self, count: int) -> None:
        """``count`` finished videos in a new account (see ``SimConfig.seed_videos``)."""
        with self._lock:
            images_ = [i for g in self._generations.values() for i in g.images if not g.video]
            for n in range(max(0, count)):
                start = None
                body: dict[str, Any] = {"prompt": "a slow camera drift over the scene"}
                if n % 2 and images_:
                    start = self._video_frame(images_[-1].id, "GENERATED")
                else:
                    body = {
                        "prompt": "waves rolling onto a moonlit beach",
                        "model": "VEO3",
                        "duration": 4,
                    }
                source = (start["w"], start["h"]) if start else None
                plan = plan_video(body, text=start is None, source=source, random_seed=n)
                gen = self._new_video(body, plan, start, None)
                gen.status = "COMPLETE"
                self._generations[gen.id] = gen
                self._materialize(gen)

    def create_image_to_video(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /generations-image-to-video`` (body already strictly checked)."""
        with self._lock:
            self._advance()
            start = self._video_frame(str(body["imageId"]), str(body["imageType"]))
            end_ref = body.get("endFrameImage")
            end = None
            if end_ref is not None:
                plan_video(body, text=False, source=None, random_seed=0)  # model errors first
                end = self._video_frame(str(end_ref["id"]), str(end_ref["type"]))
            return self._create_video(body, start, end)

    def create_text_to_video(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /generations-text-to-video`` (body already strictly checked)."""
        with self._lock:
            self._advance()
            return self._create_video(body, None, None)
