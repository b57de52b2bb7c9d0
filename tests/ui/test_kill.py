"""SIGKILL mid-queue: the real app in a subprocess (tests/ui/kill_driver.py) queues jobs on the
test's simulator and is killed with SIGKILL while a submit, a download or a disk write is under
way; the app then starts again on the same profile (in this process) and must finish every job,
with each job submitted exactly once and nothing but complete, verified images in the store.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leodesk.core import paths
from leodesk.core.imagestore import verify_image
from tests.conftest import REPO, SIM_KEY
from tests.ui.helpers import Apps, sim_runtime, wait_idle

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
    pytest.mark.timeout(60),
]

HELD = 60.0  # seconds a held request would wait (the process is killed long before)
_STORED_NAME = re.compile(r"(?P<sha>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{1,8})")


class Driver:
    """One run of tests/ui/kill_driver.py; its stdout is read on a thread, stderr goes to a
    file shown when something fails."""

    def __init__(self, sim: Any, args: list[str], log_dir: Path) -> None:
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            LEODESK_API_URL=sim.base_url,
            LEONARDO_API_KEY=SIM_KEY,
        )
        self._stderr_path = log_dir / f"driver-{time.monotonic_ns()}.stderr"
        self._stderr = self._stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.kill_driver", *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        self._stderr.flush()
        err = self._stderr_path.read_text(errors="replace")
        return "stdout:\n" + "\n".join(self.lines) + "\nstderr:\n" + err[-4000:]

    def wait_for(self, cond: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if self.proc.poll() is not None:
                pytest.fail(
                    f"the app exited ({self.proc.returncode}) before {what}\n{self.output()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.output()}")
            time.sleep(0.02)

    def line(self, prefix: str) -> str | None:
        return next((ln for ln in self.lines if ln.startswith(prefix)), None)

    def kill(self) -> None:
        """SIGKILL: no handler, no shutdown, no flush runs in the app."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        assert self.proc.returncode == -signal.SIGKILL

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        finally:
            self._reader.join(5)
            self._stderr.close()


@pytest.fixture
def drivers(tmp_path: Path) -> Iterator[Callable[..., Driver]]:
    started: list[Driver] = []

    def start(sim: Any, *args: str) -> Driver:
        driver = Driver(sim, list(args), tmp_path)
        started.append(driver)
        return driver

    try:
        yield start
    finally:
        for driver in started:
            driver.close()


@pytest.fixture
def kill_sim(make_sim: Any) -> Any:
    return make_sim(seed=17, generation_seconds=0.2, concurrency_slots=3)


# -- what the simulator and the profile hold -------------------------------------------------


def _in_flight(sim: Any, method: str, pattern: str) -> int:
    """Requests matching ``pattern`` (a regex on the path) that have no answer yet."""
    return sum(
        1
        for r in sim.requests
        if r.method == method and re.fullmatch(pattern, r.path) and r.status == 0
    )


def _submitted_prompts(sim: Any) -> list[str]:
    return sorted(
        r.json["prompt"] for r in sim.requests if r.method == "POST" and r.path == "/generations"
    )


def _store_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _temp_files(root: Path) -> list[Path]:
    return [p for p in _store_files(root) if not _STORED_NAME.fullmatch(p.name)]


def _db_rows(sql: str) -> list[tuple[Any, ...]]:
    db = paths.resolve().library_db
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql).fetchall())
    finally:
        conn.close()


def _restart_and_finish(qtbot: Any, apps: Apps, sim: Any, prompts: list[str]) -> Any:
    """Start the app again on the killed run's profile; wait until every job is done."""
    window = apps.start(sim_runtime(sim))
    reader = window.ctx.backend.reader

    def states() -> list[str]:
        return [j.state.value for j in reader.queue_jobs()]

    try:
        qtbot.waitUntil(lambda: states() == ["done"] * len(prompts), timeout=20000)
    except Exception:
        jobs = [(j.id, j.state.value, j.error) for j in reader.queue_jobs()]
        raise AssertionError(f"the jobs did not all finish: {jobs}") from None
    wait_idle(qtbot, window)
    return window


def _check_finished(sim: Any, prompts: list[str], images_each: int = 2) -> None:
    """Every job submitted once and done with its own generation; the store holds exactly the
    library's images, each complete and verified, and nothing else."""
    assert _submitted_prompts(sim) == sorted(prompts), "a job was submitted twice (or never)"
    assert len(sim.state.generation_ids()) == len(prompts)

    jobs = _db_rows(
        "SELECT j.id, j.state, j.generation_id, g.prompt FROM jobs j "
        "LEFT JOIN generations g ON g.id = j.generation_id ORDER BY j.id"
    )
    assert [j[1] for j in jobs] == ["done"] * len(prompts)
    generation_ids = [j[2] for j in jobs]
    assert len(set(generation_ids)) == len(prompts), f"two jobs follow one generation: {jobs}"
    assert set(generation_ids) == set(sim.state.generation_ids())
    assert sorted(j[3] for j in jobs) == sorted(prompts)

    images = _db_rows("SELECT generation_id, sha256, ext FROM images")
    assert len(images) == images_each * len(prompts)
    assert all(sha is not None for _g, sha, _e in images), "an image was not downloaded"
    root = paths.resolve().images
    files = _store_files(root)
    assert _temp_files(root) == [], "a temporary file was left in the image store"
    assert {(p.stem, p.suffix[1:]) for p in files} == {(sha, ext) for _g, sha, ext in images}
    for path in files:
        data = path.read_bytes()
        assert path.parent.name == path.stem[:2]
        assert hashlib.sha256(data).hexdigest() == path.stem, f"{path} is not what it is named"
        verify_image(data)  # complete and decodable


