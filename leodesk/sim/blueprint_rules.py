"""The checks of ``POST /blueprint-executions`` and the shapes of the Blueprint errors.

Two error shapes exist for Blueprints (see the spec): a body that is not the operation's shape
gets HTTP 400 ``{"error": "Invalid input type: …"}``; everything else (an unknown version,
inputs that do not fit the version's declarations, not enough credits) gets the GraphQL
``ApiError`` array, which the spec documents under the 200 answer.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from typing import Any

from .blueprint_catalog import InputDecl, VersionInfo
from .rules import ApiError, is_uuid

SETTING_NAMES = ("text", "imageUrl", "textVariables")


class BlueprintError(Exception):
    """An ``ApiError`` array answer (HTTP 200, as the spec documents it)."""

    def __init__(self, message: str, path: str, code: str = "BadRequestException") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.code = code

    def body(self) -> list[dict[str, Any]]:
        if self.code == "NOT_FOUND":
            extensions: dict[str, Any] = {"code": "NOT_FOUND", "errorCode": 0, "statusCode": 404}
        else:
            extensions = {
                "code": self.code,
                "details": {"message": self.message, "statusCode": 400},
            }
        return [
            {
                "message": self.message,
                "path": [self.path],
                "locations": [{"column": 20, "line": 1}],
                "extensions": extensions,
            }
        ]


def _type_error(field: str, expected: str) -> ApiError:
    return ApiError(
        400, f"Invalid input type: expected '{expected}' for field '{field}'", "validation-failed"
    )


def check_execute_body(body: Any) -> tuple[str, list[dict[str, Any]], bool, list[int]]:
    """The shape of the body: ``(version id, node inputs, public, collection ids)``; HTTP 400
    for a wrong type, a missing field or an unknown key."""
    if not isinstance(body, dict):
        raise _type_error("body", "object")
    _no_unknown(body, ("blueprintVersionId", "input"), "")
    version_id = body.get("blueprintVersionId")
    if not isinstance(version_id, str):
        raise _type_error("blueprintVersionId", "string")
    inp = body.get("input")
    if not isinstance(inp, dict):
        raise _type_error("input", "object")
    _no_unknown(inp, ("nodeInputs", "public", "collectionIds"), "input.")
    nodes = inp.get("nodeInputs")
    if not isinstance(nodes, list):
        raise _type_error("input.nodeInputs", "array")
    public = inp.get("public")
    if not isinstance(public, bool):
        raise _type_error("input.public", "boolean")
    collections = inp.get("collectionIds", [])
    if not isinstance(collections, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in collections
    ):
        raise _type_error("input.collectionIds", "array of integers")
    for n, node in enumerate(nodes):
        _check_node_shape(node, f"input.nodeInputs[{n}]")
    return version_id, nodes, public, list(collections)


def _no_unknown(obj: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in obj:
        if key not in known:
            raise ApiError(400, f"Unexpected variable {prefix}{key}", "bad-request")


def _check_node_shape(node: Any, where: str) -> None:
    if not isinstance(node, dict):
        raise _type_error(where, "object")
    _no_unknown(node, ("nodeId", "settingName", "value"), f"{where}.")
    for key in ("nodeId", "settingName"):
        if not isinstance(node.get(key), str):
            raise _type_error(f"{where}.{key}", "string")
    if node["settingName"] not in SETTING_NAMES:
        raise _type_error(f"{where}.settingName", "one of " + ", ".join(SETTING_NAMES))
    value = node.get("value")
    if isinstance(value, str):
        return
    if isinstance(value, list) and all(
        isinstance(v, dict) and isinstance(v.get("name"), str) and isinstance(v.get("value"), str)
        for v in value
    ):
        return
    raise _type_error(f"{where}.value", "string or array of TextVariable")


def check_inputs(version: VersionInfo, nodes: list[dict[str, Any]]) -> dict[str, str]:
    """The version's inputs filled from ``nodes`` (defaults where left out), keyed by the
    declaration's key; BlueprintError for an input that does not fit its declaration."""
    declared = {d.node_id: d for d in version.inputs}
    given: dict[str, str] = {}
    for node in nodes:
        decl = declared.get(node["nodeId"])
        if decl is None:
            raise BlueprintError(f"Unknown node {node['nodeId']} for this blueprint version", _P)
        if node["settingName"] != decl.setting_name:
            raise BlueprintError(
                f"Input '{decl.label}' takes the setting {decl.setting_name}, "
                f"not {node['settingName']}",
                _P,
            )
        if not isinstance(node["value"], str):
            raise BlueprintError(f"Input '{decl.label}' expects a string value", _P)
        given[decl.key] = _checked_value(decl, node["value"])
    for decl in version.inputs:
        if decl.key in given:
            continue
        if decl.required:
            raise BlueprintError(f"Missing required input '{decl.label}' ({decl.node_id})", _P)
        given[decl.key] = "" if decl.default is None else _number_text(decl, decl.default)
    return given


_P = "executeBlueprint"


def _checked_value(decl: InputDecl, value: str) -> str:
    if decl.type == "number":
        return _checked_number(decl, value)
    if decl.type == "image":
        if not value.startswith(("http://", "https://")):
            raise BlueprintError(f"Input '{decl.label}' expects an image URL", _P)
        return value
    if decl.required and not value.strip():
        raise BlueprintError(f"Input '{decl.label}' must not be empty", _P)
    if decl.max_length is not None and len(value) > decl.max_length:
        raise BlueprintError(
            f"Input '{decl.label}' is longer than {decl.max_length} characters", _P
        )
    return value


def _checked_number(decl: InputDecl, value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (decl.integer and not number.is_integer()):
        kind = "a whole number" if decl.integer else "a number"
        raise BlueprintError(f"Input '{decl.label}' expects {kind}, got '{value[:40]}'", _P)
    low, high = decl.minimum, decl.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        raise BlueprintError(
            f"Input '{decl.label}' must be between {_fmt(low)} and {_fmt(high)}", _P
        )
    return _number_text(decl, number)


def _number_text(decl: InputDecl, value: str | float) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if decl.integer or float(value).is_integer() else str(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value)


# ------------------------------------------------------------------------------ pagination


def encode_cursor(data: Mapping[str, Any]) -> str:
    return base64.b64encode(json.dumps(dict(data), separators=(",", ":")).encode()).decode()


def index_cursor(n: int) -> str:
    return base64.b64encode(f"arrayconnection:{n}".encode()).decode()


def decode_index_cursor(cursor: str, path: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "arrayconnection":
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise BlueprintError("Invalid cursor", path) from None


def decode_key_cursor(cursor: str, path: str) -> str:
    """The ``akUUID`` inside a list cursor (BlueprintError when it is not one of ours)."""
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        ak = data["akUUID"]
        if not isinstance(ak, str) or not is_uuid(ak):
            raise ValueError(ak)
        return ak
    except (ValueError, KeyError, TypeError):
        raise BlueprintError("Invalid cursor", path) from None


def page_window(
    size: int, first: int | None, after: int | None, last: int | None, before: int | None
) -> tuple[int, int]:
    """``[start, end)`` of a Relay page over ``size`` items (indexes for after/before)."""
    start, end = 0, size
    if after is not None:
        start = min(size, after + 1)
    if before is not None:
        end = max(0, min(size, before))
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    return start, end


def page_int(raw: Any, name: str, path: str) -> int | None:
    """A ``first``/``last`` value: an integer 1..100 or absent."""
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = int(raw)
        except ValueError:
            raise BlueprintError(f"{name} must be an integer", path) from None
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 100:
        raise BlueprintError(f"{name} must be between 1 and 100", path)
    return raw
