"""Notifier: decides what is worth telling the user about, and whether the OS should show it.

It listens to the services (job progress, the stored queue, the account balance) and emits one
signal per notice. Four kinds exist, each of which the user can turn off:

* ``batch``: every job of one group (one Generate click, or a batch sent together) has ended,
  and at least one of them made images. Said once per group each time it finishes.
* ``failed``: a job ended without images (said once per job).
* ``moderation``: a job was refused by content moderation (said instead of ``failed``).
* ``low_balance``: the API credit balance went below the threshold (said once per crossing:
  it is said again only after the balance was back at or above the threshold, or after the
  threshold changed).

While the main window is active the OS shows nothing: the notice goes out as ``in_window``, for
the window to show itself. Otherwise it goes out as ``notify``, for the tray (or whatever shows
OS notifications). Nothing here draws anything: ``leodesk.ui.tray`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal

from leodesk.core.api.errors import ModerationError

if TYPE_CHECKING:
    from leodesk.core.library import JobRecord
    from leodesk.core.settings import Settings
    from leodesk.qt.services import AccountState

log = logging.getLogger("leodesk.notify")

BATCH: Final = "batch"
FAILED: Final = "failed"
MODERATION: Final = "moderation"
LOW_BALANCE: Final = "low_balance"
KINDS: Final = (BATCH, FAILED, MODERATION, LOW_BALANCE)

# What a finished job of each stored kind says (title, text after its label).
_FINISHED: Final = {
    "generation": (
        str(QT_TRANSLATE_NOOP("Notifier", "Generation finished")),
        str(QT_TRANSLATE_NOOP("Notifier", "images ready")),
    ),
    "variation": (
        str(QT_TRANSLATE_NOOP("Notifier", "Variation finished")),
        str(QT_TRANSLATE_NOOP("Notifier", "ready")),
    ),
    "video": (
        str(QT_TRANSLATE_NOOP("Notifier", "Video finished")),
        str(QT_TRANSLATE_NOOP("Notifier", "the video is ready")),
    ),
    "blueprint": (
        str(QT_TRANSLATE_NOOP("Notifier", "Blueprint finished")),
        str(QT_TRANSLATE_NOOP("Notifier", "images ready")),
    ),
    "training": (
        str(QT_TRANSLATE_NOOP("Notifier", "Training finished")),
        str(QT_TRANSLATE_NOOP("Notifier", "ready to use")),
    ),
}

# The Settings field that turns each kind on or off (leodesk.core.settings.Settings).
SETTING_FOR_KIND: Final = {
    BATCH: "notify_batch_finished",
    FAILED: "notify_job_failed",
    MODERATION: "notify_moderation",
    LOW_BALANCE: "notify_low_balance",
}
THRESHOLD_SETTING: Final = "low_balance_below"
SOUND_SETTING: Final = "notify_sound"
DEFAULT_THRESHOLD: Final = 200

_TERMINAL: Final = frozenset({"done", "failed", "cancelled"})
_HISTORY: Final = 100  # notices kept in :attr:`Notifier.history`


@dataclass(frozen=True)
class Notice:
    """One notice as it went out. ``system``: for the OS (the window was not active)."""

    kind: str
    title: str
    text: str
    system: bool


def is_moderation(message: str) -> bool:
    """A job's failure message says content moderation refused it (the client's
    :class:`ModerationError` text, which the pipeline passes on as the job's message)."""
    return ModerationError.default_message.lower() in message.lower()


def _state_of(rec: JobRecord) -> str:
    return str(rec.state.value)


def _no_window() -> bool:
    return False


