"""The prompt history and the presets in a real library file: counted once per generation,
newest first, searchable, kept when the images go, and presets that survive reopening."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import MIGRATIONS, SCHEMA_VERSION, Library, PresetError


def gen(prompt: str, negative: str = "", when: str = "2026-01-02T10:00:00.000Z") -> Generation:
    return Generation(
        id=str(uuid.uuid4()),
        status="COMPLETE",
        prompt=prompt,
        negative_prompt=negative,
        created_at=when,
        images=(GeneratedImage(id=str(uuid.uuid4()), url="https://cdn.example/x.jpg"),),
    )


def test_prompts_are_deduplicated_counted_once_and_newest_first(lib: Library) -> None:
    a1 = gen("a red fox", when="2026-01-01T10:00:00.000Z")
    lib.upsert_generation(a1)
    lib.upsert_generation(gen("  a red fox \n", when="2026-01-03T10:00:00.000Z"))
    lib.upsert_generation(gen("a blue bird", "blurry", when="2026-01-02T10:00:00.000Z"))
    lib.upsert_generation(gen("a red fox", "blurry", when="2026-01-01T09:00:00.000Z"))
    lib.upsert_generations([a1, a1])  # sync sees it again: not counted again
    lib.upsert_generation(gen("   "))  # nothing to remember
    entries = lib.prompt_history()
    assert [(e.prompt, e.negative_prompt, e.uses) for e in entries] == [
        ("a red fox", "", 2),
        ("a blue bird", "blurry", 1),
        ("a red fox", "blurry", 1),
    ]
    assert entries[0].last_ms > entries[0].first_ms


def test_search_matches_every_word_as_plain_text(lib: Library) -> None:
    for p in ("a red fox in snow", "a red car", "100% cotton_shirt"):
        lib.upsert_generation(gen(p, "ugly" if "car" in p else ""))
    assert [e.prompt for e in lib.prompt_history("RED snow")] == ["a red fox in snow"]
    assert [e.prompt for e in lib.prompt_history("ugly")] == ["a red car"]
    assert [e.prompt for e in lib.prompt_history("100%")] == ["100% cotton_shirt"]
    assert lib.prompt_history("%") == [e for e in lib.prompt_history() if "%" in e.prompt]
    assert lib.prompt_history("fox_in") == []  # "_" is a character, not a wildcard
    assert [e.prompt for e in lib.prompt_history("n_s")] == ["100% cotton_shirt"]


def test_history_is_kept_when_the_images_are_deleted_and_forgetting_removes_one(
    lib: Library,
) -> None:
    g = gen("a lighthouse at dusk")
    lib.upsert_generation(g)
    image_ids = [i.id for i in g.images if i.id]
    lib.mark_deleted_local(image_ids)
    lib.purge_deleted()
    assert lib.get_generation(g.id or "") is None  # the generation went with its images
    entry = lib.prompt_history()[0]
    assert entry.prompt == "a lighthouse at dusk"
    assert lib.forget_prompt(entry.id) is True
    assert lib.forget_prompt(entry.id) is False
    assert lib.prompt_history() == []


def test_the_migration_starts_the_history_from_stored_generations(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:-1]:
        step(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    assert MIGRATIONS[-1].__name__ == "_migrate_history"
    lib = Library.open(path)
    try:
        lib.upsert_generation(gen("x"))  # works on the migrated file
    finally:
        lib.close()
    # With rows stored before the migration:
    old = tmp_path / "older.sqlite3"
    lib = Library.open(old)
    gens = [gen("a cat"), gen(" a cat "), gen("a dog", "dark")]
    try:
        for g in gens:
            lib.upsert_generation(g)
        with lib._writing() as c:  # back to the previous schema, rows kept
            c.execute("DROP TABLE prompt_history")
            c.execute("DROP TABLE prompt_uses")
            c.execute("DROP TABLE presets")
            c.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    finally:
        lib.close()
    lib = Library.open(old)
    try:
        got = {(e.prompt, e.negative_prompt, e.uses) for e in lib.prompt_history()}
        assert got == {("a cat", "", 2), ("a dog", "dark", 1)}
        lib.upsert_generation(gens[0])  # already counted by the migration
        assert {e.uses for e in lib.prompt_history() if e.prompt == "a cat"} == {2}
    finally:
        lib.close()


def test_presets_save_rename_delete_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    lib = Library.open(path)
    try:
        state = {"prompt": "p", "num_images": 3, "images": [{"slot": "x"}], "drafts": []}
        assert lib.save_preset("  Portrait   square ", state) == "Portrait square"
        lib.save_preset("Wide", {"width": 1536})
        with pytest.raises(PresetError, match="already a preset"):
            lib.rename_preset("Wide", "portrait SQUARE")
        with pytest.raises(PresetError, match="name"):
            lib.save_preset("   ", state)
        with pytest.raises(KeyError):
            lib.rename_preset("Nope", "Other")
        assert lib.rename_preset("Wide", "Landscape") == "Landscape"
        lib.save_preset("portrait square", {"num_images": 4})  # replaces, case aside
    finally:
        lib.close()
    lib = Library.open(path)
    try:
        presets = lib.presets()
        assert [p.name for p in presets] == ["Landscape", "portrait square"]
        assert presets[1].state == {"num_images": 4}
        assert presets[0].state == {"width": 1536}
        assert lib.delete_preset("Landscape") and not lib.delete_preset("Landscape")
        assert [p.name for p in lib.presets()] == ["portrait square"]
    finally:
        lib.close()


def test_a_preset_keeps_no_images_or_drafts(lib: Library) -> None:
    lib.save_preset("A", {"prompt": "p", "images": [1], "drafts": [2], "draft_index": 0})
    preset = lib.preset("a")
    assert preset is not None and preset.state == {"prompt": "p"}
