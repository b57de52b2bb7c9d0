"""PySide6's check of every imported module, made cheap.

Importing PySide6 puts its own ``__import__`` in place (for ``from __feature__ import
snake_case``): after each module that loads, it asks whether the module's source mentions
"PySide6", with ``inspect.getsource``. That reads and splits every module's source and keeps
it in ``linecache`` for the life of the process: ~0.2 ms per module on the GUI's way to a usable
window (the gallery's imports, 93 modules: 72-80 -> 57-61 ms) and ~5 MB of source text held
for nothing (325 files once the app is loaded).

:func:`lighten_feature_check` puts a check with the same answer in its place: the module's
source file, read as bytes and searched for the same word, kept nowhere. Modules without a
``.py`` file (extension modules, a bundle's compiled ones) answer False, as
``inspect.getsource`` failing does.
"""

from __future__ import annotations

import sys

FEATURE_MODULE = "shibokensupport.feature"  # where PySide6 keeps the check
CHECK_NAME = "_mod_uses_pyside"


def mentions_pyside(module: object) -> bool:
    """Whether ``module``'s source file mentions PySide6 (what PySide's own check answers)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def lighten_feature_check() -> bool:
    """Use :func:`mentions_pyside` for PySide's check of each import from now on; False (and
    nothing changed) when this PySide6 has no such check."""
    feature = sys.modules.get(FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, CHECK_NAME, None)):
        return False
    setattr(feature, CHECK_NAME, mentions_pyside)
    return True
