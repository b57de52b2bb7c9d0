"""How long past jobs took (``job_durations``): what :mod:`leodesk.core.polling` plans a poll
schedule from. One row per finished generation job, keyed by the job's kind (model, size,
modes; see :func:`leodesk.core.polling.job_keys`); only the newest rows of each kind are kept."""

from __future__ import annotations

import math
from typing import Final

from leodesk.core.library.db import Store

#: Rows kept per kind (the plan reads the newest 20).
KEEP_PER_KIND: Final = 50
_MAX_SECONDS: Final = 24 * 3600.0


class JobTimings(Store):
    def record_job_duration(self, key: str, model_key: str, seconds: float) -> None:
        """Remember that a job of kind ``key`` (model ``model_key``) took ``seconds``. Values
        that are not a plausible duration are ignored."""
        if not math.isfinite(seconds) or not 0 <= seconds <= _MAX_SECONDS:
            return
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO job_durations (key, model_key, seconds, recorded_ms) "
                "VALUES (?, ?, ?, ?)",
                (key, model_key, float(seconds), self._now_ms()),
            )
            conn.execute(
                """
                DELETE FROM job_durations WHERE key = ? AND id <= (
                    SELECT id FROM job_durations WHERE key = ? ORDER BY id DESC
                    LIMIT 1 OFFSET ?
                )
                """,
                (key, key, KEEP_PER_KIND),
            )

    def job_durations(self, key: str, model_key: str, limit: int = 20) -> dict[str, list[float]]:
        """The newest durations (seconds, newest first) of jobs of kind ``key`` ("key"), of
        any job of model ``model_key`` ("model") and of any job at all ("any")."""
        limit = max(0, int(limit))
        with self._reading() as conn:
            same = conn.execute(
                "SELECT seconds FROM job_durations WHERE key = ? ORDER BY id DESC LIMIT ?",
                (key, limit),
            ).fetchall()
            model = conn.execute(
                "SELECT seconds FROM job_durations WHERE model_key = ? ORDER BY id DESC LIMIT ?",
                (model_key, limit),
            ).fetchall()
            anything = conn.execute(
                "SELECT seconds FROM job_durations ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return {
            "key": [float(r[0]) for r in same],
            "model": [float(r[0]) for r in model],
            "any": [float(r[0]) for r in anything],
        }
