"""The yes/no columns, the rating, the kind, the download state and the pick reach a record
packed into one number: every reader (the records by id, a page of records, a generation's
images) gives the values the columns hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from leodesk.core.api.models import GeneratedImage, Generation, Variation
from leodesk.core.library import ImageRecord, Library
from leodesk.core.search import Filter


def _gen(n: int) -> Generation:
    return Generation(
        id=f"g{n}",
        status="COMPLETE",
        prompt=f"flag test {n}",
        created_at=f"2025-02-{n + 1:02d}T10:00:00.000Z",
        images=tuple(
            GeneratedImage(
                id=f"g{n}-{k}",
                url=f"https://cdn/{n}/{k}.jpg",
                nsfw=(n + k) % 2 == 0,
                variations=(
                    (Variation(id=f"g{n}-{k}-up", status="COMPLETE", url="https://u"),)
                    if k == 1
                    else ()
                ),
            )
            for k in range(3)
        ),
    )


def _raw(lib: Library) -> dict[str, dict[str, object]]:
    """What the columns hold, read by name."""
    with lib._reading() as conn:
        rows = conn.execute(
            """
            SELECT i.id, i.nsfw, i.favourite, i.rating, i.deleted_local_ms, g.deleted_remote,
                   g.local,
                   EXISTS (SELECT 1 FROM images c WHERE c.parent_image_id = i.id) AS kids
            FROM images i JOIN generations g ON g.id = i.generation_id
            """
        ).fetchall()
    return {
        r["id"]: {
            "nsfw": bool(r["nsfw"]),
            "favourite": bool(r["favourite"]),
            "rating": r["rating"],
            "deleted_local": r["deleted_local_ms"] is not None,
            "deleted_remote": bool(r["deleted_remote"]),
            "local": bool(r["local"]),
            "has_children": bool(r["kids"]),
        }
        for r in rows
    }


def _flags(record: ImageRecord) -> dict[str, object]:
    return {
        "nsfw": record.nsfw,
        "favourite": record.favourite,
        "rating": record.rating,
        "deleted_local": record.deleted_local,
        "deleted_remote": record.deleted_remote,
        "local": record.local,
        "has_children": record.has_children,
    }


def test_every_flag_and_rating_as_the_columns_hold_them(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "library.sqlite3")
    try:
        for n in range(6):
            lib.upsert_generation(_gen(n))
        ids = sorted(_raw(lib))
        lib.set_favourite(ids[::2], True)
        for rating in range(6):
            lib.set_rating(ids[rating::6], rating)
        lib.mark_deleted_local(ids[1::5])
        lib.set_deleted_remote("g2")
        with lib._writing() as conn:  # (as a generation kept on this machine only is stored)
            conn.execute("UPDATE generations SET local = 1 WHERE id IN ('g3', 'g4')")
        raw = _raw(lib)
        # Every bit is both on and off somewhere, with every rating.
        for name in (
            "nsfw",
            "favourite",
            "deleted_local",
            "deleted_remote",
            "local",
            "has_children",
        ):
            assert {v[name] for v in raw.values()} == {True, False}, name
        assert {v["rating"] for v in raw.values()} == set(range(6))

        by_id = lib.image_records(ids)
        assert {i: _flags(r) for i, r in by_id.items()} == raw
        for n in range(6):
            rec = lib.get_generation(f"g{n}")
            assert rec is not None
            for image in rec.images:
                assert _flags(image) == raw[image.id]
        for flt in (Filter(text="flag"), Filter(include_deleted_remote=True), None):
            for page in (lib.image_page(0, 100, filter=flt),):
                assert page and all(_flags(r) == raw[r.id] for r in page)
    finally:
        lib.close()


def test_kind_download_state_and_pick_as_the_columns_hold_them(tmp_path: Path) -> None:
    """Packed into ``flags`` by code too: every value of each reaches every reader."""
    lib = Library.open(tmp_path / "library.sqlite3")
    try:
        for n in range(3):
            lib.upsert_generation(_gen(n))
        ids = sorted(_raw(lib))
        with lib._writing() as conn:  # a motion, as add_motion_variation stores one
            conn.execute("UPDATE images SET kind = 'motion' WHERE id = ?", (ids[0],))
        lib.set_image_file(ids[1], "ab" * 32, "png")
        for _ in range(3):
            lib.mark_image_failed(ids[2])
        lib.set_pick(ids[3::3], "picked")
        lib.set_pick(ids[4::3], "rejected")
        with lib._reading() as conn:
            raw = {
                r["id"]: (r["kind"], r["download_state"], r["pick"])
                for r in conn.execute("SELECT id, kind, download_state, pick FROM images")
            }
        assert {v[0] for v in raw.values()} == {"image", "variation", "motion"}
        assert {v[1] for v in raw.values()} == {"pending", "done", "failed"}
        assert {v[2] for v in raw.values()} == {None, "picked", "rejected"}

        def seen(r: ImageRecord) -> tuple[str, str, str | None]:
            return (r.kind.value, r.download_state.value, None if r.pick is None else r.pick.value)

        assert {i: seen(r) for i, r in lib.image_records(ids).items()} == raw
        for n in range(3):
            rec = lib.get_generation(f"g{n}")
            assert rec is not None
            assert all(seen(image) == raw[image.id] for image in rec.images)
        page = lib.image_page(0, 100, filter=Filter(text="flag"))
        assert len(page) == len(raw) and all(seen(r) == raw[r.id] for r in page)
    finally:
        lib.close()


def test_a_code_the_schema_refuses_is_an_error_not_a_wrong_record() -> None:
    from leodesk.core.library.records import _IMAGE_WIDTH, _image_record

    row: list[object] = [None] * _IMAGE_WIDTH
    row[:3] = ["i1", "g1", 0]
    for shift, column in ((12, "kind"), (14, "download_state"), (16, "pick")):
        row[-1] = 3 << shift
        with pytest.raises(ValueError, match=column):
            _image_record(row)
    row[-1] = (1 << 12) | (2 << 14) | (1 << 16)
    record = _image_record(row)
    assert (record.kind, record.download_state, record.pick) == ("variation", "failed", "picked")
