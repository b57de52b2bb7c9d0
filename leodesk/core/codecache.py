"""The compiled methods of dataclasses, kept between runs.

A dataclass's methods (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, a frozen class's
``__setattr__`` and ``__delattr__``) are written as source text and compiled each time the class
is defined, that is at every start: leodesk's ~160 dataclasses cost ~0.3–1 ms each, most of it
the compiler (the gallery's part of the start-up alone: 22 classes, ~11 ms). Python keeps a
module's own compiled code between runs (``__pycache__``), but not these.

:func:`install` gives the :mod:`dataclasses` module an ``exec`` that looks the text up in a file
of the cache folder and compiles it only when it is new; :func:`save` writes the file back when
something was compiled. The code run is what the compiler makes of the same text, so the classes
are the same. A file written by another Python, or one that cannot be read, is ignored (and
replaced on the next save); a file that cannot be written leaves the app as it was.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import marshal
import os
import sys
import threading
from pathlib import Path
from types import CodeType
from typing import Any

__all__ = ["install", "save", "stats"]

log = logging.getLogger("leodesk.codecache")
# Whatever the compiled code depends on: another Python, another file.
HEADER = f"leodesk dataclass code 1 {sys.implementation.cache_tag} {sys.version}\n".encode()
MAX_ENTRIES = 5000  # a file grown past this (old versions' classes) keeps this run's only


class _Cache:
    def __init__(self) -> None:
        self.path: Path | None = None
        # text -> its code, or the code marshalled (as read: made into code when first used)
        self.codes: dict[str, CodeType | bytes] = {}
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.unsaved = 0
        self.lock = threading.Lock()


_cache = _Cache()


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` as the dataclasses module calls it, with the compiled text looked up first."""
    if globals is None:  # the caller's namespaces, as the built-in takes them
        frame = sys._getframe(1)
        globals = frame.f_globals
        if locals is None:
            locals = frame.f_locals
    if isinstance(source, str):
        found = _cache.codes.get(source)
        code = _code(found) if isinstance(found, bytes) else found
        if code is None:
            code = compile(source, "<string>", "exec")
            with _cache.lock:
                _cache.codes[source] = code
                _cache.misses += 1
                _cache.unsaved += 1
        else:
            _cache.hits += 1
        _cache.used.add(source)
        source = code
    builtins.exec(source, globals, locals)


def _code(data: bytes) -> CodeType | None:
    try:
        code = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _read(path: Path) -> dict[str, CodeType | bytes]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(HEADER):
        return {}
    try:
        codes = marshal.loads(data[len(HEADER) :])
    except (EOFError, ValueError, TypeError) as exc:
        log.info("ignored the dataclass code cache %s: %s", path, exc)
        return {}
    if not isinstance(codes, dict):
        return {}
    return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, bytes)}


def install(path: Path) -> None:
    """Use (and later :func:`save` to) the cache file ``path`` for every dataclass defined from
    now on. Classes defined before are as they were."""
    import dataclasses  # (loaded already by nearly every module; here for clarity)

    _cache.path = path
    _cache.codes = _read(path)
    dataclasses.exec = _exec  # type: ignore[attr-defined]


def save() -> bool:
    """Write the cache file if this run compiled something new; True if written. Never raises
    (the cache only saves time)."""
    path = _cache.path
    if path is None or not _cache.unsaved:
        return False
    with _cache.lock:
        codes = dict(_cache.codes)
        if len(codes) > MAX_ENTRIES:
            codes = {k: v for k, v in codes.items() if k in _cache.used}
        _cache.unsaved = 0
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flat = {k: v if isinstance(v, bytes) else marshal.dumps(v) for k, v in codes.items()}
        tmp.write_bytes(HEADER + marshal.dumps(flat))
        os.replace(tmp, path)
    except OSError as exc:
        log.info("could not write the dataclass code cache %s: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True


def stats() -> tuple[int, int]:
    """(texts found in the cache, texts compiled) since the process started."""
    return _cache.hits, _cache.misses
