"""``leodesk prompts`` and ``leodesk presets`` end to end: prompts generated with ``leodesk
gen`` on the simulator are listed once each, newest first, searchable; presets saved in the
library (as the app saves them) are listed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from leodesk.core import paths
from leodesk.core.library import Library
from tests.cli.test_cli_canvas import ok_json, run_cli


def test_prompts_lists_generated_prompts_once_newest_first(sim: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for words in (["a quiet harbour"], ["a red kite", "--negative", "blur"], ["a quiet harbour"]):
        r = run_cli(["gen", *words, "--out", str(out)], sim)
        assert r.returncode == 0, r.stderr
    rows = ok_json(run_cli(["prompts", "--json"], sim))
    assert [(r["prompt"], r["negative_prompt"], r["uses"]) for r in rows] == [
        ("a quiet harbour", "", 2),
        ("a red kite", "blur", 1),
    ]
    text = run_cli(["prompts", "KITE"], sim)
    assert text.returncode == 0 and "a red kite  (not: blur)" in text.stdout
    assert "harbour" not in text.stdout
    assert ok_json(run_cli(["prompts", "nothing-like-this", "--json"], sim)) == []


def test_presets_lists_the_saved_presets(sim: Any) -> None:
    home = paths.resolve().ensure()
    assert os.environ.get("LEODESK_HOME")
    with Library.open(home.library_db) as lib:
        lib.save_preset("Wide", {"width": 1536, "height": 640, "model": None})
    rows = ok_json(run_cli(["presets", "--json"], sim))
    assert [(r["name"], r["state"]["width"]) for r in rows] == [("Wide", 1536)]
    text = run_cli(["presets"], sim)
    assert "Wide  default model  1536x640" in text.stdout
