"""The ``leodesk`` command: the GUI with no arguments, scripting subcommands otherwise.

Every subcommand runs on the same core as the app, takes ``--json`` for machine-readable output,
prints progress to stderr, and on failure prints one clear line to stderr and exits non-zero.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from leodesk import __version__
from leodesk.core.errors import LeodeskError

if TYPE_CHECKING:
    from leodesk.core.api import GenerationRequest
    from leodesk.core.api.protocol import LeonardoApi
    from leodesk.core.catalog import ModelInfo
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import ImageRecord, Library
    from leodesk.runtime import Runtime

# Each command imports what it needs where it starts (lines marked "per command"). Measured:
# with the runtime (paths, keychain, logging) imported here `--help` takes ~70 ms instead of
# ~45 ms, and `leodesk key status` would pay for the API client, SQLite, PIL and the rest of core
# (~110 ms together; PySide6 ~50 ms).

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_INTERRUPTED = 130
# What a shell reports for a tool stopped by SIGPIPE (``leodesk search | head -1``).
EXIT_BROKEN_PIPE = 141
# Downloads whose bytes do not decode are tried this many more times, with doubling pauses.
DOWNLOAD_RETRIES = 3
DOWNLOAD_BACKOFF_S = 0.5


class CliError(LeodeskError):
    """One line for stderr and the exit code; ``result`` is still printed with ``--json``
    (what a partly successful command did)."""

    def __init__(self, message: str, code: int = EXIT_ERROR, result: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.result = result


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
    account_help = "use this account's key, library and settings (see `leodesk account list`)"
    p.add_argument("--account", metavar="NAME", help=account_help)
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
        sp.add_argument("--account", metavar="NAME", default=argparse.SUPPRESS, help=account_help)
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
    gen.add_argument(
        "--init-image",
        metavar="FILE|ID",
        help="image-to-image source: a local file, or the id of an image in your library "
        "(see `leodesk search`)",
    )
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
    from leodesk.cli_canvas import add_canvas_parsers  # its commands beside `gen`

    add_canvas_parsers(add)
    from leodesk.cli_elements import add_elements_parser

    add_elements_parser(add)
    from leodesk.cli_training import add_training_parsers  # dataset, train

    add_training_parsers(add)
    from leodesk.cli_blueprints import add_blueprint_parsers  # blueprints, blueprint run

    add_blueprint_parsers(add)
    from leodesk.cli_video import add_video_parsers  # `leodesk video`

    add_video_parsers(add)
    from leodesk.cli_media import add_media_parsers  # `leodesk media`

    add_media_parsers(add)
    from leodesk.cli_history import add_history_parsers  # `leodesk prompts`, `presets`

    add_history_parsers(add)
    from leodesk.cli_accounts import add_account_parser  # `leodesk account`

    add_account_parser(add)
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
    demo = bool(getattr(args, "demo", False))
    account: str | None = getattr(args, "account", None)
    if args.command in ("key", "account") and demo:
        print(
            "leodesk: the demo uses the simulator's own key and never reads or writes your "
            f"keychain; run `leodesk {args.command}` without --demo to manage your API keys",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if account is not None:
        from leodesk.cli_accounts import account_option_problem  # per command

        problem = account_option_problem(account, demo)
        if problem:
            print(f"leodesk: {problem}", file=sys.stderr)
            return EXIT_USAGE
    if args.command is None:
        from leodesk.app import main as gui_main  # per command

        return gui_main(demo=args.demo, account=account)
    from leodesk.core.log import setup_logging  # per command
    from leodesk.runtime import start as start_runtime  # per command

    setup_logging(None, stderr_level=30)
    handler = COMMANDS[args.command]
    runtime: Runtime | None = None
    result: Any = None
    code = 0
    try:
        try:
            with _library_writer(args, demo, account):  # before the simulator starts
                runtime = start_runtime(demo=demo, account=account)
                result = handler(args, runtime)
        except KeyboardInterrupt:
            print("leodesk: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except CliError as exc:
            print(f"leodesk: {exc}", file=sys.stderr)
            if exc.result is None or not args.json:
                return exc.code
            result, code = exc.result, exc.code
        except BrokenPipeError:
            raise
        except Exception as exc:  # every error becomes one line, never a traceback
            code, message = describe_error(exc)
            print(f"leodesk: {message}", file=sys.stderr)
            return code
        finally:
            if runtime is not None:
                runtime.close()
        if args.json:
            print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        sys.stdout.flush()
    except BrokenPipeError:
        return _stdout_closed()
    return code


#: Commands that write the library: one at a time per profile, never beside the running app.
WRITING_COMMANDS = {
    "gen", "sync", "inpaint", "outpaint", "sketch", "live", "blueprint", "video", "train",
}  # fmt: skip
READ_ONLY_ACTIONS = {("dataset", "list"), ("media", "show")}


def _library_writer(args: argparse.Namespace, demo: bool, account: str | None) -> Any:
    """The profile's lock while a command writes the library (nothing for one that reads)."""
    import contextlib  # per command

    action = getattr(args, "dataset_action", None) or getattr(args, "media_action", None)
    writes = args.command in WRITING_COMMANDS or (
        args.command in ("dataset", "media") and (args.command, action) not in READ_ONLY_ACTIONS
    )
    if not writes:
        return contextlib.nullcontext()
    from leodesk.core.instance import ProfileBusy, writer_lock  # per command
    from leodesk.runtime import profile_paths  # per command

    try:
        return writer_lock(profile_paths(demo=demo, account=account).data, args.command)
    except ProfileBusy as exc:
        raise CliError(str(exc)) from None


