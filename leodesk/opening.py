"""The cyclic garbage collector while the app opens (light: stdlib only, loaded first).

Opening makes objects that last as long as the app: modules, classes, functions, widgets. At
Python's first threshold (700 container objects allocated and not freed) the collector went
through them 57 times before the window was usable, and through the older ones 5 times more:
6-7 ms of the ~55 ms between the first paint and a usable window (gc.callbacks, 5 starts on
the 100k library). :func:`collect_less` raises that threshold from the first line the app runs
(``leodesk`` and ``leodesk-gui``, and :func:`leodesk.app.main`); :func:`collect_as_usual` puts
Python's thresholds back once the window is usable, where the app freezes what the opening made
(``gc.freeze``: the collector's passes skip it from then on). What it freezes is not collected
first: on the 100k library that pass took 26-28 ms of the GUI thread and found 6 unreachable
objects.
"""

from __future__ import annotations

import gc

OPENING_THRESHOLD = 100_000
_usual: tuple[int, int, int] | None = None  # the thresholds before collect_less


def collect_less() -> None:
    """Raise the collector's first threshold to OPENING_THRESHOLD (again: nothing more)."""
    global _usual
    if _usual is None:
        _usual = gc.get_threshold()
        gc.set_threshold(OPENING_THRESHOLD, *_usual[1:])


def collect_as_usual() -> None:
    """Use the thresholds from before :func:`collect_less` again (without it: nothing)."""
    global _usual
    if _usual is not None:
        gc.set_threshold(*_usual)
        _usual = None
