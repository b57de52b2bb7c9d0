"""Blueprints as the client reads them: the catalogue, the inputs a version declares, an
execution and its generations; parsed leniently (every field optional, enums open).

The spec types a version's ``uiMetadata.inputs`` only as objects. Its example shows ``type``
(``image``), ``label``, ``nodeId``, ``required``, ``placeholder`` and ``settingName``; the
client also reads ``defaultValue``, ``min``, ``max``, ``step``, ``integer`` and ``maxLength``
when present. ``NodeInput.value`` is a string (or a list of text variables), so a number input
is sent as its decimal text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .parse import as_bool, as_float, as_int, as_str

#: The input kinds the app offers a field for (others are shown, and left to their default).
INPUT_TYPES = ("text", "number", "image")
#: Execution statuses after which nothing changes.
FINAL_STATUSES = frozenset({"COMPLETED", "FAILED"})


@dataclass(frozen=True)
class Blueprint:
    id: str
    name: str = ""
    description: str = ""
    thumbnail_url: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    official: bool | None = None


@dataclass(frozen=True)
class BlueprintInput:
    """One input a version declares (``uiMetadata.inputs[]``)."""

    node_id: str
    setting_name: str
    type: str = "text"
    label: str = ""
    required: bool = False
    placeholder: str = ""
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    integer: bool = False
    max_length: int | None = None

    @property
    def key(self) -> str:
        """``NODE.FIELD`` as the CLI takes it."""
        return f"{self.node_id}.{self.setting_name}"

    @property
    def title(self) -> str:
        return self.label or self.setting_name


@dataclass(frozen=True)
class BlueprintVersion:
    id: str
    blueprint_id: str = ""
    created_at: str | None = None
    cost: int | None = None
    inputs: tuple[BlueprintInput, ...] = ()
    outputs: int = 0
    models: tuple[str, ...] = ()
    executable: bool = True


@dataclass(frozen=True)
class NodeInput:
    """A value for one declared input (``NodeInput``)."""

    node_id: str
    setting_name: str
    value: str

    def json(self) -> dict[str, Any]:
        return {"nodeId": self.node_id, "settingName": self.setting_name, "value": self.value}


@dataclass(frozen=True)
class BlueprintExecution:
    id: str
    status: str | None = None
    created_at: str | None = None
    inputs: tuple[Mapping[str, Any], ...] = ()

    @property
    def finished(self) -> bool:
        return (self.status or "").upper() in FINAL_STATUSES


@dataclass(frozen=True)
class ExecutionGeneration:
    generation_id: str
    status: str | None = None
    failed_type: str | None = None
    failed_message: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a Relay connection."""

    items: list[Any] = field(default_factory=list)
    end_cursor: str | None = None
    has_next: bool = False


# ---------------------------------------------------------------------------- parsing


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_blueprint(data: Mapping[str, Any]) -> Blueprint | None:
    ak = as_str(data.get("akUUID"))
    if not ak:
        return None
    thumbs = [t for t in data.get("thumbnails") or [] if isinstance(t, Mapping)]
    by_name = {as_str(t.get("name")): as_str(t.get("url")) for t in thumbs}
    thumb = by_name.get("thumbnailUrl") or next((u for u in by_name.values() if u), None)
    return Blueprint(
        id=ak,
        name=as_str(data.get("name")) or "",
        description=as_str(data.get("description")) or "",
        thumbnail_url=thumb,
        created_at=as_str(data.get("createdAt")),
        updated_at=as_str(data.get("updatedAt")),
        official=as_bool(data.get("official")),
    )


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return None
        return str(int(number)) if number.is_integer() else str(number)
    return value if isinstance(value, str) else None


