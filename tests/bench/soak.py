"""Soak: many jobs through the app's real queue against a simulator with every fault on.

Two phases, each with its own profile (a real library file and image store):

1. ``steady``: the app (a subprocess, offscreen, as ``leodesk`` starts it) queues ``--jobs`` jobs
   in batches of up to 50 and runs them on an account with 8 concurrency slots and the API's
   100 submits a minute, while the simulator mixes 429s, 5xx and HTML 502s, connection resets,
   submits accepted but never answered (or answered with a 500, or with malformed JSON),
   bodies cut short, a short Content-Length, HTML pages with 200, decompression bombs and 429s
   on the listing a lost submit is looked for in.
2. ``kill``: the same with ``--kill-jobs`` jobs, and the app killed with SIGKILL at random
   moments (``--kills`` times) and started again at once.

Each phase prints: jobs done / failed / incomplete (images missing, with Download again) /
stuck; duplicate billed submits (server generations beyond the jobs asked); billed generations
no job follows; images missing or corrupt among DONE jobs; the library's integrity check; and
every distinct failure message (each must say what to do next). The floor printed beside the
duration is the same jobs on a simulator with no faults, in the same run.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/soak.py [--jobs 1000]
[--kill-jobs 600] [--kills 14] [--seed 1]``
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

KEY = "soak-key"
SLOTS = 8
BATCH = 50
TERMINAL = {"done", "failed", "cancelled", "incomplete"}

# The faults of a bad day, each at a rate per request.
FAULTS = ";".join(
    [
        "POST /generations=429:retry_after=1@0.04",
        "POST /generations=500@0.01",  # refused before anything was made
        "POST /generations=500:commit=true@0.02",  # made, answer lost
        "POST /generations=502:commit=true@0.01",  # made, an HTML error page instead
        "POST /generations=reset@0.01",
        "POST /generations=reset:commit=true@0.01",
        "POST /generations=silent:commit=true,max=45@0.005",  # made, never answered
        "POST /generations=malformed_json@0.01",  # made, unreadable answer
        "GET /generations/user/*=429:retry_after=0@0.3",  # the listing a lost job is looked in
        "GET /generations/user/*=500@0.05",
        "GET /generations/*=500@0.03",
        "GET /generations/*=502@0.02",
        "GET /generations/*=reset@0.02",
        "GET /generations/*=truncated@0.02",
        "GET /generations/*=malformed_json@0.02",
        "GET /me=500@0.05",
        "GET /cdn/*=truncated@0.02",
        "GET /cdn/*=short_length@0.03",
        "GET /cdn/*=html200@0.02",
        "GET /cdn/*=bomb@0.003",
        "GET /cdn/*=502@0.02",
        "GET /cdn/*=reset@0.01",
    ]
)


# -------------------------------------------------------------------------- the app side
def app_main(args: argparse.Namespace) -> int:
    """The real app (window, launcher, queue) in this process; queues the jobs once, then runs
    until every job has ended, printing progress."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from leodesk.app import Launcher
    from leodesk.core import paths as paths_mod
    from leodesk.core.api.models import GenerationRequest
    from leodesk.core.log import setup_logging
    from leodesk.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    setup_logging(paths_mod.resolve().ensure().log_file)
    window = MainWindow(demo=False)
    window.show()
    launcher = Launcher(window, demo=False)
    launcher.start()
    state: dict[str, Any] = {"submitted": False, "last": ""}
    rng = random.Random(args.seed)

    def step() -> None:
        ctx = launcher.ctx
        if ctx is None:
            return
        service = ctx.generation
        if not state["submitted"]:
            state["submitted"] = True
            # What a killed run had not stored yet is queued now (the rest resumes by itself).
            left = args.expect - len(ctx.backend.reader.queue_jobs())
            if left > 0:
                batch = 0
                while left > 0:
                    size = min(left, rng.randint(1, BATCH))
                    left -= size
                    batch += 1
                    # A batch is N copies of one request, as the × N box makes them: jobs
                    # with one prompt must each find their own generation.
                    req = GenerationRequest(
                        prompt=f"soak {args.seed}, batch {batch} of {size}",
                        num_images=rng.choice((1, 2, 4)),
                        width=512,
                        height=512,
                    )
                    service.submit_batch([req] * size)
            return
        states = collections.Counter(r.state.value for r in service.records)
        line = " ".join(f"{k}={v}" for k, v in sorted(states.items()))
        if line != state["last"]:
            state["last"] = line
            print(f"progress {line} in_flight={len(service.gate.in_flight)}", flush=True)
        expected = args.expect
        if (
            len(service.records) >= expected
            and all(r.state.value in TERMINAL for r in service.records)
            and not service.gate.in_flight
        ):
            print("all ended", flush=True)
            app.exit(0)

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(500)
    code = int(app.exec())
    launcher.shutdown()
    return code


# -------------------------------------------------------------------------- the driver side
def _env(home: Path, base_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LEODESK_HOME": str(home),
            "LEODESK_API_URL": base_url,
            "LEONARDO_API_KEY": KEY,
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def _spawn(home: Path, base_url: str, expect: int, seed: int, log: Any) -> Any:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--app",
        "--expect",
        str(expect),
        "--seed",
        str(seed),
    ]
    return subprocess.Popen(
        cmd, env=_env(home, base_url), stdout=subprocess.PIPE, stderr=log, text=True
    )


