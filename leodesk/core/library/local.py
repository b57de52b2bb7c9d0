"""Local images (schema v5): pictures that exist only on this machine, such as realtime (LCM)
results the user keeps. Each is stored as a generation of its own with one image, so the gallery,
search, curation and lineage treat it like any image; ``generations.local = 1`` marks it, and
sync never flags such a generation deleted on the server (the server never had it).

Ids are ``local-<uuid4 hex>``: valid ids (:func:`~leodesk.core.api.parse.is_valid_id`) that
cannot collide with the server's UUIDs.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from leodesk.core.ids import is_valid_id
from leodesk.core.imagestore import verify_image
from leodesk.core.library.generations import Generations
from leodesk.core.library.records import ImageKind

__all__ = ["LOCAL_PREFIX", "LocalImages", "is_local_id"]

#: The prefix of every local generation and image id.
LOCAL_PREFIX: Final = "local-"
_KIND: Final = re.compile(r"[A-Za-z0-9_]{1,40}")


def is_local_id(value: str) -> bool:
    """Whether ``value`` names a local generation or image (never a server one)."""
    return value.startswith(LOCAL_PREFIX)


def _new_id() -> str:
    import uuid  # only here: not loaded with the library

    return f"{LOCAL_PREFIX}{uuid.uuid4().hex}"


class _Sink(Protocol):
    """Where the bytes go (:class:`~leodesk.core.imagestore.ImageStore`)."""

    def put(self, data: bytes, ext: str) -> Any: ...


def _number(params: Mapping[str, Any], key: str) -> Any:
    value = params.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


class LocalImages(Generations):
    """Keeping local images in the library."""

    def keep_local_image(
        self,
        data: bytes,
        ext: str,
        *,
        prompt: str,
        kind: str,
        parent_image_id: str | None,
        params: Mapping[str, Any],
        store: _Sink,
    ) -> str:
        """Store ``data`` (an image; ``ext`` is its extension, checked against the bytes) in
        ``store`` and record it as a local generation with one image; returns the image id.

        ``kind`` names how it was made (``LCM``, ``LCM_REFINE``, ``LCM_INPAINT``,
        ``LCM_UPSCALE``...; shown as the image's transform in the lineage), ``parent_image_id``
        the library image it was made from (None: it starts a chain), ``params`` what it was
        made with (seed, strength, guidance, steps, style, size, cost...; kept as the
        generation's request). ImageError when the bytes are not a whole image, StorageError
        when the file cannot be written, ValueError for a bad ``kind`` or parent id."""
        if not _KIND.fullmatch(kind or ""):
            raise ValueError(f"kind must be 1-40 letters, digits or _, not {kind!r}")
        if parent_image_id is not None and not is_valid_id(parent_image_id):
            raise ValueError(f"not an image id: {parent_image_id!r}")
        info = verify_image(bytes(data))
        declared = ext.lower().lstrip(".").replace("jpeg", "jpg")
        if declared != info.ext:
            raise ValueError(f"the bytes are {info.ext}, not {declared}")
        stored = store.put(bytes(data), info.ext)
        request = {
            **{str(k): v for k, v in params.items()},
            "kind": kind,
            "prompt": prompt,
            "made_from": parent_image_id,
        }
        return self._record_local(
            prompt=prompt,
            kind=kind,
            parent=parent_image_id,
            params=params,
            request_json=json.dumps(request, sort_keys=True, default=str),
            file=(stored.sha256, stored.ext, info.width, info.height),
        )

    def _record_local(
        self,
        *,
        prompt: str,
        kind: str,
        parent: str | None,
        params: Mapping[str, Any],
        request_json: str,
        file: tuple[str, str, int, int],
    ) -> str:
        sha256, ext, width, height = file
        generation_id, image_id = _new_id(), _new_id()
        now = self._now_ms()
        with self._writing() as conn:
            _insert_generation(
                conn, generation_id, prompt, (width, height), params, request_json, kind, now
            )
            self._upsert_image(
                conn,
                image_id=image_id,
                generation_id=generation_id,
                idx=0,
                kind=ImageKind.IMAGE,
                parent=parent,
                transform=kind,
                url=None,
                motion_url=None,
                nsfw=False,
                created_ms=now,
                now=now,
            )
            conn.execute(
                """
                UPDATE images SET sha256 = ?, ext = ?, width = ?, height = ?,
                    download_state = 'done'
                WHERE id = ?
                """,
                (sha256, ext, width, height, image_id),
            )
        return image_id


def _insert_generation(
    conn: sqlite3.Connection,
    generation_id: str,
    prompt: str,
    size: tuple[int, int],
    params: Mapping[str, Any],
    request_json: str,
    kind: str,
    now: int,
) -> None:
    """The local generation row: COMPLETE, one image, ``local = 1``, what it was made with."""
    created = datetime.fromtimestamp(now / 1000, UTC).isoformat(timespec="milliseconds")
    seed = _number(params, "seed")
    style = params.get("style")
    conn.execute(
        """
        INSERT INTO generations (
            id, created_at, created_ms, status, prompt, model_id, width, height,
            num_images, seed, guidance_scale, steps, preset_style, init_strength,
            request_json, raw_json, deleted_remote, added_ms, updated_ms, local
        ) VALUES (?, ?, ?, 'COMPLETE', ?, NULL, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 1)
        """,
        (
            generation_id,
            created.replace("+00:00", "Z"),
            now,
            prompt,
            size[0],
            size[1],
            seed if isinstance(seed, int) else None,
            _number(params, "guidance"),
            _number(params, "steps"),
            style if isinstance(style, str) else None,
            _number(params, "strength"),
            request_json,
            json.dumps({"local": True, "kind": kind}),
            now,
            now,
        ),
    )
