"""The one owner of every location leodesk reads or writes.

Everything else asks this module. Locations come from platformdirs; the environment variable
``LEODESK_HOME=DIR`` (portable mode, tests) puts all of them under ``DIR``. A demo profile keeps
the simulator's images and library apart from a real account's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "leodesk"
HOME_ENV = "LEODESK_HOME"

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by leodesk.\n"
    "# Its contents can be rebuilt at any time.\n"
)


@dataclass(frozen=True)
class Paths:
    """The directories of one profile."""

    config: Path
    data: Path
    cache: Path
    logs: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def library_db(self) -> Path:
        return self.data / "library.sqlite3"

    @property
    def images(self) -> Path:
        return self.data / "images"

    @property
    def sim_state(self) -> Path:
        """Where the built-in simulator keeps its account between runs (the demo profile's)."""
        return self.data / "simulator"

    @property
    def thumbs(self) -> Path:
        return self.cache / "thumbs"

    @property
    def code_cache(self) -> Path:
        """The compiled methods of dataclasses, kept between runs (leodesk.core.codecache):
        the app uses the base paths' one for every profile."""
        return self.cache / "dataclass-code.bin"

    @property
    def drag_cache(self) -> Path:
        """PNGs written for a drag to another app (cached by image id)."""
        return self.cache / "drag"

    @property
    def log_file(self) -> Path:
        return self.logs / "leodesk.log"

    @property
    def faults_file(self) -> Path:
        """Where a fatal signal's Python traceback is written (faulthandler)."""
        return self.logs / "faults.log"

    def profile(self, name: str) -> Paths:
        """A sub-profile (for example ``demo``) whose data and cache never mix with this one."""
        if not name or "/" in name or "\\" in name or name in {".", ".."}:
            raise ValueError(f"invalid profile name: {name!r}")
        return Paths(
            config=self.config / "profiles" / name,
            data=self.data / "profiles" / name,
            cache=self.cache / "profiles" / name,
            logs=self.logs,
        )

    def ensure(self) -> Paths:
        """Create the directories (0700) and tag the cache so backup tools skip it."""
        for d in (self.config, self.data, self.cache, self.logs):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        tag = self.cache / "CACHEDIR.TAG"
        if not tag.exists():
            tmp = tag.with_suffix(".tmp")
            tmp.write_text(_CACHEDIR_TAG, encoding="ascii")
            os.replace(tmp, tag)
        return self


def resolve(env: os._Environ[str] | dict[str, str] | None = None) -> Paths:
    """The locations for this process: ``LEODESK_HOME`` if set, else the platform's own."""
    environ = os.environ if env is None else env
    home = environ.get(HOME_ENV, "").strip()
    if home:
        root = Path(home).expanduser().resolve()
        return Paths(
            config=root / "config",
            data=root / "data",
            cache=root / "cache",
            logs=root / "logs",
        )
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(
        config=Path(dirs.user_config_dir),
        data=Path(dirs.user_data_dir),
        cache=Path(dirs.user_cache_dir),
        logs=Path(dirs.user_log_dir),
    )
