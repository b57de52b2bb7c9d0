"""Gallery benchmark: scrolling a 100,000-generation library as a user does, on a real X server.

Everything runs under a private Xvfb (tests/bench/xserver.py), and each phase runs in its own
process, next to a floor measured in the same run (interleaved, median of ``--runs``):

* the library: 100,000 generations (~250,000 images) written newest first, in sync-sized pages
  (the order a sync writes them), with prompts of 8–40 words drawn from a realistic vocabulary
  (a few thousand words, Zipf-like frequencies). Their image URLs point at a simulator started
  for the run (a separate process), so every thumbnail is downloaded, cut and decoded as in real
  use (the thumbnail cache starts empty each run; the simulator renders its ~1,000 pictures once
  before the runs, as a real server does on its own machine). The generator is this file's
  ``build_library`` (the shared ``tests/bench/libgen.py`` may replace it);
* scrolling: the gallery (1111 × 725, as in a wide window) waits until its scroll bar spans the
  library (the time is reported), is wheel-scrolled at ~7,500 px/s (one 120-unit notch every
  16 ms) for 10 s while the thumbnails arrive, then its scroll bar is dragged from the top to
  the bottom over 3 s. A frame is the time from the moment the wheel event (or the mouse move)
  is due to the end of the paint that shows it (a late timer, because the GUI thread was busy,
  counts in it). Floor: a bare QListView over a plain 100k-row model with one placeholder
  pixmap, in a process that imports PySide6 only, driven the same way;
* peak RSS (VmHWM) of each of those processes: the floor's is PySide6 alone with the bare list.

Run: ``.venv/bin/python tests/bench/gallery.py [--runs 3] [--keep DIR]``
(``--keep`` builds the library once into DIR and reuses it.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

WIDTH, HEIGHT = 1111, 725
TICK_MS = 16
WHEEL_SECONDS = 10.0
DRAG_SECONDS = 3.0
SIM_SEED_GENERATIONS = 400  # ~1,000 distinct pictures on the simulator's CDN
SIM_KEY = "bench-sim-key"


# ------------------------------------------------------------------------------ simulator
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sim(seed_generations: int = SIM_SEED_GENERATIONS) -> tuple[subprocess.Popen[str], str]:
    """The simulator in its own process (as a server is: it does not share the GUI's cores'
    Python lock); returns the process and its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leodesk.sim",
            "--port",
            str(port),
            "--seed",
            "7",
            "--seed-generations",
            str(seed_generations),
            "--api-key",
            SIM_KEY,
            "--rate-limit",
            "100000",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    proc.stdout.readline()  # the key
    if not base_url.startswith("http"):
        proc.kill()
        raise SystemExit("the simulator did not start")
    return proc, base_url


