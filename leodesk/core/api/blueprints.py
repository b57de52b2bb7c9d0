"""The Blueprint operations (a mixin of :class:`~leodesk.core.api.client.LeonardoClient`):
``listBlueprints``, ``getBlueprintById``, ``getBlueprintVersionsByBlueprintId``,
``executeBlueprint``, ``getBlueprintExecution`` and ``getBlueprintExecutionGenerations``.

They answer errors as a GraphQL ``ApiError`` array under HTTP 200 (the transport raises the
error it carries); "not found" is None here. Executing is billed (the version's ``cost``): it
is never re-sent once it may have been accepted, and a lost answer raises
:class:`~leodesk.core.api.errors.OutcomeUnknownError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .blueprint_models import (
    Blueprint,
    BlueprintExecution,
    BlueprintVersion,
    ExecutionGeneration,
    NodeInput,
    Page,
    parse_blueprint,
    parse_execution,
    parse_execution_generation,
    parse_page,
    parse_version,
)
from .errors import NotFoundError, ProtocolError
from .transport import RequestKind, Transport, path_id

__all__ = ["Blueprints", "execute_blueprint_body"]

_MAX_PAGES = 50  # a cursor that never ends stops here


def execute_blueprint_body(version_id: str, inputs: Iterable[NodeInput]) -> dict[str, Any]:
    """The ``POST /blueprint-executions`` body: only the spec's keys, ``public: false``."""
    return {
        "blueprintVersionId": version_id,
        "input": {"nodeInputs": [i.json() for i in inputs], "public": False},
    }


class Blueprints(Transport):
    """Browse Blueprints and their versions, execute one, follow the execution."""

    def list_blueprints(
        self,
        *,
        first: int = 50,
        after: str | None = None,
        categories: Iterable[str] = (),
    ) -> Page:
        """``GET /blueprints`` (one page; filters go in a JSON body, as the spec says)."""
        body: dict[str, Any] = {"first": max(1, min(100, int(first)))}
        if after:
            body["after"] = after
        cats = [c for c in categories if c]
        if cats:
            body["categories"] = cats
        value = self._call(
            "GET", "/blueprints", "listBlueprints", RequestKind.IDEMPOTENT, "blueprints", body=body
        )
        return parse_page(value, parse_blueprint)

    def list_all_blueprints(self, categories: Iterable[str] = ()) -> list[Blueprint]:
        """Every page of ``GET /blueprints``."""
        found: list[Blueprint] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = self.list_blueprints(first=100, after=cursor, categories=categories)
            found.extend(page.items)
            if not page.has_next or not page.end_cursor or page.end_cursor == cursor:
                break
            cursor = page.end_cursor
        return found

    def get_blueprint(self, blueprint_id: str) -> Blueprint | None:
        """``GET /blueprints/{id}``; None when it is not found."""
        try:
            item = self._get(
                f"/blueprints/{path_id(blueprint_id)}", "getBlueprintById", "blueprint"
            )
        except NotFoundError:
            return None
        return parse_blueprint(item) if isinstance(item, Mapping) else None

    def list_blueprint_versions(self, blueprint_id: str) -> list[BlueprintVersion]:
        """``GET /blueprints/{id}/versions``: newest first; empty when it is not found."""
        try:
            value = self._get(
                f"/blueprints/{path_id(blueprint_id)}/versions",
                "getBlueprintVersionsByBlueprintId",
                "blueprintVersions",
            )
        except NotFoundError:
            return []
        return parse_page(value, lambda node: parse_version(node, blueprint_id)).items

    def execute_blueprint(self, version_id: str, inputs: Iterable[NodeInput]) -> str:
        """``POST /blueprint-executions``: the execution's id. Billed: never re-sent."""
        items = list(inputs)
        body = execute_blueprint_body(version_id, items)
        job = self._call(
            "POST",
            "/blueprint-executions",
            "executeBlueprint",
            RequestKind.BILLED_POST,
            "executeBlueprint",
            body=body,
            request=body,
        )
        ak = job.get("akUUID") if isinstance(job, Mapping) else None
        if not isinstance(ak, str) or not ak:
            raise ProtocolError(server_message="executeBlueprint: no execution id in the reply")
        return ak

    def get_blueprint_execution(self, execution_id: str) -> BlueprintExecution | None:
        """``GET /blueprint-executions/{id}``; None when it is not found."""
        try:
            item = self._get(
                f"/blueprint-executions/{path_id(execution_id)}",
                "getBlueprintExecution",
                "blueprintExecution",
            )
        except NotFoundError:
            return None
        return parse_execution(item) if isinstance(item, Mapping) else None

    def list_execution_generations(self, execution_id: str) -> list[ExecutionGeneration]:
        """Every page of ``GET /blueprint-executions/{id}/generations``."""
        found: list[ExecutionGeneration] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            params: dict[str, Any] = {"first": 100}
            if cursor:
                params["after"] = cursor
            value = self._get(
                f"/blueprint-executions/{path_id(execution_id)}/generations",
                "getBlueprintExecutionGenerations",
                "blueprintExecutionGenerations",
                params=params,
            )
            page = parse_page(value, parse_execution_generation)
            found.extend(page.items)
            if not page.has_next or not page.end_cursor or page.end_cursor == cursor:
                break
            cursor = page.end_cursor
        return found
