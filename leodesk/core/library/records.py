"""What the library hands out: frozen records of its rows, and the values its columns hold."""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from leodesk.core.jobs import JobState


class DownloadState(enum.StrEnum):
    """Values of ``images.download_state`` (each member is its stored text)."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class ImageKind(enum.StrEnum):
    """Values of ``images.kind`` (each member is its stored text)."""

    IMAGE = "image"
    VARIATION = "variation"
    MOTION = "motion"


class Pick(enum.StrEnum):
    """Values of ``images.pick`` (None = not marked; each member is its stored text)."""

    PICKED = "picked"
    REJECTED = "rejected"


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRecord:
    """An image row joined with what the gallery needs from its generation.

    ``width``/``height`` are the file's own size once downloaded, else the generation's requested
    size (the output can be larger, e.g. upscales). ``status`` is the generation's status.
    """

    id: str
    generation_id: str
    index: int
    kind: ImageKind
    url: str | None
    nsfw: bool
    width: int | None
    height: int | None
    sha256: str | None
    ext: str | None
    download_state: DownloadState
    download_attempts: int
    parent_image_id: str | None
    transform: str | None
    motion_url: str | None
    created_ms: int
    prompt: str
    negative_prompt: str
    model_id: str | None
    seed: int | None
    status: str | None
    deleted_remote: bool
    favourite: bool = False
    rating: int = 0
    pick: Pick | None = None
    collection_ids: tuple[int, ...] = ()
    has_children: bool = False
    deleted_local: bool = False
    model_name: str | None = None
    local: bool = False  # of a local generation (schema v5): never on the server
    video_duration: float | None = None  # seconds, for a video whose file was probed

    @property
    def is_video(self) -> bool:
        """True for a video item (an SVD motion, an image to video or a text to video): its
        file is the poster frame, the MP4 is beside the image store."""
        return self.kind == ImageKind.MOTION

    @property
    def has_file(self) -> bool:
        """True once the image is in the image store."""
        return self.sha256 is not None and self.ext is not None


@dataclass(frozen=True)
class GenerationRecord:
    """A stored generation with its images (in generation order)."""

    id: str
    status: str | None
    created_at: str | None
    created_ms: int
    prompt: str
    negative_prompt: str
    model_id: str | None
    width: int | None
    height: int | None
    num_images: int | None
    seed: int | None
    guidance_scale: float | None
    steps: int | None
    scheduler: str | None
    preset_style: str | None
    sd_version: str | None
    alchemy: bool | None
    photo_real: bool | None
    prompt_magic: bool | None
    init_strength: float | None
    request_json: str | None
    raw_json: str | None
    deleted_remote: bool
    added_ms: int
    updated_ms: int
    images: tuple[ImageRecord, ...] = ()
    local: bool = False  # kept on this machine only (schema v5): never on the server


@dataclass(frozen=True)
class CollectionRecord:
    """A local collection; ``count`` is how many (not locally deleted) images it holds."""

    id: int
    name: str
    created_ms: int
    count: int


@dataclass(frozen=True)
class FileRef:
    """A file in the image store (``ImageStore.path_for(sha256, ext)``)."""

    sha256: str
    ext: str


@dataclass(frozen=True)
class UpsertBatch:
    """What :meth:`Library.upsert_generations` did: generation ids that were new, changed or
    already stored exactly so (in input order), and how many images the batch carried."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    images: int = 0


@dataclass(frozen=True)
class JobRecord:
    """A stored job. ``submitted_at`` is when the submit request was sent, in epoch seconds
    (``time.time()`` style, millisecond precision)."""

    id: int
    kind: str
    state: JobState
    generation_id: str | None
    request_json: str | None
    submitted_at: float | None
    error: str | None
    created_ms: int
    updated_ms: int
    position: int | None = None  # order in the queue panel (schema v4)
    group_label: str | None = None  # jobs sent together share it


_IMAGE_COLUMNS: Final = """
    i.id, i.generation_id, i.idx, i.kind, i.url, i.nsfw,
    COALESCE(i.width, g.width) AS width, COALESCE(i.height, g.height) AS height,
    i.sha256, i.ext, i.download_state, i.download_attempts, i.parent_image_id, i.transform,
    i.motion_url, i.created_ms, g.prompt, g.negative_prompt, g.model_id, g.seed, g.status,
    g.deleted_remote, g.local, i.favourite, i.rating, i.pick, i.deleted_local_ms,
    (SELECT group_concat(ci.collection_id) FROM collection_images ci WHERE ci.image_id = i.id)
        AS collection_ids,
    EXISTS (SELECT 1 FROM images ch WHERE ch.parent_image_id = i.id) AS has_children,
    (SELECT v.duration_s FROM videos v WHERE v.image_id = i.id) AS video_duration
"""


def _collection_ids(value: Any) -> tuple[int, ...]:
    if not value:
        return ()
    return tuple(sorted(int(part) for part in str(value).split(",") if part.strip()))


def _image_record(row: sqlite3.Row, model_names: Mapping[str, str] | None = None) -> ImageRecord:
    model_id = row["model_id"]
    return ImageRecord(
        id=row["id"],
        generation_id=row["generation_id"],
        index=row["idx"],
        kind=ImageKind(row["kind"]),
        url=row["url"],
        nsfw=bool(row["nsfw"]),
        width=row["width"],
        height=row["height"],
        sha256=row["sha256"],
        ext=row["ext"],
        download_state=DownloadState(row["download_state"]),
        download_attempts=row["download_attempts"],
        parent_image_id=row["parent_image_id"],
        transform=row["transform"],
        motion_url=row["motion_url"],
        created_ms=row["created_ms"],
        prompt=row["prompt"],
        negative_prompt=row["negative_prompt"],
        model_id=model_id,
        seed=row["seed"],
        status=row["status"],
        deleted_remote=bool(row["deleted_remote"]),
        favourite=bool(row["favourite"]),
        rating=int(row["rating"]),
        pick=None if row["pick"] is None else Pick(row["pick"]),
        collection_ids=_collection_ids(row["collection_ids"]),
        has_children=bool(row["has_children"]),
        deleted_local=row["deleted_local_ms"] is not None,
        model_name=None if model_names is None or model_id is None else model_names.get(model_id),
        local=bool(row["local"]),
        video_duration=row["video_duration"],
    )
