"""FilterBar: the library's filters (model, dates, size, seed, modes, status, curation).

It only collects values: :meth:`FilterBar.values` returns keyword arguments for
``leodesk.core.search.Filter`` and ``changed`` fires (debounced) when any of them changes.
"""

from __future__ import annotations

from datetime import date as _date
from datetime import datetime, time
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from leodesk.ui.widgets import named

ANY = "any"


def _tri(name: str, text: str) -> QCheckBox:
    box = named(
        QCheckBox(text),
        name,
        text,
        QCoreApplication.translate(
            "FilterBar", "{what}: on, off, or either (click to cycle)"
        ).format(what=text),
    )
    box.setTristate(True)
    box.setCheckState(Qt.CheckState.PartiallyChecked)
    return box


def _tri_value(box: QCheckBox) -> bool | None:
    state = box.checkState()
    if state == Qt.CheckState.PartiallyChecked:
        return None
    return state == Qt.CheckState.Checked


class FilterBar(QWidget):
    """Signals: changed()."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "filterBar", self.tr("Library filters"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.changed.emit)
        self._build_image_filters()
        self._build_curation_filters()
        self._lay_out()
        self._wire()

    def _build_image_filters(self) -> None:
        """Model, dates, size, seed, the generation's switches, status."""
        self.model_combo = named(QComboBox(), "filterModelCombo", self.tr("Model"))
        self.model_combo.addItem(self.tr("Any model"), ANY)
        self.since_check = named(
            QCheckBox(self.tr("From")), "filterSinceCheck", self.tr("Only from a date")
        )
        self.since_edit = named(QDateEdit(), "filterSinceEdit", self.tr("From date"))
        self.until_check = named(
            QCheckBox(self.tr("to")), "filterUntilCheck", self.tr("Only up to a date")
        )
        self.until_edit = named(QDateEdit(), "filterUntilEdit", self.tr("Up to date"))
        today = QDate.currentDate()
        for edit, date in ((self.since_edit, today.addMonths(-1)), (self.until_edit, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(date)
            edit.setEnabled(False)
        self.since_check.toggled.connect(self.since_edit.setEnabled)
        self.until_check.toggled.connect(self.until_edit.setEnabled)
        self.min_width_spin = named(QSpinBox(), "filterMinWidthSpin", self.tr("Minimum width"))
        self.min_height_spin = named(QSpinBox(), "filterMinHeightSpin", self.tr("Minimum height"))
        for spin in (self.min_width_spin, self.min_height_spin):
            spin.setRange(0, 8192)
            spin.setSingleStep(64)
            spin.setSpecialValueText(self.tr("any"))
            spin.setSuffix(self.tr(" px"))
        self.seed_edit = named(QLineEdit(), "filterSeedEdit", self.tr("Seed"))
        self.seed_edit.setPlaceholderText(self.tr("any seed"))
        self.alchemy_check = _tri("filterAlchemyCheck", self.tr("Alchemy"))
        self.photo_real_check = _tri("filterPhotoRealCheck", self.tr("PhotoReal"))
        self.prompt_magic_check = _tri("filterPromptMagicCheck", self.tr("Prompt Magic"))
        self.status_combo = named(QComboBox(), "filterStatusCombo", self.tr("Status"))
        for text, data in (
            (self.tr("Any status"), ANY),
            (self.tr("Complete"), "COMPLETE"),
            (self.tr("Failed"), "FAILED"),
            (self.tr("Pending"), "PENDING"),
        ):
            self.status_combo.addItem(text, data)

    def _build_curation_filters(self) -> None:
        """Favourites, rating, picks, collection, variations, deleted on the server; Reset."""
        self.favourite_check = named(
            QCheckBox(self.tr("★ Favourites")), "filterFavouriteCheck", self.tr("Favourites only")
        )
        self.rating_combo = named(QComboBox(), "filterRatingCombo", self.tr("Minimum rating"))
        self.rating_combo.addItem(self.tr("Any rating"), 0)
        for n in range(1, 6):
            self.rating_combo.addItem("★" * n + ("+" if n < 5 else ""), n)
        self.pick_combo = named(QComboBox(), "filterPickCombo", self.tr("Picks"))
        for text, data in (
            (self.tr("Picked or not"), ANY),
            (self.tr("Picked"), "picked"),
            (self.tr("Rejected"), "rejected"),
            (self.tr("Not triaged"), "none"),
        ):
            self.pick_combo.addItem(text, data)
        self.collection_combo = named(QComboBox(), "filterCollectionCombo", self.tr("Collection"))
        self.collection_combo.addItem(self.tr("All images"), None)
        self.children_check = _tri("filterChildrenCheck", self.tr("Has variations"))
        self.deleted_check = named(
            QCheckBox(self.tr("Show deleted on server")),
            "filterDeletedCheck",
            self.tr("Show generations deleted on the server"),
        )
        self.deleted_check.setChecked(True)
        self.reset_button = named(
            QPushButton(self.tr("Reset")), "filterResetButton", self.tr("Reset filters")
        )
        self.reset_button.clicked.connect(self.reset)

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 0, 4, 4)
        row0 = [
            self.model_combo,
            self.status_combo,
            self.since_check,
            self.since_edit,
            self.until_check,
            self.until_edit,
        ]
        row1 = [
            self.favourite_check,
            self.rating_combo,
            self.pick_combo,
            self.collection_combo,
            self.children_check,
            self.deleted_check,
        ]
        row2 = [
            QLabel(self.tr("Min size")),
            self.min_width_spin,
            self.min_height_spin,
            self.seed_edit,
            self.alchemy_check,
            self.photo_real_check,
            self.prompt_magic_check,
            self.reset_button,
        ]
        for r, row in enumerate((row0, row1, row2)):
            for c, w in enumerate(row):
                grid.addWidget(w, r, c)

    def _wire(self) -> None:
        """Any change starts the debounce; ``changed`` follows once the user pauses."""
        for combo in (
            self.model_combo,
            self.status_combo,
            self.rating_combo,
            self.pick_combo,
            self.collection_combo,
        ):
            combo.currentIndexChanged.connect(self._poke)
        for box in (
            self.since_check,
            self.until_check,
            self.favourite_check,
            self.alchemy_check,
            self.photo_real_check,
            self.prompt_magic_check,
            self.children_check,
            self.deleted_check,
        ):
            box.stateChanged.connect(self._poke)
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(self._poke)
        for spin in (self.min_width_spin, self.min_height_spin):
            spin.valueChanged.connect(self._poke)
        self.seed_edit.textChanged.connect(self._poke)

    def _poke(self, *args: Any) -> None:
        self._debounce.start()

    # -- choices --------------------------------------------------------------------------------
    def set_models(self, models: list[Any]) -> None:
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItem(self.tr("Any model"), ANY)
        for m in sorted(models, key=lambda m: m.name.lower()):
            self.model_combo.addItem(m.name, m.id)
        index = self.model_combo.findData(current)
        self.model_combo.setCurrentIndex(max(0, index))
        self.model_combo.blockSignals(False)

    def set_collections(self, collections: list[Any]) -> None:
        current = self.collection_combo.currentData()
        self.collection_combo.blockSignals(True)
        self.collection_combo.clear()
        self.collection_combo.addItem(self.tr("All images"), None)
        for c in collections:
            self.collection_combo.addItem(
                self.tr("{name} ({count}) · local").format(name=c.name, count=c.count), c.id
            )
        index = self.collection_combo.findData(current)
        self.collection_combo.setCurrentIndex(max(0, index))
        self.collection_combo.blockSignals(False)

    def reset(self) -> None:
        for combo in (
            self.model_combo,
            self.status_combo,
            self.rating_combo,
            self.pick_combo,
            self.collection_combo,
        ):
            combo.setCurrentIndex(0)
        for box in (self.since_check, self.until_check, self.favourite_check):
            box.setChecked(False)
        for tri in (
            self.alchemy_check,
            self.photo_real_check,
            self.prompt_magic_check,
            self.children_check,
        ):
            tri.setCheckState(Qt.CheckState.PartiallyChecked)
        self.deleted_check.setChecked(True)
        self.min_width_spin.setValue(0)
        self.min_height_spin.setValue(0)
        self.seed_edit.clear()

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``Filter`` (only what is set)."""
        v: dict[str, Any] = {"include_deleted_remote": self.deleted_check.isChecked()}
        model = self.model_combo.currentData()
        if model not in (None, ANY):
            v["model_ids"] = (model,)
        status = self.status_combo.currentData()
        if status not in (None, ANY):
            v["statuses"] = (status,)
        if self.since_check.isChecked():
            v["since"] = datetime.combine(_day(self.since_edit.date()), time.min)
        if self.until_check.isChecked():
            v["until"] = datetime.combine(_day(self.until_edit.date()), time.max)
        if self.min_width_spin.value():
            v["min_width"] = self.min_width_spin.value()
        if self.min_height_spin.value():
            v["min_height"] = self.min_height_spin.value()
        seed = self.seed_edit.text().strip()
        if seed.isdigit():
            v["seed"] = int(seed)
        for key, box in (
            ("alchemy", self.alchemy_check),
            ("photo_real", self.photo_real_check),
            ("prompt_magic", self.prompt_magic_check),
            ("has_children", self.children_check),
        ):
            value = _tri_value(box)
            if value is not None:
                v[key] = value
        if self.favourite_check.isChecked():
            v["favourite"] = True
        if self.rating_combo.currentData():
            v["min_rating"] = int(self.rating_combo.currentData())
        pick = self.pick_combo.currentData()
        if pick not in (None, ANY):
            v["picks"] = (None,) if pick == "none" else (pick,)
        collection = self.collection_combo.currentData()
        if collection is not None:
            v["collection_id"] = int(collection)
        return v

    def active_count(self) -> int:
        """How many filters narrow the view (for the toggle button's label)."""
        v = self.values()
        return len(v) - 1 + (0 if v["include_deleted_remote"] else 1)


def _day(value: QDate) -> _date:
    """The calendar day a date edit shows."""
    return _date(value.year(), value.month(), value.day())
