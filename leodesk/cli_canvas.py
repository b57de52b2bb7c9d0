"""The canvas subcommands of ``leodesk``: ``inpaint``, ``outpaint``, ``sketch`` and ``live``.

``inpaint``, ``outpaint`` and ``sketch`` prepare the picture and its mask
(:mod:`leodesk.core.canvas`), upload both through ``POST /canvas-init-image`` and run the same
generate pipeline as ``leodesk gen`` (restart-safe, never billed twice), storing the result in
the library with the picture it came from as its parent. ``live`` makes one realtime (LCM)
round and keeps its picture as a local image of the library. Each writes into ``--out`` and
takes ``--json`` and ``--demo`` like every command.

IMAGE may be a file or the id of an image in the library (`leodesk search` lists them); a
library image becomes the results' parent in the lineage.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leodesk.cli import (
    EXIT_USAGE,
    CliError,
    _check_gen_prompt,
    _client,
    _copy_atomic,
    _generate_into,
    _init_image_path,
    _model_facts,
    _safe_name,
    _say,
)

if TYPE_CHECKING:
    from PIL import Image

    from leodesk.core.api import GenerationRequest
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_canvas_parsers"]

# The seed range a live request picks from when --seed is not given.
_LIVE_SEED_MAX = 2_147_483_637


def _job_options(sp: argparse.ArgumentParser) -> None:
    """The options the canvas jobs share with ``leodesk gen``."""
    sp.add_argument("--model", metavar="ID", help="model id (see `leodesk models`)")
    sp.add_argument("-n", "--num-images", type=int, default=None, metavar="N")
    sp.add_argument("--negative", metavar="TEXT", help="negative prompt")
    sp.add_argument("--seed", type=int)
    _out_option(sp)
    sp.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS")


def _out_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to write the images (default: current directory)",
    )


def add_canvas_parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add the canvas subcommands with ``add(name, help)`` (``build_parser``'s helper)."""
    image_help = "a picture file, or the id of an image in your library"
    inpaint = add("inpaint", "regenerate the white area of a mask over a picture")
    inpaint.add_argument("image", metavar="IMAGE", help=image_help)
    inpaint.add_argument("--mask", required=True, metavar="MASK", help="white = regenerate")
    inpaint.add_argument("prompt")
    _job_options(inpaint)
    outpaint = add("outpaint", "grow a picture on its sides and fill the new area")
    outpaint.add_argument("image", metavar="IMAGE", help=image_help)
    outpaint.add_argument("prompt")
    for side in ("left", "right", "top", "bottom"):
        outpaint.add_argument(f"--{side}", type=int, default=0, metavar="PX")
    _job_options(outpaint)
    sketch = add("sketch", "turn a sketch into a picture")
    sketch.add_argument("image", metavar="SKETCH", help="the sketch (a file or a library id)")
    sketch.add_argument("prompt")
    sketch.add_argument(
        "--strength",
        type=float,
        default=0.5,
        metavar="S",
        help="0.1-0.9: how much of the sketch is kept (default 0.5)",
    )
    _job_options(sketch)
    live = add("live", "one realtime (LCM) round from a picture; the result is kept")
    live.add_argument("image", metavar="IMAGE", help=image_help)
    live.add_argument("prompt")
    live.add_argument("--mask", metavar="MASK", help="regenerate only its white area")
    live.add_argument("--strength", type=float, default=0.5, metavar="S", help="0.1-1 (0.5)")
    live.add_argument("--guidance", type=float, default=None, metavar="G", help="0.5-20")
    live.add_argument("--steps", type=int, default=None, metavar="N", help="4-16")
    live.add_argument(
        "--style", default=None, type=str.upper, metavar="STYLE", help="DYNAMIC, ANIME, …"
    )
    live.add_argument("--seed", type=int)
    live.add_argument(
        "--size", type=int, choices=(512, 640, 1024), default=None, help="side of the picture"
    )
    _out_option(live)


# ------------------------------------------------------------------------------- pictures


