"""``leodesk elements``: the platform's elements (LoRAs) and your own, with their base model and
weight range; ``--model ID`` keeps those that fit the model's family (SD 1.5, SDXL, Phoenix,
Flux) and those whose fit is not known (marked ``?``). Takes ``--json`` and ``--demo`` like every
command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leodesk.cli import _client, _model_facts

if TYPE_CHECKING:
    from leodesk.core.elements import ElementChoice
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_elements_parser"]


def add_elements_parser(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``elements`` with ``add(name, help)`` (``build_parser``'s helper)."""
    sp = add("elements", "list the elements (LoRAs): the platform's and your own")
    sp.add_argument(
        "--model", metavar="ID", help="only those that fit this model (see `leodesk models`)"
    )


def _row(choice: ElementChoice, fit: bool | None) -> dict[str, Any]:
    return {
        "id": choice.own_id if choice.own else choice.key,
        "kind": "own" if choice.own else "platform",
        "name": choice.name,
        "description": choice.description,
        "base_model": choice.base_model,
        "weight_default": choice.weight_default,
        "weight_min": choice.weight_min,
        "weight_max": choice.weight_max,
        "preview_url": choice.url_image,
        "fits_model": fit,
    }


def cmd_elements(args: argparse.Namespace, runtime: Runtime) -> list[dict[str, Any]]:
    from leodesk.core.elements import fits, from_platform, from_user, offered  # per command

    with _client(runtime) as client:
        model = _model_facts(client, args.model) if args.model else None
        platform = [c for c in map(from_platform, client.list_elements()) if c]
        me = client.get_me()
        own = [c for c in map(from_user, client.list_user_elements(me.user_id)) if c]
    choices = [*own, *platform]
    pairs = offered(choices, model) if model else [(c, fits(c, None)) for c in choices]
    rows = [_row(c, f if model else None) for c, f in pairs]
    if not args.json:
        for r in rows:
            mark = "?" if model is not None and r["fits_model"] is None else " "
            weights = f"{r['weight_min']:g}..{r['weight_max']:g} (default {r['weight_default']:g})"
            base = r["base_model"] or "?"
            print(f"{mark}{r['id']}  {r['kind']:<8} {base:<10} {weights:<22} {r['name']}")
        if model is not None:
            print(f"{len(rows)} element(s) for {model.name}", flush=True)
    return rows


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {"elements": cmd_elements}
