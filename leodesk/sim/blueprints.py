"""Blueprints: the catalogue (``GET /blueprints``, ``/blueprints/{id}``,
``/blueprints/{id}/versions``), executing a version (``POST /blueprint-executions``) and
following it (``GET /blueprint-executions/{id}``, ``…/generations``).

An execution is charged the version's ``cost`` and makes ordinary generations (they show in
``GET /generations/user`` and ``GET /generations/{id}``), each a job of the account's
scheduler, so it moves QUEUED → PENDING → COMPLETED (or FAILED) over simulated time. A text
input holding one of the moderation words gets its generations FAILED with a
``PROMPT_MODERATION_BLOCKED`` reason (refunded, as failed jobs are).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .blueprint_catalog import BLUEPRINTS, BlueprintInfo, VersionInfo
from .blueprint_rules import (
    BlueprintError,
    check_execute_body,
    check_inputs,
    decode_index_cursor,
    decode_key_cursor,
    encode_cursor,
    index_cursor,
    page_int,
    page_window,
)
from .generations import Generations
from .records import CdnAsset, Generation, plain_generation_fields, timestamp
from .rules import MSG_NO_CREDITS, find_word, is_uuid
from .uploads import InitImages


@dataclass
class Execution:
    """One execution of a blueprint version."""

    id: str
    version_id: str
    inputs: list[dict[str, Any]]
    public: bool
    created_at: str
    generation_ids: list[str] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)  # generation id -> moderation text


_VERSIONS: dict[str, tuple[BlueprintInfo, VersionInfo]] = {
    v.id: (b, v) for b in BLUEPRINTS for v in b.versions
}
_BY_ID: dict[str, BlueprintInfo] = {b.id: b for b in BLUEPRINTS}


def _thumb_path(bp: BlueprintInfo, name: str) -> str:
    return f"/cdn/blueprint_assets/official/{bp.id}/thumbnails/{name}.jpg"


class Blueprints(Generations, InitImages):
    """The Blueprint catalogue and the account's executions."""

    def _reset_account(self, rng: random.Random) -> None:
        super()._reset_account(rng)
        self._executions: dict[str, Execution] = {}
        for bp in BLUEPRINTS:
            for name in ("thumbnailUrl", *bp.extra_thumbnails):
                size = (768, 256) if name.endswith("Banner") else (512, 512)
                self._cdn[_thumb_path(bp, name)] = CdnAsset(
                    "render", f"blueprint:{bp.id}:{name}", *size, label=bp.name
                )

    # ------------------------------------------------------------------ catalogue

    def _blueprint_json(self, bp: BlueprintInfo) -> dict[str, Any]:
        return {
            "akUUID": bp.id,
            "createdAt": bp.created_at,
            "updatedAt": bp.updated_at,
            "name": bp.name,
            "description": bp.description,
            "thumbnails": [
                {"name": name, "url": self.url(_thumb_path(bp, name))}
                for name in ("thumbnailUrl", *bp.extra_thumbnails)
            ],
            "teamId": None,
            "official": True,
        }

    def list_blueprints(self, body: Any) -> Any:
        """``GET /blueprints`` (filters and cursors in the JSON body)."""
        path = "blueprints"
        try:
            args = body if isinstance(body, dict) else {}
            first, last = page_int(args.get("first"), "first", path), None
            last = page_int(args.get("last"), "last", path)
            if (first is not None or "after" in args) and (last is not None or "before" in args):
                raise BlueprintError("Use either first/after or last/before, not both", path)
            platforms = args.get("platforms") or ["API"]
            categories = args.get("categories") or []
            items = [
                bp
                for bp in sorted(BLUEPRINTS, key=lambda b: (b.created_at, b.id), reverse=True)
                if set(platforms) & set(bp.platforms)
                and (not categories or set(categories) & set(bp.categories))
            ]
            ids = [bp.id for bp in items]
            after = self._cursor_index(args.get("after"), ids, path)
            before = self._cursor_index(args.get("before"), ids, path)
            if first is None and last is None:
                first = 10
            start, end = page_window(len(items), first, after, last, before)
        except BlueprintError as err:
            return err.body()
        edges = [
            {"cursor": encode_cursor({"createdAt": b.created_at, "akUUID": b.id}), "node": node}
            for b in items[start:end]
            for node in [self._blueprint_json(b)]
        ]
        return {"blueprints": _connection(edges, len(items), start, end)}

    @staticmethod
    def _cursor_index(cursor: Any, ids: list[str], path: str) -> int | None:
        if cursor is None:
            return None
        if not isinstance(cursor, str):
            raise BlueprintError("Invalid cursor", path)
        ak = decode_key_cursor(cursor, path)
        if ak not in ids:
            raise BlueprintError("Invalid cursor", path)
        return ids.index(ak)

    def get_blueprint(self, blueprint_id: str) -> Any:
        """``GET /blueprints/{id}``."""
        bp = _BY_ID.get(blueprint_id.lower()) if is_uuid(blueprint_id) else None
        if bp is None:
            return _not_found("Blueprint not found", "blueprint", blueprint_id)
        return {"blueprint": self._blueprint_json(bp)}

    def blueprint_versions(self, blueprint_id: str) -> Any:
        """``GET /blueprints/{id}/versions``."""
        bp = _BY_ID.get(blueprint_id.lower()) if is_uuid(blueprint_id) else None
        if bp is None:
            return _not_found("Blueprint not found", "blueprintVersions", blueprint_id)
        edges = [
            {
                "cursor": encode_cursor({"createdAt": v.created_at, "akUUID": v.id}),
                "node": _version_json(v),
            }
            for v in bp.versions
        ]
        return {"blueprintVersions": _connection(edges, len(edges), 0, len(edges))}

    # ------------------------------------------------------------------ executions

    def execute_blueprint(self, body: Any) -> Any:
        """``POST /blueprint-executions``: charge the version's cost, start its generations."""
        version_id, nodes, public, _collections = check_execute_body(body)
        with self._lock:
            self._advance()
            try:
                found = _VERSIONS.get(version_id.lower()) if is_uuid(version_id) else None
                if found is None:
                    raise BlueprintError("Blueprint version not found", "executeBlueprint")
                _bp, version = found
                if not version.executable:
                    raise BlueprintError(
                        "This blueprint version can no longer be executed (its model "
                        f"{', '.join(version.models)} is retired)",
                        "executeBlueprint",
                    )
                values = check_inputs(version, nodes)
                source = self._image_source(version, values)
                if version.cost > self._subscription + self._paid:
                    raise BlueprintError(MSG_NO_CREDITS, "executeBlueprint")
            except BlueprintError as err:
                return err.body()
            self._check_queue()
            self._charge(version.cost)
            ex = Execution(self._uuid(), version.id, nodes, public, _now())
            self._executions[ex.id] = ex
            self._start_generations(ex, version, values, source)
            return {"executeBlueprint": {"akUUID": ex.id}}

    def _image_source(self, version: VersionInfo, values: Mapping[str, str]) -> tuple[str, str]:
        """What the results are drawn from: ``("init", id)``, ``("image", render key)`` or
        ``("text", "")``; BlueprintError for an image URL this account does not serve."""
        for decl in version.inputs:
            if decl.type != "image" or not values.get(decl.key):
                continue
            path = "/cdn/" + values[decl.key].split("/cdn/", 1)[-1]
            for init in self._init_images.values():
                if init.data is not None and self._init_path(init) == path:
                    return ("init", init.id)
            for img in self._images.values():
                if img.path == path:
                    return ("image", img.render_key)
            raise BlueprintError(
                f"Input '{decl.label}' must be the URL of an image on Leonardo "
                "(a generated image or an uploaded init image)",
                "executeBlueprint",
            )
        return ("text", "")

    def _start_generations(
        self,
        ex: Execution,
        version: VersionInfo,
        values: Mapping[str, str],
        source: tuple[str, str],
    ) -> None:
        prompt = version.prompt
        for key, value in values.items():
            prompt = prompt.replace("{" + key + "}", value if "://" not in value else "photo")
        texts = " ".join(v for k, v in values.items() if "://" not in v)
        blocked = find_word(texts, self.cfg.moderation_words)
        fail = find_word(texts, self.cfg.fail_words) is not None or blocked is not None
        width, height = version.size
        costs = _split(version.cost, len(version.batches))
        for count, cost in zip(version.batches, costs, strict=True):
            gen = Generation(
                id=self._uuid(),
                seq=self._next_seq(),
                created_at=timestamp(datetime.now(UTC)),
                fields=plain_generation_fields(prompt, width, height, public=ex.public),
                out_width=width,
                out_height=height,
                num_images=count,
                render_key=f"{prompt}|{source[1]}|{len(ex.generation_ids)}",
                label=prompt,
                nsfw=False,
                transparent=False,
                elements=[],
            )
            if source[0] == "init":
                gen.canvas_init, gen.canvas_type = source[1], "IMG2IMG"
            self._generations[gen.id] = gen
            gen.job = self._submit("generation", gen.id, cost, fail)
            ex.generation_ids.append(gen.id)
            if blocked is not None:
                ex.blocked[gen.id] = blocked

    def _execution_status(self, ex: Execution) -> str:
        jobs = [self._jobs.get(g) for g in ex.generation_ids]
        if all(j is None or j.done for j in jobs):
            states = [
                self._generations[g].status for g in ex.generation_ids if g in self._generations
            ]
            return "COMPLETED" if "COMPLETE" in states or not states else "FAILED"
        if all(j is None or j.started_at is None for j in jobs):
            return "QUEUED"
        return "PENDING"

    def get_blueprint_execution(self, execution_id: str) -> Any:
        """``GET /blueprint-executions/{id}``."""
        with self._lock:
            self._advance()
            ex = self._executions.get(execution_id.lower()) if is_uuid(execution_id) else None
            if ex is None:
                return _not_found(
                    "Blueprint execution not found", "blueprintExecution", execution_id
                )
            return {
                "blueprintExecution": {
                    "akUUID": ex.id,
                    "status": self._execution_status(ex),
                    "inputs": ex.inputs,
                    "public": ex.public,
                    "createdAt": ex.created_at,
                }
            }

    def blueprint_execution_generations(self, execution_id: str, query: Mapping[str, str]) -> Any:
        """``GET /blueprint-executions/{id}/generations`` (Relay pagination in the query)."""
        path = "blueprintExecutionGenerations"
        with self._lock:
            self._advance()
            ex = self._executions.get(execution_id.lower()) if is_uuid(execution_id) else None
            ids = [] if ex is None else [g for g in ex.generation_ids if g in self._generations]
            try:
                first = page_int(query.get("first"), "first", path)
                last = page_int(query.get("last"), "last", path)
                after = _opt_index(query.get("after"), path)
                before = _opt_index(query.get("before"), path)
            except BlueprintError as err:
                return err.body()
            start, end = page_window(len(ids), first, after, last, before)
            assert ex is not None or not ids
            edges = [
                {"cursor": index_cursor(n), "node": self._execution_generation(ex, ids[n])}
                for n in range(start, end)
                if ex is not None
            ]
            conn = _connection(edges, len(ids), start, end)
            conn.pop("totalCount")
            return {path: conn}

    def _execution_generation(self, ex: Execution, gen_id: str) -> dict[str, Any]:
        gen = self._generations[gen_id]
        status = {"COMPLETE": "COMPLETED", "FAILED": "FAILED"}.get(gen.status, "PENDING")
        node: dict[str, Any] = {
            "akUUID": _child_id(ex.id, gen_id),
            "status": status,
            "generationId": gen_id,
        }
        if status == "FAILED" and gen_id in ex.blocked:
            node["failedReason"] = {
                "type": "PROMPT_MODERATION_BLOCKED",
                "message": "Content policy violation: the text of this blueprint's inputs "
                f"was blocked ({ex.blocked[gen_id]}). Please modify it and try again.",
                "affectedOutputCount": gen.num_images,
            }
        return node

    # ------------------------------------------------------------------ keeping

    def _blueprint_rows(self) -> list[dict[str, Any]]:
        return [dict(ex.__dict__) for ex in self._executions.values()]

    def _restore_blueprints(self, rows: list[Any]) -> None:
        for row in rows:
            ex = Execution(**row)
            self._executions[ex.id] = ex


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _split(total: int, parts: int) -> list[int]:
    share = total // parts
    return [total - share * (parts - 1)] + [share] * (parts - 1)


def _child_id(execution_id: str, gen_id: str) -> str:
    from .catalog import stable_uuid

    return stable_uuid(f"blueprint-execution-generation:{execution_id}:{gen_id}")


def _opt_index(cursor: str | None, path: str) -> int | None:
    return None if cursor is None else decode_index_cursor(cursor, path)


def _not_found(message: str, path: str, given: str) -> list[dict[str, Any]]:
    if not is_uuid(given):
        return BlueprintError("An error occurred.", path).body()
    return BlueprintError(message, path, "NOT_FOUND").body()


def _connection(edges: list[dict[str, Any]], total: int, start: int, end: int) -> dict[str, Any]:
    return {
        "edges": edges,
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": end < total,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _version_json(v: VersionInfo) -> dict[str, Any]:
    return {
        "akUUID": v.id,
        "createdAt": v.created_at,
        "updatedAt": v.created_at,
        "cost": v.cost,
        "uiMetadata": {
            "inputs": [d.json() for d in v.inputs],
            "outputs": [{"type": "image"} for _ in range(v.outputs)],
        },
        "uiMetadataSchemaVersion": "21",
        "models": list(v.models),
        "executability": {
            "isExecutable": v.executable,
            "reasons": [{"models": m} for m in v.models],
        },
    }
