"""Fault rules: parsing the ``--faults`` grammar, matching requests, transforming bodies.

The grammar is documented in the :mod:`leodesk.sim` package docstring.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Kinds that replace the whole response with an error status.
ERROR_KINDS = frozenset({"429", "500", "502", "503", "504"})
#: Kinds that replace the whole response with a 200 that is not what the client asked for.
FAKE_200_KINDS = frozenset({"html200", "bomb"})
#: Kinds whose response stands in for the real one (the operation runs only with ``commit``).
REPLACING_KINDS = ERROR_KINDS | FAKE_200_KINDS
#: Kinds that rewrite a JSON response body after the operation ran.
TRANSFORM_KINDS = frozenset({"nulls", "unknown_enum", "upscale_misspelled"})
#: Every kind the simulator knows.
KINDS = (
    REPLACING_KINDS
    | TRANSFORM_KINDS
    | {"slow", "reset", "truncated", "short_length", "malformed_json", "silent"}
)

#: The parameter a bare (un-named) value sets, per kind.
_POSITIONAL = {
    "429": "retry_after",
    "503": "retry_after",
    "slow": "delay",
    "truncated": "fraction",
    "short_length": "fraction",
    "silent": "max",
    "nulls": "fields",
    "unknown_enum": "fields",
}

#: Fields nulled by the ``nulls`` fault unless ``fields=`` says otherwise.
DEFAULT_NULL_FIELDS = (
    "scheduler",
    "sdVersion",
    "status",
    "presetStyle",
    "likeCount",
    "nsfw",
    "public",
    "featured",
    "generation_elements",
    "generated_image_variation_generics",
    "transformType",
    "imageToVideo",
    "motion",
    "fantasyAvatar",
    "apiCreditCost",
    "cost",
    "baseModel",
    "type",
)

#: Replacement strings used by the ``unknown_enum`` fault, per field.
DEFAULT_UNKNOWN_ENUMS = {
    "sdVersion": "SDXL_9_9",
    "baseModel": "SDXL_9_9",
    "scheduler": "SIM_SCHEDULER_9",
    "presetStyle": "SIM_STYLE_9",
    "transformType": "SIM_TRANSFORM_9",
    "type": "SIM_MODEL_TYPE_9",
    "unit": "SIM_UNIT_9",
}


class FaultSpecError(ValueError):
    """A fault rule string or ``add_fault`` call that does not follow the grammar."""


@dataclass
class Fault:
    """One fault rule. ``times=None`` means unlimited; ``fired`` counts how often it fired."""

    method: str
    path_glob: str
    kind: str
    probability: float = 1.0
    times: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True when the rule applies to ``method`` and ``path`` (glob via fnmatch)."""
        if self.method != "*" and self.method != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path_glob)

    @property
    def exhausted(self) -> bool:
        """True once the rule fired ``times`` times."""
        return self.times is not None and self.fired >= self.times

    @property
    def commit(self) -> bool:
        """Whether the operation is performed before the fault shows (``commit=true``).

        ``silent`` commits unless told ``commit=false``; every other kind only when told.
        """
        return bool(self.params.get("commit", self.kind == "silent"))

    def describe(self) -> str:
        """The rule written back in the ``--faults`` grammar."""
        text = f"{self.method} {self.path_glob}={self.kind}"
        if self.params:
            text += ":" + ",".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        if self.probability != 1.0:
            text += f"@{self.probability}"
        if self.times is not None:
            text += f"x{self.times}"
        return text


