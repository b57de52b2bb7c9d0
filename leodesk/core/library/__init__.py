"""The local library: generations, images, the model cache and the job queue in one SQLite file.

:class:`Library` is the one object callers hold. It is composed of one class per concern, each
in its own module, all over the one connection of :class:`~leodesk.core.library.db.Store`:

- :mod:`~leodesk.core.library.db`: the connection (opening, the lock, one transaction per
  call), the versioned schema (:data:`MIGRATIONS`) and :class:`LibraryError`, which turns the
  SQLite errors a user can act on into a sentence (see that module for threading and errors).
- :mod:`~leodesk.core.library.generations`: storing the server's generations with their images,
  reading and comparing them, and the sync engine's state.
- :mod:`~leodesk.core.library.images`: gallery pages and counts, image records, downloads, and
  lineage (variations and motion).
- :mod:`~leodesk.core.library.curation`: favourites, ratings, picks, collections, delete with
  undo.
- :mod:`~leodesk.core.library.local`: local images (realtime results kept), with lineage.
- :mod:`~leodesk.core.library.job_queue`: stored jobs in queue order, and the paused flag.
- :mod:`~leodesk.core.library.model_cache` and :mod:`~leodesk.core.library.upload_cache`: the
  model lists and favourite models, and init images already uploaded.
- :mod:`~leodesk.core.library.videos`: the facts of video items (duration, size, fps...).
- :mod:`~leodesk.core.library.timings`: how long past jobs of each kind took (the poll plan's
  history, see :mod:`leodesk.core.polling`).
- :mod:`~leodesk.core.library.history`: the prompt history and the form presets.
- :mod:`~leodesk.core.library.records`: the frozen records handed out, and column values.

The parts are mixins of :class:`Library` rather than manager objects it holds: every caller
(the app's DB worker, the CLI, sync, the pipeline, the tests) calls ``lib.<method>`` on one
object, and managers would need about seventy forwarding methods repeating each signature on
the front to keep those calls as they are, a second place to edit for every change. Each part
inherits only :class:`~leodesk.core.library.db.Store` (the connection, lock and clock), plus
the part whose rows it reads with its own (images carry model names from the model cache, and
a generation stores its images), so a part's module shows everything it depends on.

Search: ``generations_fts`` is an FTS5 external-content index over ``prompt`` and
``negative_prompt`` (unicode61, diacritics removed), kept in sync by triggers. User text never
reaches ``MATCH`` as syntax: :func:`fts_query` turns it into quoted phrases, with a prefix match
on the last one, so operators, quotes and stray punctuation are plain text. Filters
(:class:`~leodesk.core.search.Filter`) and the choice of query plan live in
:mod:`leodesk.core.search`.

Curation (schema v2) is per image: ``favourite``, ``rating`` (0-5), ``pick`` (picked/rejected),
local collections, and ``deleted_local_ms`` for delete-with-undo (such images are hidden from
every page until :meth:`Library.purge_deleted` removes them). ``sync_state`` is a small key/value
table for :mod:`leodesk.core.sync` (resumable full passes) and for the job queue's paused flag
(key ``queue.paused``); ``generations.sync_pass`` records the last full pass that saw a
generation on the server.

Uploads (schema v3): ``uploads`` maps the sha256 of a prepared init image to the id it was
uploaded as, so the same picture is not uploaded twice (ids older than a day are not reused).

The job queue (schema v4): ``position`` orders the queue panel (and what is sent next),
``group_label`` ties jobs sent together, ``cleared_ms`` hides a finished job from the panel.

Local images (schema v5, :mod:`~leodesk.core.library.local`): ``generations.local`` marks a
generation made on this machine only (a kept realtime result); sync never flags it deleted on
the server, and its ids start with ``local-``.

The package's names load on first use, from :mod:`~leodesk.core.library.whole` (a module
``__getattr__``): a caller that needs one part (the gallery's reader,
:class:`~leodesk.core.library.images.Images` opened read-only before the rest of the app loads)
imports that part's module and never the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leodesk.core.library.whole import *  # noqa: F403


def __getattr__(name: str) -> Any:
    # importlib: a from-import would ask this package for "whole" first (and so this function)
    whole = importlib.import_module("leodesk.core.library.whole")
    value = getattr(whole, name)  # AttributeError for a name the library does not have
    globals()[name] = value  # later lookups find it at once
    return value
