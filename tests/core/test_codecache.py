"""The dataclass code cache: classes made from it are the classes Python makes, the second start
compiles nothing, and a damaged, foreign or unwritable file costs nothing but the time."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Each run of this driver (a fresh interpreter: the cache changes the dataclasses module for
# the process) defines the same classes, uses them and prints what it saw as JSON.
# Options (environment): SHAPES_DIR imports the module "shapes" from there (a dataclass of its
# own module); BAG_EXTRA gives Bag one more field (the class changed, as by an upgrade);
# MARK_AFTER_POINT makes Point's texts the file's first part.
DRIVER = r"""
import json
import os
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


second_unread = []
if cache != "-":
    second_unread.append(codecache._cache.second is not None)
    if os.environ.get("MARK_AFTER_POINT"):
        codecache.mark_first_part()

if os.environ.get("BAG_EXTRA"):

    @dataclass
    class Bag:
        name: str
        items: list[int] = field(default_factory=list)
        hidden: int = field(default=7, repr=False, compare=False)
        extra: str = ""

else:

    @dataclass
    class Bag:
        name: str
        items: list[int] = field(default_factory=list)
        hidden: int = field(default=7, repr=False, compare=False)


if cache != "-":
    second_unread.append(codecache._cache.second is not None)
if os.environ.get("SHAPES_DIR"):
    sys.path.insert(0, os.environ["SHAPES_DIR"])
    import shapes

    assert shapes.Square(2) == shapes.Square(2)


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
    seen["second_unread"] = second_unread
    seen["saved"] = codecache.save()
print(json.dumps(seen))
"""


def _run(cache: Path | str, **options: str) -> dict[str, object]:
    r = subprocess.run(
        [sys.executable, "-c", DRIVER, str(cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO), **options},
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _without(seen: dict[str, object]) -> dict[str, object]:
    """What the classes did (without what the cache says of itself)."""
    return {k: v for k, v in seen.items() if k not in ("stats", "saved", "second_unread")}


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
    assert _without(first) == _without(plain) == _without(second)
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
        whole.replace(codecache.HEADER, b"leodesk dataclass code 3 cpython-99 other\n", 1),
        whole[: len(codecache.HEADER)] + b"\xff" * 8 + whole[len(codecache.HEADER) + 8 :],
    ):
        cache.write_bytes(damaged)
        seen = _run(cache)
        _hits, compiled = seen["stats"]  # type: ignore[misc]
        assert compiled > 0 and _without(seen) == plain
        assert seen["saved"] is True and cache.read_bytes().startswith(codecache.HEADER)
    assert _run(cache)["stats"] == [good["stats"][1], 0]  # type: ignore[index]


def test_a_cache_that_cannot_be_written_leaves_the_classes_as_they_are(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("where the cache folder would be", encoding="utf-8")
    seen = _run(blocker / "dataclass-code.bin")
    assert seen["saved"] is False
    assert _without(seen) == _without(_run("-"))
    assert blocker.read_text(encoding="utf-8") == "where the cache folder would be"


def _texts(cache: Path) -> int:
    """How many compiled texts the file holds (both parts)."""
    from leodesk.core import codecache

    data = cache.read_bytes()[len(codecache.HEADER) :]
    length = int.from_bytes(data[:8], "little")
    first, rest = marshal.loads(data[8 : 8 + length]), marshal.loads(data[8 + length :])
    return len(first) + len(rest)


def test_texts_of_a_changed_class_are_dropped_and_other_modules_kept(tmp_path: Path) -> None:
    """A class that changed (an upgrade) leaves no old texts behind, however many upgrades:
    its module was loaded and did not ask for them. A module this run did not load keeps its."""
    (tmp_path / "shapes.py").write_text(
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Square:\n    side: int\n",
        encoding="utf-8",
    )
    shapes = {"SHAPES_DIR": str(tmp_path)}
    cache = tmp_path / "dataclass-code.bin"
    assert _run(cache, **shapes)["saved"] is True
    whole = _texts(cache)
    changed = _run(cache, BAG_EXTRA="1")  # without shapes: only Bag's texts are new
    _hits, compiled = changed["stats"]  # type: ignore[misc]
    assert compiled > 0 and changed["saved"] is True
    assert _texts(cache) == whole  # Bag's old texts went, Square's stayed
    again = _run(cache, BAG_EXTRA="1", **shapes)
    assert again["stats"][1] == 0 and again["saved"] is False  # type: ignore[index]
    back = _run(cache)
    assert back["stats"][1] == compiled  # type: ignore[index]  # the old Bag: compiled again


def test_the_second_part_is_read_when_a_text_is_not_in_the_first(tmp_path: Path) -> None:
    cache = tmp_path / "dataclass-code.bin"
    _run(cache, MARK_AFTER_POINT="1")  # Point's texts first, Bag's second
    seen = _run(cache)
    assert seen["second_unread"] == [True, False]  # Point from the first part, Bag read it
    assert seen["stats"][1] == 0  # type: ignore[index]  # nothing compiled
    assert seen["saved"] is False and _texts(cache) > 0
