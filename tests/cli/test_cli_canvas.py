"""``leodesk inpaint``, ``outpaint``, ``sketch`` and ``live`` end to end: real subprocesses
against the simulator over loopback HTTP, on the profile's real library file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leodesk import cli
from leodesk.core import paths
from leodesk.core.library import Library
from tests.conftest import SIM_KEY
from tests.helpers.spec import validate_request


def run_cli(args: list[str], sim: Any) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["LEODESK_API_URL"] = sim.base_url
    env["LEONARDO_API_KEY"] = SIM_KEY
    return subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok_json(r: subprocess.CompletedProcess[str]) -> Any:
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def sent(sim: Any, path: str) -> list[dict[str, Any]]:
    return [r.json for r in sim.requests if r.method == "POST" and r.path == path]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    picture = Image.new("RGB", (200, 120), (30, 120, 200))
    picture.paste((240, 240, 240), (20, 20, 60, 60))
    mask = Image.new("L", (200, 120), 0)
    mask.paste(255, (80, 30, 160, 90))
    out = {
        "picture": tmp_path / "picture.png",
        "mask": tmp_path / "mask.png",
        "small_mask": tmp_path / "small_mask.png",
        "empty_mask": tmp_path / "empty_mask.png",
        "text": tmp_path / "notes.png",
    }
    picture.save(out["picture"])
    mask.save(out["mask"])
    Image.new("L", (100, 60), 255).save(out["small_mask"])
    Image.new("L", (200, 120), 0).save(out["empty_mask"])
    out["text"].write_text("not a picture")
    return out


def library() -> Library:
    return Library.open(paths.resolve().library_db)


def check_canvas_uploads(sim: Any) -> None:
    assert sim.count("POST", "/canvas-init-image") == 1
    uploads = [r for r in sim.requests if r.path.startswith("/s3/")]
    assert len(uploads) == 2
    assert all("authorization" not in r.headers for r in uploads)


def test_inpaint_uploads_generates_stores_and_writes(
    sim: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    r = run_cli(
        [
            "inpaint",
            str(files["picture"]),
            "--mask",
            str(files["mask"]),
            "a red ball",
            "-n",
            "2",
            "--out",
            str(out),
            "--json",
        ],
        sim,
    )
    result = ok_json(r)
    assert result["status"] == "COMPLETE" and len(result["files"]) == 2
    for name in result["files"]:
        with Image.open(name) as im:
            assert im.size == (200, 120)
    check_canvas_uploads(sim)
    (body,) = sent(sim, "/generations")
    validate_request("createGeneration", body)
    assert body["canvasRequest"] is True and body["canvasRequestType"] == "INPAINT"
    assert body["canvasInitId"] and body["canvasMaskId"]
    assert (body["width"], body["height"]) == (200, 120) and body["num_images"] == 2
    with library() as lib:
        gen = lib.get_generation(result["generation_id"])
        assert gen is not None and len(gen.images) == 2
        assert all(image.has_file for image in gen.images)
        assert lib.image_ids_page(0, 10) and not gen.local


def test_inpaint_from_a_library_image_records_it_as_the_parent(
    sim: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    first = ok_json(
        run_cli(
            [
                "gen",
                "a harbour",
                "-n",
                "1",
                "--width",
                "512",
                "--height",
                "384",
                "--out",
                str(tmp_path / "a"),
                "--json",
            ],
            sim,
        )
    )
    with library() as lib:
        gen = lib.get_generation(first["generation_id"])
        assert gen is not None
        source = gen.images[0].id
    with Image.open(first["files"][0]) as written:  # the file, larger than asked (alchemy)
        size = written.size
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, 128, 128))
    mask.save(tmp_path / "m.png")
    second = ok_json(
        run_cli(
            [
                "inpaint",
                source,
                "--mask",
                str(tmp_path / "m.png"),
                "a boat",
                "-n",
                "1",
                "--out",
                str(tmp_path / "b"),
                "--json",
            ],
            sim,
        )
    )
    with library() as lib:
        made = lib.get_generation(second["generation_id"])
        assert made is not None
        assert [image.parent_image_id for image in made.images] == [source]
        assert source in [a.id for a in lib.ancestors_of(made.images[0].id)]
    assert "made_from" not in json.dumps(sent(sim, "/generations"))


def test_outpaint_grows_the_picture(sim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    result = ok_json(
        run_cli(
            [
                "outpaint",
                str(files["picture"]),
                "--left",
                "64",
                "--right",
                "64",
                "--top",
                "16",
                "a wider bay",
                "-n",
                "1",
                "--out",
                str(tmp_path / "o"),
                "--json",
            ],
            sim,
        )
    )
    (body,) = sent(sim, "/generations")
    validate_request("createGeneration", body)
    assert body["canvasRequestType"] == "OUTPAINT"
    assert (body["width"], body["height"]) == (328, 136)
    with Image.open(result["files"][0]) as im:
        assert im.size == (328, 136)
    check_canvas_uploads(sim)


def test_sketch_sends_its_strength(sim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    ok_json(
        run_cli(
            [
                "sketch",
                str(files["picture"]),
                "a house",
                "--strength",
                "0.4",
                "-n",
                "1",
                "--out",
                str(tmp_path / "s"),
                "--json",
            ],
            sim,
        )
    )
    (body,) = sent(sim, "/generations")
    validate_request("createGeneration", body)
    assert body["canvasRequestType"] == "SKETCH2IMG" and body["init_strength"] == 0.4


def test_a_lost_submit_answer_is_found_not_billed_twice(
    sim: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    sim.add_fault("POST", "/generations", "500", times=1, commit=True)
    r = run_cli(
        [
            "sketch",
            str(files["picture"]),
            "a barn",
            "-n",
            "1",
            "--out",
            str(tmp_path / "s"),
            "--json",
        ],
        sim,
    )
    result = ok_json(r)
    assert result["status"] == "COMPLETE" and len(result["files"]) == 1
    assert sim.count("POST", "/generations") == 1
    assert "checking whether" in r.stderr


def test_live_keeps_one_round_locally(sim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    result = ok_json(
        run_cli(
            [
                "live",
                str(files["picture"]),
                "a blue lagoon",
                "--strength",
                "0.7",
                "--steps",
                "6",
                "--guidance",
                "4",
                "--seed",
                "77",
                "--size",
                "640",
                "--out",
                str(tmp_path / "l"),
                "--json",
            ],
            sim,
        )
    )
    (body,) = sent(sim, "/generations-lcm")
    validate_request("createLCMGeneration", body)
    assert body["imageDataUrl"].startswith("data:image/jpeg;base64,")
    assert (body["width"], body["height"], body["seed"]) == (640, 640, 77)
    assert (body["strength"], body["steps"], body["guidance"]) == (0.7, 6, 4.0)
    with Image.open(result["file"]) as im:
        assert im.size == (640, 640)
    assert result["image_id"].startswith("local-") and result["parent_image_id"] is None
    with library() as lib:
        rec = lib.image_records([result["image_id"]])[result["image_id"]]
        assert rec.local and rec.has_file and rec.transform == "LCM"
        assert result["image_id"] in lib.image_ids_page(0, 10)


def test_live_with_a_mask_inpaints(sim: Any, files: dict[str, Path], tmp_path: Path) -> None:
    result = ok_json(
        run_cli(
            [
                "live",
                str(files["picture"]),
                "a lagoon",
                "--mask",
                str(files["mask"]),
                "--out",
                str(tmp_path / "l"),
                "--json",
            ],
            sim,
        )
    )
    (body,) = sent(sim, "/lcm-inpainting")
    validate_request("performInpaintingLCM", body)
    assert body["maskDataUrl"].startswith("data:image/jpeg;base64,")
    assert sim.count("POST", "/generations-lcm") == 0
    with library() as lib:
        assert lib.image_records([result["image_id"]])[result["image_id"]].transform == (
            "LCM_INPAINT"
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["inpaint", "{picture}", "--mask", "{small_mask}", "p"],
            "The mask is 100x60 but the image is 200x120",
        ),
        (["inpaint", "{picture}", "--mask", "{empty_mask}", "p"], "Paint the area"),
        (["inpaint", "{text}", "--mask", "{mask}", "p"], "not an image"),
        (["inpaint", "{picture}", "--mask", "{text}", "p"], "not an image"),
        (["inpaint", "{picture}", "--mask", "/nowhere/mask.png", "p"], "does not exist"),
        (["outpaint", "{picture}", "p"], "at least one side"),
        (["sketch", "/nowhere/sketch.png", "p"], "does not exist"),
        (["sketch", "{picture}", "p", "--strength", "0.99"], "init"),
        (["live", "{picture}", "p", "--strength", "3"], "strength"),
        (["live", "{picture}", "p", "--mask", "{small_mask}"], "The mask is 100x60"),
        (["live", "{text}", "p"], "not an image"),
        (["live", "{picture}", "p", "--style", "baroque"], "--style must be one of"),
    ],
)
def test_bad_input_is_a_clear_usage_error_before_any_upload(
    sim: Any, files: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    names = {key: str(path) for key, path in files.items()}
    full = [arg.format(**names) for arg in args] + ["--out", str(tmp_path / "out")]
    r = run_cli(full, sim)
    assert r.returncode == cli.EXIT_USAGE, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("leodesk: ") and message.lower() in lines[-1].lower()
    assert "Traceback" not in r.stderr
    for path in ("/canvas-init-image", "/generations", "/generations-lcm", "/lcm-inpainting"):
        assert sim.count("POST", path) == 0


@pytest.mark.parametrize("command", ["inpaint", "live"])
def test_a_refused_prompt_is_an_error(
    sim: Any, files: dict[str, Path], tmp_path: Path, command: str
) -> None:
    extra = ["--mask", str(files["mask"])] if command == "inpaint" else []
    out = tmp_path / "out"
    r = run_cli([command, str(files["picture"]), *extra, "a nsfwword", "--out", str(out)], sim)
    assert r.returncode == cli.EXIT_ERROR
    assert "moderation" in r.stderr.lower() and "Traceback" not in r.stderr
    assert list(out.iterdir()) == []


def test_demo_runs_the_canvas_commands_without_a_key(
    files: dict[str, Path], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LEONARDO_API_KEY", "LEODESK_API_URL")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "leodesk",
            "--demo",
            "live",
            str(files["picture"]),
            "a cat",
            "--out",
            str(tmp_path / "d"),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert Path(json.loads(r.stdout)["file"]).is_file()
