"""Synced-shape libraries for benchmarks: N generations written in the order a sync writes them.

A sync pages the account newest first, so the newest generation gets the smallest rowid (the
opposite of a library filled oldest first). Prompts follow a realistic vocabulary: a few hundred
real prompt words at the head of a Zipf-like frequency curve (s = 1.05) over ``VOCABULARY``
words, 12–70 words a prompt (median about 35, like real Leonardo prompts), a negative prompt on
a third of the generations, 1–4 images each (about 2.57 on average: 100k generations give about
257k images), models and sizes drawn with a skew (a few models take most jobs), alchemy and
PhotoReal flags set as the simulator sets them.

Rows go in through the project's own insert API (``Library.upsert_generations``), so the schema,
the full-text index and every other index are the real ones.

Use from another benchmark::

    from tests.bench.libgen import library
    path = library(100_000)          # cached in the temp folder's leodesk-bench-libs/, built once
    words = common_words(), RARE, ...

The file is keyed by N, the seed and :data:`VERSION`; bump VERSION when the shape changes.
Run ``python tests/bench/libgen.py 100000`` to build (or find) one and print its path.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

VERSION: Final = 1
VOCABULARY: Final = 6000
ZIPF_S: Final = 1.05
CACHE: Final = Path(
    os.environ.get("LEODESK_BENCH_LIBS") or Path(tempfile.gettempdir()) / "leodesk-bench-libs"
)
#: A word in about 0.1 % of prompts (a search for it is a "rare word" search).
RARE: Final = "zyxolith"
RARE_EVERY: Final = 997

# The head of the curve: words that real image prompts use most, roughly most common first.
HEAD: Final = """
a of the and in with on detailed lighting portrait by light style art highly cinematic
background at beautiful woman soft colors intricate realistic photo dark high hair eyes
shot sharp focus 8k dramatic for from face man fantasy digital illustration painting
girl concept an wearing black white golden hour volumetric fog ultra render trending
artstation octane unreal engine 4k epic vibrant colorful night city street sky sunset
moody atmosphere warm cold blue red green gold silver long short young old smiling
standing sitting looking camera close up wide angle full body depth field bokeh film
grain 35mm analog studio photography professional masterpiece best quality hyper
photorealistic natural skin texture pores reflection water rain snow forest mountain
ocean beach desert castle cyberpunk steampunk futuristic medieval ancient ruins temple
neon glow glowing magic fire smoke dust particles stars galaxy space planet moon clouds
flowers garden tree leaves autumn winter spring summer morning evening twilight mist
dreamy ethereal surreal whimsical cute adorable tiny small large giant huge dragon cat
dog fox wolf owl bird horse knight warrior princess queen king witch wizard robot
android armor sword helmet crown dress gown jacket hoodie leather lace silk velvet
symmetrical composition rule thirds centered minimalist isometric low poly 3d clay
watercolor oil ink sketch pencil charcoal pastel gouache acrylic anime manga comic
pixar disney ghibli vintage retro 1980s 1920s art nouveau deco baroque gothic
renaissance impressionist expressionist abstract geometric pattern ornate filigree
jewelry crystal glass metal wood stone marble brick concrete chrome copper brass bronze
interior exterior architecture room kitchen library bedroom cafe shop market alley
bridge river lake waterfall cave cliff valley field meadow village tower lighthouse
ship boat train car motorcycle airship spaceship station laboratory workshop
"""


def _vocabulary(n: int) -> list[str]:
    """``n`` distinct words: the head list, then made-up words of 2–4 syllables."""
    words = list(dict.fromkeys(HEAD.split()))
    rng = random.Random(1234)
    onsets = ["", "b", "br", "c", "ch", "d", "dr", "f", "g", "gl", "h", "k", "l", "m", "n", "p"]
    onsets += ["pr", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z"]
    vowels = ["a", "e", "i", "o", "u", "ae", "ia", "ou", "y"]
    codas = ["", "", "", "n", "r", "s", "l", "m", "nd"]
    seen = set(words)
    while len(words) < n:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.randint(2, 3))
        )
        if len(word) >= 4 and word not in seen and word != RARE:
            seen.add(word)
            words.append(word)
    return words[:n]


WORDS: Final = _vocabulary(VOCABULARY)
_CUM: Final = list(itertools.accumulate(1.0 / (rank**ZIPF_S) for rank in range(1, VOCABULARY + 1)))

#: Models with a skew: the first takes about a third of the jobs.
MODELS: Final = tuple(f"bench-model-{k:02d}" for k in range(16))
_MODEL_CUM: Final = list(itertools.accumulate(1.0 / (k + 1) ** 1.3 for k in range(len(MODELS))))
SIZES: Final = ((1024, 1024), (832, 1216), (1216, 832), (768, 768), (1472, 832), (512, 768))
_IMAGE_COUNTS: Final = (1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4)  # mean 2.55


def common_words(k: int = 5) -> list[str]:
    """The ``k`` most frequent words that are not stop words (searched as "common")."""
    stop = {"a", "of", "the", "and", "in", "with", "on", "by", "at", "for", "from", "an"}
    return [w for w in WORDS if w not in stop][:k]


def mid_word() -> str:
    """A word of middling frequency (rank ~300: in about 0.5 % of the prompts' words)."""
    return WORDS[300]


def prompt(rng: random.Random, n: int) -> str:
    length = max(12, min(70, int(rng.lognormvariate(3.55, 0.4))))
    draws = rng.random
    total = _CUM[-1]
    words = [WORDS[bisect.bisect_left(_CUM, draws() * total)] for _ in range(length)]
    if n % RARE_EVERY == 3:
        words.insert(rng.randrange(len(words)), RARE)
    # Real prompts are phrases separated by commas.
    out: list[str] = []
    for i, word in enumerate(words):
        out.append(word + ("," if i % 6 == 5 and i < len(words) - 1 else ""))
    return " ".join(out)


def generations(count: int, seed: int = 7, start: int = 0, end: int | None = None) -> list[object]:
    """Generations ``start..end`` of a ``count``-generation account, newest first (index 0 is
    the newest). Deterministic: the same arguments give the same generations."""
    from leodesk.core.api.models import GeneratedImage, Generation

    end = count if end is None else end
    newest = 1_796_000_000  # seconds; one generation every ~95 s going back
    out: list[object] = []
    for n in range(start, end):
        rng = random.Random(seed * 1_000_003 + n)
        model = MODELS[bisect.bisect_left(_MODEL_CUM, rng.random() * _MODEL_CUM[-1])]
        width, height = SIZES[min(len(SIZES) - 1, int(rng.expovariate(1.2)))]
        created = newest - n * 95 - rng.randint(0, 40)
        images = _IMAGE_COUNTS[rng.randrange(len(_IMAGE_COUNTS))]
        gid = f"{n:08x}-b3c1-4f2a-9d7e-{seed:04x}{count:08x}"
        out.append(
            Generation(
                id=gid,
                status="COMPLETE",
                prompt=prompt(rng, n),
                negative_prompt="blurry, lowres, bad anatomy, watermark" if n % 3 == 0 else None,
                model_id=model,
                image_width=width,
                image_height=height,
                seed=rng.randint(0, 4_294_967_295),
                created_at=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(created)),
                images=tuple(
                    GeneratedImage(
                        id=f"{n:08x}-{k:04x}-4a00-8000-{seed:04x}{count:08x}",
                        url=f"http://127.0.0.1:9/gen/{n}/{k}.jpg",
                    )
                    for k in range(images)
                ),
                photo_real=rng.random() < 0.15,
                extra={"alchemy": rng.random() < 0.4},
            )
        )
    return out


