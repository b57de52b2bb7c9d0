"""Generations: the server's rows stored idempotently with their images, read back and compared,
and the sync engine's state (``sync_state``, resumable full passes, ``deleted_remote``)."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any, Final

from leodesk.core.ids import is_valid_id
from leodesk.core.library.db import _chunks, _distinct_ids, _require_id, _write_state
from leodesk.core.library.history import note_prompt
from leodesk.core.library.images import Images
from leodesk.core.library.records import (
    _IMAGE_COLUMNS,
    GenerationRecord,
    ImageKind,
    UpsertBatch,
    _image_records,
)
from leodesk.core.library.videos import note_video

if TYPE_CHECKING:  # the API's data classes load with the client, after the window is up
    from leodesk.core.api.models import GeneratedImage, Generation

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


#: The stored parameters :meth:`Library.diff_generations` compares, in display order.
DIFF_FIELDS: Final = (
    "prompt",
    "negative_prompt",
    "model_id",
    "width",
    "height",
    "num_images",
    "seed",
    "guidance_scale",
    "steps",
    "scheduler",
    "preset_style",
    "sd_version",
    "alchemy",
    "photo_real",
    "prompt_magic",
    "init_strength",
)


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _int64(value: int | None) -> int | None:
    if value is None or not _INT64_MIN <= value <= _INT64_MAX:
        return None
    return value


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _jsonable(value: Any) -> Any:
    """A JSON-ready copy of a response dataclass (fields plus ``extra``), for ``raw_json``."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name == "extra" and isinstance(item, Mapping):
                for key, extra_value in item.items():
                    out.setdefault(str(key), _jsonable(extra_value))
            else:
                out[f.name] = _jsonable(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _request_dict(request_json: str | None) -> Mapping[str, Any]:
    if not request_json:
        return {}
    try:
        data = json.loads(request_json)
    except ValueError:
        return {}
    return data if isinstance(data, Mapping) else {}


def _lineage_parent(request: Mapping[str, Any]) -> str | None:
    """The library image a generation was made from: the image a canvas job was painted over
    (``made_from``, local to the request), else its init image when that was a generated image
    (``init_generation_image_id``), else the first image prompt (uploaded init images have no
    image in the library, so they start a chain)."""
    for key in ("made_from", "init_generation_image_id", "initGenerationImageId"):
        value = request.get(key)
        if isinstance(value, str) and value:
            return value
    for key in ("image_prompts", "imagePrompts"):
        prompts = request.get(key)
        if isinstance(prompts, list | tuple):
            for item in prompts:
                if isinstance(item, str) and item:
                    return item
    return None


def _first_bool(*values: Any) -> bool | None:
    for v in values:
        if isinstance(v, bool):
            return v
    return None


def _first_int(*values: Any) -> int | None:
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None


def _check_generation_ids(gen: Generation) -> None:
    """Refuse ``gen`` when any id it would store is not a valid id."""
    _require_id(gen.id, "generation id")
    if gen.model_id is not None:
        _require_id(gen.model_id, "model id")
    for image in gen.images:
        if image.id:
            _require_id(image.id, "image id")
        for variation in image.variations:
            if variation.id:
                _require_id(variation.id, "variation id")


def _image_count(gen: Generation) -> int:
    """Images :meth:`Library.upsert_generation` stores for ``gen`` (variations included)."""
    count = 0
    for image in gen.images:
        if image.id:
            count += 1 + sum(1 for v in image.variations if v.id and v.url)
    return count


def _image_kind(image: GeneratedImage) -> str:
    if image.motion or image.motion_mp4_url:
        return ImageKind.MOTION
    return ImageKind.IMAGE


def _generation_params(
    gen: Generation,
    request: Mapping[str, Any],
    *,
    images: int,
    created_ms: int | None,
    now: int,
    request_json: str | None,
    raw: str,
    sync_pass: int | None,
) -> dict[str, Any]:
    """The named parameters of the generation upsert: ``gen``'s fields, completed from the
    request it was made with where the server leaves them out; ``images`` is how many of its
    images have an id."""
    return {
        "id": gen.id,
        "created_at": gen.created_at,
        "created_ms": created_ms,
        "now": now,
        "status": gen.status,
        "prompt": gen.prompt,
        "negative_prompt": gen.negative_prompt,
        "model_id": gen.model_id,
        "width": gen.image_width,
        "height": gen.image_height,
        "num_images": images or _first_int(request.get("num_images")),
        "seed": _int64(gen.seed),
        "guidance_scale": _finite(gen.guidance_scale),
        "steps": gen.inference_steps,
        "scheduler": gen.scheduler,
        "preset_style": gen.preset_style,
        "sd_version": gen.sd_version,
        "alchemy": _first_bool(gen.extra.get("alchemy"), request.get("alchemy")),
        "photo_real": _first_bool(
            gen.photo_real, request.get("photoReal"), request.get("photo_real")
        ),
        "prompt_magic": _first_bool(
            gen.prompt_magic, request.get("promptMagic"), request.get("prompt_magic")
        ),
        "init_strength": _finite(gen.init_strength),
        "request_json": request_json,
        "raw_json": raw,
        "sync_pass": sync_pass,
    }


# One generation row, inserted or merged into the stored one: a value the server leaves out
# (None) keeps the stored value, and a stored request is never replaced.
_UPSERT_GENERATION = """
    INSERT INTO generations (
        id, created_at, created_ms, status, prompt, negative_prompt, model_id,
        width, height, num_images, seed, guidance_scale, steps, scheduler,
        preset_style, sd_version, alchemy, photo_real, prompt_magic, init_strength,
        request_json, raw_json, deleted_remote, added_ms, updated_ms, sync_pass
    ) VALUES (
        :id, :created_at, COALESCE(:created_ms, :now), :status,
        COALESCE(:prompt, ''), COALESCE(:negative_prompt, ''), :model_id,
        :width, :height, :num_images, :seed, :guidance_scale, :steps, :scheduler,
        :preset_style, :sd_version, :alchemy, :photo_real, :prompt_magic,
        :init_strength, :request_json, :raw_json, 0, :now, :now, :sync_pass
    )
    ON CONFLICT (id) DO UPDATE SET
        created_at = COALESCE(:created_at, created_at),
        created_ms = COALESCE(:created_ms, created_ms),
        status = COALESCE(:status, status),
        prompt = COALESCE(:prompt, prompt),
        negative_prompt = COALESCE(:negative_prompt, negative_prompt),
        model_id = COALESCE(:model_id, model_id),
        width = COALESCE(:width, width),
        height = COALESCE(:height, height),
        num_images = COALESCE(:num_images, num_images),
        seed = COALESCE(:seed, seed),
        guidance_scale = COALESCE(:guidance_scale, guidance_scale),
        steps = COALESCE(:steps, steps),
        scheduler = COALESCE(:scheduler, scheduler),
        preset_style = COALESCE(:preset_style, preset_style),
        sd_version = COALESCE(:sd_version, sd_version),
        alchemy = COALESCE(:alchemy, alchemy),
        photo_real = COALESCE(:photo_real, photo_real),
        prompt_magic = COALESCE(:prompt_magic, prompt_magic),
        init_strength = COALESCE(:init_strength, init_strength),
        request_json = COALESCE(request_json, :request_json),
        raw_json = :raw_json,
        deleted_remote = 0,
        updated_ms = :now,
        sync_pass = COALESCE(:sync_pass, sync_pass)
    """


class Generations(Images):
    """The ``generations`` table (and its images, which come with it), and ``sync_state``."""

    def upsert_generation(
        self,
        gen: Generation,
        *,
        request_json: str | None = None,
        raw_json: str | None = None,
    ) -> None:
        """Insert or update ``gen`` and its images; idempotent.

        Server fields that arrive empty never erase what is already stored, ``request_json`` is
        kept from the first time it was given, and images keep their download state, file and
        curation (favourite, rating, pick, collections, local deletion). Images the server no
        longer lists are kept (sync decides about those). ``raw_json`` is the server's row;
        without it a JSON dump of ``gen`` (fields plus ``extra``) is stored. Completed
        variations with a URL are stored as images of kind ``variation`` whose
        ``parent_image_id`` is the image they came from. Storing a generation clears its
        ``deleted_remote`` flag (the server has it).
        """
        if not gen.id:
            raise ValueError("a generation without an id cannot be stored")
        _check_generation_ids(gen)
        now = self._now_ms()
        with self._writing() as conn:
            self._upsert_one(conn, gen, request_json=request_json, raw_json=raw_json, now=now)

    def upsert_generations(
        self,
        gens: Sequence[Generation],
        *,
        sync_pass: int | None = None,
        state: Mapping[str, str | int | None] | None = None,
    ) -> UpsertBatch:
        """Store a page of generations (as :meth:`upsert_generation` does) in one transaction.

        Generations without an id are skipped; an id repeated in the batch is stored once.
        ``sync_pass`` marks every generation as seen by that full sync pass (see
        :meth:`seen_in_pass`), and ``state`` is written to the sync state in the same
        transaction (so a saved resume offset never runs ahead of the stored rows).
        """
        now = self._now_ms()
        new: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        images = 0
        seen: set[str] = set()
        with self._writing() as conn:
            for gen in gens:
                if not gen.id or gen.id in seen:
                    continue
                _check_generation_ids(gen)
                seen.add(gen.id)
                images += _image_count(gen)
                outcome = self._upsert_one(conn, gen, now=now, sync_pass=sync_pass)
                {"new": new, "updated": updated, "unchanged": unchanged}[outcome].append(gen.id)
            if state:
                _write_state(conn, state)
        return UpsertBatch(tuple(new), tuple(updated), tuple(unchanged), images)

    def _upsert_one(
        self,
        conn: sqlite3.Connection,
        gen: Generation,
        *,
        now: int,
        request_json: str | None = None,
        raw_json: str | None = None,
        sync_pass: int | None = None,
    ) -> str:
        """Store one generation; returns ``new``, ``updated`` or ``unchanged`` (the stored row
        already holds exactly this server row: only the sync marks are written)."""
        assert gen.id
        created = gen.created_at_datetime
        created_ms = None if created is None else int(created.timestamp() * 1000)
        request = _request_dict(request_json)
        plain_images = [img for img in gen.images if img.id]
        raw = raw_json if raw_json is not None else json.dumps(_jsonable(gen), sort_keys=True)
        prior = conn.execute(
            "SELECT raw_json, request_json FROM generations WHERE id = ?", (gen.id,)
        ).fetchone()
        if prior is not None and request_json is None and prior["raw_json"] == raw:
            conn.execute(
                """
                UPDATE generations SET deleted_remote = 0, sync_pass = COALESCE(?, sync_pass)
                WHERE id = ?
                """,
                (sync_pass, gen.id),
            )
            return "unchanged"
        params = _generation_params(
            gen,
            request,
            images=len(plain_images),
            created_ms=created_ms,
            now=now,
            request_json=request_json,
            raw=raw,
            sync_pass=sync_pass,
        )
        conn.execute(_UPSERT_GENERATION, params)
        gen_ms = conn.execute(
            "SELECT created_ms FROM generations WHERE id = ?", (gen.id,)
        ).fetchone()[0]
        if request_json is None and prior is not None:
            request = _request_dict(prior["request_json"])
        made_from = _lineage_parent(request)
        if made_from is not None and not is_valid_id(made_from):
            made_from = None  # a request naming no usable image starts a chain
        self._upsert_images_of(conn, gen.id, plain_images, made_from, gen_ms, now)
        note_prompt(conn, gen.id, now=now)  # the prompt history (once per generation)
        return "new" if prior is None else "updated"

    def _upsert_images_of(
        self,
        conn: sqlite3.Connection,
        generation_id: str,
        plain_images: Sequence[GeneratedImage],
        made_from: str | None,
        gen_ms: int,
        now: int,
    ) -> None:
        """Store a generation's images (those with an id) at the generation's time, each made
        from ``made_from`` (unless it is that image), and their completed variations with a URL
        as children of the image they came from."""
        for idx, image in enumerate(plain_images):
            self._upsert_image(
                conn,
                image_id=image.id or "",
                generation_id=generation_id,
                idx=idx,
                kind=_image_kind(image),
                parent=made_from if made_from != image.id else None,
                transform=None,
                url=image.url,
                motion_url=image.motion_mp4_url,
                nsfw=image.nsfw,
                created_ms=gen_ms,
                now=now,
            )
            if image.id and image.motion_mp4_url:
                note_video(
                    conn,
                    image.id,
                    image_to_video=image.image_to_video,
                    model=image.motion_model,
                    now=now,
                )
            for variation in image.variations:
                if not variation.id or not variation.url:
                    continue
                from leodesk.core.api.models import parse_timestamp  # loaded by now

                when = parse_timestamp(variation.created_at)
                self._upsert_image(
                    conn,
                    image_id=variation.id,
                    generation_id=generation_id,
                    idx=idx,
                    kind=ImageKind.VARIATION,
                    parent=image.id,
                    transform=variation.transform_type,
                    url=variation.url,
                    motion_url=None,
                    nsfw=image.nsfw,
                    created_ms=gen_ms if when is None else int(when.timestamp() * 1000),
                    now=now,
                )

    def get_generation(self, generation_id: str) -> GenerationRecord | None:
        """The stored generation with its images, or None."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT * FROM generations WHERE id = ?", (generation_id,)
            ).fetchone()
            if row is None:
                return None
            images = conn.execute(
                f"""
                SELECT {_IMAGE_COLUMNS} FROM images i JOIN generations g ON g.id = i.generation_id
                WHERE i.generation_id = ?
                ORDER BY i.idx, i.parent_image_id IS NOT NULL, i.created_ms, i.id
                """,
                (generation_id,),
            ).fetchall()
            names = self._model_names(conn)
        return GenerationRecord(
            id=row["id"],
            status=row["status"],
            created_at=row["created_at"],
            created_ms=row["created_ms"],
            prompt=row["prompt"],
            negative_prompt=row["negative_prompt"],
            model_id=row["model_id"],
            width=row["width"],
            height=row["height"],
            num_images=row["num_images"],
            seed=row["seed"],
            guidance_scale=row["guidance_scale"],
            steps=row["steps"],
            scheduler=row["scheduler"],
            preset_style=row["preset_style"],
            sd_version=row["sd_version"],
            alchemy=_bool_or_none(row["alchemy"]),
            photo_real=_bool_or_none(row["photo_real"]),
            prompt_magic=_bool_or_none(row["prompt_magic"]),
            init_strength=row["init_strength"],
            request_json=row["request_json"],
            raw_json=row["raw_json"],
            deleted_remote=bool(row["deleted_remote"]),
            local=bool(row["local"]),
            added_ms=row["added_ms"],
            updated_ms=row["updated_ms"],
            images=tuple(_image_records(images, names)),
        )

    def set_deleted_remote(self, generation_id: str, deleted: bool = True) -> None:
        """Flag a generation the server no longer has (its local files stay)."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE generations SET deleted_remote = ?, updated_ms = ? WHERE id = ?",
                (int(deleted), self._now_ms(), generation_id),
            )

    def diff_generations(self, a: str, b: str) -> list[tuple[str, Any, Any]]:
        """The stored parameters that differ between generations ``a`` and ``b``, as
        ``(field, a_value, b_value)`` in :data:`DIFF_FIELDS` order. KeyError if one is missing.
        """
        first, second = self.get_generation(a), self.get_generation(b)
        if first is None:
            raise KeyError(a)
        if second is None:
            raise KeyError(b)
        out: list[tuple[str, Any, Any]] = []
        for name in DIFF_FIELDS:
            left, right = getattr(first, name), getattr(second, name)
            if left != right:
                out.append((name, left, right))
        return out

    # ---------------------------------------------------------------------------- sync

    def sync_state(self) -> dict[str, str]:
        """The sync engine's saved state (key → value)."""
        with self._reading() as conn:
            return {r[0]: r[1] for r in conn.execute("SELECT key, value FROM sync_state")}

    def set_sync_state(self, values: Mapping[str, str | int | None]) -> None:
        """Write sync state keys atomically (None deletes a key)."""
        with self._writing() as conn:
            _write_state(conn, values)

    def seen_in_pass(self, generation_ids: Iterable[str], sync_pass: int) -> set[str]:
        """Which of ``generation_ids`` the full pass ``sync_pass`` has stored."""
        wanted = _distinct_ids(generation_ids)
        out: set[str] = set()
        with self._reading() as conn:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                out.update(
                    r[0]
                    for r in conn.execute(
                        f"SELECT id FROM generations WHERE sync_pass = ? AND id IN ({marks})",
                        (sync_pass, *chunk),
                    )
                )
        return out

    def mark_unseen_deleted_remote(
        self,
        sync_pass: int,
        started_ms: int,
        *,
        state: Mapping[str, str | int | None] | None = None,
    ) -> list[str]:
        """End a complete full pass: flag ``deleted_remote`` on every generation it did not see
        that was stored before the pass started (``added_ms < started_ms``; newer rows may
        simply have been created after the listing passed them). Local generations (kept
        realtime results) are never flagged: the server never had them. Rows are never removed.
        ``state`` is written in the same transaction. Returns the newly flagged ids."""
        with self._writing() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    """
                    SELECT id FROM generations
                    WHERE sync_pass IS NOT ? AND added_ms < ? AND deleted_remote = 0
                        AND local = 0
                    """,
                    (sync_pass, started_ms),
                )
            ]
            now = self._now_ms()
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    f"UPDATE generations SET deleted_remote = 1, updated_ms = ? "
                    f"WHERE id IN ({marks})",
                    (now, *chunk),
                )
            if state:
                _write_state(conn, state)
        return ids
