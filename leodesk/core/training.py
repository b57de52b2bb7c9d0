"""Datasets and training, Qt-free: what the app's training runner and the CLI share.

* :func:`collect_files` sorts dropped files and folders into images a dataset takes and the
  rest, each with the reason.
* :class:`DatasetUploader` sends a dataset's images that are not yet on the server, one by
  one, storing each step in the library first (see :mod:`leodesk.core.library.training`), so a
  crash resumes where it stopped and no image is sent twice.
* :func:`training_body`, :func:`check_dataset_size`, :func:`submit_training`,
  :func:`look_for_training` and :func:`follow_training`: a training is sent once; an unknown
  outcome is looked for among the user's models or elements, never sent again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from leodesk.core.library.training import PRESIGNED, SENDING, UPLOADED

if TYPE_CHECKING:
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.library import DatasetImageRecord, Library


class DatasetStore(Protocol):
    """The library calls the uploader makes (the app runs them on its database thread)."""

    def dataset_images(self, dataset_id: str) -> list[DatasetImageRecord]: ...
    def set_dataset_image(
        self,
        local_id: int,
        state: str,
        *,
        remote_id: str | None = ...,
        url: str | None = ...,
        error: str | None = ...,
    ) -> None: ...


JOB_KIND: Final = "training"
#: File types a dataset image may have (the API's ``uploadDatasetImage``).
DATASET_TYPES: Final = ("png", "jpg", "jpeg", "webp")
#: Images a dataset needs to be trained on (the API's limits).
MIN_TRAINING_IMAGES: Final = 5
MAX_TRAINING_IMAGES: Final = 50
MAX_FILE_BYTES: Final = 50 * 1024 * 1024
LORA_FOCUS: Final = ("General", "Character", "Style", "Object")
ELEMENT_BASES: Final = (
    "FLUX_DEV",
    "SDXL_1_0",
    "SDXL_0_9",
    "LEONARDO_DIFFUSION_XL",
    "LEONARDO_LIGHTNING_XL",
    "VISION_XL",
    "KINO_XL",
    "ALBEDO_XL",
)
#: Default (epochs, learning rate) of an element, per base and focus (the spec's tables).
_FLUX_DEFAULTS: Final = {
    "Style": (60, 0.00001),
    "Object": (140, 0.0004),
    "Character": (135, 0.0005),
}
_DEFAULTS: Final = (100, 0.000001)


class TrainingError(Exception):
    """A training that cannot be sent or failed; the message says what to try."""


# ------------------------------------------------------------------------------ files
@dataclass
class FileSort:
    images: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)

    def refused_text(self) -> str:
        return "\n".join(f"{p.name}: {why}" for p, why in self.refused)


def _kind_of(path: Path) -> str | None:
    """Why ``path`` is no dataset image, or None when it is one."""
    ext = path.suffix.lower().lstrip(".")
    if ext not in DATASET_TYPES:
        return f"not a PNG, JPEG or WebP image (.{ext or '?'})"
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "the file is empty"
    if size > MAX_FILE_BYTES:
        return "larger than 50 MB"
    return None


def collect_files(paths: Iterable[Path]) -> FileSort:
    """The images among ``paths`` (folders are searched, sorted by name) and the refused."""
    out = FileSort()
    for path in paths:
        found = [path]
        if path.is_dir():  # hidden files (.DS_Store...) are not the user's pictures
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        for item in found:
            reason = _kind_of(item)
            if reason is None:
                out.images.append(item)
            else:
                out.refused.append((item, reason))
    return out


def add_files(lib: Library, dataset_id: str, files: Iterable[Path]) -> int:
    """Store ``files`` (images) as pending images of the dataset; how many are new (the same
    content twice is kept once)."""
    added = 0
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        ext = path.suffix.lower().lstrip(".")
        if lib.add_dataset_file(dataset_id, str(path), digest, ext):
            added += 1
    return added


# ------------------------------------------------------------------------------ uploads
@dataclass
class UploadReport:
    uploaded: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, message)


class DatasetUploader:
    """Sends a dataset's images that are not on the server yet (see the module's note)."""

    def __init__(
        self,
        lib: DatasetStore,
        client: LeonardoApi,
        *,
        on_image: Callable[[DatasetImageRecord], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        self._lib = lib
        self._client = client
        self._on_image = on_image
        self._cancelled = cancelled

    def run(self, dataset_id: str) -> UploadReport:
        report = UploadReport()
        todo = [r for r in self._lib.dataset_images(dataset_id) if r.state != UPLOADED]
        if not todo:
            return report
        server = self._server_ids(dataset_id)
        self._settle_lost(dataset_id, todo, server)
        for rec in self._lib.dataset_images(dataset_id):
            if rec.state == UPLOADED or self._cancelled():
                continue
            try:
                self._send(dataset_id, rec)
                report.uploaded += 1
            except Exception as exc:  # one image's failure does not stop the others
                name = Path(rec.path).name if rec.path else str(rec.gen_image_id)
                self._lib.set_dataset_image(rec.local_id, rec.state, error=str(exc))
                report.failed.append((name, str(exc)))
            self._tell(rec.local_id, dataset_id)
        return report

    def _server_ids(self, dataset_id: str) -> dict[str, str | None]:
        ds = self._client.get_dataset(dataset_id)
        if ds is None:
            raise TrainingError("The dataset is no longer on the server.")
        return {img.id: img.url for img in ds.images}

    def _settle_lost(
        self, dataset_id: str, todo: list[DatasetImageRecord], server: dict[str, str | None]
    ) -> None:
        """Images whose last step's answer was lost: those the server has are uploaded; a
        lost ``upload/gen`` answer takes an id the library does not know yet."""
        known = {r.remote_id for r in self._lib.dataset_images(dataset_id) if r.remote_id}
        strangers = [i for i in server if i not in known]
        for rec in todo:
            if rec.state == PRESIGNED and rec.remote_id in server:
                self._lib.set_dataset_image(rec.local_id, UPLOADED, url=server[rec.remote_id])
            elif rec.state == SENDING and strangers:
                found = strangers.pop(0)
                self._lib.set_dataset_image(
                    rec.local_id, UPLOADED, remote_id=found, url=server[found]
                )

    def _send(self, dataset_id: str, rec: DatasetImageRecord) -> None:
        if rec.source == "gen":
            assert rec.gen_image_id is not None
            self._lib.set_dataset_image(rec.local_id, SENDING)
            new_id = self._client.add_generated_to_dataset(dataset_id, rec.gen_image_id)
            self._lib.set_dataset_image(rec.local_id, UPLOADED, remote_id=new_id)
            return
        assert rec.path is not None and rec.ext is not None
        data = Path(rec.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != rec.sha256:
            raise TrainingError("the file changed since it was added; add it again")
        for _round in (1, 2):
            presign = self._client.presign_dataset_image(dataset_id, rec.ext)
            self._lib.set_dataset_image(rec.local_id, PRESIGNED, remote_id=presign.id)
            if self._client.post_dataset_image(presign, data, rec.ext):
                self._lib.set_dataset_image(rec.local_id, UPLOADED)
                return
        raise TrainingError("the upload link expired twice; try again")

    def _tell(self, local_id: int, dataset_id: str) -> None:
        if self._on_image is None:
            return
        rec = next(
            (r for r in self._lib.dataset_images(dataset_id) if r.local_id == local_id), None
        )
        if rec is not None:
            self._on_image(rec)


def refresh_urls(lib: DatasetStore, client: LeonardoApi, dataset_id: str) -> int:
    """The server's urls of uploaded images into the library; how many images it holds."""
    ds = client.get_dataset(dataset_id)
    if ds is None:
        raise TrainingError("The dataset is no longer on the server.")
    urls = {img.id: img.url for img in ds.images}
    for rec in lib.dataset_images(dataset_id):
        if rec.state == UPLOADED and rec.remote_id in urls and urls[rec.remote_id] != rec.url:
            lib.set_dataset_image(rec.local_id, UPLOADED, url=urls[rec.remote_id])
    return len(ds.images)