def path_for(count: int, seed: int = 7) -> Path:
    return CACHE / f"lib-v{VERSION}-s{seed}-n{count}.db"


def build(path: Path, count: int, seed: int = 7, page: int = 1000) -> float:
    """Write a ``count``-generation library at ``path`` in sync order; returns seconds taken."""
    from leodesk.core.library import Library

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    lib = Library.open(tmp)
    try:
        for first in range(0, count, page):
            gens = generations(count, seed, first, min(count, first + page))
            lib.upsert_generations(gens)  # type: ignore[arg-type]
    finally:
        lib.close()
    import sqlite3

    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # (no ANALYZE: the app never runs one)
    conn.close()
    os.replace(tmp, path)
    for stale in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    return time.perf_counter() - start


def library(count: int, seed: int = 7, *, copy_to: Path | None = None) -> Path:
    """The path of a ``count``-generation synced-shape library, built on first use and cached.
    With ``copy_to`` (a file path), a private copy there (for benchmarks that write to it)."""
    from leodesk.core.library import Library

    path = path_for(count, seed)
    if not path.exists():
        took = build(path, count, seed)
        print(f"libgen: built {path} in {took:.0f} s", file=sys.stderr)
    Library.open(path).close()  # a kept library is brought to the current schema
    if copy_to is None:
        return path
    copy_to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy_to)
    return copy_to


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(library(n))
