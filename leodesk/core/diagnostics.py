"""What to paste into a bug report: versions, platform, paths and the library's shape.

Never the API key, nor anything else read from the keychain: only the name of the keychain's
backend is asked for. Qt-free; the window adds the Qt and PySide6 versions it runs on.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from leodesk.core.paths import Paths

PACKAGES = (("httpx", "httpx"), ("Pillow", "Pillow"), ("PyAV", "av"), ("keyring", "keyring"))


def app_version() -> str:
    """leodesk's version from its package metadata (the source tree's when not installed)."""
    try:
        return importlib.metadata.version("leodesk")
    except importlib.metadata.PackageNotFoundError:
        from leodesk import __version__

        return __version__


def package_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def keyring_backend() -> str:
    """The name of the keychain backend in use (its secrets are never read)."""
    try:
        import keyring

        from leodesk.core.secrets import backend_name

        return backend_name(keyring.get_keyring())
    except Exception as exc:  # a broken D-Bus, a missing backend: say so, never fail
        return f"unavailable ({type(exc).__name__})"


def path_lines(paths: Paths) -> list[tuple[str, Path]]:
    return [
        ("Settings", paths.settings_file),
        ("Library", paths.library_db),
        ("Images", paths.images),
        ("Thumbnails", paths.thumbs),
        ("Logs", paths.logs),
    ]


def report(
    paths: Paths,
    *,
    profile: str,
    qt: Mapping[str, str],
    library: Any = None,
    backend: Callable[[], str] = keyring_backend,
) -> str:
    """The diagnostics text. ``qt``: extra version lines (Qt, PySide6); ``library``: an open
    library (its schema version and counts), or None."""
    lines = [f"leodesk {app_version()}", ""]
    lines.append(f"Python: {platform.python_version()} ({sys.executable})")
    lines += [f"{name}: {version}" for name, version in qt.items()]
    lines += [f"{name}: {package_version(dist)}" for name, dist in PACKAGES]
    lines.append(f"Keychain backend: {backend()}")
    lines.append(f"OS: {platform.platform()} ({platform.machine()})")
    lines += ["", f"Profile: {profile}"]
    lines += [f"{label}: {path}" for label, path in path_lines(paths)]
    lines.append("")
    lines += library_lines(library)
    return "\n".join(lines) + "\n"


def library_lines(library: Any) -> list[str]:
    if library is None:
        return ["Library: not open"]
    try:
        lines = [f"Library schema version: {library.schema_version()}"]
        counts = library.table_counts()
    except Exception as exc:  # a damaged library still gets a report
        return [f"Library: unreadable ({exc})"]
    lines += [f"Library {label}: {n:,}" for label, n in counts.items()]
    return lines
