"""What the UI shows for an error: a known error's sentence, otherwise the exception's text."""

from __future__ import annotations

from leodesk.core.api.errors import ServerError
from leodesk.core.library import LibraryError
from leodesk.qt.errors import user_message


def test_a_known_error_shows_its_user_message() -> None:
    error = ServerError(status=503, server_message="upstream down")
    assert user_message(error) == ServerError.default_message != str(error)
    assert user_message(LibraryError("The disk is full.", reason="full")) == "The disk is full."


def test_a_bug_shows_its_text_or_its_type() -> None:
    assert user_message(KeyError("prompt")) == "'prompt'"
    assert user_message(RuntimeError()) == "RuntimeError"
