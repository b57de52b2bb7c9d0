"""Composition root of the desktop app: paths, logging, crash handler, services, window.

The window is shown before anything heavy is imported or any network call is made: httpx,
keyring and the simulator load after the first paint, and the key lookup runs on a worker.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from leodesk.app_accounts import AccountsMixin
from leodesk.qt.workers import Pools
from leodesk.ui.app_icon import apply_identity
from leodesk.ui.main_window import FURNISH_MODULES, LINK_MODULES, MainWindow
from leodesk.ui.widgets import FirstPaint

if TYPE_CHECKING:
    from pathlib import Path

    from leodesk.core.instance import ProfileLock
    from leodesk.core.library import LibraryError
    from leodesk.core.paths import Paths
    from leodesk.core.settings import Settings
    from leodesk.qt.context import AppContext
    from leodesk.qt.gallery_parts import GalleryParts

log = logging.getLogger("leodesk.app")
STEP_WARN_MS = 30  # a start-up step longer than this is logged (debug)
# The next start-up step runs on a 1 ms timer, not as a posted event (singleShot(0)): the
# window's own timers and repaints get their turn between two steps (tests/bench/startup.py:
# the longest GUI-thread block while the app opens, median of 11, 28 -> 22 ms).
STEP_GAP_MS = 1

# What the app imports after the first paint, loaded on a thread while the window shows
# "Starting…" (the GUI thread stays free to paint and answer input), in two stages: first what
# the gallery and the prompt form need (the window is usable once they are in), then httpx, the
# services and the other panes. Each is imported again (from memory) where it is used.
PRELOAD_GALLERY = (
    # What MainWindow.furnish builds (the menus, the status bar, the links), first
    *FURNISH_MODULES,
    "leodesk.core.paths",
    "leodesk.core.settings",
    "leodesk.core.log",
    "leodesk.runtime",
    "leodesk.qt.keys",
    "leodesk.core.library",
    "leodesk.core.search",
    "leodesk.qt.gallery_parts",
    "leodesk.ui.gallery",
    "leodesk.ui.gallery_pane",
    "leodesk.ui.job_strip",
    "leodesk.ui.drafts",
)
PRELOAD_REST = (
    *LINK_MODULES,  # the links to the dialogs: the window builds them once this stage is in
    "leodesk.qt.instance",  # QtNetwork: the local server, started once this stage is in
    "leodesk.core.library.whole",  # every part: Backend.open_library runs on the GUI thread
    "PIL.Image",  # the thumbnails' decoder (not needed to show the gallery's rows)
    "calendar",  # the date scrubber's month names (imported where used: off the GUI thread here)
    "leodesk.core.api",
    "leodesk.ui.prompt_form",
    "leodesk.ui.filter_bar",  # the gallery's filters, built when first used
    "leodesk.ui.date_scrubber",  # built when the window wires it, with the services
    "leodesk.qt.context",
    "leodesk.ui.model_browser",
    "leodesk.ui.metadata_panel",
    "leodesk.ui.queue_panel",
    "leodesk.ui.tray",
    "leodesk.ui.library_actions",
    "leodesk.ui.window_history",
    "leodesk.ui.key_dialog",
    "leodesk.qt.imaging",
)
#: What reading the keychain loads (~80 ms: keyring, every backend it looks at, the Secret
#: Service's D-Bus session and its encryption), with the second stage when the app runs on an
#: account (the demo never reads it): the key is looked up once that stage is in, and the
#: lookup then loads nothing while the window is being used.
PRELOAD_KEYCHAIN = (
    "keyring",
    "keyring.backends.chainer",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "zipp",  # keyring's backend discovery reads the packages' entry points
) + (
    (
        "keyring.backends.SecretService",
        "secretstorage.dhcrypto",
        "cryptography.hazmat.backends.openssl.backend",  # its session's key exchange
    )
    if sys.platform.startswith("linux")
    else ()
)
PRELOAD = PRELOAD_GALLERY + PRELOAD_REST


class _PoliteImports:
    """An import hook for the preload thread: before each module it loads (one not loaded yet),
    it waits up to GUI_BUSY_WAIT_S for the GUI thread to be idle, then lets Python's own
    finders go on. Imports on other threads pass at once."""

    def __init__(self, idle: threading.Event) -> None:
        self._idle = idle
        self._thread = threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self._thread:
            self._idle.wait(GUI_BUSY_WAIT_S)
        return None


class Preload(QObject):
    """Imports ``first`` then ``rest`` on a thread; ``first_done`` and ``done`` (on the GUI
    thread) when each stage is in. Also reads the app's version (package metadata, slow to
    load)."""

    first_done = Signal()
    done = Signal()

    def __init__(
        self,
        first: tuple[str, ...] = PRELOAD_GALLERY,
        rest: tuple[str, ...] = PRELOAD_REST,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.first = first
        self.rest = rest
        self.version = ""
        self.failed: list[str] = []
        self.finished = False  # both stages in (read on the GUI thread, after ``done``)
        self.done.connect(self._finished)
        # The second stage waits until the window is usable (release_rest): importing it
        # meanwhile would take the interpreter lock from the GUI thread building the gallery.
        self._rest = threading.Event()
        # And each of its modules waits (a moment at most) until the GUI thread has nothing to
        # do (watch_gui): a paint or a scroll then never shares the interpreter lock with an
        # import for more than one module's time.
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        self._dispatcher: Any = None

    def _finished(self) -> None:
        self.finished = True

    def release_rest(self) -> None:
        """Let the second stage load (from any thread; again: nothing)."""
        self._rest.set()

    def watch_gui(self) -> None:
        """Load the second stage's modules only while the GUI thread waits for events (call on
        the GUI thread, with the event loop's dispatcher in place; stops when ``done``)."""
        from PySide6.QtCore import QAbstractEventDispatcher

        dispatcher = QAbstractEventDispatcher.instance()
        if dispatcher is None:
            return
        self._dispatcher = dispatcher
        self._gui_idle.clear()
        dispatcher.aboutToBlock.connect(self._gui_idle.set)
        dispatcher.awake.connect(self._gui_idle.clear)
        self.done.connect(self._unwatch)

    def _unwatch(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.disconnect(self._gui_idle.set)
            self._dispatcher.awake.disconnect(self._gui_idle.clear)
            self._dispatcher = None

    def start(self) -> None:
        threading.Thread(target=self._load, name="preload", daemon=True).start()

    def _import(self, modules: tuple[str, ...], *, polite: bool = False) -> None:
        import importlib

        gate = _PoliteImports(self._gui_idle) if polite else None
        if gate is not None:
            sys.meta_path.insert(0, gate)
        try:
            for name in modules:
                try:
                    importlib.import_module(name)
                except Exception as exc:  # imported again where used: the error shows there
                    self.failed.append(f"{name}: {exc}")
        finally:
            if gate is not None:
                sys.meta_path.remove(gate)

    def _load(self) -> None:
        from leodesk.core import codecache  # light (installed by main())

        self._import(self.first)
        # The dataclasses made so far are read from the cache before the first paint next time
        # (its first part), the others once the first stage is in (leodesk.core.codecache).
        codecache.mark_first_part()
        self.first_done.emit()
        self._rest.wait()
        self._import(self.rest, polite=True)
        try:
            from leodesk.core.diagnostics import app_version

            self.version = app_version()
        except Exception as exc:
            self.failed.append(f"version: {exc}")
        self.done.emit()
        codecache.save()  # what the two stages compiled (the first start, an upgrade), if in use


#: What a start-up step yields to wait for the second stage of the preload (the services).
WAIT_FOR_PRELOAD = "wait-for-preload"
#: What a start-up step yields for the next to run in the next turn of the event loop, without
#: the gap (STEP_GAP_MS): the gallery's steps, which the user waits for.
AT_ONCE = "at-once"
#: What a start-up step yields to wait for the account's key (read from the keychain then, or
#: asked for): the steps after it go on once there is one.
WAIT_FOR_KEY = "wait-for-key"
REST_AFTER_MS = 1000  # the second stage loads by then even if the gallery never painted
#: How long a thread that wants the interpreter lock waits before the thread running Python is
#: asked to let go of it (Python's default: 5 ms). The GUI thread waits so for each call into
#: Python (an event, a paint, a slot) while other threads run Python: the preload's imports as
#: the app opens; downloads, decoding and the gallery's reads while it scrolls (the gallery
#: benchmark, drag frames over 16 ms in 5 runs: 6 at 5 ms, 1 at 1 ms).
SWITCH_INTERVAL_S = 0.001
GUI_BUSY_WAIT_S = 0.05  # the longest a module of the second stage waits for an idle GUI


# Only what the first frame needs is imported above (tests/bench/startup.py measures it): the
# imports marked "after the first paint" below load paths, settings, the keychain, httpx, SQLite,
# PIL, the simulator and the panes once the window is on screen.


def install_crash_handler(paths: Paths, show_dialog: bool = True) -> None:
    """Log unhandled exceptions (redacted) and offer a copyable report; dump fatal signals."""
    log_dir = paths.logs
    try:
        crash_file = open(paths.faults_file, "a", encoding="utf-8")  # noqa: SIM115
        faulthandler.enable(crash_file)
    except OSError:
        if sys.stderr is not None:  # None without a console (Windows' leodesk-gui)
            faulthandler.enable()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        log.critical("unhandled exception", exc_info=(exc_type, exc, tb))
        if show_dialog:
            from leodesk.core.log import redact  # only on a crash
            from leodesk.ui.crash_dialog import show_crash_report  # only on a crash

            report = redact("".join(traceback.format_exception(exc_type, exc, tb)))
            line = " ".join(str(exc).split()) or exc_type.__name__
            summary = redact(line if len(line) <= 300 else line[:297] + "...")
            show_crash_report(report, log_dir, summary)

    sys.excepthook = hook


class Launcher(AccountsMixin, QObject):
    """Takes the window from shell to working app: key (or demo), context, first loads.
    Signal: switched(object: the Launcher of the account switched to, in a new window)."""

    switched = Signal(object)

    def __init__(
        self,
        window: Any,
        *,
        demo: bool,
        runtime: Any = None,
        settings_path: Any = None,
        parent: QObject | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.demo = demo
        self.account = account  # None: the one used last (see leodesk.core.accounts)
        self.runtime = runtime
        self.ctx: AppContext | None = None
        # The gallery's part of the context, while the rest is still loading (see _open_steps).
        self.gallery: GalleryParts | None = None
        # The second stage of the app's imports, when it loads on a thread (main() sets it).
        self.preload: Preload | None = None
        self.settings: Settings | None = None
        self.settings_path = settings_path
        # The settings main() read before the first paint, and their file: used once, not read
        # again (~1 ms before the gallery shows).
        self.early_settings: tuple[Path, Settings] | None = None
        self.pools = Pools(network_threads=2, parent=self)
        self.key_service: Any = None
        self.key_dialog: Any = None
        self.key_known = False  # the account's key was found (or the demo's is used)
        self._looking_up = False  # a keychain lookup is under way
        self._parked: Callable[[], None] | None = None  # the steps waiting for the key
        # The app opens in short steps, one per turn of the event loop (main() sets this), so
        # the window answers input while the panes load; tests open in one go.
        self.stepped = False
        self.opened = False  # every start-up step has run (the app works in full)
        self.library_dialog: Any = None  # the damaged / unusable library dialog, while shown
        self._damage_reported = False  # said once per library file
        # The form and layout are saved a little after each change (off the GUI thread), so
        # a crash or a kill loses at most the last moments of typing.
        self.stopped_cleanly = True  # see shutdown()
        self.autosave_ms = 2000
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.timeout.connect(self.save_settings_soon)
        self._save_lock = threading.Lock()
        self._save_seq = 0  # the last snapshot taken
        self._saved_seq = 0  # the last snapshot written
        # One app per profile: the profile locks this window holds and their local servers
        # (a second launch hands its files over through them); files waiting for the context.
        self.instances: list[tuple[Any, Any]] = []
        self.pending_files: list[str] = []
        window.change_key_requested.connect(self.change_key)
        window.closing.connect(self.shutdown)

    # -- start ----------------------------------------------------------------------------------
    def start(self) -> None:
        from leodesk.qt.keys import KeyService  # after the first paint
        from leodesk.runtime import start as start_runtime  # after the first paint

        if self.runtime is None:
            self.runtime = start_runtime(demo=self.demo, account=self.account)
        self.key_service = KeyService(
            self.pools, self.runtime.base_url, parent=self, account=self.runtime.key_entry
        )
        self.key_service.found.connect(self._key_found)
        self.key_service.lookup_failed.connect(self._lookup_failed)
        self.key_service.no_keychain.connect(self._no_keychain)
        self.key_service.stored.connect(self._key_stored)
        self.key_service.store_failed.connect(self._key_failed)
        self.key_service.removed.connect(self._key_removed)
        self.key_service.remove_failed.connect(self._key_failed)
        if self.runtime.demo:
            self.key_known = True
        # The library opens at once, the keychain is read once the gallery shows: the gallery
        # needs no key, and reading the keychain loads ~60 ms of modules (keyring, D-Bus,
        # cryptography) and waits ~20 ms for its answer. The services wait for it
        # (WAIT_FOR_KEY in _open_steps).
        self._open(self.runtime.demo_key if self.runtime.demo else None)

    def _thumbnails_again(self) -> None:
        """Thumbnails that could not download before there was a key are asked for again (a
        new client: Backend.client_reset), and the gallery repaints to ask."""
        if self.gallery is None:
            return
        self.gallery.backend.reset_client()
        view = self.window.gallery
        if view is not None:
            view.viewport().update()

    def _wire_accounts_once(self) -> None:
        if self.account_service is None:
            self.wire_accounts()

    def _look_up_key(self) -> None:
        if not self._looking_up:
            self._looking_up = True
            self.key_service.lookup()

    def _key_found(self, key: str | None) -> None:
        self._looking_up = False
        if key:
            self.key_known = True
            parked, self._parked = self._parked, None
            if parked is not None:
                self._thumbnails_again()
                parked()  # the steps waiting for the key go on
        else:
            self.ask_key(first_run=True)

    def _lookup_failed(self, message: str) -> None:
        self._looking_up = False
        self.ask_key(first_run=True, error=message)

    def _no_keychain(self, message: str) -> None:
        self._looking_up = False
        log.warning("no secure keychain: %s", message)
        self.ask_key(first_run=True, no_keychain=True)

    # -- the key dialog -------------------------------------------------------------------------
    def ask_key(
        self, *, first_run: bool, error: str | None = None, no_keychain: bool = False
    ) -> None:
        from leodesk.ui.key_dialog import KeyDialog  # after the first paint

        dialog = KeyDialog(replacing=not first_run, allow_demo=first_run, parent=self.window)

        def check(key: str) -> None:
            dialog.show_checking()
            self.key_service.check_and_store(key)

        dialog.key_submitted.connect(check)
        dialog.remove_requested.connect(self.key_service.remove)
        dialog.finished.connect(lambda result: self._dialog_closed(result, first_run))
        if error:
            dialog.show_error(error)
        if no_keychain:
            dialog.show_no_keychain()
        self.key_dialog = dialog
        dialog.open()

    def change_key(self) -> None:
        if self.demo or (self.runtime is not None and self.runtime.demo):
            # The demo runs on the simulator's own key: the keychain is never read or written.
            self.window.statusBar().showMessage(
                "The demo uses the simulator's own key and never touches your keychain. "
                "Start leodesk without --demo to use your API key.",
                10000,
            )
            return
        self.ask_key(first_run=False)

    def _key_stored(self, username: str | None) -> None:
        if self.key_dialog is not None:
            self.key_dialog.done_ok(username)

    def _key_failed(self, message: str) -> None:
        if self.key_dialog is not None:
            self.key_dialog.show_error(message)

    def _key_removed(self, removed: bool) -> None:
        if self.key_dialog is not None:
            self.key_dialog.reject()
        self.window.show_connection_error(
            "API key removed from the keychain." if removed else "No API key was stored."
        )
        if self.ctx is not None:
            self.ctx.backend.reset_client()

    def _dialog_closed(self, result: int, first_run: bool) -> None:
        from leodesk.ui.key_dialog import DEMO  # after the first paint

        self.key_dialog = None
        if result == DEMO and self.window.gallery is not None:
            # The account's gallery is shown (it opened while the keychain was read): the demo
            # gets a window of its own, as another account would.
            self.switch_to_demo()
        elif result == DEMO:
            from leodesk.runtime import profile_paths  # after the first paint
            from leodesk.runtime import start as start_runtime  # after the first paint

            demo_paths = profile_paths(demo=True)
            if not self.serve(demo_paths):
                self.window.show_connection_error(
                    "The demo is already open in another leodesk window: use that one."
                )
                self.window.key_action.setEnabled(True)
                return
            # This window shows the demo from now on: `leodesk` on the account's profile
            # starts an app of its own (this one never opened that library).
            self.release_profiles(keep=demo_paths)
            self.runtime.close()
            self.runtime = start_runtime(demo=True)
            self.demo = True
            self.window.set_demo(True)
            self.show_accounts()
            self._open(self.runtime.demo_key)
        elif result == 1:  # accepted: a checked key is stored
            if self.ctx is None:
                self._look_up_key()  # the steps waiting for it go on
            else:
                self.ctx.backend.reset_client()
                self.ctx.account.refresh()
        elif first_run:
            self.window.show_connection_error(
                "No API key: use Account → API key…, or restart with --demo."
            )
            self.window.key_action.setEnabled(True)

    # -- the working app ------------------------------------------------------------------------
    def _open(self, key: str | None) -> None:
        self._run(self._open_steps(key), stepped=self.stepped)

    def _run(self, steps: Iterator[str | None], *, stepped: bool) -> None:
        """Run ``steps`` now, or one per turn of the event loop (they stop if the app closes).
        A step yielding :data:`WAIT_FOR_PRELOAD` resumes once the preload is in."""
        if not stepped:
            for got in steps:
                if got == WAIT_FOR_KEY and not self.key_known:
                    self._parked = lambda: self._run(steps, stepped=False)
                    self._look_up_key()
                    return
            return

        def turn() -> None:
            if self.runtime is None:  # closed meanwhile
                return
            started = time.perf_counter()
            try:
                got = next(steps)
            except StopIteration:
                return
            finally:
                took = (time.perf_counter() - started) * 1000
                if took > STEP_WARN_MS:
                    log.debug("start-up step took %.0f ms", took)
            preload = self.preload
            if got == WAIT_FOR_PRELOAD and preload is not None and not preload.finished:
                preload.done.connect(lambda: QTimer.singleShot(STEP_GAP_MS, turn))
                return
            if got == WAIT_FOR_KEY and not self.key_known:
                self._parked = lambda: QTimer.singleShot(STEP_GAP_MS, turn)
                self._look_up_key()
                return
            QTimer.singleShot(0 if got == AT_ONCE else STEP_GAP_MS, turn)

        turn()

    def _open_steps(self, key: str | None) -> Iterator[str | None]:
        from leodesk.core import settings as settings_mod  # after the first paint
        from leodesk.qt.gallery_parts import build_gallery  # after the first paint

        runtime = self.runtime
        paths = runtime.paths
        self.settings_path = self.settings_path or paths.settings_file
        early, self.early_settings = self.early_settings, None
        if early is not None and early[0] == self.settings_path:
            self.settings = early[1]  # read before the first paint (this app holds the profile)
        else:
            self.settings = settings_mod.load(self.settings_path)

        def client_factory() -> Any:
            from leodesk.core.api import LeonardoClient  # after the first paint
            from leodesk.core.log import register_secret  # after the first paint

            current = key if runtime.demo else runtime.api_key()
            if not current:
                raise RuntimeError("No API key: use Account → API key…")
            register_secret(current)
            return LeonardoClient(current, base_url=runtime.base_url)

        # Its own module: the package's front would load the whole library (see Backend).
        from leodesk.core.library.db import LibraryError  # after the first paint

        try:
            # The gallery first (the library, its model, the prompt form), then the services
            # once the rest of the app is imported: the window is usable meanwhile.
            gallery = build_gallery(
                paths,
                client_factory,
                network_threads=self.settings.network_threads,
                thumb_cache_bytes=self.settings.thumb_cache_mb * 1024 * 1024,
                gallery_first=True,
                parent=self,
            )
        except LibraryError as exc:
            self._cannot_open(key, exc)
            return
        self.gallery = gallery
        yield AT_ONCE
        for _step in self.window.attach_gallery_steps(
            gallery.gallery_model, gallery.jobs, self.settings
        ):
            yield AT_ONCE
        if self.preload is not None:
            # The rest loads once the gallery has painted (a thread importing meanwhile would
            # hold the interpreter lock against that paint), or after a moment if it never
            # paints (a minimised window).
            preload = self.preload
            gallery_view = self.window.gallery
            assert gallery_view is not None
            FirstPaint(gallery_view.viewport(), preload.release_rest)
            QTimer.singleShot(REST_AFTER_MS, preload.release_rest)
        yield None  # the gallery shows; then the accounts in the menu and the badge
        self._wire_accounts_once()
        yield WAIT_FOR_PRELOAD
        # The links to the dialogs: their modules came with the second stage (on its thread).
        self.window.furnish_links()
        yield WAIT_FOR_KEY  # the services talk to the account: its key first
        from leodesk.qt.context import build_context  # after the first paint

        try:
            gallery.backend.open_library()  # the writer, once the rest is loaded
        except LibraryError as exc:
            self._cannot_open(key, exc)
            return

        self.ctx = build_context(
            paths,
            client_factory,
            demo=runtime.demo,
            parent=self,
            gallery=gallery,
        )
        self.gallery = None
        yield None
        yield from self.window.attach_steps(self.ctx, self.settings)
        yield None
        self.ctx.gallery_model.read_failed.connect(lambda exc: self._read_failed(key, exc))
        self.window.form.state_changed.connect(lambda: self._autosave.start(self.autosave_ms))
        self.window.prefs_link.changed.connect(self.save_settings_soon)  # Preferences: at once
        autosave = lambda: self._autosave.start(self.autosave_ms)  # noqa: E731
        self.window.gallery_pane.view_changed.connect(autosave)
        self.window.key_action.setEnabled(not runtime.demo)
        yield None
        self.ctx.catalog.load_cached()
        yield None
        last = self.settings.last_model_id
        if last:
            for m in self.ctx.platform_models.models() + self.ctx.own_models.models():
                if m.id == last:
                    self.window.form.set_model(m)
                    break
        self.window.prefs_link.start_form()  # the default model and size, if chosen
        yield None
        self.ctx.account.refresh()
        self.ctx.catalog.refresh()
        self.ctx.elements.refresh()
        self.ctx.generation.resume_unfinished()
        yield None
        self.window.training_link.start()
        self.ctx.deleter.resume()
        self.ctx.thumbs.prune_disk()
        self.check_library(key)
        if self.stepped:
            settle_open_app()
        self.opened = True
        if self.pending_files:
            files, self.pending_files = self.pending_files, []
            self.open_files(files)

    # -- one app per profile --------------------------------------------------------------------
    def serve(self, paths: Paths, lock: Any = None) -> bool:
        """Hold ``paths``' profile lock (``lock`` when already taken) and listen there for a
        second launch; False when another process holds that profile."""
        from leodesk.core.instance import APP_ROLE, ProfileLock, server_name  # light
        from leodesk.qt.instance import InstanceServer  # after the first paint (QtNetwork)

        if any(held.data_dir == paths.data for held, _server in self.instances):
            return True
        if lock is None:
            lock = ProfileLock(paths.data, APP_ROLE, server=server_name(paths.data))
            try:
                if not lock.try_acquire():
                    return False
            except OSError as exc:  # the folder cannot be written: the library will say so
                log.warning("cannot lock %s: %s", paths.data, exc)
                return True
        elif not lock.held:  # the profile could not be locked (see _claim_profile)
            return True
        if lock.stale is not None:  # said again now that the log file is open
            log.warning(
                "cleared the stale lock of %s (process %d): it ended without closing",
                lock.stale.role,
                lock.stale.pid,
            )
        server = InstanceServer(lock.server, parent=self)
        server.open_requested.connect(self.handed_over)
        server.listen()
        self.instances.append((lock, server))
        return True

    def handed_over(self, files: list[str]) -> None:
        """A second launch on this profile: open its files and come forward."""
        self.open_files(files)
        self.bring_forward()

    def bring_forward(self) -> None:
        window = self.window
        if window.isMinimized() or not window.isVisible():
            window.showNormal()
        window.raise_()
        window.activateWindow()
        handle = window.windowHandle()
        if handle is not None:
            handle.requestActivate()  # X11 and Wayland ask for it from the window itself
        # Where the window manager keeps focus where it is, the task bar entry asks instead.
        QApplication.alert(window, 0)

    def open_files(self, files: list[str]) -> None:
        """Open each picture in a canvas window of its own (as Canvas ▸ Open image does);
        a file that is no picture is named on the status bar. Waits for the working app: the
        services exist some steps before the window is attached to them."""
        if not self.opened:
            self.pending_files.extend(files)
            return
        from pathlib import Path  # after the first paint

        from PySide6.QtGui import QImageReader  # after the first paint

        refused: list[str] = []
        for name in files:
            reader = QImageReader(name)  # the header only: the canvas decodes the picture
            if not reader.canRead():
                refused.append(Path(name).name)
                log.warning("not opened: %s (%s)", name, reader.errorString())
                continue
            canvas = self.window.canvas_link.open_canvas()
            canvas.open_file(Path(name))  # as Canvas ▸ Open image does
            canvas.setWindowTitle(f"{Path(name).name} — {canvas.windowTitle()}")
            size = canvas.doc.size()
            log.info("opened %s in a canvas (%d × %d)", name, size.width(), size.height())
        if refused:
            self.window.statusBar().showMessage(
                f"Not a picture leodesk can open: {', '.join(refused)}", 15000
            )

    def release_profiles(self, keep: Paths | None = None) -> None:
        """Stop listening and let go of every profile this window holds (but ``keep``'s)."""
        kept = []
        for lock, server in self.instances:
            if keep is not None and lock.data_dir == keep.data:
                kept.append((lock, server))
                continue
            server.close()
            lock.release()
        self.instances = kept

    # -- a damaged library ----------------------------------------------------------------------
    def check_library(self, key: str | None) -> None:
        """SQLite's quick check of the whole library file, on a worker with its own read-only
        connection, so neither the window nor the database thread waits for it."""
        path = self.runtime.paths.library_db

        def job(token: Any) -> list[str]:
            from leodesk.core.library import Library, LibraryError  # after the first paint

            started = time.perf_counter()
            try:
                with Library.open_readonly(path) as lib:
                    found = lib.quick_check()
            except LibraryError as exc:
                if exc.reason != "corrupt":
                    raise
                found = [f"Opening the library: {exc.__cause__ or exc}"]
            log.info(
                "library check: %s in %.0f ms",
                "; ".join(found[:3]) or "ok",
                (time.perf_counter() - started) * 1000,
            )
            return found

        def checked(found: list[str]) -> None:
            if found:
                self._library_problem(key, damaged=True, findings=found)

        self.pools.submit(
            job,
            on_result=checked,
            on_error=lambda exc: log.warning("the library check could not run: %s", exc),
            name="library check",
        )

    def _cannot_open(self, key: str | None, exc: LibraryError) -> None:
        log.error("the library cannot be opened (%s): %s", exc.reason, exc)
        self.window.furnish()  # (the gallery's steps, which do, did not run)
        self._wire_accounts_once()  # the Account menu works without a library
        self._library_problem(
            key,
            damaged=exc.reason == "corrupt",
            message=str(exc),
            findings=[f"Opening the library: {exc.__cause__}"] if exc.__cause__ else None,
        )

    def _read_failed(self, key: str | None, exc: BaseException) -> None:
        from leodesk.core.library import LibraryError  # after the first paint

        if isinstance(exc, LibraryError) and exc.reason == "corrupt":
            detail = exc.__cause__ or exc
            self._library_problem(key, damaged=True, findings=[f"Reading the gallery: {detail}"])

    def _library_problem(
        self,
        key: str | None,
        *,
        damaged: bool,
        message: str = "",
        findings: list[str] | None = None,
    ) -> None:
        """Say what is wrong with the library file, once, and offer what can be done."""
        from leodesk.ui.library_dialog import LibraryProblemDialog  # after the first paint

        if self.library_dialog is not None or (damaged and self._damage_reported):
            return
        self._damage_reported = self._damage_reported or damaged
        dialog = LibraryProblemDialog(
            self.runtime.paths.library_db,
            damaged=damaged,
            message=message,
            findings=findings,
            parent=self.window,
        )
        dialog.rebuild.connect(lambda: self.rebuild_library(key))
        dialog.quit.connect(self.quit)

        def closed(_result: int) -> None:
            self.library_dialog = None
            if self.ctx is None and not dialog.result():
                self.window.show_connection_error(
                    "The library could not be opened: restart leodesk to decide what to do."
                )

        dialog.finished.connect(closed)
        self.library_dialog = dialog
        dialog.open()

    def rebuild_library(self, key: str | None) -> None:
        """Move the damaged library aside (kept) and go on with a new one that a sync refills."""
        from leodesk.core.library import Library  # after the first paint

        path = self.runtime.paths.library_db
        self._damage_reported = False
        try:
            if self.ctx is None:
                moved = Library.move_aside(path)
                self._run(self._open_steps(key), stepped=False)
            else:
                moved = self._swap_library(path)
        except OSError as exc:
            log.error("could not move the library aside: %s", exc)
            self._library_problem(
                key,
                damaged=False,
                message=(
                    f"It could not be moved aside ({exc.strerror or exc}). Use Open folder to "
                    "move or rename the file yourself, then start leodesk again."
                ),
            )
            return
        log.warning("library moved aside to %s", ", ".join(str(p) for p in moved))
        if self.ctx is not None:
            self.ctx.sync.start()
            kept = moved[0].name if moved else "a backup"
            self.window.statusBar().showMessage(
                f"The damaged library was kept as {kept}. A new library is being filled "
                "from your account.",
                20000,
            )

    def _swap_library(self, path: Path) -> list[Path]:
        """Replace the open (damaged) library with a new one under the running app: the old
        one is closed on the database thread while the GUI thread waits, then moved aside."""
        from leodesk.core.library import Library  # after the first paint
        from leodesk.core.library.images import Images  # after the first paint

        ctx = self.ctx
        assert ctx is not None  # called only while the app runs
        backend = ctx.backend
        ctx.gallery_model.detach()

        def swap(old: Library) -> list[Path]:
            old.close()
            backend.reader.close()
            backend.gallery_reader.close()
            try:
                return Library.move_aside(path)
            finally:
                # A new library when the old one moved; the same file again when it could not.
                backend.library = Library.open(path)
                backend.reader = Library.open_readonly(path)
                backend.gallery_reader = Images.open_readonly(path)

        moved = backend.db(swap).result(timeout=60)
        ctx.gallery_model.set_source(backend.gallery_reader)
        ctx.generation.reload()
        ctx.catalog.load_cached()
        ctx.catalog.refresh()
        ctx.elements.load_cached()
        ctx.elements.refresh()
        return moved

    def quit(self) -> None:
        self.window.close()
        QApplication.quit()

    def _snapshot(self) -> tuple[int, Settings]:
        from dataclasses import replace  # after the first paint

        assert self.settings is not None  # called only once the settings are loaded
        self._save_seq += 1
        return self._save_seq, replace(self.settings, **self.window.snapshot())

    def _write_settings(self, seq: int, settings: Settings) -> None:
        """Write ``settings`` unless a newer snapshot was written already (any thread)."""
        from leodesk.core import settings as settings_mod  # after the first paint

        with self._save_lock:
            if seq <= self._saved_seq:
                return
            settings_mod.save(settings, self.settings_path)
            self._saved_seq = seq

    def save_settings_soon(self) -> None:
        """Save the form and layout now, on the database thread (the autosave)."""
        if self.ctx is None or self.settings is None:
            return
        try:
            seq, settings = self._snapshot()
        except Exception as exc:
            log.warning("could not take the settings: %s", exc)
            return
        self.ctx.backend.pools.submit(
            lambda token: self._write_settings(seq, settings),
            pool="db",
            on_error=lambda exc: log.warning("could not save settings: %s", exc),
            name="autosave",
        )

    def shutdown(self) -> None:
        if self.switched_away:  # shut down already, its window gone (see switch_account)
            return
        self._autosave.stop()
        if self.ctx is not None and self.settings is not None:
            try:
                self._write_settings(*self._snapshot())
            except Exception as exc:  # saving the layout must never block closing
                log.warning("could not save settings: %s", exc)
        # Gone from the screen at once: what follows may wait for work under way (bounded).
        self.window.hide()
        clean = True
        if self.ctx is not None:
            self.ctx.deleter.commit()  # closing ends the undo window (resumed next start if cut)
            self.ctx.deleter.wait_committed(5.0)
            clean = bool(self.ctx.shutdown())
            self.ctx = None
            self.opened = False  # files handed over from here wait (for nothing: the app ends)
        elif self.gallery is not None:  # closed before the services were built
            clean = bool(self.gallery.shutdown())
        self.gallery = None
        clean = self.pools.shutdown() and clean
        # False once a worker was still busy (a request the server has not answered): the
        # process then exits without waiting for it (see main()).
        self.stopped_cleanly = self.stopped_cleanly and clean
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None
        self.release_profiles()  # the library is closed: another process may write it now


class LeodeskApplication(QApplication):
    """The application object. On macOS a file opened from Finder (Open With, a drop on the
    Dock icon) arrives as a QFileOpenEvent here, not on the command line: ``file_opened``
    (its path as a string), opened like a second launch's files."""

    file_opened = Signal(str)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen:
            self.file_opened.emit(cast(QFileOpenEvent, event).file())
            return True
        return super().event(event)


def settle_open_app() -> None:
    """What the app does once it is open (the gallery benchmark does it too): what is loaded
    now (modules, classes, the services) lives as long as the app, so the collector's full
    passes skip it from here on (a pause while scrolling)."""
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def _report_first_paint() -> None:
    """Start-up benchmark hook (tests/bench/startup.py): print the time and quit."""
    heavy = [m for m in ("httpx", "keyring", "PIL", "sqlite3", "leodesk.sim") if m in sys.modules]
    print(f"leodesk-first-paint {time.time():.6f} heavy={','.join(heavy)}", flush=True)
    QApplication.quit()


def _profile(demo: bool, account: str | None) -> Paths:
    """The profile the app opens (see :func:`leodesk.core.accounts.profile_for`). The compiled
    methods of dataclasses (leodesk.core.codecache) are read first, from the cache folder all
    profiles share (the classes are the same): the accounts', the profile lock's and the
    settings' classes are then made from them, before the first paint."""
    from leodesk.core import codecache  # light
    from leodesk.core import paths as paths_mod  # light: platformdirs

    base = paths_mod.resolve()
    codecache.install(base.code_cache)
    from leodesk.core import accounts  # light: json

    return accounts.profile_for(base, demo=demo, account=account)[0]


def _early_settings(profile: Paths) -> Settings | None:
    """The saved settings, read before the first paint for the theme and the window's place
    (light modules only: no flash of the wrong colours, no second layout); the app reads them
    again with the rest."""
    from leodesk.core import settings as settings_mod  # light: json
    from leodesk.ui.theme import apply_theme  # light: Qt only

    try:
        settings = settings_mod.load(profile.settings_file)
        apply_theme(settings.theme)
    except Exception as exc:  # the theme must never stop the app from starting
        log.warning("could not apply the saved theme: %s", exc)
        return None
    return settings


def _claim_profile(profile: Paths, demo: bool, files: list[str]) -> ProfileLock | int:
    """The profile's lock for this app (held), or the exit code of a launch that handed its
    files over to the app already running on the profile (or could not)."""
    from leodesk.core.instance import APP_ROLE, ProfileLock, absolute_files, server_name

    lock = ProfileLock(profile.data, APP_ROLE, server=server_name(profile.data))
    try:
        if lock.try_acquire():
            return lock
    except OSError as exc:  # the folder cannot be written: said again when the app opens it
        print(f"leodesk: cannot lock {profile.data} ({exc})", file=sys.stderr, flush=True)
        return lock  # not held: no one-app check on this profile
    from leodesk.qt.instance import second_launch  # a second launch only (QtNetwork)

    outcome = second_launch(lock, absolute_files(files), demo=demo)
    if outcome.lock is not None:  # the other app went away meanwhile
        return outcome.lock
    if outcome.code == 0:
        print(outcome.message, flush=True)
        return 0
    print(f"leodesk: {outcome.message}", file=sys.stderr, flush=True)
    from PySide6.QtWidgets import QMessageBox  # only when refused

    box = QMessageBox(
        QMessageBox.Icon.Warning, "leodesk", outcome.message[:1].upper() + outcome.message[1:] + "."
    )
    box.setObjectName("profileBusyBox")
    box.setAccessibleName("leodesk cannot open this profile")
    box.exec()
    return outcome.code


def main(
    *,
    demo: bool = False,
    argv: list[str] | None = None,
    files: list[str] | None = None,
    account: str | None = None,
) -> int:
    if sys.stderr is not None:  # None without a console (Windows' leodesk-gui)
        faulthandler.enable()  # to stderr until the log folder is known
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = QApplication.instance() or LeodeskApplication(argv if argv is not None else sys.argv)
    apply_identity(app)  # names, desktop entry (Wayland app id), icon: before the first window
    # One app per profile: a second launch hands its files to the first and ends here.
    profile = _profile(demo, account)  # read once: the lock, the theme, then the app's folders
    lock = _claim_profile(profile, demo, list(files or []))
    if isinstance(lock, int):
        return lock
    early = _early_settings(profile)
    # The first frame is the empty window: its menus, status bar and links come right after.
    window = MainWindow(demo=demo, furnish=False)
    if early is not None:
        window.restore_geometry(early)
    launcher = Launcher(window, demo=demo, account=account)
    if early is not None:
        launcher.early_settings = (profile.settings_file, early)
    current = [launcher]  # the running account's launcher (switching makes a new one)

    def switched(nxt: Launcher) -> None:
        current[0] = nxt
        nxt.switched.connect(switched)

    launcher.switched.connect(switched)
    if files:
        from leodesk.core.instance import absolute_files  # light

        launcher.open_files(absolute_files(list(files)))  # once the app works
    if isinstance(app, LeodeskApplication):
        app.file_opened.connect(lambda path: current[0].handed_over([path]))

    launcher.stepped = True
    preload = Preload(rest=PRELOAD_REST + (() if demo else PRELOAD_KEYCHAIN), parent=launcher)
    launcher.preload = preload
    preload.watch_gui()
    ready = {"painted": False, "loaded": False}

    def go_on(what: str) -> None:
        # The app opens once the window has painted and the rest is loaded. (The menus, the
        # status bar and the links come with the gallery's panes: MainWindow.furnish.)
        ready[what] = True
        if all(ready.values()):
            start_app()

    def start_app() -> None:
        # Paths, the log file and the crash handler are not needed to draw the first frame.
        from leodesk.core import paths as paths_mod  # after the first paint
        from leodesk.core.log import setup_logging  # after the first paint

        if account is not None and not demo:
            from leodesk.core import accounts  # after the first paint

            accounts.Registry(paths_mod.resolve()).use(account)  # the GUI remembers it
        profile.ensure()
        setup_logging(profile.log_file)
        install_crash_handler(profile)
        launcher.start()

    def painted() -> None:
        window.say_starting()  # the preload started with the first paint (see below)
        go_on("painted")

    def loaded() -> None:
        app.setApplicationVersion(preload.version)  # Help ▸ About, diagnostics
        # A second launch on this profile hands over to this one from now on (meanwhile it
        # waits: the profile is locked already). QtNetwork was not needed to show the gallery.
        if not launcher.switched_away:
            launcher.serve(profile, lock)
        for failure in preload.failed:
            log.warning("could not load ahead: %s", failure)

    preload.first_done.connect(lambda: go_on("loaded"))
    preload.done.connect(loaded)
    if os.environ.get("LEODESK_EXIT_AFTER_PAINT"):
        FirstPaint(window, _report_first_paint)  # start-up benchmark (tests/bench/startup.py)
    else:
        # Everything heavy (keychain, httpx, SQLite, the panes) loads on a thread from the
        # first paint on: started as the paint begins, its imports overlap the paint and the
        # flush to the screen, which Qt does without the interpreter lock (usable, A/B of 13:
        # 222 -> 215 ms). A thread started before the window shows slows the first frame
        # (it competes for the lock with each Python call of the window's set-up: +10 ms).
        FirstPaint(window, painted, at_once=preload.start)
    window.show()
    code = int(app.exec())
    launcher = current[0]
    launcher.shutdown()
    from leodesk.core import codecache  # light

    codecache.save()  # classes first defined since the app opened (a dialog's)
    lock.release()  # also when the first paint never came
    if not launcher.stopped_cleanly:
        # A worker still waits on the network. Everything is saved and the library closed,
        # and a job cut off here resumes on the next start, so do not wait out its timeout
        # (Qt's thread pools would hold the process until it ends).
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None without a console (Windows' leodesk-gui)
                stream.flush()
        os._exit(code)
    return code
