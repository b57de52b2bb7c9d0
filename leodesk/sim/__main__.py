"""Command line: ``python -m leodesk.sim [--port 0] [--latency-ms N] [--faults SPEC] ...``.

Prints the base URL (first line, exactly) and the API key (second line) on stdout, then serves
until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .config import SimConfig
from .faults import FaultSpecError
from .server import SimServer


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m leodesk.sim",
        description="Serve a simulated Leonardo.Ai Production API on 127.0.0.1.",
    )
    p.add_argument("--port", type=int, default=0, help="TCP port (0 = any free port)")
    p.add_argument("--latency-ms", type=int, default=0, help="latency added to API responses")
    p.add_argument(
        "--lcm-latency",
        type=float,
        default=SimConfig.lcm_latency,
        metavar="SECONDS",
        help="time an LCM (realtime canvas) answer takes, on top of --latency-ms",
    )
    p.add_argument("--faults", default="", help="fault rules, e.g. 'POST /generations=500@0.3'")
    p.add_argument("--seed", type=int, default=0, help="seed of ids, images and fault rolls")
    p.add_argument("--generation-seconds", type=float, default=1.0, help="job duration")
    p.add_argument("--slots", type=int, default=10, help="apiConcurrencySlots")
    p.add_argument("--seed-generations", type=int, default=0, help="pre-existing generations")
    p.add_argument("--seed-videos", type=int, default=0, help="pre-existing videos")
    p.add_argument("--credits", type=int, default=5000, help="initial apiSubscriptionTokens")
    p.add_argument("--api-key", default="leodesk-demo-key", help="the accepted bearer key")
    p.add_argument("--rate-limit", type=int, default=100, help="billed POSTs per minute before 429")
    p.add_argument(
        "--state-dir",
        default=None,
        metavar="DIR",
        help="keep the account in DIR: a later run with the same DIR continues it",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until interrupted."""
    args = build_parser().parse_args(argv)
    cfg = SimConfig(
        seed=args.seed,
        latency_ms=args.latency_ms,
        lcm_latency=args.lcm_latency,
        generation_seconds=args.generation_seconds,
        concurrency_slots=args.slots,
        api_key=args.api_key,
        credits=args.credits,
        rate_limit_per_minute=args.rate_limit,
        seed_generations=args.seed_generations,
        seed_videos=args.seed_videos,
        faults=args.faults,
        port=args.port,
        state_dir=args.state_dir,
    )
    try:
        sim = SimServer(cfg)
    except FaultSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sim.start()
    try:
        print(sim.base_url, flush=True)
        print(sim.api_key, flush=True)
        print(
            f"leodesk simulator: user {sim.user_id}, {cfg.concurrency_slots} slots, "
            f"{cfg.generation_seconds}s per job; Ctrl+C to stop",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
