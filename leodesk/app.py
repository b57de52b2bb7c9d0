"""Composition root of the desktop app: paths, logging, crash handler, services, window.

The window is shown before anything heavy is imported or any network call is made: httpx,
keyring and the simulator load after the first paint.
"""

from __future__ import annotations

import faulthandler
import logging
import sys
from typing import Any

log = logging.getLogger("leodesk.app")


def install_crash_handler(log_dir: Any) -> None:
    """Log unhandled exceptions (redacted by the logging filter) and dump fatal signals to a file."""
    try:
        crash_file = open(log_dir / "faults.log", "a", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
        faulthandler.enable(crash_file)
    except OSError:
        faulthandler.enable()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        log.critical("unhandled exception", exc_info=(exc_type, exc, tb))

    sys.excepthook = hook


def main(*, demo: bool = False, argv: list[str] | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from leodesk.core import paths as paths_mod
    from leodesk.core.log import setup_logging
    from leodesk.ui.main_window import MainWindow

    base = paths_mod.resolve()
    profile = (base.profile("demo") if demo else base).ensure()
    setup_logging(profile.log_file)
    install_crash_handler(profile.logs)

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("leodesk")
    app.setOrganizationName("leodesk")
    window = MainWindow(demo=demo)
    window.show()
    holder: dict[str, Any] = {}
    QTimer.singleShot(0, lambda: _connect(window, demo, holder))
    try:
        return int(app.exec())
    finally:
        pools = holder.get("pools")
        if pools is not None:
            pools.shutdown()
        runtime = holder.get("runtime")
        if runtime is not None:
            runtime.close()


def _connect(window: Any, demo: bool, holder: dict[str, Any]) -> None:
    """After the first paint: start the runtime (simulator in demo mode) and load the account."""
    from leodesk.qt.account import AccountService
    from leodesk.qt.workers import Pools
    from leodesk.runtime import start as start_runtime

    runtime = start_runtime(demo=demo)
    holder["runtime"] = runtime
    pools = Pools(parent=window)
    holder["pools"] = pools

    def client_factory() -> Any:
        from leodesk.core.api import LeonardoClient

        key = runtime.api_key()
        if not key:
            raise RuntimeError("No API key: run `leodesk key set`, or start with --demo")
        return LeonardoClient(key, base_url=runtime.base_url)

    account = AccountService(pools, client_factory, parent=window)
    account.loaded.connect(lambda s: window.show_account(s.username, s.credits, s.slots))
    account.failed.connect(window.show_connection_error)
    holder["account"] = account
    account.refresh()
