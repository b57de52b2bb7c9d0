"""The poll schedule learnt from past jobs (leodesk.core.polling): the schedule given a history,
the history in a real library file, and the pipeline against the simulator over real HTTP."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from leodesk.core.api import LeonardoClient
from leodesk.core.api.models import GenerationRequest
from leodesk.core.imagestore import ImageStore
from leodesk.core.library import Library
from leodesk.core.pipeline import LibraryRecord, Pipeline, request_json
from leodesk.core.polling import (
    BUDGET_BURST,
    BUDGET_PER_MINUTE,
    PollPlan,
    PollTracker,
    job_keys,
    plan_for,
)
from tests.conftest import SIM_KEY


def poll_times(plan: PollPlan, until: float) -> list[float]:
    """When a job following ``plan`` is polled (the first poll at 0, as the wait does)."""
    times = [0.0]
    while times[-1] < until:
        times.append(times[-1] + plan.next_delay(times[-1], len(times)))
    return times


def lateness(plan: PollPlan, duration: float) -> float:
    """How long after ``duration`` the first poll that sees the job done comes."""
    return next(t for t in poll_times(plan, duration + 60) if t >= duration) - duration


def within_budget(times: list[float]) -> bool:
    rate = BUDGET_PER_MINUTE / 60
    return all(n + 1 <= BUDGET_BURST + rate * t + 1e-9 for n, t in enumerate(times))


def test_a_job_of_a_kind_never_seen_polls_every_second_then_backs_off() -> None:
    plan = PollPlan()
    times = poll_times(plan, 120)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(g == pytest.approx(1.0) for g in gaps[:29])
    assert max(gaps) <= 5.0 + 1e-9 and gaps[-1] > 2.0  # slower later, never past 5 s
    for duration in (2.5, 7.2, 15.4, 28.0):
        assert lateness(plan, duration) <= 1.0
    assert within_budget(times)


@pytest.mark.parametrize("typical", [3.0, 7.0, 15.0, 45.0])
def test_a_known_kind_is_polled_densely_around_its_usual_duration(typical: float) -> None:
    history = [typical * f for f in (0.93, 1.0, 1.05, 0.97, 1.08, 1.0, 0.95)]
    plan = PollPlan.from_durations(history)
    assert plan.expected == pytest.approx(typical)
    assert plan.early < min(history) and plan.late > max(history)
    for duration in history:
        assert lateness(plan, duration) <= plan.dense + 1e-9
    # Sparse before the window: fewer requests than a job of an unknown kind.
    known = [t for t in poll_times(plan, typical) if t < typical]
    unknown = [t for t in poll_times(PollPlan(), typical) if t < typical]
    if typical >= 7:
        assert len(known) < len(unknown)
    gaps_before = [b - a for a, b in itertools.pairwise(known) if b <= plan.early - plan.dense]
    assert all(g <= plan.sparse + 1e-9 for g in gaps_before)
    # A job far slower than usual is still found, just later (backing off up to 5 s).
    assert lateness(plan, typical * 3) <= 5.0
    assert within_budget(poll_times(plan, typical * 4))


def test_the_budget_stretches_a_long_dense_window() -> None:
    plan = PollPlan.from_durations([5.0, 200.0, 90.0, 30.0])  # all over the place
    times = poll_times(plan, 240)
    assert within_budget(times)
    in_window = [t for t in times if plan.early <= t <= plan.late]
    minute = [t for t in in_window if in_window[0] + 60 <= t < in_window[0] + 120]
    assert len(minute) <= BUDGET_PER_MINUTE + 1  # not 120 polls at 0.5 s


def test_few_samples_widen_the_window() -> None:
    one = PollPlan.from_durations([10.0])
    many = PollPlan.from_durations([10.0] * 10)
    assert one.early < many.early and one.late > many.late
    assert PollPlan.from_durations([]).expected is None
    assert PollPlan.from_durations([float("nan"), -1.0]).expected is None


def test_pace_scales_the_schedule_for_a_fast_simulator() -> None:
    fast = replace(PollPlan(), pace=0.05)
    times = poll_times(fast, 3.0)
    assert times[1] == pytest.approx(0.05)
    assert len(times) > 50  # the budget scales with the pace


def test_the_tracker_learns_the_middle_of_the_last_bracket() -> None:
    tracker = PollTracker(PollPlan())
    assert tracker(0.01, 1) == pytest.approx(1.0)
    tracker(1.02, 2)
    tracker(2.03, 3)
    assert tracker.duration(3.05) == pytest.approx((2.03 + 3.05) / 2)
    assert PollTracker(PollPlan()).duration(0.8) == pytest.approx(0.4)  # done at the first poll


def test_job_keys_name_what_changes_a_jobs_duration() -> None:
    base = GenerationRequest(prompt="a", model_id="m1", width=1024, height=768, num_images=4)
    key, model = job_keys(request_json(base))
    assert model == "m1" and "1024x768" in key and "n4" in key
    assert job_keys(request_json(replace(base, prompt="other words")))[0] == key
    assert job_keys(request_json(replace(base, alchemy=True)))[0] != key
    assert job_keys(request_json(replace(base, width=512)))[0] != key
    assert job_keys(None) == job_keys("not json") == job_keys(json.dumps([1]))


def test_the_library_keeps_durations_by_kind_and_plans_fall_back(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "library.sqlite3")
    try:
        assert plan_for(lib, "m1|a", "m1").expected is None  # nothing known yet
        for seconds in (9.0, 10.0, 11.0):
            lib.record_job_duration("m1|a", "m1", seconds)
        lib.record_job_duration("m1|a", "m1", float("inf"))  # ignored
        lib.record_job_duration("m1|a", "m1", -3)  # ignored
        assert lib.job_durations("m1|a", "m1")["key"] == [11.0, 10.0, 9.0]
        exact = plan_for(lib, "m1|a", "m1")
        assert exact.expected == 10.0
        other_size = plan_for(lib, "m1|b", "m1")  # same model, another size: wider
        assert other_size.expected == 10.0 and other_size.early < exact.early
        other_model = plan_for(lib, "m2|a", "m2")  # fewer than 5 jobs at all: unknown kind
        assert other_model.expected is None
        for n in range(60):
            lib.record_job_duration("m3|a", "m3", 20.0 + n)
        kept = lib.job_durations("m3|a", "m3", limit=100)["key"]
        assert len(kept) == 50 and kept[0] == 79.0  # only the newest 50 of a kind are kept
        assert plan_for(lib, "m2|a", "m2").expected is not None  # now from any job, wider
    finally:
        lib.close()


def _run_jobs(sim: Any, tmp_path: Path, durations: list[float]) -> list[dict[str, float]]:
    """Run one job per duration through the pipeline (the simulator made to take that long),
    returning per job: its duration at the server, when the pipeline saw it done after the
    server finished it (lateness), and the polls it made."""
    lib = Library.open(tmp_path / "library.sqlite3")
    out: list[dict[str, float]] = []
    try:
        with LeonardoClient(SIM_KEY, base_url=sim.base_url) as client:
            for seconds in durations:
                sim.state.cfg = replace(sim.state.cfg, generation_seconds=seconds)
                job_id = lib.add_job("generation", None)
                polls_before = sim.count("GET", "/generations/*")
                seen_done: list[float] = []

                def progress(p: Any, seen: list[float] = seen_done) -> None:
                    if p.state == "downloading" and not seen:
                        seen.append(time.monotonic())

                pipeline = Pipeline(
                    client,
                    ImageStore(tmp_path / "images"),
                    LibraryRecord(lib),
                    progress,
                    durations=lib,
                )
                req = GenerationRequest(prompt="a lighthouse", width=512, height=512)
                gen = pipeline.run(job_id, req)
                job = sim.state.job(gen.id)
                assert job is not None and job.finished_at is not None and seen_done
                out.append(
                    {
                        "duration": job.finished_at - job.started_at,
                        "late": seen_done[0] - job.finished_at,
                        "polls": sim.count("GET", "/generations/*") - polls_before,
                    }
                )
    finally:
        lib.close()
    return out


def test_the_pipeline_learns_a_kinds_duration_and_polls_around_it(sim: Any, tmp_path: Path) -> None:
    runs = _run_jobs(sim, tmp_path, [3.0, 3.0, 3.0])
    first, *learnt = runs
    assert first["late"] <= 1.1  # no history: polled every second
    for run in learnt:
        assert run["late"] <= 0.6  # polled every 0.5 s around the expected finish
        assert run["polls"] <= first["polls"] + 2
    lib = Library.open(tmp_path / "library.sqlite3")
    try:
        (key, model) = job_keys(
            request_json(GenerationRequest("a lighthouse", width=512, height=512))
        )
        remembered = lib.job_durations(key, model)["key"]
    finally:
        lib.close()
    assert len(remembered) == 3
    assert all(abs(seconds - 3.0) <= 0.6 for seconds in remembered)
