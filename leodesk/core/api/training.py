"""Datasets and training (a mixin of :class:`~leodesk.core.api.client.LeonardoClient`).

``/datasets``: create, read (with its images), delete, add an image by a presigned S3 POST
(:meth:`Training.presign_dataset_image` then :meth:`Training.post_dataset_image`, split so a
caller can store the presigned id before the bytes go: an upload is then never duplicated)
or from a generated image without re-uploading it. ``POST /models`` and ``POST /elements``
train a custom model or element: billed submits, never re-sent once they may have been
accepted (:class:`~leodesk.core.api.errors.OutcomeUnknownError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .errors import ProtocolError
from .models import InitImageUpload as PresignReply
from .models import PricingRequest
from .parse import as_int, as_str, parse_init_image_upload
from .serialize import ALLOWED_EXTENSIONS, check_body
from .training_models import Dataset, DatasetImage, DatasetPresign, TrainingJob
from .transport import RequestKind, path_id
from .uploads import InitImageUpload, _checked, _payload, _Presign, _PresignExpired

__all__ = [
    "DATASET_EXTENSIONS",
    "Dataset",
    "DatasetImage",
    "DatasetPresign",
    "Training",
    "TrainingJob",
]

#: File types a dataset image may have (``uploadDatasetImage``: png, jpg, jpeg or webp).
DATASET_EXTENSIONS: Final = ALLOWED_EXTENSIONS


def _body(operation: str, values: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in values.items() if v is not None}
    check_body(operation, body)
    return body


def _parse_dataset(item: Mapping[str, Any]) -> Dataset:
    ds_id = as_str(item.get("id"))
    if not ds_id:
        raise ProtocolError(server_message="getDatasetById: no id")
    raw_images = item.get("dataset_images")
    images = []
    for img in raw_images if isinstance(raw_images, list) else []:
        img_id = as_str(img.get("id")) if isinstance(img, Mapping) else None
        if img_id:
            images.append(
                DatasetImage(img_id, as_str(img.get("url")), as_str(img.get("createdAt")))
            )
    return Dataset(
        ds_id,
        as_str(item.get("name")),
        as_str(item.get("description")),
        as_str(item.get("createdAt")),
        tuple(images),
    )


def _cost_of(job: Mapping[str, Any]) -> int | None:
    cost = job.get("cost")
    if isinstance(cost, Mapping) and cost.get("unit") in (None, "CREDITS"):
        amount = as_int(cost.get("amount"))
        if amount is not None:
            return amount
    return as_int(job.get("apiCreditCost"))


class Training(InitImageUpload):
    """Datasets, dataset uploads, and model/element training."""

    # ---------------------------------------------------------------- datasets
    def create_dataset(self, name: str, description: str | None = None) -> str:
        """``POST /datasets``: the new dataset's id."""
        body = _body("createDataset", {"name": name, "description": description})
        item = self._call(
            "POST",
            "/datasets",
            "createDataset",
            RequestKind.UNSAFE_POST,
            "insert_datasets_one",
            body=body,
        )
        ds_id = as_str(item.get("id")) if isinstance(item, Mapping) else None
        if not ds_id:
            raise ProtocolError(server_message="createDataset: no id in the reply")
        return ds_id

    def get_dataset(self, dataset_id: str) -> Dataset | None:
        """``GET /datasets/{id}``; None when there is no such dataset."""
        item = self._get(f"/datasets/{path_id(dataset_id)}", "getDatasetById", "datasets_by_pk")
        return _parse_dataset(item) if isinstance(item, Mapping) else None

    def delete_dataset(self, dataset_id: str) -> str | None:
        """``DELETE /datasets/{id}``: the deleted id, None when there was none."""
        return self._delete(
            f"/datasets/{path_id(dataset_id)}", "deleteDatasetById", "delete_datasets_by_pk"
        )

    def presign_dataset_image(self, dataset_id: str, extension: str) -> DatasetPresign:
        """``POST /datasets/{id}/upload``: a presigned S3 POST for one image."""
        ext = extension.lower().lstrip(".")
        if ext not in DATASET_EXTENSIONS:
            raise ValueError(f"a dataset image must be png, jpg, jpeg or webp, not {ext!r}")
        op = "uploadDatasetImage"
        raw = self._presign_call(
            f"/datasets/{path_id(dataset_id)}/upload", op, _body(op, {"extension": ext})
        )
        parsed: PresignReply | None = (
            parse_init_image_upload(raw) if isinstance(raw, Mapping) else None
        )
        checked = _checked(parsed, op)
        return DatasetPresign(checked.id, checked.url, checked.fields)

    def post_dataset_image(self, presign: DatasetPresign, data: bytes, extension: str) -> bool:
        """The S3 POST of a presigned dataset image (no Authorization header). False when the
        presign expired (ask a new one)."""
        target = _Presign(presign.id, presign.url, dict(presign.fields))
        try:
            self._post_to_s3(target, _payload(data, "data"), extension.lower(), "image")
        except _PresignExpired:
            return False
        return True

    def upload_dataset_image(self, dataset_id: str, data: bytes, extension: str) -> str:
        """Presign and upload one image (one new presign if it expired): its id."""
        for _round in (1, 2):
            presign = self.presign_dataset_image(dataset_id, extension)
            if self.post_dataset_image(presign, data, extension):
                return presign.id
        raise ProtocolError(server_message="uploadDatasetImage: the upload link expired twice")

    def add_generated_to_dataset(self, dataset_id: str, image_id: str) -> str:
        """``POST /datasets/{id}/upload/gen``: a generated image joins the dataset (no
        re-upload); the new dataset image's id."""
        op = "uploadDatasetImageFromGen"
        item = self._call(
            "POST",
            f"/datasets/{path_id(dataset_id)}/upload/gen",
            op,
            RequestKind.UNSAFE_POST,
            op,
            body=_body(op, {"generatedImageId": image_id}),
        )
        new_id = as_str(item.get("id")) if isinstance(item, Mapping) else None
        if not new_id:
            raise ProtocolError(server_message=f"{op}: no id in the reply")
        return new_id

    # ---------------------------------------------------------------- training
    def create_model(self, values: Mapping[str, Any]) -> TrainingJob:
        """``POST /models``: train a custom model (billed; never re-sent)."""
        body = _body("createModel", values)
        job = self._submit("/models", "createModel", body, body, "sdTrainingJob")
        model_id = as_str(job.get("customModelId")) if isinstance(job, Mapping) else None
        if not model_id:
            raise ProtocolError(server_message="createModel: no customModelId in the reply")
        return TrainingJob(model_id, _cost_of(job))

    def create_element(self, values: Mapping[str, Any]) -> TrainingJob:
        """``POST /elements``: train a custom element (billed; never re-sent)."""
        body = _body("createElement", values)
        job = self._submit("/elements", "createElement", body, body, "sdTrainingJob")
        lora_id = as_int(job.get("userLoraId")) if isinstance(job, Mapping) else None
        if lora_id is None:
            raise ProtocolError(server_message="createElement: no userLoraId in the reply")
        return TrainingJob(str(lora_id), _cost_of(job))

    def delete_model(self, model_id: str) -> str | None:
        """``DELETE /models/{id}``: the deleted id, None when there was none."""
        return self._delete(
            f"/models/{path_id(model_id)}", "deleteModelById", "delete_custom_models_by_pk"
        )

    def training_cost(self, resolution: int, sd_version: str | None, images: int) -> int:
        """The pricing calculator's ``MODEL_TRAINING`` price."""
        params: dict[str, Any] = {"resolution": resolution, "datasetImageCount": images}
        if sd_version == "FLUX_DEV":
            params["sd_version"] = sd_version
        return self.price(PricingRequest("MODEL_TRAINING", params))

    if TYPE_CHECKING:  # the pricing calculator, :meth:`LeonardoClient.price`, beside this mixin

        def price(self, request: PricingRequest) -> int: ...
