"""``python -m leodesk`` and the ``leodesk`` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in ([], ["--demo"]):
        # The desktop app: straight to the window, without the CLI's argument parser.
        from leodesk.app import main as gui_main

        return gui_main(demo=bool(args))
    from leodesk.cli import run  # the CLI only: the app never loads its parser

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