def retry_after_text(value: Any) -> str:
    """``Retry-After`` header text: whole seconds, or a fraction when given one (fast tests)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "|".join(str(v) for v in value)
    return str(value)


def _coerce(key: str, raw: str) -> Any:
    """Turn a textual parameter into the value the fault machinery expects."""
    low = raw.strip().lower()
    if key == "commit":
        if low in ("", "1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise FaultSpecError(f"commit must be true or false, not {raw!r}")
    if key in ("delay", "fraction", "max"):
        try:
            return float(raw)
        except ValueError as exc:
            raise FaultSpecError(f"{key} must be a number, not {raw!r}") from exc
    if key == "retry_after":
        try:
            value = float(raw)
            return int(value) if value.is_integer() else value
        except ValueError as exc:
            raise FaultSpecError(f"retry_after must be a number, not {raw!r}") from exc
    if key == "fields":
        return tuple(p.strip() for p in raw.split("|") if p.strip())
    return raw.strip()


def normalize_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Validate and coerce parameters given programmatically (``add_fault(**params)``)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            out[key] = _coerce(key, value)
        elif key == "fields" and isinstance(value, Iterable):
            out[key] = tuple(str(v) for v in value)
        else:
            out[key] = value
    for key in ("delay", "max"):
        if key in out and float(out[key]) < 0:
            raise FaultSpecError(f"{key} must not be negative")
    if "fraction" in out and not 0.0 <= float(out["fraction"]) < 1.0:
        raise FaultSpecError("fraction must be in [0, 1)")
    return out


def make_fault(
    method: str,
    path_glob: str,
    kind: str,
    *,
    probability: float = 1.0,
    times: int | None = None,
    **params: Any,
) -> Fault:
    """Build and validate a :class:`Fault`."""
    kind = str(kind).strip().lower()
    if kind not in KINDS:
        raise FaultSpecError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    method = method.strip().upper() or "*"
    path_glob = path_glob.strip()
    if not path_glob.startswith("/") and path_glob != "*":
        raise FaultSpecError(f"path glob must start with '/': {path_glob!r}")
    if not 0.0 <= probability <= 1.0:
        raise FaultSpecError(f"probability must be within [0, 1], not {probability}")
    if times is not None and times < 0:
        raise FaultSpecError("times must not be negative")
    return Fault(
        method=method,
        path_glob=path_glob,
        kind=kind,
        probability=float(probability),
        times=times,
        params=normalize_params(kind, params),
    )


_RULE = re.compile(r"^\s*(?P<method>[A-Za-z*]+)\s+(?P<path>\S+?)\s*=\s*(?P<rest>.+?)\s*$")
_SUFFIX = re.compile(r"(@(?P<prob>[0-9]*\.?[0-9]+)|x(?P<times>[0-9]+))$")


def parse_rule(text: str) -> Fault:
    """Parse one rule such as ``POST /generations=slow:2.5,commit@0.5x3``."""
    m = _RULE.match(text)
    if not m:
        raise FaultSpecError(f"cannot parse fault rule {text!r} (expected 'METHOD /path=kind')")
    rest = m.group("rest")
    probability = 1.0
    times: int | None = None
    while True:
        s = _SUFFIX.search(rest)
        if not s:
            break
        if s.group("prob") is not None:
            probability = float(s.group("prob"))
        else:
            times = int(s.group("times"))
        rest = rest[: s.start()]
    kind, _, raw_params = rest.partition(":")
    kind = kind.strip().lower()
    params: dict[str, Any] = {}
    if raw_params.strip():
        for item in raw_params.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                key, _, value = item.partition("=")
                params[key.strip()] = value.strip()
            elif item.lower() == "commit":
                params["commit"] = "true"
            elif kind in _POSITIONAL:
                params[_POSITIONAL[kind]] = item
            else:
                raise FaultSpecError(f"fault kind {kind!r} takes no bare parameter ({item!r})")
    return make_fault(
        m.group("method"), m.group("path"), kind, probability=probability, times=times, **params
    )


def parse_faults(spec: str) -> list[Fault]:
    """Parse a whole ``--faults`` string (rules separated by ``;`` or newlines)."""
    rules = [r for r in re.split(r"[;\n]", spec or "") if r.strip()]
    return [parse_rule(r) for r in rules]


class FaultSet:
    """The active rules of one server; thread-safe; rolls probabilities on a seeded RNG."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._rng = random.Random(f"faults:{seed}")

    def add(self, fault: Fault) -> Fault:
        """Append a rule; rules are checked in the order they were added."""
        with self._lock:
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Fault]:
        """A snapshot of the rules."""
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str) -> list[Fault]:
        """Every rule that fires for this request (each decrements its own ``times``)."""
        fired: list[Fault] = []
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.matches(method, path):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                fired.append(rule)
        return fired


def apply_nulls(body: Any, fields: Iterable[str]) -> Any:
    """Set every key named in ``fields`` to null wherever it occurs in ``body``."""
    names = set(fields)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (None if k in names else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(body)


def apply_unknown_enums(body: Any, fields: Iterable[str] | None, value: str | None) -> Any:
    """Replace string values of enum-typed keys with values no spec lists (``SDXL_9_9``...)."""
    mapping = dict(DEFAULT_UNKNOWN_ENUMS)
    if fields:
        mapping = {f: DEFAULT_UNKNOWN_ENUMS.get(f, f"SIM_{f.upper()}_9") for f in fields}
    if value:
        mapping = dict.fromkeys(mapping, value)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for k, v in node.items():
                if k in mapping and isinstance(v, str):
                    out[k] = mapping[k]
                else:
                    out[k] = walk(v)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(body)


def apply_upscale_misspelled(body: Any) -> Any:
    """Rename ``sdUpscaleJob`` to ``sdUpscalerjob`` (the spec example's spelling)."""
    if isinstance(body, dict) and "sdUpscaleJob" in body:
        return {("sdUpscalerjob" if k == "sdUpscaleJob" else k): v for k, v in body.items()}
    return body
