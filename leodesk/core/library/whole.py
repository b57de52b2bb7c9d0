"""The whole library: :class:`Library`, every part over the one connection, and the names the
package exports (:mod:`leodesk.core.library` hands them out from here on first use)."""

from __future__ import annotations

from leodesk.core.library.blueprints import BlueprintCache, BlueprintOrigin
from leodesk.core.library.curation import Curation
from leodesk.core.library.db import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    MIGRATIONS,
    SCHEMA_VERSION,
    LibraryError,
    Store,
)
from leodesk.core.library.element_cache import ELEMENT_KINDS, ElementCache
from leodesk.core.library.generations import DIFF_FIELDS, Generations
from leodesk.core.library.history import Preset, PresetError, PromptEntry, PromptHistory
from leodesk.core.library.images import MAX_DOWNLOAD_ATTEMPTS, Images
from leodesk.core.library.job_queue import QUEUE_PAUSED_KEY, JobQueue
from leodesk.core.library.local import LOCAL_PREFIX, LocalImages, is_local_id
from leodesk.core.library.media import MediaLibrary, MediaUpload
from leodesk.core.library.model_cache import MODEL_KINDS, ModelCache
from leodesk.core.library.records import (
    CollectionRecord,
    DownloadState,
    FileRef,
    GenerationRecord,
    ImageKind,
    ImageRecord,
    JobRecord,
    Pick,
    UpsertBatch,
)
from leodesk.core.library.stats import Stats
from leodesk.core.library.timings import JobTimings
from leodesk.core.library.training import DatasetImageRecord, DatasetRecord, Datasets
from leodesk.core.library.upload_cache import UPLOAD_REUSE_S, UploadCache
from leodesk.core.library.videos import VideoOrigin, VideoRecord, Videos
from leodesk.core.search import MAX_QUERY_WORDS, Filter, fts_query

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "DIFF_FIELDS",
    "ELEMENT_KINDS",
    "LOCAL_PREFIX",
    "MAX_DOWNLOAD_ATTEMPTS",
    "MAX_QUERY_WORDS",
    "MIGRATIONS",
    "MODEL_KINDS",
    "QUEUE_PAUSED_KEY",
    "SCHEMA_VERSION",
    "UPLOAD_REUSE_S",
    "BlueprintOrigin",
    "CollectionRecord",
    "DatasetImageRecord",
    "DatasetRecord",
    "DownloadState",
    "FileRef",
    "Filter",
    "GenerationRecord",
    "ImageKind",
    "ImageRecord",
    "JobRecord",
    "Library",
    "LibraryError",
    "MediaUpload",
    "Pick",
    "Preset",
    "PresetError",
    "PromptEntry",
    "UpsertBatch",
    "VideoOrigin",
    "VideoRecord",
    "fts_query",
    "is_local_id",
]


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
