"""The job queue: stored jobs (the ``jobs`` table) in the order the queue panel shows and the
sender takes them, and the queue's paused flag (key ``queue.paused`` in ``sync_state``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from leodesk.core.jobs import TERMINAL_STATES, JobState
from leodesk.core.library.db import Store, _write_state
from leodesk.core.library.records import JobRecord

QUEUE_PAUSED_KEY: Final = "queue.paused"  # in sync_state: "1" while the user keeps it paused


def _job_state(value: str) -> JobState:
    try:
        return JobState(value)
    except ValueError:
        # Written by a newer version: the safest reading is "needs a look".
        return JobState.UNKNOWN


def _job_record(row: sqlite3.Row) -> JobRecord:
    submitted = row["submitted_ms"]
    return JobRecord(
        id=row["id"],
        kind=row["kind"],
        state=_job_state(row["state"]),
        generation_id=row["generation_id"],
        request_json=row["request_json"],
        submitted_at=None if submitted is None else submitted / 1000,
        error=row["error"],
        created_ms=row["created_ms"],
        updated_ms=row["updated_ms"],
        position=row["position"],
        group_label=row["group_label"],
    )


class JobQueue(Store):
    """The ``jobs`` table."""

    def add_job(
        self,
        kind: str,
        request_json: str | None,
        *,
        state: JobState | str = JobState.QUEUED,
        group_label: str | None = None,
    ) -> int:
        """Store a new job (at the end of the queue) and return its local id."""
        now = self._now_ms()
        with self._writing() as conn:
            cur = conn.execute(
                """
                INSERT INTO jobs (kind, state, request_json, created_ms, updated_ms, position,
                                  group_label)
                VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM jobs), ?)
                """,
                (kind, JobState(state).value, request_json, now, now, group_label),
            )
            job_id = cur.lastrowid
        assert job_id is not None
        return job_id

    def update_job(
        self,
        job_id: int,
        *,
        state: JobState | str | None = None,
        generation_id: str | None = None,
        error: str | None = None,
        submitted_at: float | datetime | None = None,
    ) -> None:
        """Change the given fields of a job (None = unchanged); KeyError if it does not exist.

        ``state`` is a :class:`JobState` or its value (ValueError otherwise); ``submitted_at`` is
        epoch seconds or an aware datetime.

        This is storage only: use :func:`leodesk.core.jobs.advance` to check the transition.
        """
        sets = ["updated_ms = ?"]
        args: list[Any] = [self._now_ms()]
        if state is not None:
            sets.append("state = ?")
            args.append(JobState(state).value)
        if generation_id is not None:
            sets.append("generation_id = ?")
            args.append(generation_id)
        if error is not None:
            sets.append("error = ?")
            args.append(error)
        if submitted_at is not None:
            if isinstance(submitted_at, datetime):
                if submitted_at.tzinfo is None:
                    raise ValueError("submitted_at must be timezone-aware")
                seconds = submitted_at.timestamp()
            else:
                seconds = float(submitted_at)
            sets.append("submitted_ms = ?")
            args.append(round(seconds * 1000))
        with self._writing() as conn:
            cur = conn.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", (*args, job_id))
            if cur.rowcount == 0:
                raise KeyError(job_id)

    def submitted_since(self, since: float) -> list[float]:
        """When jobs were sent (epoch seconds) at or after ``since``, oldest first: the rate
        limit counts them across restarts."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT submitted_ms FROM jobs WHERE submitted_ms >= ? ORDER BY submitted_ms",
                (round(since * 1000),),
            ).fetchall()
        return [int(r[0]) / 1000 for r in rows]

    def get_job(self, job_id: int) -> JobRecord | None:
        with self._reading() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job_record(row)

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs not yet DONE, FAILED or CANCELLED, oldest first (to resume after a restart)."""
        terminal = sorted(s.value for s in TERMINAL_STATES)
        marks = ",".join("?" * len(terminal))
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT * FROM jobs WHERE state NOT IN ({marks}) ORDER BY id", terminal
            ).fetchall()
        return [_job_record(r) for r in rows]

    # ---------------------------------------------------------------------------- the job queue
    # What the queue panel shows and the sender takes from: jobs not cleared, by ``position``.
    # A job is *claimed* (QUEUED -> SUBMITTING in one statement) before it is sent, so a cancel
    # and a send can never both win.

    def queue_jobs(self) -> list[JobRecord]:
        """Jobs shown in the queue panel (not cleared), in queue order."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM jobs WHERE cleared_ms IS NULL ORDER BY position, id"
            ).fetchall()
        return [_job_record(r) for r in rows]

    def claim_job(self, job_id: int) -> bool:
        """QUEUED -> SUBMITTING (nothing sent yet: ``submitted_at`` stays empty); False when the
        job is no longer queued (cancelled meanwhile)."""
        with self._writing() as conn:
            cur = conn.execute(
                "UPDATE jobs SET state = ?, updated_ms = ? WHERE id = ? AND state = ?",
                (JobState.SUBMITTING.value, self._now_ms(), job_id, JobState.QUEUED.value),
            )
            return cur.rowcount == 1

    def requeue_job(self, job_id: int, message: str | None = None) -> None:
        """Back to QUEUED after a submit the server refused without creating anything (429)."""
        with self._writing() as conn:
            conn.execute(
                """
                UPDATE jobs SET state = ?, submitted_ms = NULL, error = ?, updated_ms = ?
                WHERE id = ? AND generation_id IS NULL
                """,
                (JobState.QUEUED.value, message, self._now_ms(), job_id),
            )

    def claim_generation(self, job_id: int, generation_id: str) -> bool:
        """Record that ``job_id`` follows ``generation_id`` (found by reconciling a submit whose
        answer was lost), unless another job already follows it: then False, nothing changes.
        One statement, so two jobs reconciling at once can never take the same generation."""
        with self._writing() as conn:
            cur = conn.execute(
                """
                UPDATE jobs SET generation_id = ?, updated_ms = ?
                WHERE id = ? AND NOT EXISTS (
                    SELECT 1 FROM jobs WHERE generation_id = ? AND id != ?
                )
                """,
                (generation_id, self._now_ms(), job_id, generation_id, job_id),
            )
            return cur.rowcount == 1

    def queue_paused(self) -> bool:
        """Whether the user paused the queue (it stays paused across restarts)."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT value FROM sync_state WHERE key = ?", (QUEUE_PAUSED_KEY,)
            ).fetchone()
        return row is not None and row[0] == "1"

    def set_queue_paused(self, paused: bool) -> None:
        with self._writing() as conn:
            _write_state(conn, {QUEUE_PAUSED_KEY: "1" if paused else None})

    def cancel_queued_jobs(self, job_ids: Iterable[int] | None = None) -> list[int]:
        """Cancel the given jobs (all when None) that are still QUEUED; returns those cancelled."""
        with self._writing() as conn:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE state = ? AND cleared_ms IS NULL",
                (JobState.QUEUED.value,),
            ).fetchall()
            wanted = None if job_ids is None else set(job_ids)
            ids = [r[0] for r in rows if wanted is None or r[0] in wanted]
            now = self._now_ms()
            conn.executemany(
                "UPDATE jobs SET state = ?, error = ?, updated_ms = ? WHERE id = ? AND state = ?",
                [
                    (
                        JobState.CANCELLED.value,
                        "Cancelled before it was sent",
                        now,
                        i,
                        JobState.QUEUED.value,
                    )
                    for i in ids
                ],
            )
        return ids

    def move_jobs_to_front(self, job_ids: Sequence[int]) -> None:
        """Put ``job_ids`` (in this order) before every other job of the queue."""
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return
        with self._writing() as conn:
            low = conn.execute("SELECT COALESCE(MIN(position), 0) FROM jobs").fetchone()[0]
            conn.executemany(
                "UPDATE jobs SET position = ? WHERE id = ?",
                [(low - len(ids) + n, i) for n, i in enumerate(ids)],
            )

    def reorder_jobs(self, job_ids: Sequence[int]) -> None:
        """Give ``job_ids`` the places they hold between them, in the given order (a drag)."""
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        with self._writing() as conn:
            rows = conn.execute(
                f"SELECT id, position FROM jobs WHERE id IN ({marks})", ids
            ).fetchall()
            places = sorted(r[1] if r[1] is not None else r[0] for r in rows)
            known = {r[0] for r in rows}
            ordered = [i for i in ids if i in known]
            # Equal places (never expected) would lose the order: spread them out first.
            if len(set(places)) < len(places):
                places = [places[0] + n for n in range(len(places))]
            conn.executemany(
                "UPDATE jobs SET position = ? WHERE id = ?", list(zip(places, ordered, strict=True))
            )

    def clear_finished_jobs(self) -> int:
        """Hide DONE, FAILED and CANCELLED jobs from the queue panel; returns how many."""
        terminal = sorted(s.value for s in TERMINAL_STATES)
        marks = ",".join("?" * len(terminal))
        with self._writing() as conn:
            cur = conn.execute(
                f"UPDATE jobs SET cleared_ms = ? WHERE cleared_ms IS NULL AND state IN ({marks})",
                (self._now_ms(), *terminal),
            )
            return cur.rowcount
