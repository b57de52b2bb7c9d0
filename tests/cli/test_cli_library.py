"""``leodesk sync`` and ``leodesk search`` end to end: real subprocesses against the simulator
over loopback HTTP, on the profile's real library file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from leodesk import cli
from leodesk.core import paths
from leodesk.core.library import Library
from leodesk.sim import SimConfig, SimServer
from tests.conftest import SIM_KEY

HISTORY = 30


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(
        SimConfig(seed=7, seed_generations=HISTORY, generation_seconds=0.05, api_key=SIM_KEY)
    ).start()
    try:
        yield server
    finally:
        server.stop()


def run_cli(
    args: list[str], sim: SimServer | None, *, key: str | None = SIM_KEY
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("LEONARDO_API_KEY", None)
    env["LEODESK_API_URL"] = sim.base_url if sim is not None else "http://127.0.0.1:9/api"
    if key is not None:
        env["LEONARDO_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def library_path() -> Path:
    return paths.resolve().library_db


def ok_json(r: subprocess.CompletedProcess[str]) -> object:
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_sync_then_search(sim: SimServer) -> None:
    r = run_cli(["sync", "--json"], sim)
    summary = ok_json(r)
    assert isinstance(summary, dict)
    assert (summary["mode"], summary["status"]) == ("full", "done")
    assert summary["generations"] == summary["new"] == HISTORY
    assert summary["images"] == summary["visible_images"] > HISTORY
    assert summary["downloaded"] == 0 and summary["library"] == str(library_path())
    assert "full: page 1" in r.stderr  # progress on stderr, JSON alone on stdout

    rows = ok_json(run_cli(["search", "cat", "--json"], sim))
    assert isinstance(rows, list) and rows
    for row in rows:
        assert "cat" in row["prompt"].lower()
        assert set(row) >= {
            "image_id",
            "generation_id",
            "prompt",
            "model_id",
            "model",
            "width",
            "height",
            "seed",
            "created_at",
            "file",
        }
        assert row["file"] is None  # nothing downloaded yet
        assert row["created_at"].endswith("Z")
    times = [row["created_at"] for row in rows]
    assert times == sorted(times, reverse=True)  # newest first

    everything = ok_json(run_cli(["search", "--limit", "1000", "--json"], sim))
    assert isinstance(everything, list) and len(everything) == summary["visible_images"]
    limited = ok_json(run_cli(["search", "--limit", "3", "--json"], sim))
    assert limited == everything[:3]

    model = everything[0]["model_id"]
    by_model = ok_json(run_cli(["search", "--model", model, "--limit", "1000", "--json"], sim))
    assert isinstance(by_model, list)
    assert by_model and {row["model_id"] for row in by_model} == {model}
    assert len(by_model) < len(everything)

    text = run_cli(["search", "cat", "--limit", "2"], sim)
    assert text.returncode == 0 and len(text.stdout.strip().splitlines()) == 2
    assert "2 image(s)" in text.stderr


def test_dates_and_favourites(sim: SimServer) -> None:
    ok_json(run_cli(["sync", "--json"], sim))
    everything = ok_json(run_cli(["search", "--limit", "1000", "--json"], sim))
    assert isinstance(everything, list)
    past = ok_json(run_cli(["search", "--until", "2001-01-01", "--json"], sim))
    assert past == []
    future = (date.today() + timedelta(days=2)).isoformat()
    assert ok_json(run_cli(["search", "--since", future, "--json"], sim)) == []
    window = ok_json(
        run_cli(
            ["search", "--since", "2001-01-01", "--until", future, "--limit", "1000", "--json"],
            sim,
        )
    )
    assert window == everything

    chosen = [everything[1]["image_id"], everything[4]["image_id"]]
    with Library.open(library_path()) as lib:
        lib.set_favourite(chosen, True)
    favourites = ok_json(run_cli(["search", "--favourite", "--json"], sim))
    assert isinstance(favourites, list)
    assert [row["image_id"] for row in favourites] == chosen
    assert all(row["favourite"] for row in favourites)


def test_sync_images_then_search_shows_files(sim: SimServer) -> None:
    r = run_cli(["sync", "--images", "--json"], sim)
    summary = ok_json(r)
    assert isinstance(summary, dict)
    assert summary["downloaded"] == summary["images"] and summary["download_failed"] == 0
    assert summary["images_status"] == "done"
    assert "images:" in r.stderr
    rows = ok_json(run_cli(["search", "--limit", "1000", "--json"], sim))
    assert isinstance(rows, list)
    files = {row["file"] for row in rows}
    assert None not in files and len(files) == len(rows)  # one file per image, no duplicates
    assert all(Path(f).is_file() for f in files)

    again = ok_json(run_cli(["sync", "--images", "--json"], sim))
    assert isinstance(again, dict)
    assert again["mode"] == "incremental" and again["downloaded"] == 0
    assert sim.count("GET", "/cdn/*") == summary["images"]  # nothing fetched twice


def test_a_second_sync_is_incremental_and_full_on_request(sim: SimServer) -> None:
    ok_json(run_cli(["sync", "--json"], sim))
    sim.clear_requests()
    second = ok_json(run_cli(["sync", "--json"], sim))
    assert isinstance(second, dict) and second["mode"] == "incremental"
    assert sim.count("GET", "/generations/user/*") == 1
    forced = ok_json(run_cli(["sync", "--full", "--json"], sim))
    assert isinstance(forced, dict) and forced["mode"] == "full"
    plain = run_cli(["sync"], sim)
    assert plain.returncode == 0 and plain.stdout.startswith("Sync done")


def test_search_works_offline_without_a_key(sim: SimServer) -> None:
    ok_json(run_cli(["sync", "--json"], sim))
    rows = ok_json(run_cli(["search", "cat", "--json"], None, key=None))
    assert isinstance(rows, list) and rows


def test_search_of_an_empty_library(sim: SimServer) -> None:
    assert ok_json(run_cli(["search", "anything", "--json"], None, key=None)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--since", "2024-13-01"], "--since must be a date"),
        (["search", "x", "--until", "yesterday"], "--until must be a date"),
        (["search", "x", "--limit", "0"], "--limit must be between"),
    ],
)
def test_bad_search_options_are_one_line(sim: SimServer, args: list[str], message: str) -> None:
    r = run_cli(args, None, key=None)
    assert r.returncode == cli.EXIT_USAGE
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leodesk: ") and message in lines[0]


def test_odd_queries_are_plain_text(sim: SimServer) -> None:
    ok_json(run_cli(["sync", "--json"], sim))
    for query in ['"', "NEAR(", "cat AND", "-", "*", "a:b", "(", "кошка", ""]:
        r = run_cli(["search", query, "--json"], None, key=None)
        assert r.returncode == 0, (query, r.stderr)
        assert isinstance(json.loads(r.stdout), list)


def test_a_failed_sync_is_one_line(sim: SimServer) -> None:
    r = run_cli(["sync", "--json"], sim, key="wrong-key")
    assert r.returncode == cli.EXIT_ERROR and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leodesk: Sync stopped:")
    assert "API key was rejected" in lines[0]
