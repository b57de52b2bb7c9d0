"""Screenshots of the accounts UI on a real X display: the window with its account badge, the
Account menu, the badge's menu, the Add account dialog refusing a taken name, the Remove account
dialog. Run by tests/ui/test_xvfb_accounts_screenshot.py as ``python -m`` this module ``OUT``."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLineEdit

from leodesk.core import paths
from leodesk.core.accounts import Registry
from leodesk.sim import SimConfig, SimServer

KEY = "xvfb-accounts-key"


def main(out: Path) -> None:
    from leodesk.app import Launcher
    from leodesk.ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    sim = SimServer(SimConfig(seed=5, api_key=KEY, seed_generations=24)).start()
    os.environ["LEODESK_API_URL"] = sim.base_url
    os.environ["LEONARDO_API_KEY"] = KEY  # no keychain here: the environment's key
    registry = Registry(paths.resolve())
    registry.add("Work")
    registry.add("Studio Ünïcode")
    registry.use("Work")
    app = QApplication(sys.argv[:1])
    window: Any = MainWindow()
    window.resize(1400, 860)
    window.show()
    launcher = Launcher(window, demo=False)
    launcher.start()
    deadline = time.monotonic() + 60

    def wait(cond: Any, what: str) -> None:
        while not cond():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.02)

    def settle(rounds: int = 30) -> None:
        for _ in range(rounds):
            app.processEvents()
            time.sleep(0.02)

    def screen(name: str) -> None:
        settle()
        app.primaryScreen().grabWindow(0).save(str(out / name))

    wait(lambda: window.browser is not None and window.browser.proxy.rowCount() > 3, "models")
    wait(lambda: window.balance_label.text() != "", "the balance")
    wait(lambda: window.accounts_link.badge.isVisible(), "the account badge")
    screen("accounts_window.png")
    window.statusBar().grab().save(str(out / "accounts_badge.png"))

    bar = window.menuBar()
    menu = window.accounts_link.menu
    menu.popup(bar.mapToGlobal(bar.actionGeometry(menu.menuAction()).bottomLeft()))
    screen("accounts_menu.png")
    menu.hide()

    badge = window.accounts_link.badge
    badge_menu = window.accounts_link.badge_menu
    badge_menu.popup(badge.mapToGlobal(QPoint(0, 0)) - QPoint(0, badge_menu.sizeHint().height()))
    screen("accounts_badge_menu.png")
    badge_menu.hide()

    window.accounts_link.add_action.trigger()
    wait(lambda: launcher.add_dialog is not None and launcher.add_dialog.isVisible(), "add")
    dialog = launcher.add_dialog
    dialog.findChild(QLineEdit, "accountNameEdit").setText("work")
    dialog.findChild(QLineEdit, "accountKeyEdit").setText("0123456789abcdef")
    settle()
    dialog.grab().save(str(out / "accounts_add_taken.png"))
    taken = dialog.message.text()
    dialog.findChild(QLineEdit, "accountNameEdit").setText("Home")
    settle()
    dialog.grab().save(str(out / "accounts_add.png"))
    dialog.reject()

    window.accounts_link.rename_action.trigger()
    wait(lambda: launcher.rename_dialog is not None and launcher.rename_dialog.isVisible(), "mv")
    launcher.rename_dialog.name_edit.setText("studio ÜNÏCODE")
    settle()
    launcher.rename_dialog.grab().save(str(out / "accounts_rename.png"))
    launcher.rename_dialog.reject()

    window.accounts_link.remove_action.trigger()
    wait(lambda: launcher.remove_dialog is not None and launcher.remove_dialog.isVisible(), "rm")
    launcher.remove_dialog.delete_library.setChecked(True)
    settle()
    launcher.remove_dialog.grab().save(str(out / "accounts_remove.png"))
    launcher.remove_dialog.reject()
    settle()
    launcher.shutdown()
    sim.stop()
    entries = [a.text() for a in menu.actions() if not a.isSeparator()]
    print(f"badge={badge.text()}")
    print(f"menu={'|'.join(entries[:6])}")
    print(f"taken={taken}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
