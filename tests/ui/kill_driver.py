"""The real app in a subprocess, there to be killed with SIGKILL (tests/ui/test_kill.py).

Usage: ``python -m tests.ui.kill_driver PROMPT [PROMPT ...] [--hold-write]``

Environment: ``LEODESK_HOME`` (the profile), ``LEODESK_API_URL`` (the test's simulator),
``LEONARDO_API_KEY`` (the simulator's key), ``QT_QPA_PLATFORM=offscreen``.

Starts the app as ``leodesk`` does (window, launcher, logging, the key from the environment),
queues one job per prompt through the generation service (what Generate does), prints
``queued <job ids>`` once they are stored, then runs until it is killed. It exits by itself
after :data:`LIFETIME` seconds, so a process the test lost never lingers.

``--hold-write``: the image store writes the first half of a file, prints ``writing``, and
stops there (a disk write under way at the moment the process is killed).

``--type=TEXT``: puts TEXT in the prompt box (as typing does), prints ``typed``, and prints
``saved`` once the form's autosave has written it to disk.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

LIFETIME = 90.0  # seconds
POLL = 0.1  # the generation poll interval (the app's default is 1 s)


def _hold_writes() -> None:
    """Make every image-store write stop half-way, for good."""
    from leodesk.core import imagestore

    def half_then_hang(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        print("writing", flush=True)
        threading.Event().wait()  # killed here

    imagestore._write_all = half_then_hang


def main(argv: list[str]) -> int:
    from leodesk.app import Launcher
    from leodesk.core import paths as paths_mod
    from leodesk.core.api.models import GenerationRequest
    from leodesk.core.log import setup_logging
    from leodesk.ui.main_window import MainWindow

    hold = "--hold-write" in argv
    typed = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), None)
    prompts = [a for a in argv if not a.startswith("--")]
    if hold:
        _hold_writes()
    app = QApplication(sys.argv[:1])
    setup_logging(paths_mod.resolve().ensure().log_file)
    window = MainWindow(demo=False)
    window.show()
    launcher = Launcher(window, demo=False)
    launcher.start()
    started = time.monotonic()
    queued: dict[str, Any] = {}

    def step() -> None:
        if time.monotonic() - started > LIFETIME:
            print("lifetime over", flush=True)
            app.exit(3)
            return
        ctx = launcher.ctx
        if ctx is not None and typed is not None:
            if "typed" not in queued:
                queued["typed"] = True
                window.form.prompt_edit.setPlainText(typed)
                print("typed", flush=True)
            elif "saved" not in queued and launcher._saved_seq > 0:
                queued["saved"] = True
                print("saved", flush=True)
        if ctx is None or "submitted" in queued or not prompts:
            return
        service = ctx.generation
        service.poll_interval = POLL

        def changed(records: list[Any]) -> None:
            ids = [r.id for r in records]
            if len(ids) >= len(prompts) and "printed" not in queued:
                queued["printed"] = True
                print("queued " + " ".join(map(str, ids)), flush=True)

        service.queue_changed.connect(changed)
        reqs = [GenerationRequest(prompt=p, num_images=2, width=512, height=512) for p in prompts]
        service.submit_batch(reqs)
        queued["submitted"] = True

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(50)
    code = int(app.exec())
    launcher.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
