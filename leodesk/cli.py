"""The ``leodesk`` command: the GUI with no arguments, scripting subcommands otherwise.

Every subcommand runs on the same core as the app, takes ``--json`` for machine-readable output,
prints progress to stderr, and on failure prints one clear line to stderr and exits non-zero.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leodesk import __version__

if TYPE_CHECKING:
    from leodesk.runtime import Runtime

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_INTERRUPTED = 130


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="leodesk",
        description="Create images with the Leonardo.Ai Production API. "
        "With no command, opens the desktop app.",
    )
    p.add_argument("--version", action="version", version=f"leodesk {__version__}")
    p.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in simulator (no key, no network)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--json", action="store_true", help="print JSON on stdout")
        sp.add_argument(
            "--demo",
            action="store_true",
            default=argparse.SUPPRESS,
            help="run against the built-in simulator",
        )
        return sp

    add("me", "show the account, its API credit balance and concurrency slots")
    add("models", "list the platform models and your own models")
    gen = add("gen", "generate images, wait for them and download them")
    gen.add_argument("prompt")
    gen.add_argument("--model", metavar="ID", help="model id (see `leodesk models`)")
    gen.add_argument("-n", "--num-images", type=int, default=None, metavar="N")
    gen.add_argument("--width", type=int)
    gen.add_argument("--height", type=int)
    gen.add_argument("--negative", metavar="TEXT", help="negative prompt")
    gen.add_argument("--seed", type=int)
    gen.add_argument("--init-image", type=Path, metavar="FILE", help="image-to-image source")
    gen.add_argument(
        "--init-strength", type=float, default=0.5, metavar="S", help="0.1-0.9 (default 0.5)"
    )
    gen.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to write the images (default: current directory)",
    )
    gen.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS")
    sync = add("sync", "mirror your generations into the local library (resumable)")
    sync.add_argument(
        "--images", action="store_true", help="also download every image not stored yet"
    )
    sync.add_argument(
        "--full",
        action="store_true",
        help="run a full pass even if one completed before (finds deletions on the server)",
    )
    search = add("search", "search the local library (run `leodesk sync` first)")
    search.add_argument("query", nargs="?", default="", help="words from the prompt")
    search.add_argument(
        "--model", action="append", default=[], metavar="ID", help="model id (repeatable)"
    )
    search.add_argument("--since", metavar="DATE", help="created on or after YYYY-MM-DD")
    search.add_argument("--until", metavar="DATE", help="created on or before YYYY-MM-DD")
    search.add_argument("--favourite", action="store_true", help="favourites only")
    search.add_argument("--negative", action="store_true", help="search negative prompts too")
    search.add_argument("--limit", type=int, default=50, metavar="N", help="at most N (50)")
    key = add("key", "store, remove or inspect the API key in the OS keychain")
    key.add_argument("action", choices=["set", "clear", "status"])
    key.add_argument(
        "--no-check",
        action="store_true",
        help="`set`: store without checking the key against the API",
    )
    return p


def run(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.command is None:
        from leodesk.app import main as gui_main

        return gui_main(demo=args.demo)
    from leodesk.core.log import setup_logging
    from leodesk.runtime import start as start_runtime

    setup_logging(None, stderr_level=30)
    handler = COMMANDS[args.command]
    runtime: Runtime | None = None
    try:
        runtime = start_runtime(demo=bool(getattr(args, "demo", False)))
        result = handler(args, runtime)
    except KeyboardInterrupt:
        print("leodesk: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CliError as exc:
        print(f"leodesk: {exc}", file=sys.stderr)
        return exc.code
    except Exception as exc:  # every error becomes one line, never a traceback
        code, message = describe_error(exc)
        print(f"leodesk: {message}", file=sys.stderr)
        return code
    finally:
        if runtime is not None:
            runtime.close()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


def describe_error(exc: Exception) -> tuple[int, str]:
    from leodesk.core import secrets
    from leodesk.core.api import errors
    from leodesk.core.log import redact

    if isinstance(exc, errors.AuthenticationError):
        return EXIT_AUTH, exc.user_message
    if isinstance(exc, errors.LeonardoError):
        return EXIT_ERROR, exc.user_message
    if isinstance(exc, secrets.SecretsError):
        return EXIT_AUTH, str(exc)
    if isinstance(exc, OSError):
        return EXIT_ERROR, redact(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    return EXIT_ERROR, redact(f"unexpected error: {type(exc).__name__}: {exc}")


def _client(runtime: Runtime) -> Any:
    from leodesk.core.api import LeonardoClient

    key = runtime.api_key()
    if not key:
        raise CliError(
            "no API key: run `leodesk key set`, set LEONARDO_API_KEY, or try `leodesk --demo`",
            EXIT_AUTH,
        )
    return LeonardoClient(key, base_url=runtime.base_url)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_me(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    with _client(runtime) as client:
        me = client.get_me()
    data = {
        "user_id": me.user_id,
        "username": me.username,
        "api_credits": me.api_credits,
        "api_subscription_tokens": me.api_subscription_tokens,
        "api_paid_tokens": me.api_paid_tokens,
        "api_concurrency_slots": me.api_concurrency_slots,
        "api_plan_token_renewal_date": me.api_plan_token_renewal_date,
        "demo": runtime.demo,
    }
    if not args.json:
        print(
            f"account:   {me.username or '?'} ({me.user_id or '?'})"
            + (" [demo]" if runtime.demo else "")
        )
        print(f"credits:   {_fmt_int(me.api_credits)} API credits")
        print(f"slots:     {_fmt_int(me.api_concurrency_slots)} concurrent jobs")
        if me.api_plan_token_renewal_date:
            print(f"renews:    {me.api_plan_token_renewal_date}")
    return data


def _fmt_int(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def cmd_models(args: argparse.Namespace, runtime: Runtime) -> list[dict[str, Any]]:
    with _client(runtime) as client:
        platform = client.list_platform_models()
        me = client.get_me()
        own = client.list_user_models(me.user_id) if me.user_id else []
    rows: list[dict[str, Any]] = []
    for m in platform:
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "kind": "platform",
                "featured": m.featured,
                "nsfw": m.nsfw,
                "description": m.description,
            }
        )
    for m in own:
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "kind": "own",
                "featured": None,
                "nsfw": None,
                "description": m.description,
            }
        )
    if not args.json:
        for r in rows:
            flags = " ".join(
                f for f, on in (("featured", r["featured"]), ("nsfw", r["nsfw"])) if on
            )
            print(
                f"{r['id']}  {r['kind']:<8} {r['name'] or '?'}" + (f"  [{flags}]" if flags else "")
            )
    return rows


def prepare_upload(path: Path) -> tuple[bytes, str]:
    """Read an image for upload (see :mod:`leodesk.core.imageprep`): bytes and extension."""
    from leodesk.core.imageprep import ImagePrepError, prepare_file

    try:
        prepared = prepare_file(path)
    except ImagePrepError as exc:
        raise CliError(f"{path}: {exc}") from None
    return prepared.data, prepared.extension


def cmd_gen(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core.api import GenerationRequest, errors

    if args.num_images is not None and not 1 <= args.num_images <= 8:
        raise CliError("-n must be between 1 and 8", EXIT_USAGE)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    with _client(runtime) as client:
        init_id = None
        if args.init_image is not None:
            data, ext = prepare_upload(args.init_image)
            _say(f"uploading {args.init_image.name} …")
            init_id = client.upload_init_image(data, ext)
        request = GenerationRequest(
            prompt=args.prompt,
            negative_prompt=args.negative,
            model_id=args.model,
            num_images=args.num_images,
            width=args.width,
            height=args.height,
            seed=args.seed,
            init_image_id=init_id,
            init_strength=args.init_strength if init_id else None,
        )
        from leodesk.core import rules

        problems = rules.validate(request, None)
        if problems:
            raise CliError("; ".join(p.message for p in problems), EXIT_USAGE)
        submitted = time.time()
        _say("submitting …")
        try:
            job = client.create_generation(request)
            generation_id = job.generation_id
        except errors.OutcomeUnknownError:
            _say("the server did not answer; checking whether the job was created …")
            me = client.get_me()
            found = None
            for _ in range(5):
                found = client.reconcile_generation(
                    user_id=me.user_id, prompt=args.prompt, submitted_after=_utc(submitted)
                )
                if found is not None:
                    break
                time.sleep(2.0)
            if found is None:
                raise CliError(
                    "the server did not confirm the job and it is not in your recent "
                    "generations; nothing was re-sent to avoid paying twice"
                ) from None
            generation_id = found.id
        _say(f"generation {generation_id}: waiting …")
        gen = client.wait_for_generation(generation_id, timeout=args.timeout)
        if gen.status != "COMPLETE":
            raise CliError(f"generation {generation_id} ended as {gen.status or 'unknown'}")
        files: list[str] = []
        for n, image in enumerate(gen.images):
            if not image.url:
                continue
            data = client.download(image.url)
            suffix = Path(image.url.split("?", 1)[0]).suffix or ".jpg"
            target = out_dir / f"{generation_id}_{n}{suffix}"
            _write_verified(target, data)
            files.append(str(target.resolve()))
            if not args.json:
                print(target)
    return {"generation_id": generation_id, "status": gen.status, "seed": gen.seed, "files": files}


def _utc(ts: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, tz=UTC)


def _write_verified(target: Path, data: bytes) -> None:
    """Check that ``data`` decodes as an image, then write it atomically."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except Exception as exc:
        raise CliError(f"the server sent a broken image for {target.name} ({exc})") from None
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def cmd_key(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core import secrets

    if args.action == "status":
        st = secrets.key_status()
        if not args.json:
            print(st.describe())
        return {
            "source": st.source,
            "backend": st.backend,
            "account": st.account,
            "secure": st.secure,
        }
    if args.action == "clear":
        removed = secrets.clear_api_key()
        if not args.json:
            print("API key removed from the keychain." if removed else "No API key was stored.")
        return {"removed": removed}
    # set
    secrets.secure_backend()  # fail before asking for the key
    if sys.stdin is not None and not sys.stdin.isatty():
        key = sys.stdin.readline().strip()
    else:
        key = getpass.getpass("Leonardo Production API key: ").strip()
    if not key:
        raise CliError("no key given", EXIT_USAGE)
    from leodesk.core.log import register_secret

    register_secret(key)
    username = None
    if not args.no_check:
        from leodesk.core.api import LeonardoClient

        with LeonardoClient(key, base_url=runtime.base_url) as client:
            username = client.get_me().username
    secrets.set_api_key(key)
    if not args.json:
        who = f" (account {username})" if username else ""
        print(f"API key stored in {secrets.key_status().backend}{who}.")
    return {"stored": True, "username": username}


class _SyncReporter:
    """Progress of a sync on stderr: at most a few lines a second, and the last state."""

    def __init__(self, interval: float = 0.5) -> None:
        self._interval = interval
        self._last = 0.0
        self._shown: Any = None

    def __call__(self, progress: Any) -> None:
        if progress.phase in ("starting", "failed", "cancelled"):
            return  # a failure is reported as the one error line
        now = time.monotonic()
        if progress.ended or progress.message.startswith("Rate limited"):
            self._show(progress)
        elif now - self._last >= self._interval:
            self._last = now
            self._show(progress)

    def _show(self, p: Any) -> None:
        if p == self._shown:
            return
        self._shown = p
        if p.mode == "images":
            line = f"images: {p.downloaded} downloaded, {p.download_failed} failed"
        else:
            line = (
                f"{p.mode or 'sync'}: page {p.pages}, {p.generations} generations, "
                f"{p.images} images ({p.new} new, {p.updated} updated)"
            )
        if p.message and not p.ended:
            line += f" - {p.message}"
        _say(line)


def cmd_sync(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library
    from leodesk.core.sync import Syncer, summarize

    reporter = _SyncReporter()
    with _client(runtime) as client, Library.open(runtime.paths.library_db) as library:
        syncer = Syncer(client, library, on_progress=reporter)
        result = syncer.full() if args.full else syncer.sync()
        runs = [result]
        if result.phase == "failed":
            raise CliError(result.message)
        if args.images and result.ok:
            images = syncer.download_images(ImageStore(runtime.paths.images))
            runs.append(images)
            if images.phase == "failed":
                raise CliError(images.message)
        summary = summarize(runs)
        summary["library"] = str(runtime.paths.library_db)
        summary["visible_images"] = library.count_images()
    if not args.json:
        for run in runs:
            print(run.message)
    return summary


def _parse_day(text: str | None, option: str, *, end: bool) -> Any:
    """``YYYY-MM-DD`` as a local datetime: the day's first millisecond, or its last (``end``)."""
    from datetime import datetime, timedelta

    if text is None:
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise CliError(
            f"{option} must be a date like 2024-05-31, not {text!r}", EXIT_USAGE
        ) from None
    return day + timedelta(days=1, milliseconds=-1) if end else day


def cmd_search(args: argparse.Namespace, runtime: Runtime) -> list[dict[str, Any]]:
    from datetime import UTC, datetime

    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library
    from leodesk.core.search import Filter

    if not 1 <= args.limit <= 10_000:
        raise CliError("--limit must be between 1 and 10000", EXIT_USAGE)
    flt = Filter(
        text=args.query,
        include_negative=args.negative,
        model_ids=tuple(args.model),
        since=_parse_day(args.since, "--since", end=False),
        until=_parse_day(args.until, "--until", end=True),
        favourite=True if args.favourite else None,
    )
    store = ImageStore(runtime.paths.images)
    with Library.open(runtime.paths.library_db) as library:
        ids = library.image_ids_page(0, args.limit, filter=flt)
        records = library.image_records(ids)
    rows: list[dict[str, Any]] = []
    for image_id in ids:
        rec = records.get(image_id)
        if rec is None:  # purged between the two reads
            continue
        path = store.path_for(rec.sha256, rec.ext) if rec.sha256 and rec.ext else None
        created = datetime.fromtimestamp(rec.created_ms / 1000, UTC)
        rows.append(
            {
                "image_id": rec.id,
                "generation_id": rec.generation_id,
                "prompt": rec.prompt,
                "negative_prompt": rec.negative_prompt,
                "model_id": rec.model_id,
                "model": rec.model_name,
                "width": rec.width,
                "height": rec.height,
                "seed": rec.seed,
                "created_at": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "kind": rec.kind,
                "favourite": rec.favourite,
                "rating": rec.rating,
                "url": rec.url,
                "file": str(path) if path is not None and path.is_file() else None,
            }
        )
    if not args.json:
        for row in rows:
            size = f"{row['width'] or '?'}x{row['height'] or '?'}"
            prompt = " ".join(row["prompt"].split())
            print(
                f"{row['created_at'][:16]}  {row['image_id']}  {size:>9}  "
                f"{prompt[:70]}{'…' if len(prompt) > 70 else ''}"
            )
        _say(f"{len(rows)} image(s)")
    return rows


COMMANDS: dict[str, Callable[[argparse.Namespace, Runtime], Any]] = {
    "me": cmd_me,
    "models": cmd_models,
    "gen": cmd_gen,
    "key": cmd_key,
    "sync": cmd_sync,
    "search": cmd_search,
}
