"""Notifier: what is worth a notification, said once, only for the kinds turned on, and by the OS
only while the main window is not active."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from leodesk.core.api.errors import classify_error
from leodesk.core.jobs import JobState
from leodesk.core.library import JobRecord
from leodesk.core.settings import Settings
from leodesk.qt.notify import (
    BATCH,
    FAILED,
    KINDS,
    LOW_BALANCE,
    MODERATION,
    SETTING_FOR_KIND,
    Notifier,
    is_moderation,
)
from leodesk.qt.services import AccountState, JobView

MODERATED = classify_error(
    403, b'{"error": "content moderation filter: nsfwword", "code": "unexpected"}'
).user_message


def _rec(job_id: int, state: str, group: str | None, error: str | None = None) -> JobRecord:
    return JobRecord(
        id=job_id,
        kind="generation",
        state=JobState(state),
        generation_id=None,
        request_json="{}",
        submitted_at=None,
        error=error,
        created_ms=0,
        updated_ms=0,
        position=job_id,
        group_label=group,
    )


def _view(job_id: int, state: str, message: str = "", label: str = "a fox") -> JobView:
    return JobView(job_id, label, state, message)


def _account(credits: int | None) -> AccountState:
    return AccountState("artist", "u-1", credits, 2, 0.0)


class Seen:
    """Every notice the notifier sent out, by channel."""

    def __init__(self, notifier: Notifier) -> None:
        self.system: list[tuple[str, str, str]] = []
        self.window: list[tuple[str, str, str]] = []
        notifier.notify.connect(lambda *a: self.system.append(a))
        notifier.in_window.connect(lambda *a: self.window.append(a))

    def kinds(self) -> list[str]:
        return [k for k, _t, _x in self.system + self.window]


@pytest.fixture
def notifier(qtbot: Any) -> Notifier:
    n = Notifier()
    n.label_for = lambda job_id: f"job {job_id}"
    return n


def test_a_batch_is_told_once_when_its_last_job_ends(notifier: Notifier) -> None:
    seen = Seen(notifier)
    group = "three foxes · 10:00:00 #1"
    notifier.queue_changed([_rec(1, "queued", group), _rec(2, "queued", group)])
    notifier.queue_changed(
        [_rec(1, "queued", group), _rec(2, "queued", group), _rec(3, "queued", group)]
    )
    notifier.job_changed(_view(1, "pending"))
    notifier.job_changed(_view(1, "done", "4 image(s)"))
    notifier.queue_changed(
        [_rec(1, "done", group), _rec(2, "pending", group), _rec(3, "queued", group)]
    )
    notifier.job_changed(_view(2, "done"))
    assert seen.system == []  # job 3 still runs
    notifier.job_changed(_view(3, "failed", "The server could not make these images."))
    assert seen.kinds() == [FAILED, BATCH]
    _kind, title, text = seen.system[-1]
    assert title == "Batch finished"
    assert text == f"{group}: 2 of 3 jobs done, 1 failed"
    # the stored queue catches up (even a stale read in between): nothing is told again
    notifier.queue_changed(
        [_rec(1, "done", group), _rec(2, "pending", group), _rec(3, "failed", group)]
    )
    notifier.queue_changed(
        [_rec(1, "done", group), _rec(2, "done", group), _rec(3, "failed", group)]
    )
    notifier.job_changed(_view(3, "failed", "again"))
    assert seen.kinds() == [FAILED, BATCH]
    assert seen.window == []


def test_a_single_job_says_its_prompt_and_a_retry_finishes_the_group_again(
    notifier: Notifier,
) -> None:
    seen = Seen(notifier)
    notifier.queue_changed([_rec(5, "queued", "g")])
    notifier.job_changed(_view(5, "done"))
    assert seen.system == [(BATCH, "Generation finished", "job 5: images ready")]
    notifier.queue_changed([_rec(5, "done", "g")])
    assert len(seen.system) == 1
    notifier.queue_changed([_rec(5, "done", "g"), _rec(6, "queued", "g")])  # retried into the group
    notifier.queue_changed([_rec(5, "done", "g"), _rec(6, "done", "g")])
    assert [t for _k, t, _x in seen.system] == ["Generation finished", "Batch finished"]


def test_old_groups_and_all_cancelled_or_failed_groups_say_nothing_as_a_batch(
    notifier: Notifier,
) -> None:
    seen = Seen(notifier)
    # at start-up: last run's finished jobs, failed ones included
    notifier.queue_changed([_rec(1, "done", "old"), _rec(2, "failed", "old", "boom")])
    assert seen.kinds() == []
    notifier.queue_changed([_rec(3, "queued", "c"), _rec(4, "queued", "c")])
    notifier.job_changed(_view(3, "cancelled"))
    notifier.job_changed(_view(4, "cancelled"))
    notifier.queue_changed([_rec(5, "queued", "f")])
    notifier.job_changed(_view(5, "failed", "The server could not make these images."))
    assert seen.kinds() == [FAILED]


def test_a_failure_seen_only_in_the_stored_queue_is_told_with_its_stored_error(
    notifier: Notifier,
) -> None:
    seen = Seen(notifier)
    notifier.queue_changed([_rec(8, "queued", "g")])
    notifier.queue_changed([_rec(8, "failed", "g", "The saved request could not be read.")])
    assert seen.system == [(FAILED, "Job failed", "job 8: The saved request could not be read.")]
    notifier.job_changed(_view(8, "failed", "The saved request could not be read."))
    assert len(seen.system) == 1


def test_moderation_is_its_own_kind(notifier: Notifier) -> None:
    assert is_moderation(MODERATED) and not is_moderation("The server could not make these.")
    seen = Seen(notifier)
    notifier.job_changed(_view(-1, "failed", MODERATED, label="Upscale · a fox"))  # a variation
    assert seen.system == [
        (MODERATION, "Prompt rejected by moderation", f"Upscale · a fox: {MODERATED}")
    ]
    notifier.set_enabled(MODERATION, False)
    notifier.job_changed(_view(-2, "failed", MODERATED))
    assert len(seen.system) == 1  # turned off, and not told as a plain failure either


def test_low_balance_is_told_once_per_crossing(notifier: Notifier) -> None:
    seen = Seen(notifier)
    notifier.set_low_balance_below(100)
    notifier.account_loaded(_account(None))
    notifier.account_loaded(_account(500))
    notifier.account_loaded(_account(150))
    assert seen.kinds() == []
    notifier.account_loaded(_account(99))
    assert seen.system == [
        (LOW_BALANCE, "Low API credit balance", "99 credits left (below your threshold of 100)")
    ]
    notifier.account_loaded(_account(80))
    notifier.account_loaded(_account(20))
    assert len(seen.system) == 1
    notifier.account_loaded(_account(1000))  # topped up
    notifier.account_loaded(_account(90))  # and below again: a new crossing
    assert seen.kinds() == [LOW_BALANCE, LOW_BALANCE]
    notifier.set_low_balance_below(50)
    assert len(seen.system) == 2
    notifier.set_low_balance_below(2000)  # a new threshold above the balance
    assert seen.kinds() == [LOW_BALANCE] * 3 and "2,000" in seen.system[-1][2]


def test_a_kind_turned_off_is_not_told(notifier: Notifier) -> None:
    seen = Seen(notifier)
    for kind in KINDS:
        notifier.set_enabled(kind, False)
    notifier.queue_changed([_rec(1, "queued", "g")])
    notifier.job_changed(_view(1, "done"))
    notifier.job_changed(_view(2, "failed", "boom"))
    notifier.job_changed(_view(3, "failed", MODERATED))
    notifier.set_low_balance_below(100)
    notifier.account_loaded(_account(10))
    assert seen.kinds() == [] and notifier.history == []
    notifier.set_enabled(FAILED, True)
    notifier.job_changed(_view(4, "failed", "boom"))
    assert seen.kinds() == [FAILED]
    with pytest.raises(ValueError):
        notifier.set_enabled("everything", True)


def test_an_active_window_keeps_the_os_quiet(notifier: Notifier) -> None:
    seen = Seen(notifier)
    active = [True]
    notifier.window_active = lambda: active[0]
    notifier.job_changed(_view(1, "failed", "boom"))
    assert seen.system == [] and seen.window == [(FAILED, "Job failed", "a fox: boom")]
    active[0] = False
    notifier.job_changed(_view(2, "failed", "bang"))
    assert seen.system == [(FAILED, "Job failed", "a fox: bang")] and len(seen.window) == 1
    assert [n.system for n in notifier.history] == [False, True]


def test_settings_in_and_out(notifier: Notifier) -> None:
    notifier.apply(Settings(notify_batch_finished=False, notify_sound=True, low_balance_below=750))
    assert not notifier.is_enabled(BATCH) and notifier.is_enabled(FAILED)
    assert notifier.sound and notifier.low_balance_below == 750
    snap = notifier.snapshot()
    assert snap[SETTING_FOR_KIND[BATCH]] is False and snap[SETTING_FOR_KIND[FAILED]] is True
    assert snap["low_balance_below"] == 750 and snap["notify_sound"] is True
    assert set(snap) <= {f for f in Settings.__dataclass_fields__}


def test_a_finished_video_says_its_video_is_ready(notifier: Notifier) -> None:
    seen = Seen(notifier)
    video = replace(_rec(7, "queued", "v"), kind="video")
    notifier.queue_changed([video])
    notifier.job_changed(_view(7, "done"))
    assert seen.system[-1][1:] == ("Video finished", "job 7: the video is ready")
