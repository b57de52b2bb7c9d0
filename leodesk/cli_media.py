"""``leodesk media``: videos in your account. ``media upload FILE`` sends an MP4 or MOV file
(``POST /media`` and the presigned S3 upload; any other file type is refused before anything is
sent) and prints its media id; ``media show ID`` prints its status, duration, size and address
(``GET /media/{id}``); ``media rm ID`` deletes it (``DELETE /media/{id}``). Uploads are
recorded in the library, where the app's "Uploaded images and videos" dialog lists them. All
take ``--json`` and ``--demo``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leodesk.cli import EXIT_USAGE, CliError, _client, _say

if TYPE_CHECKING:
    from leodesk.core.library import Library
    from leodesk.runtime import Runtime

__all__ = ["COMMANDS", "add_media_parsers"]

Adder = Callable[[str, str], argparse.ArgumentParser]


def add_media_parsers(add: Adder) -> None:
    """Add ``media`` with ``add(name, help)`` (``build_parser``'s helper)."""
    media = add("media", "upload videos to your account, look at them, delete them")
    actions = media.add_subparsers(dest="media_action", metavar="ACTION", required=True)
    upload = actions.add_parser("upload", help="upload an MP4 or MOV video")
    upload.add_argument("file", type=Path, metavar="FILE")
    show = actions.add_parser("show", help="an uploaded video's status, duration and size")
    show.add_argument("media_id", metavar="ID")
    rm = actions.add_parser("rm", help="delete an uploaded video from your account")
    rm.add_argument("media_id", metavar="ID")
    for sp in (upload, show, rm):
        sp.add_argument("--json", action="store_true", help="print JSON on stdout")
        sp.add_argument(
            "--demo", action="store_true", default=argparse.SUPPRESS, help="run on the simulator"
        )


def _open(runtime: Runtime) -> Library:
    from leodesk.core.library import Library  # per command

    return Library.open(runtime.paths.library_db)


def _upload(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core.media import MediaFileError, read_media_file, upload_video_file

    path: Path = args.file
    try:
        read_media_file(path)  # refused before the key is even looked at
    except MediaFileError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    with _client(runtime) as client, _open(runtime) as lib:
        media_id = upload_video_file(client, lib, path)
    if not args.json:
        print(media_id)
    _say(f"uploaded {path.name} as {media_id}")
    return {"id": media_id, "file": str(path), "size": path.stat().st_size}


def _show(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    with _client(runtime) as client:
        media = client.get_media(args.media_id)
    if media is None:
        raise CliError(f"no uploaded video {args.media_id} in your account")
    row = asdict(media)
    if not args.json:
        size = f"{media.width}x{media.height}" if media.width and media.height else "?"
        length = f"{media.duration:.1f} s" if media.duration is not None else "?"
        print(f"{media.id}  {media.status or '?'}  {length}  {size}  {media.url or ''}")
        if media.status_reason:
            print(f"  {media.status_reason}")
    return row


def _rm(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    with _client(runtime) as client, _open(runtime) as lib:
        gone = client.delete_media(args.media_id)
        lib.forget_media(args.media_id)
    if gone is None:
        raise CliError(f"no uploaded video {args.media_id} in your account")
    _say(f"deleted {gone}")
    return {"deleted": gone}


def cmd_media(args: argparse.Namespace, runtime: Runtime) -> Any:
    return {"upload": _upload, "show": _show, "rm": _rm}[args.media_action](args, runtime)


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {"media": cmd_media}
