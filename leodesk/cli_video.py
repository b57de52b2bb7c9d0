"""``leodesk video "prompt" [--image FILE | --image-id ID] [--model MOTION2] --out DIR``.

Text to video, or image to video from a picture file (uploaded as an init image, never twice)
or from an image of the library (sent by id; the video becomes its child in the lineage). The
options a model does not take are refused before anything is sent, with the reason; the price
is asked first and said on stderr. The job is stored in the library's queue like the app's
(restart-safe: if this command is stopped, the app follows the job at its next start) and is
never billed twice. It waits, downloads the MP4 whole, keeps it in the library (poster frame,
duration) and writes it into ``--out``. ``--json`` and ``--demo`` as every command.
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
    _prepare_init_image,
    _safe_name,
    _say,
    _upload_init_image,
)

if TYPE_CHECKING:
    from leodesk.core.api.video import FrameRef, VideoRequest
    from leodesk.core.library import Library
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_video_parsers"]

MODELS_HELP = "MOTION2, MOTION2FAST, VEO3, VEO3FAST, KLING2_1 or KLING2_5"


def add_video_parsers(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``video`` with ``add(name, help)`` (``build_parser``'s helper)."""
    sp = add("video", "make a video from a prompt, or from a picture or library image")
    sp.add_argument("prompt")
    source = sp.add_mutually_exclusive_group()
    source.add_argument("--image", metavar="FILE", help="start from a picture file")
    source.add_argument("--image-id", metavar="ID", help="start from an image of your library")
    sp.add_argument("--end-image-id", metavar="ID", help="end frame: a library image (KLING2_1)")
    # The names are checked when the command runs (leodesk.core.video_options): building the
    # parser must not import the API client for every command.
    sp.add_argument("--model", metavar="MODEL", help=f"{MODELS_HELP} (default MOTION2)")
    sp.add_argument("--resolution", metavar="RES", help="RESOLUTION_480, _720 or _1080")
    sp.add_argument("--aspect", choices=("16:9", "9:16", "1:1"), help="default: the image's")
    sp.add_argument("--duration", type=int, metavar="SECONDS", help="VEO3*: 4/6/8, KLING2_5: 5/10")
    sp.add_argument("--interpolate", action="store_true", help="frame interpolation (Motion 2.0)")
    sp.add_argument("--seed", type=int)
    sp.add_argument("--negative", metavar="TEXT", help="negative prompt")
    sp.add_argument("--enhance", action="store_true", help="let the server enhance the prompt")
    sp.add_argument("--enhance-instruction", metavar="TEXT", help="e.g. 'make it cinematic'")
    sp.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="where to write the MP4"
    )
    sp.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS")


def _library_frame(library: Library, image_id: str, option: str) -> FrameRef:
    from leodesk.core.api.video import FrameRef  # per command

    found = library.image_records([image_id]).get(image_id)
    if found is None or found.kind != "image" or found.local:
        if found is None:
            what = "not in your library"
        elif found.local:
            what = "kept on this computer only (use --image FILE)"
        else:
            what = {"variation": "a variation (use --image FILE)"}.get(found.kind, "a video")
        raise CliError(
            f"{option}: {image_id} is {what}; a video starts from a generated image "
            "(`leodesk search` lists their ids; `leodesk sync` fetches your account's)",
            EXIT_USAGE,
        )
    return FrameRef(image_id, "GENERATED")


def _request(args: argparse.Namespace, start: FrameRef | None, end: FrameRef | None) -> Any:
    """The request, or a usage error naming everything the model would refuse."""
    from leodesk.core.api.video import VideoRequest, video_body  # per command
    from leodesk.core.video_options import RESOLUTION_LABELS, model_info, problems, size_for

    try:
        model_info(args.model)
    except ValueError as exc:
        raise CliError(f"--model: {exc}", EXIT_USAGE) from None
    if args.resolution is not None and args.resolution not in RESOLUTION_LABELS:
        allowed = ", ".join(RESOLUTION_LABELS)
        raise CliError(f"--resolution must be one of {allowed}", EXIT_USAGE)
    size = size_for(args.resolution, args.aspect, args.model)
    request = VideoRequest(
        prompt=args.prompt.strip(),
        image=start,
        end_frame=end,
        model=args.model,
        resolution=args.resolution,
        frame_interpolation=True if args.interpolate else None,
        seed=args.seed,
        negative_prompt=args.negative,
        prompt_enhance=True if args.enhance else None,
        prompt_enhance_instruction=args.enhance_instruction,
        duration=args.duration,
        width=None if size is None else size[0],
        height=None if size is None else size[1],
    )
    found = problems(request)
    if found:
        raise CliError(" ".join(found), EXIT_USAGE)
    try:
        video_body(request)
    except (TypeError, ValueError) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return request


