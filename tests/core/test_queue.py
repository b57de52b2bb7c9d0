"""SendGate (slots, the rolling submit window, pauses) and the library's queue methods."""

from __future__ import annotations

from pathlib import Path

from leodesk.core.jobs import JobState
from leodesk.core.library import Library
from leodesk.core.queue import SendGate


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_limit_what_is_in_flight() -> None:
    gate = SendGate(slots=2, clock=Clock())
    assert gate.wait() == 0
    gate.sent(1)
    gate.sent(2)
    assert gate.wait() is None
    gate.ended(1)
    assert gate.wait() == 0
    gate.slots = 0  # never below one
    assert gate.slots == 1


def test_the_rolling_window_and_api_pause() -> None:
    clock = Clock()
    gate = SendGate(slots=10, per_window=3, window=60.0, clock=clock)
    for n in range(3):
        gate.sent(n)
        gate.ended(n)
        clock.now += 1
    assert gate.wait() == 57.0  # the first submit leaves the window at 160
    clock.now = 160.0
    assert gate.wait() == 0
    gate.pause_for(12)
    assert gate.wait() == 12
    assert gate.api_pause_left() == 12
    gate.paused = True
    assert gate.wait() is None
    gate.pause_for(None)  # a 429 without Retry-After
    assert gate.api_pause_left() == 12
    gate.adopt(99)
    assert 99 in gate.in_flight


def test_queue_order_claims_and_cancels(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.db")
    ids = [lib.add_job("generation", f'{{"prompt": "p{n}"}}', group_label="g") for n in range(4)]
    assert [r.id for r in lib.queue_jobs()] == ids
    lib.move_jobs_to_front([ids[2]])
    assert [r.id for r in lib.queue_jobs()] == [ids[2], ids[0], ids[1], ids[3]]
    lib.reorder_jobs([ids[2], ids[3], ids[0], ids[1]])
    assert [r.id for r in lib.queue_jobs()] == [ids[2], ids[3], ids[0], ids[1]]
    assert lib.cancel_queued_jobs([ids[0]]) == [ids[0]]
    assert not lib.claim_job(ids[0])  # cancelled: never sent
    assert lib.claim_job(ids[1])
    assert not lib.claim_job(ids[1])  # claimed once
    assert lib.get_job(ids[1]).state == JobState.SUBMITTING  # type: ignore[union-attr]
    lib.update_job(ids[1], submitted_at=123.0)
    lib.requeue_job(ids[1], "Paused by the API")
    back = lib.get_job(ids[1])
    assert back is not None and back.state == JobState.QUEUED and back.submitted_at is None
    assert sorted(lib.cancel_queued_jobs()) == sorted([ids[1], ids[2], ids[3]])
    assert lib.clear_finished_jobs() == 4
    assert lib.queue_jobs() == []
    assert lib.get_job(ids[0]).group_label == "g"  # type: ignore[union-attr]
    lib.close()


def test_the_previous_run_s_submits_count_against_the_rate(tmp_path: Path) -> None:
    """The library keeps when each job was sent; a restarted app counts the last minute's
    submits, so stopping and starting again never exceeds the API's rate."""
    import time

    lib = Library.open(tmp_path / "lib.db")
    try:
        now = time.time()
        for age in (70.0, 50.0, 30.0, 10.0):  # the first is out of the window
            job = lib.add_job("generation", "{}")
            lib.update_job(job, state=JobState.PENDING, submitted_at=now - age)
        sent = lib.submitted_since(now - 60.0)
    finally:
        lib.close()
    assert [round(now - t) for t in sent] == [50, 30, 10]

    clock = Clock()
    gate = SendGate(slots=10, per_window=3, window=60.0, clock=clock)
    gate.sent_earlier([now - t for t in sent])
    assert round(gate.wait() or 0, 2) == 10.0  # the oldest (50 s ago) leaves in 10 s
    clock.now += 10.01
    assert gate.wait() == 0
