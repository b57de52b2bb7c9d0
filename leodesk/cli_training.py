"""The dataset and training subcommands of ``leodesk``.

``dataset create NAME``, ``dataset add DATASET_ID FILE...`` (files or folders: what a dataset
does not take is listed, the rest uploaded; uploads are stored per image in the library, so a
second run finishes what an interrupted one left, and never sends an image twice),
``dataset list`` (the datasets this library knows: the API cannot list them), ``dataset rm
DATASET_ID``; ``train model DATASET_ID --name NAME --instance-prompt WORD`` and ``train element
DATASET_ID --name NAME --focus Style``: the price is said first, the dataset's size checked,
the training sent once (a lost answer is looked for, never re-sent), then followed until it
ends and the new id printed (``--no-wait``: at once). All take ``--json`` and ``--demo``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leodesk.cli import EXIT_USAGE, CliError, _client, _say
from leodesk.core import training as tr

if TYPE_CHECKING:
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.library import Library
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_training_parsers"]

Adder = Callable[[str, str], argparse.ArgumentParser]


def _common(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--json", action="store_true", help="print JSON on stdout")
    sp.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="run on the simulator"
    )


def add_training_parsers(add: Adder) -> None:
    """Add ``dataset`` and ``train`` with ``add(name, help)`` (``build_parser``'s helper)."""
    dataset = add("dataset", "create datasets and add images to them (for training)")
    actions = dataset.add_subparsers(dest="dataset_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a dataset")
    create.add_argument("name")
    create.add_argument("--description", metavar="TEXT")
    adding = actions.add_parser("add", help="add image files or folders to a dataset")
    adding.add_argument("dataset_id", metavar="DATASET_ID")
    adding.add_argument("files", nargs="+", type=Path, metavar="FILE")
    actions.add_parser("list", help="list the datasets this library knows")
    rm = actions.add_parser("rm", help="delete a dataset")
    rm.add_argument("dataset_id", metavar="DATASET_ID")
    for sp in (create, adding, rm, actions.choices["list"]):
        _common(sp)
    train = add("train", "train a custom model or element (LoRA) on a dataset")
    kinds = train.add_subparsers(dest="train_kind", metavar="KIND", required=True)
    model = kinds.add_parser("model", help="train a custom model")
    model.add_argument("--instance-prompt", required=True, metavar="WORD")
    model.add_argument("--resolution", type=int, choices=[512, 768], default=512)
    model.add_argument("--sd-version", choices=["v1_5", "v2"], default="v1_5")
    model.add_argument("--type", dest="model_type", default="GENERAL", metavar="TYPE")
    element = kinds.add_parser("element", help="train a custom element (LoRA)")
    element.add_argument("--focus", choices=list(tr.LORA_FOCUS), default="Style")
    element.add_argument("--instance-prompt", default="", metavar="WORD")
    element.add_argument("--base", choices=list(tr.ELEMENT_BASES), default="FLUX_DEV")
    element.add_argument("--epochs", type=int, metavar="N")
    element.add_argument("--learning-rate", type=float, metavar="RATE")
    for sp in (model, element):
        sp.add_argument("dataset_id", metavar="DATASET_ID")
        sp.add_argument("--name", required=True)
        sp.add_argument("--description", default="", metavar="TEXT")
        sp.add_argument("--no-wait", action="store_true", help="return once it is sent")
        sp.add_argument("--timeout", type=float, default=3600.0, metavar="SECONDS")
        _common(sp)


# ---------------------------------------------------------------------------- datasets
def _open(runtime: Runtime) -> Library:
    from leodesk.core.library import Library  # per command

    return Library.open(runtime.paths.library_db)


def _known_dataset(lib: Library, client: LeonardoApi, dataset_id: str) -> None:
    """The dataset into the library (one made elsewhere is read from the server)."""
    if lib.get_dataset_record(dataset_id) is not None:
        return
    ds = client.get_dataset(dataset_id)
    if ds is None:
        raise CliError(f"no dataset {dataset_id} on the server (see `leodesk dataset list`)")
    lib.add_dataset(dataset_id, ds.name or "Dataset", ds.description)


def cmd_dataset(args: argparse.Namespace, runtime: Runtime) -> Any:
    action = args.dataset_action
    with _client(runtime) as client, _open(runtime) as lib:
        if action == "create":
            ds_id = client.create_dataset(args.name, args.description)
            lib.add_dataset(ds_id, args.name, args.description)
            if not args.json:
                print(ds_id)
            return {"id": ds_id, "name": args.name}
        if action == "list":
            return _list(args, lib)
        if action == "rm":
            deleted = client.delete_dataset(args.dataset_id)
            lib.remove_dataset(args.dataset_id)
            if not args.json:
                print("deleted" if deleted else "not on the server (forgotten here)")
            return {"id": args.dataset_id, "deleted": bool(deleted)}
        return _add(args, client, lib)


def _list(args: argparse.Namespace, lib: Library) -> list[dict[str, Any]]:
    rows = [
        {"id": d.id, "name": d.name, "images": d.uploaded, "waiting": d.images - d.uploaded}
        for d in lib.datasets()
    ]
    if not args.json:
        for r in rows:
            waiting = f" ({r['waiting']} not uploaded yet)" if r["waiting"] else ""
            print(f"{r['id']}  {r['images']:>3} images  {r['name']}{waiting}")
        _say(f"{len(rows)} dataset(s)")
    return rows


def _add(args: argparse.Namespace, client: LeonardoApi, lib: Library) -> dict[str, Any]:
    missing = [str(p) for p in args.files if not p.exists()]
    if missing:
        raise CliError(f"no such file: {', '.join(missing)}", EXIT_USAGE)
    _known_dataset(lib, client, args.dataset_id)
    sort = tr.collect_files(args.files)
    for path, why in sort.refused:
        _say(f"not added: {path}: {why}")
    added = tr.add_files(lib, args.dataset_id, sort.images)
    report = tr.DatasetUploader(lib, client).run(args.dataset_id)
    total = tr.refresh_urls(lib, client, args.dataset_id)
    result = {
        "id": args.dataset_id,
        "added": added,
        "uploaded": report.uploaded,
        "already_there": len(sort.images) - added,
        "refused": [{"file": str(p), "reason": why} for p, why in sort.refused],
        "failed": [{"file": n, "message": m} for n, m in report.failed],
        "images": total,
    }
    if report.failed:
        names = ", ".join(n for n, _m in report.failed)
        raise CliError(f"not uploaded (run the command again to retry): {names}", result=result)
    if not args.json:
        print(f"uploaded {report.uploaded}; the dataset holds {total} image(s)")
    return result


# ---------------------------------------------------------------------------- training
def _spec(args: argparse.Namespace) -> tr.TrainingSpec:
    if args.train_kind == "model":
        return tr.model_spec(
            args.dataset_id,
            args.name,
            args.instance_prompt,
            description=args.description,
            resolution=args.resolution,
            sd_version=args.sd_version,
            model_type=args.model_type,
        )
    return tr.element_spec(
        args.dataset_id,
        args.name,
        args.focus,
        instance_prompt=args.instance_prompt,
        description=args.description,
        base=args.base,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
    )


def cmd_train(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core.api.errors import OutcomeUnknownError  # per command

    spec = _spec(args)
    with _client(runtime) as client:
        dataset = client.get_dataset(args.dataset_id)
        if dataset is None:
            raise CliError(f"no dataset {args.dataset_id} on the server", EXIT_USAGE)
        problem = tr.check_spec(spec, len(dataset.images))
        if problem:
            raise CliError(problem, EXIT_USAGE)
        cost = tr.price_of(client, spec, len(dataset.images))
        _say(f"{spec.label}: {cost:,} credits")
        user_id = client.get_me().user_id or ""
        known = tr.same_name_ids(client, user_id, spec)
        try:
            target = tr.submit_training(client, spec)
        except OutcomeUnknownError:
            _say("the answer was lost; looking for the training (it is not sent again)…")
            target = _look(client, user_id, spec, known)
        result: dict[str, Any] = {"kind": spec.kind, "id": target, "name": spec.name}
        result["cost"] = cost
        if args.no_wait:
            result["status"] = "PENDING"
        else:
            result["status"] = _wait(client, spec, target, args.timeout)
    if not args.json:
        print(target)
    if result["status"] == "FAILED":
        raise CliError(tr.failure_message(spec), result=result)
    return result


def _look(client: LeonardoApi, user_id: str, spec: tr.TrainingSpec, known: list[str]) -> str:
    for _attempt in range(10):
        found = tr.look_for_training(client, user_id, spec, known)
        if found is not None:
            return found
        time.sleep(3.0)
    raise CliError(
        "the training's answer was lost and it is not among your trainings yet; it was not "
        "sent again: look with `leodesk models` later"
    )


def _wait(client: LeonardoApi, spec: tr.TrainingSpec, target: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    last: list[str] = []

    def status(value: str) -> None:
        if not last or last[-1] != value:
            _say(f"{spec.kind} {target}: {value.lower()}")
        last.append(value)

    return tr.follow_training(
        client,
        spec.kind,
        target,
        cancelled=lambda: time.monotonic() > deadline,
        on_status=status,
    )


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {
    "dataset": cmd_dataset,
    "train": cmd_train,
}
