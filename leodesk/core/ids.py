"""What makes an id safe to keep: a library key, a file name part and a URL path segment.

Its own module (stdlib only) so that the library can check ids without loading the API client's
data classes at start-up; :mod:`leodesk.core.api.parse` re-exports it.
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 128
_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


def is_valid_id(value: object) -> bool:
    """Whether ``value`` is an id that is safe as a library key, a file name part and a URL
    path segment (see :mod:`leodesk.core.api.parse`)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and _ID.fullmatch(value) is not None
    )
