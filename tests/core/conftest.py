"""Fixtures shared by the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leodesk.core.library import Library


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    """A real library file in the test's folder (modules with other needs define their own)."""
    library = Library.open(tmp_path / "library.sqlite3")
    try:
        yield library
    finally:
        library.close()
