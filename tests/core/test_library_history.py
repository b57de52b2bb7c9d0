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
    # A library at the version just before _migrate_history (wherever it stands in the list),
    # holding generations.
    step = next(n for n, m in enumerate(MIGRATIONS) if m.__name__ == "_migrate_history")
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:step]:
        migration(conn)
    rows = [("g1", " a cat ", "", 1000), ("g2", "a cat", "", 3000), ("g3", "a dog", "dark", 2000)]
    rows.append(("g4", "  ", "", 4000))
    conn.executemany(
        "INSERT INTO generations (id, prompt, negative_prompt, created_ms, added_ms, updated_ms)"
        " VALUES (?, ?, ?, ?, 0, 0)",
        rows,
    )
    conn.execute(f"PRAGMA user_version = {step}")
    conn.commit()
    conn.close()
    assert step < SCHEMA_VERSION
    with Library.open(path) as lib:
        got = [
            (e.prompt, e.negative_prompt, e.uses, e.first_ms, e.last_ms)
            for e in lib.prompt_history()
        ]
        assert got == [("a cat", "", 2, 1000, 3000), ("a dog", "dark", 1, 2000, 2000)]
        # already counted: storing g2 again (as sync would) adds nothing
        lib.upsert_generation(Generation(id="g2", prompt="a cat", status="COMPLETE"))
        assert [e.uses for e in lib.prompt_history()] == [2, 1]
        lib.upsert_generation(gen("a cat"))
        assert [e.uses for e in lib.prompt_history("cat")] == [3]


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
