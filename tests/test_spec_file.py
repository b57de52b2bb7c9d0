"""The official spec the conformance tests need is part of the repository, and a missing spec
fails those tests instead of skipping them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers import spec


def test_the_spec_is_read_from_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(spec.SPEC_ENV, raising=False)
    path = spec.spec_path()
    assert path == REPO / "tests" / "spec" / "openapi.json"
    data = spec.load_spec()
    assert data["openapi"].startswith("3.") and "/generations" in data["paths"]


def test_a_missing_spec_fails_the_tests_that_need_it(tmp_path: Path) -> None:
    env = dict(os.environ)
    env[spec.SPEC_ENV] = str(tmp_path / "nowhere.json")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
            "tests/sim/test_spec_conformance.py",
            "tests/core/api/test_api_spec.py",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode != 0, r.stdout[-2000:]
    tail = r.stdout.strip().splitlines()[-1]
    assert "failed" in tail and "skipped" not in tail, tail
    assert "tests/spec/openapi.json" in r.stdout
