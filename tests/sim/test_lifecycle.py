"""Job lifecycle: PENDING -> COMPLETE/FAILED, concurrency slots, paging, delete, history."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from leodesk.sim import SimServer
from tests.sim._util import download, generate, generation, wait_done, wait_until

Make = Callable[..., SimServer]
Client = Callable[..., httpx.Client]


def test_pending_then_complete(make_server: Make, make_client: Client) -> None:
    sim = make_server(generation_seconds=0.15)
    api = make_client(sim)
    gen_id = generate(api, num_images=3)
    row = generation(api, gen_id)
    assert row["status"] == "PENDING" and row["generated_images"] == []
    row = wait_done(api, gen_id)
    assert row["status"] == "COMPLETE" and len(row["generated_images"]) == 3
    job = sim.state.job(gen_id)
    assert job is not None and job.started_at is not None and job.finished_at is not None
    assert abs((job.finished_at - job.started_at) - 0.15) < 1e-9
    for img in row["generated_images"]:
        assert img["url"].startswith(f"{sim.origin}/cdn/users/{sim.user_id}/generations/{gen_id}/")
        assert img["nsfw"] is False and img["likeCount"] == 0
        assert img["generated_image_variation_generics"] == []


def test_slots_limit_progress_fifo(make_server: Make, make_client: Client) -> None:
    """With 2 slots and 4 jobs, only 2 progress at once; the others wait PENDING, in order."""
    sim = make_server(concurrency_slots=2, generation_seconds=0.3)
    api = make_client(sim)
    me = api.get("/me").json()["user_details"][0]
    assert me["apiConcurrencySlots"] == 2
    ids = [generate(api, prompt=f"job {n}") for n in range(4)]
    assert sim.state.running_count == 2 and sim.state.queued_count == 2
    # Observed over HTTP: when the first two are COMPLETE the last two are still PENDING.
    wait_until(lambda: all(generation(api, i)["status"] == "COMPLETE" for i in ids[:2]))
    assert [generation(api, i)["status"] for i in ids[2:]] == ["PENDING", "PENDING"]
    for i in ids:
        wait_done(api, i)
    jobs = [sim.state.job(i) for i in ids]
    assert all(j is not None for j in jobs)
    first, second, third, fourth = (j for j in jobs if j is not None)
    assert first.started_at == first.submitted_at and second.started_at == second.submitted_at
    assert third.started_at == first.finished_at  # took the freed slot at that instant
    assert fourth.started_at == second.finished_at
    assert third.finished_at is not None and first.finished_at is not None
    assert abs(third.finished_at - first.finished_at - 0.3) < 1e-9


def test_complete_all(make_server: Make, make_client: Client) -> None:
    sim = make_server(generation_seconds=60, concurrency_slots=1)
    api = make_client(sim)
    ids = [generate(api, prompt=f"wait {n}") for n in range(3)] + [
        generate(api, prompt="this will simfail")
    ]
    assert sim.complete_all() == 4
    statuses = [generation(api, i)["status"] for i in ids]
    assert statuses == ["COMPLETE", "COMPLETE", "COMPLETE", "FAILED"]
    assert sim.complete_all() == 0


def test_failed_job_has_no_images(api: httpx.Client) -> None:
    row = wait_done(api, generate(api, prompt="please SIMFAIL now"))
    assert row["status"] == "FAILED" and row["generated_images"] == []


def test_nsfw_flagged_images(api: httpx.Client) -> None:
    row = wait_done(api, generate(api, prompt="nsfwimage on purpose", num_images=2))
    assert [i["nsfw"] for i in row["generated_images"]] == [True, True]


def test_paging_newest_first(make_server: Make, make_client: Client) -> None:
    sim = make_server(seed_generations=3)
    api = make_client(sim)
    new = [generate(api, prompt=f"page {n}") for n in range(4)]
    path = f"/generations/user/{sim.user_id}"
    everything = api.get(path, params={"limit": 50}).json()["generations"]
    assert len(everything) == 7
    assert [g["id"] for g in everything[:4]] == new[::-1]
    stamps = [g["createdAt"] for g in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert len(api.get(path).json()["generations"]) == 7  # default limit 10
    page1 = api.get(path, params={"offset": 0, "limit": 3}).json()["generations"]
    page2 = api.get(path, params={"offset": 3, "limit": 3}).json()["generations"]
    page3 = api.get(path, params={"offset": 6, "limit": 3}).json()["generations"]
    assert [g["id"] for g in page1 + page2 + page3] == [g["id"] for g in everything]
    assert len(page3) == 1
    assert api.get(path, params={"offset": 10}).json()["generations"] == []


def test_seed_generations_are_complete_history(make_server: Make, make_client: Client) -> None:
    sim = make_server(seed_generations=5)
    api = make_client(sim)
    rows = api.get(f"/generations/user/{sim.user_id}").json()["generations"]
    assert len(rows) == 5
    assert all(r["status"] == "COMPLETE" and r["generated_images"] for r in rows)
    assert len({r["id"] for r in rows}) == 5
    image = download(rows[-1]["generated_images"][0]["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert api.get("/me").json()["user_details"][0]["apiSubscriptionTokens"] == 5000


def test_delete(make_server: Make, make_client: Client) -> None:
    sim = make_server(generation_seconds=0.02)
    api = make_client(sim)
    gen_id = generate(api)
    url = wait_done(api, gen_id)["generated_images"][0]["url"]
    assert download(url).status_code == 200
    assert api.delete(f"/generations/{gen_id}").json() == {
        "delete_generations_by_pk": {"id": gen_id}
    }
    assert api.get(f"/generations/{gen_id}").json() == {"generations_by_pk": None}
    assert api.get(f"/generations/user/{sim.user_id}").json() == {"generations": []}
    assert download(url).status_code == 403
    assert api.delete(f"/generations/{gen_id}").json() == {"delete_generations_by_pk": None}


def test_delete_pending_frees_its_slot(make_server: Make, make_client: Client) -> None:
    sim = make_server(concurrency_slots=1, generation_seconds=60)
    api = make_client(sim)
    first, second = generate(api), generate(api)
    assert sim.state.running_count == 1 and sim.state.queued_count == 1
    before = sim.state.credits
    api.delete(f"/generations/{first}")
    assert sim.state.running_count == 1 and sim.state.queued_count == 0
    job = sim.state.job(second)
    assert job is not None and job.started_at is not None
    assert sim.state.credits == before  # no refund for a deleted job


def test_queue_limit(make_server: Make, make_client: Client) -> None:
    sim = make_server(concurrency_slots=1, generation_seconds=60, queue_per_slot=2)
    api = make_client(sim)
    for _ in range(3):
        generate(api)  # one running, two queued
    resp = api.post("/generations", json={"prompt": "overflow", "num_images": 1})
    assert resp.status_code == 429 and resp.json()["code"] == "rate-limited"
    assert int(resp.headers["Retry-After"]) >= 1


def test_ids_are_deterministic_per_seed(make_server: Make, make_client: Client) -> None:
    a, b = make_server(seed=42), make_server(seed=42)
    assert a.user_id == b.user_id and a.user_id != make_server(seed=43).user_id
    ids_a = generate(make_client(a), seed=5)
    ids_b = generate(make_client(b), seed=5)
    assert ids_a == ids_b
