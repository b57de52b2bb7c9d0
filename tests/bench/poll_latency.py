"""Poll latency benchmark: from the moment the server makes a job COMPLETE to the moment its
images are in the library and the gallery is told (``GenerationService.generation_stored``,
the signal the main window answers by prepending the new images to the gallery).

Two copies of the app's job machinery run side by side (``build_context``: the real backend,
job queue, generation runner and pipeline, each with its own library), each against its own
simulator over real HTTP, and each sends the same jobs one after another:

* leodesk: the app as shipped (first poll interval 1 s): polls planned from the durations the
  library learnt from the previous jobs of the same kind;
* floor: the same app polling every 0.25 s from the start (a tight poll), whatever it knows.

Three kinds of job, each its own model and size, so each is learnt separately: 2–4 s jobs,
7 s jobs (±10 %) and 15 s jobs (±10 %); the simulator is made to take exactly the drawn time
for each job and records when it makes the job COMPLETE (``finished_at``), which the benchmark
reads. Per kind: the median latency over ``--jobs`` jobs (the first of each kind has no history
yet and counts too), the worst, and the polls a job made (``GET /generations/{id}``) with the
rate they make per minute: within the budget of 100 a minute per job (the API allows 2,000
requests a minute for the account and runs 10 jobs at once).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/poll_latency.py [--jobs 6]``.
Writes artifacts/bench/poll_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

KEY = "bench-poll-key"
KINDS = (
    ("2–4 s", "5c232a9e-9061-4777-980a-ddc8e65647c6", 512, 512, lambda r: r.uniform(2.0, 4.0)),
    ("7 s", "1e60896f-3c26-4296-8ecc-53e2afecc132", 1024, 1024, lambda r: r.uniform(6.3, 7.7)),
    ("15 s", "b2614463-296c-462a-9586-aafdb8f00e36", 832, 1216, lambda r: r.uniform(13.5, 16.5)),
)


@dataclass
class Lane:
    """One copy of the app and its simulator, sending its jobs one after another."""

    name: str
    sim: Any
    ctx: Any
    plan: list[tuple[str, Any, float]]  # (kind, request, seconds at the server)
    results: list[dict[str, Any]] = field(default_factory=list)
    current: int = -1
    polls_before: int = 0
    waiting_since: float = 0.0

    def next(self) -> bool:
        self.current += 1
        if self.current >= len(self.plan):
            return False
        _kind, req, seconds = self.plan[self.current]
        state = self.sim.state
        state.cfg = replace(state.cfg, generation_seconds=seconds)
        self.polls_before = self.sim.count("GET", "/generations/*")
        self.ctx.generation.submit(req)
        return True

    def stored(self, generation_id: str) -> None:
        now = time.monotonic()
        kind, _req, seconds = self.plan[self.current]
        job = self.sim.state.job(generation_id)
        reader = self.ctx.backend.reader
        have = len(reader.stored_image_ids(generation_id))
        record = reader.get_generation(generation_id)
        assert job is not None and job.finished_at is not None and job.started_at is not None
        self.results.append(
            {
                "kind": kind,
                "seconds": seconds,
                "latency": now - job.finished_at,
                "server_duration": job.finished_at - job.started_at,
                "polls": self.sim.count("GET", "/generations/*") - self.polls_before,
                "images_in_library": have,
                "images_made": len(record.images) if record is not None else -1,
            }
        )


def _lane(name: str, home: Path, poll_interval: float, plan: list[Any]) -> Lane:
    from leodesk.core import paths
    from leodesk.core.api import LeonardoClient
    from leodesk.qt.context import build_context
    from leodesk.sim import SimConfig, SimServer

    sim = SimServer(SimConfig(seed=3, api_key=KEY, credits=10_000_000)).start()
    os.environ["LEODESK_HOME"] = str(home)
    profile = paths.resolve().ensure()
    base = sim.base_url
    ctx = build_context(profile, lambda: LeonardoClient(KEY, base_url=base))
    ctx.generation.poll_interval = poll_interval
    lane = Lane(name, sim, ctx, plan)
    ctx.generation.generation_stored.connect(lane.stored)
    ctx.generation.resume_unfinished()
    return lane


def run(jobs: int, seed: int) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from leodesk.core.api.models import GenerationRequest

    app = QApplication.instance() or QApplication([])
    rng = random.Random(seed)
    plan: list[tuple[str, Any, float]] = []
    for _ in range(jobs):  # interleaved kinds, as a person switching between settings does
        for label, model, width, height, draw in KINDS:
            req = GenerationRequest(
                prompt=f"a lighthouse, {label}", model_id=model, width=width, height=height
            )
            plan.append((label, req, round(draw(rng), 2)))
    work = Path(tempfile.mkdtemp(prefix="leodesk-bench-poll-"))
    lanes = [_lane("leodesk", work / "ours", 1.0, plan), _lane("floor", work / "floor", 0.25, plan)]
    try:
        for lane in lanes:
            lane.next()
        deadline = time.monotonic() + sum(s for _k, _r, s in plan) * 1.6 + 120
        while any(len(lane.results) < len(plan) for lane in lanes):
            app.processEvents()
            time.sleep(0.002)
            for lane in lanes:
                if len(lane.results) == lane.current + 1 and lane.current < len(plan):
                    lane.next()
            if time.monotonic() > deadline:
                raise SystemExit("the jobs did not finish in time")
    finally:
        for lane in lanes:
            lane.ctx.shutdown()
            lane.sim.stop()
    report: dict[str, Any] = {"jobs_per_kind": jobs}
    for lane in lanes:
        per_kind: dict[str, Any] = {}
        for label, *_ in KINDS:
            rows = [r for r in lane.results if r["kind"] == label]
            lat = [r["latency"] for r in rows]
            polls = [r["polls"] for r in rows]
            per_kind[label] = {
                "median_s": statistics.median(lat),
                "max_s": max(lat),
                "first_s": lat[0],
                "polls_per_job": statistics.median(polls),
                "polls_per_minute": statistics.median(
                    r["polls"] / max(r["seconds"] + r["latency"], 1e-3) * 60 for r in rows
                ),
                "all_images_stored": all(
                    r["images_in_library"] == r["images_made"] > 0 for r in rows
                ),
            }
        report[lane.name] = {"kinds": per_kind, "jobs": lane.results}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6, help="jobs of each kind")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report = run(args.jobs, args.seed)
    print(f"{'kind':<6} {'':<8} {'median':>7} {'max':>6} {'first':>6} {'polls':>6} {'/min':>5}")
    for label, *_ in KINDS:
        for name in ("leodesk", "floor"):
            r = report[name]["kinds"][label]
            print(
                f"{label:<6} {name:<8} {r['median_s']:>6.2f}s {r['max_s']:>5.2f}s "
                f"{r['first_s']:>5.2f}s {r['polls_per_job']:>6.0f} {r['polls_per_minute']:>5.0f}"
                + ("" if r["all_images_stored"] else "  (images missing!)")
            )
    out = REPO / "artifacts" / "bench" / "poll_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
