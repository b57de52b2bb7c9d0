"""What elements (LoRAs) a stored generation was made with, for recall and the details panel:
what the app sent (``request_json``), else what the server reports (``generation_elements`` in
``raw_json``, platform elements only). Keys and weights as the form state keeps them."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QCoreApplication

from leodesk.core.elements import own_key


def element_state(generation: Any) -> dict[str, dict[str, float]]:
    """``{"elements": {akUUID: weight}, "user_elements": {"<id>": weight}}`` (both may be empty)."""
    sent = sent_request(generation)
    has = sent.get("elements") or sent.get("user_elements")
    return _elements(sent if has else _server_elements(generation))


def element_text(state: dict[str, dict[str, float]], names: dict[str, str]) -> str:
    """``Crystal Glass 1.5, My Cat Mochi 0.8`` (an element without a known name by its id)."""
    keyed = [*state["elements"].items()]
    keyed += [(own_key(int(k)), w) for k, w in state["user_elements"].items()]

    def name(key: str) -> str:
        return names.get(key) or QCoreApplication.translate("Recall", "element {id}").format(
            id=key[:8]
        )

    return ", ".join(f"{name(k)} {w:g}" for k, w in keyed) or "—"


def sent_request(generation: Any) -> dict[str, Any]:
    """The request the app stored with a generation (``request_json``), or ``{}``."""
    raw = getattr(generation, "request_json", None)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _server_elements(generation: Any) -> dict[str, Any]:
    """The elements the server says a generation (synced, not sent from here) was made with."""
    raw = getattr(generation, "raw_json", None)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    rows = data.get("elements") if isinstance(data, dict) else None
    refs = []
    for row in rows if isinstance(rows, list) else ():
        lora = row.get("lora") if isinstance(row, dict) else None
        if isinstance(lora, dict) and isinstance(lora.get("ak_uuid"), str):
            refs.append({"ak_uuid": lora["ak_uuid"], "weight": row.get("weight_applied")})
    return {"elements": refs}


def _elements(sent: dict[str, Any]) -> dict[str, Any]:
    """The elements a stored request was sent with (every draft says which, none included)."""
    platform: dict[str, float] = {}
    own: dict[str, float] = {}
    for ref in sent.get("elements") or ():
        if isinstance(ref, dict) and isinstance(ref.get("ak_uuid"), str):
            platform[ref["ak_uuid"]] = _weight(ref.get("weight"))
    for ref in sent.get("user_elements") or ():
        if isinstance(ref, dict) and isinstance(ref.get("user_lora_id"), int):
            own[str(ref["user_lora_id"])] = _weight(ref.get("weight"))
    return {"elements": platform, "user_elements": own}


def _weight(value: Any) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else 1.0
