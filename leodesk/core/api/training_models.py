"""The records of datasets and training (:mod:`leodesk.core.api.training`), without httpx."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatasetImage:
    id: str
    url: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class Dataset:
    """``GET /datasets/{id}``: the dataset and the images it holds."""

    id: str
    name: str | None = None
    description: str | None = None
    created_at: str | None = None
    images: tuple[DatasetImage, ...] = ()


@dataclass(frozen=True)
class DatasetPresign:
    """One presigned dataset upload: its image id (known before the bytes are sent)."""

    id: str
    url: str
    fields: dict[str, str] = field(repr=False)


@dataclass(frozen=True)
class TrainingJob:
    """The reply of a training submit: the new model's uuid or element's id (as text)."""

    id: str
    cost: int | None = None
