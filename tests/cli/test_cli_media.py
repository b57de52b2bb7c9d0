"""``leodesk media upload|show|rm`` end to end: real subprocesses against the simulator over
loopback HTTP, every request body validated against the spec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from leodesk.sim import video_render
from tests.cli.test_cli_canvas import ok_json, run_cli
from tests.cli.test_cli_training import check_requests


def test_upload_show_and_delete(sim: Any, tmp_path: Path) -> None:
    clip = tmp_path / "walk.mp4"
    clip.write_bytes(video_render.motion_mp4("a walk", 320, 180))
    up = run_cli(["media", "upload", str(clip)], sim)
    assert up.returncode == 0, up.stderr
    media_id = up.stdout.strip()
    assert "uploaded walk.mp4" in up.stderr
    shown = ok_json(run_cli(["media", "show", media_id, "--json"], sim))
    assert shown["status"] == "COMPLETE" and (shown["width"], shown["height"]) == (320, 180)
    assert shown["duration"] > 3
    text = run_cli(["media", "show", media_id], sim)
    assert media_id in text.stdout and "320x180" in text.stdout
    assert ok_json(run_cli(["media", "rm", media_id, "--json"], sim)) == {"deleted": media_id}
    again = run_cli(["media", "show", media_id], sim)
    assert again.returncode != 0 and "no uploaded video" in again.stderr
    check_requests(sim)


def test_other_files_are_refused_and_nothing_is_sent(sim: Any, tmp_path: Path) -> None:
    gif = tmp_path / "anim.gif"
    gif.write_bytes(b"GIF89a")
    r = run_cli(["media", "upload", str(gif)], sim)
    assert r.returncode == 2 and "MP4 and MOV" in r.stderr and "Traceback" not in r.stderr
    assert sim.count("POST", "/media") == 0


def test_demo_uploads_without_a_key(tmp_path: Path) -> None:
    clip = tmp_path / "demo.mov"
    clip.write_bytes(video_render.motion_mp4("demo", 160, 90))
    env = {k: v for k, v in os.environ.items() if k not in ("LEONARDO_API_KEY", "LEODESK_API_URL")}
    cmd = [sys.executable, "-m", "leodesk", "--demo", "media", "upload", str(clip), "--json"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    media_id = json.loads(r.stdout)["id"]
    cmd = [sys.executable, "-m", "leodesk", "--demo", "media", "show", media_id, "--json"]
    shown = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["status"] == "COMPLETE"
