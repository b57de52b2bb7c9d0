"""Blueprints in the library: the catalogue as last fetched (with each blueprint's versions)
and the origin of the generations a blueprint execution made."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leodesk.core.library.db import Store, _require_id

if TYPE_CHECKING:  # the API's data classes load with the client, after the window is up
    from leodesk.core.api.blueprint_models import Blueprint, BlueprintVersion


@dataclass(frozen=True)
class BlueprintOrigin:
    """What made a generation: a blueprint version, by one execution."""

    blueprint_id: str
    version_id: str
    name: str
    execution_id: str | None = None

    def text(self) -> str:
        return f"Blueprint “{self.name}” (version {self.version_id[:8]})"


class BlueprintCache(Store):
    """The ``blueprints`` and ``generation_origins`` tables."""

    def save_blueprints(self, blueprints: Sequence[Blueprint]) -> None:
        """Replace the cached catalogue (in this order); the versions of those still listed
        are kept."""
        from leodesk.core.api.blueprint_models import blueprint_to_json

        now = self._now_ms()
        ids = [bp.id for bp in blueprints if bp.id]
        with self._writing() as conn:
            marks = ",".join("?" * len(ids))
            conn.execute(f"DELETE FROM blueprints WHERE id NOT IN ({marks})", ids)
            conn.executemany(
                """
                INSERT INTO blueprints (id, position, info_json, fetched_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET position = excluded.position,
                    info_json = excluded.info_json, fetched_ms = excluded.fetched_ms
                """,
                [
                    (bp.id, pos, json.dumps(blueprint_to_json(bp), sort_keys=True), now)
                    for pos, bp in enumerate(blueprints)
                    if bp.id
                ],
            )

    def cached_blueprints(self) -> list[Blueprint]:
        from leodesk.core.api.blueprint_models import blueprint_from_json

        with self._reading() as conn:
            rows = conn.execute("SELECT info_json FROM blueprints ORDER BY position").fetchall()
        out = []
        for row in rows:
            try:
                out.append(blueprint_from_json(json.loads(row[0])))
            except (ValueError, TypeError):
                continue
        return out

    def save_blueprint_versions(
        self, blueprint_id: str, versions: Sequence[BlueprintVersion]
    ) -> None:
        from leodesk.core.api.blueprint_models import version_to_json

        text = json.dumps([version_to_json(v) for v in versions], sort_keys=True)
        with self._writing() as conn:
            conn.execute(
                "UPDATE blueprints SET versions_json = ? WHERE id = ?", (text, blueprint_id)
            )

    def cached_blueprint_versions(self, blueprint_id: str) -> list[BlueprintVersion] | None:
        """The versions last fetched, or None when they never were."""
        from leodesk.core.api.blueprint_models import version_from_json

        with self._reading() as conn:
            row = conn.execute(
                "SELECT versions_json FROM blueprints WHERE id = ?", (blueprint_id,)
            ).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            return [version_from_json(v) for v in json.loads(row[0])]
        except (ValueError, TypeError):
            return None

    def set_generation_origin(self, generation_id: str, origin: BlueprintOrigin) -> None:
        _require_id(generation_id, "generation id")
        with self._writing() as conn:
            conn.execute(
                """
                INSERT INTO generation_origins
                    (generation_id, blueprint_id, version_id, name, execution_id, added_ms)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (generation_id) DO UPDATE SET blueprint_id = excluded.blueprint_id,
                    version_id = excluded.version_id, name = excluded.name,
                    execution_id = excluded.execution_id
                """,
                (
                    generation_id,
                    origin.blueprint_id,
                    origin.version_id,
                    origin.name,
                    origin.execution_id,
                    self._now_ms(),
                ),
            )

    def generation_origin(self, generation_id: str) -> BlueprintOrigin | None:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT blueprint_id, version_id, name, execution_id FROM generation_origins "
                "WHERE generation_id = ?",
                (generation_id,),
            ).fetchone()
        return None if row is None else BlueprintOrigin(*row)