def _stdout_closed() -> int:
    """The reader of stdout went away (``| head``): stop quietly, like other Unix tools.
    Python would otherwise complain again when it flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def describe_error(exc: Exception) -> tuple[int, str]:
    # per command
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
    from leodesk.core.api import LeonardoClient  # per command

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


def _init_image_path(text: str, option: str = "--init-image") -> Path:
    """The local file ``option`` names: a path or a ``file://`` URL; other URLs and missing
    files are usage errors."""
    from urllib.request import url2pathname  # per command

    parts = urlsplit(text)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            raise CliError(
                f"{option}: {text} is on another machine; copy it here first", EXIT_USAGE
            )
        path = Path(url2pathname(unquote(parts.path)))
    elif len(parts.scheme) > 1 and "://" in text:
        raise CliError(
            f"{option} takes a local file, not a {parts.scheme} URL: download it first",
            EXIT_USAGE,
        )
    else:
        path = Path(text)
    if not path.is_file():
        what = "is a folder, not an image file" if path.is_dir() else "does not exist"
        raise CliError(f"{option}: {path} {what}", EXIT_USAGE)
    return path


def _prepare_init_image(path: Path) -> Any:
    from leodesk.core.imageprep import ImagePrepError, prepare_file  # per command

    try:
        return prepare_file(path)
    except ImagePrepError as exc:
        raise CliError(f"--init-image: {path}: {exc}", EXIT_USAGE) from None


def _model_facts(client: LeonardoApi, model_id: str) -> ModelInfo:
    """What the API says of the model ``--model`` names (a ModelInfo with its facts), or a
    usage error when the API does not know it (it answers an unknown model id on the submit
    only, with a server error)."""
    # per command
    from leodesk.core.api import errors
    from leodesk.core.api.parse import is_valid_id
    from leodesk.core.catalog import ModelInfo

    unknown = CliError(
        f"--model: {model_id!r} is not a model of this account; `leodesk models` lists them",
        EXIT_USAGE,
    )
    if not is_valid_id(model_id):
        raise unknown
    try:
        found = client.get_model(model_id)  # answered for platform and own models alike
    except (errors.NotFoundError, errors.ValidationError):
        raise unknown from None
    if found is None:
        raise unknown
    return ModelInfo(id=model_id, name=found.name or model_id).with_facts(
        sd_version=found.sd_version,
        width=found.model_width,
        height=found.model_height,
        status=found.status,
    )


def _gen_record(library: Library) -> Any:
    """The pipeline's persistence for ``leodesk gen``: the generation (with the request) and
    its stored images go into the library as the app records them; the CLI keeps no queue job,
    so the job steps only remember the generation."""
    from leodesk.core.pipeline import LibraryRecord  # per command

    class GenRecord(LibraryRecord):
        generation: Any = None

        def job_submitting(self, job_id: int, submitted_at: float) -> None:
            pass

        def job_checking(self, job_id: int) -> None:
            pass

        def job_accepted(self, job_id: int, generation_id: str) -> None:
            pass

        def job_ended(self, job_id: int, state: str, message: str | None) -> None:
            pass

        def generation_seen(self, generation: Any, request_json: str | None) -> None:
            self.generation = generation
            super().generation_seen(generation, request_json)

    return GenRecord(library)


class _GenReporter:
    """The pipeline's progress as short lines on stderr (each state once)."""

    def __init__(self) -> None:
        self._last: tuple[str, str] | None = None

    def __call__(self, p: Any) -> None:
        from leodesk.core import pipeline as pl  # per command

        if p.state == pl.SUBMITTING:
            line = "submitting …"
        elif p.state == pl.PENDING:
            line = f"generation {p.generation_id}: waiting …"
        elif p.state == pl.DOWNLOADING:
            line = f"downloading {p.done}/{p.total} …" if p.total else "downloading …"
        elif p.state == pl.UNKNOWN:
            line = "the server did not answer; checking whether the job was created …"
        else:
            return  # the end is reported by the command itself
        if (p.state, line) != self._last:
            self._last = (p.state, line)
            _say(line)


