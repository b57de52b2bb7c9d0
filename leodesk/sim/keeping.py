"""Keeping the account in ``cfg.state_dir``: continuing a kept account at start, writing it
when it changed (:meth:`Keeping.save`), and the snapshot and restore behind both. The file
format and the folder's ownership live in :mod:`leodesk.sim.persist`."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import persist
from .blueprints import Blueprints
from .canvas import Canvas
from .catalog import USER_ELEMENTS
from .realtime import Realtime
from .records import CdnAsset, Generation, GenImage, InitImage, Job, Variation

#: Turns a time on the simulator clock into wall-clock seconds (None stays None).
ToWall = Callable[[float | None], float | None]


class Keeping(Realtime, Canvas, Blueprints):
    """The account's folder: loading at start, saving on change, snapshot and restore."""

    def _open_store(self) -> None:
        """Continue the account kept in ``cfg.state_dir``, or start a new one (seeded history)."""
        cfg = self.cfg
        self._save_lock = threading.Lock()
        self._saved_changes = 0
        self._save_error: str | None = None
        self._encoded: dict[str, tuple[tuple[Any, ...], str]] = {}
        self._store: persist.StateFile | None = None
        self.restored = False
        """True when the account was continued from ``cfg.state_dir``."""
        self.saved_port: int | None = None
        """The port the kept account was last served on (its URLs name it)."""
        saved = None
        if cfg.state_dir:
            store = persist.StateFile(cfg.state_dir)
            try:
                owned = store.acquire()
                if not owned:
                    persist.log.warning(
                        "another process keeps the demo account in %s; this one works on a "
                        "copy and its changes are not kept",
                        cfg.state_dir,
                    )
                saved = store.load()
                self._store = store
            except OSError as exc:
                store.release()
                persist.log.error(
                    "cannot use %s for the demo account (%s); this run starts a new account "
                    "whose changes are not kept",
                    cfg.state_dir,
                    exc,
                )
        if saved is not None:
            try:
                self._restore(*saved)
                self.restored = True
            except Exception as exc:  # any damage: keep the file aside, start a new account
                assert self._store is not None
                self._store.reject(f"its content is inconsistent ({type(exc).__name__}: {exc})")
        if not self.restored:
            self._reset_account(random.Random(f"sim:{cfg.seed}"))
            self._seed_history(int(cfg.seed_generations))
            if cfg.state_dir:
                # The user and the seeded history follow the seed (the same demo account every
                # time it starts afresh); ids handed out from now on never repeat those of an
                # earlier account kept in the same place.
                self._rng.seed(f"sim:{cfg.seed}:{os.urandom(16).hex()}")
        # What is loaded or seeded is written once even before the first change.
        self._changes += 1

    @property
    def kept(self) -> bool:
        """True when this account is written to ``cfg.state_dir`` (this process owns it)."""
        return self._store is not None and self._store.owned

    @property
    def state_file(self) -> persist.StateFile | None:
        """The folder the account is kept in (None without ``state_dir``)."""
        return self._store

    def save(self, *, force: bool = False) -> bool:
        """Write the account to its folder if it changed since the last write; True if written.

        The snapshot is taken under the state lock; encoding and writing happen outside it. A
        failure to write (disk full...) is logged once and retried at the next call.
        """
        store = self._store
        if store is None or not store.owned:
            return False
        with self._save_lock:
            with self._lock:
                if self._changes == self._saved_changes and not force:
                    return False
                changes = self._changes
                snapshot = self.snapshot()
            try:
                store.save(snapshot)
            except OSError as exc:
                message = f"{type(exc).__name__}: {exc}"
                if message != self._save_error:
                    persist.log.error(
                        "cannot write the demo account to %s (%s); will try again",
                        store.folder,
                        message,
                    )
                self._save_error = message
                return False
            if self._save_error is not None:
                persist.log.warning("demo account written to %s again", store.folder)
                self._save_error = None
            self._saved_changes = changes
            return True

    def close_store(self) -> None:
        """Release the folder so another process (or server) can keep the account."""
        if self._store is not None:
            self._store.release()

    def reopen_store(self) -> bool:
        """Take the folder back after :meth:`close_store`; False when another process has it."""
        return self._store is not None and self._store.acquire()

    def snapshot(self) -> persist.Snapshot:
        """The whole account, ready to write (see :class:`persist.Snapshot`).

        Times on the simulator clock become wall-clock seconds, so jobs keep running (and
        finish at their time) while no process serves the account. Generations, variations and
        jobs are encoded once per change and reused, so a large, busy account stays cheap.
        """
        with self._lock:
            mono, wall = self.now(), time.time()

            def w(t: float | None) -> float | None:
                return None if t is None else t - mono + wall

            parts = self._snapshot_parts(w)
            head = self._snapshot_head(w)
            uploads = {i.id: i.data for i in self._init_images.values() if i.data is not None}
            return persist.Snapshot(head, parts, uploads)

    def _snapshot_parts(self, w: ToWall) -> dict[str, list[str]]:
        """Generations, variations and jobs as JSON texts; an unchanged item reuses its text."""

        def job_data(j: Job) -> dict[str, Any]:
            return {
                **_plain(j),
                "submitted_at": w(j.submitted_at),
                "started_at": w(j.started_at),
                "finished_at": w(j.finished_at),
            }

        cache, self._encoded = self._encoded, {}

        def encoded(key: tuple[Any, ...], make: Any) -> str:
            hit = cache.get(key[0])
            text: str = hit[1] if hit is not None and hit[0] == key else _dumps(make())
            self._encoded[key[0]] = (key, text)
            return text

        gens = sorted(self._generations.values(), key=lambda g: g.seq)
        variations = sorted(self._variations.values(), key=lambda v: v.seq)
        jobs = sorted(self._jobs.values(), key=lambda j: j.seq)
        return {
            "generations": [
                encoded(
                    (
                        "g" + g.id,
                        g.status,
                        tuple(len(i.variation_ids) for i in g.images),
                    ),
                    lambda g=g: _gen_data(g),
                )
                for g in gens
            ],
            "variations": [
                encoded(
                    ("v" + v.id, v.status, v.path),
                    lambda v=v: {**_plain(v, skip=("job",)), "source": list(v.source)},
                )
                for v in variations
            ],
            "jobs": [
                encoded(("j" + j.target_id, j.seq), lambda j=j: job_data(j))
                if j.done
                else _dumps(job_data(j))
                for j in jobs
            ],
        }

    def _snapshot_head(self, w: ToWall) -> dict[str, Any]:
        """The account's user, balance, random state, rate-limit window and init images."""
        rng_version, rng_words, rng_gauss = self._rng.getstate()
        return {
            "port": int(self.origin.rsplit(":", 1)[1]) if self.origin else None,
            "user_id": self.user_id,
            "username": self.username,
            "seq": self._seq,
            "subscription": self._subscription,
            "paid": self._paid,
            "account_created": self._account_created.isoformat(),
            "rng": [rng_version, list(rng_words), rng_gauss],
            "billed": [w(t) for t in self._billed],
            "billed_lcm": [w(t) for t in self._billed_lcm],
            "blueprint_executions": self._blueprint_rows(),
            "init_images": [
                {
                    **_plain(i, skip=("data",)),
                    "fields": dict(i.fields),
                    "presigned_at": w(i.presigned_at),
                    "uploaded": i.data is not None,
                }
                for i in self._init_images.values()
            ],
            "user_elements_deleted": sorted(
                e.id for e in USER_ELEMENTS if e.id not in self._user_elements
            ),
        }

    def _restore(self, data: dict[str, Any], uploads: dict[str, bytes]) -> None:
        """Continue the account saved by :meth:`snapshot` (raises on inconsistent data)."""
        mono, wall = self.now(), time.time()

        def m(t: Any) -> float | None:
            return None if t is None else float(t) - wall + mono

        rng = random.Random()
        version, words, gauss = data["rng"]
        rng.setstate((int(version), tuple(int(x) for x in words), gauss))
        # Continue on a fresh branch: ids handed out after the last write (then lost in a
        # crash) are never handed out again.
        rng.seed(f"{rng.getrandbits(128)}:{os.urandom(16).hex()}")
        self._reset_account(rng)
        port = data.get("port")
        self.saved_port = int(port) if port else None
        self.user_id = str(data["user_id"])
        self.username = str(data["username"])
        self._seq = int(data["seq"])
        self._subscription = int(data["subscription"])
        self._paid = int(data["paid"])
        self._account_created = datetime.fromisoformat(str(data["account_created"]))
        self._billed = deque(sorted(float(m(t) or 0.0) for t in data["billed"]))
        self._billed_lcm = deque(sorted(float(m(t) or 0.0) for t in data.get("billed_lcm", [])))
        for row in data["generations"]:
            gen = _gen_from(row)
            self._generations[gen.id] = gen
            for img in gen.images:
                self._register_image(img)
                if img.motion_path:
                    self._cdn[img.motion_path] = self._motion_asset(gen)
        for row in data["variations"]:
            var = Variation(**{**row, "source": _pair(row["source"]), "job": None})
            self._variations[var.id] = var
            if var.path is not None:
                self._cdn[var.path] = self._variation_asset(var)
        for lora_id in data.get("user_elements_deleted", []):
            self._user_elements.pop(int(lora_id), None)
        for row in data["init_images"]:
            fields = {k: v for k, v in row.items() if k not in ("uploaded", "presigned_at")}
            init = InitImage(
                **fields,
                presigned_at=float(m(row["presigned_at"]) or 0.0),
                data=uploads.get(row["id"]),
            )
            self._init_images[init.id] = init
            self._init_by_key[init.key] = init.id
            self._cdn[self._init_path(init)] = CdnAsset("upload", "", ref=init.id)
        self._restore_blueprints(data.get("blueprint_executions", []))
        for row in data["jobs"]:
            job = Job(
                **{
                    **row,
                    "submitted_at": m(row["submitted_at"]),
                    "started_at": m(row["started_at"]),
                    "finished_at": m(row["finished_at"]),
                }
            )
            self._jobs[job.target_id] = job
            target = self._generations.get(job.target_id) or self._variations.get(job.target_id)
            if target is not None:
                target.job = job
            if job.done:
                continue
            if job.started_at is None:
                self._queue.append(job)
            else:
                self._running.append(job)
        # Jobs that finished while nothing served the account finish at their own time.
        self._advance(mono)
        self._fill_slots(mono)
        # Everything restored must render as the API shows it (raises on inconsistent rows).
        for gen in self._generations.values():
            self._generation_json(gen)
        for var in self._variations.values():
            self._variation_generic_json(var)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _plain(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass's own fields as a dict (shallow; values must already be JSON-ready)."""
    return {k: v for k, v in obj.__dict__.items() if k not in skip}


def _pair(value: Any) -> tuple[str, str]:
    first, second = value
    return str(first), str(second)


def _gen_data(gen: Generation) -> dict[str, Any]:
    return {
        **_plain(gen, skip=("job", "images")),
        "elements": [list(e) for e in gen.elements],
        "motion_source": None if gen.motion_source is None else list(gen.motion_source),
        "fields": dict(gen.fields),
        "images": [{**_plain(i), "variation_ids": list(i.variation_ids)} for i in gen.images],
    }


def _gen_from(row: dict[str, Any]) -> Generation:
    if not isinstance(row["fields"], dict):
        raise TypeError("generation fields must be an object")
    images_ = [
        GenImage(**{**i, "variation_ids": [str(v) for v in i["variation_ids"]]})
        for i in row["images"]
    ]
    return Generation(
        **{
            **row,
            "elements": [(str(a), float(b)) for a, b in row["elements"]],
            "motion_source": None if row["motion_source"] is None else _pair(row["motion_source"]),
            "images": images_,
            "job": None,
        }
    )
