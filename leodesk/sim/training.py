"""Datasets and training: ``/datasets`` (create, read with its images, delete, a presigned
upload per image like init images, an image copied from a generation), and the trainings of a
custom model (``POST /models``) or a custom element (``POST /elements``).

A training is billed when it is accepted (the pricing calculator's ``MODEL_TRAINING`` price)
and is PENDING for ``training_seconds`` of wall-clock time, then COMPLETE (its model or element
generates) or FAILED (refunded; the name or instance prompt holds one of ``cfg.fail_words``).
Everything here is kept with the account (:meth:`_snapshot_head` / :meth:`_restore`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .catalog import ModelInfo, UserElementInfo
from .keeping import Keeping
from .pricing import service_cost
from .records import CdnAsset, cost_json, timestamp
from .rules import bad_request, find_word, is_uuid

#: Images a dataset needs for a training (sim: the web app asks for at least 5; 50 at most).
MIN_TRAINING_IMAGES = 5
MAX_TRAINING_IMAGES = 50
#: Images a dataset may hold.
MAX_DATASET_IMAGES = 100

MSG_TOO_FEW = f"Dataset must contain at least {MIN_TRAINING_IMAGES} images to train"
MSG_TOO_MANY = f"Dataset must contain at most {MAX_TRAINING_IMAGES} images to train"
MSG_DATASET_FULL = f"Dataset cannot contain more than {MAX_DATASET_IMAGES} images"
MSG_NO_DATASET = "dataset not found"
MSG_TRAINING_FAILED = "Training failed: the dataset images could not be learned"
LORA_FOCUS = ("General", "Character", "Style", "Object")
# (epochs min, max), (learning rate min, max) per element base and focus (the spec's tables)
_FLUX_LIMITS = {
    "Style": ((30, 120), (0.000001, 0.00003)),
    "Object": ((120, 220), (0.00001, 0.001)),
    "Character": ((100, 200), (0.00001, 0.001)),
}
_DEFAULT_LIMITS = ((1, 250), (0.00000001, 0.00001))


@dataclass
class DatasetImage:
    """One image of a dataset: an upload (an init-image-like S3 object) or a generated image."""

    id: str
    created_at: str
    upload: str | None = None  # the init image record holding the bytes
    generated: str | None = None  # the generated image it was copied from


@dataclass
class Dataset:
    id: str
    name: str
    description: str | None
    created_at: str
    images: list[DatasetImage] = field(default_factory=list)


@dataclass
class Training:
    """A custom model (``kind`` "model", ``target`` its uuid) or element ("element", its int id)."""

    kind: str
    target: str
    ready_at: float  # wall clock
    cost: int
    fail: bool
    settled: bool = False


class Trainings(Keeping):
    """Datasets, trainings, and the listings of what they made."""

    def _reset_account(self, rng: Any) -> None:
        super()._reset_account(rng)
        self._datasets: dict[str, Dataset] = {}
        self._trainings: list[Training] = []
        self._next_lora = 5000

    # ------------------------------------------------------------------ datasets

    def create_dataset(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /datasets``."""
        with self._lock:
            if not str(body["name"]).strip():
                raise bad_request("name must not be empty")
            ds = Dataset(self._uuid(), str(body["name"]), body.get("description"), _now_stamp())
            self._datasets[ds.id] = ds
            return {"insert_datasets_one": {"id": ds.id}}

    def _dataset(self, dataset_id: str) -> Dataset:
        ds = self._datasets.get(dataset_id.lower()) if is_uuid(dataset_id) else None
        if ds is None:
            raise bad_request(MSG_NO_DATASET, "not-found")
        return ds

    def _image_url(self, img: DatasetImage) -> str | None:
        if img.upload is not None:
            init = self._init_images.get(img.upload)
            return None if init is None else self.url(self._init_path(init))
        gen = self._images.get(img.generated or "")
        return None if gen is None else self.url(gen.path)

    def _ready_images(self, ds: Dataset) -> list[DatasetImage]:
        """Images whose bytes are there (an upload counts once S3 has it)."""
        out = []
        for img in ds.images:
            if img.upload is not None:
                init = self._init_images.get(img.upload)
                if init is None or init.data is None:
                    continue
            out.append(img)
        return out

    def get_dataset(self, dataset_id: str) -> dict[str, Any]:
        """``GET /datasets/{id}``."""
        with self._lock:
            ds = self._datasets.get(dataset_id)
            if ds is None:
                return {"datasets_by_pk": None}
            images = [
                {"id": i.id, "createdAt": i.created_at, "url": self._image_url(i)}
                for i in self._ready_images(ds)
            ]
            return {
                "datasets_by_pk": {
                    "id": ds.id,
                    "name": ds.name,
                    "description": ds.description,
                    "createdAt": ds.created_at,
                    "updatedAt": ds.created_at,
                    "dataset_images": images,
                }
            }

    def delete_dataset(self, dataset_id: str) -> dict[str, Any]:
        """``DELETE /datasets/{id}``."""
        with self._lock:
            ds = self._datasets.pop(dataset_id, None)
            if ds is None:
                return {"delete_datasets_by_pk": None}
            self._changes += 1
            for img in ds.images:
                init = self._init_images.pop(img.upload or "", None)
                if init is not None:
                    self._init_by_key.pop(init.key, None)
                    self._cdn.pop(self._init_path(init), None)
            return {"delete_datasets_by_pk": {"id": ds.id}}

    def _room(self, ds: Dataset) -> None:
        if len(self._ready_images(ds)) >= MAX_DATASET_IMAGES:
            raise bad_request(MSG_DATASET_FULL)

    def upload_dataset_image(self, dataset_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /datasets/{datasetId}/upload``: a presigned S3 POST for one image."""
        with self._lock:
            ds = self._dataset(dataset_id)
            self._room(ds)
            init = self._presign(body["extension"], f"datasets/{ds.id}")
            ds.images.append(DatasetImage(init.id, init.created_at, upload=init.id))
            return {
                "uploadDatasetImage": {
                    "id": init.id,
                    "url": self.url("/s3/leonardo-sim-uploads"),
                    "key": init.key,
                    "fields": _json(init.fields),
                }
            }

    def upload_dataset_image_from_gen(
        self, dataset_id: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``POST /datasets/{datasetId}/upload/gen``: a generated image, copied server-side."""
        with self._lock:
            ds = self._dataset(dataset_id)
            image_id = str(body["generatedImageId"])
            if image_id not in self._images:
                raise bad_request("couldn't access image")
            self._room(ds)
            img = DatasetImage(self._uuid(), _now_stamp(), generated=image_id)
            ds.images.append(img)
            return {"uploadDatasetImageFromGen": {"id": img.id}}

    # ------------------------------------------------------------------ trainings

    def training_seconds(self) -> float:
        """How long a training takes (sim: four generation times, at least a second)."""
        return max(1.0, 4.0 * float(self.cfg.generation_seconds))

    def _training_images(self, dataset_id: str) -> int:
        ds = self._dataset(dataset_id)
        count = len(self._ready_images(ds))
        if count < MIN_TRAINING_IMAGES:
            raise bad_request(MSG_TOO_FEW)
        if count > MAX_TRAINING_IMAGES:
            raise bad_request(MSG_TOO_MANY)
        return count

    def _start(self, kind: str, target: str, cost: int, words: str) -> None:
        self._charge(cost)
        fail = find_word(words, tuple(self.cfg.fail_words)) is not None
        ready = time.time() + self.training_seconds()
        self._trainings.append(Training(kind, target, ready, cost, fail))

    def create_model(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /models``: train a custom model on a dataset."""
        with self._lock:
            resolution = int(body.get("resolution") or 512)
            if resolution not in (512, 768):
                raise bad_request("resolution must be 512 or 768")
            if not str(body["instance_prompt"]).strip():
                raise bad_request("instance_prompt must not be empty")
            self._training_images(str(body["datasetId"]))
            sd = str(body.get("sd_version") or "v1_5")
            cost = service_cost("MODEL_TRAINING", {"resolution": resolution, "sd_version": sd})
            model = ModelInfo(
                self._uuid(),
                str(body["name"]),
                str(body.get("description") or ""),
                sd,
                platform=False,
                width=resolution,
                height=resolution,
                status="PENDING",
                type=str(body.get("modelType") or "GENERAL"),
                instance_prompt=str(body["instance_prompt"]),
            )
            self._start("model", model.id, cost, f"{model.name} {model.instance_prompt}")
            self._add_model(model)
            job = {"customModelId": model.id, "apiCreditCost": cost, "cost": cost_json(cost)}
            return {"sdTrainingJob": job}

    def _add_model(self, model: ModelInfo) -> None:
        self._models[model.id] = model
        others = tuple(m for m in self._custom_models if m.id != model.id)
        self._custom_models = (*others, model)

    def create_element(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /elements``: train a custom element (LoRA) on a dataset."""
        with self._lock:
            sd, focus = str(body["sd_version"]), str(body["lora_focus"])
            _check_element(body, sd, focus)
            count = self._training_images(str(body["datasetId"]))
            params = {"resolution": 1024, "sd_version": sd, "datasetImageCount": count}
            cost = service_cost("MODEL_TRAINING", params)
            self._next_lora += 1
            self._changes += 1
            element = UserElementInfo(
                self._next_lora,
                str(body["name"]),
                str(body.get("description") or ""),
                str(body.get("instance_prompt") or ""),
                focus,
                base_model=sd,
                learning_rate=float(body["learning_rate"]),
                training_epoch=int(body["num_train_epochs"]),
                train_text_encoder=bool(body["train_text_encoder"]),
                status="PENDING",
            )
            words = f"{element.name} {element.instance_prompt}"
            self._start("element", str(element.id), cost, words)
            self._user_elements[element.id] = element
            job = {"userLoraId": element.id, "apiCreditCost": cost, "cost": cost_json(cost)}
            return {"sdTrainingJob": job}

    def _settle(self) -> None:
        """Trainings whose time came end: COMPLETE, or FAILED and refunded."""
        now = time.time()
        for t in self._trainings:
            if t.settled or t.ready_at > now:
                continue
            t.settled = True
            self._changes += 1
            status = "FAILED" if t.fail else "COMPLETE"
            if t.fail:
                self._subscription += t.cost
            model = self._models.get(t.target) if t.kind == "model" else None
            lora = self._user_elements.get(int(t.target)) if t.kind == "element" else None
            if model is not None:  # a model deleted while it trained stays deleted
                self._add_model(dataclasses.replace(model, status=status))
            if lora is not None:
                self._user_elements[lora.id] = dataclasses.replace(lora, status=status)

    # ------------------------------------------------------------------ listings

    def user_models(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            self._settle()
            return super().user_models(user_id)

    def model_by_id(self, model_id: str) -> dict[str, Any]:
        with self._lock:
            self._settle()
            return super().model_by_id(model_id)

    def delete_model(self, model_id: str) -> dict[str, Any]:
        """``DELETE /models/{id}`` (own models only)."""
        with self._lock:
            model = self._models.get(model_id)
            if model is None or model.platform:
                return {"delete_custom_models_by_pk": None}
            self._changes += 1
            del self._models[model_id]
            self._custom_models = tuple(m for m in self._custom_models if m.id != model_id)
            return {"delete_custom_models_by_pk": {"id": model_id}}

    def user_elements(self, user_id: str) -> dict[str, Any]:
        """``GET /elements/user/{userId}``, trainings that ended meanwhile settled first."""
        with self._lock:
            self._settle()
            return super().user_elements(user_id)

    def user_element_by_id(self, lora_id: int) -> dict[str, Any]:
        """``GET /elements/{id}``, trainings that ended meanwhile settled first."""
        with self._lock:
            self._settle()
            return super().user_element_by_id(lora_id)

    # ------------------------------------------------------------------ keeping

    def _snapshot_head(self, w: Any) -> dict[str, Any]:
        head = super()._snapshot_head(w)
        head["datasets"] = [dataclasses.asdict(d) for d in self._datasets.values()]
        head["trainings"] = [dataclasses.asdict(t) for t in self._trainings]
        head["trained_models"] = [
            dataclasses.asdict(self._models[t.target])
            for t in self._trainings
            if t.kind == "model" and t.target in self._models
        ]
        head["trained_elements"] = [
            dataclasses.asdict(self._user_elements[int(t.target)])
            for t in self._trainings
            if t.kind == "element" and int(t.target) in self._user_elements
        ]
        head["next_lora"] = self._next_lora
        return head

    def _restore(self, data: dict[str, Any], uploads: dict[str, bytes]) -> None:
        super()._restore(data, uploads)
        for row in data.get("datasets", []):
            images = [DatasetImage(**i) for i in row["images"]]
            self._datasets[row["id"]] = Dataset(**{**row, "images": images})
        self._trainings = [Training(**row) for row in data.get("trainings", [])]
        for row in data.get("trained_models", []):
            self._add_model(ModelInfo(**row))
        for row in data.get("trained_elements", []):
            self._user_elements[int(row["id"])] = UserElementInfo(**row)
        self._next_lora = int(data.get("next_lora", self._next_lora))
        for ds in self._datasets.values():
            for img in ds.images:
                init = self._init_images.get(img.upload or "")
                if init is not None:
                    self._cdn[self._init_path(init)] = CdnAsset("upload", "", ref=init.id)


def _check_element(body: Mapping[str, Any], sd: str, focus: str) -> None:
    if focus not in LORA_FOCUS:
        raise bad_request(f"lora_focus must be one of {', '.join(LORA_FOCUS)}")
    if sd == "FLUX_DEV" and focus == "General":
        raise bad_request("FLUX_DEV doesn't support General category")
    if int(body.get("resolution") or 1024) != 1024:
        raise bad_request("resolution must be 1024")
    if not str(body["name"]).strip():
        raise bad_request("name must not be empty")
    needs_prompt = sd != "FLUX_DEV" or focus == "Character"
    if needs_prompt and not str(body.get("instance_prompt") or "").strip():
        raise bad_request("instance_prompt is required for this model and focus")
    (elo, ehi), (llo, lhi) = _FLUX_LIMITS[focus] if sd == "FLUX_DEV" else _DEFAULT_LIMITS
    epochs, rate = int(body["num_train_epochs"]), float(body["learning_rate"])
    if not elo <= epochs <= ehi:
        raise bad_request(f"num_train_epochs must be between {elo} and {ehi}")
    if not llo <= rate <= lhi:
        raise bad_request(f"learning_rate must be between {llo:g} and {lhi:g}")


def _now_stamp() -> str:
    return timestamp(datetime.now(UTC))


def _json(value: Any) -> str:
    return json.dumps(value)
