"""``python -m leodesk.sim`` as a subprocess: prints the URL and key, serves, stops on signal."""

from __future__ import annotations

import base64
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image


@pytest.fixture
def run_cli() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def start(procs: list[subprocess.Popen[str]], *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "leodesk.sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    procs.append(proc)
    return proc


def test_cli_serves_and_stops(run_cli: list[subprocess.Popen[str]]) -> None:
    proc = start(
        run_cli,
        "--port",
        "0",
        "--generation-seconds",
        "0.05",
        "--slots",
        "3",
        "--seed-generations",
        "2",
        "--latency-ms",
        "1",
        "--lcm-latency",
        "0.3",
        "--faults",
        "GET /platformModels=503x1",
        "--seed",
        "5",
    )
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    key = proc.stdout.readline().strip()
    assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/rest/v1")
    assert key == "leodesk-demo-key"
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as api:
        me = api.get("/me").json()["user_details"][0]
        assert me["apiConcurrencySlots"] == 3
        user = me["user"]["id"]
        assert len(api.get(f"/generations/user/{user}").json()["generations"]) == 2
        assert api.get("/platformModels").status_code == 503
        assert api.get("/platformModels").status_code == 200
        picture = io.BytesIO()
        Image.new("RGB", (32, 32)).save(picture, format="JPEG")
        lcm = {
            "prompt": "a live sketch",
            "imageDataUrl": "data:image/jpeg;base64,"
            + base64.b64encode(picture.getvalue()).decode(),
        }
        started = time.monotonic()
        assert api.post("/generations-lcm", json=lcm).status_code == 200
        assert time.monotonic() - started >= 0.3  # --lcm-latency
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == 0


def test_cli_sigint(run_cli: list[subprocess.Popen[str]]) -> None:
    proc = start(run_cli, "--port", "0")
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    with httpx.Client() as client:
        assert client.get(base_url + "/me").status_code == 401
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0


def test_cli_rejects_bad_faults(run_cli: list[subprocess.Popen[str]]) -> None:
    proc = start(run_cli, "--faults", "GET /me=explode")
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 2 and "explode" in err


def test_cli_state_dir_survives_kill_9(
    run_cli: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    """The account is written in the background, so even a SIGKILL keeps what was made."""
    folder = tmp_path / "account"
    args = ("--generation-seconds", "0.05", "--seed-generations", "1", "--state-dir", str(folder))
    proc = start(run_cli, *args)
    assert proc.stdout is not None
    base_url, key = proc.stdout.readline().strip(), proc.stdout.readline().strip()
    auth = {"Authorization": f"Bearer {key}"}
    body = {"prompt": "kept through a kill", "width": 512, "height": 512, "num_images": 1}
    with httpx.Client(base_url=base_url, headers=auth) as api:
        made = api.post("/generations", json=body).json()["sdGenerationJob"]["generationId"]
        user = api.get("/me").json()["user_details"][0]["user"]["id"]
    deadline = time.monotonic() + 5
    while made.encode() not in (folder / "state.json").read_bytes():
        assert time.monotonic() < deadline, "the account was not written within 5 s"
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=5)

    again = start(run_cli, *args)
    assert again.stdout is not None
    base_url = again.stdout.readline().strip()
    with httpx.Client(base_url=base_url, headers=auth) as api:
        rows = api.get(f"/generations/user/{user}").json()["generations"]
        assert len(rows) == 2 and rows[0]["id"] == made
    again.send_signal(signal.SIGTERM)
    assert again.wait(timeout=5) == 0
