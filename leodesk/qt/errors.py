"""How an error from any layer reads to the user."""

from __future__ import annotations

from leodesk.core.errors import LeodeskError


def user_message(exc: BaseException) -> str:
    """The short text to show for an exception from any layer: a known error's
    ``user_message``, otherwise (a bug) the exception's own text."""
    if isinstance(exc, LeodeskError) and exc.user_message:
        return exc.user_message
    text = str(exc)
    return text if text else type(exc).__name__
