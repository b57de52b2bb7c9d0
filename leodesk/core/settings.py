"""User settings: one frozen dataclass, saved as versioned JSON.

:func:`load` never fails: a missing file gives the defaults, a corrupt one is moved aside to
``<name>.bak`` (so nothing is lost) and also gives the defaults, unknown keys are ignored and a
value of the wrong type or out of range falls back to that field's default. :func:`save` writes
atomically (a 0600 temporary file renamed into place).

Secrets never go here: the API key lives in the OS keychain (:mod:`leodesk.core.secrets`).
:func:`save` enforces that by refusing any field or ``last_form`` key named like a key, token,
secret, password or credential (:class:`SecretFieldError`).

To change settings, make a new value: ``dataclasses.replace(settings, notify_sound=True)``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

__all__ = [
    "SETTINGS_VERSION",
    "THEMES",
    "SecretFieldError",
    "Settings",
    "load",
    "looks_secret",
    "save",
    "to_json",
]

log = logging.getLogger(__name__)

SETTINGS_VERSION: Final = 1

_SECRET_WORDS: Final = frozenset(
    {
        "key",
        "keys",
        "apikey",
        "token",
        "tokens",
        "secret",
        "secrets",
        "password",
        "passwd",
        "passphrase",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "bearer",
    }
)


class SecretFieldError(ValueError):
    """A settings field or form key is named like a secret; secrets belong in the keychain."""


def _empty_form() -> dict[str, Any]:
    return {}


def _empty_splitters() -> dict[str, tuple[int, ...]]:
    return {}


def _empty_shortcuts() -> dict[str, str]:
    return {}


THEMES: Final = ("system", "light", "dark")


@dataclass(frozen=True)
class Settings:
    """Everything leodesk remembers between runs, except secrets.

    ``window_geometry``/``window_state`` are base64 text of Qt's ``saveGeometry``/``saveState``
    bytes; ``splitter_sizes`` maps a splitter's name to its sizes; ``last_form`` is the JSON-able
    state of the generation form; ``confirm_cost_above`` (API credits) asks before a generation
    that costs more, None never asks; ``notify_*`` turn each kind of notification on or off and
    ``low_balance_below`` (API credits) is the balance under which one is shown.
    """

    version: int = SETTINGS_VERSION
    thumb_cache_mb: int = 512
    network_threads: int = 4
    keep_full_images_offline: bool = False
    confirm_cost_above: float | None = None
    last_form: Mapping[str, Any] = field(default_factory=_empty_form)
    last_model_id: str | None = None
    window_geometry: str | None = None
    window_state: str | None = None
    splitter_sizes: Mapping[str, tuple[int, ...]] = field(default_factory=_empty_splitters)
    # notifications (tray / OS): each kind on or off, the low-balance threshold, a sound
    notify_batch_finished: bool = True
    notify_job_failed: bool = True
    notify_moderation: bool = True
    notify_low_balance: bool = True
    low_balance_below: int = 200
    notify_sound: bool = False
    # preferences (issue 14): look, defaults for a new form, folders, custom keyboard shortcuts
    theme: str = "system"  # one of THEMES
    gallery_thumb_size: int = 176  # the gallery's cell edge, px (the thumbnail-size slider)
    default_model_id: str | None = None  # the model of a fresh form (no saved form)
    default_width: int | None = None  # the size of a fresh form, None: the model's own
    default_height: int | None = None
    export_folder: str | None = None  # where exports go first (the folder dialog opens there)
    shortcuts: Mapping[str, str] = field(default_factory=_empty_shortcuts)  # action → keys
    gallery_group_by_generation: bool = False
    # the main window's collapsed side panes ("browser", "form", "details"); None: never saved
    collapsed_panes: tuple[str, ...] | None = None


# ------------------------------------------------------------------------------ validation

_Validator = Callable[[Any], Any]  # returns the clean value or raises ValueError


def _int_range(low: int, high: int) -> _Validator:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected an integer in {low}..{high}")
        return value

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _optional_cost(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number or null")
    if not math.isfinite(value) or value < 0:
        raise ValueError("expected a non-negative number")
    return float(value)


def _optional_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError("expected a string or null")


def _optional_base64(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expected base64 text or null")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64") from exc
    return value


def _choice(*allowed: str) -> _Validator:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return str(value)

    return check


def _optional_size(value: Any) -> int | None:
    return None if value is None else _int_range(64, 8192)(value)


def _shortcuts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return {str(k): v for k, v in value.items() if isinstance(v, str) and len(v) < 100}


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if not looks_secret(str(k))}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def _form(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    # A hand-edited file must not smuggle a secret in, nor make every later save fail.
    clean: dict[str, Any] = _without_secrets(value)
    return clean


def _panes(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of pane names")
    return tuple(value)


def _splitters(value: Any) -> dict[str, tuple[int, ...]]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    out: dict[str, tuple[int, ...]] = {}
    for name, sizes in value.items():
        if isinstance(sizes, list) and all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes
        ):
            out[str(name)] = tuple(sizes)
    return out


_VALIDATORS: Final[Mapping[str, _Validator]] = {
    "thumb_cache_mb": _int_range(16, 65536),
    "network_threads": _int_range(1, 16),
    "keep_full_images_offline": _bool,
    "confirm_cost_above": _optional_cost,
    "last_form": _form,
    "last_model_id": _optional_str,
    "window_geometry": _optional_base64,
    "window_state": _optional_base64,
    "splitter_sizes": _splitters,
    "notify_batch_finished": _bool,
    "notify_job_failed": _bool,
    "notify_moderation": _bool,
    "notify_low_balance": _bool,
    "low_balance_below": _int_range(0, 1_000_000_000),
    "notify_sound": _bool,
    "theme": _choice(*THEMES),
    "gallery_thumb_size": _int_range(96, 320),
    "default_model_id": _optional_str,
    "default_width": _optional_size,
    "default_height": _optional_size,
    "export_folder": _optional_str,
    "shortcuts": _shortcuts,
    "gallery_group_by_generation": _bool,
    "collapsed_panes": _panes,
}


def _split_name(name: str) -> list[str]:
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [part for part in re.split(r"[^0-9a-zA-Z]+", snake.lower()) if part]


def looks_secret(name: str) -> bool:
    """True if a field name reads like it holds a secret (``api_key``, ``accessToken``...)."""
    parts = _split_name(name)
    return any(part in _SECRET_WORDS for part in parts) or "".join(parts) in _SECRET_WORDS


def _secret_names(value: Any, prefix: str) -> list[str]:
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{prefix}.{key}"
            if looks_secret(str(key)):
                found.append(where)
            found.extend(_secret_names(item, where))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found.extend(_secret_names(item, f"{prefix}[{i}]"))
    return found


# ------------------------------------------------------------------------------ load / save


def _from_mapping(data: Mapping[str, Any]) -> Settings:
    defaults = Settings()
    changes: dict[str, Any] = {}
    for f in fields(Settings):
        validate = _VALIDATORS.get(f.name)
        if validate is None or f.name not in data:
            continue
        try:
            changes[f.name] = validate(data[f.name])
        except ValueError as exc:
            log.warning("settings: ignoring %s (%s)", f.name, exc)
    return replace(defaults, **changes)


def load(path: Path) -> Settings:
    """The settings stored at ``path``, or the defaults (see the module docstring)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        log.warning("settings: cannot read %s (%s); using defaults", path, exc)
        return Settings()
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the top level is not an object")
    except ValueError as exc:  # includes JSONDecodeError and UnicodeDecodeError
        backup = path.with_name(path.name + ".bak")
        log.warning("settings: %s is corrupt (%s); moved to %s", path, exc, backup.name)
        with contextlib.suppress(OSError):
            os.replace(path, backup)
        return Settings()
    version = data.get("version")
    if isinstance(version, int) and version > SETTINGS_VERSION:
        log.info("settings: file version %s is newer than %s", version, SETTINGS_VERSION)
    return _from_mapping(data)


