"""The prompt form's Elements section: the elements (LoRAs) to apply, each with a weight.

The list (``elementsList``) offers the platform's elements and the user's own ones that fit the
chosen model (:func:`leodesk.core.elements.offered`), each with its preview, name, description and
weight range; several can be ticked, each with its own weight (``elementWeightSpin`` edits the
selected one's, within its range). The user's own elements can be deleted (after a confirmation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.api.models import Element, ElementRef, UserElementRef
from leodesk.core.catalog import ModelInfo, version_family
from leodesk.core.elements import ElementChoice, from_platform, offered, own_key, split_picks
from leodesk.qt.thumbnails import key_for
from leodesk.ui.form_section import CollapsibleSection, UpdateGuard, name_widget
from leodesk.ui.widgets import confirm_delete

ICON = 56
_KEY = Qt.ItemDataRole.UserRole


def _label(choice: ElementChoice, weight: float, fit: bool | None) -> str:
    head = f"{choice.name}  ·  {weight:g}"
    if choice.own:
        head = QCoreApplication.translate("ElementsSection", "{head}  (yours)").format(head=head)
    base = choice.base_model or QCoreApplication.translate(
        "ElementsSection", "base model not given"
    )
    rng = QCoreApplication.translate(
        "ElementsSection", "Weight {low:g} to {high:g} (default {default:g})"
    ).format(low=choice.weight_min, high=choice.weight_max, default=choice.weight_default)
    note = (
        QCoreApplication.translate("ElementsSection", "  ·  may not suit this model")
        if fit is None
        else ""
    )
    lines = [head, choice.description, f"{rng}  ·  {base}{note}"]
    return "\n".join(line for line in lines if line)


def _placeholder(choice: ElementChoice) -> QPixmap:
    """A tile with the element's initial, for one without a preview (the user's own have none)."""
    pixmap = QPixmap(ICON, ICON)
    pixmap.fill(QColor("#5a4a8a" if choice.own else "#3a4a5a"))
    painter = QPainter(pixmap)
    font = painter.font()
    font.setPixelSize(ICON // 2)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#f0f0f0"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, choice.name[:1].upper())
    painter.end()
    return pixmap


class ElementsSection(CollapsibleSection):
    """The elements offered for the chosen model, the weight of the selected one, Delete.

    The choice (ticked, weight) is kept by key (``akUUID`` or ``user:<id>``), also for elements
    not offered (not loaded yet, or made for another model): a restored form's picks apply when
    the list arrives, and come back when the model changes back. Only offered picks are sent.
    Signals: ``changed`` (the user changed the choice), ``delete_requested(ElementChoice)``
    (confirmed).
    """

    changed = Signal()
    delete_requested = Signal(object)

    def __init__(
        self,
        guard: UpdateGuard,
        real_model: Callable[[], ModelInfo | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Elements"), "elementsSection", parent=parent)
        self._guard = guard
        self._real_model = real_model
        self._all: list[ElementChoice] = []
        self._shown: list[tuple[ElementChoice, bool | None]] = []
        self._family: object = ()  # the model family the list was built for
        self._thumbs: Any = None  # leodesk.qt.thumbnails.ThumbnailLoader
        self._choice: dict[str, tuple[bool, float]] = {}  # key → (checked, weight)
        self.confirm: Callable[[ElementChoice], bool] = self._confirm_delete
        self._build()

    def _build(self) -> None:
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(12, 0, 0, 0)
        self.elements_list = QListWidget()
        name_widget(self.elements_list, "elementsList", self.tr("Elements"))
        self.elements_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.elements_list.setIconSize(QSize(ICON, ICON))
        self.elements_list.setWordWrap(True)
        self.elements_list.setMinimumHeight(200)
        self.elements_list.setMaximumHeight(320)
        lay.addWidget(self.elements_list)
        row = QHBoxLayout()
        label = QLabel(self.tr("Weight"))
        self.element_weight_spin = QDoubleSpinBox()
        name_widget(self.element_weight_spin, "elementWeightSpin", self.tr("Element weight"))
        self.element_weight_spin.setDecimals(2)
        self.element_weight_spin.setSingleStep(0.05)
        label.setBuddy(self.element_weight_spin)
        self.delete_button = QPushButton(self.tr("Delete…"))
        name_widget(
            self.delete_button, "elementDeleteButton", self.tr("Delete this element of yours")
        )
        row.addWidget(label)
        row.addWidget(self.element_weight_spin)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        lay.addLayout(row)
        self.elements_hint = QLabel(self.tr("No elements loaded"))
        name_widget(self.elements_hint, "elementsHintLabel", self.tr("Elements hint"))
        self.elements_hint.setProperty("hint", True)
        self.elements_hint.setWordWrap(True)
        lay.addWidget(self.elements_hint)
        self.elements_list.itemChanged.connect(self._on_item_changed)
        self.elements_list.currentItemChanged.connect(self.show_current)
        self.element_weight_spin.valueChanged.connect(self._on_weight)
        self.delete_button.clicked.connect(self._on_delete)

    # ------------------------------------------------------------------------ what is offered

    def set_thumbnails(self, loader: Any) -> None:
        """Previews come from ``loader`` (a ThumbnailLoader); items get theirs as they arrive."""
        self._thumbs = loader
        loader.ready.connect(self._thumb_ready)

    def set_elements(self, elements: Iterable[Element]) -> None:
        """Only platform elements to pick from (the user's own ones are kept)."""
        own = [c for c in self._all if c.own]
        self.set_choices([c for c in map(from_platform, elements) if c], own)

    def set_choices(self, platform: Iterable[ElementChoice], own: Iterable[ElementChoice]) -> None:
        """Every element (the platform's and the user's own); earlier picks are kept by key."""
        self._all = [*own, *platform]
        self._rebuild()

    def _rebuild(self) -> None:
        model = self._real_model()
        self._family = version_family(model.sd_version) if model else None
        self._shown = offered(self._all, model)
        current = self.elements_list.currentItem()
        keep = current.data(_KEY) if current is not None else None
        with self._guard:
            self.elements_list.clear()
            for choice, _fit in self._shown:
                checked, weight = self._choice.get(choice.key, (False, choice.weight_default))
                self._choice[choice.key] = (checked, choice.clamp(weight))
                item = QListWidgetItem()
                item.setData(_KEY, choice.key)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.elements_list.addItem(item)
                self._label_item(item)
                self._set_icon(item, choice)
            keys = [c.key for c, _ in self._shown]
            if keys:
                self.elements_list.setCurrentRow(keys.index(keep) if keep in keys else 0)
        self.show_current(self.elements_list.currentItem(), None)
        self.show_rules()

    # ------------------------------------------------------------------------ the choice

    @property
    def elements(self) -> list[Element]:
        """The platform elements offered now (for the request and its checks)."""
        return [c.as_element() for c, _ in self._shown if not c.own]

    def own_ids(self) -> list[int]:
        """The ids of the user's own elements offered now."""
        return [c.own_id for c, _ in self._shown if c.own_id is not None]

    def _picked(self) -> dict[str, float]:
        return {key: weight for key, (checked, weight) in self._choice.items() if checked}

    def picks(self) -> tuple[ElementRef, ...]:
        """Every ticked platform element with its weight (also those not offered)."""
        return split_picks(self._picked())[0]

    def own_picks(self) -> tuple[UserElementRef, ...]:
        """Every ticked element of the user's own with its weight."""
        return split_picks(self._picked())[1]

    def restore_picks(
        self, picks: Iterable[ElementRef], own: Iterable[UserElementRef] | None = None
    ) -> None:
        """Tick exactly ``picks`` and ``own`` (with their weights); the others are unticked."""
        chosen = {ref.ak_uuid: ref.weight for ref in picks if ref.weight is not None}
        if own is not None:
            chosen |= {own_key(r.user_lora_id): r.weight for r in own if r.weight is not None}
        else:
            chosen |= {k: w for k, w in self._picked().items() if k.startswith("user:")}
        unticked = {k: (False, w) for k, (_c, w) in self._choice.items()}
        self._choice = unticked | {k: (True, float(w)) for k, w in chosen.items()}
        with self._guard:
            for i in range(self.elements_list.count()):
                item = self.elements_list.item(i)
                choice = self._by_key(item.data(_KEY))
                checked, weight = self._choice.get(item.data(_KEY), (False, 1.0))
                if choice is not None:
                    self._choice[choice.key] = (checked, choice.clamp(weight))
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self._label_item(item)

    def show_rules(self) -> None:
        """Re-offer for a changed model family; the hint and each item's label."""
        model = self._real_model()
        if (version_family(model.sd_version) if model else None) != self._family:
            self._rebuild()
            return
        count = self.elements_list.count()
        offered_keys = {c.key for c, _ in self._shown}
        chosen = sum(1 for k in self._picked() if k in offered_keys)
        hidden = sum(1 for k in self._picked() if k not in offered_keys)
        if not self._all:
            text = self.tr("No elements loaded")
        elif not count:
            text = self.tr("No elements for this model")
        else:
            text = self.tr("{chosen} of {count} elements chosen").format(chosen=chosen, count=count)
        if hidden and self._all:
            text += self.tr("; {hidden} chosen for another model (not sent)").format(hidden=hidden)
        elif hidden:
            text += self.tr("; {hidden} chosen, kept until the list arrives").format(hidden=hidden)
        self.elements_hint.setText(text)
        with self._guard:
            for i in range(count):
                self._label_item(self.elements_list.item(i))

    def show_current(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None = None
    ) -> None:
        """The weight box shows the selected element's weight and range; Delete its owner."""
        choice = self._by_key(current.data(_KEY)) if current else None
        self.delete_button.setEnabled(choice is not None and choice.own)
        self.delete_button.setToolTip(
            self.tr("Delete this element of yours")
            if choice is not None and choice.own
            else self.tr("Only your own elements can be deleted")
        )
        with self._guard:
            if choice is None:
                self.element_weight_spin.setEnabled(False)
                self.element_weight_spin.setToolTip(self.tr("Select an element to set its weight"))
                return
            self.element_weight_spin.setEnabled(True)
            self.element_weight_spin.setRange(choice.weight_min, choice.weight_max)
            _, weight = self._choice.get(choice.key, (False, choice.weight_default))
            self.element_weight_spin.setValue(weight)
            self.element_weight_spin.setToolTip(
                self.tr("Weight of {name}: {low} to {high}").format(
                    name=choice.name, low=f"{choice.weight_min:g}", high=f"{choice.weight_max:g}"
                )
            )

    # ------------------------------------------------------------------------ reactions

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._guard:
            return
        key = item.data(_KEY)
        _, weight = self._choice.get(key, (False, 1.0))
        self._choice[key] = (item.checkState() == Qt.CheckState.Checked, weight)
        self.changed.emit()

    def _on_weight(self, value: float) -> None:
        if self._guard:
            return
        item = self.elements_list.currentItem()
        if item is None:
            return
        key = item.data(_KEY)
        checked, _ = self._choice.get(key, (False, value))
        self._choice[key] = (checked, round(value, 2))
        with self._guard:
            self._label_item(item)
        self.changed.emit()

    def _on_delete(self) -> None:
        item = self.elements_list.currentItem()
        choice = self._by_key(item.data(_KEY)) if item else None
        if choice is not None and choice.own and self.confirm(choice):
            self.delete_requested.emit(choice)

    def _confirm_delete(self, choice: ElementChoice) -> bool:
        return confirm_delete(
            self,
            self.tr("Delete element"),
            self.tr(
                "Delete your element “{name}” from your Leonardo account?\n"
                "Generations made with it stay; it cannot be used again."
            ).format(name=choice.name),
            "deleteElementConfirm",
        )

    # ------------------------------------------------------------------------ items

    def _by_key(self, key: object) -> ElementChoice | None:
        return next((c for c, _ in self._shown if c.key == key), None)

    def _fit(self, key: object) -> bool | None:
        return next((f for c, f in self._shown if c.key == key), None)

    def _label_item(self, item: QListWidgetItem) -> None:
        choice = self._by_key(item.data(_KEY))
        if choice is None:
            return
        _, weight = self._choice.get(choice.key, (False, choice.weight_default))
        fit = self._fit(choice.key)
        item.setText(_label(choice, weight, fit))
        tip = self.tr("{name}: made for {base}").format(
            name=choice.name, base=choice.base_model or self.tr("an unknown base model")
        )
        if fit is None:
            tip += self.tr("; whether it suits this model is not known")
        if choice.creator:
            tip += "\n" + self.tr("By {creator}").format(creator=choice.creator)
        item.setToolTip(tip)

    def _set_icon(self, item: QListWidgetItem, choice: ElementChoice) -> None:
        pixmap = None
        if self._thumbs is not None and choice.url_image:
            key = key_for("element", choice.url_image)
            pixmap = self._thumbs.pixmap(key)
            if pixmap is None:
                self._thumbs.request(key, url=choice.url_image)
        item.setIcon(QIcon(pixmap if pixmap is not None else _placeholder(choice)))

    def _thumb_ready(self, key: str) -> None:
        for i in range(self.elements_list.count()):
            item = self.elements_list.item(i)
            choice = self._by_key(item.data(_KEY))
            if (
                choice is not None
                and choice.url_image
                and key_for("element", choice.url_image) == key
            ):
                pixmap = self._thumbs.pixmap(key)
                if pixmap is not None:
                    with self._guard:  # a picture, not a choice: the form need not refresh
                        item.setIcon(QIcon(pixmap))
