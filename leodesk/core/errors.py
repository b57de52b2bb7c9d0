"""The root of leodesk's known errors.

A :class:`LeodeskError` is an error the user can act on (a full disk, a refused key, a busy
server): its ``user_message`` is the sentence to show. Any other exception reaching the UI is a
bug, shown by its text and logged. Subclasses keep a standard base (``ValueError``...) where
callers catch that.
"""

from __future__ import annotations

__all__ = ["LeodeskError"]


class LeodeskError(Exception):
    """A known error; ``user_message`` is short and safe to show in the UI."""

    def __init__(self, user_message: str = "", *args: object) -> None:
        super().__init__(user_message, *args)
        self.user_message = user_message
