"""The main window's training: the Datasets window (Window ▸ Datasets…), the gallery's
"Add to dataset…", and the Train dialog, each connected to the app's
:class:`~leodesk.qt.training.TrainingRunner` and its dataset service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QPixmap

if TYPE_CHECKING:
    from leodesk.core.catalog import ModelInfo
    from leodesk.core.library import DatasetImageRecord, DatasetRecord
    from leodesk.core.training import TrainingSpec
    from leodesk.ui.datasets_window import DatasetsWindow
    from leodesk.ui.main_window import MainWindow
    from leodesk.ui.train_dialog import TrainDialog


class TrainingLink(QObject):
    """Opens the Datasets window and the Train dialog for ``window``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.datasets_window: DatasetsWindow | None = None
        self.dialog: TrainDialog | None = None
        self.datasets: list[DatasetRecord] = []
        self._select: str | None = None  # a dataset just made: shown once it is listed
        self.open_action = QAction(self.tr("&Datasets and training…"), window)
        self.open_action.setObjectName("datasetsAction")
        self.open_action.triggered.connect(self.open_datasets)
        self.add_action = QAction(self.tr("Add to dataset…"), window)
        self.add_action.setObjectName("addToDatasetAction")
        self.add_action.triggered.connect(self.add_selected)
        # replaced in tests
        self.ask_name = self._ask_name
        self.ask_files = self._ask_files
        self.ask_dataset = self._ask_dataset
        self.confirm_delete = self._confirm_delete
        self._wired = False

    def _wire(self) -> None:
        if self._wired or self.window.ctx is None:
            return
        self._wired = True
        service = self.window.ctx.training.datasets
        service.datasets_changed.connect(self._datasets)
        service.images_changed.connect(self._images)
        service.info.connect(lambda text: self._say(text))
        service.error.connect(lambda text: self._say(text, error=True))
        service.created.connect(self._created)
        self.window.ctx.training.cost_ready.connect(self._cost)
        self.window.ctx.training.failed.connect(
            lambda text: self.window.statusBar().showMessage(text, 10000)
        )
        service.resume_uploads()

    def start(self) -> None:
        """Once the app runs: uploads a previous run left unfinished go on; your models can be
        deleted from the model browser."""
        self._wire()
        if self.window.ctx is not None:
            self.window.ctx.training.datasets.reload()
        if self.window.browser is not None:
            self.window.browser.delete_requested.connect(self.delete_model)

    def delete_model(self, model: ModelInfo) -> None:
        ctx = self.window.ctx
        if ctx is not None and self.confirm_delete(model.name):
            ctx.training.delete_model(model.id)

    def _confirm_delete(self, name: str) -> bool:
        text = self.tr("Delete your model “{name}” on the server? This cannot be undone.").format(
            name=name
        )
        from PySide6.QtWidgets import QMessageBox  # on first use (not at start-up)

        answer = QMessageBox.question(self.window, self.tr("Delete model"), text)
        return answer == QMessageBox.StandardButton.Yes

    # -- the Datasets window ------------------------------------------------------------------
    def open_datasets(self) -> DatasetsWindow:
        from leodesk.ui.datasets_window import DatasetsWindow  # on first use

        self._wire()
        assert self.window.ctx is not None
        service = self.window.ctx.training.datasets
        if self.datasets_window is None:
            w = DatasetsWindow()
            w.thumb_for = self._thumb
            w.create_requested.connect(self._create)
            w.delete_requested.connect(service.delete)
            w.add_requested.connect(service.add_paths)
            w.add_files_requested.connect(self._add_files)
            w.remove_requested.connect(service.remove_images)
            w.dataset_chosen.connect(service.load_images)
            w.train_requested.connect(self.open_train)
            self.datasets_window = w
        service.reload()
        self.datasets_window.show()
        self.datasets_window.raise_()
        return self.datasets_window

    def _datasets(self, datasets: list[DatasetRecord]) -> None:
        self.datasets = list(datasets)
        select = self._select
        if select is not None and any(d.id == select for d in self.datasets):
            self._select = None
        if self.datasets_window is not None:
            self.datasets_window.set_datasets(self.datasets, select=select)

    def _images(self, dataset_id: str, images: list[DatasetImageRecord]) -> None:
        if self.datasets_window is not None:
            self.datasets_window.set_images(dataset_id, images)

    def _created(self, dataset_id: str) -> None:
        self._select = dataset_id
        if self.window.ctx is not None:
            self.window.ctx.training.datasets.reload()

    def _say(self, text: str, error: bool = False) -> None:
        if self.datasets_window is not None:
            self.datasets_window.show_message(text, error)
        elif error:
            self.window.statusBar().showMessage(text, 8000)

    def _thumb(self, rec: DatasetImageRecord) -> QPixmap | None:
        path: Path | None = Path(rec.path) if rec.path else None
        ctx = self.window.ctx
        if rec.gen_image_id and ctx is not None:
            record = ctx.backend.reader.image_records([rec.gen_image_id]).get(rec.gen_image_id)
            path = ctx.image_path(record) if record is not None else None
        if path is None or not path.exists():
            return None
        pixmap = QPixmap(str(path))
        mode = Qt.TransformationMode.SmoothTransformation
        return pixmap.scaled(120, 120, Qt.AspectRatioMode.KeepAspectRatio, mode)

    def _create(self) -> None:
        name = self.ask_name()
        if name and self.window.ctx is not None:
            self.window.ctx.training.datasets.create(name)

    def _add_files(self, dataset_id: str) -> None:
        paths = self.ask_files()
        if paths and dataset_id and self.window.ctx is not None:
            self.window.ctx.training.datasets.add_paths(dataset_id, paths)

    # -- from the gallery ---------------------------------------------------------------------
    def add_selected(self) -> None:
        """The gallery's selected images join a dataset (``upload/gen``: no re-upload)."""
        from leodesk.core.library import ImageKind, is_local_id  # sqlite3: not at start-up

        ctx = self.window.ctx
        actions = getattr(self.window, "library_actions", None)
        if ctx is None or actions is None:
            return
        self._wire()
        records = actions.selected_records()
        ids = [r.id for r in records if r.kind == ImageKind.IMAGE and not is_local_id(r.id)]
        if len(ids) < len(records):
            self.window.statusBar().showMessage(
                self.tr(
                    "Only generated images can join a dataset this way (variations and local "
                    "images are not on the server as generated images)."
                ),
                8000,
            )
        if not ids:
            return
        dataset_id = self.ask_dataset()
        if dataset_id:
            window = self.open_datasets()
            window.set_datasets(self.datasets, select=dataset_id)
            ctx.training.datasets.add_gallery(dataset_id, ids)

    # -- training -----------------------------------------------------------------------------
    def open_train(self, dataset_id: str) -> None:
        ctx = self.window.ctx
        if ctx is None or not dataset_id:
            return
        ctx.training.datasets.server_count(
            dataset_id, lambda count: self._show_train(dataset_id, count)
        )

    def _show_train(self, dataset_id: str, images: int) -> None:
        from leodesk.ui.train_dialog import TrainDialog

        assert self.window.ctx is not None
        runner = self.window.ctx.training
        name = next((d.name for d in self.datasets if d.id == dataset_id), self.tr("Dataset"))
        dialog = TrainDialog(dataset_id, name, images, self.datasets_window)
        dialog.price_wanted.connect(lambda spec: runner.query_cost(spec, spec, images))
        dialog.train.connect(self._queue)
        dialog.before_send = self._balance_ok
        self.dialog = dialog
        dialog.setModal(True)
        dialog.show()

    def _cost(self, spec: TrainingSpec, cost: int | None) -> None:
        if self.dialog is not None:
            self.dialog.set_cost(spec, cost)

    def _balance_ok(self, price: int | None) -> bool:
        """Below the balance, warn first (the dialog stays open when the user cancels)."""
        check = self.window.balance_check
        if check.confirm(price, self.tr("This training costs")):
            return True
        self._say(check.not_sent())
        return False

    def _queue(self, spec: TrainingSpec) -> None:
        assert self.window.ctx is not None
        self.window.ctx.training.start(spec)
        self._say(
            self.tr("{what} is queued: follow it in the queue; you are told when it ends.").format(
                what=spec.label
            )
        )

    # -- asking (dialogs; replaced in tests) --------------------------------------------------
    def _ask_name(self) -> str | None:
        from PySide6.QtWidgets import QInputDialog  # on first use (not at start-up)

        name, ok = QInputDialog.getText(
            self.datasets_window, self.tr("New dataset"), self.tr("Dataset name:")
        )
        return name.strip() if ok and name.strip() else None

    def _ask_files(self) -> list[Path]:
        from PySide6.QtWidgets import QFileDialog  # on first use (not at start-up)

        names, _f = QFileDialog.getOpenFileNames(
            self.datasets_window,
            self.tr("Add images"),
            "",
            self.tr("Images") + " (*.png *.jpg *.jpeg *.webp)",
        )
        return [Path(n) for n in names]

    def _ask_dataset(self) -> str | None:
        if not self.datasets:
            self.window.statusBar().showMessage(
                self.tr("No dataset yet: create one in File ▸ Datasets and training…"), 8000
            )
            return None
        from PySide6.QtWidgets import QInputDialog  # on first use (not at start-up)

        names = [d.name for d in self.datasets]
        name, ok = QInputDialog.getItem(
            self.window, self.tr("Add to dataset"), self.tr("Dataset:"), names, 0, False
        )
        return self.datasets[names.index(name)].id if ok and name in names else None
