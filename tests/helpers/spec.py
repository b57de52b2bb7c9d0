"""Validate requests and responses against the real Leonardo OpenAPI spec.

The official spec is kept in the repository as ``tests/spec/openapi.json`` (the file named by
the ``LEODESK_SPEC`` environment variable is read instead when set). Tests that need it call
:func:`require_spec` (or use the functions below, which call it); a missing spec *fails* them
with a clear reason, so a checkout without it can never pass by skipping.

Main entry points (all take the spec ``operationId``, e.g. ``"createGeneration"``)::

    from tests.helpers.spec import operation_for, validate_request, validate_response

    op = operation_for("POST", "/generations")          # also full URLs, with a query
    validate_request(op, {"prompt": "a cat", "public": False})
    validate_response("getGenerationById", response.json())

* :func:`validate_request` checks a JSON request body against the operation's request schema
  made **strict**: ``additionalProperties: false`` on every object (unknown or wrongly-cased
  keys fail), ``nullable`` honoured (null only where the spec allows it), required keys, JSON
  types (``1.0`` is not an integer) and enums. Operations without a request body accept only
  ``None`` or ``{}``.
* :func:`validate_response` checks a response body against the operation's 200 schema made
  **lenient on nulls**: every value may be null (the real API nulls fields the spec calls
  non-null) and extra keys are allowed. Enums stay closed unless ``allow_unknown_enums=True``;
  ``allow_nulls=False`` allows null only where the spec says ``nullable`` (for sample replies
  that must follow the spec to the letter).
* :func:`resolved_request_schema` and :func:`request_properties` give the request schema as the
  spec writes it (refs inlined, nothing made strict), for checking key lists against the spec.

Both raise :class:`SpecValidationError` (an ``AssertionError``) listing every violation with
its JSON path. The resolver inlines every ``$ref``, including the spec's refs into property
paths such as ``#/components/schemas/lora/properties/akUUID``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema  # type: ignore[import-untyped]

SPEC_ENV = "LEODESK_SPEC"
API_PREFIX = "/api/rest/v1"
_METHODS = ("get", "post", "put", "patch", "delete")


class SpecValidationError(AssertionError):
    """A body that does not follow the spec; ``errors`` lists ``"<path>: <message>"`` lines."""

    def __init__(self, operation_id: str, kind: str, errors: list[str]) -> None:
        self.operation_id = operation_id
        self.kind = kind
        self.errors = errors
        text = "\n  ".join(errors)
        super().__init__(f"{kind} of {operation_id} does not match the spec:\n  {text}")


def spec_path() -> Path:
    """Where the spec is read from (``$LEODESK_SPEC``, else ``tests/spec/openapi.json``)."""
    env = os.environ.get(SPEC_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "spec" / "openapi.json"


def spec_available() -> bool:
    """True when the spec file exists."""
    return spec_path().is_file()


@functools.cache
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def load_spec() -> dict[str, Any]:
    """The parsed spec (cached). Raises FileNotFoundError when absent."""
    path = spec_path()
    if not path.is_file():
        raise FileNotFoundError(f"Leonardo OpenAPI spec not found at {path} (set ${SPEC_ENV})")
    return _load(str(path))


def require_spec() -> dict[str, Any]:
    """The spec; the calling test fails with the reason when the file is missing."""
    path = spec_path()
    if not path.is_file():
        import pytest

        pytest.fail(
            f"Leonardo OpenAPI spec not found at {path}: restore tests/spec/openapi.json "
            f"(or set ${SPEC_ENV} to its path)"
        )
    return load_spec()


# --------------------------------------------------------------------------- refs


def resolve_pointer(document: Any, ref: str) -> Any:
    """Follow a local JSON pointer (``#/a/b~1c``) inside ``document``."""
    if not ref.startswith("#"):
        raise ValueError(f"only local refs are supported: {ref!r}")
    node = document
    for raw in ref[1:].split("/")[1:] if ref != "#" else []:
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def deref(node: Any, document: dict[str, Any] | None = None, _stack: tuple[str, ...] = ()) -> Any:
    """A copy of ``node`` with every ``$ref`` inlined (siblings of a ``$ref`` are merged in).

    Works for refs into property paths; a recursive ref is left as an empty schema.
    """
    doc = load_spec() if document is None else document
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in _stack:
                return {}
            target = deref(resolve_pointer(doc, ref), doc, (*_stack, ref))
            merged = dict(target) if isinstance(target, dict) else {}
            for key, value in node.items():
                if key != "$ref":
                    merged[key] = deref(value, doc, _stack)
            return merged
        return {key: deref(value, doc, _stack) for key, value in node.items()}
    if isinstance(node, list):
        return [deref(item, doc, _stack) for item in node]
    return node


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    """One spec operation."""

    operation_id: str
    method: str
    path: str
    spec: dict[str, Any]


def operations() -> dict[str, Operation]:
    """Every operation of the spec by operationId."""
    return _operations(str(spec_path()))


@functools.cache
def _operations(_key: str) -> dict[str, Operation]:
    spec = require_spec()
    out: dict[str, Operation] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in _METHODS and isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = Operation(op["operationId"], method.upper(), path, op)
    return out


def operation(operation_id: str) -> Operation:
    """The operation with that id (KeyError when unknown)."""
    ops = operations()
    if operation_id not in ops:
        raise KeyError(f"no operation {operation_id!r} in the spec")
    return ops[operation_id]


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.compile(f"^{pattern}$")


def operation_for(method: str, path: str) -> str:
    """The operationId serving ``method`` + ``path``.

    ``path`` may be relative to the API root (``/generations/abc``), include the
    ``/api/rest/v1`` prefix, or be a full URL; a query string is ignored. Literal path segments
    win over templated ones. Raises ``LookupError`` when no operation matches.
    """
    split = urlsplit(path)
    rel = split.path or "/"
    if API_PREFIX in rel:
        rel = rel[rel.index(API_PREFIX) + len(API_PREFIX) :] or "/"
    if len(rel) > 1:
        rel = rel.rstrip("/")
    candidates = [
        op
        for op in operations().values()
        if op.method == method.upper() and _template_regex(op.path).match(rel)
    ]
    if not candidates:
        raise LookupError(f"no spec operation for {method.upper()} {rel}")
    candidates.sort(key=lambda op: op.path.count("{"))
    return candidates[0].operation_id


# --------------------------------------------------------------------------- schemas


def _raw_request_schema(operation_id: str) -> dict[str, Any] | None:
    body = operation(operation_id).spec.get("requestBody")
    if not body:
        return None
    content = deref(body, load_spec()).get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    if not media or "schema" not in media:
        return None
    schema: dict[str, Any] = media["schema"]
    return schema


def _raw_response_schema(operation_id: str) -> dict[str, Any]:
    responses = operation(operation_id).spec.get("responses", {})
    ok = responses.get("200") or responses.get(200)
    if ok is None:
        raise KeyError(f"{operation_id} has no 200 response in the spec")
    content = deref(ok, load_spec()).get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    schema: dict[str, Any] = (media or {}).get("schema", {})
    return schema


def resolved_request_schema(operation_id: str) -> dict[str, Any]:
    """The request body's schema as the spec writes it, refs inlined (not made strict).

    An operation without a request body gives an object schema without properties.
    """
    schema = _raw_request_schema(operation_id)
    return {"type": "object", "properties": {}} if schema is None else schema


def request_properties(operation_id: str) -> dict[str, dict[str, Any]]:
    """The request body's top-level properties (refs inlined), ``{}`` without a body."""
    props: dict[str, dict[str, Any]] = resolved_request_schema(operation_id).get("properties", {})
    return props


def _subschemas(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in ("properties", "patternProperties", "definitions"):
        if isinstance(schema.get(key), dict):
            for name, sub in schema[key].items():
                yield f"{key}/{name}", sub
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield key, schema[key]
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            for i, sub in enumerate(schema[key]):
                yield f"{key}/{i}", sub


def _to_jsonschema(
    schema: Any, *, strict: bool, all_nullable: bool, open_enums: bool
) -> dict[str, Any]:
    """OpenAPI 3.0 schema -> JSON Schema (draft 4) with the chosen strictness."""
    if not isinstance(schema, dict):
        return {}
    out = {
        k: v
        for k, v in schema.items()
        if k not in ("nullable", "example", "examples", "deprecated", "discriminator", "xml")
    }
    for key in ("properties", "patternProperties"):
        if isinstance(out.get(key), dict):
            out[key] = {
                name: _to_jsonschema(
                    sub, strict=strict, all_nullable=all_nullable, open_enums=open_enums
                )
                for name, sub in out[key].items()
            }
    for key in ("items", "not"):
        if isinstance(out.get(key), dict):
            out[key] = _to_jsonschema(
                out[key], strict=strict, all_nullable=all_nullable, open_enums=open_enums
            )
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _to_jsonschema(
            out["additionalProperties"],
            strict=strict,
            all_nullable=all_nullable,
            open_enums=open_enums,
        )
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [
                _to_jsonschema(s, strict=strict, all_nullable=all_nullable, open_enums=open_enums)
                for s in out[key]
            ]
    nullable = all_nullable or bool(schema.get("nullable", False))
    if open_enums:
        out.pop("enum", None)
    if nullable:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            if "null" not in types:
                out["type"] = [*types, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    is_object = out.get("type") == "object" or (
        isinstance(out.get("type"), list) and "object" in out["type"]
    )
    if strict and (is_object or "properties" in out) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def request_schema(operation_id: str) -> dict[str, Any] | None:
    """The strict JSON Schema of the request body, or None when the operation has no body."""
    raw = _raw_request_schema(operation_id)
    if raw is None:
        return None
    return _to_jsonschema(copy.deepcopy(raw), strict=True, all_nullable=False, open_enums=False)


def response_schema(
    operation_id: str, *, allow_unknown_enums: bool = False, allow_nulls: bool = True
) -> dict[str, Any]:
    """The lenient JSON Schema of the 200 response (nulls allowed anywhere unless
    ``allow_nulls=False``: then only where the spec says ``nullable``)."""
    raw = _raw_response_schema(operation_id)
    return _to_jsonschema(
        copy.deepcopy(raw), strict=False, all_nullable=allow_nulls, open_enums=allow_unknown_enums
    )


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(schema)
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    lines = []
    for err in found:
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path
        )
        lines.append(f"{where}: {err.message}")
    return lines


def validate_request(operation_id: str, body: Any) -> None:
    """Raise :class:`SpecValidationError` unless ``body`` is a spec-valid request body."""
    require_spec()
    schema = request_schema(operation_id)
    if schema is None:
        if body in (None, {}):
            return
        raise SpecValidationError(
            operation_id, "request", [f"$: {operation_id} takes no request body, got {body!r}"]
        )
    errors = _errors(schema, body)
    if errors:
        raise SpecValidationError(operation_id, "request", errors)


def validate_response(
    operation_id: str, body: Any, *, allow_unknown_enums: bool = False, allow_nulls: bool = True
) -> None:
    """Raise :class:`SpecValidationError` unless ``body`` fits the 200 schema (nulls allowed
    anywhere unless ``allow_nulls=False``)."""
    require_spec()
    schema = response_schema(
        operation_id, allow_unknown_enums=allow_unknown_enums, allow_nulls=allow_nulls
    )
    errors = _errors(schema, body)
    if errors:
        raise SpecValidationError(operation_id, "response", errors)


def enum_errors(operation_id: str, body: Any) -> list[str]:
    """Only the enum violations of a response (for asserting an unknown enum is present)."""
    try:
        validate_response(operation_id, body)
    except SpecValidationError as exc:
        return [e for e in exc.errors if "is not one of" in e]
    return []
