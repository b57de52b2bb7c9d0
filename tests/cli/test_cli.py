"""The CLI end to end: real subprocesses against the simulator over loopback HTTP."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leodesk import cli
from tests.conftest import SIM_KEY


def run_cli(
    args: list[str],
    sim: Any,
    *,
    key: str = SIM_KEY,
    stdin: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["LEODESK_API_URL"] = sim.base_url
    env["LEONARDO_API_KEY"] = key
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gen_writes_real_images(sim: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run_cli(
        [
            "gen",
            "a red fox in the snow",
            "-n",
            "2",
            "--width",
            "512",
            "--height",
            "384",
            "--seed",
            "9876543210",
            "--out",
            str(out),
            "--json",
        ],
        sim,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["status"] == "COMPLETE"
    assert result["seed"] == 9876543210
    assert len(result["files"]) == 2
    for f in result["files"]:
        with Image.open(f) as im:
            assert im.size[0] >= 512 and im.size[1] >= 384
    assert sim.count("POST", "/generations") == 1
    body = next(r.json for r in sim.requests if r.method == "POST" and r.path == "/generations")
    assert body["public"] is False
    assert body["num_images"] == 2 and body["seed"] == 9876543210
    assert "modelId" not in body  # nothing the user did not choose
    assert "submitting" in r.stderr  # progress goes to stderr


def test_gen_prints_paths_without_json(sim: Any, tmp_path: Path) -> None:
    r = run_cli(
        [
            "gen",
            "a small boat",
            "-n",
            "1",
            "--width",
            "256",
            "--height",
            "256",
            "--out",
            str(tmp_path),
        ],
        sim,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 and Path(lines[0]).is_file()


def test_me_and_models(sim: Any) -> None:
    r = run_cli(["me", "--json"], sim)
    assert r.returncode == 0, r.stderr
    me = json.loads(r.stdout)
    assert me["user_id"] == sim.user_id
    assert isinstance(me["api_credits"], int) and me["api_concurrency_slots"] >= 1
    r = run_cli(["models"], sim)
    assert r.returncode == 0, r.stderr
    assert "Leonardo Kino XL" in r.stdout


def test_bad_key_is_one_clear_line(sim: Any) -> None:
    r = run_cli(["me"], sim, key="wrong-key")
    assert r.returncode == cli.EXIT_AUTH
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leodesk: ")
    assert "Traceback" not in r.stderr


def test_moderated_prompt_is_an_error(sim: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run_cli(["gen", "a nsfwword picture", "--out", str(out)], sim)
    assert r.returncode == cli.EXIT_ERROR
    assert "moderation" in r.stderr.lower()
    assert list(out.iterdir()) == []


def test_init_image_is_converted_and_uploaded(sim: Any, tmp_path: Path) -> None:
    src = tmp_path / "source.bmp"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(src)
    r = run_cli(
        [
            "gen",
            "repaint this",
            "-n",
            "1",
            "--width",
            "512",
            "--height",
            "512",
            "--init-image",
            str(src),
            "--out",
            str(tmp_path / "o"),
            "--json",
        ],
        sim,
    )
    assert r.returncode == 0, r.stderr
    presign = [q for q in sim.requests if q.method == "POST" and q.path == "/init-image"]
    assert presign and presign[0].json == {"extension": "png"}
    uploads = [q for q in sim.requests if q.form_fields]
    assert len(uploads) == 1
    assert uploads[0].form_fields[-1] == "file"
    assert "authorization" not in uploads[0].headers
    gen_body = next(q.json for q in sim.requests if q.method == "POST" and q.path == "/generations")
    assert gen_body["init_image_id"] and gen_body["init_strength"] == 0.5


def test_not_an_image_is_refused_before_any_upload(sim: Any, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    r = run_cli(["gen", "x", "--init-image", str(bad), "--out", str(tmp_path)], sim)
    assert r.returncode == cli.EXIT_USAGE
    assert "not an image" in r.stderr
    assert sim.count("POST", "/init-image") == 0


def test_demo_needs_no_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LEONARDO_API_KEY"}
    r = subprocess.run(
        [sys.executable, "-m", "leodesk", "--demo", "me", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["demo"] is True


def test_key_set_from_stdin_status_and_clear(
    sim: Any,
    real_keychain: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEODESK_API_URL", sim.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(SIM_KEY + "\n"))
    assert cli.run(["key", "set", "--json"]) == 0
    assert real_keychain.store == {real_keychain.entry: SIM_KEY}
    assert sim.count("GET", "/me") == 1  # checked against the API before storing
    assert cli.run(["key", "status", "--json"]) == 0
    out = capsys.readouterr().out
    assert SIM_KEY not in out and '"source": "keychain"' in out
    assert cli.run(["key", "clear"]) == 0
    assert real_keychain.store == {}


def test_key_set_refuses_a_key_the_api_rejects(
    sim: Any,
    real_keychain: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEODESK_API_URL", sim.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("not-the-key\n"))
    assert cli.run(["key", "set"]) == cli.EXIT_AUTH
    assert real_keychain.store == {}
    err = capsys.readouterr().err
    assert "not-the-key" not in err


def test_gen_with_a_phoenix_model_sends_what_the_api_asks(sim: Any, tmp_path: Path) -> None:
    """The model's facts come from the API (GET /models/{id}): a Phoenix model is sent with
    sd_version PHOENIX, which the API requires, and it generates."""
    phoenix = "de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3"
    out = tmp_path / "out"
    r = run_cli(
        ["gen", "a sign that says hello", "-n", "1", "--model", phoenix, "--out", str(out)], sim
    )
    assert r.returncode == 0, r.stderr
    posts = [q for q in sim.requests if q.method == "POST" and q.path == "/generations"]
    assert len(posts) == 1
    assert posts[0].json["modelId"] == phoenix and posts[0].json["sd_version"] == "PHOENIX"
    assert len(list(out.iterdir())) == 1
