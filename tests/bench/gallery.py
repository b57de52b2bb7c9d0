"""Gallery benchmark: a synthetic library of 100,000 generations (``--million``: 1,000,000).

Each phase runs in its own process (so one phase's memory does not count in another's) and is
printed next to a floor measured in the same run:

* first paint and scrolling: leodesk's gallery (ids-only model, keyset pages, thumbnail delegate)
  vs a bare QListView over a plain list model holding every row up front;
* search, first page: ``Library.image_ids_page`` for a common term, a rare term and no match vs
  a raw FTS5 ``MATCH ... ORDER BY rowid DESC LIMIT`` on the same database;
* sync of 2,000 generations from the simulator, with the gallery connected as in the app: the
  longest gap of a 5 ms heartbeat timer on the GUI thread;
* peak RSS of the gallery process (after scrolling the whole library).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/gallery.py [--million] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

SUBJECTS = (
    "portrait of a knight",
    "lighthouse on a cliff",
    "cyberpunk street",
    "forest spirit",
    "ancient library",
    "desert caravan",
    "underwater city",
    "mountain monastery",
    "robot gardener",
    "fox in the snow",
    "steampunk airship",
    "neon koi pond",
)
STYLES = (
    "cinematic lighting",
    "oil painting",
    "watercolor",
    "volumetric fog",
    "golden hour",
    "highly detailed",
    "concept art",
    "35mm film",
    "isometric",
    "studio photo",
    "dramatic shadows",
    "soft pastel palette",
    "ultra wide angle",
    "bokeh",
)
RARE = "zyxolith"  # appears in 0.2 % of prompts


def _prompt(rng: random.Random, n: int) -> str:
    words = [rng.choice(SUBJECTS), *rng.sample(STYLES, k=rng.randint(2, 6))]
    if n % 500 == 7:
        words.append(RARE)
    return ", ".join(words)


# ------------------------------------------------------------------------------------- build
def build(home: Path, generations: int, sample: int) -> dict[str, float]:
    from PIL import Image

    from leodesk.core import paths
    from leodesk.core.api.models import GeneratedImage, Generation
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library

    os.environ["LEODESK_HOME"] = str(home)
    p = paths.resolve().ensure()
    lib = Library.open(p.library_db)
    rng = random.Random(42)
    start = time.perf_counter()
    t0 = 1_764_000_000  # seconds; generations are ~3 minutes apart, newest last
    batch: list[Generation] = []
    images = 0
    for n in range(generations):
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + n * 180))
        count = 1 + n % 4
        images += count
        batch.append(
            Generation(
                id=f"gen-{n:07d}",
                status="COMPLETE",
                prompt=_prompt(rng, n),
                negative_prompt="blurry, lowres" if n % 3 == 0 else None,
                model_id=f"model-{n % 20:02d}",
                image_width=1024,
                image_height=768,
                seed=rng.randint(0, 9_999_999_998),
                created_at=created,
                images=tuple(
                    GeneratedImage(id=f"img-{n:07d}-{k}", url=f"http://127.0.0.1:9/{n}/{k}.jpg")
                    for k in range(count)
                ),
            )
        )
        if len(batch) == 5000:
            lib.upsert_generations(batch)
            batch = []
    if batch:
        lib.upsert_generations(batch)
    built = time.perf_counter() - start
    # real files for the newest images: the first screens paint real thumbnails
    store = ImageStore(p.images)
    newest = lib.image_ids_page(0, sample)
    for i, image_id in enumerate(newest):
        im = Image.new("RGB", (1024, 768), ((i * 37) % 255, (i * 91) % 255, (i * 53) % 255))
        path = home / "tmp.jpg"
        im.save(path, "JPEG", quality=85)
        stored = store.put(path.read_bytes(), "jpg")
        lib.set_image_file(image_id, stored.sha256, "jpg")
    lib.close()
    return {"generations": generations, "images": images, "build_s": built}


# ------------------------------------------------------------------------------- gallery
def _frames(app: object, view: object, steps: int) -> list[float]:
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QApplication

    bar = view.verticalScrollBar()  # type: ignore[attr-defined]
    frames = []
    model = view.model()  # type: ignore[attr-defined]
    while True:
        top = bar.maximum()
        for k in range(1, steps + 1):
            t = time.perf_counter()
            bar.setValue(int(top * k / steps))
            view.viewport().repaint()  # type: ignore[attr-defined]
            QApplication.processEvents()
            frames.append((time.perf_counter() - t) * 1000)
        if not model.canFetchMore(QModelIndex()):
            break
        # at the bottom: the view asks for the next page, as when a user keeps scrolling
        t = time.perf_counter()
        model.fetchMore(QModelIndex())
        QApplication.processEvents()
        frames.append((time.perf_counter() - t) * 1000)
        steps = 4
    return frames


def _first_paint_ms(app: object, make: object) -> tuple[float, object]:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    painted: list[float] = []

    class F(QObject):
        def eventFilter(self, o: object, e: object) -> bool:
            if e.type() == QEvent.Type.Paint and not painted:  # type: ignore[attr-defined]
                painted.append(time.perf_counter())
            return False

    t = time.perf_counter()
    view = make()  # type: ignore[operator]
    f = F()
    view.viewport().installEventFilter(f)
    view.resize(1280, 800)
    view.show()
    while not painted:
        QApplication.processEvents()
    return (painted[0] - t) * 1000, view


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def gallery_phase(home: Path, floor: bool) -> dict[str, float]:
    from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
    from PySide6.QtGui import QColor, QPixmap
    from PySide6.QtWidgets import QApplication, QListView

    app = QApplication.instance() or QApplication([])
    os.environ["LEODESK_HOME"] = str(home)
    result: dict[str, float] = {}
    if floor:
        from leodesk.core import paths
        from leodesk.core.library import Library

        Library.open(paths.resolve().library_db).close()  # a kept library: current schema
        lib = Library.open_readonly(paths.resolve().library_db)
        names = [f"x{n}" for n in range(lib.count_images())]
        lib.close()
        placeholder = QPixmap(176, 176)
        placeholder.fill(QColor(60, 60, 64))

        class Plain(QAbstractListModel):
            def rowCount(self, parent: object = QModelIndex()) -> int:
                return len(names)

            def data(self, index: object, role: int = 0) -> object:
                if role == Qt.ItemDataRole.DecorationRole:
                    return placeholder
                return None

        def make() -> QListView:
            view = QListView()
            view.setViewMode(QListView.ViewMode.IconMode)
            view.setUniformItemSizes(True)
            view.setLayoutMode(QListView.LayoutMode.Batched)
            view.setBatchSize(1000)
            view.setGridSize(QSize(176, 176))
            view.setModel(Plain())
            return view

        result["rows"] = len(names)
    else:
        # Imported before the clock starts: module import time is what tests/bench/startup.py
        # measures (and the app loads these after the window's first paint).
        import leodesk.core.imagestore
        import leodesk.core.library
        import leodesk.core.thumbs  # noqa: F401  (the backend imports these lazily)
        from leodesk.core import paths
        from leodesk.qt.context import build_context
        from leodesk.ui.gallery import GalleryView

        ctx_box: dict[str, object] = {}

        def make() -> GalleryView:
            ctx = build_context(paths.resolve(), lambda: None)
            ctx_box["ctx"] = ctx
            view = GalleryView()
            view.setModel(ctx.gallery_model)
            return view

    result["first_paint_ms"], view = _first_paint_ms(app, make)
    t = time.perf_counter()
    frames = _frames(app, view, steps=200)
    result["scroll_s"] = time.perf_counter() - t
    result["frames"] = len(frames)
    result["frame_max_ms"] = max(frames)
    result["frame_p99_ms"] = _pct(frames, 0.99)
    result["frame_median_ms"] = statistics.median(frames)
    result["rows_loaded"] = view.model().rowCount()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not floor:
        ctx = ctx_box["ctx"]
        ctx.shutdown()  # type: ignore[attr-defined]
    return result


# -------------------------------------------------------------------------------- search
def search_phase(home: Path) -> dict[str, float]:
    import sqlite3

    from leodesk.core import paths
    from leodesk.core.library import Library
    from leodesk.core.search import Filter

    os.environ["LEODESK_HOME"] = str(home)
    db = paths.resolve().library_db
    Library.open(db).close()  # brings a kept library to the current schema
    lib = Library.open_readonly(db)
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out: dict[str, float] = {}
    for label, term in (("common", "cinematic"), ("rare", RARE), ("none", "qwertyuiop")):
        ours, floor = [], []
        for _ in range(25):
            t = time.perf_counter()
            ids = lib.image_ids_page(0, 200, filter=Filter(text=term))
            ours.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            rows = raw.execute(
                "SELECT rowid FROM generations_fts WHERE generations_fts MATCH ? "
                "ORDER BY rowid DESC LIMIT 200",
                (f'"{term}"',),
            ).fetchall()
            floor.append((time.perf_counter() - t) * 1000)
        out[f"{label}_ms"] = statistics.median(ours[5:])
        out[f"{label}_floor_ms"] = statistics.median(floor[5:])
        out[f"{label}_hits"] = len(ids)
        out[f"{label}_floor_hits"] = len(rows)
    lib.close()
    return out


# ---------------------------------------------------------------------------------- sync
def sync_phase(home: Path, generations: int) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from leodesk.core import paths
    from leodesk.core.api import LeonardoClient
    from leodesk.qt.context import build_context
    from leodesk.sim import SimConfig, SimServer
    from leodesk.ui.gallery import GalleryView

    app = QApplication.instance() or QApplication([])
    os.environ["LEODESK_HOME"] = str(home)
    sim = SimServer(SimConfig(api_key="bench", seed_generations=generations)).start()
    ctx = build_context(
        paths.resolve().ensure(), lambda: LeonardoClient("bench", base_url=sim.base_url)
    )
    view = GalleryView()
    view.setModel(ctx.gallery_model)
    view.resize(1280, 800)
    view.show()

    def grew() -> None:  # as MainWindow._library_grew
        ctx.gallery_model.prepend_new()
        ctx.gallery_model.refresh_tail()

    ctx.sync.stored.connect(grew)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    heart = QTimer()
    heart.setInterval(5)
    heart.timeout.connect(beat)
    heart.start()
    done: list[object] = []
    ctx.sync.finished.connect(done.append)
    t = time.perf_counter()
    ctx.sync.start()
    while not done:
        app.processEvents()
        time.sleep(0.001)
    took = time.perf_counter() - t
    heart.stop()
    result = done[0]
    out = {
        "generations": float(result.generations),  # type: ignore[attr-defined]
        "sync_s": took,
        "heartbeat_max_gap_ms": max(gaps),
        "heartbeat_p99_gap_ms": _pct(gaps, 0.99),
        "beats": float(len(gaps)),
    }
    ctx.shutdown()
    sim.stop()
    return out


# ------------------------------------------------------------------------------------ main
def _child(args: list[str]) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if r.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{r.stderr[-3000:]}")
    result: dict[str, float] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--million", action="store_true", help="1,000,000 generations")
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--keep", type=Path, help="build into (or reuse) this folder")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    n = args.generations or (1_000_000 if args.million else 100_000)
    if args.phase:
        home = args.home
        phases = {
            "build": lambda: build(home, n, 120),
            "floor": lambda: gallery_phase(home, floor=True),
            "gallery": lambda: gallery_phase(home, floor=False),
            "search": lambda: search_phase(home),
            "sync": lambda: sync_phase(home, 2000),
        }
        print(json.dumps(phases[args.phase]()))
        return
    home = args.keep or Path(tempfile.mkdtemp(prefix="leodesk-bench-"))
    if not (home / "data" / "library.sqlite3").exists():
        b = _child(["--phase", "build", "--home", str(home), "--generations", str(n)])
        print(
            f"library: {b['generations']:,} generations, {b['images']:,} images, "
            f"built in {b['build_s']:.1f} s"
        )
    search = _child(["--phase", "search", "--home", str(home)])
    if args.million:  # 1M rows: search is timed; scrolling 2.5M rows is not
        print("\nsearch, first page of 200 (floor: raw FTS5 MATCH ORDER BY rowid DESC LIMIT 200)")
        for label in ("common", "rare", "none"):
            print(
                f"  {label:<8} {search[label + '_ms']:8.2f} ms  floor "
                f"{search[label + '_floor_ms']:6.2f} ms   target ≤ 50 ms at 1M"
            )
        return
    floor = _child(["--phase", "floor", "--home", str(home)])
    ours = _child(["--phase", "gallery", "--home", str(home)])
    sync = _child(["--phase", "sync", "--home", str(Path(tempfile.mkdtemp()))])

    def row(name: str, value: float, base: float, unit: str = "ms", target: str = "") -> None:
        ratio = f"{value / base:5.2f}×" if base else "   -  "
        print(f"  {name:<34} {value:9.2f} {unit:<3} floor {base:8.2f} {unit:<3} {ratio}  {target}")

    print(
        f"\ngallery over {int(ours['rows_loaded']):,} images (floor: bare QListView, all rows "
        "in a plain list model)"
    )
    row("first paint", ours["first_paint_ms"], floor["first_paint_ms"], target="target ≤ 50 ms")
    row("scroll frame max", ours["frame_max_ms"], floor["frame_max_ms"], target="target ≤ 16 ms")
    row("scroll frame p99", ours["frame_p99_ms"], floor["frame_p99_ms"])
    row("scroll frame median", ours["frame_median_ms"], floor["frame_median_ms"])
    row("peak RSS", ours["peak_rss_mb"], floor["peak_rss_mb"], "MB", "target ≤ 150 MB")
    print(f"  ({int(ours['frames'])} frames, whole library scrolled in {ours['scroll_s']:.1f} s)")
    print("\nsearch, first page of 200 (floor: raw FTS5 MATCH ORDER BY rowid DESC LIMIT 200)")
    for label in ("common", "rare", "none"):
        row(
            f"{label} ({int(search[label + '_hits'])} ids)",
            search[f"{label}_ms"],
            search[f"{label}_floor_ms"],
            target="target ≤ 5 ms (100k), ≤ 50 ms (1M)",
        )
    print(
        f"\nsync of {int(sync['generations']):,} generations from the simulator in "
        f"{sync['sync_s']:.1f} s, gallery connected"
    )
    print(
        f"  heartbeat (5 ms timer) longest gap {sync['heartbeat_max_gap_ms']:.1f} ms, "
        f"p99 {sync['heartbeat_p99_gap_ms']:.1f} ms over {int(sync['beats'])} beats "
        "(target: no stall > 50 ms)"
    )


if __name__ == "__main__":
    main()
