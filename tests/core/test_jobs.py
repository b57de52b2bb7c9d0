"""The job state machine and the poll backoff."""

from __future__ import annotations

import itertools

import pytest

from leodesk.core.jobs import (
    TERMINAL_STATES,
    TRANSITIONS,
    InvalidTransition,
    Job,
    JobState,
    PollSchedule,
    advance,
    can_advance,
    is_terminal,
    state_after_restart,
)

S = JobState


def job(state: JobState = S.QUEUED, generation_id: str | None = None) -> Job:
    return Job(local_id=1, kind="generation", state=state, generation_id=generation_id)


def test_happy_path_to_done() -> None:
    j = job()
    j = advance(j, S.SUBMITTING, now_ms=10)
    j = advance(j, S.PENDING, generation_id="g1", message="waiting", now_ms=20)
    j = advance(j, S.PENDING, progress=0.5, now_ms=25)
    j = advance(j, S.DOWNLOADING, now_ms=30)
    j = advance(j, S.DONE, now_ms=40)
    assert j.state is S.DONE and j.is_terminal
    assert j.generation_id == "g1"
    assert j.message == "waiting"  # kept when not given
    assert j.progress == 1.0
    assert j.updated_ms == 40


def test_every_pair_follows_the_table() -> None:
    for current, new in itertools.product(S, S):
        allowed = new in TRANSITIONS[current] or (current == new and not is_terminal(current))
        assert can_advance(current, new) is allowed, (current, new)
        start = job(current, generation_id="g")
        if allowed:
            assert advance(start, new).state is new
        else:
            with pytest.raises(InvalidTransition):
                advance(start, new)


def test_table_covers_every_state_and_terminals_are_dead_ends() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {S.DONE, S.FAILED, S.CANCELLED} == TERMINAL_STATES
    for state in TERMINAL_STATES:
        assert TRANSITIONS[state] == frozenset()
        with pytest.raises(InvalidTransition):
            advance(job(state, "g"), state, message="again")


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.QUEUED, S.DONE),
        (S.QUEUED, S.PENDING),
        (S.SUBMITTING, S.CANCELLED),  # the request may already be charged
        (S.PENDING, S.SUBMITTING),
        (S.DONE, S.QUEUED),
        (S.FAILED, S.QUEUED),
    ],
)
def test_forbidden_moves(current: JobState, new: JobState) -> None:
    with pytest.raises(InvalidTransition, match=f"from {current.value} to {new.value}"):
        advance(job(current, "g"), new)


def test_pending_needs_a_generation_id() -> None:
    with pytest.raises(InvalidTransition, match="generation id is required"):
        advance(job(S.SUBMITTING), S.PENDING)
    assert advance(job(S.SUBMITTING), S.PENDING, generation_id="g").generation_id == "g"


def test_generation_id_never_changes() -> None:
    j = job(S.PENDING, "g1")
    with pytest.raises(InvalidTransition, match="cannot change"):
        advance(j, S.DOWNLOADING, generation_id="g2")
    assert advance(j, S.DOWNLOADING, generation_id="g1").generation_id == "g1"


def test_unknown_submit_is_reconciled() -> None:
    j = advance(job(S.SUBMITTING), S.UNKNOWN, message="connection lost")
    assert advance(j, S.PENDING, generation_id="found").state is S.PENDING
    assert advance(j, S.FAILED, message="never arrived").state is S.FAILED
    with pytest.raises(InvalidTransition):
        advance(j, S.SUBMITTING)  # resubmitting could charge twice


def test_progress_is_clamped_and_advance_is_pure() -> None:
    j = job(S.PENDING, "g")
    assert advance(j, S.PENDING, progress=7).progress == 1.0
    assert advance(j, S.PENDING, progress=-1).progress == 0.0
    assert j.progress is None  # the original is untouched


def test_state_after_restart() -> None:
    assert state_after_restart(S.SUBMITTING) is S.UNKNOWN
    for state in set(S) - {S.SUBMITTING}:
        assert state_after_restart(state) is state


def test_states_are_stable_strings() -> None:
    assert S.PENDING.value == "pending" and isinstance(S.PENDING, str)
    assert S("downloading") is S.DOWNLOADING
    assert f"{S.UNKNOWN}" == "unknown"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_poll_schedule_backs_off_to_the_cap() -> None:
    clock = FakeClock()
    schedule = PollSchedule(deadline=1000, clock=clock)
    delays = []
    for _ in range(8):
        d = schedule.next_delay()
        assert d is not None
        delays.append(d)
        clock.now += d
    assert delays[:5] == pytest.approx([1.5, 2.25, 3.375, 5.0625, 7.59375])
    assert delays[5:] == [10.0, 10.0, 10.0]
    assert schedule.polls == 8


def test_poll_schedule_stops_at_the_deadline() -> None:
    clock = FakeClock()
    schedule = PollSchedule(deadline=5.0, clock=clock)
    assert schedule.next_delay() == 1.5
    clock.now += 1.5
    assert schedule.next_delay() == 2.25
    clock.now += 2.25
    # 1.25 s left: the last wait is clipped so the final poll lands on the deadline.
    assert schedule.next_delay() == pytest.approx(1.25)
    clock.now += 1.25
    assert schedule.expired
    assert schedule.next_delay() is None
    assert schedule.remaining() == 0.0


def test_poll_schedule_reset_and_validation() -> None:
    clock = FakeClock()
    schedule = PollSchedule(deadline=100, clock=clock)
    schedule.next_delay()
    schedule.next_delay()
    schedule.reset()
    assert schedule.next_delay() == 1.5
    with pytest.raises(ValueError):
        PollSchedule(initial=0)
    with pytest.raises(ValueError):
        PollSchedule(initial=20, cap=10)
    with pytest.raises(ValueError):
        PollSchedule(deadline=0)
