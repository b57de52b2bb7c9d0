"""``leodesk elements`` end to end: real subprocesses against the simulator over loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from leodesk.sim import catalog as sim_catalog
from tests.cli.test_cli_canvas import ok_json, run_cli

KINO_XL = next(m.id for m in sim_catalog.PLATFORM_MODELS if m.name == "Leonardo Kino XL")
FLUX_DEV = next(m.id for m in sim_catalog.PLATFORM_MODELS if m.name == "Flux Dev")


def test_lists_platform_and_own_elements_as_json(sim: Any) -> None:
    rows = ok_json(run_cli(["elements", "--json"], sim))
    own = [r for r in rows if r["kind"] == "own"]
    platform = [r for r in rows if r["kind"] == "platform"]
    assert [r["id"] for r in own] == [e.id for e in sim_catalog.USER_ELEMENTS]
    assert len(platform) == len(sim_catalog.PLATFORM_ELEMENTS)
    clay = next(r for r in platform if r["name"] == "Clay Figures")
    assert (clay["weight_min"], clay["weight_default"], clay["weight_max"]) == (0, 1, 1)
    assert clay["preview_url"].startswith(sim.origin) and clay["base_model"] == "SDXL_0_9"


def test_model_keeps_the_elements_of_its_family(sim: Any) -> None:
    xl = {r["name"] for r in ok_json(run_cli(["elements", "--model", KINO_XL, "--json"], sim))}
    assert {"Crystal Glass", "Clay Figures", "My Cat Mochi"} <= xl
    assert not {"Neon Glow", "Botanical Plate", "Logo Mascot"} & xl
    flux = ok_json(run_cli(["elements", "--model", FLUX_DEV, "--json"], sim))
    assert {r["name"] for r in flux} == {"Botanical Plate", "Chrome Type", "Logo Mascot"}
    assert all(r["fits_model"] is True for r in flux)
    text = run_cli(["elements", "--model", FLUX_DEV], sim)
    assert text.returncode == 0 and "Chrome Type" in text.stdout and "3 element(s)" in text.stdout


def test_an_unknown_model_is_a_usage_error(sim: Any) -> None:
    r = run_cli(["elements", "--model", "not-a-model"], sim)
    assert r.returncode == 2 and "leodesk models" in r.stderr


def test_demo_lists_the_simulators_elements() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LEONARDO_API_KEY",)}
    r = subprocess.run(
        [sys.executable, "-m", "leodesk", "--demo", "elements", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = {row["name"] for row in ok_json(r)}
    assert "Crystal Glass" in names and "My Cat Mochi" in names