class Notifier(QObject):
    """Signals: notify(str kind, str title, str text) for the OS (the window is not active);
    in_window(str kind, str title, str text) for the window itself (it is active).

    Feed it ``job_changed(JobView)``, ``queue_changed(list[JobRecord])`` and
    ``account_loaded(AccountState)`` on the GUI thread (connect the services' signals to these
    methods). ``window_active`` says whether the main window is the active one (the UI sets it).
    """

    notify = Signal(str, str, str)
    in_window = Signal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window_active: Callable[[], bool] = _no_window
        self.label_for: Callable[[int], str] = lambda _job_id: ""
        self.enabled: set[str] = set(KINDS)
        self.low_balance_below: int = DEFAULT_THRESHOLD
        self.sound = False
        self.history: list[Notice] = []
        self._jobs: dict[int, str] = {}  # job id -> last known state (terminal states stick)
        self._groups: dict[int, str] = {}  # job id -> group label
        self._kinds: dict[int, str] = {}  # job id -> the stored job's kind (generation, video...)
        self._messages: dict[int, str] = {}  # job id -> last known message
        self._active: set[str] = set()  # groups seen with a job not ended yet
        self._told_failed: set[int] = set()
        self._credits: int | None = None
        self._balance_armed = True

    # -- settings ---------------------------------------------------------------------------
    def set_enabled(self, kind: str, on: bool) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        if on:
            self.enabled.add(kind)
        else:
            self.enabled.discard(kind)

    def is_enabled(self, kind: str) -> bool:
        return kind in self.enabled

    def set_low_balance_below(self, credits: int) -> None:
        """A new threshold: the balance is looked at again against it."""
        self.low_balance_below = max(0, int(credits))
        self._balance_armed = True
        if self._credits is not None:
            self._check_balance(self._credits)

    def apply(self, settings: Settings) -> None:
        """Take the notification fields of a Settings (:data:`SETTING_FOR_KIND`,
        :data:`THRESHOLD_SETTING`, :data:`SOUND_SETTING`; values of another type are ignored)."""
        enabled = {
            BATCH: settings.notify_batch_finished,
            FAILED: settings.notify_job_failed,
            MODERATION: settings.notify_moderation,
            LOW_BALANCE: settings.notify_low_balance,
        }
        for kind, value in enabled.items():
            if isinstance(value, bool):
                self.set_enabled(kind, value)
        threshold = settings.low_balance_below
        if isinstance(threshold, int) and not isinstance(threshold, bool):
            self.low_balance_below = max(0, threshold)
        sound = settings.notify_sound
        if isinstance(sound, bool):
            self.sound = sound

    def snapshot(self) -> dict[str, Any]:
        """The Settings fields to save (see :meth:`apply`)."""
        out: dict[str, Any] = {
            name: kind in self.enabled for kind, name in SETTING_FOR_KIND.items()
        }
        out[THRESHOLD_SETTING] = self.low_balance_below
        out[SOUND_SETTING] = self.sound
        return out

    # -- events in --------------------------------------------------------------------------
    def job_changed(self, view: Any) -> None:
        """Live progress of one job (a JobView from the generation or variation service)."""
        job_id = int(view.job_id)
        state = str(view.state)
        if view.message:
            self._messages[job_id] = str(view.message)
        if state == "failed":
            self._failed(job_id, str(view.message or ""), str(view.label or ""))
        self._set_state(job_id, state)
        group = self._groups.get(job_id)
        if group is not None:
            self._check_group(group)

    def queue_changed(self, records: Iterable[JobRecord]) -> None:
        """The stored queue (JobRecords): group membership and stored states."""
        touched: set[str] = set()
        for rec in records:
            job_id = int(rec.id)
            state = _state_of(rec)
            known = self._jobs.get(job_id)
            if state == "failed" and known is not None and known not in _TERMINAL:
                # ended this session without a live "failed" (e.g. an unreadable request)
                self._failed(job_id, str(rec.error or ""), "")
            self._kinds[job_id] = str(rec.kind or "")
            group = rec.group_label
            if group:
                self._groups[job_id] = str(group)
                touched.add(str(group))
            self._set_state(job_id, state)
            error = rec.error
            if error:
                self._messages.setdefault(job_id, str(error))
        for group in sorted(touched):
            self._check_group(group)

    def account_loaded(self, state: AccountState) -> None:
        """A fresh account state: the balance against the threshold."""
        credits = state.credits
        if isinstance(credits, int) and not isinstance(credits, bool):
            self._credits = credits
            self._check_balance(credits)

    # -- decisions --------------------------------------------------------------------------
    def _set_state(self, job_id: int, state: str) -> None:
        if self._jobs.get(job_id) in _TERMINAL:
            return  # a job that ended stays ended (a stale read cannot bring it back)
        self._jobs[job_id] = state
        group = self._groups.get(job_id)
        if group is not None and state not in _TERMINAL:
            self._active.add(group)

    def _check_group(self, group: str) -> None:
        if group not in self._active:
            return
        ids = [j for j, g in self._groups.items() if g == group]
        states = [self._jobs.get(j, "") for j in ids]
        if not states or any(s not in _TERMINAL for s in states):
            return
        self._active.discard(group)
        done = states.count("done")
        failed = states.count("failed")
        if not done:
            return  # nothing made: the failures were told one by one, cancels need no notice
        total = len(states)
        if total == 1:
            label = self.label_for(ids[0]) or group
            title, what = _FINISHED.get(self._kinds.get(ids[0], ""), _FINISHED["generation"])
            self._emit(
                BATCH,
                self.tr(title),
                self.tr("{label}: {what}").format(label=label, what=self.tr(what)),
            )
            return
        if failed:
            text = self.tr("{group}: {done} of {total} jobs done, {failed} failed").format(
                group=group, done=done, total=total, failed=failed
            )
        else:
            text = self.tr("{group}: {done} of {total} jobs done").format(
                group=group, done=done, total=total
            )
        self._emit(BATCH, self.tr("Batch finished"), text)

    def _failed(self, job_id: int, message: str, label: str) -> None:
        if job_id in self._told_failed or self._jobs.get(job_id) in _TERMINAL:
            return
        self._told_failed.add(job_id)
        label = label or self.label_for(job_id) or self.tr("A job")
        message = message or self._messages.get(job_id, "") or self.tr("It failed.")
        text = self.tr("{label}: {message}").format(label=label, message=message)
        if is_moderation(message):
            self._emit(MODERATION, self.tr("Prompt rejected by moderation"), text)
        else:
            self._emit(FAILED, self.tr("Job failed"), text)

    def _check_balance(self, credits: int) -> None:
        threshold = self.low_balance_below
        if credits >= threshold:
            self._balance_armed = True
            return
        if not self._balance_armed:
            return
        self._balance_armed = False
        self._emit(
            LOW_BALANCE,
            self.tr("Low API credit balance"),
            self.tr("{credits:,} credits left (below your threshold of {threshold:,})").format(
                credits=credits, threshold=threshold
            ),
        )

    def announce(self, kind: str, title: str, text: str) -> None:
        """A notice from another service (a training that ended...), if ``kind`` is on."""
        self._emit(kind, title, text)

    def _emit(self, kind: str, title: str, text: str) -> None:
        if kind not in self.enabled:
            log.debug("notice %s is turned off: %s", kind, title)
            return
        try:
            active = bool(self.window_active())
        except RuntimeError:  # the window is gone (closing)
            active = False
        notice = Notice(kind, title, text, system=not active)
        self.history.append(notice)
        del self.history[:-_HISTORY]
        if active:
            self.in_window.emit(kind, title, text)
        else:
            self.notify.emit(kind, title, text)
