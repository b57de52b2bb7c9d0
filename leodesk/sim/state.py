"""The simulated account: credits, generations, variations, init images, jobs and the CDN.

All mutations happen under one re-entrant lock. Jobs advance lazily and exactly: whenever the
state is read, finished jobs are completed at their exact finish time and queued jobs take the
freed slot at that same instant, so timing is deterministic regardless of when clients poll.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import images, multipart, persist, pricing
from .catalog import (
    HISTORY_PROMPTS,
    PLATFORM_ELEMENTS,
    PLATFORM_MODELS,
    RANDOM_PROMPTS,
    USER_ELEMENTS,
    ElementInfo,
    ModelInfo,
    UserElementInfo,
    custom_models,
    stable_uuid,
)
from .config import SimConfig
from .rules import (
    INIT_IMAGE_EXTENSIONS,
    MAX_SEED,
    MAX_SEED_FLUX,
    MSG_COULDNT_ACCESS,
    MSG_IMPROVE_TOO_LONG,
    MSG_INVALID_EXTENSION,
    MSG_INVALID_INIT_IMAGE,
    MSG_NO_CREDITS,
    MSG_NO_INIT_VARIATION,
    MSG_RATE_LIMITED,
    MSG_SERVICE_ERROR,
    ApiError,
    GenerationPlan,
    bad_request,
    find_word,
    moderation_message,
    plan_generation,
)

S3_BUCKET = "leonardo-sim-uploads"
_S3_SECRET = b"leodesk-simulator-not-a-secret"

#: Billed POSTs that count toward ``rate_limit_per_minute`` (paths relative to the API root).
BILLED_PATHS = frozenset(
    {
        "/generations",
        "/variations/upscale",
        "/variations/unzoom",
        "/variations/nobg",
        "/variations/universal-upscaler",
    }
)

_CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "mp4": "video/mp4",
}


def timestamp(dt: datetime) -> str:
    """Hasura ``timestamp`` text: ISO 8601 with milliseconds and no zone (UTC)."""
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def cost_json(credits: int) -> dict[str, Any]:
    """The spec's ``cost`` object, in credits."""
    return {"amount": str(credits), "unit": "CREDITS"}


@dataclass
class Job:
    """A unit of work holding a concurrency slot for ``duration`` seconds."""

    seq: int
    kind: str
    target_id: str
    duration: float
    submitted_at: float
    cost: int
    fail: bool = False
    started_at: float | None = None
    finished_at: float | None = None
    done: bool = False


@dataclass
class GenImage:
    """One generated image (``generated_images[]``)."""

    id: str
    generation_id: str
    index: int
    path: str
    width: int
    height: int
    render_key: str
    label: str
    nsfw: bool = False
    transparent: bool = False
    motion: bool = False
    motion_path: str | None = None
    motion_strength: int | None = None
    variation_ids: list[str] = field(default_factory=list)


@dataclass
class Generation:
    """A generation row; ``images`` fill in when its job completes."""

    id: str
    seq: int
    created_at: str
    fields: dict[str, Any]
    out_width: int
    out_height: int
    num_images: int
    render_key: str
    label: str
    nsfw: bool
    transparent: bool
    elements: list[tuple[str, float]]
    status: str = "PENDING"
    images: list[GenImage] = field(default_factory=list)
    job: Job | None = None
    motion_source: tuple[str, str] | None = None
    motion_strength: int | None = None


@dataclass
class Variation:
    """A post-processing job output (upscale, unzoom, nobg, universal upscaler)."""

    id: str
    seq: int
    created_at: str
    transform_type: str
    kind: str
    root_image_id: str | None
    generation_id: str | None
    width: int
    height: int
    render_key: str
    source: tuple[str, str]
    status: str = "PENDING"
    path: str | None = None
    job: Job | None = None


@dataclass
class InitImage:
    """An init image: presigned at ``POST /init-image``, filled by the S3 POST."""

    id: str
    created_at: str
    extension: str
    key: str
    fields: dict[str, str]
    presigned_at: float
    data: bytes | None = None
    content_type: str = "image/png"


