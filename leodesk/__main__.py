"""``python -m leodesk``, the ``leodesk`` command and the ``leodesk-gui`` command."""

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


GUI_USAGE = (
    "leodesk-gui starts the app; its only option is --demo (the built-in simulator).\n"
    "The command-line tools are in the leodesk command: leodesk --help"
)


def gui(argv: list[str] | None = None) -> int:
    """The ``leodesk-gui`` command: the app alone. On Windows pip makes it a launcher without a
    console window (``sys.stderr`` is then None), so other arguments are refused in a message
    box there, and on standard error where there is one."""
    args = sys.argv[1:] if argv is None else argv
    if args in ([], ["--demo"]):
        from leodesk.app import main as gui_main

        return gui_main(demo=bool(args))
    message = f"{GUI_USAGE}\n\nUnknown arguments: {' '.join(args)}"
    if sys.stderr is not None:
        print(message, file=sys.stderr)
    else:
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication(sys.argv[:1])
        QMessageBox.critical(None, "leodesk", message)
    return 2


if __name__ == "__main__":
    sys.exit(main())
