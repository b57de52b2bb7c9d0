"""SHA-256 of short texts (cache keys, a profile's socket name) without loading OpenSSL.

``hashlib`` loads Python's OpenSSL binding on import: ~2 ms, before the first window (the
profile's socket name) and again before the gallery's first paint (thumbnail keys). CPython
also ships its own SHA-256 (``_sha2`` from 3.12, ``_sha256`` before), which loads in ~0.4 ms and
gives the same digests; hashlib is the fallback where neither is built. For large data (image
files, hashed on worker threads) use hashlib: OpenSSL's is faster and lets go of the
interpreter lock while it works.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _sha256() -> Callable[[bytes], Any]:
    for name in ("_sha2", "_sha256"):
        try:
            return importlib.import_module(name).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    import hashlib  # a Python built without them

    return hashlib.sha256


_SHA256 = _sha256()


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits (as ``hashlib.sha256(data)``)."""
    return str(_SHA256(data).hexdigest())
