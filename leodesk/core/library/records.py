"""What the library hands out: frozen records of its rows, and the values its columns hold."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

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
    i.id, i.generation_id, i.idx, i.url,
    COALESCE(i.width, g.width) AS width, COALESCE(i.height, g.height) AS height,
    i.sha256, i.ext, i.download_attempts, i.parent_image_id, i.transform,
    i.motion_url, i.created_ms, g.prompt, g.negative_prompt, g.model_id, g.seed, g.status,
    (SELECT group_concat(ci.collection_id) FROM collection_images ci WHERE ci.image_id = i.id)
        AS collection_ids,
    (SELECT v.duration_s FROM videos v WHERE v.image_id = i.id) AS video_duration,
    (i.nsfw != 0) | ((g.deleted_remote != 0) << 1) | ((g.local != 0) << 2)
        | ((i.favourite != 0) << 3) | ((i.deleted_local_ms IS NOT NULL) << 4)
        | (EXISTS (SELECT 1 FROM images ch WHERE ch.parent_image_id = i.id) << 5)
        | (i.rating << 8)
        | (CASE i.kind WHEN 'image' THEN 0 WHEN 'variation' THEN 1 WHEN 'motion' THEN 2
           ELSE 3 END << 12)
        | (CASE i.download_state WHEN 'pending' THEN 0 WHEN 'done' THEN 1
           WHEN 'failed' THEN 2 ELSE 3 END << 14)
        | (CASE i.pick WHEN 'picked' THEN 1 WHEN 'rejected' THEN 2 ELSE
           (i.pick IS NOT NULL) * 3 END << 16) AS flags
"""
# The yes/no columns, the rating and the three enumerated text columns (kind, download state,
# pick: by their codes below) travel as the bits of one number (``flags``): every value of a
# row costs the same to hand over, and a page of the gallery hands over thousands.


#: How many columns :data:`_IMAGE_COLUMNS` has.
_IMAGE_WIDTH: Final = 21
#: Where ``created_ms``, ``idx`` and ``id`` (the gallery's sort key) are among them.
_IMAGE_KEY: Final = (12, 2, 0)
#: The codes of ``kind``, ``download_state`` and ``pick`` in ``flags`` (3: a value the schema's
#: checks refuse, never stored).
_KIND_CODES: Final = (ImageKind.IMAGE, ImageKind.VARIATION, ImageKind.MOTION)
_DOWNLOAD_CODES: Final = (DownloadState.PENDING, DownloadState.DONE, DownloadState.FAILED)
_PICK_CODES: Final = (None, Pick.PICKED, Pick.REJECTED)


def _collection_ids(value: Any) -> tuple[int, ...]:
    if not value:
        return ()
    return tuple(sorted(int(part) for part in str(value).split(",") if part.strip()))


# The frozen dataclass's __init__ sets its 31 fields one object.__setattr__ at a time; a page of
# the gallery builds hundreds of records, so they are made by filling a new instance's __dict__
# with every field at once (still frozen afterwards: setting an attribute raises). The bits of
# ``flags`` are read through two tables, each indexed by a group of bits, rather than one test
# per field.
_new_record: Final = object.__new__
#: flags & 63 → (nsfw, deleted_remote, local, favourite, deleted_local, has_children).
_YES_NO: Final = tuple(tuple(bits & (1 << n) != 0 for n in range(6)) for bits in range(64))
#: (flags >> 12) & 63 → (kind, download_state, pick), None for a code the schema refuses.
_ENUMS: Final = tuple(
    (_KIND_CODES[k], _DOWNLOAD_CODES[d], _PICK_CODES[p]) if k < 3 and d < 3 and p < 3 else None
    for p in range(4)
    for d in range(4)
    for k in range(4)
)


def _unknown(flags: int) -> NoReturn:
    codes = {"kind": (flags >> 12) & 3, "download_state": (flags >> 14) & 3}
    codes["pick"] = (flags >> 16) & 3
    column = next(name for name, code in codes.items() if code == 3)
    raise ValueError(f"images.{column} holds a value the library does not know")


def _image_records(
    rows: Iterable[Sequence[Any]], model_names: Mapping[str, str] | None = None, start: int = 0
) -> list[ImageRecord]:
    """The records of rows holding :data:`_IMAGE_COLUMNS` from position ``start`` (read by
    position: a gallery page builds hundreds of these, and a lookup by name scans the column
    names)."""
    out: list[ImageRecord] = []
    append = out.append
    names = {} if model_names is None else model_names
    end = start + _IMAGE_WIDTH
    for row in rows:
        (
            image_id, generation_id, idx, url, width, height, sha256, ext, download_attempts,
            parent_image_id, transform, motion_url, created_ms, prompt, negative_prompt,
            model_id, seed, status, collection_ids, video_duration, flags,
        ) = row[start:end]  # fmt: skip
        nsfw, deleted_remote, local, favourite, deleted_local, has_children = _YES_NO[flags & 63]
        enums = _ENUMS[(flags >> 12) & 63]
        if enums is None:
            _unknown(flags)
        kind, download_state, pick = enums
        record = _new_record(ImageRecord)
        record.__dict__.update(
            id=image_id,
            generation_id=generation_id,
            index=idx,
            kind=kind,
            url=url,
            nsfw=nsfw,
            width=width,
            height=height,
            sha256=sha256,
            ext=ext,
            download_state=download_state,
            download_attempts=download_attempts,
            parent_image_id=parent_image_id,
            transform=transform,
            motion_url=motion_url,
            created_ms=created_ms,
            prompt=prompt,
            negative_prompt=negative_prompt,
            model_id=model_id,
            seed=seed,
            status=status,
            deleted_remote=deleted_remote,
            favourite=favourite,
            rating=(flags >> 8) & 15,
            pick=pick,
            collection_ids=_collection_ids(collection_ids) if collection_ids else (),
            has_children=has_children,
            deleted_local=deleted_local,
            model_name=None if model_id is None else names.get(model_id),
            local=local,
            video_duration=video_duration,
        )
        append(record)
    return out


def _image_record(
    row: Sequence[Any], model_names: Mapping[str, str] | None = None, start: int = 0
) -> ImageRecord:
    """The record of one row holding :data:`_IMAGE_COLUMNS` from position ``start``."""
    return _image_records((row,), model_names, start)[0]
