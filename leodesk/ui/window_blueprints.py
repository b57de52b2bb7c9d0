"""The main window's Blueprints: the menu entry, the Blueprints window connected to the
services (catalogue, thumbnails, image uploads, the queue), and the origin line in Details for
what a blueprint made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from leodesk.core.digest import sha256_hex

if TYPE_CHECKING:
    from leodesk.core.api.blueprint_models import Blueprint
    from leodesk.qt.context import AppContext
    from leodesk.ui.blueprints_window import BlueprintsWindow
    from leodesk.ui.main_window import MainWindow


def thumb_key(blueprint: Blueprint) -> str:
    """The thumbnail cache's key of a blueprint's picture (hex, as the cache wants)."""
    text = f"blueprint:{blueprint.id}:{blueprint.thumbnail_url}"
    return sha256_hex(text.encode())[:40]


class BlueprintLink(QObject):
    """Opens the Blueprints window of ``window`` and queues its runs."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.bp_window: BlueprintsWindow | None = None
        self._thumb_ids: dict[str, str] = {}  # thumbnail key -> blueprint id
        self.action = QAction(self.tr("&Blueprints…"), window)
        self.action.setObjectName("blueprintsAction")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.action.setToolTip(self.tr("Browse the Blueprints and run one"))
        self.action.triggered.connect(self.open)

    def _ctx(self) -> AppContext:
        ctx = self.window.ctx
        assert ctx is not None
        return ctx

    # -- Details ------------------------------------------------------------------------------
    def attach(self, ctx: AppContext) -> None:
        """Once the panes exist: Details names the blueprint that made the selected image."""
        ctx.blueprints.insufficient_credits.connect(self.window.show_insufficient_credits)
        ctx.blueprints.failed.connect(lambda m: self.window.statusBar().showMessage(m, 10000))
        gallery = self.window.gallery
        if gallery is not None:
            gallery.selectionModel().selectionChanged.connect(self._show_origin)

    def _show_origin(self, *args: Any) -> None:
        metadata = self.window.metadata
        if metadata is None:
            return
        chosen = self.window.selected_generations()
        origin = None
        if len(chosen) == 1:
            origin = self._ctx().blueprints.origin(chosen[0][0].generation_id)
        metadata.show_origin(None if origin is None else origin.text())

    # -- the window ---------------------------------------------------------------------------
    def open(self) -> BlueprintsWindow:
        """The Blueprints window (made and connected once), shown and raised."""
        if self.bp_window is None:
            self.bp_window = self._make()
        self._ctx().blueprints.load()
        self.bp_window.show()
        self.bp_window.raise_()
        self.bp_window.activateWindow()
        return self.bp_window

    def _make(self) -> BlueprintsWindow:
        from leodesk.ui.blueprints_window import BlueprintsWindow  # on first use

        ctx = self._ctx()
        w = BlueprintsWindow(self.window)  # a window of its own, closed with the main one
        ctx.blueprints.blueprints_ready.connect(self._blueprints)
        ctx.blueprints.versions_ready.connect(w.set_versions)
        ctx.blueprints.failed.connect(lambda m: w.show_message(m, error=True))
        ctx.model_thumbs.ready.connect(self._thumb_ready)
        w.blueprint_chosen.connect(ctx.blueprints.load_versions)
        w.blueprint_chosen.connect(ctx.blueprints.load_blueprint)
        ctx.blueprints.blueprint_ready.connect(w.update_blueprint)
        w.run_requested.connect(self.run)
        form = w.form
        form.image_source.connect(lambda slot, source: ctx.uploads.prepare_and_upload(slot, source))
        form.image_cleared.connect(ctx.uploads.cancel)
        form.use_selected.connect(self._use_selected)
        ctx.uploads.started.connect(lambda slot: form.set_busy(slot, "Preparing…"))
        ctx.uploads.ready.connect(self._upload_ready)
        ctx.uploads.failed.connect(form.set_failed)
        return w

    def _blueprints(self, blueprints: list[Blueprint]) -> None:
        assert self.bp_window is not None
        self.bp_window.set_blueprints(blueprints)
        thumbs = self._ctx().model_thumbs
        for bp in blueprints:
            key = thumb_key(bp)
            self._thumb_ids[key] = bp.id
            pixmap = thumbs.pixmap(key)
            if pixmap is not None:
                self.bp_window.set_thumbnail(bp.id, pixmap)
            elif bp.thumbnail_url:
                thumbs.request(key, url=bp.thumbnail_url)
        if self.bp_window.current_id() is None and self.bp_window.list.count():
            self.bp_window.list.setCurrentRow(0)

    def _thumb_ready(self, key: str) -> None:
        bp_id = self._thumb_ids.get(key)
        if self.bp_window is None or bp_id is None:
            return
        pixmap = self._ctx().model_thumbs.pixmap(key)
        if pixmap is not None:
            self.bp_window.set_thumbnail(bp_id, pixmap)

    def _upload_ready(self, slot: str, image: Any) -> None:
        if self.bp_window is None or not slot.startswith(self.bp_window.form.slot_prefix):
            return
        url = None
        if image.generated:
            record = self._ctx().backend.reader.image_records([image.image_id]).get(image.image_id)
            url = None if record is None else record.url
        self.bp_window.form.set_ready(slot, image, url)

    def _use_selected(self, slot: str) -> None:
        chosen = self.window.selected_generations()
        if len(chosen) != 1:
            assert self.bp_window is not None
            self.bp_window.form.set_failed(slot, self.tr("Select one image in the gallery first."))
            return
        from leodesk.qt.uploads import GalleryImage  # with the window, after the first paint

        self._ctx().uploads.prepare_and_upload(slot, GalleryImage(chosen[0][0].id))

    # -- running ------------------------------------------------------------------------------
    def run(self) -> bool:
        """Check the form and queue the run; False (and the reason shown) when it cannot."""
        w = self.bp_window
        assert w is not None
        bp, version = w.current(), w.current_version()
        if bp is None or version is None:
            w.show_message(self.tr("Choose a blueprint and a version first."), error=True)
            return False
        waiting = w.form.waiting()
        if waiting:
            w.show_message(
                self.tr("Wait for the upload of {names}.").format(names=", ".join(waiting)),
                error=True,
            )
            return False
        from leodesk.core.blueprint_inputs import InputError, build_job  # after the first paint

        try:
            job = build_job(bp.id, bp.name, version, w.form.values(), w.form.images)
        except InputError as exc:
            w.show_message(str(exc), error=True)
            return False
        if not self._within_cost_limit(job.cost):
            w.show_message(self.tr("Not sent: above your cost limit."), error=True)
            return False
        if not self.window.balance_check.confirm(job.cost, self.tr("This blueprint run costs")):
            w.show_message(self.window.balance_check.not_sent(), error=True)
            return False
        self._ctx().blueprints.start(job)
        if job.cost is None:
            text = self.tr("Queued “{name}”. Its images appear in the gallery.")
        else:
            text = self.tr("Queued “{name}” ({cost} credits). Its images appear in the gallery.")
        w.show_message(text.format(name=bp.name, cost=job.cost))
        return True

    def _within_cost_limit(self, cost: int | None) -> bool:
        """Above the user's cost limit (or at a price not given), ask first, as Generate does."""
        limit = self.window.confirm_cost_above
        if not limit or (cost is not None and cost <= limit):
            return True
        text = (
            self.tr(
                "This blueprint run costs {cost:,} credits, more than your limit of {limit:,.0f}."
            ).format(cost=cost, limit=limit)
            if cost is not None
            else self.tr(
                "The price of this blueprint is not given (your limit is {limit:,.0f})."
            ).format(limit=limit)
        )
        return self.window.confirm_cost(text)