def _safe_name(out_dir: Path, name: str) -> Path:
    """``out_dir / name``, refusing any name that would land outside ``out_dir``."""
    target = out_dir / name
    if (
        not name
        or name in (".", "..")
        or Path(name).name != name
        or "\\" in name
        or target.resolve().parent != out_dir.resolve()
    ):
        raise CliError(f"refusing to write a file named {name!r} (it would leave --out)")
    return target


def cmd_gen(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    # per command
    from leodesk.core.imagestore import ImageStore
    from leodesk.core.library import Library

    _check_gen_prompt(args)
    init_path, library_image = _resolve_init_image(args.init_image)
    prepared = _prepare_init_image(init_path) if init_path is not None else None
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    store = ImageStore(runtime.paths.images)
    with _client(runtime) as client, Library.open(runtime.paths.library_db) as library:
        model = _model_facts(client, args.model) if args.model is not None else None
        if library_image is not None:
            _check_library_image(library, library_image)
        init_id = None
        if prepared is not None and init_path is not None:
            init_id = _upload_init_image(client, library, init_path, prepared)
        request = _gen_request(args, model, init_id, library_image)
        return _generate_into(args, client, store, library, request)


def _generate_into(
    args: argparse.Namespace,
    client: LeonardoApi,
    store: ImageStore,
    library: Library,
    request: GenerationRequest,
) -> dict[str, Any]:
    """Run ``request`` through the generate pipeline into the library, write its images into
    ``--out`` and say what was made (``leodesk gen`` and the canvas commands alike)."""
    out_dir: Path = args.out
    gen, why = _run_gen_pipeline(client, store, library, request, args.timeout)
    generation_id = str(gen.id)
    wanted = [im.id for im in gen.images if im.url and im.id]
    stored = library.image_records(wanted)
    files = _write_gen_files(out_dir, store, generation_id, wanted, stored, why)
    result = {
        "generation_id": generation_id,
        "status": gen.status,
        "seed": gen.seed,
        "files": files,
        "missing_images": sorted(why),
    }
    if not args.json:
        for f in files:
            print(f)
    if why:
        detail = "; ".join(f"{image_id}: {reason}" for image_id, reason in sorted(why.items()))
        raise CliError(
            f"{len(why)} of {len(wanted)} image(s) of generation {generation_id} could not be "
            f"downloaded whole ({detail}). The others are in {out_dir}; the generation is in "
            "your library, so `leodesk sync --images` fetches the rest later",
            EXIT_ERROR,
            result,
        )
    if not wanted:
        raise CliError(f"generation {generation_id} finished without any image", EXIT_ERROR, result)
    return result


def _check_gen_prompt(args: argparse.Namespace) -> None:
    """Usage errors of ``-n`` and the prompts, found before any file or network is touched."""
    # per command
    from leodesk.core import rules
    from leodesk.core.api import GenerationRequest

    if args.num_images is not None and not 1 <= args.num_images <= 8:
        raise CliError("-n must be between 1 and 8", EXIT_USAGE)
    draft = GenerationRequest(prompt=args.prompt, negative_prompt=args.negative)
    early = [p for p in rules.validate(draft, None) if p.field in ("prompt", "negative_prompt")]
    if early:
        raise CliError("; ".join(p.message for p in early), EXIT_USAGE)


def _resolve_init_image(text: str | None) -> tuple[Path | None, str | None]:
    """What ``--init-image`` names: ``(local file, None)``, or ``(None, image id)`` for an
    image of the library (sent by id, its lineage kept), or ``(None, None)`` without it."""
    from leodesk.core.api.parse import is_valid_id  # per command

    if text is None:
        return None, None
    if is_valid_id(text) and not Path(text).exists():
        return None, text
    return _init_image_path(text), None


def _check_library_image(library: Library, image_id: str) -> None:
    """A usage error unless ``image_id`` is a generated image of the library."""
    found = library.image_records([image_id]).get(image_id)
    if found is None or found.kind != "image":
        raise CliError(
            f"--init-image: {image_id} is neither a file nor a generated image of "
            "your library (`leodesk search` lists their ids)",
            EXIT_USAGE,
        )


def _upload_init_image(client: LeonardoApi, library: Library, path: Path, prepared: Any) -> str:
    """The init image id of a prepared file: the one of an earlier upload of the same bytes,
    else a new upload (remembered for next time)."""
    init_id = library.upload_id_for(prepared.sha256)
    if init_id is None:
        _say(f"uploading {path.name} …")
        init_id = client.upload_init_image(prepared.data, prepared.extension)
        library.remember_upload(prepared.sha256, init_id)
    return init_id


def _gen_request(
    args: argparse.Namespace,
    model: ModelInfo | None,
    init_id: str | None,
    library_image: str | None,
) -> GenerationRequest:
    """The request ``leodesk gen`` sends, or a usage error naming every rule it breaks."""
    # per command
    from leodesk.core import rules
    from leodesk.core.api import GenerationRequest

    request = GenerationRequest(
        prompt=args.prompt,
        negative_prompt=args.negative,
        model_id=args.model,
        num_images=args.num_images,
        width=args.width,
        height=args.height,
        seed=args.seed,
        init_image_id=init_id,
        init_generation_image_id=library_image,
        init_strength=args.init_strength if init_id or library_image else None,
        # the API refuses a Phoenix model without it
        sd_version="PHOENIX" if model is not None and model.is_phoenix else None,
    )
    problems = rules.validate(request, model)
    if problems:
        raise CliError("; ".join(p.message for p in problems), EXIT_USAGE)
    return request


def _run_gen_pipeline(
    client: LeonardoApi,
    store: ImageStore,
    library: Library,
    request: GenerationRequest,
    timeout: float,
) -> tuple[Any, dict[str, str]]:
    """Submit, wait and download into the library: the generation and, per image id that could
    not be downloaded whole, the reason."""
    # per command
    from leodesk.core.imagestore import verify_image
    from leodesk.core.pipeline import ImagesMissing, JobFailed, Pipeline

    record = _gen_record(library)
    pipeline = Pipeline(
        client=client,
        store=store,
        persist=record,
        on_progress=_GenReporter(),
        verify=verify_image,
        poll_timeout=timeout,
        # a download that does not decode is fetched again, with doubling pauses
        download_tries=1 + DOWNLOAD_RETRIES,
        download_delay=DOWNLOAD_BACKOFF_S,
    )
    why: dict[str, str] = {}
    try:
        gen = pipeline.run(0, request)
    except ImagesMissing as exc:
        gen, why = record.generation, exc.missing
    except JobFailed as exc:
        raise CliError(str(exc)) from None
    return gen, why


def _write_gen_files(
    out_dir: Path,
    store: ImageStore,
    generation_id: str,
    wanted: list[str],
    stored: dict[str, ImageRecord],
    why: dict[str, str],
) -> list[str]:
    """Copy each downloaded image of the generation into ``out_dir`` as
    ``<generation id>_<n>.<ext>``; the absolute paths written."""
    files: list[str] = []
    for n, image_id in enumerate(wanted):
        rec = stored.get(image_id)
        if image_id in why or rec is None or not rec.sha256 or not rec.ext:
            continue
        target = _safe_name(out_dir, f"{generation_id}_{n}.{rec.ext}")
        _copy_atomic(store.path_for(rec.sha256, rec.ext), target)
        files.append(str(target.resolve()))
    return files


def _copy_atomic(source: Path, target: Path) -> None:
    """Copy a stored (verified) image to ``target``; a reader never sees a partial file."""
    tmp = target.with_name(target.name + ".part")
    try:
        tmp.write_bytes(source.read_bytes())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def cmd_key(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any]:
    from dataclasses import replace  # per command

    from leodesk.core import secrets  # per command

    entry = runtime.key_entry
    if args.action == "status":
        st = replace(secrets.key_status(entry), account=runtime.account.name)
        if not args.json:
            print(st.describe())
        return {
            "source": st.source,
            "backend": st.backend,
            "account": st.account,
            "secure": st.secure,
        }
    if args.action == "clear":
        removed = secrets.clear_api_key(entry)
        if not args.json:
            print("API key removed from the keychain." if removed else "No API key was stored.")
        return {"removed": removed}
    # set
    key, username = read_checked_key(args, runtime.base_url)
    secrets.set_api_key(key, entry)
    if not args.json:
        who = f" (account {username})" if username else ""
        print(f"API key stored in {secrets.key_status(entry).backend}{who}.")
    return {"stored": True, "username": username}


def read_checked_key(args: argparse.Namespace, base_url: str | None) -> tuple[str, str | None]:
    """The key typed (hidden) or piped on stdin, checked with the API's ``/me`` unless
    ``--no-check``: the key and the API's user name for it. Nothing is stored here."""
    from leodesk.core import secrets  # per command
    from leodesk.core.log import register_secret  # per command

    secrets.secure_backend()  # fail before asking for the key
    if sys.stdin is not None and not sys.stdin.isatty():
        key = sys.stdin.readline().strip()
    else:
        key = getpass.getpass("Leonardo Production API key: ").strip()
    if not key:
        raise CliError("no key given", EXIT_USAGE)
    register_secret(key)
    username = None
    if not args.no_check:
        from leodesk.core.api import LeonardoClient  # per command

        with LeonardoClient(key, base_url=base_url) as client:
            username = client.get_me().username
    return key, username


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
    # per command
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
    # per command
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
                "model": rec.model_name or rec.model_id,
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


def _canvas_command(name: str) -> Callable[[argparse.Namespace, Runtime], Any]:
    """The handler of canvas subcommand ``name`` (in :mod:`leodesk.cli_canvas`)."""

    def handler(args: argparse.Namespace, runtime: Runtime) -> Any:
        from leodesk import cli_canvas  # per command

        return cli_canvas.COMMANDS[name](args, runtime)

    return handler


COMMANDS.update({name: _canvas_command(name) for name in ("inpaint", "outpaint", "sketch", "live")})


def _elements_command(args: argparse.Namespace, runtime: Runtime) -> Any:
    from leodesk import cli_elements  # per command

    return cli_elements.cmd_elements(args, runtime)


COMMANDS["elements"] = _elements_command


def _training_command(name: str) -> Callable[[argparse.Namespace, Runtime], Any]:
    """The handler of ``dataset`` / ``train`` (in :mod:`leodesk.cli_training`)."""

    def handler(args: argparse.Namespace, runtime: Runtime) -> Any:
        from leodesk import cli_training  # per command

        return cli_training.COMMANDS[name](args, runtime)

    return handler


def _blueprint_command(name: str) -> Callable[[argparse.Namespace, Runtime], Any]:
    """The handler of subcommand ``name`` of :mod:`leodesk.cli_blueprints`."""

    def handler(args: argparse.Namespace, runtime: Runtime) -> Any:
        from leodesk import cli_blueprints  # per command

        return cli_blueprints.COMMANDS[name](args, runtime)

    return handler


COMMANDS.update({name: _training_command(name) for name in ("dataset", "train")})
COMMANDS.update({name: _blueprint_command(name) for name in ("blueprints", "blueprint")})


def _video_command(args: argparse.Namespace, runtime: Runtime) -> Any:
    from leodesk import cli_video  # per command

    return cli_video.cmd_video(args, runtime)


COMMANDS["video"] = _video_command


def _media_command(args: argparse.Namespace, runtime: Runtime) -> Any:
    from leodesk import cli_media  # per command

    return cli_media.cmd_media(args, runtime)


COMMANDS["media"] = _media_command


def _account_command(args: argparse.Namespace, runtime: Runtime) -> Any:
    from leodesk import cli_accounts  # per command

    return cli_accounts.cmd_account(args, runtime)


COMMANDS["account"] = _account_command


def _history_command(name: str) -> Callable[[argparse.Namespace, Runtime], Any]:
    def handler(args: argparse.Namespace, runtime: Runtime) -> Any:
        from leodesk import cli_history  # per command

        return cli_history.COMMANDS[name](args, runtime)

    return handler


COMMANDS.update({name: _history_command(name) for name in ("prompts", "presets")})
