"""packaging/install.sh, run as a user runs it from the unpacked release archive, into a fresh HOME.

The archive here is laid out as packaging/bundle.sh lays it out; the bundle inside is a small
program standing in for the PyInstaller build (packaging/bundle_smoke.sh installs the real one in
CI). What is checked is the installer itself: where each file goes, that a second run changes
nothing, that it never replaces a file of the user's, and that --uninstall removes what it made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP_ID = "io.github.leodesk.Leodesk"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "unpacked" / "leodesk-0.1.0-linux-x86_64"
    (root / "leodesk").mkdir(parents=True)
    exe = root / "leodesk" / "leodesk"
    exe.write_text('#!/bin/sh\necho "leodesk 0.1.0 $*"\n')
    exe.chmod(0o755)
    shutil.copy(REPO / "packaging" / "install.sh", root / "install.sh")
    desktop = root / "share" / "desktop"
    desktop.mkdir(parents=True)
    (desktop / f"{APP_ID}.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=leodesk\nIcon=io.github.leodesk.Leodesk\n"
        "Exec=leodesk %F\nTryExec=leodesk\nMimeType=image/png;image/jpeg;\n"
        "Categories=Graphics;\nActions=demo;\n\n"
        "[Desktop Action demo]\nName=Try the Demo\nExec=leodesk --demo\n"
    )
    (desktop / f"{APP_ID}.metainfo.xml").write_text("<component/>\n")
    icons = root / "share" / "icons"
    for size in ("16x16", "256x256"):
        (icons / "hicolor" / size / "apps").mkdir(parents=True)
        (icons / "hicolor" / size / "apps" / f"{APP_ID}.png").write_bytes(
            b"\x89PNG" + size.encode()
        )
    (icons / "leodesk.svg").write_text("<svg/>\n")
    return root


def run(script: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    return subprocess.run(
        ["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=60
    )


def snapshot(home: Path) -> dict[str, str]:
    """Every file and link under HOME with its content (or target); the desktop database's cache
    is left out (update-desktop-database writes it when present)."""
    out = {}
    for path in sorted(home.rglob("*")):
        rel = str(path.relative_to(home))
        if path.name == "mimeinfo.cache":
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_bytes().hex()
    return out


def test_install_twice_gives_the_same_files_then_uninstall_removes_them(
    archive: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    first = run(archive / "install.sh", home)
    assert first.returncode == 0, first.stderr
    assert "leodesk is installed" in first.stdout
    files = snapshot(home)
    second = run(archive / "install.sh", home)
    assert second.returncode == 0, second.stderr
    assert snapshot(home) == files

    lib = home / ".local/lib/leodesk"
    share = home / ".local/share"
    assert files[".local/bin/leodesk"] == f"-> {lib}/leodesk"
    assert (lib / "install.sh").is_file()  # for --uninstall once the archive is gone
    for icon in ("16x16/apps", "256x256/apps"):
        assert (share / "icons/hicolor" / icon / f"{APP_ID}.png").is_file()
    assert (share / f"icons/hicolor/scalable/apps/{APP_ID}.svg").read_text() == "<svg/>\n"
    assert (share / f"metainfo/{APP_ID}.metainfo.xml").is_file()
    entry = (share / f"applications/{APP_ID}.desktop").read_text().splitlines()
    # The launcher starts the installed program by its full path (~/.local/bin may not be on
    # the session's PATH), keeping the arguments.
    assert f"Exec={lib}/leodesk %F" in entry
    assert f"Exec={lib}/leodesk --demo" in entry
    assert f"TryExec={lib}/leodesk" in entry
    assert "MimeType=image/png;image/jpeg;" in entry
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(share / f"applications/{APP_ID}.desktop")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    if shutil.which("update-desktop-database"):
        cache = (share / "applications/mimeinfo.cache").read_text()
        assert f"image/png={APP_ID}.desktop" in cache
    started = subprocess.run([str(home / ".local/bin/leodesk"), "--version"], capture_output=True)
    assert started.stdout == b"leodesk 0.1.0 --version\n"

    removed = run(lib / "install.sh", home, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert "uninstalled" in removed.stdout
    assert snapshot(home) == {}
    again = run(archive / "install.sh", home, "--uninstall")  # nothing left to remove: fine
    assert again.returncode == 0, again.stderr


def test_a_users_own_leodesk_command_is_never_replaced(archive: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local/bin").mkdir(parents=True)
    mine = home / ".local/bin/leodesk"
    mine.write_text("my own script\n")
    result = run(archive / "install.sh", home)
    assert result.returncode == 1
    assert f"{mine} exists and is not a link made by install.sh; move it away first" in (
        result.stderr
    )
    assert mine.read_text() == "my own script\n"
    assert not (home / ".local/lib/leodesk").exists()  # refused before anything was copied
    assert run(archive / "install.sh", home, "--uninstall").returncode == 1
    assert mine.read_text() == "my own script\n"


def test_a_home_with_a_space_gets_a_quoted_launcher(archive: Path, tmp_path: Path) -> None:
    home = tmp_path / "my home"
    home.mkdir()
    result = run(archive / "install.sh", home)
    assert result.returncode == 0, result.stderr
    entry = (home / f".local/share/applications/{APP_ID}.desktop").read_text().splitlines()
    assert f'Exec="{home}/.local/lib/leodesk/leodesk" %F' in entry


def test_run_outside_the_archive_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = run(REPO / "packaging" / "install.sh", home)
    assert result.returncode == 1
    assert "run this from the unpacked archive" in result.stderr
    assert snapshot(home) == {}


def _library_needing(folder: Path, missing: str) -> Path:
    """A shared library that links ``missing`` (built against a stand-in that is then removed,
    as on a system without that library)."""
    folder.mkdir(parents=True, exist_ok=True)
    build = folder / "build"
    build.mkdir()
    (build / "stub.c").write_text("int stub_fn(void) { return 1; }\n")
    (build / "user.c").write_text("int stub_fn(void);\nint use(void) { return stub_fn(); }\n")
    stub = build / missing
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            f"-Wl,-soname,{missing}",
            "-o",
            str(stub),
            str(build / "stub.c"),
        ],
        check=True,
    )
    user = folder / "libuser.so.1"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-o", str(user), str(build / "user.c"), str(stub)], check=True
    )
    shutil.rmtree(build)
    return user


@pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("ldd") is None, reason="gcc, ldd")
def test_a_system_without_a_library_the_bundle_takes_from_it_is_told_which(
    archive: Path, tmp_path: Path
) -> None:
    """The bundle takes fontconfig, X11, GLib… from the system (packaging/BUNDLE.md): where one
    is missing, install.sh names it with its package and installs nothing."""
    _library_needing(archive / "leodesk" / "_internal", "libfontconfig.so.99")
    home = tmp_path / "home"
    home.mkdir()
    r = run(archive / "install.sh", home)
    assert r.returncode == 1
    assert "libfontconfig.so.99   (Debian/Ubuntu package: libfontconfig1)" in r.stderr
    assert "Nothing was installed." in r.stderr
    assert snapshot(home) == {}
    # With the library there (here: the bundle's own library replaced by one that needs nothing
    # missing), the same archive installs.
    for lib in (archive / "leodesk" / "_internal").iterdir():
        lib.unlink()
    r = run(archive / "install.sh", home)
    assert r.returncode == 0, r.stderr
    assert (home / ".local" / "bin" / "leodesk").is_symlink()
