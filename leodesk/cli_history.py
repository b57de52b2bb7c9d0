"""``leodesk prompts [QUERY]``: the prompt history of the library (every prompt generated, once
per prompt and negative prompt, newest first, with its number of uses); ``leodesk presets``: the
form presets saved in the app. Both read the local library only (no key, no network) and take
``--json`` and ``--demo``."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_history_parsers"]

Adder = Callable[[str, str], argparse.ArgumentParser]


def add_history_parsers(add: Adder) -> None:
    """Add ``prompts`` and ``presets`` with ``add(name, help)`` (``build_parser``'s helper)."""
    prompts = add("prompts", "the prompts you generated, newest first (the app's History)")
    prompts.add_argument("query", nargs="?", default="", help="only those holding every word")
    prompts.add_argument("--limit", type=int, default=50, metavar="N", help="at most N (50)")
    add("presets", "the form presets saved in the app")  # --json and --demo come with it


def _day(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def cmd_prompts(args: argparse.Namespace, runtime: Runtime) -> list[dict[str, Any]]:
    from leodesk.core.library import Library  # per command

    with Library.open(runtime.paths.library_db) as lib:
        entries = lib.prompt_history(args.query, limit=max(1, args.limit))
    if not args.json:
        for e in entries:
            negative = f"  (not: {e.negative_prompt})" if e.negative_prompt else ""
            print(f"{_day(e.last_ms)}  ×{e.uses}  {e.prompt}{negative}")
    return [
        {
            "prompt": e.prompt,
            "negative_prompt": e.negative_prompt,
            "uses": e.uses,
            "first_ms": e.first_ms,
            "last_ms": e.last_ms,
        }
        for e in entries
    ]


def cmd_presets(args: argparse.Namespace, runtime: Runtime) -> list[dict[str, Any]]:
    from leodesk.core.library import Library  # per command

    with Library.open(runtime.paths.library_db) as lib:
        presets = lib.presets()
    if not args.json:
        for p in presets:
            model = p.state.get("model") or {}
            name = model.get("name") if isinstance(model, dict) else None
            size = f"{p.state.get('width', '?')}x{p.state.get('height', '?')}"
            print(f"{p.name}  {name or 'default model'}  {size}")
    return [{"name": p.name, "state": p.state, "updated_ms": p.updated_ms} for p in presets]


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {
    "prompts": cmd_prompts,
    "presets": cmd_presets,
}
