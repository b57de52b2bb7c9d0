"""Counts of what the library holds, for diagnostics (About, Copy diagnostics)."""

from __future__ import annotations

from typing import Final

from leodesk.core.library.db import Store

# Table → what a person calls it. Only tables every schema version since the first one has, or
# added by a migration that has run (the reader is at the current version).
COUNTED: Final = (
    ("generations", "generations"),
    ("images", "images"),
    ("collections", "collections"),
    ("videos", "videos"),
    ("datasets", "datasets"),
    ("jobs", "queued jobs"),
)


class Stats(Store):
    def table_counts(self) -> dict[str, int]:
        """Rows per counted table (a table this library lacks is left out)."""
        out: dict[str, int] = {}
        with self._reading() as conn:
            present = {
                str(row[0])
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            for table, label in COUNTED:
                if table in present:
                    out[label] = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        return out
