"""The gallery first (start-up, issue 15): the backend opens only the gallery's reader when the
library is current, the whole library once asked; a new or older library is created or
upgraded first, and a damaged one is refused at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library, LibraryError
from leodesk.core.library.db import MIGRATIONS, SCHEMA_VERSION
from leodesk.core.paths import Paths
from leodesk.qt.backend import Backend


def _paths(tmp_path: Path) -> Paths:
    return Paths(
        config=tmp_path / "config",
        data=tmp_path / "data",
        cache=tmp_path / "cache",
        logs=tmp_path / "logs",
    ).ensure()


def _generation(n: int) -> Generation:
    return Generation(
        id=f"gen-{n}",
        status="COMPLETE",
        prompt=f"a lighthouse number {n}",
        created_at=f"2026-01-{n + 1:02d}T10:00:00Z",
        images=(GeneratedImage(id=f"img-{n}", url=f"http://127.0.0.1:9/{n}.jpg"),),
    )


def _no_client() -> Any:
    raise AssertionError("no network here")


def test_a_current_library_opens_its_gallery_reader_only(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    with Library.open(paths.library_db) as lib:
        lib.upsert_generation(_generation(1))
    backend = Backend(paths, _no_client, network_threads=1, gallery_first=True)
    try:
        assert backend.gallery_reader.image_ids_page(0, 10) == ["img-1"]
        assert not hasattr(backend, "library")  # the writer waits for open_library()
        backend.open_library()
        backend.db(lambda lib: lib.upsert_generation(_generation(2))).result(timeout=10)
        # The gallery's own connection sees the writer's rows, newest first.
        assert backend.gallery_reader.image_ids_page(0, 10) == ["img-2", "img-1"]
        assert backend.reader.get_generation("gen-2") is not None
        backend.open_library()  # again: nothing
    finally:
        assert backend.shutdown()


def test_a_new_library_is_created_before_the_gallery_reads_it(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    assert not paths.library_db.exists()
    backend = Backend(paths, _no_client, network_threads=1, gallery_first=True)
    try:
        assert paths.library_db.exists()
        assert backend.gallery_reader.count_images() == 0
        assert backend.library.schema_version() == SCHEMA_VERSION
    finally:
        assert backend.shutdown()


def test_an_older_library_is_upgraded_before_the_gallery_reads_it(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    conn = sqlite3.connect(paths.library_db)
    for migration in MIGRATIONS[:-1]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    backend = Backend(paths, _no_client, network_threads=1, gallery_first=True)
    try:
        assert backend.library.schema_version() == SCHEMA_VERSION
        assert backend.gallery_reader.count_images() == 0
    finally:
        assert backend.shutdown()


def test_a_damaged_library_is_refused_before_anything_opens(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    paths.library_db.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(LibraryError) as raised:
        Backend(paths, _no_client, network_threads=1, gallery_first=True)
    assert raised.value.reason == "corrupt"


def test_the_gallery_reader_loads_none_of_the_other_parts(tmp_path: Path) -> None:
    """What the gallery's reader imports: its own part, never the whole library."""
    paths = _paths(tmp_path)
    with Library.open(paths.library_db) as lib:
        lib.upsert_generation(_generation(1))
    code = f"""
import sys
from pathlib import Path
from leodesk.core.library.images import Images
with Images.open_readonly(Path({str(paths.library_db)!r})) as reader:
    print(reader.image_ids_page(0, 5))
print(" ".join(sorted(m for m in sys.modules if m.startswith("leodesk.core.library"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    ids, loaded = out.stdout.splitlines()
    assert ids == "['img-1']"
    assert "leodesk.core.library.whole" not in loaded.split()
    assert "leodesk.core.library.curation" not in loaded.split()
