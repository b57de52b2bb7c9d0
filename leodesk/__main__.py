"""``python -m leodesk``, the ``leodesk`` command and the ``leodesk-gui`` command."""

from __future__ import annotations

import os
import sys

GUI_USAGE = (
    "leodesk-gui starts the app: leodesk-gui [--demo] [PICTURE ...]\n"
    "The command-line tools are in the leodesk command: leodesk --help"
)


def _refuse(message: str, code: int = 1) -> int:
    """Say ``message`` on standard error, or in a message box where there is none (Windows'
    console-less gui-scripts launcher sets ``sys.stderr`` to None)."""
    if sys.stderr is not None:
        print(message, file=sys.stderr)
    else:
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication(sys.argv[:1])
        QMessageBox.critical(None, "leodesk", message)
    return code


def _files_to_open(args: list[str]) -> list[str] | None:
    """``leodesk [--demo] FILE...``: the files to open in the app (what a launcher or a file
    manager's Open With passes), or None for a CLI command.

    Arguments that look like files (a suffix or a folder in the name: ``photo.png``,
    ``./sketch``; a command's name has neither) are files; one that is missing is an error."""
    files = [a for a in args if a != "--demo"]
    if not files or any(a.startswith("-") for a in files):
        return None
    if not all(os.path.splitext(a)[1] or os.sep in a or "/" in a for a in files):
        return None
    return files


def _start_app(args: list[str], files: list[str]) -> int:
    for a in files:
        if not os.path.isfile(a):
            what = "is a folder, not a picture" if os.path.isdir(a) else "does not exist"
            return _refuse(f"leodesk: {a} {what}; nothing was opened")
    # The desktop app: straight to the window, without the CLI's argument parser.
    from leodesk.app import main as gui_main

    return gui_main(demo="--demo" in args, files=files)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    files = _files_to_open(args)
    if args in ([], ["--demo"]) or files:
        return _start_app(args, files or [])
    from leodesk.cli import run  # the CLI only: the app never loads its parser

    return run(args)


def gui(argv: list[str] | None = None) -> int:
    """The ``leodesk-gui`` command: the app alone. On Windows pip makes it a launcher without a
    console window, so other arguments are refused in a message box there (on standard error
    where there is one)."""
    args = sys.argv[1:] if argv is None else argv
    files = _files_to_open(args)
    if args in ([], ["--demo"]) or files:
        return _start_app(args, files or [])
    return _refuse(f"{GUI_USAGE}\n\nUnknown arguments: {' '.join(args)}", 2)


if __name__ == "__main__":
    sys.exit(main())
