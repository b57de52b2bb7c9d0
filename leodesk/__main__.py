"""``python -m leodesk``, the ``leodesk`` command and the ``leodesk-gui`` command."""

from __future__ import annotations

import sys
from pathlib import Path

# The pictures the app opens (the desktop entry's MimeType): into the form's Image to image slots.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def _app_request(args: list[str]) -> tuple[bool, list[Path]] | None:
    """``(demo, files)`` when ``args`` start the app (nothing, ``--demo``, picture files: what a
    launcher or a file manager's Open With passes); None for the CLI."""
    files = [a for a in args if a != "--demo"]
    if not all(Path(a).suffix.lower() in IMAGE_SUFFIXES for a in files):
        return None
    return "--demo" in args, [Path(a).absolute() for a in files]


def _refuse(message: str) -> int:
    """Say ``message`` on standard error, or in a message box where there is none (Windows'
    console-less gui-scripts launcher sets ``sys.stderr`` to None)."""
    if sys.stderr is not None:
        print(message, file=sys.stderr)
    else:
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication(sys.argv[:1])
        QMessageBox.critical(None, "leodesk", message)
    return 2


def _start_app(demo: bool, files: list[Path]) -> int:
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        return _refuse("leodesk: no such picture: " + ", ".join(missing))
    from leodesk.app import main as gui_main

    return gui_main(demo=demo, open_files=files)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    request = _app_request(args)
    if request is not None:
        # The desktop app: straight to the window, without the CLI's argument parser.
        return _start_app(*request)
    from leodesk.cli import run  # the CLI only: the app never loads its parser

    return run(args)


GUI_USAGE = (
    "leodesk-gui starts the app: leodesk-gui [--demo] [PICTURE.png|jpg|webp ...]\n"
    "The command-line tools are in the leodesk command: leodesk --help"
)


def gui(argv: list[str] | None = None) -> int:
    """The ``leodesk-gui`` command: the app alone. On Windows pip makes it a launcher without a
    console window, so other arguments are refused in a message box there (on standard error
    where there is one)."""
    args = sys.argv[1:] if argv is None else argv
    request = _app_request(args)
    if request is not None:
        return _start_app(*request)
    return _refuse(f"{GUI_USAGE}\n\nUnknown arguments: {' '.join(args)}")


if __name__ == "__main__":
    sys.exit(main())
