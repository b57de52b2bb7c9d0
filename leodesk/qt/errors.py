"""How an error from any layer reads to the user."""

from __future__ import annotations


def user_message(exc: BaseException) -> str:
    """The short text to show for an exception from any layer."""
    msg = getattr(exc, "user_message", None)
    if isinstance(msg, str) and msg:
        return msg
    text = str(exc)
    return text if text else type(exc).__name__
