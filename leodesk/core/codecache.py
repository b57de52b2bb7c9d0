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

The file has two parts. The app reads it before its first paint, when every millisecond is
waited for, and needs only the classes of the window's first moments then (a sixth of them):
those the run used before :func:`mark_first_part` make the first part, read at once; the second
part is read when a text is first not found in the first (the app's second stage, on a thread).

Each text is kept with the module that defined it. A module defines all its dataclasses when it
loads, so a text of a module loaded in this run that this run did not ask for belongs to a class
that has changed since (an upgrade, an edit): :func:`save` drops it, and writes the file for
that alone. The file then holds this version's classes only, and reads as fast after many
upgrades as after the first.
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
from typing import Any, BinaryIO

__all__ = ["install", "mark_first_part", "save", "stats"]

log = logging.getLogger("leodesk.codecache")
# Whatever the compiled code depends on: another Python, another file. Then the first part's
# length (8 bytes, little-endian), the first part, the second: each a marshalled dict of
# text -> (module, marshalled code).
HEADER = f"leodesk dataclass code 3 {sys.implementation.cache_tag} {sys.version}\n".encode()
_LENGTH = 8
MAX_ENTRIES = 5000  # a file grown past this (old versions' classes) keeps this run's only


class _Cache:
    def __init__(self) -> None:
        self.path: Path | None = None
        # text -> its code, or the code marshalled (as read: made into code when first used)
        self.codes: dict[str, CodeType | bytes] = {}
        self.modules: dict[str, str] = {}  # text -> the module that defined it
        # The file, open at its second part, until a text is not found in the first
        self.second: BinaryIO | None = None
        self.used: set[str] = set()
        self.first: set[str] | None = None  # the texts used before mark_first_part()
        self.loaded: set[str] = set()  # the modules that defined a dataclass in this run
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
        module = globals.get("__name__") if isinstance(globals, dict) else None
        source = _compiled(source, module if isinstance(module, str) else "")
    builtins.exec(source, globals, locals)


def _compiled(text: str, module: str) -> CodeType:
    with _cache.lock:
        found = _cache.codes.get(text)
        if found is None and _cache.second is not None:
            _read_second()
            found = _cache.codes.get(text)
        code = _code(found) if isinstance(found, bytes) else found
        if code is None:
            code = compile(text, "<string>", "exec")
            _cache.modules[text] = module
            _cache.misses += 1
            _cache.unsaved += 1
        else:
            _cache.hits += 1
        _cache.codes[text] = code
        _cache.used.add(text)
        _cache.loaded.add(module)
    return code


def _code(data: bytes) -> CodeType | None:
    try:
        code = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _entries(data: bytes) -> dict[Any, Any]:
    try:
        entries = marshal.loads(data)
    except (EOFError, ValueError, TypeError) as exc:
        log.info("ignored a part of the dataclass code cache: %s", exc)
        return {}
    return entries if isinstance(entries, dict) else {}


def _add(
    codes: dict[str, CodeType | bytes], modules: dict[str, str], entries: dict[Any, Any]
) -> None:
    for text, entry in entries.items():
        if (
            isinstance(text, str)
            and text not in codes
            and isinstance(entry, tuple)
            and len(entry) == 2
            and isinstance(entry[0], str)
            and isinstance(entry[1], bytes)
        ):
            modules[text], codes[text] = entry


def _read(path: Path) -> tuple[dict[str, CodeType | bytes], dict[str, str], BinaryIO | None]:
    """The first part's (text -> marshalled code, text -> its module), and the file, open at
    the second part (read later, if ever: the file replaced meanwhile by another app's save
    is still this one). Empty if the file cannot be read or was written by another version of
    this format or another Python."""
    codes: dict[str, CodeType | bytes] = {}
    modules: dict[str, str] = {}
    try:
        f = path.open("rb")
    except OSError:
        return codes, modules, None
    try:
        head = f.read(len(HEADER) + _LENGTH)
        length = int.from_bytes(head[len(HEADER) :], "little")
        if (
            not head.startswith(HEADER)
            or len(head) != len(HEADER) + _LENGTH
            or length > os.fstat(f.fileno()).st_size  # (damaged)
        ):
            f.close()
            return codes, modules, None
        _add(codes, modules, _entries(f.read(length)))
    except OSError:
        f.close()
        return codes, modules, None
    return codes, modules, f


def _read_second() -> None:
    """Add the file's second part (call with the lock held)."""
    second, _cache.second = _cache.second, None
    if second is None:
        return
    try:
        with second:
            data = second.read()
    except OSError as exc:
        log.info("could not read the dataclass code cache: %s", exc)
        return
    _add(_cache.codes, _cache.modules, _entries(data))


def install(path: Path) -> None:
    """Use (and later :func:`save` to) the cache file ``path`` for every dataclass defined from
    now on. Classes defined before are as they were."""
    import dataclasses  # (loaded already by nearly every module; here for clarity)

    with _cache.lock:
        if _cache.second is not None:
            _cache.second.close()
        _cache.path = path
        _cache.codes, _cache.modules, _cache.second = _read(path)
    dataclasses.exec = _exec  # type: ignore[attr-defined]


def mark_first_part() -> None:
    """The texts used until now are the file's first part from the next save on (the app: when
    the window's first stage is in). Again: nothing."""
    with _cache.lock:
        if _cache.first is None:
            _cache.first = set(_cache.used)


def _stale() -> set[str]:
    """The texts of classes that have changed: their module was loaded in this run, which did
    not ask for them (call with the lock held, the second part read)."""
    used, loaded = _cache.used, _cache.loaded
    return {t for t, m in _cache.modules.items() if m in loaded and t not in used}


def save() -> bool:
    """Write the cache file if this run compiled something new or found texts of changed
    classes (dropped then); True if written. Never raises (the cache only saves time)."""
    path = _cache.path
    if path is None:
        return False
    with _cache.lock:
        _read_second()  # (its texts may be stale too)
        stale = _stale()
        if not _cache.unsaved and not stale:
            return False
        for text in stale:
            del _cache.codes[text], _cache.modules[text]
        codes = dict(_cache.codes)
        if len(codes) > MAX_ENTRIES:
            codes = {k: v for k, v in codes.items() if k in _cache.used}
        modules = dict(_cache.modules)
        first = set(_cache.used if _cache.first is None else _cache.first)
        _cache.unsaved = 0
    parts: tuple[dict[str, tuple[str, bytes]], ...] = ({}, {})
    for text, code in codes.items():
        entry = (modules.get(text, ""), code if isinstance(code, bytes) else marshal.dumps(code))
        parts[0 if text in first else 1][text] = entry
    head = marshal.dumps(parts[0])
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(
            HEADER + len(head).to_bytes(_LENGTH, "little") + head + marshal.dumps(parts[1])
        )
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
