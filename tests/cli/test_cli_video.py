"""``leodesk video`` end to end: real subprocesses against the simulator over loopback HTTP, on
the profile's real library file; the MP4 written is a real video."""

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
from leodesk.core.video import probe
from tests.cli.test_cli_canvas import ok_json, run_cli, sent
from tests.helpers.spec import validate_request


def test_text_to_video_writes_a_playable_mp4(sim: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run_cli(
        [
            "video",
            "a snow globe shaken",
            "--model",
            "VEO3",
            "--duration",
            "4",
            "--seed",
            "9",
            "--out",
            str(out),
            "--json",
        ],
        sim,
    )
    result = ok_json(r)
    (body,) = sent(sim, "/generations-text-to-video")
    validate_request("createTextToVideoGeneration", body)
    assert body == {
        "prompt": "a snow globe shaken",
        "model": "VEO3",
        "duration": 4,
        "seed": 9,
        "isPublic": False,
    }
    path = Path(result["file"])
    assert path.parent == out.resolve() and path.suffix == ".mp4"
    info = probe(path)
    assert (info.duration, info.fps) == (4.0, 24.0) == (result["duration"], result["fps"])
    assert result["cost"] == 2000 and "costs 2000 credits" in r.stderr
    with Library.open(paths.resolve().library_db) as library:
        video = library.get_video(result["image_id"])
        job = library.unfinished_jobs()
    assert video is not None and video.origin == "text_to_video" and video.duration == 4.0
    assert job == []


def test_image_to_video_from_a_file_uploads_it_once(sim: Any, tmp_path: Path) -> None:
    picture = tmp_path / "start.png"
    Image.new("RGB", (320, 180), (200, 40, 40)).save(picture)
    for n in range(2):
        r = run_cli(
            [
                "video",
                f"it burns {n}",
                "--image",
                str(picture),
                "--resolution",
                "RESOLUTION_480",
                "--aspect",
                "1:1",
                "--out",
                str(tmp_path / "o"),
                "--json",
            ],
            sim,
        )
        ok_json(r)
    bodies = sent(sim, "/generations-image-to-video")
    assert [b["imageType"] for b in bodies] == ["UPLOADED", "UPLOADED"]
    assert bodies[0]["imageId"] == bodies[1]["imageId"]  # the same picture is not sent twice
    assert len(sent(sim, "/init-image")) == 1
    assert all((b["width"], b["height"]) == (480, 480) for b in bodies)
    for body in bodies:
        validate_request("createImageToVideoGeneration", body)


def test_image_to_video_from_a_library_image_is_its_child(sim: Any, tmp_path: Path) -> None:
    gen = ok_json(
        run_cli(
            [
                "gen",
                "a quiet harbour",
                "-n",
                "1",
                "--width",
                "512",
                "--height",
                "512",
                "--out",
                str(tmp_path / "g"),
                "--json",
            ],
            sim,
        )
    )
    with Library.open(paths.resolve().library_db) as library:
        (image_id,) = library.stored_image_ids(gen["generation_id"])
    result = ok_json(
        run_cli(
            ["video", "boats rock", "--image-id", image_id, "--out", str(tmp_path / "v"), "--json"],
            sim,
        )
    )
    (body,) = sent(sim, "/generations-image-to-video")
    assert body["imageId"] == image_id and body["imageType"] == "GENERATED"
    with Library.open(paths.resolve().library_db) as library:
        assert [r.id for r in library.children_of(image_id)] == [result["image_id"]]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--model", "VEO3", "--interpolate"], "frame interpolation"),
        (["--model", "MOTION2", "--duration", "8"], "fixed"),
        (["--end-image-id", "0f0f0f0f-0000-4000-8000-000000000000"], "needs a start image"),
        (["--image-id", "0f0f0f0f-0000-4000-8000-000000000000"], "not in your library"),
        (["--enhance-instruction", "moody"], "enhance"),
        (["--model", "SORA"], "unknown video model"),
        (["--resolution", "RESOLUTION_4K"], "--resolution must be one of"),
    ],
)
def test_options_a_model_does_not_take_send_nothing(
    sim: Any, tmp_path: Path, args: list[str], fragment: str
) -> None:
    r = run_cli(["video", "x", *args, "--out", str(tmp_path / "o")], sim)
    assert r.returncode == cli.EXIT_USAGE, r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert not sent(sim, "/generations-text-to-video")
    assert not sent(sim, "/generations-image-to-video")


def test_the_help_names_every_model() -> None:
    from leodesk.cli_video import MODELS_HELP
    from leodesk.core.video_options import VIDEO_MODELS

    assert [m.strip() for m in MODELS_HELP.replace(" or ", ", ").split(",")] == list(VIDEO_MODELS)


def test_demo_makes_a_video_without_a_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LEONARDO_API_KEY", "LEODESK_API_URL")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "leodesk",
            "--demo",
            "video",
            "a demo comet",
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
    assert probe(json.loads(r.stdout)["file"]).duration == 5.0
