"""Search benchmark: the page the gallery asks for, on synced-shape libraries (bench/libgen.py).

Libraries of 100,000 and (``--million``) 1,000,000 generations, written in sync order (newest
first) through the library's own insert API, with a Zipf-like vocabulary of 6,000 words and
prompts of 12–70 words. Each query is timed as the gallery meets it, beside a floor from the same
run, interleaved (ours, floor, ours, floor...), median of ``--runs`` runs after a warm-up:

* ``page``: ``Library.image_page(0, 500, filter=...)``: the 500 records of the first page, in
  one read (the gallery's page of 500 with records);
* ``ids+records``: ``image_ids_page(0, 500)`` then ``image_records(ids)``: the same page in the
  two calls the gallery model makes today;
* ``ids``: ``image_ids_page`` alone;
* ``gallery``: what ``GalleryModel`` asks for today when a filter is applied and the first row
  paints: ``image_ids_page(0, 500)``, then ``image_records`` of the first row's batch (rows 0–59:
  ``GalleryModel.record`` reads rows ``row - 20 .. row + 59`` not yet in memory);
* floor: the bare index read that any answer needs: ``SELECT rowid FROM generations_fts WHERE
  generations_fts MATCH <the same FTS5 query> LIMIT 500`` for words, ``SELECT pk FROM
  generations WHERE model_id = ? LIMIT 500`` for a model, ``SELECT id FROM images LIMIT 500``
  for no filter.

Queries: a common word (in about half the prompts), a word of middling frequency, a rare word
(0.1 % of prompts), two words, one model (a fifth of the jobs), no filter.

Run: ``.venv/bin/python tests/bench/search.py [--million] [--runs 25]`` (libraries are built on
first use and kept in the temp folder's leodesk-bench-libs/, or LEODESK_BENCH_LIBS).
Writes artifacts/bench/search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench import libgen  # noqa: E402


def _queries() -> list[tuple[str, Any, str, tuple[Any, ...]]]:
    """(label, Filter, floor SQL, floor args)."""
    from leodesk.core.search import Filter, fts_query

    fts = "SELECT rowid FROM generations_fts WHERE generations_fts MATCH ? LIMIT 500"
    out: list[tuple[str, Any, str, tuple[Any, ...]]] = []
    for label, text in (
        ("common word", libgen.common_words()[0]),
        ("middling word", libgen.mid_word()),
        ("rare word", libgen.RARE),
        ("two words", "cinematic lighting"),
    ):
        out.append((label, Filter(text=text), fts, (fts_query(text, column="prompt"),)))
    model = libgen.MODELS[2]
    out.append(
        (
            "one model",
            Filter(model_ids=(model,)),
            "SELECT pk FROM generations WHERE model_id = ? LIMIT 500",
            (model,),
        )
    )
    out.append(("no filter", None, "SELECT id FROM images LIMIT 500", ()))
    return out


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


GALLERY_BATCH = 60  # GalleryModel.record: the records of rows row-20 .. row+59 at once


def _gallery(lib: Any, flt: Any) -> dict[str, Any]:
    ids = lib.image_ids_page(0, 500, filter=flt)
    return lib.image_records(ids[:GALLERY_BATCH])  # type: ignore[no-any-return]


def _one(
    lib: Any, raw: sqlite3.Connection, flt: Any, floor_sql: str, floor_args: tuple[Any, ...]
) -> tuple[float, float, float, float, float, list[str]]:
    """One run of each, interleaved: (page, floor, ids, ids+records, gallery) in ms, and the
    ids."""
    t_page, recs = _time(lambda: lib.image_page(0, 500, filter=flt))
    t_floor, _ = _time(lambda: raw.execute(floor_sql, floor_args).fetchall())
    t_ids, ids = _time(lambda: lib.image_ids_page(0, 500, filter=flt))
    t_two, found = _time(lambda: lib.image_records(lib.image_ids_page(0, 500, filter=flt)))
    t_gallery, first = _time(lambda: _gallery(lib, flt))
    if [r.id for r in recs] != ids or len(found) != len(ids):
        raise SystemExit("image_page and image_ids_page disagree")
    if len(first) != min(GALLERY_BATCH, len(ids)):
        raise SystemExit("the gallery's first records are missing")
    return t_page, t_floor, t_ids, t_two, t_gallery, ids


def measure(count: int, runs: int) -> dict[str, dict[str, float]]:
    from leodesk.core.library import Library

    db = libgen.library(count)
    lib = Library.open_readonly(db)
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    results: dict[str, dict[str, float]] = {}
    for label, flt, floor_sql, floor_args in _queries():
        page: list[float] = []
        two: list[float] = []
        ids_only: list[float] = []
        floor: list[float] = []
        gallery: list[float] = []
        rows = 0
        for n in range(runs + 3):
            t_page, t_floor, t_ids, t_two, t_gal, ids = _one(lib, raw, flt, floor_sql, floor_args)
            if n >= 3:  # warm-up runs are not counted
                page.append(t_page)
                floor.append(t_floor)
                ids_only.append(t_ids)
                two.append(t_two)
                gallery.append(t_gal)
            rows = len(ids)
        results[label] = {
            "rows": rows,
            "page_ms": statistics.median(page),
            "ids_records_ms": statistics.median(two),
            "ids_ms": statistics.median(ids_only),
            "gallery_ms": statistics.median(gallery),
            "floor_ms": statistics.median(floor),
        }
    lib.close()
    raw.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also the 1,000,000 library")
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    sizes = [100_000, 1_000_000] if args.million else [100_000]
    report: dict[str, Any] = {"load_average_at_start": os.getloadavg()[0]}
    for count in sizes:
        report[str(count)] = measure(count, args.runs)
        print(f"\n{count:,} generations (synced shape, libgen v{libgen.VERSION})")
        print(
            f"{'query':<14} {'rows':>5} {'page':>9} {'ids+rec':>9} {'ids':>9} {'gallery':>9} "
            f"{'floor':>9}"
        )
        for label, r in report[str(count)].items():
            print(
                f"{label:<14} {int(r['rows']):>5} {r['page_ms']:>7.2f}ms "
                f"{r['ids_records_ms']:>7.2f}ms {r['ids_ms']:>7.2f}ms {r['gallery_ms']:>7.2f}ms "
                f"{r['floor_ms']:>7.2f}ms"
            )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    out = REPO / "artifacts" / "bench" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
