"""Real library files damaged on purpose, for the tests of a damaged library."""

from __future__ import annotations

import random
from pathlib import Path

from leodesk.core.api.models import GeneratedImage, Generation
from leodesk.core.library import Library

PAGE = 4096
GENERATIONS = 4000


def make_library(path: Path, generations: int = GENERATIONS) -> None:
    """A library of ``generations`` generations (2 images each), checkpointed into one file."""
    rng = random.Random(5)
    with Library.open(path) as lib:
        batch = []
        for n in range(generations):
            batch.append(
                Generation(
                    id=f"gen-{n:06d}",
                    status="COMPLETE",
                    prompt=f"prompt {n} " + " ".join(rng.choice("abcdefgh") * 5 for _ in range(12)),
                    model_id="model-1",
                    image_width=512,
                    image_height=512,
                    created_at=f"2025-01-{1 + n % 28:02d}T{n % 24:02d}:00:00",
                    images=tuple(
                        GeneratedImage(id=f"img-{n:06d}-{k}", url=f"http://127.0.0.1:9/{n}/{k}.jpg")
                        for k in range(2)
                    ),
                )
            )
        lib.upsert_generations(batch)
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def destroy_header(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.write(b"\xde\xad" * 50)


def damage_middle(path: Path, pages: int = 6) -> None:
    """Overwrite a few pages in the middle of the file (the big tables live there)."""
    size = path.stat().st_size
    first = (size // PAGE) // 2
    rng = random.Random(9)
    with open(path, "r+b") as fh:
        for n in range(pages):
            fh.seek((first + 3 * n) * PAGE)
            fh.write(bytes(rng.randrange(256) for _ in range(PAGE)))
