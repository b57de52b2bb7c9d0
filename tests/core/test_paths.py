from __future__ import annotations

import stat
from pathlib import Path

import pytest

from leodesk.core import paths


def test_leodesk_home_puts_every_location_under_it(leodesk_home: Path) -> None:
    p = paths.resolve()
    for d in (p.config, p.data, p.cache, p.logs):
        assert d.is_relative_to(leodesk_home.resolve())
    assert p.library_db.parent == p.data
    assert p.thumbs.parent == p.cache


def test_platform_dirs_without_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LEODESK_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xc"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xd"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xk"))
    p = paths.resolve()
    assert p.config == tmp_path / "xc" / "leodesk"
    assert p.data == tmp_path / "xd" / "leodesk"
    assert p.cache == tmp_path / "xk" / "leodesk"


def test_ensure_creates_private_dirs_and_cachedir_tag() -> None:
    p = paths.resolve().ensure()
    for d in (p.config, p.data, p.cache, p.logs):
        assert d.is_dir()
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    tag = (p.cache / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_demo_profile_is_separate() -> None:
    p = paths.resolve()
    demo = p.profile("demo")
    assert demo.data != p.data and demo.data.is_relative_to(p.data)
    assert demo.library_db != p.library_db
    with pytest.raises(ValueError):
        p.profile("../escape")


def test_drag_files_and_fault_dumps_have_their_place(leodesk_home: Path) -> None:
    p = paths.resolve()
    assert p.drag_cache == leodesk_home.resolve() / "cache" / "drag"
    assert p.faults_file == leodesk_home.resolve() / "logs" / "faults.log"
    demo = p.profile("demo")
    assert demo.drag_cache.parent == demo.cache and demo.faults_file.parent == p.logs
