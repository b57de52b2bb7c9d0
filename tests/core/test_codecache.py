"""The dataclass code cache: classes made from it are the classes Python makes, the second start
compiles nothing, and a damaged, foreign or unwritable file costs nothing but the time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Each run of this driver (a fresh interpreter: the cache changes the dataclasses module for
# the process) defines the same classes, uses them and prints what it saw as JSON.
DRIVER = r"""
import json
import sys
from pathlib import Path

cache = sys.argv[1]
if cache != "-":
    from leodesk.core import codecache

    codecache.install(Path(cache))

from dataclasses import FrozenInstanceError, dataclass, field


@dataclass(frozen=True, order=True)
class Point:
    x: int
    y: int = 2
    tags: tuple[str, ...] = ()


@dataclass
class Bag:
    name: str
    items: list[int] = field(default_factory=list)
    hidden: int = field(default=7, repr=False, compare=False)


p, q = Point(1), Point(1, 3, ("a",))
b = Bag("b")
b.items.append(4)
try:
    p.x = 5
    frozen = "no"
except FrozenInstanceError as exc:
    frozen = type(exc).__name__
seen = {
    "repr": [repr(p), repr(q), repr(b)],
    "eq": [p == Point(1), p == q, b == Bag("b", [4], hidden=1)],
    "order": [p < q, sorted([q, p]) == [p, q]],
    "hash": hash(p) == hash(Point(1, 2, ())),
    "frozen": frozen,
    "defaults": [Bag("c").items, Bag("c").hidden, Bag("c").items is not Bag("d").items],
    "init_error": "",
}
try:
    Point()
except TypeError as exc:
    seen["init_error"] = str(exc)
if cache != "-":
    seen["stats"] = list(codecache.stats())
    seen["saved"] = codecache.save()
print(json.dumps(seen))
"""


def _run(cache: Path | str) -> dict[str, object]:
    r = subprocess.run(
        [sys.executable, "-c", DRIVER, str(cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _without(seen: dict[str, object], *keys: str) -> dict[str, object]:
    return {k: v for k, v in seen.items() if k not in keys}


def test_the_second_start_compiles_nothing_and_its_classes_are_pythons(tmp_path: Path) -> None:
    plain = _run("-")
    cache = tmp_path / "cache" / "dataclass-code.bin"  # its folder is made when saved
    first = _run(cache)
    _hits, compiled = first["stats"]  # type: ignore[misc]
    assert compiled > 0 and first["saved"] is True and cache.is_file()
    second = _run(cache)
    hits, compiled = second["stats"]  # type: ignore[misc]
    assert compiled == 0 and hits > 0
    assert second["saved"] is False  # nothing new: the file is not written again
    assert (
        _without(first, "stats", "saved") == _without(plain) == _without(second, "stats", "saved")
    )
    assert plain["frozen"] == "FrozenInstanceError" and plain["eq"] == [True, False, True]


def test_a_damaged_or_foreign_cache_is_ignored_and_replaced(tmp_path: Path) -> None:
    from leodesk.core import codecache

    cache = tmp_path / "dataclass-code.bin"
    plain = _without(_run("-"))
    good = _run(cache)
    whole = cache.read_bytes()
    assert whole.startswith(codecache.HEADER)
    for damaged in (
        b"",
        b"not a cache at all",
        whole[: len(whole) // 2],  # cut off while written
        whole.replace(codecache.HEADER, b"leodesk dataclass code 1 cpython-99 other\n", 1),
    ):
        cache.write_bytes(damaged)
        seen = _run(cache)
        _hits, compiled = seen["stats"]  # type: ignore[misc]
        assert compiled > 0 and _without(seen, "stats", "saved") == plain
        assert seen["saved"] is True and cache.read_bytes().startswith(codecache.HEADER)
    assert _run(cache)["stats"] == [good["stats"][1], 0]  # type: ignore[index]


def test_a_cache_that_cannot_be_written_leaves_the_classes_as_they_are(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("where the cache folder would be", encoding="utf-8")
    seen = _run(blocker / "dataclass-code.bin")
    assert seen["saved"] is False
    assert _without(seen, "stats", "saved") == _without(_run("-"))
    assert blocker.read_text(encoding="utf-8") == "where the cache folder would be"
