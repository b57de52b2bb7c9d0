"""The model cache: the platform's and the user's own model lists as last fetched, the user's
favourite models, and the model names image records carry."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Final

from leodesk.core.catalog import ModelInfo
from leodesk.core.library.db import Store

MODEL_KINDS: Final = frozenset({"platform", "own"})


class ModelCache(Store):
    """The ``models`` and ``model_favourites`` tables."""

    # Model id → name, with the (count, newest fetch) of the model lists it was read at.
    _names_cache: tuple[tuple[Any, ...], Mapping[str, str]] | None = None

    def _model_names(self, conn: sqlite3.Connection) -> Mapping[str, str]:
        """Model id → name from the cached model lists (own models win), cached until the lists
        change."""
        stamp = tuple(conn.execute("SELECT COUNT(*), MAX(fetched_ms) FROM models").fetchone())
        cached = self._names_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        names: dict[str, str] = {}
        rows = conn.execute("SELECT id, info_json FROM models ORDER BY kind = 'own'").fetchall()
        for row in rows:
            try:
                data = json.loads(row[1])
            except ValueError:
                continue
            name = data.get("name") if isinstance(data, Mapping) else None
            if isinstance(name, str) and name:
                names[row[0]] = name
        self._names_cache = (stamp, names)
        return names

    def save_models(self, kind: str, models: Sequence[ModelInfo]) -> None:
        """Replace the cached list of ``kind`` (``platform`` or ``own``); favourites stay."""
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind: {kind!r}")
        now = self._now_ms()
        with self._writing() as conn:
            conn.execute("DELETE FROM models WHERE kind = ?", (kind,))
            conn.executemany(
                """
                INSERT INTO models (kind, id, position, info_json, fetched_ms)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO NOTHING
                """,
                [
                    (kind, m.id, pos, json.dumps(m.to_json(), sort_keys=True), now)
                    for pos, m in enumerate(models)
                    if m.id
                ],
            )

    def load_models(self, kind: str) -> list[ModelInfo]:
        """The cached list of ``kind`` in the order it was saved (unreadable rows skipped)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT info_json FROM models WHERE kind = ? ORDER BY position", (kind,)
            ).fetchall()
        out: list[ModelInfo] = []
        for row in rows:
            try:
                data = json.loads(row[0])
            except ValueError:
                continue
            if isinstance(data, Mapping):
                out.append(ModelInfo.from_json(data))
        return out

    def update_models(self, kind: str, models: Sequence[ModelInfo]) -> int:
        """Replace the cached entries of ``models`` in the list of ``kind`` (by id), keeping the
        list, its order and when it was fetched; models not in the list are ignored. Returns how
        many entries changed."""
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind: {kind!r}")
        with self._writing() as conn:
            changed = 0
            for m in models:
                if not m.id:
                    continue
                cur = conn.execute(
                    "UPDATE models SET info_json = ? WHERE kind = ? AND id = ?",
                    (json.dumps(m.to_json(), sort_keys=True), kind, m.id),
                )
                changed += cur.rowcount
        return changed

    def models_fetched_ms(self, kind: str) -> int | None:
        """When the cached list of ``kind`` was saved (epoch ms), or None if never."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT MAX(fetched_ms) FROM models WHERE kind = ?", (kind,)
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def set_model_favourite(self, model_id: str, on: bool) -> None:
        with self._writing() as conn:
            if on:
                conn.execute(
                    "INSERT INTO model_favourites (model_id, added_ms) VALUES (?, ?) "
                    "ON CONFLICT (model_id) DO NOTHING",
                    (model_id, self._now_ms()),
                )
            else:
                conn.execute("DELETE FROM model_favourites WHERE model_id = ?", (model_id,))

    def model_favourites(self) -> set[str]:
        with self._reading() as conn:
            return {r[0] for r in conn.execute("SELECT model_id FROM model_favourites")}
