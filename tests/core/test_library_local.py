"""Local images (kept realtime results): stored in the image store, in the gallery and search
like any image, with their parent in the lineage, and never flagged deleted by a sync."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from leodesk.core.api import LcmRequest, LeonardoClient
from leodesk.core.api.parse import is_valid_id
from leodesk.core.api.retry import RetryPolicy
from leodesk.core.canvas import lcm_data_url
from leodesk.core.imagestore import ImageError, ImageStore
from leodesk.core.library import SCHEMA_VERSION, Library, is_local_id
from leodesk.core.search import Filter
from leodesk.sim import SimConfig, SimServer
from tests.conftest import SIM_KEY
from tests.core.test_sync import server_ids, stored, syncer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(
        SimConfig(seed=3, seed_generations=6, generation_seconds=0.05, api_key=SIM_KEY)
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(sim: SimServer) -> Iterator[LeonardoClient]:
    with LeonardoClient(
        SIM_KEY, base_url=sim.base_url, retry=RetryPolicy(max_attempts=1), sleep=lambda _s: None
    ) as c:
        yield c


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images")


def jpeg(colour: tuple[int, int, int] = (10, 200, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


def test_a_kept_image_is_stored_and_visible_like_any_image(lib: Library, store: ImageStore) -> None:
    data = jpeg()
    image_id = lib.keep_local_image(
        data,
        "jpeg",
        prompt="a green meadow at noon",
        kind="LCM",
        parent_image_id=None,
        params={"seed": 42, "strength": 0.6, "guidance": 7.5, "steps": 8, "style": "DYNAMIC"},
        store=store,
    )
    assert is_valid_id(image_id) and is_local_id(image_id)
    rec = lib.image_records([image_id])[image_id]
    assert rec.local and rec.has_file and rec.ext == "jpg"
    assert (rec.width, rec.height) == (64, 48)
    assert rec.kind == "image" and rec.transform == "LCM" and rec.seed == 42
    assert store.path_for(rec.sha256 or "", "jpg").read_bytes() == data
    assert lib.image_ids_page(0, 10) == [image_id]
    assert lib.image_ids_page(0, 10, filter=Filter(text="meadow")) == [image_id]
    assert lib.image_ids_page(0, 10, filter=Filter(text="desert")) == []
    gen = lib.get_generation(rec.generation_id)
    assert gen is not None and gen.local and gen.status == "COMPLETE"
    assert gen.init_strength == 0.6 and gen.guidance_scale == 7.5 and gen.steps == 8
    request = json.loads(gen.request_json or "{}")
    assert request["kind"] == "LCM" and request["seed"] == 42
    assert lib.images_to_download(10) == []  # nothing to fetch from a server


def test_a_kept_image_records_its_parent_in_the_lineage(lib: Library, store: ImageStore) -> None:
    first = lib.keep_local_image(
        jpeg((1, 2, 3)),
        "jpg",
        prompt="p",
        kind="LCM",
        parent_image_id=None,
        params={},
        store=store,
    )
    second = lib.keep_local_image(
        jpeg((200, 2, 3), (128, 96)),
        "jpg",
        prompt="p refined",
        kind="LCM_REFINE",
        parent_image_id=first,
        params={},
        store=store,
    )
    assert [r.id for r in lib.children_of(first)] == [second]
    assert [r.id for r in lib.ancestors_of(second)] == [first]
    assert lib.image_records([first])[first].has_children


def test_bad_bytes_or_arguments_keep_nothing(lib: Library, store: ImageStore) -> None:
    with pytest.raises(ImageError):
        lib.keep_local_image(
            b"not an image",
            "jpg",
            prompt="p",
            kind="LCM",
            parent_image_id=None,
            params={},
            store=store,
        )
    with pytest.raises(ValueError, match="png"):
        lib.keep_local_image(
            jpeg(), "png", prompt="p", kind="LCM", parent_image_id=None, params={}, store=store
        )
    with pytest.raises(ValueError, match="kind"):
        lib.keep_local_image(
            jpeg(),
            "jpg",
            prompt="p",
            kind="no spaces",
            parent_image_id=None,
            params={},
            store=store,
        )
    with pytest.raises(ValueError, match="image id"):
        lib.keep_local_image(
            jpeg(), "jpg", prompt="p", kind="LCM", parent_image_id="../x", params={}, store=store
        )
    assert lib.count_images() == 0


def test_a_live_result_is_kept_and_survives_full_syncs(
    sim: SimServer, client: LeonardoClient, lib: Library, store: ImageStore, tmp_path: Path
) -> None:
    assert syncer(client, lib).sync().ok
    parent = lib.image_ids_page(0, 1)[0]
    url, width, height = lcm_data_url(Image.new("RGB", (100, 80), (90, 90, 200)))
    result = client.lcm_generate(
        LcmRequest(url, "a blue study", strength=0.5, seed=7, width=width, height=height)
    )
    kept = lib.keep_local_image(
        result.images[0],
        result.image_ext,
        prompt="a blue study",
        kind="LCM",
        parent_image_id=parent,
        params={"seed": 7, "strength": 0.5, "cost": result.cost_amount},
        store=store,
    )
    generation_id = lib.image_records([kept])[kept].generation_id
    victim = server_ids(client, sim)[0]
    assert client.delete_generation(victim) == victim
    first = syncer(client, lib).full()
    second = syncer(client, lib).full()
    assert first.ok and second.ok and first.deleted_remote == 1
    rows = stored(tmp_path / "library.sqlite3")  # the file of the shared ``lib`` fixture
    assert rows[victim] == 1  # the pass did flag what the server lost...
    assert rows[generation_id] == 0  # ...but never the local generation
    assert kept in lib.image_ids_page(0, 100)
    assert [r.id for r in lib.children_of(parent)] == [kept]


def test_the_v5_migration_marks_existing_generations_as_server_ones(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with Library.open(path) as lib:
        assert lib.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    try:
        columns = {r[1]: r for r in conn.execute("PRAGMA table_info(generations)")}
        assert columns["local"][4] == "0"  # default: a server generation
    finally:
        conn.close()
