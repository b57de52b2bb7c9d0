"""The Blueprint subcommands of ``leodesk``: ``blueprints`` (the catalogue with each version's
price and declared inputs) and ``blueprint run VERSION_ID --input NODE.FIELD=VALUE … --out DIR``.

``run`` checks every value against the version's declarations before anything is sent (a
wrong type or a value out of range is a usage error, exit 2), says the price, then runs the
same pipeline as the app's queue (:mod:`leodesk.core.blueprints`: image inputs uploaded,
executed once, never re-sent, followed to the end) and writes the images into ``--out``. The
generations are kept in the library with the blueprint as their origin. An image input takes a
file or the id of an image of the library (sent by its address, nothing uploaded).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leodesk.cli import (
    EXIT_ERROR,
    EXIT_USAGE,
    CliError,
    _client,
    _copy_atomic,
    _init_image_path,
    _safe_name,
    _say,
)

if TYPE_CHECKING:
    from leodesk.core.api.blueprint_models import Blueprint, BlueprintVersion
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.blueprint_inputs import ImageChoice
    from leodesk.core.library import Library
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_blueprint_parsers"]


def add_blueprint_parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``blueprints`` and ``blueprint run`` with ``add(name, help)``."""
    add("blueprints", "list the Blueprints with their versions, prices and inputs")
    bp = add("blueprint", "run a Blueprint version")
    sub = bp.add_subparsers(dest="blueprint_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run a version, wait and download its images")
    run.add_argument("version_id", metavar="VERSION_ID", help="see `leodesk blueprints`")
    run.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NODE.FIELD=VALUE",
        help="an input's value (repeatable); an image takes a file or a library image id",
    )
    run.add_argument("--out", type=Path, default=Path("."), metavar="DIR")
    run.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS")
    run.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    run.add_argument("--demo", action="store_true", default=argparse.SUPPRESS)


def _catalogue(client: LeonardoApi, library: Library) -> list[tuple[Blueprint, list[Any]]]:
    """Every blueprint with its versions, fetched now and cached in the library."""
    blueprints = client.list_all_blueprints()
    library.save_blueprints(blueprints)
    out = []
    for bp in blueprints:
        versions = client.list_blueprint_versions(bp.id)
        library.save_blueprint_versions(bp.id, versions)
        out.append((bp, versions))
    return out


def _version_json(v: BlueprintVersion) -> dict[str, Any]:
    return {
        "id": v.id,
        "created_at": v.created_at,
        "cost": v.cost,
        "outputs": v.outputs,
        "models": list(v.models),
        "executable": v.executable,
        "inputs": [
            {
                "key": i.key,
                "type": i.type,
                "label": i.label,
                "required": i.required,
                "default": i.default,
                "min": i.minimum,
                "max": i.maximum,
                "integer": i.integer,
                "max_length": i.max_length,
            }
            for i in v.inputs
        ],
    }


def cmd_blueprints(args: argparse.Namespace, runtime: Runtime) -> list[dict[str, Any]]:
    from leodesk.core.blueprint_inputs import input_summary  # per command
    from leodesk.core.library import Library  # per command

    with _client(runtime) as client, Library.open(runtime.paths.library_db) as library:
        catalogue = _catalogue(client, library)
    rows = [
        {
            "id": bp.id,
            "name": bp.name,
            "description": bp.description,
            "thumbnail_url": bp.thumbnail_url,
            "versions": [_version_json(v) for v in versions],
        }
        for bp, versions in catalogue
    ]
    if not args.json:
        for bp, versions in catalogue:
            print(f"{bp.id}  {bp.name}")
            if bp.description:
                print(f"    {bp.description}")
            for v in versions:
                cost = "?" if v.cost is None else f"{v.cost}"
                state = "" if v.executable else "  [cannot run: its model is retired]"
                print(f"  version {v.id}  {cost} credits  {v.outputs} image(s){state}")
                for line in input_summary(v):
                    print(f"      --input {line}")
        _say(f"{len(rows)} blueprint(s)")
    return rows


def _find_version(
    client: LeonardoApi, library: Library, version_id: str
) -> tuple[Blueprint, BlueprintVersion]:
    """The version (and its blueprint) from the cache, else from the API."""
    for refresh in (False, True):
        pairs = (
            _catalogue(client, library)
            if refresh
            else [
                (bp, library.cached_blueprint_versions(bp.id) or [])
                for bp in library.cached_blueprints()
            ]
        )
        for bp, versions in pairs:
            for v in versions:
                if v.id == version_id.strip().lower():
                    return bp, v
    raise CliError(
        f"no blueprint version {version_id} (`leodesk blueprints` lists them)", EXIT_USAGE
    )


def _parse_inputs(
    items: list[str], version: BlueprintVersion, library: Library
) -> tuple[dict[str, str], dict[str, ImageChoice]]:
    """``NODE.FIELD=VALUE`` options as text values and image choices (by input key)."""
    from leodesk.core.blueprint_inputs import ImageChoice  # per command

    declared = {i.key: i for i in version.inputs}
    values: dict[str, str] = {}
    images: dict[str, ImageChoice] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or "." not in key:
            raise CliError(f"--input {item!r}: write it as NODE.FIELD=VALUE", EXIT_USAGE)
        inp = declared.get(key)
        if inp is None or inp.type != "image":
            values[key] = value
            continue
        record = library.image_records([value.strip()]).get(value.strip())
        if record is not None and record.url:
            images[key] = ImageChoice(url=record.url, image_id=record.id)
        else:
            images[key] = ImageChoice(path=_init_image_path(value, f"--input {key}"))
    return values, images


