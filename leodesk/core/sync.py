"""Sync the account's generations into the local library: resumable full passes, incremental
passes, and eager image downloads.

Qt-free and synchronous: the app runs a :class:`Syncer` on a worker thread (with the library's
writer), the CLI on its main thread. Sleep and clock are injectable and every wait checks the
``cancelled`` callable, so tests never wait and a cancel is prompt. Progress goes to
``on_progress`` as frozen :class:`SyncProgress` snapshots; the last one is also the return value.

The API lists ``/generations/user/{id}`` newest first by offset/limit, with no total and no
cursor, so:

* **Full pass** (:meth:`Syncer.full`): pages from a stored resume offset. Each page is stored in
  one transaction together with the next offset, so a crash, a quit or a cancel resumes exactly
  there. Every stored generation is stamped with the pass id. When the last page is stored,
  generations the pass did not see, and that were already stored when it started, are flagged
  ``deleted_remote`` (never removed).
* **Offset drift**: a generation created while paging pushes every row one offset down (rows are
  seen twice: harmless, ids are de-duplicated); a deletion pulls them up (a row would be skipped).
  Each page after the first is therefore requested with one row of overlap, and that row must be
  one this pass already stored; if it is not, rows moved up and the pass steps back a page and
  re-checks. Nothing is skipped, so nothing live is ever flagged deleted.
* **Incremental pass** (:meth:`Syncer.incremental`): pages from offset 0 and stops at the first
  page whose generations are all already stored, finished (COMPLETE or FAILED) and unchanged,
  and that reaches the *watermark*: the newest creation time the last complete pass covered.
  The watermark matters because the app stores its own generations as they finish: without it a
  first page of the app's own (already stored) work would stop the pass before a generation
  made on the website between them.
* **Request budget**: at most one request per ``min_interval`` (0.05 s: ≤ 1200/min, well under
  the API's 2000/min). A 429 that the client's own retries did not absorb waits for
  ``Retry-After`` (or 1, 2, 4 … s) and the same page is asked again. A network or server error
  stops the pass with a clear message; what was stored stays, and the next pass resumes.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Protocol

from leodesk.core.api.errors import LeonardoError, RateLimitedError
from leodesk.core.api.models import Generation, UserInfo
from leodesk.core.imagestore import ImageError, StorageError, verify_image
from leodesk.core.library import ImageRecord, LibraryError, UpsertBatch

__all__ = [
    "STATE_FULL_FINISHED",
    "STATE_FULL_OFFSET",
    "STATE_FULL_PASS",
    "STATE_FULL_TOP",
    "STATE_INCREMENTAL_FINISHED",
    "STATE_USER",
    "STATE_WATERMARK",
    "Phase",
    "SyncClient",
    "SyncLibrary",
    "SyncProgress",
    "Syncer",
    "summarize",
]

log = logging.getLogger("leodesk.sync")

# Keys of the library's sync_state table.
STATE_USER: Final = "user_id"  # the account the state belongs to
STATE_FULL_PASS: Final = "full.pass"  # id (= start, library clock ms) of the running full pass
STATE_FULL_OFFSET: Final = "full.offset"  # where the running full pass continues
STATE_FULL_TOP: Final = "full.top_ms"  # newest created_ms on the running pass's first page
STATE_FULL_FINISHED: Final = "full.finished_ms"  # when the last full pass completed
STATE_INCREMENTAL_FINISHED: Final = "incremental.finished_ms"
STATE_WATERMARK: Final = "watermark_ms"  # every generation created up to here is stored

_TERMINAL: Final = frozenset({"COMPLETE", "FAILED"})
_WAIT_SLICE: Final = 0.25  # a long wait checks ``cancelled`` this often
_DOWNLOAD_BATCH: Final = 50
_MAX_STEPS_BACK: Final = 1000  # a listing that keeps shifting under us is given up on


class Phase:
    """Values of :attr:`SyncProgress.phase`."""

    STARTING: Final = "starting"
    FULL: Final = "full"
    INCREMENTAL: Final = "incremental"
    IMAGES: Final = "images"
    DONE: Final = "done"
    CANCELLED: Final = "cancelled"
    FAILED: Final = "failed"


_ENDED: Final = frozenset({Phase.DONE, Phase.CANCELLED, Phase.FAILED})


@dataclass(frozen=True)
class SyncProgress:
    """A snapshot of a sync run.

    ``phase`` is what runs now (``full``, ``incremental``, ``images``) or how the run ended
    (``done``, ``cancelled``, ``failed``; ``message`` then says why). ``mode`` is the kind of run
    (``full``, ``incremental`` or ``images``). Counts are for this run: ``pages`` requested
    (counted when the page arrives, before it is stored), distinct ``generations`` and their
    ``images`` stored (counted once the page is committed: a change of ``generations`` means
    the library has new rows to show), of which ``new`` and ``updated`` generations;
    ``deleted_remote`` generations flagged at the end of a full pass; images ``downloaded`` and
    ``download_failed`` by :meth:`Syncer.download_images`; API ``requests`` sent (retries after
    429 included).
    """

    phase: str
    pages: int = 0
    generations: int = 0
    images: int = 0
    new: int = 0
    updated: int = 0
    deleted_remote: int = 0
    message: str = ""
    mode: str = ""
    downloaded: int = 0
    download_failed: int = 0
    requests: int = 0

    @property
    def ended(self) -> bool:
        return self.phase in _ENDED

    @property
    def ok(self) -> bool:
        """True when the run completed."""
        return self.phase == Phase.DONE

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "status": self.phase,
            "message": self.message,
            "pages": self.pages,
            "generations": self.generations,
            "images": self.images,
            "new": self.new,
            "updated": self.updated,
            "deleted_remote": self.deleted_remote,
            "downloaded": self.downloaded,
            "download_failed": self.download_failed,
            "requests": self.requests,
        }


class SyncClient(Protocol):
    """What the syncer needs from :class:`~leodesk.core.api.LeonardoClient`."""

    def get_me(self) -> UserInfo: ...
    def list_generations(
        self, user_id: str, offset: int = ..., limit: int = ...
    ) -> list[Generation]: ...
    def download(self, url: str, *, max_bytes: int = ...) -> bytes: ...


class SyncLibrary(Protocol):
    """What the syncer needs from :class:`~leodesk.core.library.Library` (the app hands it one
    whose calls run on the database thread)."""

    def now_ms(self) -> int: ...
    def sync_state(self) -> dict[str, str]: ...
    def set_sync_state(self, values: Mapping[str, str | int | None]) -> None: ...
    def upsert_generations(
        self,
        gens: Sequence[Generation],
        *,
        sync_pass: int | None = ...,
        state: Mapping[str, str | int | None] | None = ...,
    ) -> UpsertBatch: ...
    def seen_in_pass(self, generation_ids: Iterable[str], sync_pass: int) -> set[str]: ...
    def mark_unseen_deleted_remote(
        self,
        sync_pass: int,
        started_ms: int,
        *,
        state: Mapping[str, str | int | None] | None = ...,
    ) -> list[str]: ...
    def images_to_download(self, limit: int, *, after: str | None = ...) -> list[ImageRecord]: ...
    def mark_image_failed(self, image_id: str) -> None: ...
    def set_image_file(
        self,
        image_id: str,
        sha256: str,
        ext: str,
        *,
        width: int | None = ...,
        height: int | None = ...,
    ) -> None: ...


class ImageSink(Protocol):
    """What the syncer needs from :class:`~leodesk.core.imagestore.ImageStore`."""

    def put(self, data: bytes, ext: str) -> Any: ...


class _Cancelled(Exception):
    pass


class _Stop(Exception):
    """End the run as failed with this message."""


def _int(text: str | None) -> int | None:
    """A saved state value as an int (None if absent or unreadable: the state is rebuilt)."""
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def _created_ms(gen: Generation) -> int | None:
    when = gen.created_at_datetime
    return None if when is None else int(when.timestamp() * 1000)


def _ext_from_url(url: str) -> str:
    tail = url.split("?", 1)[0].rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    return {"jpeg": "jpg"}.get(ext, ext) if ext in {"jpg", "jpeg", "png", "webp"} else "jpg"


class Syncer:
    """Mirror one account's generations into ``library`` (see the module docstring).

    ``user_id`` saves the ``GET /me`` that otherwise starts a run. ``page_size`` is the listing
    ``limit``; ``min_interval`` the least time between two requests (seconds). ``cancelled`` is
    polled between requests and during waits; a cancelled run keeps what it stored.
    ``max_rate_limited`` consecutive 429s on one request end the run.
    """

    def __init__(
        self,
        client: SyncClient,
        library: SyncLibrary,
        *,
        user_id: str | None = None,
        page_size: int = 50,
        min_interval: float = 0.05,
        on_progress: Callable[[SyncProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_rate_limited: int = 8,
        max_backoff: float = 60.0,
        full_after_days: float | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._client = client
        self._library = library
        self._user_id = user_id
        self._page_size = int(page_size)
        self._min_interval = max(0.0, float(min_interval))
        self._on_progress = on_progress
        self._cancelled = cancelled or (lambda: False)
        self._sleep = sleep
        self._clock = clock
        self._max_rate_limited = max(1, int(max_rate_limited))
        self._max_backoff = max(0.0, float(max_backoff))
        # sync() runs a full pass (which also notices deletions on the server) when the last
        # one is older than this; None: only until one completed.
        self._full_after_ms = None if full_after_days is None else full_after_days * 86_400_000
        self._last_request: float | None = None
        self._progress = SyncProgress(Phase.STARTING)
        self._seen: set[str] = set()

    # ------------------------------------------------------------------------ entry points

    def sync(self) -> SyncProgress:
        """A full pass if none ever completed for this account (or one is under way), else an
        incremental pass."""
        return self._run(Phase.STARTING, self._auto)

    def full(self) -> SyncProgress:
        """Run (or resume) a full pass to its end."""
        return self._run(Phase.FULL, self._full)

    def incremental(self) -> SyncProgress:
        """Fetch what is new since the last complete pass."""
        return self._run(Phase.INCREMENTAL, self._incremental)

    def download_images(
        self, store: ImageSink, limit: int | None = None, verify: bool = True
    ) -> SyncProgress:
        """Download images still waiting for their file (newest first, at most ``limit``) into
        ``store``. Each image is tried once per call; a failed one is counted by the library
        and offered again by a later call (up to its attempt limit). ``verify`` checks every
        file with :func:`~leodesk.core.imagestore.verify_image` first."""
        return self._run(Phase.IMAGES, lambda: self._download(store, limit, verify))

    # ------------------------------------------------------------------------ running

    def _run(self, mode: str, body: Callable[[], str]) -> SyncProgress:
        self._seen = set()
        self._progress = SyncProgress(mode, mode="" if mode == Phase.STARTING else mode)
        self._emit()
        try:
            message = body()
        except _Cancelled:
            return self._end(Phase.CANCELLED, "Sync cancelled. The next sync continues from here.")
        except _Stop as exc:
            return self._end(Phase.FAILED, str(exc))
        except LeonardoError as exc:
            log.info("sync stopped: %s", exc)
            return self._end(
                Phase.FAILED,
                f"Sync stopped: {exc.user_message} What was fetched is kept; the next sync "
                "continues from there.",
            )
        except (LibraryError, StorageError) as exc:
            log.info("sync stopped: %s", exc)
            return self._end(Phase.FAILED, str(exc))
        return self._end(Phase.DONE, message)

    def _end(self, phase: str, message: str) -> SyncProgress:
        self._progress = replace(self._progress, phase=phase, message=message)
        self._emit()
        return self._progress

    def _emit(self, **changes: Any) -> None:
        if changes:
            self._progress = replace(self._progress, **changes)
        if self._on_progress is not None:
            self._on_progress(self._progress)

    def _check_cancel(self) -> None:
        if self._cancelled():
            raise _Cancelled

    def _wait(self, seconds: float) -> None:
        """Sleep ``seconds`` in slices, checking for a cancel."""
        remaining = seconds
        while remaining > 0:
            self._check_cancel()
            step = min(_WAIT_SLICE, remaining)
            self._sleep(step)
            remaining -= step
        self._check_cancel()

    def _request(self, what: str, call: Callable[[], Any]) -> Any:
        """One API request: paced, cancellable, waiting out 429s."""
        limited = 0
        while True:
            self._check_cancel()
            if self._last_request is not None:
                gap = self._min_interval - (self._clock() - self._last_request)
                if gap > 0:
                    self._wait(gap)
            self._last_request = self._clock()
            self._emit(requests=self._progress.requests + 1)
            try:
                return call()
            except RateLimitedError as exc:
                limited += 1
                if limited >= self._max_rate_limited:
                    raise
                delay = exc.retry_after
                if delay is None or not math.isfinite(delay) or delay < 0:
                    delay = min(self._max_backoff, 2.0 ** (limited - 1))
                log.info("sync: %s rate limited; waiting %.1f s", what, delay)
                self._emit(message=f"Rate limited by Leonardo; waiting {delay:.0f} s…")
                self._wait(delay)
                self._emit(message="")

    def _user(self) -> str:
        """The account's user id; the saved state is reset when it belongs to another one."""
        if self._user_id is None:
            me = self._request("GET /me", self._client.get_me)
            user = me.user_id
            if not isinstance(user, str) or not user:
                raise _Stop("Leonardo did not say which account this key belongs to.")
            self._user_id = user
        state = self._library.sync_state()
        if state.get(STATE_USER) != self._user_id:
            self._library.set_sync_state(
                {
                    STATE_USER: self._user_id,
                    STATE_FULL_PASS: None,
                    STATE_FULL_OFFSET: None,
                    STATE_FULL_TOP: None,
                    STATE_FULL_FINISHED: None,
                    STATE_INCREMENTAL_FINISHED: None,
                    STATE_WATERMARK: None,
                }
            )
        return self._user_id

    def _list(self, user: str, offset: int, limit: int) -> list[Generation]:
        page: list[Generation] = self._request(
            "list generations", lambda: self._client.list_generations(user, offset, limit)
        )
        self._emit(pages=self._progress.pages + 1)
        return page

    # ------------------------------------------------------------------------ paging

    def _walk(
        self,
        user: str,
        offset: int,
        *,
        stored: Callable[[Sequence[str]], set[str]],
        handle: Callable[[list[Generation], int, int, bool], bool],
    ) -> None:
        """Page from ``offset`` until ``handle`` says stop or the listing ends.

        Every page after offset 0 is asked with one row of overlap; ``stored(ids)`` says which
        of the ids this pass already stored. If the overlap row is not one of them, rows moved
        up (deletions) and the walk steps back a page. ``handle(page, fetched_at, next_offset,
        last)`` stores a page and says whether to go on.
        """
        size = self._page_size
        steps_back = 0
        while True:
            overlap = 1 if offset > 0 else 0
            fetch_at = offset - overlap
            page = self._list(user, fetch_at, size + overlap)
            if overlap:
                first = page[0].id if page and page[0].id else None
                if first is None or not stored([first]):
                    steps_back += 1
                    if steps_back > _MAX_STEPS_BACK:
                        raise _Stop(
                            "Sync stopped: the list of generations kept changing while it was "
                            "read. What was fetched is kept; try again later."
                        )
                    log.info("sync: rows moved up at offset %d; stepping back", offset)
                    offset = max(0, offset - size)
                    continue
            last = len(page) < size + overlap
            next_offset = fetch_at + len(page)
            if not handle(page, fetch_at, next_offset, last) or last:
                return
            offset = next_offset

    def _store(
        self, page: list[Generation], *, sync_pass: int | None, state: dict[str, str | int | None]
    ) -> tuple[list[Generation], set[str]]:
        """Store the generations of ``page`` this run has not stored yet (one transaction with
        ``state``); returns them and the ids that were new or changed."""
        fresh: list[Generation] = []
        for gen in page:
            if gen.id and gen.id not in self._seen:
                self._seen.add(gen.id)
                fresh.append(gen)
        batch = self._library.upsert_generations(fresh, sync_pass=sync_pass, state=state)
        p = self._progress
        self._emit(
            generations=p.generations + len(fresh),
            images=p.images + batch.images,
            new=p.new + len(batch.new),
            updated=p.updated + len(batch.updated),
        )
        return fresh, set(batch.new) | set(batch.updated)

    def _auto(self) -> str:
        self._user()
        state = self._library.sync_state()
        finished = _int(state.get(STATE_FULL_FINISHED))
        fresh = finished is not None and (
            self._full_after_ms is None or self._library.now_ms() - finished < self._full_after_ms
        )
        if fresh and STATE_FULL_PASS not in state:
            self._emit(phase=Phase.INCREMENTAL, mode=Phase.INCREMENTAL)
            return self._incremental()
        self._emit(phase=Phase.FULL, mode=Phase.FULL)
        return self._full()

    # ------------------------------------------------------------------------ full pass

    def _full(self) -> str:
        user = self._user()
        state = self._library.sync_state()
        running = _int(state.get(STATE_FULL_PASS))
        if running is not None:
            sync_pass = running
            offset = max(0, _int(state.get(STATE_FULL_OFFSET)) or 0)
            log.info("sync: resuming full pass %d at offset %d", sync_pass, offset)
        else:
            sync_pass = self._library.now_ms()
            offset = 0
            self._library.set_sync_state(
                {STATE_FULL_PASS: sync_pass, STATE_FULL_OFFSET: 0, STATE_FULL_TOP: None}
            )
        top: list[int] = []

        def stored(ids: Sequence[str]) -> set[str]:
            known = {i for i in ids if i in self._seen}
            return known | self._library.seen_in_pass([i for i in ids if i not in known], sync_pass)

        def handle(page: list[Generation], fetched_at: int, next_offset: int, last: bool) -> bool:
            changes: dict[str, str | int | None] = {STATE_FULL_OFFSET: next_offset}
            if fetched_at == 0:
                newest = max((ms for g in page if (ms := _created_ms(g)) is not None), default=0)
                changes[STATE_FULL_TOP] = newest
                top.append(newest)
            self._store(page, sync_pass=sync_pass, state=changes)
            return True

        self._walk(user, offset, stored=stored, handle=handle)
        finished = self._library.sync_state()
        saved_top = _int(finished.get(STATE_FULL_TOP))
        watermark = saved_top if saved_top is not None else (top[0] if top else None)
        flagged = self._library.mark_unseen_deleted_remote(
            sync_pass,
            sync_pass,
            state={
                STATE_FULL_PASS: None,
                STATE_FULL_OFFSET: None,
                STATE_FULL_TOP: None,
                STATE_FULL_FINISHED: self._library.now_ms(),
                STATE_WATERMARK: watermark,
            },
        )
        self._emit(deleted_remote=len(flagged))
        p = self._progress
        gone = f", {len(flagged)} deleted on the server" if flagged else ""
        return (
            f"Full sync done: {p.generations} generations ({p.new} new, {p.updated} updated){gone}."
        )

    # ------------------------------------------------------------------------ incremental

    def _incremental(self) -> str:
        user = self._user()
        state = self._library.sync_state()
        watermark = _int(state.get(STATE_WATERMARK))
        top: list[int] = []

        def stored(ids: Sequence[str]) -> set[str]:
            return {i for i in ids if i in self._seen}

        def handle(page: list[Generation], fetched_at: int, next_offset: int, last: bool) -> bool:
            if fetched_at == 0:
                top.append(max((ms for g in page if (ms := _created_ms(g)) is not None), default=0))
            _, changed = self._store(page, sync_pass=None, state={})
            if changed:
                return True
            if any(g.status not in _TERMINAL for g in page):
                return True
            times = [ms for g in page if (ms := _created_ms(g)) is not None]
            reached = watermark is None or (bool(times) and min(times) <= watermark)
            return not reached

        self._walk(user, 0, stored=stored, handle=handle)
        newest = max([*top, watermark or 0])
        self._library.set_sync_state(
            {
                STATE_INCREMENTAL_FINISHED: self._library.now_ms(),
                STATE_WATERMARK: newest if newest else None,
            }
        )
        p = self._progress
        return f"Sync done: {p.new} new, {p.updated} updated generations."

    # ------------------------------------------------------------------------ images

    def _download(self, store: ImageSink, limit: int | None, verify: bool) -> str:
        remaining = None if limit is None else max(0, int(limit))
        after: str | None = None
        while remaining is None or remaining > 0:
            want = _DOWNLOAD_BATCH if remaining is None else min(_DOWNLOAD_BATCH, remaining)
            batch = self._library.images_to_download(want, after=after)
            if not batch:
                break
            for record in batch:
                after = record.id
                if remaining is not None:
                    remaining -= 1
                self._fetch_one(store, record.id, record.url or "", verify)
        p = self._progress
        failed = f", {p.download_failed} failed (retried next time)" if p.download_failed else ""
        return f"Images: {p.downloaded} downloaded{failed}."

    def _fetch_one(self, store: ImageSink, image_id: str, url: str, verify: bool) -> None:
        width: int | None = None
        height: int | None = None
        try:
            data: bytes = self._request("download", lambda: self._client.download(url))
            if verify:
                info = verify_image(data)
                ext, width, height = info.ext, info.width, info.height
            else:
                ext = _ext_from_url(url)
        except (LeonardoError, ImageError) as exc:
            log.info("sync: image %s not downloaded: %s", image_id, exc)
            self._library.mark_image_failed(image_id)
            self._emit(download_failed=self._progress.download_failed + 1)
            return
        stored = store.put(data, ext)
        self._library.set_image_file(
            image_id, stored.sha256, stored.ext, width=width, height=height
        )
        self._emit(downloaded=self._progress.downloaded + 1)


def summarize(runs: Iterable[SyncProgress]) -> dict[str, Any]:
    """One JSON summary of several runs (e.g. a sync and its image download)."""
    out: dict[str, Any] = {}
    for run in runs:
        data = run.to_json()
        if not out:
            out = data
            continue
        for key in ("downloaded", "download_failed", "requests"):
            out[key] += data[key]
        if run.mode == Phase.IMAGES:
            out["images_status"] = data["status"]
            out["images_message"] = data["message"]
    return out
