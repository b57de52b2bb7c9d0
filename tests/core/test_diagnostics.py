"""leodesk.core.diagnostics: the report's lines on a real library, and when parts are missing."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from leodesk.core import diagnostics, paths
from leodesk.core.library import SCHEMA_VERSION, Library


def test_the_report_names_versions_paths_and_the_librarys_shape(leodesk_home: Path) -> None:
    p = paths.resolve().ensure()
    with Library.open(p.library_db) as lib:
        text = diagnostics.report(
            p, profile="default", qt={"Qt": "6.x"}, library=lib, backend=lambda: "a keychain"
        )
    assert text.startswith(f"leodesk {importlib.metadata.version('leodesk')}\n")
    for line in (
        "Qt: 6.x",
        "Keychain backend: a keychain",
        "Profile: default",
        f"Settings: {p.settings_file}",
        f"Library: {p.library_db}",
        f"Library schema version: {SCHEMA_VERSION}",
        "Library generations: 0",
        "Library images: 0",
        "Library collections: 0",
    ):
        assert line in text.splitlines(), line


def test_a_closed_or_unreadable_library_still_gives_a_report(leodesk_home: Path) -> None:
    p = paths.resolve().ensure()
    text = diagnostics.report(p, profile="demo", qt={}, backend=lambda: "x")
    assert "Library: not open" in text
    lib = Library.open(p.library_db)
    lib.close()
    text = diagnostics.report(p, profile="demo", qt={}, library=lib, backend=lambda: "x")
    assert "Library: unreadable (the library is closed)" in text


def test_a_missing_package_is_said_not_raised() -> None:
    assert diagnostics.package_version("leodesk-no-such-distribution") == "not installed"
    assert diagnostics.app_version() == importlib.metadata.version("leodesk")
