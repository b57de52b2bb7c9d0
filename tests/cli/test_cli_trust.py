"""``leodesk gen`` under a server that misbehaves, and the CLI's sharp edges, end to end: real
subprocesses against the simulator (through a hostile proxy where the server must lie)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from leodesk import cli
from leodesk.core import paths
from leodesk.core.imagestore import ImageStore, verify_image
from leodesk.core.library import Library
from leodesk.sim import SimConfig, SimServer
from tests.conftest import SIM_KEY
from tests.helpers.proxy import Cut, HostileProxy

SMALL = ["-n", "2", "--width", "256", "--height", "256"]


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(
        SimConfig(seed=11, generation_seconds=0.1, api_key=SIM_KEY, seed_generations=3)
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(sim: SimServer) -> Iterator[HostileProxy]:
    parts = urlsplit(sim.base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    p = HostileProxy(target=origin).start()
    try:
        yield p
    finally:
        p.stop()


def run_cli(
    args: list[str], base_url: str, *, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["LEODESK_API_URL"] = base_url
    env["LEONARDO_API_KEY"] = SIM_KEY
    return subprocess.run(
        [sys.executable, "-m", "leodesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# -------------------------------------------------------------------------- the library


def test_gen_records_its_generation_and_images_in_the_library(
    sim: SimServer, tmp_path: Path
) -> None:
    src = tmp_path / "src.png"
    Image.new("RGB", (64, 64), (10, 120, 200)).save(src)
    out = tmp_path / "out"
    args = ["gen", "a lighthouse at dusk", *SMALL, "--init-image", str(src), "--out", str(out)]
    r = run_cli([*args, "--json"], sim.base_url)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    gid = result["generation_id"]
    profile = paths.resolve()
    store = ImageStore(profile.images)
    with Library.open(profile.library_db) as lib:
        rec = lib.get_generation(gid)
        assert rec is not None and rec.prompt == "a lighthouse at dusk"
        request = json.loads(rec.request_json or "{}")
        assert request["prompt"] == "a lighthouse at dusk" and request["init_image_id"]
        assert len(rec.images) == 2
        for image, written in zip(rec.images, result["files"], strict=True):
            assert image.download_state == "done" and image.sha256 and image.ext
            stored = store.path_for(image.sha256, image.ext)
            verify_image(stored.read_bytes())
            assert Path(written).read_bytes() == stored.read_bytes()
            assert Path(written).parent == out.resolve()
        # The app's gallery shows them: they are on the first page of the library.
        assert set(lib.image_ids_page(0, 10)) >= {im.id for im in rec.images}
    # The same picture is not uploaded again (the upload is remembered like the app does).
    r = run_cli(args, sim.base_url)
    assert r.returncode == 0, r.stderr
    assert sim.count("POST", "/init-image") == 1


def test_an_image_of_the_library_as_init_image_keeps_its_lineage(
    sim: SimServer, tmp_path: Path
) -> None:
    r = run_cli(["gen", "a first picture", *SMALL, "--out", str(tmp_path), "--json"], sim.base_url)
    assert r.returncode == 0, r.stderr
    with Library.open(paths.resolve().library_db) as lib:
        rec = lib.get_generation(json.loads(r.stdout)["generation_id"])
        assert rec is not None
        source = rec.images[0].id
    args = ["gen", "the same, at night", *SMALL, "--init-image", source, "--out", str(tmp_path)]
    r = run_cli([*args, "--json"], sim.base_url)
    assert r.returncode == 0, r.stderr
    body = [q.json for q in sim.requests if q.method == "POST" and q.path == "/generations"][-1]
    assert body["init_generation_image_id"] == source and "init_image_id" not in body
    assert sim.count("POST", "/init-image") == 0  # sent by id, nothing uploaded
    with Library.open(paths.resolve().library_db) as lib:
        child = lib.get_generation(json.loads(r.stdout)["generation_id"])
        assert child is not None
        for image in child.images:
            assert [a.id for a in lib.ancestors_of(image.id)] == [source]
    r = run_cli(["gen", "x", "--init-image", "no-such-image", "--out", str(tmp_path)], sim.base_url)
    assert r.returncode == cli.EXIT_USAGE and "neither a file nor" in r.stderr


def test_search_json_names_the_model_of_synced_generations(sim: SimServer) -> None:
    assert run_cli(["sync"], sim.base_url).returncode == 0
    r = run_cli(["search", "--json"], sim.base_url)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and all(row["model"] for row in rows if row["model_id"])


# -------------------------------------------------------------------------- broken downloads


def test_an_image_that_never_arrives_whole_exits_1_with_the_good_ones_written(
    sim: SimServer, proxy: HostileProxy, tmp_path: Path
) -> None:
    proxy.cuts.append(Cut("/Leonardo_1.jpg", fraction=0.6))  # always cut, length declared
    out = tmp_path / "out"
    r = run_cli(
        ["gen", "two boats", *SMALL, "--out", str(out), "--json"], proxy.base_url(sim.base_url)
    )
    assert r.returncode == cli.EXIT_ERROR, r.stderr
    result = json.loads(r.stdout)
    assert len(result["files"]) == 1 and len(result["missing_images"]) == 1
    written = files_under(out)
    assert written == {Path(result["files"][0])}
    for f in written:
        verify_image(f.read_bytes())  # only whole images are ever written
    missing = result["missing_images"][0]
    assert missing in r.stderr and "leodesk sync --images" in r.stderr
    assert proxy.count("/Leonardo_1.jpg") >= 1 + cli.DOWNLOAD_RETRIES  # retried
    with Library.open(paths.resolve().library_db) as lib:
        rec = lib.get_generation(result["generation_id"])
        assert rec is not None
        states = {im.id: im.download_state for im in rec.images}
    assert states[missing] == "pending"  # sync --images fetches it later


def test_a_download_cut_twice_is_retried_and_succeeds(
    sim: SimServer, proxy: HostileProxy, tmp_path: Path
) -> None:
    proxy.cuts.append(Cut("/Leonardo_0.jpg", fraction=0.5, times=2))
    out = tmp_path / "out"
    r = run_cli(
        ["gen", "a cut image", *SMALL, "--out", str(out), "--json"], proxy.base_url(sim.base_url)
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert len(result["files"]) == 2 and result["missing_images"] == []
    for f in files_under(out):
        verify_image(f.read_bytes())


def test_an_image_url_that_is_not_http_is_a_clear_error(
    sim: SimServer, proxy: HostileProxy, tmp_path: Path
) -> None:
    proxy.on_json = lambda text: re.sub(
        r'"url":\s*"[^"]*/Leonardo_1\.jpg"', '"url": "file:///etc/passwd"', text
    )
    out = tmp_path / "out"
    r = run_cli(
        ["gen", "a local url", *SMALL, "--out", str(out), "--json"],
        proxy.base_url(sim.base_url),
    )
    assert r.returncode == cli.EXIT_ERROR
    assert "cannot be downloaded" in r.stderr and "unexpected" not in r.stderr
    result = json.loads(r.stdout)
    assert len(result["files"]) == 1 and len(result["missing_images"]) == 1


# -------------------------------------------------------------------------- hostile ids


def test_a_hostile_generation_id_never_becomes_a_path(
    sim: SimServer, proxy: HostileProxy, tmp_path: Path
) -> None:
    def poison(text: str) -> str:
        found = re.search(r'"generationId":\s*"([^"]+)"', text)
        if found:
            proxy.replace[found.group(1)] = "../../escape"
        return text

    proxy.on_json = poison
    work = tmp_path / "work"
    out = work / "a" / "b" / "out"
    before = files_under(tmp_path)
    r = run_cli(["gen", "an escape", *SMALL, "--out", str(out)], proxy.base_url(sim.base_url))
    assert r.returncode == cli.EXIT_ERROR
    assert "generation id" in r.stderr and "Traceback" not in r.stderr
    assert files_under(tmp_path) - before == set() or all(
        p.is_relative_to(tmp_path / "leodesk-home") for p in files_under(tmp_path) - before
    )
    assert not list(work.rglob("escape*"))
    with Library.open(paths.resolve().library_db) as lib:
        assert lib.count_images() == 0


@pytest.mark.parametrize("name", ["../x.jpg", "a/b.jpg", "..", ".", "", "/abs.jpg", "a\\b.jpg"])
def test_output_names_never_leave_the_out_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(cli.CliError, match="leave --out"):
        cli._safe_name(tmp_path, name)
    assert cli._safe_name(tmp_path, "g_0.jpg") == tmp_path / "g_0.jpg"


# -------------------------------------------------------------------------- sharp edges


def test_an_unknown_model_is_said_at_once(sim: SimServer, tmp_path: Path) -> None:
    for model in ("not-a-model", "0b7c0bd4-4f0e-4b4e-9a65-3c4b0e1f7a21"):
        started = time.monotonic()
        r = run_cli(["gen", "x", "--model", model, "--out", str(tmp_path)], sim.base_url)
        assert r.returncode == cli.EXIT_USAGE, r.stderr
        assert "leodesk models" in r.stderr and "network" not in r.stderr.lower()
        assert time.monotonic() - started < 8
    assert sim.count("POST", "/generations") == 0


def test_control_characters_in_a_prompt_are_refused_before_sending(
    sim: SimServer, tmp_path: Path
) -> None:
    for args in (["a\x07bell"], ["ok", "--negative", "bad\x1b[31m"]):
        r = run_cli(["gen", *args, "--out", str(tmp_path)], sim.base_url)
        assert r.returncode == cli.EXIT_USAGE
        assert "control characters" in r.stderr
    assert sim.count("POST", "/generations") == 0


def test_init_image_problems_are_usage_errors(sim: SimServer, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    cases = {
        str(tmp_path / "missing.png"): "does not exist",
        str(text): "not an image",
        "https://example.com/cat.png": "local file",
        str(tmp_path): "folder",
    }
    for value, says in cases.items():
        r = run_cli(["gen", "x", "--init-image", value, "--out", str(tmp_path)], sim.base_url)
        assert r.returncode == cli.EXIT_USAGE, (value, r.stderr)
        assert says in r.stderr and "unexpected" not in r.stderr
    assert sim.count("POST", "/init-image") == 0


def test_a_file_url_init_image_is_read_as_the_file(sim: SimServer, tmp_path: Path) -> None:
    src = tmp_path / "my picture.png"
    Image.new("RGB", (48, 48), (200, 30, 30)).save(src)
    r = run_cli(
        ["gen", "repaint", *SMALL, "--init-image", src.as_uri(), "--out", str(tmp_path / "o")],
        sim.base_url,
    )
    assert r.returncode == 0, r.stderr
    assert sim.count("POST", "/init-image") == 1


def test_a_closed_pipe_ends_quietly(sim: SimServer) -> None:
    assert run_cli(["sync"], sim.base_url).returncode == 0
    env = dict(os.environ, LEODESK_API_URL=sim.base_url, LEONARDO_API_KEY=SIM_KEY)
    proc = subprocess.Popen(
        [sys.executable, "-m", "leodesk", "search", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -1` that has already gone
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert code == cli.EXIT_BROKEN_PIPE
    assert err == "", err


# -------------------------------------------------------------------------- the demo key


class _NoKeychain:
    """A keyring backend that records every use: the demo must never touch it."""

    def __init__(self) -> None:
        from keyring.backend import KeyringBackend

        calls: list[str] = []
        self.calls = calls

        class Backend(KeyringBackend):
            priority = 10  # type: ignore[assignment]

            def get_password(self, service: str, username: str) -> str | None:
                calls.append("get")
                return None

            def set_password(self, service: str, username: str, password: str) -> None:
                calls.append("set")

            def delete_password(self, service: str, username: str) -> None:
                calls.append("delete")

        KeyringBackend._classes.discard(Backend)  # type: ignore[attr-defined]
        self.backend = Backend()


@pytest.mark.parametrize("action", ["set", "clear", "status"])
def test_the_demo_never_touches_the_keychain(
    action: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    import keyring

    spy = _NoKeychain()
    previous = keyring.get_keyring()
    keyring.set_keyring(spy.backend)
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("leodesk-demo-key\n"))
        assert cli.run(["--demo", "key", action]) == cli.EXIT_USAGE
        assert cli.run(["key", action, "--demo"]) == cli.EXIT_USAGE
    finally:
        keyring.set_keyring(previous)
    assert spy.calls == []
    err = capsys.readouterr().err
    assert "simulator's own key" in err and "keychain" in err