# Maps whose keys are names of the app's own things (``shortcuts``: action names such as
# ``changeKeyAction``, the API-key menu item), never secrets.
_NAMES_NOT_SECRETS: Final = frozenset({"shortcuts"})


def to_json(settings: Settings) -> dict[str, Any]:
    """The JSON object :func:`save` writes (refuses secret-looking names)."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields(settings):
        if looks_secret(f.name):
            problems.append(f.name)
        value = getattr(settings, f.name)
        if f.name not in _NAMES_NOT_SECRETS:
            problems.extend(_secret_names(value, f.name))
        if isinstance(value, Mapping):
            value = {str(k): list(v) if isinstance(v, tuple) else v for k, v in value.items()}
        out[f.name] = value
    if problems:
        raise SecretFieldError(
            "refusing to save secret-looking settings (secrets belong in the keychain): "
            + ", ".join(problems)
        )
    out["version"] = SETTINGS_VERSION
    return out


def save(settings: Settings, path: Path) -> None:
    """Write ``settings`` to ``path`` atomically (0600 file, 0700 folder if created).

    Raises :class:`SecretFieldError` for secret-looking names, ``ValueError`` if ``last_form``
    is not JSON-able, ``OSError`` if the file cannot be written (the old file is then intact).
    """
    path = Path(path)
    try:
        text = json.dumps(to_json(settings), indent=2, sort_keys=True, allow_nan=False)
    except TypeError as exc:
        raise ValueError(f"settings are not JSON-able: {exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
