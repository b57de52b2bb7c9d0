"""AppContext: every service and item model of one running profile, built in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from leodesk.core.blueprint_inputs import JOB_KIND as BLUEPRINT_JOB_KIND
from leodesk.core.export import ExportItem, export, file_name
from leodesk.core.paths import Paths
from leodesk.core.variations import JOB_KIND
from leodesk.qt.backend import Backend
from leodesk.qt.blueprints import BlueprintService
from leodesk.qt.canvas import CanvasSession
from leodesk.qt.elements import ElementsService
from leodesk.qt.gallery_parts import GalleryParts, build_gallery, stored_path
from leodesk.qt.generation import GenerationService
from leodesk.qt.media import MediaService
from leodesk.qt.media import wire as wire_media
from leodesk.qt.models.catalog_model import ModelListModel
from leodesk.qt.models.gallery_model import GalleryModel
from leodesk.qt.models.jobs_model import JobListModel
from leodesk.qt.models.queue_model import QueueModel
from leodesk.qt.notify import Notifier
from leodesk.qt.services import (
    AccountService,
    CatalogService,
    CurationService,
    DeleteService,
    ExportService,
    ImageLoader,
    MonthsService,
    PricingService,
    PromptService,
    SyncService,
)
from leodesk.qt.thumbnails import ThumbnailLoader
from leodesk.qt.training import TrainingRunner, wire_training
from leodesk.qt.uploads import UploadService
from leodesk.qt.variations import VariationService
from leodesk.qt.video_jobs import VideoService
from leodesk.qt.video_jobs import wire as wire_video

DRAG_LIMIT = 50
if TYPE_CHECKING:
    from leodesk.core.export import ExportItem
    from leodesk.core.library import ImageRecord


@dataclass
class AppContext:
    backend: Backend
    account: AccountService
    catalog: CatalogService
    generation: GenerationService
    pricing: PricingService
    prompts: PromptService
    sync: SyncService
    exporter: ExportService
    curation: CurationService
    deleter: DeleteService
    months: MonthsService
    images: ImageLoader
    thumbs: ThumbnailLoader
    model_thumbs: ThumbnailLoader
    gallery_model: GalleryModel
    platform_models: ModelListModel
    own_models: ModelListModel
    jobs: JobListModel
    uploads: UploadService  # image to image: init images and image prompts
    variations: VariationService  # upscale, unzoom, no background, motion
    queue: QueueModel  # the queue panel's stored jobs, in queue order
    notifier: Notifier  # what to tell the user (tray / OS notifications)
    elements: ElementsService  # the form's elements (LoRAs): platform and own, cached
    training: TrainingRunner  # datasets (.datasets) and trainings through the queue
    blueprints: BlueprintService  # the Blueprint catalogue and blueprint runs (queue jobs)
    videos: VideoService  # image to video and text to video jobs
    media: MediaService  # uploaded videos, motion variations of videos
    demo: bool = False

    def canvas_session(self) -> CanvasSession:
        """A new session for one canvas window (its jobs go through the app's queue)."""
        return CanvasSession(self.backend, self.generation)

    def image_path(self, record: ImageRecord) -> Path | None:
        return stored_path(self.backend, record)

    def export_items(self, records: list[ImageRecord]) -> list[ExportItem]:
        """Export items (file + image + generation) for the records that have a local file."""
        items = []
        for rec in records:
            path = self.image_path(rec)
            if path is not None and path.exists():
                generation = self.backend.reader.get_generation(rec.generation_id)
                items.append(ExportItem(path, rec, generation))
        return items

    def drag_files(self, records: list[Any]) -> list[Path]:
        """PNGs with parameters for a drag to another app, cached by image id (max 50).

        Runs on the GUI thread at drag start (a drop needs the files); the cache makes a second
        drag of the same images free.
        """
        folder = self.backend.paths.drag_cache
        items = self.export_items(records[:DRAG_LIMIT])
        out: list[Path] = []
        todo = []
        for item in items:
            target = folder / f"{file_name(item)}.png"
            if target.exists():
                out.append(target)
            else:
                todo.append(item)
        out += export(todo, folder, sidecar=False)
        return out

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        # the views may still paint or fetch a page after this: they see an empty list, not a
        # closed library
        self.gallery_model.detach()
        return self.backend.shutdown(timeout_ms)


def build_context(
    paths: Paths,
    client_factory: Callable[[], Any],
    *,
    demo: bool = False,
    network_threads: int = 4,
    thumb_cache_bytes: int = 512 * 1024 * 1024,
    parent: QObject | None = None,
    gallery: GalleryParts | None = None,
) -> AppContext:
    """The app's services around ``gallery`` (built here when not given: see
    :mod:`leodesk.qt.gallery_parts`, which the app builds first to show the gallery early)."""
    if gallery is None:
        gallery = build_gallery(
            paths,
            client_factory,
            network_threads=network_threads,
            thumb_cache_bytes=thumb_cache_bytes,
            parent=parent,
        )
    backend = gallery.backend
    backend.open_library()  # when the gallery came first (raises LibraryError)
    ctx = AppContext(
        backend=backend,
        account=AccountService(backend, parent=backend),
        catalog=CatalogService(backend, parent=backend),
        generation=GenerationService(backend, parent=backend),
        pricing=PricingService(backend, parent=backend),
        prompts=PromptService(backend, parent=backend),
        sync=SyncService(backend, parent=backend),
        exporter=ExportService(backend, parent=backend),
        curation=CurationService(backend, parent=backend),
        deleter=DeleteService(backend, parent=backend),
        months=MonthsService(backend, parent=backend),
        images=ImageLoader(backend, parent=backend),
        thumbs=gallery.thumbs,
        model_thumbs=gallery.model_thumbs,
        gallery_model=gallery.gallery_model,
        platform_models=ModelListModel(gallery.model_thumbs, parent=backend),
        own_models=ModelListModel(gallery.model_thumbs, parent=backend),
        jobs=gallery.jobs,
        uploads=UploadService(backend, parent=backend),
        variations=VariationService(backend, parent=backend),
        queue=QueueModel(parent=backend),
        notifier=Notifier(parent=backend),
        elements=ElementsService(backend, parent=backend),
        training=TrainingRunner(backend, parent=backend),
        blueprints=BlueprintService(backend, parent=backend),
        videos=VideoService(backend, parent=backend),
        media=MediaService(backend, parent=backend),
        demo=demo,
    )
    gallery.context = ctx
    _wire_queue(ctx)
    _wire_notifications(ctx)
    _wire_variations(ctx)
    wire_video(ctx)
    wire_media(ctx)
    _wire_gallery_and_catalog(ctx)
    wire_training(ctx)
    _wire_blueprints(ctx)
    return ctx


def _wire_queue(ctx: AppContext) -> None:
    """The generation queue: the job strip, the queue panel (stored jobs in order, live
    progress, drag to reorder), slots from /me, the gallery's new generations."""
    ctx.generation.job_changed.connect(ctx.jobs.update)
    ctx.queue.label_for = ctx.generation.label
    ctx.generation.queue_changed.connect(ctx.queue.set_records)
    ctx.generation.job_changed.connect(ctx.queue.update)
    ctx.queue.reorder_requested.connect(ctx.generation.reorder)
    ctx.account.loaded.connect(lambda state: ctx.generation.set_slots(state.slots))
    ctx.sync.finished.connect(lambda _p: ctx.generation.recheck_incomplete())
    ctx.generation.generation_stored.connect(lambda _gid: ctx.gallery_model.prepend_new())


def _wire_notifications(ctx: AppContext) -> None:
    """What the notifier tells the user (bound methods: worker-thread signals arrive queued)."""
    ctx.notifier.label_for = ctx.generation.label
    ctx.generation.job_changed.connect(ctx.notifier.job_changed)
    ctx.generation.queue_changed.connect(ctx.notifier.queue_changed)
    ctx.variations.job_changed.connect(ctx.notifier.job_changed)
    ctx.account.loaded.connect(ctx.notifier.account_loaded)


def _wire_variations(ctx: AppContext) -> None:
    """Variation / motion jobs: stored and sent by the same queue as generations, shown in
    the job strip and the queue panel, their results in the gallery."""
    ctx.variations.queue = ctx.generation
    ctx.generation.register(JOB_KIND, ctx.variations)
    ctx.variations.job_changed.connect(ctx.jobs.update)
    ctx.variations.job_changed.connect(ctx.queue.update)

    def child_stored(parent_id: str) -> None:
        ctx.gallery_model.prepend_new()
        ctx.gallery_model.refresh_records()  # the parent's children mark, the child's file

    ctx.variations.child_stored.connect(child_stored)


def _wire_gallery_and_catalog(ctx: AppContext) -> None:
    """The model lists follow the catalog; the gallery follows curation, stored images and
    deletions."""
    ctx.catalog.models_ready.connect(
        lambda kind, models: (
            ctx.platform_models if kind == "platform" else ctx.own_models
        ).set_models(models)
    )

    def favourites(ids: set[str]) -> None:
        ctx.platform_models.set_favourites(ids)
        ctx.own_models.set_favourites(ids)

    ctx.catalog.favourites_ready.connect(favourites)
    ctx.curation.changed.connect(ctx.gallery_model.forget_records)
    ctx.images.stored.connect(lambda image_id: ctx.gallery_model.forget_records([image_id]))
    ctx.deleter.hidden.connect(lambda _p: ctx.gallery_model.reload_keep())
    ctx.deleter.restored.connect(lambda _ids: ctx.gallery_model.reload_keep())
    ctx.deleter.failed.connect(lambda _m: ctx.gallery_model.reload_keep())


def _wire_blueprints(ctx: AppContext) -> None:
    """Blueprint runs: stored and sent by the one queue, shown in the job strip, the queue
    panel and the notifications; what they made appears in the gallery."""
    ctx.blueprints.queue = ctx.generation
    ctx.generation.register(BLUEPRINT_JOB_KIND, ctx.blueprints)
    ctx.blueprints.job_changed.connect(ctx.jobs.update)
    ctx.blueprints.job_changed.connect(ctx.queue.update)
    ctx.blueprints.job_changed.connect(ctx.notifier.job_changed)
    ctx.blueprints.stored.connect(lambda _ids: ctx.gallery_model.prepend_new())
    ctx.blueprints.stored.connect(lambda _ids: ctx.account.refresh())
