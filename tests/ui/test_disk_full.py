"""A full disk while a job is on the server: the job waits and says so, nothing is lost, and it
finishes by itself once space returns. The profile lives on a small tmpfs filled for real (so
SQLite, the image store and the log all meet ENOSPC); needs root to mount it."""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.helpers import Apps, sim_runtime, submit_prompt, wait_models


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here (needs root): {done.stderr.strip()}")
    monkeypatch.setenv("LEODESK_HOME", str(mount / "home"))
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Write a file until the disk refuses (ENOSPC); returns it."""
    filler = disk / "filler"
    chunk = b"\0" * (1 << 20)
    with filler.open("wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with contextlib.suppress(OSError), filler.open("ab") as out:
        while True:  # the last few KB too
            out.write(b"\0" * 4096)
            out.flush()
    return filler


def test_a_sent_job_waits_for_space_and_then_finishes(
    qtbot: Any, apps: Apps, make_sim: Any, small_disk: Path
) -> None:
    sim = make_sim(seed=5, generation_seconds=1.5)
    window = apps.start(sim_runtime(sim))
    wait_models(qtbot, window)
    window.ctx.generation.tuning.update(space_wait=0.2)
    submit_prompt(qtbot, window, "a greenhouse full of orchids", num_images=2)
    qtbot.waitUntil(lambda: window.ctx.queue.states() == ["pending"], timeout=10000)

    filler = _fill(small_disk)  # the disk fills up while the server works
    qtbot.waitUntil(lambda: "disk is full" in window.jobs.detail.text(), timeout=15000)
    assert "free some space" in window.jobs.detail.text()
    assert window.ctx.queue.states() != ["done"]

    # A new job meanwhile cannot even be stored: it is refused with a clear message (the
    # form keeps it), and nothing is sent.
    failures: list[str] = []
    window.ctx.generation.failed.connect(failures.append)
    submit_prompt(qtbot, window, "a second greenhouse", num_images=2)
    qtbot.waitUntil(lambda: bool(failures), timeout=15000)
    assert "full" in failures[0] and "Free some space" in failures[0]
    assert sim.count("POST", "/generations") == 1

    filler.unlink()  # space returns: the sent job goes on by itself
    qtbot.waitUntil(lambda: window.ctx.queue.states() == ["done"], timeout=30000)
    job = window.ctx.backend.reader.queue_jobs()[0]
    assert job.generation_id is not None
    assert len(window.ctx.backend.reader.stored_image_ids(job.generation_id)) == 2
    # and the refused one can be sent again as it is
    submit_prompt(qtbot, window, "a second greenhouse", num_images=2)
    qtbot.waitUntil(lambda: window.ctx.queue.states() == ["done", "done"], timeout=30000)
    assert sim.count("POST", "/generations") == 2
    assert len(failures) == 1