def _say_price(client: Any, request: VideoRequest) -> int | None:
    from leodesk.core.api.errors import LeonardoError  # per command
    from leodesk.core.video_options import pricing_request

    try:
        price = int(client.price(pricing_request(request.model, request.resolution)))
    except LeonardoError as exc:
        _say(f"the price could not be asked ({exc.user_message})")
        return None
    _say(f"this video costs {price} credit{'s' if price != 1 else ''}")
    return price


def cmd_video(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    # per command
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library

    if not args.prompt.strip():
        raise CliError("the prompt must not be empty", EXIT_USAGE)
    if args.end_image_id and not (args.image or args.image_id):
        raise CliError("--end-image-id needs a start image (--image or --image-id)", EXIT_USAGE)
    init_path = _init_image_path(args.image, "--image") if args.image else None
    prepared = _prepare_init_image(init_path) if init_path is not None else None
    args.out.mkdir(parents=True, exist_ok=True)
    store = ImageStore(runtime.paths.images)
    with Library.open(runtime.paths.library_db) as library:
        start = _library_frame(library, args.image_id, "--image-id") if args.image_id else None
        end = (
            _library_frame(library, args.end_image_id, "--end-image-id")
            if args.end_image_id
            else None
        )
        _request(args, start, end)  # usage errors before any upload
        with _client(runtime) as client:
            if prepared is not None and init_path is not None:
                from leodesk.core.api.video import FrameRef

                start = FrameRef(
                    _upload_init_image(client, library, init_path, prepared), "UPLOADED"
                )
            request = _request(args, start, end)
            source_gen = None
            if args.image_id:
                rec = library.image_records([args.image_id])[args.image_id]
                source_gen = rec.generation_id
            price = _say_price(client, request)
            return _run(args, client, store, library, request, source_gen, price)


def _run(
    args: argparse.Namespace,
    client: Any,
    store: Any,
    library: Library,
    request: VideoRequest,
    source_generation_id: str | None,
    price: int | None,
) -> dict[str, Any]:
    """Store the job, run it to a stored video, and write the MP4 into ``--out``."""
    # per command
    from leodesk.cli import _GenReporter
    from leodesk.core.imagestore import verify_image
    from leodesk.core.pipeline import ImagesMissing, JobFailed
    from leodesk.core.video_job import (
        JOB_KIND,
        LibraryVideoRecord,
        VideoJob,
        VideoPipeline,
        job_body,
    )

    job = VideoJob(request, source_generation_id)
    job_id = int(library.add_job(JOB_KIND, job_body(job), group_label=job.label))
    pipeline = VideoPipeline(
        client=client,
        store=store,
        persist=LibraryVideoRecord(library),
        on_progress=_GenReporter(),
        verify=verify_image,
        poll_timeout=args.timeout,
        claim=library.claim_generation,
    )
    try:
        made = pipeline.run(job_id, job)
    except ImagesMissing as exc:
        raise CliError(f"{exc} (generation {exc.generation_id})", EXIT_ERROR) from None
    except JobFailed as exc:
        raise CliError(str(exc)) from None
    target = _safe_name(args.out, f"{made.generation_id}.mp4")
    _copy_atomic(made.path, target)
    result = {
        "generation_id": made.generation_id,
        "image_id": made.image_id,
        "file": str(target.resolve()),
        "model": request.model or "MOTION2",
        "duration": made.info.duration,
        "width": made.info.width,
        "height": made.info.height,
        "fps": made.info.fps,
        "cost": made.cost if made.cost is not None else price,
    }
    if not args.json:
        print(result["file"])
    return result


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {"video": cmd_video}
