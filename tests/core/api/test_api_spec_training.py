"""Datasets and training against the simulator over real HTTP: the client's requests and the
simulator's answers validated against the spec, the per-image resumable uploads, the limits,
a training followed to its end (and one that fails), and the account kept across a restart."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from leodesk.core import training as tr
from leodesk.core.api import LeonardoClient, RetryPolicy, Timeouts, ValidationError
from leodesk.core.library import Library
from leodesk.core.library.training import PRESIGNED, SENDING, UPLOADED
from leodesk.sim import SimConfig, SimServer
from tests.helpers.spec import operation_for, validate_request, validate_response

KEY = "training-key"


def png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimServer]]:
    servers: list[SimServer] = []

    def factory(**over: Any) -> SimServer:
        values: dict[str, Any] = {
            "seed": 3,
            "latency_ms": 0,
            "generation_seconds": 0.2,
            "api_key": KEY,
            "credits": 10000,
            "seed_generations": 2,
        }
        values.update(over)
        server = SimServer(SimConfig(**values)).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        for rec in server.requests:
            if rec.path.startswith(("/cdn/", "/s3/")):
                continue
            validate_request(operation_for(rec.method, rec.path), rec.json if rec.body else None)
        server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim()


def client_of(sim: SimServer) -> LeonardoClient:
    return LeonardoClient(
        KEY,
        base_url=sim.base_url,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, jitter=0.0),
        timeouts=Timeouts(connect=2.0, read=5.0, upload=5.0),
    )


@pytest.fixture
def client(sim: SimServer) -> Iterator[LeonardoClient]:
    with client_of(sim) as c:
        yield c


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = Library.open(tmp_path / "lib.sqlite")
    yield library
    library.close()


def raw(sim: SimServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(
        method, sim.base_url + path, json=body, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 200, response.text
    validate_response(operation_for(method, path), response.json())
    return response.json()


def files(tmp_path: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        path = tmp_path / f"img{i}.png"
        path.write_bytes(png((i * 40 % 255, 80, 120)))
        out.append(path)
    return out


def filled_dataset(sim: SimServer, client: LeonardoClient, lib: Library, n: int, tmp: Path) -> str:
    ds = client.create_dataset("Cats", "my cat")
    lib.add_dataset(ds, "Cats")
    assert tr.add_files(lib, ds, files(tmp, n)) == n
    report = tr.DatasetUploader(lib, client).run(ds)
    assert report.uploaded == n and not report.failed
    return ds


def test_dataset_lifecycle_validates_against_the_spec(
    sim: SimServer, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    ds = filled_dataset(sim, client, lib, 2, tmp_path)
    gen_image = sim.state.image_ids(sim.state.generation_ids()[0])[0]
    lib.add_dataset_generated(ds, gen_image)
    assert not lib.add_dataset_generated(ds, gen_image)  # once per dataset
    assert tr.DatasetUploader(lib, client).run(ds).uploaded == 1
    got = client.get_dataset(ds)
    assert got is not None and len(got.images) == 3 and got.name == "Cats"
    answer = raw(sim, "GET", f"/datasets/{ds}")
    assert len(answer["datasets_by_pk"]["dataset_images"]) == 3
    posts = [r for r in sim.requests if r.path.startswith("/s3/")]
    assert len(posts) == 2 and all("authorization" not in r.headers for r in posts)
    assert {r.state for r in lib.dataset_images(ds)} == {UPLOADED}
    assert client.delete_dataset(ds) == ds
    assert client.get_dataset(ds) is None


def test_uploads_resume_per_image_and_never_twice(
    sim: SimServer, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    ds = client.create_dataset("Resume")
    lib.add_dataset(ds, "Resume")
    a, b = files(tmp_path, 2)
    tr.add_files(lib, ds, [a, b])
    assert tr.add_files(lib, ds, [a]) == 0  # the same content again is not added
    rec_a, rec_b = lib.dataset_images(ds)
    # A crash after S3 took image a (its presign id was stored, the "uploaded" mark lost)...
    presign = client.presign_dataset_image(ds, "png")
    lib.set_dataset_image(rec_a.local_id, PRESIGNED, remote_id=presign.id)
    assert client.post_dataset_image(presign, a.read_bytes(), "png")
    # ...and a crash while upload/gen was on the wire (the answer lost).
    gen_image = sim.state.image_ids(sim.state.generation_ids()[0])[0]
    lib.add_dataset_generated(ds, gen_image)
    rec_g = lib.dataset_images(ds)[-1]
    client.add_generated_to_dataset(ds, gen_image)
    lib.set_dataset_image(rec_g.local_id, SENDING)
    sim.clear_requests()
    report = tr.DatasetUploader(lib, client).run(ds)
    assert report.uploaded == 1  # only b was sent
    assert sim.count("POST", "/s3/*") == 1
    assert sim.count("POST", "/datasets/*/upload/gen") == 0
    dataset = client.get_dataset(ds)
    assert dataset is not None and len(dataset.images) == 3
    stored = lib.dataset_images(ds)
    assert [r.state for r in stored] == [UPLOADED] * 3
    assert stored[0].remote_id == presign.id and rec_b.local_id == stored[1].local_id


def test_unsupported_files_are_listed(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a.png").write_bytes(png((1, 2, 3)))
    (tmp_path / "dir" / "notes.txt").write_text("hello")
    (tmp_path / "b.gif").write_bytes(b"GIF89a")
    sort = tr.collect_files([tmp_path / "dir", tmp_path / "b.gif"])
    assert [p.name for p in sort.images] == ["a.png"]
    assert sorted(p.name for p, _ in sort.refused) == ["b.gif", "notes.txt"]
    assert "not a PNG, JPEG or WebP" in sort.refused_text()


def test_train_a_model_follow_it_and_generate_list(
    sim: SimServer, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    ds = filled_dataset(sim, client, lib, 5, tmp_path)
    spec = tr.model_spec(ds, "Mochi", "mochicat", resolution=768)
    assert tr.check_spec(spec, 5) is None
    price = tr.price_of(client, spec, 5)
    before = sim.state.credits
    model_id = tr.submit_training(client, spec)
    assert sim.state.credits == before - price
    assert tr.training_status(client, "model", model_id) == "PENDING"
    seen: list[str] = []
    status = tr.follow_training(client, "model", model_id, interval=0.2, on_status=seen.append)
    assert status == "COMPLETE" and seen[0] == "PENDING"
    me = raw(sim, "GET", "/me")["user_details"][0]["user"]["id"]
    models = raw(sim, "GET", f"/models/user/{me}")["custom_models"]
    assert any(m["id"] == model_id and m["status"] == "COMPLETE" for m in models)
    raw(sim, "GET", f"/models/{model_id}")
    assert tr.look_for_training(client, me, spec) == model_id
    assert tr.look_for_training(client, me, spec, known=[model_id]) is None


def test_limits_are_checked_before_and_by_the_api(
    sim: SimServer, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    ds = filled_dataset(sim, client, lib, 2, tmp_path)
    spec = tr.model_spec(ds, "Small", "smallthing")
    message = tr.check_spec(spec, 2)
    assert message is not None and "at least 5" in message
    with pytest.raises(ValidationError) as info:
        client.create_model(spec.values)
    assert "at least 5" in str(info.value.server_message)
    with pytest.raises(ValueError, match="png, jpg, jpeg or webp"):
        client.presign_dataset_image(ds, "gif")
    flux_general = tr.element_spec(ds, "X", "General", base="FLUX_DEV")
    assert "General" in str(tr.check_spec(flux_general, 10))


def test_an_element_training_that_fails_is_refunded(
    sim: SimServer, client: LeonardoClient, lib: Library, tmp_path: Path
) -> None:
    ds = filled_dataset(sim, client, lib, 6, tmp_path)
    spec = tr.element_spec(ds, "simfail style", "Style")
    before = sim.state.credits
    element_id = tr.submit_training(client, spec)
    assert sim.state.credits < before
    assert tr.follow_training(client, "element", element_id, interval=0.2) == "FAILED"
    assert sim.state.credits == before
    answer = raw(sim, "GET", f"/elements/{element_id}")
    assert answer["user_loras_by_pk"]["status"] == "FAILED"
    ok = tr.submit_training(client, tr.element_spec(ds, "Gouache", "Style"))
    assert tr.follow_training(client, "element", ok, interval=0.2) == "COMPLETE"
    me = raw(sim, "GET", "/me")["user_details"][0]["user"]["id"]
    loras = raw(sim, "GET", f"/elements/user/{me}")["user_loras"]
    assert any(str(e["id"]) == ok and e["focus"] == "Style" for e in loras)


def test_datasets_and_trainings_are_kept_across_a_restart(
    make_sim: Callable[..., SimServer], lib: Library, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = make_sim(state_dir=str(state))
    with client_of(first) as c:
        ds = filled_dataset(first, c, lib, 5, tmp_path)
        model_id = tr.submit_training(c, tr.model_spec(ds, "Kept", "keptword"))
    first.state.save(force=True)
    first.stop()
    time.sleep(0.05)
    second = make_sim(state_dir=str(state))
    with client_of(second) as c:
        dataset = c.get_dataset(ds)
        assert dataset is not None and len(dataset.images) == 5
        assert tr.follow_training(c, "model", model_id, interval=0.2) == "COMPLETE"