def cmd_blueprint(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    # per command
    from leodesk.core.blueprint_inputs import InputError, build_job
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library

    out_dir: Path = args.out
    store = ImageStore(runtime.paths.images)
    with _client(runtime) as client, Library.open(runtime.paths.library_db) as library:
        bp, version = _find_version(client, library, args.version_id)
        values, images = _parse_inputs(args.input, version, library)
        try:
            job = build_job(bp.id, bp.name, version, values, images)
        except InputError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        out_dir.mkdir(parents=True, exist_ok=True)
        price = "an unknown number of" if job.cost is None else str(job.cost)
        _say(f"running “{bp.name}”: {price} credits, {version.outputs} image(s) …")
        result, why = _run(client, store, library, job, args.timeout)
        files = _write_files(out_dir, store, library, result.image_ids, why)
    data = {
        "blueprint_id": bp.id,
        "version_id": version.id,
        "execution_id": result.execution_id,
        "generation_ids": list(result.generation_ids),
        "cost": result.cost,
        "files": files,
        "refused": list(result.refused),
        "missing_images": sorted(why),
    }
    if not args.json:
        for f in files:
            print(f)
        for reason in result.refused:
            _say(f"refused: {reason}")
    if why:
        raise CliError(
            f"{len(why)} image(s) could not be downloaded whole; `leodesk sync --images` "
            "fetches them later",
            EXIT_ERROR,
            data,
        )
    return data


def _run(
    client: LeonardoApi, store: Any, library: Library, job: Any, timeout: float
) -> tuple[Any, dict[str, str]]:
    # per command
    from leodesk.cli import DOWNLOAD_BACKOFF_S, DOWNLOAD_RETRIES
    from leodesk.core.blueprints import BlueprintPipeline, RunResult
    from leodesk.core.imagestore import verify_image
    from leodesk.core.pipeline import ImagesMissing, JobFailed

    record = _cli_record(library)
    pipeline = BlueprintPipeline(
        client=client,
        store=store,
        persist=record,
        on_progress=_Reporter(),
        verify=verify_image,
        poll_timeout=timeout,
        download_tries=1 + DOWNLOAD_RETRIES,
        download_delay=DOWNLOAD_BACKOFF_S,
    )
    try:
        return pipeline.run(0, job), {}
    except ImagesMissing as exc:
        seen = getattr(record, "generations", [])
        ids = tuple(i for g in seen for i in _image_ids(g))
        gens = tuple(str(g.id) for g in seen)
        partial = RunResult(0, job.label, None, gens, ids, job.cost)
        return partial, exc.missing
    except JobFailed as exc:
        raise CliError(str(exc)) from None


class _Reporter:
    """The pipeline's progress messages on stderr, each once; the end is said by the command."""

    def __init__(self) -> None:
        self._last = ""

    def __call__(self, p: Any) -> None:
        from leodesk.core import pipeline as pl  # per command

        if p.state in (pl.DONE, pl.FAILED, pl.INCOMPLETE) or not p.message:
            return
        if p.message != self._last:
            self._last = p.message
            _say(p.message)


def _image_ids(gen: Any) -> list[str]:
    return [im.id for im in gen.images if im.id and im.url]


def _write_files(
    out_dir: Path, store: Any, library: Library, image_ids: tuple[str, ...], why: dict[str, str]
) -> list[str]:
    records = library.image_records(list(image_ids))
    files = []
    for n, image_id in enumerate(image_ids):
        rec = records.get(image_id)
        if image_id in why or rec is None or not rec.sha256 or not rec.ext:
            continue
        target = _safe_name(out_dir, f"{rec.generation_id}_{n}.{rec.ext}")
        _copy_atomic(store.path_for(rec.sha256, rec.ext), target)
        files.append(str(target.resolve()))
    return files


def _cli_record(library: Library) -> Any:
    """The pipeline's persistence for the CLI: as ``leodesk gen``'s (no queue job: the job
    steps only remember), plus every generation seen and the origin of each."""
    from leodesk.cli import _gen_record  # per command

    base: Any = type(_gen_record(library))

    class BlueprintCliRecord(base):  # type: ignore[misc]
        generations: list[Any]

        def generation_seen(self, generation: Any, request_json: str | None) -> None:
            self.generations = [*getattr(self, "generations", []), generation]
            super().generation_seen(generation, request_json)

        def claim_generation(self, job_id: int, generation_id: str) -> bool:
            return True  # no other job of this command can follow it

        def set_generation_origin(self, generation_id: str, origin: Any) -> None:
            self.library.set_generation_origin(generation_id, origin)

    return BlueprintCliRecord(library)


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {
    "blueprints": cmd_blueprints,
    "blueprint": cmd_blueprint,
}
