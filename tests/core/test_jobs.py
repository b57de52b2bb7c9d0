"""The job state machine."""

from __future__ import annotations

import itertools

import pytest

from leodesk.core.jobs import (
    TERMINAL_STATES,
    TRANSITIONS,
    InvalidTransition,
    Job,
    JobState,
    advance,
    can_advance,
    is_terminal,
)
from leodesk.core.library import Library
from leodesk.core.pipeline import LibraryRecord

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


def test_states_are_stable_strings() -> None:
    assert S.PENDING.value == "pending" and isinstance(S.PENDING, str)
    assert S("downloading") is S.DOWNLOADING
    assert f"{S.UNKNOWN}" == "unknown"


def test_the_pipelines_store_only_moves_the_table_allows(lib: Library) -> None:
    record = LibraryRecord(lib)
    job_id = lib.add_job("generation", "{}")
    record.job_submitting(job_id, 1_700_000_000.0)
    record.job_accepted(job_id, "g1")
    with pytest.raises(InvalidTransition, match="from pending to submitting"):
        record.job_submitting(job_id, 1_700_000_001.0)  # sent twice: could charge twice
    with pytest.raises(InvalidTransition, match="cannot change"):
        record.job_accepted(job_id, "g2")
    record.job_ended(job_id, S.INCOMPLETE.value, "1 of 2 images missing")
    record.job_accepted(job_id, "g1")  # Download again polls the generation first
    record.job_ended(job_id, S.DONE.value, "2 image(s)")
    with pytest.raises(InvalidTransition, match="from done to failed"):
        record.job_ended(job_id, S.FAILED.value, "late")
    stored = lib.get_job(job_id)
    assert stored is not None
    assert (stored.state, stored.generation_id, stored.error) == (S.DONE, "g1", "2 image(s)")
    with pytest.raises(KeyError):
        record.job_checking(job_id + 1)


def test_a_job_never_sent_can_fail_but_not_be_done(lib: Library) -> None:
    record = LibraryRecord(lib)
    job_id = lib.add_job("generation", "{}")
    with pytest.raises(InvalidTransition, match="from queued to done"):
        record.job_ended(job_id, S.DONE.value, "nothing was made")
    record.job_ended(job_id, S.FAILED.value, "The saved request could not be read.")
    stored = lib.get_job(job_id)
    assert stored is not None and stored.state is S.FAILED