@dataclass(frozen=True)
class CdnAsset:
    """What a CDN path serves: a rendering recipe or uploaded bytes."""

    kind: str
    key: str
    width: int = 0
    height: int = 0
    fmt: str = "JPEG"
    transparent: bool = False
    label: str = ""
    ref: str = ""

    @property
    def content_type(self) -> str:
        """MIME type of the served bytes."""
        if self.kind == "mp4":
            return "video/mp4"
        if self.transparent or self.fmt == "PNG":
            return "image/png"
        return "image/jpeg"


class SimState:
    """The account and everything in it. Safe to call from many threads."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()
        self._changes = 0  # bumped by every change worth keeping
        self._saved_changes = 0
        self._save_error: str | None = None
        self._encoded: dict[str, tuple[tuple[Any, ...], str]] = {}
        self.username = "leodesk-sim"
        self.origin = ""
        self._slots = max(1, int(cfg.concurrency_slots))
        self._custom_models = custom_models()
        self._models: dict[str, ModelInfo] = {m.id: m for m in PLATFORM_MODELS}
        self._models.update({m.id: m for m in self._custom_models})
        self._elements = {e.ak_uuid: e for e in PLATFORM_ELEMENTS}
        self._user_elements = {e.id: e for e in USER_ELEMENTS}
        self._store: persist.StateFile | None = None
        self.restored = False
        """True when the account was continued from ``cfg.state_dir``."""
        self.saved_port: int | None = None
        """The port the kept account was last served on (its URLs name it)."""
        self._reset_account(random.Random(f"sim:{cfg.seed}"))
        saved = None
        if cfg.state_dir:
            store = persist.StateFile(cfg.state_dir)
            try:
                owned = store.acquire()
                if not owned:
                    persist.log.warning(
                        "another process keeps the demo account in %s; this one works on a "
                        "copy and its changes are not kept",
                        cfg.state_dir,
                    )
                saved = store.load()
                self._store = store
            except OSError as exc:
                store.release()
                persist.log.error(
                    "cannot use %s for the demo account (%s); this run starts a new account "
                    "whose changes are not kept",
                    cfg.state_dir,
                    exc,
                )
        if saved is not None:
            try:
                self._restore(*saved)
                self.restored = True
            except Exception as exc:  # any damage: keep the file aside, start a new account
                assert self._store is not None
                self._store.reject(f"its content is inconsistent ({type(exc).__name__}: {exc})")
        if not self.restored:
            self._reset_account(random.Random(f"sim:{cfg.seed}"))
            self._seed_history(int(cfg.seed_generations))
            if cfg.state_dir:
                # The user and the seeded history follow the seed (the same demo account every
                # time it starts afresh); ids handed out from now on never repeat those of an
                # earlier account kept in the same place.
                self._rng.seed(f"sim:{cfg.seed}:{os.urandom(16).hex()}")
        # What is loaded or seeded is written once even before the first change.
        self._changes += 1

    def _reset_account(self, rng: random.Random) -> None:
        """An empty account: a new user, the configured balance, no generations."""
        self._rng = rng
        self.user_id = self._uuid()
        self._subscription = int(self.cfg.credits)
        self._paid = 0
        self._seq = 0
        self._generations: dict[str, Generation] = {}
        self._images: dict[str, GenImage] = {}
        self._variations: dict[str, Variation] = {}
        self._init_images: dict[str, InitImage] = {}
        self._init_by_key: dict[str, str] = {}
        self._running: list[Job] = []
        self._queue: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}
        self._billed: deque[float] = deque()
        self._cdn: dict[str, CdnAsset] = {}
        self._cdn_cache: dict[str, bytes] = {}
        self._account_created = datetime.now(UTC) - timedelta(days=90)
        for model in PLATFORM_MODELS:
            self._cdn[f"/cdn/models/{model.id}/preview.jpg"] = CdnAsset(
                "render", f"model:{model.id}", 512, 512, label=model.name
            )
        for element in PLATFORM_ELEMENTS:
            self._cdn[f"/cdn/elements/{element.ak_uuid}.jpg"] = CdnAsset(
                "render", f"element:{element.ak_uuid}", 384, 384, label=element.name
            )

    # ------------------------------------------------------------------ basics

    def _uuid(self) -> str:
        self._changes += 1
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_seq(self) -> int:
        self._changes += 1
        self._seq += 1
        return self._seq

    @staticmethod
    def now() -> float:
        """The simulator clock (monotonic seconds)."""
        return time.monotonic()

    def url(self, path: str | None) -> str | None:
        """Absolute URL of a CDN/S3 path."""
        return None if path is None else self.origin + path

    @property
    def lock(self) -> threading.RLock:
        """The state lock (held by every public method)."""
        return self._lock

    # ------------------------------------------------------------------ inspection for tests

    @property
    def credits(self) -> int:
        """``apiSubscriptionTokens``."""
        with self._lock:
            self._advance()
            return self._subscription

    @property
    def paid_credits(self) -> int:
        """``apiPaidTokens``."""
        with self._lock:
            return self._paid

    def set_credits(self, subscription: int, paid: int | None = None) -> None:
        """Set the balances (e.g. to test insufficient credits)."""
        with self._lock:
            self._changes += 1
            self._subscription = int(subscription)
            if paid is not None:
                self._paid = int(paid)

    def set_slots(self, slots: int) -> None:
        """Change ``apiConcurrencySlots`` (takes effect for jobs that start afterwards)."""
        with self._lock:
            self._advance()
            self._slots = max(1, int(slots))
            self._fill_slots(self.now())

    @property
    def running_count(self) -> int:
        """Jobs holding a slot right now."""
        with self._lock:
            self._advance()
            return len(self._running)

    @property
    def queued_count(self) -> int:
        """Jobs waiting for a slot."""
        with self._lock:
            self._advance()
            return len(self._queue)

    def job(self, target_id: str) -> Job | None:
        """A copy of the job of a generation or variation (times are monotonic seconds)."""
        with self._lock:
            self._advance()
            job = self._jobs.get(target_id)
            return None if job is None else Job(**job.__dict__)

    def status(self, target_id: str) -> str | None:
        """Status of a generation or variation."""
        with self._lock:
            self._advance()
            if target_id in self._generations:
                return self._generations[target_id].status
            if target_id in self._variations:
                return self._variations[target_id].status
            return None

    def image_ids(self, generation_id: str) -> list[str]:
        """Ids of a generation's images (empty until COMPLETE)."""
        with self._lock:
            self._advance()
            gen = self._generations.get(generation_id)
            return [] if gen is None else [i.id for i in gen.images]

    def generation_ids(self) -> list[str]:
        """All generation ids, newest first."""
        with self._lock:
            gens = sorted(self._generations.values(), key=lambda g: g.seq, reverse=True)
            return [g.id for g in gens]

    # ------------------------------------------------------------------ scheduler

    def _advance(self, now: float | None = None) -> None:
        now = self.now() if now is None else now
        while True:
            due = [j for j in self._running if j.finished_at is not None and j.finished_at <= now]
            if not due:
                break
            job = min(due, key=lambda j: (j.finished_at or 0.0, j.seq))
            self._running.remove(job)
            self._finish(job)
            assert job.finished_at is not None
            self._fill_slots(job.finished_at)

    def _fill_slots(self, at: float) -> None:
        while self._queue and len(self._running) < self._slots:
            nxt = self._queue.popleft()
            nxt.started_at = at
            self._changes += 1
            nxt.finished_at = at + nxt.duration
            self._running.append(nxt)

    def _submit(self, kind: str, target_id: str, cost: int, fail: bool = False) -> Job:
        now = self.now()
        self._advance(now)
        job = Job(
            seq=self._next_seq(),
            kind=kind,
            target_id=target_id,
            duration=max(0.0, float(self.cfg.generation_seconds)),
            submitted_at=now,
            cost=cost,
            fail=fail,
        )
        self._jobs[target_id] = job
        self._queue.append(job)
        self._fill_slots(now)
        return job

    def _check_queue(self) -> None:
        self._advance()
        if len(self._queue) >= self.cfg.queue_per_slot * self._slots:
            raise ApiError(
                429,
                "Too many pending jobs. Please wait for your queued jobs to finish.",
                "rate-limited",
                headers={"Retry-After": str(max(1, math.ceil(self.cfg.generation_seconds)))},
            )

    def complete_all(self) -> int:
        """Finish every queued and running job now; returns how many finished."""
        with self._lock:
            self._advance()
            now = self.now()
            jobs = list(self._running) + list(self._queue)
            self._changes += 1
            self._running.clear()
            self._queue.clear()
            for job in jobs:
                if job.started_at is None:
                    job.started_at = now
                job.finished_at = now
                self._finish(job)
            return len(jobs)

    def _finish(self, job: Job) -> None:
        if job.done:
            return
        job.done = True
        self._changes += 1
        if job.kind in ("generation", "motion"):
            gen = self._generations.get(job.target_id)
            if gen is None:
                return
            if job.fail:
                gen.status = "FAILED"
                self._subscription += job.cost
            else:
                gen.status = "COMPLETE"
                self._materialize(gen)
        else:
            var = self._variations.get(job.target_id)
            if var is None:
                return
            if job.fail:
                var.status = "FAILED"
                self._subscription += job.cost
            else:
                var.status = "COMPLETE"
                self._materialize_variation(var)

    # ------------------------------------------------------------------ credits and limits

    def _charge(self, cost: int) -> None:
        if cost > self._subscription + self._paid:
            raise ApiError(400, MSG_NO_CREDITS, "unexpected")
        self._changes += 1
        from_sub = min(cost, max(self._subscription, 0))
        self._subscription -= from_sub
        self._paid -= cost - from_sub

    def check_rate_limit(self, path: str) -> None:
        """Count a billed POST; raise 429 with Retry-After past ``rate_limit_per_minute``."""
        if path not in BILLED_PATHS:
            return
        with self._lock:
            now = self.now()
            while self._billed and self._billed[0] <= now - 60.0:
                self._billed.popleft()
            if len(self._billed) >= self.cfg.rate_limit_per_minute:
                wait = max(1, math.ceil(self._billed[0] + 60.0 - now))
                raise ApiError(
                    429, MSG_RATE_LIMITED, "rate-limited", headers={"Retry-After": str(wait)}
                )
            self._billed.append(now)
            self._changes += 1

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

    def user_elements(self, user_id: str) -> dict[str, Any]:
        """``GET /elements/user/{userId}``."""
        if user_id != self.user_id:
            return {"user_loras": []}
        created = timestamp(self._account_created)
        return {
            "user_loras": [
                {
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
                for e in USER_ELEMENTS
            ]
        }

    # ------------------------------------------------------------------ generations

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
        if gen.motion_source is not None:
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
            )
            self._register_image(img)
            self._cdn[img.motion_path or ""] = CdnAsset("mp4", gen.render_key)
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
            )
            self._register_image(img)
            gen.images.append(img)

    def _register_image(self, img: GenImage) -> None:
        self._images[img.id] = img
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
            "motionModel": "SVD" if img.motion else None,
            "motionMP4URL": self.url(img.motion_path),
            "motionStrength": img.motion_strength,
            "imageToVideo": False if img.motion else None,
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

    # ------------------------------------------------------------------ variations

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
                fields={
                    "prompt": prompt,
                    "negativePrompt": None,
                    "modelId": None,
                    "imageWidth": w,
                    "imageHeight": h,
                    "inferenceSteps": None,
                    "guidanceScale": None,
                    "initStrength": None,
                    "seed": None,
                    # The real API sends these null for motion rows although the spec says
                    # non-null (ts-sdk #80).
                    "scheduler": None,
                    "sdVersion": None,
                    "presetStyle": None,
                    "public": bool(body.get("isPublic", False)),
                    "photoReal": False,
                    "photoRealStrength": None,
                    "promptMagic": False,
                    "promptMagicStrength": None,
                    "promptMagicVersion": None,
                    "ultra": False,
                },
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

    # ------------------------------------------------------------------ prompts and pricing

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

    # ------------------------------------------------------------------ init images and S3

    def create_init_image(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /init-image``: presigned S3 POST for an init image."""
        with self._lock:
            ext = str(body["extension"]).lower()
            if body["extension"] not in INIT_IMAGE_EXTENSIONS:
                raise bad_request(MSG_INVALID_EXTENSION)
            init_id = self._uuid()
            key = f"users/{self.user_id}/initImages/{init_id}.{ext}"
            now_dt = datetime.now(UTC)
            expires = now_dt + timedelta(seconds=self.cfg.presign_ttl_s)
            amz_date = now_dt.strftime("%Y%m%dT%H%M%SZ")
            credential = f"ASIASIMULATOR/{now_dt:%Y%m%d}/us-east-1/s3/aws4_request"
            content_type = _CONTENT_TYPES[ext]
            policy_doc = {
                "expiration": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "conditions": [
                    {"bucket": S3_BUCKET},
                    {"key": key},
                    {"Content-Type": content_type},
                    ["content-length-range", 0, 52_428_800],
                    {"X-Amz-Algorithm": "AWS4-HMAC-SHA256"},
                    {"X-Amz-Credential": credential},
                    {"X-Amz-Date": amz_date},
                ],
            }
            policy = base64.b64encode(json.dumps(policy_doc).encode()).decode()
            signature = hmac.new(_S3_SECRET, policy.encode(), hashlib.sha256).hexdigest()
            fields = {
                "Content-Type": content_type,
                "bucket": S3_BUCKET,
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Credential": credential,
                "X-Amz-Date": amz_date,
                "key": key,
                "Policy": policy,
                "X-Amz-Signature": signature,
            }
            init = InitImage(
                id=init_id,
                created_at=timestamp(now_dt),
                extension=ext,
                key=key,
                fields=fields,
                presigned_at=self.now(),
                content_type=content_type,
            )
            self._init_images[init_id] = init
            self._init_by_key[key] = init_id
            self._cdn[self._init_path(init)] = CdnAsset("upload", "", ref=init_id)
            return {
                "uploadInitImage": {
                    "id": init_id,
                    "url": self.url(f"/s3/{S3_BUCKET}"),
                    "key": key,
                    "fields": json.dumps(fields),
                }
            }

    def _init_path(self, init: InitImage) -> str:
        return f"/cdn/users/{self.user_id}/initImages/{init.id}.{init.extension}"

    def get_init_image(self, init_id: str) -> dict[str, Any]:
        """``GET /init-image/{id}``."""
        with self._lock:
            init = self._init_images.get(init_id)
            if init is None:
                return {"init_images_by_pk": None}
            return {
                "init_images_by_pk": {
                    "id": init.id,
                    "createdAt": init.created_at,
                    "url": self.url(self._init_path(init)),
                }
            }

    def delete_init_image(self, init_id: str) -> dict[str, Any]:
        """``DELETE /init-image/{id}``."""
        with self._lock:
            init = self._init_images.pop(init_id, None)
            if init is None:
                return {"delete_init_images_by_pk": None}
            self._changes += 1
            self._init_by_key.pop(init.key, None)
            self._cdn.pop(self._init_path(init), None)
            return {"delete_init_images_by_pk": {"id": init.id}}

    def s3_post(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes, dict[str, str], list[str] | None]:
        """The presigned S3 POST: ``(status, xml body, headers, form field names)``."""
        boundary = multipart.boundary_of(headers.get("content-type", ""))
        fields_order: list[str] | None = None
        parts: list[multipart.Part] = []
        if boundary is not None:
            try:
                parts = multipart.parse(body, boundary)
                fields_order = [p.name for p in parts]
            except multipart.MultipartError:
                fields_order = None
        status, xml, extra = self._s3_check(headers, boundary, parts, fields_order is not None)
        return status, xml, extra, fields_order

    def _s3_check(
        self,
        headers: Mapping[str, str],
        boundary: str | None,
        parts: list[multipart.Part],
        parsed: bool,
    ) -> tuple[int, bytes, dict[str, str]]:
        if "authorization" in headers:
            return _s3_error(
                403,
                "AccessDenied",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified",
            )
        if boundary is None:
            return _s3_error(
                412,
                "PreconditionFailed",
                "Bucket POST must be of the enclosure-type multipart/form-data",
            )
        if not parsed:
            return _s3_error(
                400,
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            )
        file_idx = [i for i, p in enumerate(parts) if p.name == "file"]
        if len(file_idx) != 1:
            return _s3_error(
                400, "InvalidArgument", "POST requires exactly one file upload per request."
            )
        before = {p.name: p.text for p in parts[: file_idx[0]]}
        after = parts[file_idx[0] + 1 :]
        if "key" not in before:
            return _s3_error(400, "InvalidArgument", _order_msg("key"))
        if after:
            return _s3_error(400, "InvalidArgument", _order_msg(after[0].name))
        with self._lock:
            init = self._init_images.get(self._init_by_key.get(before["key"], ""))
            if init is None:
                return _s3_error(403, "AccessDenied", "Access Denied")
            for name, expected in init.fields.items():
                if name not in before:
                    return _s3_error(400, "InvalidArgument", _order_msg(name))
                if name != "X-Amz-Signature" and before[name] != expected:
                    return _s3_error(
                        403,
                        "AccessDenied",
                        "Invalid according to Policy: Policy Condition failed: "
                        f'["eq", "${name}", "{expected}"]',
                    )
            if before["X-Amz-Signature"] != init.fields["X-Amz-Signature"]:
                return _s3_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                )
            if self.now() > init.presigned_at + self.cfg.presign_ttl_s:
                return _s3_error(
                    403, "AccessDenied", "Invalid according to Policy: Policy expired."
                )
            data = parts[file_idx[0]].data
            init.data = data
            self._changes += 1
            self._cdn_cache.pop(self._init_path(init), None)
            etag = '"' + hashlib.md5(data).hexdigest() + '"'
            location = f"{self.origin}/s3/{S3_BUCKET}/{init.key}"
            return 204, b"", {"ETag": etag, "Location": location}

    # ------------------------------------------------------------------ keeping the account

    @property
    def kept(self) -> bool:
        """True when this account is written to ``cfg.state_dir`` (this process owns it)."""
        return self._store is not None and self._store.owned

    @property
    def state_file(self) -> persist.StateFile | None:
        """The folder the account is kept in (None without ``state_dir``)."""
        return self._store

    def save(self, *, force: bool = False) -> bool:
        """Write the account to its folder if it changed since the last write; True if written.

        The snapshot is taken under the state lock; encoding and writing happen outside it. A
        failure to write (disk full...) is logged once and retried at the next call.
        """
        store = self._store
        if store is None or not store.owned:
            return False
        with self._save_lock:
            with self._lock:
                if self._changes == self._saved_changes and not force:
                    return False
                changes = self._changes
                snapshot = self.snapshot()
            try:
                store.save(snapshot)
            except OSError as exc:
                message = f"{type(exc).__name__}: {exc}"
                if message != self._save_error:
                    persist.log.error(
                        "cannot write the demo account to %s (%s); will try again",
                        store.folder,
                        message,
                    )
                self._save_error = message
                return False
            if self._save_error is not None:
                persist.log.warning("demo account written to %s again", store.folder)
                self._save_error = None
            self._saved_changes = changes
            return True

    def close_store(self) -> None:
        """Release the folder so another process (or server) can keep the account."""
        if self._store is not None:
            self._store.release()

    def reopen_store(self) -> bool:
        """Take the folder back after :meth:`close_store`; False when another process has it."""
        return self._store is not None and self._store.acquire()

    def snapshot(self) -> persist.Snapshot:
        """The whole account, ready to write (see :class:`persist.Snapshot`).

        Times on the simulator clock become wall-clock seconds, so jobs keep running (and
        finish at their time) while no process serves the account. Generations, variations and
        jobs are encoded once per change and reused, so a large, busy account stays cheap.
        """
        with self._lock:
            mono, wall = self.now(), time.time()

            def w(t: float | None) -> float | None:
                return None if t is None else t - mono + wall

            def job_data(j: Job) -> dict[str, Any]:
                return {
                    **_plain(j),
                    "submitted_at": w(j.submitted_at),
                    "started_at": w(j.started_at),
                    "finished_at": w(j.finished_at),
                }

            cache, self._encoded = self._encoded, {}

            def encoded(key: tuple[Any, ...], make: Any) -> str:
                hit = cache.get(key[0])
                text: str = hit[1] if hit is not None and hit[0] == key else _dumps(make())
                self._encoded[key[0]] = (key, text)
                return text

            gens = sorted(self._generations.values(), key=lambda g: g.seq)
            variations = sorted(self._variations.values(), key=lambda v: v.seq)
            jobs = sorted(self._jobs.values(), key=lambda j: j.seq)
            parts = {
                "generations": [
                    encoded(
                        (
                            "g" + g.id,
                            g.status,
                            tuple(len(i.variation_ids) for i in g.images),
                        ),
                        lambda g=g: _gen_data(g),
                    )
                    for g in gens
                ],
                "variations": [
                    encoded(
                        ("v" + v.id, v.status, v.path),
                        lambda v=v: {**_plain(v, skip=("job",)), "source": list(v.source)},
                    )
                    for v in variations
                ],
                "jobs": [
                    encoded(("j" + j.target_id, j.seq), lambda j=j: job_data(j))
                    if j.done
                    else _dumps(job_data(j))
                    for j in jobs
                ],
            }
            rng_version, rng_words, rng_gauss = self._rng.getstate()
            head: dict[str, Any] = {
                "port": int(self.origin.rsplit(":", 1)[1]) if self.origin else None,
                "user_id": self.user_id,
                "username": self.username,
                "seq": self._seq,
                "subscription": self._subscription,
                "paid": self._paid,
                "account_created": self._account_created.isoformat(),
                "rng": [rng_version, list(rng_words), rng_gauss],
                "billed": [w(t) for t in self._billed],
                "init_images": [
                    {
                        **_plain(i, skip=("data",)),
                        "fields": dict(i.fields),
                        "presigned_at": w(i.presigned_at),
                        "uploaded": i.data is not None,
                    }
                    for i in self._init_images.values()
                ],
            }
            uploads = {i.id: i.data for i in self._init_images.values() if i.data is not None}
            return persist.Snapshot(head, parts, uploads)

    def _restore(self, data: dict[str, Any], uploads: dict[str, bytes]) -> None:
        """Continue the account saved by :meth:`snapshot` (raises on inconsistent data)."""
        mono, wall = self.now(), time.time()

        def m(t: Any) -> float | None:
            return None if t is None else float(t) - wall + mono

        rng = random.Random()
        version, words, gauss = data["rng"]
        rng.setstate((int(version), tuple(int(x) for x in words), gauss))
        # Continue on a fresh branch: ids handed out after the last write (then lost in a
        # crash) are never handed out again.
        rng.seed(f"{rng.getrandbits(128)}:{os.urandom(16).hex()}")
        self._reset_account(rng)
        port = data.get("port")
        self.saved_port = int(port) if port else None
        self.user_id = str(data["user_id"])
        self.username = str(data["username"])
        self._seq = int(data["seq"])
        self._subscription = int(data["subscription"])
        self._paid = int(data["paid"])
        self._account_created = datetime.fromisoformat(str(data["account_created"]))
        self._billed = deque(sorted(float(m(t) or 0.0) for t in data["billed"]))
        for row in data["generations"]:
            gen = _gen_from(row)
            self._generations[gen.id] = gen
            for img in gen.images:
                self._register_image(img)
                if img.motion_path:
                    self._cdn[img.motion_path] = CdnAsset("mp4", gen.render_key)
        for row in data["variations"]:
            var = Variation(**{**row, "source": _pair(row["source"]), "job": None})
            self._variations[var.id] = var
            if var.path is not None:
                self._cdn[var.path] = self._variation_asset(var)
        for row in data["init_images"]:
            fields = {k: v for k, v in row.items() if k not in ("uploaded", "presigned_at")}
            init = InitImage(
                **fields,
                presigned_at=float(m(row["presigned_at"]) or 0.0),
                data=uploads.get(row["id"]),
            )
            self._init_images[init.id] = init
            self._init_by_key[init.key] = init.id
            self._cdn[self._init_path(init)] = CdnAsset("upload", "", ref=init.id)
        for row in data["jobs"]:
            job = Job(
                **{
                    **row,
                    "submitted_at": m(row["submitted_at"]),
                    "started_at": m(row["started_at"]),
                    "finished_at": m(row["finished_at"]),
                }
            )
            self._jobs[job.target_id] = job
            target = self._generations.get(job.target_id) or self._variations.get(job.target_id)
            if target is not None:
                target.job = job
            if job.done:
                continue
            if job.started_at is None:
                self._queue.append(job)
            else:
                self._running.append(job)
        # Jobs that finished while nothing served the account finish at their own time.
        self._advance(mono)
        self._fill_slots(mono)
        # Everything restored must render as the API shows it (raises on inconsistent rows).
        for gen in self._generations.values():
            self._generation_json(gen)
        for var in self._variations.values():
            self._variation_generic_json(var)

    # ------------------------------------------------------------------ CDN

    def cdn_get(self, path: str) -> tuple[bytes, str] | None:
        """Bytes and content type of a CDN path (rendered lazily once, then cached)."""
        with self._lock:
            asset = self._cdn.get(path)
            if asset is None:
                return None
            cached = self._cdn_cache.get(path)
            upload: bytes | None = None
            upload_type = "application/octet-stream"
            if asset.kind in ("upload", "upload-resize"):
                init = self._init_images.get(asset.ref)
                if init is None or init.data is None:
                    return None
                upload, upload_type = init.data, init.content_type
        if asset.kind == "upload":
            assert upload is not None
            return upload, upload_type
        if cached is not None:
            return cached, asset.content_type
        if asset.kind == "mp4":
            data = images.motion_mp4(asset.key)
        elif asset.kind == "unzoom":
            data = images.render_unzoom(asset.key, asset.width, asset.height)
        elif asset.kind == "upload-resize":
            data = images.render_bytes_image(upload or b"", asset.width, asset.height)
        else:
            data = images.render(
                asset.key,
                asset.width,
                asset.height,
                fmt=asset.fmt,
                transparent=asset.transparent,
                label=asset.label,
            )
        with self._lock:
            if path in self._cdn:
                self._cdn_cache[path] = data
        return data, asset.content_type


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _plain(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass's own fields as a dict (shallow; values must already be JSON-ready)."""
    return {k: v for k, v in obj.__dict__.items() if k not in skip}


def _pair(value: Any) -> tuple[str, str]:
    first, second = value
    return str(first), str(second)


def _gen_data(gen: Generation) -> dict[str, Any]:
    return {
        **_plain(gen, skip=("job", "images")),
        "elements": [list(e) for e in gen.elements],
        "motion_source": None if gen.motion_source is None else list(gen.motion_source),
        "fields": dict(gen.fields),
        "images": [{**_plain(i), "variation_ids": list(i.variation_ids)} for i in gen.images],
    }


def _gen_from(row: dict[str, Any]) -> Generation:
    if not isinstance(row["fields"], dict):
        raise TypeError("generation fields must be an object")
    images_ = [
        GenImage(**{**i, "variation_ids": [str(v) for v in i["variation_ids"]]})
        for i in row["images"]
    ]
    return Generation(
        **{
            **row,
            "elements": [(str(a), float(b)) for a, b in row["elements"]],
            "motion_source": None if row["motion_source"] is None else _pair(row["motion_source"]),
            "images": images_,
            "job": None,
        }
    )


def _order_msg(name: str) -> str:
    return (
        f"Bucket POST must contain a field named '{name}'.  "
        "If it is specified, please check the order of the fields."
    )


def _s3_error(status: int, code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    request_id = hashlib.sha1(f"{code}{message}".encode()).hexdigest()[:16].upper()
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{_xml_escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>leodesk-sim</HostId></Error>"
    )
    return status, xml.encode(), {"Content-Type": "application/xml"}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["BILLED_PATHS", "S3_BUCKET", "SimState", "stable_uuid"]
