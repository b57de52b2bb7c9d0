"""``python -m leodesk`` and the ``leodesk`` command."""

from __future__ import annotations

import os
import sys


def _files_to_open(args: list[str]) -> list[str] | None:
    """``leodesk [--demo] FILE...``: the files to open in the app, or None for a CLI command.

    Arguments that look like files (a suffix or a folder in the name: ``photo.png``,
    ``./sketch``; a command's name has neither) are files; one that is missing is an error."""
    files = [a for a in args if a != "--demo"]
    if not files or any(a.startswith("-") for a in files):
        return None
    if not all(os.path.splitext(a)[1] or os.sep in a or "/" in a for a in files):
        return None
    for a in files:
        if not os.path.isfile(a):
            what = "is a folder, not a picture" if os.path.isdir(a) else "does not exist"
            raise SystemExit(f"leodesk: {a} {what}; nothing was opened")
    return files


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    files = _files_to_open(args)
    if args in ([], ["--demo"]) or files:
        # The desktop app: straight to the window, without the CLI's argument parser.
        from leodesk.app import main as gui_main

        return gui_main(demo="--demo" in args, files=files)
    from leodesk.cli import run  # the CLI only: the app never loads its parser

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
