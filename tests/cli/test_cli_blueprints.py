"""``leodesk blueprints`` and ``leodesk blueprint run`` end to end: real subprocesses against
the simulator over loopback HTTP, on the profile's real library file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from leodesk.core import paths
from leodesk.core.library import Library
from tests.cli.test_cli_canvas import ok_json, run_cli
from tests.helpers.spec import validate_request


def catalogue(sim: Any) -> dict[str, Any]:
    return {bp["name"]: bp for bp in ok_json(run_cli(["blueprints", "--json"], sim))}


def test_blueprints_lists_versions_with_prices_and_inputs(sim: Any) -> None:
    found = catalogue(sim)
    recipe = found["Detailed Recipe with Tags"]["versions"][0]
    assert recipe["cost"] == 25 and recipe["outputs"] == 1
    assert [i["type"] for i in recipe["inputs"]] == ["text", "number"]
    assert recipe["inputs"][1]["min"] == 1 and recipe["inputs"][1]["max"] == 8
    text = run_cli(["blueprints"], sim)
    assert text.returncode == 0 and "Golden Hour Relight" in text.stdout
    assert "cannot run" in text.stdout and "--input" in text.stdout
    with Library.open(paths.resolve().library_db) as lib:
        assert len(lib.cached_blueprints()) == len(found)


def test_run_checks_inputs_then_writes_the_images(sim: Any, tmp_path: Path) -> None:
    golden = catalogue(sim)["Golden Hour Relight"]["versions"][0]
    photo, mood, warmth = (i["key"] for i in golden["inputs"])
    picture = tmp_path / "me.png"
    Image.new("RGB", (300, 200), (180, 90, 30)).save(picture)
    out = tmp_path / "out"
    base = ["blueprint", "run", golden["id"], "--out", str(out)]
    wrong = run_cli([*base, "--input", f"{warmth}=hot"], sim)
    assert wrong.returncode == 2
    assert "“Your photo” needs an image" in wrong.stderr and "takes a number" in wrong.stderr
    assert not [r for r in sim.requests if r.path == "/blueprint-executions"]
    args = [*base, "--input", f"{photo}={picture}", "--input", f"{mood}=stormy", "--json"]
    result = ok_json(run_cli([*args, "--input", f"{warmth}=35"], sim))
    assert len(result["files"]) == 2 and all(Path(f).is_file() for f in result["files"])
    assert result["cost"] == 40 and result["execution_id"]
    (body,) = [r.json for r in sim.requests if r.path == "/blueprint-executions"]
    validate_request("executeBlueprint", body)
    values = {n["settingName"] + n["value"][:4] for n in body["input"]["nodeInputs"]}
    assert "text35" in values and "textstor" in values
    with Library.open(paths.resolve().library_db) as lib:
        origin = lib.generation_origin(result["generation_ids"][0])
        assert origin is not None and origin.name == "Golden Hour Relight"


def test_an_image_input_takes_a_library_image_id(sim: Any, tmp_path: Path) -> None:
    recipe = catalogue(sim)["Detailed Recipe with Tags"]["versions"][0]
    first = ok_json(
        run_cli(
            [
                "blueprint",
                "run",
                recipe["id"],
                "--input",
                f"{recipe['inputs'][0]['key']}=soup",
                "--out",
                str(tmp_path),
                "--json",
            ],
            sim,
        )
    )
    with Library.open(paths.resolve().library_db) as lib:
        gen = lib.get_generation(first["generation_ids"][0])
        assert gen is not None
        image_id = gen.images[0].id
    golden = catalogue(sim)["Golden Hour Relight"]["versions"][1]
    photo = golden["inputs"][0]["key"]
    run = run_cli(
        [
            "blueprint",
            "run",
            golden["id"],
            "--input",
            f"{photo}={image_id}",
            "--out",
            str(tmp_path / "b"),
            "--json",
        ],
        sim,
    )
    assert ok_json(run)["files"]
    assert not [r for r in sim.requests if r.path == "/init-image"]