def _picture_source(text: str, what: str) -> tuple[Path | None, str | None]:
    """``(file, None)`` or ``(None, library image id)`` for an IMAGE argument."""
    from leodesk.core.api.parse import is_valid_id  # per command

    if is_valid_id(text) and not Path(text).exists():
        return None, text
    return _init_image_path(text, what), None


def _load_picture(
    text: str, what: str, library: Library, store: ImageStore
) -> tuple[Image.Image, str | None]:
    """The picture ``text`` names and, for a library image, its id (the lineage parent)."""
    from leodesk.core.imageprep import ImagePrepError, load_file  # per command

    path, image_id = _picture_source(text, what)
    if image_id is not None:
        rec = library.image_records([image_id]).get(image_id)
        if rec is None:
            raise CliError(
                f"{what}: {image_id} is neither a file nor an image of your library "
                "(`leodesk search` lists them)",
                EXIT_USAGE,
            )
        if not rec.sha256 or not rec.ext:
            raise CliError(
                f"{what}: the file of {image_id} is not downloaded yet; "
                "`leodesk sync --images` fetches it",
                EXIT_USAGE,
            )
        path = store.path_for(rec.sha256, rec.ext)
    assert path is not None
    try:
        return load_file(path), image_id
    except ImagePrepError as exc:
        raise CliError(f"{what}: {exc}", EXIT_USAGE) from None


def _mask_file(text: str, what: str) -> Image.Image:
    from leodesk.core.imageprep import ImagePrepError, load_file  # per command

    try:
        return load_file(_init_image_path(text, what))
    except ImagePrepError as exc:
        raise CliError(f"{what}: {exc}", EXIT_USAGE) from None


# ------------------------------------------------------------------------------- canvas jobs


def _canvas_job(
    args: argparse.Namespace,
    runtime: Runtime,
    mode: str,
    make: Callable[[Image.Image], tuple[Image.Image, Image.Image | None]],
) -> dict[str, Any]:
    """Prepare, upload and generate one canvas job; ``make`` turns the loaded picture into
    the canvas picture and its mask (None: no mask)."""
    # per command
    from leodesk.core.canvas import CanvasError, prepare_canvas
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library

    _check_gen_prompt(args)
    args.out.mkdir(parents=True, exist_ok=True)
    store = ImageStore(runtime.paths.images)
    with Library.open(runtime.paths.library_db) as library:
        what = "SKETCH" if mode == "SKETCH2IMG" else "IMAGE"
        picture, made_from = _load_picture(args.image, what, library, store)
        try:
            canvas, mask = make(picture)
            prepared = prepare_canvas(canvas, mask, mode)
        except CanvasError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        if prepared.note:
            _say(prepared.note)
        with _client(runtime) as client:
            request = _canvas_request(args, client, mode, made_from, prepared)
            return _generate_into(args, client, store, library, request)


def _canvas_request(
    args: argparse.Namespace,
    client: LeonardoApi,
    mode: str,
    made_from: str | None,
    prepared: Any,
) -> GenerationRequest:
    """Check the request against the rules, upload the picture and its mask, and build the
    canvas job's request (a usage error names every rule it breaks, before the upload)."""
    # per command
    from leodesk.core import rules
    from leodesk.core.api import CanvasUploadIds, GenerationRequest
    from leodesk.core.canvas import CanvasError, canvas_request

    model = _model_facts(client, args.model) if args.model is not None else None
    form = GenerationRequest(
        prompt=args.prompt,
        negative_prompt=args.negative,
        model_id=args.model,
        num_images=args.num_images,
        seed=args.seed,
        init_strength=getattr(args, "strength", None),
        sd_version="PHOENIX" if model is not None and model.is_phoenix else None,
    )
    size = (prepared.width, prepared.height)
    try:
        draft = canvas_request(form, mode, CanvasUploadIds("draft", "draft"), made_from, size=size)
    except CanvasError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    problems = rules.validate(draft, model)
    if problems:
        raise CliError("; ".join(p.message for p in problems), EXIT_USAGE)
    _say("uploading the picture and its mask …")
    ids = client.upload_canvas_images(prepared.init_png, "png", prepared.mask_png, "png")
    return canvas_request(form, mode, ids, made_from, size=size)


