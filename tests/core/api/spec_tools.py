"""OpenAPI helpers for the API client tests: ref inlining, closed schemas, request validation."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator


def _pointer(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(spec: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Inline every ``$ref`` (including refs into property paths, which the spec uses)."""
    assert depth < 40, "ref cycle"
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(spec, copy.deepcopy(_pointer(spec, node["$ref"])), depth + 1)
        return {k: resolve(spec, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(spec, item, depth + 1) for item in node]
    return node


def closed(schema: Any) -> Any:
    """Forbid unknown keys in every object schema that lists its properties."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


def operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for methods in spec["paths"].values():
        for op in methods.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise KeyError(operation_id)


def request_schema(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    op = operation(spec, operation_id)
    body = op.get("requestBody")
    if body is None:
        return {"type": "object", "properties": {}}
    schema: dict[str, Any] = resolve(spec, body["content"]["application/json"]["schema"])
    return schema


def response_schema(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    op = operation(spec, operation_id)
    schema: dict[str, Any] = resolve(
        spec, op["responses"]["200"]["content"]["application/json"]["schema"]
    )
    return schema


def validate_request(spec: dict[str, Any], operation_id: str, body: Any) -> None:
    """Validate a request body; unknown keys are forbidden."""
    OAS30Validator(closed(request_schema(spec, operation_id))).validate(body)


def spec_path() -> Path:
    """``<repo>/../shared/leonardo-api/openapi.json``, or ``$LEODESK_SPEC``."""
    override = os.environ.get("LEODESK_SPEC")
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "leonardo-api" / "openapi.json"


def load_spec() -> dict[str, Any] | None:
    """The spec, or None when it is not there."""
    path = spec_path()
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