def parse_input(data: Mapping[str, Any]) -> BlueprintInput | None:
    node = as_str(data.get("nodeId"))
    setting = as_str(data.get("settingName"))
    if not node or not setting:
        return None
    kind = (as_str(data.get("type")) or "text").lower()
    return BlueprintInput(
        node_id=node,
        setting_name=setting,
        type=kind,
        label=as_str(data.get("label")) or "",
        required=bool(as_bool(data.get("required"))),
        placeholder=as_str(data.get("placeholder")) or "",
        default=_text(data.get("defaultValue")),
        minimum=as_float(data.get("min")),
        maximum=as_float(data.get("max")),
        step=as_float(data.get("step")),
        integer=bool(as_bool(data.get("integer"))),
        max_length=as_int(data.get("maxLength")),
    )


def parse_version(data: Mapping[str, Any], blueprint_id: str = "") -> BlueprintVersion | None:
    ak = as_str(data.get("akUUID"))
    if not ak:
        return None
    meta = _map(data.get("uiMetadata"))
    raw_inputs = _list(meta.get("inputs"))
    inputs = [parse_input(i) for i in raw_inputs if isinstance(i, Mapping)]
    outputs = _list(meta.get("outputs"))
    execut = _map(data.get("executability"))
    models = _list(data.get("models"))
    return BlueprintVersion(
        id=ak,
        blueprint_id=blueprint_id,
        created_at=as_str(data.get("createdAt")),
        cost=as_int(data.get("cost")),
        inputs=tuple(i for i in inputs if i is not None),
        outputs=len(outputs),
        models=tuple(m for m in models if isinstance(m, str)),
        executable=as_bool(execut.get("isExecutable")) is not False,
    )


def parse_execution(data: Mapping[str, Any]) -> BlueprintExecution | None:
    ak = as_str(data.get("akUUID"))
    if not ak:
        return None
    inputs = _list(data.get("inputs"))
    return BlueprintExecution(
        id=ak,
        status=as_str(data.get("status")),
        created_at=as_str(data.get("createdAt")),
        inputs=tuple(i for i in inputs if isinstance(i, Mapping)),
    )


def parse_execution_generation(data: Mapping[str, Any]) -> ExecutionGeneration | None:
    gen_id = as_str(data.get("generationId"))
    if not gen_id:
        return None
    reason = _map(data.get("failedReason"))
    return ExecutionGeneration(
        generation_id=gen_id,
        status=as_str(data.get("status")),
        failed_type=as_str(reason.get("type")),
        failed_message=as_str(reason.get("message")),
    )


def parse_page(value: Any, parse_node: Any) -> Page:
    """A Relay connection ``{edges: [{cursor, node}], pageInfo}``; nodes that do not parse
    are skipped."""
    if not isinstance(value, Mapping):
        return Page()
    edges = _list(value.get("edges"))
    items = []
    for edge in edges:
        node = edge.get("node") if isinstance(edge, Mapping) else None
        if isinstance(node, Mapping):
            item = parse_node(node)
            if item is not None:
                items.append(item)
    info = _map(value.get("pageInfo"))
    return Page(items, as_str(info.get("endCursor")), bool(as_bool(info.get("hasNextPage"))))


# ---------------------------------------------------------------------------- stored form


def blueprint_to_json(bp: Blueprint) -> dict[str, Any]:
    """A blueprint as the library keeps it (:func:`blueprint_from_json` reads it back)."""
    return asdict(bp)


def blueprint_from_json(data: Mapping[str, Any]) -> Blueprint:
    known = {k: v for k, v in data.items() if k in Blueprint.__dataclass_fields__}
    return Blueprint(**known)


def version_to_json(version: BlueprintVersion) -> dict[str, Any]:
    return asdict(version)


def version_from_json(data: Mapping[str, Any]) -> BlueprintVersion:
    known = {k: v for k, v in data.items() if k in BlueprintVersion.__dataclass_fields__}
    known["inputs"] = tuple(
        BlueprintInput(**{k: v for k, v in i.items() if k in BlueprintInput.__dataclass_fields__})
        for i in _list(known.get("inputs"))
        if isinstance(i, Mapping)
    )
    known["models"] = tuple(_list(known.get("models")))
    return BlueprintVersion(**known)