def cmd_inpaint(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    mask = _mask_file(args.mask, "--mask")
    return _canvas_job(args, runtime, "INPAINT", lambda picture: (picture, mask))


def cmd_outpaint(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core.canvas import outpaint  # per command

    margins = (args.left, args.right, args.top, args.bottom)

    def grow(picture: Image.Image) -> tuple[Image.Image, Image.Image | None]:
        return outpaint(picture, *margins)

    return _canvas_job(args, runtime, "OUTPAINT", grow)


def cmd_sketch(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    return _canvas_job(args, runtime, "SKETCH2IMG", lambda picture: (picture, None))


# ------------------------------------------------------------------------------- live


def _live_request(args: argparse.Namespace, picture: Image.Image, mask: Image.Image | None) -> Any:
    """The LcmRequest of ``leodesk live`` (a usage error for a value outside its range)."""
    # per command
    from leodesk.core.api.serialize import LCM_STYLES, lcm_body
    from leodesk.core.canvas import CanvasError, live_request

    if args.style is not None and args.style not in LCM_STYLES:
        raise CliError(f"--style must be one of {', '.join(LCM_STYLES)}", EXIT_USAGE)
    try:
        request = live_request(
            picture,
            mask,
            prompt=args.prompt,
            guidance=args.guidance,
            strength=args.strength,
            steps=args.steps,
            style=args.style,
            size=args.size,
            seed=args.seed if args.seed is not None else random.randint(0, _LIVE_SEED_MAX),
        )
    except CanvasError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    operation = "performInpaintingLCM" if request.mask_data_url else "createLCMGeneration"
    try:
        lcm_body(operation, request)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return request


def cmd_live(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    # per command
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library

    if not args.prompt.strip():
        raise CliError("the prompt must not be empty", EXIT_USAGE)
    mask = _mask_file(args.mask, "--mask") if args.mask else None
    args.out.mkdir(parents=True, exist_ok=True)
    store = ImageStore(runtime.paths.images)
    with Library.open(runtime.paths.library_db) as library:
        picture, made_from = _load_picture(args.image, "IMAGE", library, store)
        request = _live_request(args, picture, mask)
        with _client(runtime) as client:
            _say("live request …")
            if request.mask_data_url:
                result, kind = client.lcm_inpaint(request), "LCM_INPAINT"
            else:
                result, kind = client.lcm_generate(request), "LCM"
        return _keep_live(args, library, store, request, result, kind, made_from)


def _keep_live(
    args: argparse.Namespace,
    library: Library,
    store: ImageStore,
    request: Any,
    result: Any,
    kind: str,
    made_from: str | None,
) -> dict[str, Any]:
    """Keep the first picture of a live answer in the library and write it into ``--out``."""
    params = {
        "seed": request.seed,
        "strength": request.strength,
        "guidance": request.guidance,
        "steps": request.steps,
        "style": request.style,
        "width": request.width,
        "height": request.height,
        "cost": result.cost_amount,
        "api_credit_cost": result.api_credit_cost,
    }
    image_id = library.keep_local_image(
        result.images[0],
        result.image_ext,
        prompt=request.prompt,
        kind=kind,
        parent_image_id=made_from,
        params={key: value for key, value in params.items() if value is not None},
        store=store,
    )
    rec = library.image_records([image_id])[image_id]
    assert rec.sha256 is not None and rec.ext is not None
    target = _safe_name(args.out, f"{image_id}.{rec.ext}")
    _copy_atomic(store.path_for(rec.sha256, rec.ext), target)
    out = {
        "image_id": image_id,
        "generation_id": rec.generation_id,
        "parent_image_id": made_from,
        "seed": request.seed,
        "width": rec.width,
        "height": rec.height,
        "cost": result.cost_amount,
        "api_credit_cost": result.api_credit_cost,
        "file": str(target.resolve()),
    }
    if not args.json:
        print(out["file"])
    return out


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {
    "inpaint": cmd_inpaint,
    "outpaint": cmd_outpaint,
    "sketch": cmd_sketch,
    "live": cmd_live,
}
