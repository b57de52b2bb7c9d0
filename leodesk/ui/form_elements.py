"""The prompt form's Elements section: the elements (LoRAs) to apply, each with a weight."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leodesk.core import rules
from leodesk.core.api.models import Element, ElementRef
from leodesk.core.catalog import ModelInfo
from leodesk.ui.form_section import CollapsibleSection, UpdateGuard, name_widget


def _default_weight(element: Element) -> float:
    if element.weight_default is not None:
        return float(element.weight_default)
    lo, hi = rules.element_weight_range(element)
    return min(hi, max(lo, 1.0))


class ElementsSection(CollapsibleSection):
    """A checkable list of the loaded elements and the weight of the selected one.

    The choice (ticked, weight) is kept by ``akUUID``, also for elements not loaded (yet): a
    restored form's picks apply when the list arrives. ``changed``: the user changed the choice.
    """

    changed = Signal()

    def __init__(
        self,
        guard: UpdateGuard,
        real_model: Callable[[], ModelInfo | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Elements", "elementsSection", parent=parent)
        self._guard = guard
        self._real_model = real_model
        self.elements: list[Element] = []
        # ak_uuid → (checked, weight)
        self._choice: dict[str, tuple[bool, float]] = {}
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(12, 0, 0, 0)
        self.elements_list = QListWidget()
        name_widget(self.elements_list, "elementsList", "Elements")
        self.elements_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.elements_list.setMaximumHeight(140)
        lay.addWidget(self.elements_list)
        row = QHBoxLayout()
        label = QLabel("Weight")
        self.element_weight_spin = QDoubleSpinBox()
        name_widget(self.element_weight_spin, "elementWeightSpin", "Element weight")
        self.element_weight_spin.setDecimals(2)
        self.element_weight_spin.setSingleStep(0.05)
        label.setBuddy(self.element_weight_spin)
        row.addWidget(label)
        row.addWidget(self.element_weight_spin)
        row.addStretch(1)
        lay.addLayout(row)
        self.elements_hint = QLabel("No elements loaded")
        name_widget(self.elements_hint, "elementsHintLabel", "Elements hint")
        self.elements_hint.setProperty("hint", True)
        lay.addWidget(self.elements_hint)
        self.elements_list.itemChanged.connect(self._on_item_changed)
        self.elements_list.currentItemChanged.connect(self.show_current)
        self.element_weight_spin.valueChanged.connect(self._on_weight)

    def set_elements(self, elements: Iterable[Element]) -> None:
        """The elements to pick from; earlier picks are kept by ``akUUID``."""
        self._remember()
        self.elements = [e for e in elements if e.ak_uuid]
        with self._guard:
            self.elements_list.clear()
            for element in self.elements:
                assert element.ak_uuid is not None
                checked, weight = self._choice.get(
                    element.ak_uuid, (False, _default_weight(element))
                )
                lo, hi = rules.element_weight_range(element)
                weight = min(hi, max(lo, weight))
                self._choice[element.ak_uuid] = (checked, weight)
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, element.ak_uuid)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.elements_list.addItem(item)
                self._label_item(item)
            if self.elements:
                self.elements_list.setCurrentRow(0)
        self.show_current(self.elements_list.currentItem(), None)

    def picks(self) -> tuple[ElementRef, ...]:
        """Every ticked element with its weight (also those not loaded)."""
        self._remember()
        return tuple(
            ElementRef(ak_uuid=ak, weight=weight)
            for ak, (checked, weight) in self._choice.items()
            if checked
        )

    def restore_picks(self, picks: Iterable[ElementRef]) -> None:
        """Tick exactly ``picks`` (with their weights); the others keep their weight."""
        self._choice = {ref.ak_uuid: (True, ref.weight) for ref in picks if ref.weight is not None}
        for i in range(self.elements_list.count()):
            item = self.elements_list.item(i)
            ak = item.data(Qt.ItemDataRole.UserRole)
            element = self._element_by_id(ak)
            default = _default_weight(element) if element else 1.0
            checked, weight = self._choice.get(ak, (False, default))
            self._choice[ak] = (checked, weight)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self._label_item(item)

    def show_rules(self) -> None:
        """The hint (how many are chosen) and each item's label and tooltip."""
        count = self.elements_list.count()
        chosen = sum(
            self.elements_list.item(i).checkState() == Qt.CheckState.Checked for i in range(count)
        )
        self.elements_hint.setText(
            "No elements loaded" if not count else f"{chosen} of {count} elements chosen"
        )
        for i in range(count):
            self._label_item(self.elements_list.item(i))

    def show_current(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None = None
    ) -> None:
        """The weight box shows the selected element's weight and range."""
        element = self._element_by_id(current.data(Qt.ItemDataRole.UserRole)) if current else None
        with self._guard:
            if element is None:
                self.element_weight_spin.setEnabled(False)
                self.element_weight_spin.setToolTip("Select an element to set its weight")
                return
            assert element.ak_uuid is not None
            lo, hi = rules.element_weight_range(element)
            self.element_weight_spin.setEnabled(True)
            self.element_weight_spin.setRange(lo, hi)
            _, weight = self._choice.get(element.ak_uuid, (False, _default_weight(element)))
            self.element_weight_spin.setValue(weight)
            self.element_weight_spin.setToolTip(
                f"Weight of {element.name or element.ak_uuid}: {lo:g}–{hi:g}"
            )

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._guard:
            return
        ak = item.data(Qt.ItemDataRole.UserRole)
        _, weight = self._choice.get(ak, (False, 1.0))
        self._choice[ak] = (item.checkState() == Qt.CheckState.Checked, weight)
        self.changed.emit()

    def _on_weight(self, value: float) -> None:
        if self._guard:
            return
        item = self.elements_list.currentItem()
        if item is None:
            return
        ak = item.data(Qt.ItemDataRole.UserRole)
        checked, _ = self._choice.get(ak, (False, value))
        self._choice[ak] = (checked, round(value, 2))
        with self._guard:
            self._label_item(item)
        self.changed.emit()

    def _element_by_id(self, ak: object) -> Element | None:
        return next((e for e in self.elements if e.ak_uuid == ak), None)

    def _remember(self) -> None:
        for i in range(self.elements_list.count()):
            item = self.elements_list.item(i)
            ak = item.data(Qt.ItemDataRole.UserRole)
            _, weight = self._choice.get(ak, (False, 1.0))
            self._choice[ak] = (item.checkState() == Qt.CheckState.Checked, weight)

    def _label_item(self, item: QListWidgetItem) -> None:
        ak = item.data(Qt.ItemDataRole.UserRole)
        element = self._element_by_id(ak)
        if element is None:
            return
        _, weight = self._choice.get(ak, (False, _default_weight(element)))
        item.setText(f"{element.name or ak}  ·  {weight:g}")
        tip = element.description or ""
        fits = rules.element_fits_model(element, self._real_model())
        if fits is False:
            tip = f"Made for {element.base_model} models; it may not suit this model. {tip}"
        item.setToolTip(tip.strip())
