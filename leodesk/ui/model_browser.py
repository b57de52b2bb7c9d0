"""ModelBrowser: platform models, the user's own models and favourites, with search."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.catalog import ModelInfo
from leodesk.qt.models.catalog_model import (
    FAVOURITE_ROLE,
    MODEL_ROLE,
    ModelFilterProxy,
    ModelListModel,
)
from leodesk.ui.model_tiles import DistinctNameDelegate
from leodesk.ui.widgets import clear_button_with_text, named

TABS = ("platform", "own", "favourites")


class ModelBrowser(QWidget):
    """Signals: model_chosen(ModelInfo), favourite_toggled(str model id, bool),
    delete_requested(ModelInfo: one of your own models)."""

    model_chosen = Signal(object)
    favourite_toggled = Signal(str, bool)
    delete_requested = Signal(object)

    def __init__(
        self, platform: ModelListModel, own: ModelListModel, parent: QWidget | None = None
    ):
        super().__init__(parent)
        named(self, "modelBrowser", self.tr("Model browser"))
        self._sources = {"platform": platform, "own": own}
        self._all: dict[str, ModelInfo] = {}

        self.search = named(QLineEdit(), "modelSearch", self.tr("Search models"))
        self.search.setPlaceholderText(self.tr("Search models…"))
        clear_button_with_text(self.search)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())

        self.tabs = named(QTabBar(), "modelTabs", self.tr("Model lists"))
        for label in (self.tr("Platform"), self.tr("Yours"), self.tr("Favourites")):
            self.tabs.addTab(label)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.proxy = ModelFilterProxy(self)
        self.proxy.setSourceModel(platform)
        self.view = named(QListView(), "modelList", self.tr("Models"))
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(False)
        self.view.setIconSize(QSize(100, 100))
        self.view.setGridSize(QSize(116, 140))
        # names cut so that two tiles never read the same (leodesk.ui.model_tiles)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setWordWrap(False)
        self.tiles = DistinctNameDelegate(self.view)
        self.view.setItemDelegate(self.tiles)
        self.tiles.watch(self.proxy)
        self.view.setModel(self.proxy)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)

        self.status = named(QLabel(""), "modelStatus", self.tr("Model list status"))
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tabs)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def current_tab(self) -> str:
        return TABS[self.tabs.currentIndex()]

    def _tab_changed(self, index: int) -> None:
        tab = TABS[index]
        if tab == "favourites":
            # Favourites can come from both lists: show the platform list filtered, then own.
            self.proxy.setSourceModel(self._favourites_model())
            self.proxy.set_favourites_only(True)
        else:
            self.proxy.setSourceModel(self._sources[tab])
            self.proxy.set_favourites_only(False)

    def _favourites_model(self) -> ModelListModel:
        platform, own = self._sources["platform"], self._sources["own"]
        if not hasattr(self, "_fav_model"):
            self._fav_model = ModelListModel(platform._thumbs, self)
        self._fav_model.set_models(platform.models() + own.models())
        self._fav_model.set_favourites(set(self._favourite_ids()))
        return self._fav_model

    def _favourite_ids(self) -> list[str]:
        ids = []
        for m in (self._sources["platform"], self._sources["own"]):
            for row in range(m.rowCount()):
                idx = m.index(row)
                if idx.data(FAVOURITE_ROLE):
                    ids.append(idx.data(MODEL_ROLE).id)
        return ids

    def refresh_favourites_tab(self) -> None:
        if self.current_tab() == "favourites":
            self._tab_changed(self.tabs.currentIndex())

    def _apply_search(self) -> None:
        self.proxy.set_search(self.search.text())

    def _activated(self, index: QModelIndex) -> None:
        model = index.data(MODEL_ROLE)
        if isinstance(model, ModelInfo):
            self.model_chosen.emit(model)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        model = index.data(MODEL_ROLE) if index.isValid() else None
        if not isinstance(model, ModelInfo):
            return
        menu = self.build_context_menu(model, bool(index.data(FAVOURITE_ROLE)))
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def build_context_menu(self, model: ModelInfo, favourite: bool) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("modelContextMenu")
        use = QAction(self.tr("Use this model"), menu)
        use.setObjectName("useModelAction")
        use.triggered.connect(lambda: self.model_chosen.emit(model))
        copy = QAction(self.tr("Copy model ID"), menu)
        copy.setObjectName("copyModelIdAction")
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(model.id))
        fav = QAction(
            self.tr("Remove from favourites") if favourite else self.tr("Add to favourites"), menu
        )
        fav.setObjectName("toggleFavouriteAction")
        fav.triggered.connect(lambda: self.favourite_toggled.emit(model.id, not favourite))
        menu.addActions([use, copy, fav])
        if model.kind == "own":
            delete = QAction(self.tr("Delete this model…"), menu)
            delete.setObjectName("deleteModelAction")
            delete.triggered.connect(lambda: self.delete_requested.emit(model))
            menu.addSeparator()
            menu.addAction(delete)
        return menu
