"""Prompt history and form presets in the library.

``prompt_history`` keeps every prompt that was generated, once per distinct pair of prompt and
negative prompt (compared without the surrounding white space), with how many generations used
it and when it was first and last used. It is filled when a generation is stored
(:func:`note_prompt`, called by :mod:`~leodesk.core.library.generations` for the form's own
generations and for those sync brings in); ``prompt_uses`` remembers which generations were
counted, so storing a generation again (sync) never counts it twice. The history refers to no
generation or image: deleting images keeps their prompts. Forgetting an entry removes it; a new
generation with that prompt starts it again.

``presets`` holds named form states (the JSON of :meth:`leodesk.core.form.FormState.to_json`,
without the image slots). Names are unique without regard to case.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from leodesk.core.library.db import Store

__all__ = [
    "MAX_PRESET_NAME",
    "Preset",
    "PresetError",
    "PromptEntry",
    "PromptHistory",
    "clean_preset_name",
    "note_prompt",
]

MAX_PRESET_NAME: Final = 80
_BLANKS: Final = " \t\r\n"
#: Form-state keys a preset never keeps: the image slots and the drafts around the form.
_NOT_IN_PRESET: Final = frozenset({"images", "drafts", "draft_index"})


@dataclass(frozen=True)
class PromptEntry:
    """One remembered prompt: ``uses`` generations made with it, the last at ``last_ms``."""

    id: int
    prompt: str
    negative_prompt: str
    uses: int
    first_ms: int
    last_ms: int


@dataclass(frozen=True)
class Preset:
    """A named form state (see the module)."""

    name: str
    state: dict[str, Any]
    created_ms: int
    updated_ms: int


class PresetError(ValueError):
    """A preset name that cannot be used; ``str()`` says why, for the user."""


def note_prompt(conn: sqlite3.Connection, generation_id: str, *, now: int) -> None:
    """Count the stored generation ``generation_id`` in the prompt history (once per
    generation; nothing for an empty prompt)."""
    row = conn.execute(
        "SELECT prompt, negative_prompt, created_ms FROM generations WHERE id = ?",
        (generation_id,),
    ).fetchone()
    if row is None:
        return
    prompt = (row[0] or "").strip(_BLANKS)
    if not prompt:
        return
    counted = conn.execute(
        "INSERT OR IGNORE INTO prompt_uses (generation_id) VALUES (?)", (generation_id,)
    ).rowcount
    if not counted:
        return
    when = row[2] if isinstance(row[2], int) else now
    conn.execute(
        """
        INSERT INTO prompt_history (prompt, negative_prompt, uses, first_ms, last_ms)
        VALUES (?, ?, 1, ?, ?)
        ON CONFLICT (prompt, negative_prompt) DO UPDATE SET
            uses = uses + 1,
            first_ms = MIN(first_ms, excluded.first_ms),
            last_ms = MAX(last_ms, excluded.last_ms)
        """,
        (prompt, (row[1] or "").strip(_BLANKS), when, when),
    )


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean_preset_name(name: str) -> str:
    """``name`` without surrounding blanks; PresetError when it is empty or too long."""
    text = " ".join(name.split())
    if not text:
        raise PresetError("Give the preset a name")
    if len(text) > MAX_PRESET_NAME:
        raise PresetError(f"A preset name has at most {MAX_PRESET_NAME} characters")
    return text


class PromptHistory(Store):
    """The ``prompt_history``, ``prompt_uses`` and ``presets`` tables."""

    # -- prompts --------------------------------------------------------------------------------
    def prompt_history(self, query: str = "", *, limit: int = 500) -> list[PromptEntry]:
        """Remembered prompts, the most recently used first; ``query``: only those whose prompt
        or negative prompt holds every word of it (case-insensitive, plain text)."""
        where = []
        args: list[Any] = []
        for word in query.split()[:20]:
            where.append("(prompt LIKE ? ESCAPE '\\' OR negative_prompt LIKE ? ESCAPE '\\')")
            args += [_like(word), _like(word)]
        sql = "SELECT id, prompt, negative_prompt, uses, first_ms, last_ms FROM prompt_history"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY last_ms DESC, id DESC LIMIT ?"
        with self._reading() as conn:
            rows = conn.execute(sql, [*args, max(0, limit)]).fetchall()
        return [PromptEntry(*tuple(r)) for r in rows]

    def forget_prompt(self, entry_id: int) -> bool:
        """Remove one history entry; False when there was none."""
        with self._writing() as conn:
            gone = conn.execute("DELETE FROM prompt_history WHERE id = ?", (entry_id,)).rowcount
        return bool(gone)

    # -- presets --------------------------------------------------------------------------------
    def presets(self) -> list[Preset]:
        """Every preset, by name."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT name, state_json, created_ms, updated_ms FROM presets "
                "ORDER BY name COLLATE NOCASE"
            ).fetchall()
        out = []
        for name, text, created, updated in rows:
            try:
                state = json.loads(text)
            except ValueError:
                state = {}
            out.append(Preset(name, state if isinstance(state, dict) else {}, created, updated))
        return out

    def preset(self, name: str) -> Preset | None:
        return next((p for p in self.presets() if p.name.casefold() == name.casefold()), None)

    def save_preset(self, name: str, state: Mapping[str, Any]) -> str:
        """Store ``state`` as preset ``name`` (replacing one of that name); the name stored."""
        name = clean_preset_name(name)
        kept = {k: v for k, v in state.items() if k not in _NOT_IN_PRESET}
        text = json.dumps(kept, sort_keys=True)
        now = self._now_ms()
        with self._writing() as conn:
            conn.execute(
                """
                INSERT INTO presets (name, state_json, created_ms, updated_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET name = excluded.name,
                    state_json = excluded.state_json, updated_ms = excluded.updated_ms
                """,
                (name, text, now, now),
            )
        return name

    def rename_preset(self, old: str, new: str) -> str:
        """Rename preset ``old``; PresetError when ``new`` is unusable or taken, KeyError when
        there is no ``old``."""
        new = clean_preset_name(new)
        with self._writing() as conn:
            taken = conn.execute(
                "SELECT name FROM presets WHERE name = ? AND name != ? COLLATE NOCASE",
                (new, old),
            ).fetchone()
            if taken is not None:
                raise PresetError(f"There is already a preset named “{taken[0]}”")
            moved = conn.execute(
                "UPDATE presets SET name = ?, updated_ms = ? WHERE name = ?",
                (new, self._now_ms(), old),
            ).rowcount
        if not moved:
            raise KeyError(old)
        return new

    def delete_preset(self, name: str) -> bool:
        with self._writing() as conn:
            return bool(conn.execute("DELETE FROM presets WHERE name = ?", (name,)).rowcount)
