from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from PIL import Image

from leodesk.core import export


def _item(tmp_path: Path, name: str = "src.jpg") -> export.ExportItem:
    src = tmp_path / name
    Image.new("RGB", (64, 48), (10, 120, 200)).save(src, "JPEG")
    image = SimpleNamespace(
        id="img-123456789",
        generation_id="gen-1",
        prompt="a red fox, snow",
        negative_prompt="",
        model_id="m-1",
        seed=9876543210,
        parent_image_id=None,
    )
    generation = SimpleNamespace(
        prompt="a red fox, snow",
        negative_prompt="blurry",
        model_id="m-1",
        seed=9876543210,
        width=512,
        height=384,
        guidance_scale=7.0,
        steps=30,
        scheduler="LEONARDO",
        preset_style="DYNAMIC",
        sd_version="SDXL_1_0",
        alchemy=True,
        photo_real=False,
        prompt_magic=None,
        init_strength=None,
        created_at="2026-11-25T10:00:00.000",
        request_json=json.dumps({"prompt": "a red fox, snow", "num_images": 4, "seed": None}),
    )
    return export.ExportItem(src, image, generation)


def test_png_carries_parameters_and_json(tmp_path: Path) -> None:
    item = _item(tmp_path)
    paths = export.export([item], tmp_path / "out")
    assert len(paths) == 1 and paths[0].suffix == ".png"
    with Image.open(paths[0]) as im:
        assert im.format == "PNG" and im.size == (64, 48)
        params = im.text["parameters"]
    assert params.startswith("a red fox, snow\nNegative prompt: blurry\n")
    assert "Seed: 9876543210" in params and "Size: 512x384" in params
    meta = export.read_png_metadata(paths[0])
    assert meta["seed"] == 9876543210 and meta["image_id"] == "img-123456789"
    assert meta["request"] == {"prompt": "a red fox, snow", "num_images": 4}
    sidecar = json.loads(paths[0].with_suffix(".json").read_text())
    assert sidecar == meta


def test_names_are_readable_and_unique(tmp_path: Path) -> None:
    item = _item(tmp_path)
    name = export.file_name(item)
    assert name == "a-red-fox-snow_9876543210_img-1234"


def test_progress_and_cancel(tmp_path: Path) -> None:
    items = [_item(tmp_path, f"{n}.jpg") for n in range(3)]
    seen: list[tuple[int, int]] = []
    out = export.export(
        items,
        tmp_path / "o",
        sidecar=False,
        on_progress=lambda a, b: seen.append((a, b)),
        cancelled=lambda: len(seen) >= 1,
    )
    assert len(out) == 1 and seen == [(1, 3)]
    assert not list((tmp_path / "o").glob("*.json"))
