"""One root for known errors: each carries the sentence the user sees."""

from __future__ import annotations

import pytest

from leodesk.core.api.errors import AuthenticationError, LeonardoError
from leodesk.core.errors import LeodeskError
from leodesk.core.imageprep import ImagePrepError
from leodesk.core.imagestore import ImageError, StorageError
from leodesk.core.library import LibraryError
from leodesk.core.pipeline import ImagesMissing, JobFailed
from leodesk.core.secrets import KeychainAccessError, NoSecureKeychainError, SecretsError
from leodesk.core.thumbs import ThumbError


@pytest.mark.parametrize(
    "error",
    [
        LibraryError("The disk is full. Free some space.", reason="full"),
        StorageError("No permission to write the image.", errno=13),
        ImageError("This is not an image."),
        ImagePrepError("The pasted image is empty."),
        ThumbError("This image is damaged.", recorded=True),
        JobFailed("The prompt was blocked."),
        ImagesMissing("Two images are missing.", "g-1", {"i-1": "gone"}),
        KeychainAccessError("The keychain is locked. Unlock it and try again."),
    ],
    ids=lambda e: type(e).__name__,
)
def test_known_errors_share_the_root_and_say_what_str_says(error: LeodeskError) -> None:
    assert isinstance(error, LeodeskError)
    assert error.user_message == str(error) and error.user_message.endswith(".")


def test_the_standard_bases_are_kept() -> None:
    assert issubclass(ImageError, ValueError) and issubclass(ImagePrepError, ValueError)
    assert issubclass(NoSecureKeychainError, SecretsError)
    assert NoSecureKeychainError("file").user_message == str(NoSecureKeychainError("file"))


def test_an_api_error_keeps_its_details_out_of_the_user_message() -> None:
    error = AuthenticationError(status=401, code="unauthorized")
    assert isinstance(error, LeonardoError) and isinstance(error, LeodeskError)
    assert error.user_message == AuthenticationError.default_message
    assert "HTTP 401" in str(error) and "HTTP 401" not in error.user_message
