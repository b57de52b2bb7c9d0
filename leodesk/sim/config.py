"""Configuration of a simulator instance (:class:`SimConfig`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes one simulated Leonardo account and server.

    All fields have defaults, so ``SimConfig()`` gives a usable demo server.
    """

    seed: int = 0
    """Seed of the simulator RNG (ids, random seeds and prompts, fault probability rolls)."""
    latency_ms: int = 0
    """Added before every API response (not to CDN or S3 responses)."""
    lcm_latency: float = 0.15
    """Seconds an LCM (realtime canvas) answer takes, on top of ``latency_ms``: the synchronous
    ``/generations-lcm``, ``/lcm-instant-refine``, ``/lcm-inpainting`` and ``/lcm-upscale``."""
    generation_seconds: float = 1.0
    """Time a job needs once it holds a concurrency slot (PENDING -> COMPLETE/FAILED)."""
    concurrency_slots: int = 10
    """``apiConcurrencySlots``: at most this many jobs progress at once; the rest queue FIFO."""
    api_key: str = "leodesk-demo-key"
    """The only bearer key accepted."""
    credits: int = 5000
    """Initial ``apiSubscriptionTokens`` (``apiPaidTokens`` starts at 0)."""
    moderation_words: tuple[str, ...] = ("nsfwword",)
    """A prompt containing one of these (case-insensitive) is refused by the moderation filter."""
    fail_words: tuple[str, ...] = ("simfail",)
    """A prompt containing one of these makes the job end FAILED (its cost is refunded)."""
    nsfw_words: tuple[str, ...] = ("nsfwimage",)
    """A prompt containing one of these completes, but its images are flagged ``nsfw: true``."""
    presign_ttl_s: float = 120.0
    """Lifetime of the presigned S3 POST returned by ``POST /init-image``."""
    rate_limit_per_minute: int = 100
    """Billed POSTs (generations, upscale, unzoom, nobg, universal-upscaler) per sliding minute;
    the LCM operations have a window of their own with the same limit."""
    seed_generations: int = 0
    """COMPLETE generations that already exist in the account when the server starts."""
    seed_videos: int = 0
    """COMPLETE videos made after those (text to video, then image to video from the newest
    seeded image, alternately), for a new account only."""
    faults: str = ""
    """Fault rules in the ``--faults`` grammar (see :mod:`leodesk.sim`)."""
    port: int = 0
    """TCP port on 127.0.0.1; 0 picks a free one."""
    moderation_status: int = 403
    """HTTP status of a moderation refusal (the docs show 400, the brief/NOTES 403)."""
    queue_per_slot: int = 20
    """Pending jobs allowed per concurrency slot before new jobs get 429."""
    state_dir: str | None = None
    """A folder that keeps the account between runs (see :mod:`leodesk.sim.persist`).

    When set, the server continues the account saved there (users, generations and their
    images, variations, uploads, balance, the billed-request window, pending jobs, which finish
    at their own time) and writes it back at most every ``save_interval_s`` and at ``stop()``.
    ``credits`` and ``seed_generations`` then only shape a new account, whose user and seeded
    history follow ``seed`` as usual; every id handed out after that draws on a random salt,
    so it never repeats an id of an earlier account kept there (or lost in a crash).
    """
    save_interval_s: float = 0.5
    """How often, at most, a changed account is written to ``state_dir``."""
