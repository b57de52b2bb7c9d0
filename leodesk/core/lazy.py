"""A module imported on first use, for the modules the app loads before its window is usable.

``Image = lazy("PIL.Image")`` at a module's top costs nothing; the first ``Image.open`` (on
whichever thread) imports Pillow, and later lookups are plain attribute reads. Under
``TYPE_CHECKING`` the real import stays, so the type checker sees the module itself::

    if TYPE_CHECKING:
        from PIL import Image
    else:
        Image = lazy("PIL.Image")

The stand-in never enters ``sys.modules``: an ordinary import of the module elsewhere, on any
thread, goes through Python's import lock as usual.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["lazy"]


class _LazyModule:
    def __init__(self, name: str) -> None:
        self.__dict__["_lazy_name"] = name

    def __getattr__(self, attr: str) -> Any:  # called only for what is not copied in yet
        module = importlib.import_module(self.__dict__["_lazy_name"])
        self.__dict__.update(vars(module))  # from now on, found without this method
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_name']!r}>"


def lazy(name: str) -> Any:
    """A stand-in for module ``name`` that imports it at its first attribute lookup."""
    return _LazyModule(name)