def _wait_end(proc: Any, deadline: float) -> bool:
    """Read the app's progress until it says every job ended (True) or the deadline passes."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    last = ""
    while time.monotonic() < deadline:
        if not sel.select(timeout=1.0):
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("progress") and line != last:
            last = line
            print("   ", line.strip(), flush=True)
        if line.startswith("all ended"):
            proc.wait(timeout=30)
            return True
    return False


def _sim(faults: str, seed: int, state_dir: Path) -> Any:
    from leodesk.sim import SimConfig, SimServer

    options: dict[str, Any] = {
        "api_key": KEY,
        "seed": seed,
        "concurrency_slots": SLOTS,
        "generation_seconds": 1.5,
        "latency_ms": 20,
        "credits": 10_000_000,
        "faults": faults,
    }
    if "state_dir" in SimConfig.__dataclass_fields__:
        options["state_dir"] = str(state_dir)
    return SimServer(SimConfig(**options)).start()


def _report(name: str, home: Path, sim: Any, jobs: int, seconds: float) -> dict[str, Any]:
    from leodesk.core import paths as paths_mod
    from leodesk.core.imagestore import ImageError, ImageStore, verify_image

    os.environ["LEODESK_HOME"] = str(home)
    paths = paths_mod.resolve()
    store = ImageStore(paths.images)
    conn = sqlite3.connect(paths.library_db)
    conn.row_factory = sqlite3.Row
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    rows = conn.execute("SELECT id, state, generation_id, error FROM jobs").fetchall()
    states = collections.Counter(r["state"] for r in rows)
    followed = [r["generation_id"] for r in rows if r["generation_id"]]
    made = [g for g in sim.state.generation_ids()]
    unfollowed = sorted(set(made) - set(followed))
    followed_twice = sum(n - 1 for n in collections.Counter(followed).values() if n > 1)
    missing = corrupt = checked = 0
    for r in rows:
        if r["state"] != "done":
            continue
        images = conn.execute(
            "SELECT id, sha256, ext FROM images WHERE generation_id = ? AND kind = 'image'",
            (r["generation_id"],),
        ).fetchall()
        server_images = sim.state.image_ids(r["generation_id"])
        if len(images) != len(server_images):
            missing += abs(len(server_images) - len(images))
        for im in images:
            if not im["sha256"]:
                missing += 1
                continue
            path = store.path_for(im["sha256"], im["ext"])
            checked += 1
            try:
                data = path.read_bytes()
                verify_image(data)
                if hashlib.sha256(data).hexdigest() != im["sha256"]:
                    corrupt += 1
            except (OSError, ImageError):
                corrupt += 1
    failures = collections.Counter(
        (r["error"] or "(no message)") for r in rows if r["state"] in ("failed", "incomplete")
    )
    stuck = sum(v for k, v in states.items() if k not in TERMINAL)
    conn.close()
    result = {
        "phase": name,
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "done": states.get("done", 0),
        "failed": states.get("failed", 0),
        "incomplete": states.get("incomplete", 0),
        "stuck": stuck,
        "duplicate_submits": max(0, len(made) - jobs) + followed_twice,
        "unfollowed_generations": len(unfollowed),
        "images_checked": checked,
        "images_missing_in_done_jobs": missing,
        "images_corrupt": corrupt,
        "integrity": integrity,
        "submits_seen_by_server": sim.count("POST", "/generations"),
    }
    print(f"== {name}")
    for k, v in result.items():
        print(f"   {k}: {v}")
    for message, n in failures.most_common():
        print(f"   failure x{n}: {message}")
    return result


def run_phase(
    name: str, jobs: int, kills: int, faults: str, seed: int, root: Path, budget: float
) -> dict[str, Any]:
    home = root / name / "home"
    home.mkdir(parents=True)
    sim = _sim(faults, seed, root / name / "sim")
    log = (root / name / "app-stderr.log").open("w")
    rng = random.Random(seed)
    started = time.monotonic()
    deadline = started + budget
    try:
        proc = _spawn(home, sim.base_url, jobs, seed, log)
        for n in range(kills):
            time.sleep(rng.uniform(3.0, 20.0))
            if proc.poll() is not None:
                break
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            print(f"    kill -9 #{n + 1} at {time.monotonic() - started:.0f} s", flush=True)
            proc = _spawn(home, sim.base_url, jobs, seed, log)
        ended = _wait_end(proc, deadline)
        if not ended:
            print(f"    not every job ended within {budget:.0f} s", flush=True)
            proc.kill()
            proc.wait()
        seconds = time.monotonic() - started
        return _report(name, home, sim, jobs, seconds)
    finally:
        log.close()
        sim.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--kill-jobs", type=int, default=600)
    parser.add_argument("--kills", type=int, default=14)
    parser.add_argument("--floor-jobs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=3600.0, help="seconds per phase")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--faults", default=FAULTS, help="the simulator's fault rules")
    args = parser.parse_args()
    if args.app:
        return app_main(args)
    root = Path(args.keep or tempfile.mkdtemp(prefix="leodesk-soak-"))
    print(f"soak in {root}", flush=True)
    results = []
    if args.floor_jobs:
        floor = run_phase("floor", args.floor_jobs, 0, "", args.seed, root, args.budget)
        results.append(floor)
    if args.jobs:
        results.append(run_phase("steady", args.jobs, 0, args.faults, args.seed, root, args.budget))
    if args.kill_jobs:
        results.append(
            run_phase(
                "kill", args.kill_jobs, args.kills, args.faults, args.seed + 1, root, args.budget
            )
        )
    bad = [
        r["phase"]
        for r in results
        if r["stuck"]
        or r["duplicate_submits"]
        or r["unfollowed_generations"]
        or r["images_missing_in_done_jobs"]
        or r["images_corrupt"]
        or r["integrity"] != "ok"
    ]
    print("soak:", "every promise held" if not bad else f"promises broken in {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
