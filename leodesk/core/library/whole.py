"""The whole library: :class:`Library`, every part over the one connection (see
:mod:`leodesk.core.library` for what each part holds)."""

from __future__ import annotations

from leodesk.core.library.blueprints import BlueprintCache
from leodesk.core.library.curation import Curation
from leodesk.core.library.db import Store
from leodesk.core.library.element_cache import ElementCache
from leodesk.core.library.generations import Generations
from leodesk.core.library.history import PromptHistory
from leodesk.core.library.images import Images
from leodesk.core.library.job_queue import JobQueue
from leodesk.core.library.local import LocalImages
from leodesk.core.library.media import MediaLibrary
from leodesk.core.library.model_cache import ModelCache
from leodesk.core.library.stats import Stats
from leodesk.core.library.timings import JobTimings
from leodesk.core.library.training import Datasets
from leodesk.core.library.upload_cache import UploadCache
from leodesk.core.library.videos import Videos

__all__ = ["Library"]


class Library(
    LocalImages,
    Generations,
    MediaLibrary,
    Images,
    Curation,
    JobQueue,
    ModelCache,
    UploadCache,
    ElementCache,
    Datasets,
    BlueprintCache,
    Videos,
    PromptHistory,
    Stats,
    JobTimings,
    Store,
):
    """The SQLite library. Create with :meth:`open` (writer) or :meth:`open_readonly`."""
