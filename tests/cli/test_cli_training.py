"""``leodesk dataset`` and ``leodesk train`` end to end: real subprocesses against the simulator
over loopback HTTP, with every request body validated against the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.cli.test_cli_canvas import ok_json, run_cli
from tests.helpers.spec import operation_for, validate_request


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    folder = tmp_path / "pics"
    folder.mkdir()
    for i in range(6):
        Image.new("RGB", (40, 40), (i * 40, 20, 90)).save(folder / f"p{i}.png")
    (folder / "readme.txt").write_text("not a picture")
    (folder / ".DS_Store").write_bytes(b"\0")
    return folder


def check_requests(sim: Any) -> None:
    for rec in sim.requests:
        if not rec.path.startswith(("/cdn/", "/s3/")):
            validate_request(operation_for(rec.method, rec.path), rec.json if rec.body else None)


def test_dataset_commands(sim: Any, pictures: Path) -> None:
    created = ok_json(run_cli(["dataset", "create", "Pics", "--json"], sim))
    ds = created["id"]
    first = run_cli(["dataset", "add", ds, str(pictures / "p0.png"), "--json"], sim)
    assert ok_json(first)["uploaded"] == 1
    added = ok_json(run_cli(["dataset", "add", ds, str(pictures), "--json"], sim))
    assert added["uploaded"] == 5 and added["already_there"] == 1 and added["images"] == 6
    assert [Path(r["file"]).name for r in added["refused"]] == ["readme.txt"]
    listed = ok_json(run_cli(["dataset", "list", "--json"], sim))
    assert listed == [{"id": ds, "name": "Pics", "images": 6, "waiting": 0}]
    text = run_cli(["dataset", "list"], sim)
    assert ds in text.stdout and "Pics" in text.stdout
    missing = run_cli(["dataset", "add", ds, "nope.png"], sim)
    assert missing.returncode != 0 and "no such file" in missing.stderr
    removed = ok_json(run_cli(["dataset", "rm", ds, "--json"], sim))
    assert removed["deleted"] is True
    assert ok_json(run_cli(["dataset", "list", "--json"], sim)) == []
    assert sim.count("POST", "/s3/*") == 6
    check_requests(sim)


def test_train_commands(sim: Any, pictures: Path) -> None:
    ds = ok_json(run_cli(["dataset", "create", "Train me", "--json"], sim))["id"]
    ok_json(run_cli(["dataset", "add", ds, str(pictures / "p0.png"), "--json"], sim))
    small = run_cli(["train", "model", ds, "--name", "X", "--instance-prompt", "xw"], sim)
    assert small.returncode != 0 and "at least 5" in small.stderr
    assert sim.count("POST", "/models") == 0
    ok_json(run_cli(["dataset", "add", ds, str(pictures), "--json"], sim))
    model = run_cli(["train", "model", ds, "--name", "Pic model", "--instance-prompt", "picw"], sim)
    assert model.returncode == 0, model.stderr
    model_id = model.stdout.strip()
    assert sim.state.model_by_id(model_id)["custom_models_by_pk"]["status"] == "COMPLETE"
    assert "credits" in model.stderr
    element = ok_json(
        run_cli(["train", "element", ds, "--name", "Pic style", "--focus", "Style", "--json"], sim)
    )
    assert element["status"] == "COMPLETE" and element["kind"] == "element"
    quick = ok_json(
        run_cli(
            ["train", "element", ds, "--name", "Later", "--focus", "Object", "--no-wait", "--json"],
            sim,
        )
    )
    assert quick["status"] == "PENDING"
    failed = run_cli(["train", "element", ds, "--name", "simfail", "--focus", "Style"], sim)
    assert failed.returncode != 0 and "failed on the server" in failed.stderr
    assert sim.count("POST", "/elements") == 3 and sim.count("POST", "/models") == 1
    check_requests(sim)


def test_a_lost_answer_is_looked_for_never_resent(sim: Any, pictures: Path) -> None:
    ds = ok_json(run_cli(["dataset", "create", "Lost", "--json"], sim))["id"]
    ok_json(run_cli(["dataset", "add", ds, str(pictures), "--json"], sim))
    args = ["train", "element", ds, "--name", "Twice", "--focus", "Style", "--json"]
    old = ok_json(run_cli(args, sim))["id"]  # an older element of the same name
    sim.add_fault("POST", "/elements", "reset", commit=True, times=1)
    found = run_cli(args, sim)
    assert found.returncode == 0, found.stderr
    assert "looking for the training" in found.stderr
    new = json.loads(found.stdout)
    assert new["id"] != old and new["status"] == "COMPLETE"
    assert sim.count("POST", "/elements") == 2  # the lost one was not sent again
