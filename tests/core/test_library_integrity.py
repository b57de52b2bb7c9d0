"""The library's integrity check and moving a damaged file aside, on real SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest

from leodesk.core.library import Library, LibraryError
from tests.helpers.damage import damage_middle, destroy_header, make_library


def test_a_sound_library_checks_clean(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    make_library(db, 300)
    with Library.open_readonly(db) as lib:
        assert lib.quick_check() == []


def test_damaged_pages_are_found(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    make_library(db, 3000)
    damage_middle(db)
    with Library.open_readonly(db) as lib:
        found = lib.quick_check(max_findings=5)
    assert found and len(found) <= 5


def test_a_destroyed_header_is_a_corrupt_library(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    make_library(db, 10)
    destroy_header(db)
    with pytest.raises(LibraryError) as err:
        Library.open(db)
    assert err.value.reason == "corrupt"


def test_move_aside_keeps_every_file_and_frees_the_name(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    make_library(db, 10)
    Path(f"{db}-wal").write_bytes(b"wal")
    original = db.read_bytes()
    first = Library.move_aside(db, clock=lambda: 1_700_000_000.0)
    assert not db.exists() and not Path(f"{db}-wal").exists()
    assert [p.name.split(".damaged-")[0] for p in first] == ["library", "library"]
    assert first[0].read_bytes() == original and first[1].read_bytes() == b"wal"
    make_library(db, 5)
    second = Library.move_aside(db, clock=lambda: 1_700_000_000.0)  # same second: no clash
    assert second[0] != first[0] and first[0].exists() and second[0].exists()
    with Library.open(db) as fresh:
        assert fresh.count_images() == 0