# ------------------------------------------------------------------------------ training
@dataclass(frozen=True)
class TrainingSpec:
    """What to train: ``kind`` "model" or "element", and the request's values."""

    kind: str
    values: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.values.get("name") or "")

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "values": dict(self.values)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> TrainingSpec:
        try:
            data = json.loads(text or "")
            kind = str(data["kind"])
            values = dict(data["values"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("not a stored training") from exc
        if kind not in ("model", "element"):
            raise ValueError(f"unknown training kind {kind!r}")
        return cls(kind, values)

    @property
    def label(self) -> str:
        return f"Train {'element' if self.kind == 'element' else 'model'} “{self.name}”"


def element_defaults(base: str, focus: str) -> tuple[int, float]:
    """The spec's default (epochs, learning rate) of an element."""
    if base == "FLUX_DEV":
        return _FLUX_DEFAULTS.get(focus, _DEFAULTS)
    return _DEFAULTS


def model_spec(
    dataset_id: str,
    name: str,
    instance_prompt: str,
    *,
    description: str = "",
    resolution: int = 512,
    sd_version: str = "v1_5",
    model_type: str = "GENERAL",
    strength: str = "MEDIUM",
) -> TrainingSpec:
    values = {
        "name": name,
        "description": description,
        "datasetId": dataset_id,
        "instance_prompt": instance_prompt,
        "modelType": model_type,
        "resolution": resolution,
        "sd_version": sd_version,
        "strength": strength,
        "nsfw": False,
    }
    return TrainingSpec("model", values)


def element_spec(
    dataset_id: str,
    name: str,
    focus: str,
    *,
    instance_prompt: str = "",
    description: str = "",
    base: str = "FLUX_DEV",
    epochs: int | None = None,
    learning_rate: float | None = None,
    train_text_encoder: bool = True,
) -> TrainingSpec:
    default_epochs, default_rate = element_defaults(base, focus)
    values = {
        "name": name,
        "description": description,
        "datasetId": dataset_id,
        "instance_prompt": instance_prompt or None,
        "lora_focus": focus,
        "sd_version": base,
        "resolution": 1024,
        "num_train_epochs": default_epochs if epochs is None else epochs,
        "learning_rate": default_rate if learning_rate is None else learning_rate,
        "train_text_encoder": train_text_encoder,
    }
    return TrainingSpec("element", {k: v for k, v in values.items() if v is not None})


def check_spec(spec: TrainingSpec, images: int) -> str | None:
    """What is wrong before sending (a sentence), or None."""
    if images < MIN_TRAINING_IMAGES:
        return (
            f"The dataset has {images} image{'s' if images != 1 else ''} on the server; a "
            f"training needs at least {MIN_TRAINING_IMAGES}. Add more images first."
        )
    if images > MAX_TRAINING_IMAGES:
        return (
            f"The dataset has {images} images; a training takes at most "
            f"{MAX_TRAINING_IMAGES}. Remove some, or make a smaller dataset."
        )
    if not spec.name.strip():
        return "Give the training a name."
    v = spec.values
    needs_prompt = spec.kind == "model" or v.get("sd_version") != "FLUX_DEV"
    needs_prompt = needs_prompt or v.get("lora_focus") == "Character"
    if needs_prompt and not str(v.get("instance_prompt") or "").strip():
        return "Give an instance prompt: a rare word for what you train (e.g. 'mochicat')."
    if (
        spec.kind == "element"
        and v.get("sd_version") == "FLUX_DEV"
        and v.get("lora_focus") == "General"
    ):
        return "FLUX_DEV elements cannot have the General focus: choose Style, Character or Object."
    return None


def price_of(client: LeonardoApi, spec: TrainingSpec, images: int) -> int:
    v = spec.values
    resolution = int(v.get("resolution") or (1024 if spec.kind == "element" else 512))
    return client.training_cost(resolution, str(v.get("sd_version") or ""), images)


def submit_training(client: LeonardoApi, spec: TrainingSpec) -> str:
    """Send the training (billed; never re-sent): the new model's or element's id."""
    if spec.kind == "model":
        return client.create_model(spec.values).id
    return client.create_element(spec.values).id


def same_name_ids(client: LeonardoApi, user_id: str, spec: TrainingSpec) -> list[str]:
    """Ids of the user's models (or elements) named like ``spec``, oldest first."""
    items: list[tuple[str, str | None]]
    if spec.kind == "model":
        items = [(str(m.id), m.name) for m in client.list_user_models(user_id) if m.id]
    else:
        items = [(str(e.id), e.name) for e in client.list_user_elements(user_id) if e.id]
    return [i for i, name in items if name == spec.name]


def look_for_training(
    client: LeonardoApi, user_id: str, spec: TrainingSpec, known: Iterable[str] = ()
) -> str | None:
    """After an unknown outcome: the id of a model or element of this name that is not one
    of ``known`` (those that existed before it was sent), or None."""
    skip = set(known)
    found = [i for i in same_name_ids(client, user_id, spec) if i not in skip]
    return found[-1] if found else None


def training_status(client: LeonardoApi, kind: str, target_id: str) -> str | None:
    """PENDING, COMPLETE, FAILED (or an unknown value), None when it is not found."""
    if kind == "model":
        model = client.get_model(target_id)
        return None if model is None else (model.status or "PENDING")
    element = client.get_user_element(int(target_id))
    return None if element is None else (element.status or "PENDING")


def follow_training(
    client: LeonardoApi,
    kind: str,
    target_id: str,
    *,
    interval: float = 2.0,
    cancelled: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    on_status: Callable[[str], None] | None = None,
) -> str:
    """Poll until the training ends: "COMPLETE" or "FAILED" (TrainingError if it vanished)."""
    while True:
        status = training_status(client, kind, target_id)
        if status is None:
            raise TrainingError(f"The trained {kind} {target_id} is no longer on the server.")
        if on_status is not None:
            on_status(status)
        if status in ("COMPLETE", "FAILED"):
            return status
        if cancelled():
            raise InterruptedError("stopped following the training")
        sleep(interval)


def failure_message(spec: TrainingSpec) -> str:
    return (
        f"The training of “{spec.name}” failed on the server (no credits were kept). Try "
        "again with other images (sharp, varied, the subject clearly visible) or another "
        "focus or base model."
    )