def stop_sim(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def sim_image_paths(base_url: str) -> list[str]:
    """The CDN paths of every image the simulator's seeded history holds (base URL stripped)."""
    from leodesk.core.api import LeonardoClient

    client = LeonardoClient(SIM_KEY, base_url=base_url)
    user = client.get_me().user_id
    assert user
    paths: list[str] = []
    offset = 0
    while True:
        page = client.list_generations(user, offset=offset, limit=50)
        if not page:
            break
        for g in page:
            for im in g.images:
                if im.url:
                    paths.append(im.url.split("/cdn/", 1)[1])
        offset += len(page)
    client.close()
    return paths


# -------------------------------------------------------------------------------- library
def _words(text: str) -> list[str]:
    return text.split()


_SYLLABLES = _words(
    "ka ri to na mel dor vin sa lu be tha ron gal es mi ar quo fen dra li po zu wen ca sil "
    "mor tan eth ul gri va no ser pha lin "
)
_COMMON = _words(
    "a an the of in on with and at by from under over through beneath beside among "
    "portrait landscape city forest mountain river ocean desert castle street garden "
    "knight dragon robot cat fox wolf owl girl boy woman man warrior wizard queen king "
    "ancient futuristic neon misty golden dark bright vibrant soft dramatic cinematic "
    "lighting detailed highly ultra realistic photorealistic painting oil watercolor ink "
    "sketch concept art illustration render octane unreal engine 8k 4k hdr bokeh depth "
    "field volumetric fog rain snow sunset sunrise night moon stars sky clouds storm "
    "intricate ornate elegant gothic baroque cyberpunk steampunk fantasy scifi surreal "
    "minimalist isometric pastel palette warm cold colors glowing reflections trending "
    "artstation studio photo 35mm film grain wide angle macro close up aerial view "
    "portrait shot full body face eyes hair armour dress cloak sword lantern book tree "
    "flowers leaves water fire ice stone glass metal wood gold silver crystal"
)


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = list(dict.fromkeys(_COMMON))
    while len(words) < size:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in words:
            words.append(w)
    return words


def _zipf_weights(n: int) -> list[float]:
    return [1.0 / (k + 1) ** 1.07 for k in range(n)]


RARE = "zyxolith"  # in 0.2 % of prompts


def build_library(home: Path, generations: int, cdn_paths: list[str]) -> dict[str, float]:
    """``generations`` generations written newest first in sync-sized pages (as a sync writes
    them), prompts of 8–40 words from a Zipf-weighted vocabulary, image URLs on the simulator's
    CDN (``{sim}`` stands for its base URL: see :func:`point_library_at`)."""
    from leodesk.core import paths
    from leodesk.core.api.models import GeneratedImage, Generation
    from leodesk.core.library import Library

    os.environ["LEODESK_HOME"] = str(home)
    p = paths.resolve().ensure()
    lib = Library.open(p.library_db)
    rng = random.Random(42)
    vocab = _vocabulary(rng)
    weights = _zipf_weights(len(vocab))
    start = time.perf_counter()
    t_newest = 1_764_000_000 + generations * 180  # ~3 minutes apart
    images = 0
    page: list[Generation] = []
    for n in range(generations):  # n = 0 is the newest: a sync pages newest first
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t_newest - n * 180))
        count = 1 + rng.randrange(4)
        words = rng.choices(vocab, weights, k=rng.randint(8, 40))
        if n % 500 == 7:
            words.append(RARE)
        images += count
        page.append(
            Generation(
                id=f"gen-{generations - n:07d}",
                status="COMPLETE",
                prompt=" ".join(words),
                negative_prompt="blurry, lowres, watermark" if n % 3 == 0 else None,
                model_id=f"model-{rng.randrange(20):02d}",
                image_width=rng.choice((1024, 768, 1024, 512)),
                image_height=rng.choice((768, 1024, 1024, 512)),
                seed=rng.randint(0, 9_999_999_998),
                created_at=created,
                images=tuple(
                    GeneratedImage(
                        id=f"img-{generations - n:07d}-{k}",
                        url="http://sim.invalid/cdn/" + cdn_paths[(n * 4 + k) % len(cdn_paths)],
                    )
                    for k in range(count)
                ),
            )
        )
        if len(page) == 50:  # the sync's page
            lib.upsert_generations(page)
            page = []
    if page:
        lib.upsert_generations(page)
    lib.close()
    return {"generations": generations, "images": images, "build_s": time.perf_counter() - start}


def point_library_at(home: Path, base_url: str) -> None:
    """Image URLs on this run's simulator (its port changes from run to run); the thumbnail
    cache emptied, so every thumbnail is downloaded again."""
    import sqlite3

    db = home / "data" / "library.sqlite3"
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT url FROM images WHERE url IS NOT NULL LIMIT 1").fetchone()
    old = row[0].split("/cdn/", 1)[0]
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"  # the CDN is at the server's root
    if old != origin:
        conn.execute("UPDATE images SET url = replace(url, ?, ?)", (old, origin))
        conn.commit()
    conn.close()
    shutil.rmtree(home / "cache" / "thumbs", ignore_errors=True)