# -- the tests ---------------------------------------------------------------------------------


def test_killed_while_submits_are_in_flight(
    qtbot: Any, apps: Apps, kill_sim: Any, drivers: Callable[..., Driver]
) -> None:
    """Submits the server accepted but never answered (it holds the answer) are reconciled after
    the restart, not sent again; jobs never sent are sent once. Two jobs share a prompt (Generate
    clicked twice): each still ends with a generation of its own."""
    sim = kill_sim
    prompts = [
        "a red fox in fresh snow",
        "a red fox in fresh snow",
        "a lighthouse at dusk",
        "an old map of the sea",
        "a teapot on a windowsill",
    ]
    sim.add_fault("POST", "/generations", "slow", delay=HELD, commit=True)
    driver = drivers(sim, *prompts)
    driver.wait_for(lambda: driver.line("queued") is not None, "the jobs were queued")
    # The queue sends as many as the account's slots allow (3), and the server creates each
    # job, then holds its answer.
    driver.wait_for(
        lambda: (
            _in_flight(sim, "POST", "/generations") == 3 and len(sim.state.generation_ids()) == 3
        ),
        "three submits in flight",
    )
    driver.kill()
    assert len(sim.state.generation_ids()) == 3
    assert _in_flight(sim, "POST", "/generations") == 3  # none of them was ever answered
    # What the killed run left: three sent with no answer (outcome unknown), two never sent.
    left = _db_rows("SELECT state, generation_id, submitted_ms IS NOT NULL FROM jobs ORDER BY id")
    assert sorted(left) == [("queued", None, 0)] * 2 + [("submitting", None, 1)] * 3

    sim.clear_faults()
    _restart_and_finish(qtbot, apps, sim, prompts)
    _check_finished(sim, prompts)
    assert sim.count("GET", "/generations/user/*") >= 3  # the three were looked for instead


def test_killed_while_images_download(
    qtbot: Any, apps: Apps, kill_sim: Any, drivers: Callable[..., Driver]
) -> None:
    """The images of the finished generations are downloading (the CDN holds them) when the
    app is killed: after the restart they are downloaded, and nothing is submitted again."""
    sim = kill_sim
    prompts = ["a harbour in the rain", "a cat on a fence", "a field of poppies"]
    sim.add_fault("GET", "/cdn/users/*", "slow", delay=HELD)
    driver = drivers(sim, *prompts)
    driver.wait_for(
        lambda: _in_flight(sim, "GET", r"/cdn/users/.*/Leonardo_\d+\.\w+") >= 3,
        "a download in flight for every job",
    )
    assert sim.count("POST", "/generations") == 3
    driver.kill()
    assert _store_files(paths.resolve().images) == []
    left = _db_rows(
        "SELECT j.state, g.status FROM jobs j JOIN generations g ON g.id = j.generation_id"
    )
    assert left == [("pending", "COMPLETE")] * 3  # finished on the server, not downloaded

    sim.clear_faults()
    _restart_and_finish(qtbot, apps, sim, prompts)
    _check_finished(sim, prompts)


def test_killed_while_an_image_is_written(
    qtbot: Any, apps: Apps, kill_sim: Any, drivers: Callable[..., Driver]
) -> None:
    """Killed half-way through writing an image file: the half-written temporary file is
    removed on the next start, and the image is downloaded and stored again, whole."""
    sim = kill_sim
    prompts = ["a glass of water on a table"]
    driver = drivers(sim, *prompts, "--hold-write")
    root = paths.resolve().images
    driver.wait_for(
        lambda: driver.line("writing") is not None and len(_temp_files(root)) >= 1,
        "an image file half-written",
    )
    driver.kill()
    partial = _temp_files(root)
    assert partial and all(p.stat().st_size > 0 for p in partial)
    assert all(p.name.startswith(f".tmp-{driver.proc.pid}-") for p in partial)
    assert [p for p in _store_files(root) if p not in partial] == []

    _restart_and_finish(qtbot, apps, sim, prompts)
    _check_finished(sim, prompts)


def test_killed_after_typing_the_prompt_comes_back(
    qtbot: Any, apps: Apps, kill_sim: Any, drivers: Callable[..., Driver]
) -> None:
    """The form is saved a moment after each change: a kill loses at most those moments."""
    sim = kill_sim
    text = "a heron standing in a misty river at dawn"
    driver = drivers(sim, f"--type={text}")
    driver.wait_for(lambda: driver.line("typed") is not None, "the prompt was typed")
    driver.wait_for(lambda: driver.line("saved") is not None, "the autosave", timeout=10.0)
    driver.kill()
    window = apps.start(sim_runtime(sim))
    assert window.form.prompt_edit.toPlainText() == text
    wait_idle(qtbot, window)
