"""BlueprintsWindow: the Blueprints with their thumbnails and descriptions (``blueprintList``),
the chosen one's versions (``blueprintVersionCombo``), the form its inputs make
(:class:`~leodesk.ui.blueprint_form.BlueprintForm`), the price and **Run**
(``blueprintRunButton``).

Widgets only: :mod:`leodesk.ui.window_blueprints` connects it to the services. Signals:
``blueprint_chosen(str blueprint id)``, ``run_requested()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.api.blueprint_models import Blueprint, BlueprintVersion
from leodesk.ui.blueprint_form import BlueprintForm
from leodesk.ui.widgets import named

ICON = 72
_ID_ROLE = Qt.ItemDataRole.UserRole


class BlueprintsWindow(QWidget):
    blueprint_chosen = Signal(str)
    run_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("blueprintsWindow")
        self.setWindowTitle(self.tr("Blueprints — leodesk"))
        self.resize(980, 640)
        self.blueprints: dict[str, Blueprint] = {}
        self.versions: list[BlueprintVersion] = []
        self.list = named(QListWidget(), "blueprintList", self.tr("Blueprints"))
        self.list.setIconSize(QSize(ICON, ICON))
        self.list.setWordWrap(True)
        self.list.setMinimumWidth(300)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._chosen)
        self.title = named(
            QLabel(self.tr("Choose a blueprint")), "blueprintTitle", self.tr("Blueprint")
        )
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.description = named(QLabel(""), "blueprintDescription", self.tr("Description"))
        self.description.setWordWrap(True)
        self.version_combo = named(QComboBox(), "blueprintVersionCombo", self.tr("Version"))
        self.version_combo.currentIndexChanged.connect(self._version_chosen)
        self.form = BlueprintForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        holder = QWidget()
        stack = QVBoxLayout(holder)
        stack.addWidget(self.form)
        stack.addStretch(1)  # the rows keep their height at the top
        scroll.setWidget(holder)
        self.cost_label = named(QLabel(""), "blueprintCostLabel", self.tr("Price"))
        self.message = named(QLabel(""), "blueprintMessage", self.tr("Message"))
        self.message.setWordWrap(True)
        self.run_button = named(
            QPushButton(self.tr("Run")),
            "blueprintRunButton",
            self.tr("Run the blueprint"),
            self.tr("Queue this run"),
        )
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run_requested.emit)
        self.setLayout(self._layout_of(scroll))
        self._set_version(None)

    def _layout_of(self, scroll: QScrollArea) -> QHBoxLayout:
        right = QWidget()
        col = QVBoxLayout(right)
        col.addWidget(self.title)
        col.addWidget(self.description)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Version")))
        row.addWidget(self.version_combo, 1)
        col.addLayout(row)
        col.addWidget(scroll, 1)
        col.addWidget(self.message)
        foot = QHBoxLayout()
        foot.addWidget(self.cost_label, 1)
        foot.addWidget(self.run_button)
        col.addLayout(foot)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([340, 640])
        outer = QHBoxLayout()
        outer.addWidget(split)
        return outer

    # -- the catalogue ------------------------------------------------------------------------
    def set_blueprints(self, blueprints: list[Blueprint]) -> None:
        """Show ``blueprints`` (the current one stays chosen when still listed)."""
        current = self.current_id()
        self.blueprints = {bp.id: bp for bp in blueprints}
        self.list.blockSignals(True)
        self.list.clear()
        for bp in blueprints:
            item = QListWidgetItem(f"{bp.name}\n{_short(bp.description)}")
            item.setData(_ID_ROLE, bp.id)
            item.setToolTip(bp.description)
            item.setSizeHint(QSize(0, ICON + 12))
            self.list.addItem(item)
            if bp.id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if not blueprints:
            self.show_message(self.tr("No blueprints loaded yet."))

    def set_thumbnail(self, blueprint_id: str, pixmap: QPixmap) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_ID_ROLE) == blueprint_id:
                item.setIcon(QIcon(pixmap))

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(_ID_ROLE))

    def current(self) -> Blueprint | None:
        bp_id = self.current_id()
        return None if bp_id is None else self.blueprints.get(bp_id)

    def _chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        bp = self.blueprints.get(str(item.data(_ID_ROLE)))
        if bp is None:
            return
        self.title.setText(bp.name)
        self.description.setText(bp.description)
        self.set_versions(bp.id, [])
        self.show_message(self.tr("Loading the versions…"))
        self.blueprint_chosen.emit(bp.id)

    def update_blueprint(self, bp: Blueprint) -> None:
        """The API's current record of a listed blueprint: its name and description."""
        if bp.id not in self.blueprints:
            return
        self.blueprints[bp.id] = bp
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_ID_ROLE) == bp.id:
                item.setText(f"{bp.name}\n{_short(bp.description)}")
                item.setToolTip(bp.description)
        if bp.id == self.current_id():
            self.title.setText(bp.name)
            self.description.setText(bp.description)

    # -- versions -----------------------------------------------------------------------------
    def set_versions(self, blueprint_id: str, versions: list[BlueprintVersion]) -> None:
        """The versions of ``blueprint_id`` (ignored unless it is the one shown)."""
        if blueprint_id != self.current_id():
            return
        keep = self.current_version()
        self.versions = list(versions)
        self.version_combo.blockSignals(True)
        self.version_combo.clear()
        chosen = 0
        for n, v in enumerate(versions):
            self.version_combo.addItem(self._version_text(v, n == 0), v.id)
            if keep is not None and v.id == keep.id:
                chosen = n
        self.version_combo.setCurrentIndex(chosen if versions else -1)
        self.version_combo.blockSignals(False)
        if versions and (keep is None or keep.id != versions[chosen].id):
            self._set_version(versions[chosen])
        elif not versions:
            self._set_version(None)
        if versions:
            self.show_message("")

    def _version_text(self, v: BlueprintVersion, newest: bool) -> str:
        day = (v.created_at or "")[:10] or self.tr("undated")
        cost = "?" if v.cost is None else str(v.cost)
        text = self.tr("{day} · {cost} credits · %n image(s)", "", v.outputs).format(
            day=day, cost=cost
        )
        if newest:
            text += self.tr(" · newest")
        if not v.executable:
            text += self.tr(" · cannot run")
        return text

    def current_version(self) -> BlueprintVersion | None:
        n = self.version_combo.currentIndex()
        return self.versions[n] if 0 <= n < len(self.versions) else None

    def _version_chosen(self, n: int) -> None:
        self._set_version(self.versions[n] if 0 <= n < len(self.versions) else None)

    def _set_version(self, version: BlueprintVersion | None) -> None:
        self.form.set_version(version)
        if version is None:
            self.cost_label.setText("")
            self.run_button.setEnabled(False)
            return
        cost = (
            self.tr("price not given")
            if version.cost is None
            else self.tr("{cost} credits").format(cost=version.cost)
        )
        made = self.tr(" · %n image(s)", "", version.outputs) if version.outputs else ""
        self.cost_label.setText(self.tr("Costs {cost}{made}").format(cost=cost, made=made))
        self.run_button.setEnabled(version.executable)
        self.run_button.setToolTip(
            self.tr("Queue this run")
            if version.executable
            else self.tr("This version cannot run any more: its model is retired. Choose another.")
        )
        self.show_message("")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828;" if error else "")


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