# ------------------------------------------------------------------------------- driving
def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def drive(view: object, app: object) -> dict[str, float]:
    """Wheel-scroll ``view`` for WHEEL_SECONDS, then drag its scroll bar top to bottom over
    DRAG_SECONDS; frame times as described at the top. ``view`` has a ``paint_ends`` list its
    paintEvent appends the end time to."""
    from PySide6.QtCore import QElapsedTimer, QPoint, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent, QWheelEvent
    from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionSlider

    clock = QElapsedTimer()
    clock.start()
    vp = view.viewport()  # type: ignore[attr-defined]
    bar = view.verticalScrollBar()  # type: ignore[attr-defined]
    ends: list[float] = view.paint_ends  # type: ignore[attr-defined]
    frames: dict[str, list[float]] = {"wheel": [], "drag": []}
    state = {"phase": "wheel", "t0": 0.0, "last": 0.0, "pending": None, "drag_y": 0}
    done: list[bool] = []
    centre = QPointF(vp.width() / 2, vp.height() / 2)

    def handle() -> tuple[int, int]:
        opt = QStyleOptionSlider()
        bar.initStyleOption(opt)
        r = bar.style().subControlRect(
            QStyle.ComplexControl.CC_ScrollBar, opt, QStyle.SubControl.SC_ScrollBarSlider, bar
        )
        return r.center().x(), r.center().y()

    def mouse(kind: object, y: int, buttons: object) -> None:
        x = handle()[0]
        pos = QPointF(x, y)
        ev = QMouseEvent(
            kind,  # type: ignore[arg-type]
            pos,
            QPointF(bar.mapToGlobal(QPoint(x, y))),
            Qt.MouseButton.LeftButton,
            buttons,  # type: ignore[arg-type]
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(bar, ev)

    def settle_previous(now: float) -> None:
        pending = state["pending"]
        if pending is None:
            return
        due, started, phase = pending  # type: ignore[misc]
        after = [e for e in ends if e >= started]
        if after:
            frames[phase].append(after[0] - due)
        state["pending"] = None

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        settle_previous(now)
        # a late tick (the GUI thread was busy) counts: the event was due 16 ms after the last
        due = min(now, state["last"] + TICK_MS) if state["last"] else now
        state["last"] = now
        if state["phase"] == "wheel":
            if now - state["t0"] >= WHEEL_SECONDS * 1000:
                state["phase"] = "drag"
                bar.setValue(0)
                QApplication.processEvents()
                _x, y = handle()
                state["drag_y0"] = y
                mouse(QMouseEvent.Type.MouseButtonPress, y, Qt.MouseButton.LeftButton)
                state["t0"] = now
                state["last"] = 0.0
                return
            ev = QWheelEvent(
                centre,
                QPointF(vp.mapToGlobal(centre.toPoint())),
                QPoint(0, 0),
                QPoint(0, -120),
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            )
            state["pending"] = (due, now, "wheel")
            QApplication.sendEvent(vp, ev)
        else:
            frac = (now - state["t0"]) / (DRAG_SECONDS * 1000)
            y0 = state["drag_y0"]
            y = int(y0 + (bar.height() - y0) * min(1.0, frac))
            if frac >= 1.0:
                mouse(QMouseEvent.Type.MouseButtonRelease, y, Qt.MouseButton.NoButton)
                timer.stop()
                done.append(True)
                return
            before = bar.value()
            state["pending"] = (due, now, "drag")
            mouse(QMouseEvent.Type.MouseMove, y, Qt.MouseButton.LeftButton)
            if bar.value() == before:
                state["pending"] = None  # nothing moved: no frame owed

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    state["t0"] = clock.nsecsElapsed() / 1e6
    view.paint_clock = clock  # type: ignore[attr-defined]
    timer.start()
    while not done:
        QApplication.processEvents()
        time.sleep(0.0005)
    out: dict[str, float] = {}
    for phase, values in frames.items():
        out[f"{phase}_frames"] = len(values)
        out[f"{phase}_over16"] = sum(1 for v in values if v > 16.0)
        out[f"{phase}_max"] = max(values) if values else 0.0
        out[f"{phase}_p99"] = _pct(values, 0.99)
        out[f"{phase}_median"] = statistics.median(values) if values else 0.0
    out["scroll_px"] = float(bar.value())
    out["bar_max"] = float(bar.maximum())
    return out


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM: getrusage's figure would include what the
    parent process held when it forked this one, Linux keeps it across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def settle(view: object, app: object, rows: int, limit: float = 20.0) -> float:
    """Seconds from the view's show until its scroll bar spans all ``rows`` (the batched layout
    is done: before that a drag reaches only the rows laid out), then one more second."""
    from PySide6.QtWidgets import QApplication

    bar = view.verticalScrollBar()  # type: ignore[attr-defined]
    vp = view.viewport()  # type: ignore[attr-defined]
    t = time.perf_counter()
    took = limit
    while time.perf_counter() - t < limit:
        QApplication.processEvents()
        cell = view.gridSize().height()  # type: ignore[attr-defined]
        cols = max(1, vp.width() // max(1, view.gridSize().width()))  # type: ignore[attr-defined]
        if bar.maximum() >= (-(-rows // cols)) * cell - vp.height() - cell:
            took = time.perf_counter() - t
            break
        time.sleep(0.001)
    t2 = time.perf_counter()
    while time.perf_counter() - t2 < 1.0:
        QApplication.processEvents()
    return took


# --------------------------------------------------------------------------- floor process
def floor_phase(rows: int) -> dict[str, float]:
    rows_expected = rows
    """A bare QListView over ``rows`` plain rows, PySide6 only (no leodesk import)."""
    from PySide6.QtCore import QAbstractListModel, QElapsedTimer, QModelIndex, QSize, Qt
    from PySide6.QtGui import QColor, QPixmap
    from PySide6.QtWidgets import QApplication, QListView

    assert not any(m.startswith("leodesk") for m in sys.modules)
    app = QApplication.instance() or QApplication([])
    placeholder = QPixmap(164, 164)
    placeholder.fill(QColor(60, 60, 64))

    class Plain(QAbstractListModel):
        def rowCount(self, parent: object = QModelIndex()) -> int:
            return rows

        def data(self, index: object, role: int = 0) -> object:
            return placeholder if role == Qt.ItemDataRole.DecorationRole else None

    class View(QListView):
        paint_ends: ClassVar[list[float]] = []
        paint_clock: QElapsedTimer | None = None

        def paintEvent(self, e: object) -> None:
            super().paintEvent(e)  # type: ignore[arg-type]
            if self.paint_clock is not None:
                self.paint_ends.append(self.paint_clock.nsecsElapsed() / 1e6)

    view = View()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(1000)
    view.setGridSize(QSize(176, 176))
    view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
    view.verticalScrollBar().setSingleStep(40)
    model = Plain()
    view.setModel(model)
    view.resize(WIDTH, HEIGHT)
    view.show()
    laid_out = settle(view, app, rows_expected)
    out = drive(view, app)
    out["layout_s"] = laid_out
    out["rows"] = float(model.rowCount())
    out["peak_rss_mb"] = _rss_mb()
    return out


# ------------------------------------------------------------------------- gallery process
def gallery_phase(home: Path, base_url: str, rows_expected: int) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from leodesk.core import codecache, paths

    os.environ["LEODESK_HOME"] = str(home)
    codecache.install(paths.resolve().code_cache)  # as the app's preload does (its memory too)
    from leodesk.core.api import LeonardoClient
    from leodesk.qt.context import build_context
    from leodesk.ui.gallery import GalleryView

    app = QApplication.instance() or QApplication([])
    ctx = build_context(
        paths.resolve().ensure(), lambda: LeonardoClient(SIM_KEY, base_url=base_url)
    )

    class View(GalleryView):
        paint_ends: ClassVar[list[float]] = []
        paint_clock: QElapsedTimer | None = None

        def paintEvent(self, e: object) -> None:
            super().paintEvent(e)  # type: ignore[arg-type]
            if self.paint_clock is not None:
                self.paint_ends.append(self.paint_clock.nsecsElapsed() / 1e6)

    view = View()
    view.setModel(ctx.gallery_model)
    arrived = {"ready": 0, "failed": 0}
    ctx.thumbs.ready.connect(lambda _k: arrived.__setitem__("ready", arrived["ready"] + 1))
    ctx.thumbs.failed.connect(lambda _k: arrived.__setitem__("failed", arrived["failed"] + 1))

    def visible(first: int, last: int, per_screen: int) -> None:  # as MainWindow._visible_rows
        ctx.thumbs.set_memory_items(per_screen * 3)
        ctx.gallery_model.retain_rows(first - 2 * per_screen, last + 2 * per_screen)

    view.visible_rows_changed.connect(visible)
    view.resize(WIDTH, HEIGHT)
    view.show()
    from leodesk.app import settle_open_app

    settle_open_app()  # as the app does once it has opened (Launcher._open_steps)
    laid_out = settle(view, app, rows_expected)
    out = drive(view, app)
    out["layout_s"] = laid_out
    out["rows"] = float(ctx.gallery_model.rowCount())
    out["thumbs_loaded"] = float(arrived["ready"])
    out["thumbs_failed"] = float(arrived["failed"])
    out["peak_rss_mb"] = _rss_mb()
    ctx.shutdown()
    return out


# ------------------------------------------------------------------------------------ main
def _child(args: list[str], display: str) -> dict[str, float]:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app runs from compiled bytecode
    r = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if r.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{r.stderr[-3000:]}")
    result: dict[str, float] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def warm_sim(home: Path) -> float:
    """Fetch every distinct picture the library points at once, so the simulator has rendered
    them before the measured runs: a real server renders on its own machine, not on the user's
    two cores (and the floor's run has no server working beside it either)."""
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    conn = sqlite3.connect(home / "data" / "library.sqlite3")
    urls = [r[0] for r in conn.execute("SELECT DISTINCT url FROM images WHERE url IS NOT NULL")]
    conn.close()
    t = time.perf_counter()
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda u: client.get(u).raise_for_status(), urls))
    return time.perf_counter() - t


def ensure_library(home: Path, generations: int, base_url: str) -> None:
    """Build the library into ``home`` unless it is there; point it at ``base_url``."""
    if not (home / "data" / "library.sqlite3").exists():
        cdn = sim_image_paths(base_url)
        b = build_library(home, generations, cdn)
        print(
            f"library: {int(b['generations']):,} generations, {int(b['images']):,} images, "
            f"built in {b['build_s']:.1f} s (newest first, {len(cdn)} distinct pictures)",
            flush=True,
        )
    point_library_at(home, base_url)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build into (or reuse) this folder")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "floor":
        print(json.dumps(floor_phase(args.rows)))
        return
    if args.phase == "gallery":
        print(json.dumps(gallery_phase(args.home, args.url, args.rows)))
        return
    from xserver import xvfb

    home = args.keep or Path(tempfile.mkdtemp(prefix="leodesk-bench-"))
    sim, base_url = start_sim()
    try:
        ensure_library(home, args.generations, base_url)
        print(f"simulator: every picture rendered once in {warm_sim(home):.0f} s", flush=True)
        import sqlite3

        conn = sqlite3.connect(home / "data" / "library.sqlite3")
        rows = conn.execute("SELECT COUNT(*) FROM images").fetchone()[0]
        conn.close()
        ours: list[dict[str, float]] = []
        floors: list[dict[str, float]] = []
        gallery_args = ["--phase", "gallery", "--home", str(home), "--url", base_url]
        gallery_args += ["--rows", str(rows)]
        with xvfb() as display:
            for _ in range(args.runs):  # interleaved: machine noise hits both alike
                floors.append(_child(["--phase", "floor", "--rows", str(rows)], display))
                point_library_at(home, base_url)  # an empty thumbnail cache each run
                ours.append(
                    _child(
                        gallery_args,
                        display,
                    )
                )
    finally:
        stop_sim(sim)

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(
        f"\ngallery {WIDTH}×{HEIGHT} over {rows:,} images, Xvfb, thumbnails downloading from the "
        f"simulator; median of {args.runs} runs (floor: bare QListView, plain 100k-row model, "
        "PySide6 only)"
    )
    print(
        f"  rows in the model at the end: {med(ours, 'rows'):,.0f} "
        f"(floor {med(floors, 'rows'):,.0f})"
    )
    for phase, what in (("wheel", "wheel 7,500 px/s, 10 s"), ("drag", "scroll bar drag, 3 s")):
        print(f"  {what}:")
        for key, label in (
            ("max", "frame max"),
            ("p99", "frame p99"),
            ("median", "frame median"),
            ("over16", "frames over 16 ms"),
            ("frames", "frames"),
        ):
            k = f"{phase}_{key}"
            print(
                f"    {label:<20} {med(ours, k):8.1f}   floor {med(floors, k):8.1f}   "
                f"(runs: {', '.join(f'{r[k]:.1f}' for r in ours)})"
            )
    print(
        f"  scroll bar spans the library {med(ours, 'layout_s'):5.2f} s after show "
        f"(floor {med(floors, 'layout_s'):5.2f} s)"
    )
    rss = ", ".join(f"{r['peak_rss_mb']:.0f}" for r in ours)
    rss_floor = ", ".join(f"{r['peak_rss_mb']:.0f}" for r in floors)
    print(
        f"  peak RSS            {med(ours, 'peak_rss_mb'):8.1f} MB floor "
        f"{med(floors, 'peak_rss_mb'):8.1f} MB   target ≤ 150 MB (runs: {rss}; floor {rss_floor})"
    )
    print(
        f"  thumbnails arrived during the run: {med(ours, 'thumbs_loaded'):.0f} "
        f"(failed {med(ours, 'thumbs_failed'):.0f})"
    )


if __name__ == "__main__":
    main()
