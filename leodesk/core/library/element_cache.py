"""The element cache: the platform's and the user's own elements as last fetched, so the form
offers them at once (offline too) while a refresh runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final

from leodesk.core.elements import ElementChoice
from leodesk.core.library.db import Store

ELEMENT_KINDS: Final = frozenset({"platform", "own"})


class ElementCache(Store):
    """The ``element_cache`` table."""

    def save_elements(self, kind: str, elements: Sequence[ElementChoice]) -> None:
        """Replace the cached list of ``kind`` (``platform`` or ``own``)."""
        if kind not in ELEMENT_KINDS:
            raise ValueError(f"unknown element kind: {kind!r}")
        now = self._now_ms()
        with self._writing() as conn:
            conn.execute("DELETE FROM element_cache WHERE kind = ?", (kind,))
            conn.executemany(
                """
                INSERT INTO element_cache (kind, key, position, info_json, fetched_ms)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING
                """,
                [
                    (kind, e.key, pos, json.dumps(e.to_json(), sort_keys=True), now)
                    for pos, e in enumerate(elements)
                ],
            )

    def load_elements(self, kind: str) -> list[ElementChoice]:
        """The cached list of ``kind`` in the order it was saved (unreadable rows skipped)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT info_json FROM element_cache WHERE kind = ? ORDER BY position", (kind,)
            ).fetchall()
        out: list[ElementChoice] = []
        for row in rows:
            try:
                data = json.loads(row[0])
            except ValueError:
                continue
            choice = ElementChoice.from_json(data) if isinstance(data, Mapping) else None
            if choice is not None:
                out.append(choice)
        return out

    def forget_element(self, key: str) -> None:
        """Drop one cached element (the user deleted it)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM element_cache WHERE key = ?", (key,))

    def elements_fetched_ms(self, kind: str) -> int | None:
        """When the cached list of ``kind`` was saved (epoch ms), or None if never."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT MAX(fetched_ms) FROM element_cache WHERE kind = ?", (kind,)
            ).fetchone()
        return None if row[0] is None else int(row[0])
