"""Stored jobs whose saved request cannot be read (a damaged library): at the next start each
ends as failed, saying so, whatever state it was left in, and nothing is sent for it."""

from __future__ import annotations

from typing import Any

from leodesk.core import paths
from leodesk.core.jobs import JobState
from leodesk.core.library import Library
from leodesk.core.variations import JOB_KIND
from tests.ui.conftest import open_app

SENT_AT = 1_700_000_000.0


def _store_unreadable_jobs() -> dict[str, int]:
    lib = Library.open(paths.resolve().ensure().library_db)
    try:
        ids = {
            "queued": lib.add_job("generation", "not json"),
            "pending": lib.add_job("generation", '{"no": "prompt"}'),
            "incomplete": lib.add_job("generation", "not json"),
            "variation": lib.add_job(JOB_KIND, "not json"),
        }
        lib.update_job(ids["pending"], state=JobState.SUBMITTING, submitted_at=SENT_AT)
        lib.update_job(ids["pending"], state=JobState.PENDING, generation_id="gone-1")
        lib.update_job(ids["incomplete"], state=JobState.SUBMITTING, submitted_at=SENT_AT)
        lib.update_job(ids["incomplete"], state=JobState.INCOMPLETE, generation_id="gone-2")
        lib.update_job(ids["variation"], state=JobState.SUBMITTING, submitted_at=SENT_AT)
        lib.update_job(ids["variation"], state=JobState.PENDING, generation_id="var-1")
    finally:
        lib.close()
    return ids


def _stored(ids: dict[str, int]) -> dict[str, tuple[JobState, str | None]]:
    with Library.open_readonly(paths.resolve().library_db) as lib:
        jobs = {name: lib.get_job(job_id) for name, job_id in ids.items()}
    return {name: (job.state, job.error) for name, job in jobs.items() if job is not None}


def test_unreadable_jobs_fail_at_start_and_nothing_is_sent(qtbot: Any, sim: Any) -> None:
    ids = _store_unreadable_jobs()
    window = open_app(qtbot, sim)
    try:
        failures: list[str] = []
        window.launcher.ctx.variations.failed.connect(failures.append)
        unreadable = "The saved request could not be read."
        expected = {
            "queued": (JobState.FAILED, unreadable),
            "pending": (JobState.FAILED, unreadable),
            "incomplete": (JobState.FAILED, unreadable),
            "variation": (JobState.FAILED, "The saved variation job could not be read."),
        }
        qtbot.waitUntil(lambda: _stored(ids) == expected, timeout=10000)
        qtbot.waitUntil(lambda: bool(failures), timeout=5000)
        assert failures == ["The saved variation job could not be read."]
        # nothing sent for them (the form's live price, a POST to the calculator, may run)
        sent = [r for r in sim.requests if r.method == "POST" and "pricing" not in r.path]
        assert sent == []
        assert sim.count("GET", "/generations/gone-*") == 0
    finally:
        window.launcher.shutdown()
