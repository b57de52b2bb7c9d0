"""Two CLI commands that write the library on one profile: the second waits briefly, then says
which command is in the way and exits 1; the first finishes undisturbed. Read-only commands
never wait."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk.core import paths
from tests.conftest import REPO, SIM_KEY


def _env(sim: Any) -> dict[str, str]:
    return dict(os.environ, LEODESK_API_URL=sim.base_url, LEONARDO_API_KEY=SIM_KEY)


def _generations(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0])


@pytest.fixture
def slow_sim() -> Iterator[Any]:
    """30 generations; the first listing page answers 4 s late (a sync holds the profile
    meanwhile)."""
    from leodesk.sim import SimConfig, SimServer

    server = SimServer(
        SimConfig(
            api_key=SIM_KEY,
            latency_ms=0,
            seed_generations=30,
            faults="GET /generations/user/*=slow:4x1",
        )
    ).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_second_sync_refuses_while_the_first_runs(slow_sim: Any) -> None:
    sim = slow_sim
    profile = paths.resolve()
    first = subprocess.Popen(
        [sys.executable, "-m", "leodesk", "sync", "--json"],
        cwd=REPO,
        env=_env(sim),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        record = profile.data / "instance.json"
        deadline = time.monotonic() + 20
        while not (record.exists() and '"sync"' in record.read_text()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first sync never took the profile"
            time.sleep(0.05)

        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "leodesk", "sync"],
            cwd=REPO,
            env=_env(sim),
            capture_output=True,
            text=True,
            timeout=60,
        )
        waited = time.monotonic() - started
        assert second.returncode == 1, second.stderr
        assert second.stderr.strip() == (
            f"leodesk: another leodesk command (`leodesk sync`, process {first.pid}) is "
            "writing this profile's library; run this one when it has finished"
        )
        assert second.stdout == ""
        assert waited >= 2.0  # it waited briefly (WRITER_WAIT_S) before refusing
        assert first.poll() is None, "the first sync was still running when refused"

        # A read-only command is not refused while the writer runs.
        search = subprocess.run(
            [sys.executable, "-m", "leodesk", "search", "--json"],
            cwd=REPO,
            env=_env(sim),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert search.returncode == 0, search.stderr
        assert "writing" not in search.stderr

        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err
    assert json.loads(out)["visible_images"] > 0
    assert _generations(profile.library_db) == 30  # everything, once
    assert not record.exists()  # let go at the end

    # The profile is free again: the next sync runs at once.
    again = subprocess.run(
        [sys.executable, "-m", "leodesk", "sync"],
        cwd=REPO,
        env=_env(sim),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert _generations(profile.library_db) == 30


def _leodesk(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_pictures_to_open_that_are_not_there_are_named(tmp_path: Path) -> None:
    (tmp_path / "sketches").mkdir()
    r = _leodesk(["harbour.png"], tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() == "leodesk: harbour.png does not exist; nothing was opened"
    r = _leodesk(["--demo", "./sketches"], tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() == "leodesk: ./sketches is a folder, not a picture; nothing was opened"
    assert not (paths.resolve().data / "instance.json").exists()  # no app was started


def test_a_file_named_like_a_command_leaves_the_command_alone(tmp_path: Path) -> None:
    (tmp_path / "me").write_text("a file called me")
    r = _leodesk(["--demo", "me", "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["demo"] is True
