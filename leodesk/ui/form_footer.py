"""The prompt form's footer: the problems, the cost, the batch count and the Generate button.

The cost of the current settings is asked for once they stop changing (``cost_query``, debounced)
and kept by pricing key, so going back to earlier settings shows their cost at once."""

from __future__ import annotations

import html
from collections.abc import Hashable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.core import rules
from leodesk.core.api.models import PricingRequest
from leodesk.core.rules import Problem
from leodesk.ui.form_section import name_widget

MAX_REPEAT = 50  # one click queues at most this many copies of the job
COST_DEBOUNCE_MS = 400


class FormFooter(QWidget):
    """Problems in red, the cost, ``× n`` and Generate (disabled, saying why, while the
    settings have a problem). ``cost_query``: a :class:`PricingRequest` to price."""

    cost_query = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptFormFooter")
        self._cost_cache: dict[Hashable, int] = {}
        self._cost_failed: set[Hashable] = set()
        self._current_key: Hashable | None = None
        self._current_pricing: PricingRequest | None = None
        self._last_query_key: Hashable | None = None
        self._problems: list[Problem] = []
        self._from_image = False
        self._cost_timer = QTimer(self)
        self._cost_timer.setSingleShot(True)
        self._cost_timer.setInterval(COST_DEBOUNCE_MS)
        self._cost_timer.timeout.connect(self._send_cost_query)
        self._build()
        self.repeat_spin.valueChanged.connect(lambda _v: self.show_cost())

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 6)
        self.problems_label = QLabel()
        name_widget(self.problems_label, "problemsLabel", self.tr("Problems"))
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.problems_label)
        row = QHBoxLayout()
        self.cost_label = QLabel()
        name_widget(self.cost_label, "costLabel", self.tr("Cost"))
        # the button says the cost too: the label may be clipped rather than widen the pane
        self.cost_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.cost_label, 1)
        self.repeat_spin = QSpinBox()
        name_widget(self.repeat_spin, "repeatSpin", self.tr("Times to queue"))
        self.repeat_spin.setRange(1, MAX_REPEAT)
        self.repeat_spin.setPrefix("× ")
        self.repeat_spin.setToolTip(
            self.tr(
                "Queue this job several times as one batch (each run gets its own seed unless the "
                "seed is fixed)"
            )
        )
        row.addWidget(self.repeat_spin)
        self.generate_button = QPushButton(self.tr("Generate"))
        name_widget(self.generate_button, "generateButton", self.tr("Generate"))
        self.generate_button.setDefault(True)
        row.addWidget(self.generate_button)
        # ▾ beside Generate: the queue in a popup (the window connects it)
        self.queue_button = QToolButton()
        name_widget(self.queue_button, "queueButton", self.tr("Show the queue"))
        self.queue_button.setText("▾")
        self.queue_button.setToolTip(self.tr("The queued and running jobs"))
        self.queue_button.setAutoRaise(True)
        row.addWidget(self.queue_button)
        lay.addLayout(row)

    def show_problems(
        self, problems: list[Problem], shown: list[Problem], *, from_image: bool
    ) -> None:
        """``problems`` block Generate (the first one says why); ``shown`` are listed in red."""
        self._problems = problems
        self._from_image = from_image
        self.problems_label.setText("<br>".join(f"• {html.escape(p.message)}" for p in shown))
        self.problems_label.setVisible(bool(shown))

    def update_cost(self, pricing: PricingRequest) -> None:
        """The settings now price as ``pricing``: show its cost, asking for it when unknown."""
        key = rules.pricing_key(pricing)
        self._current_pricing = pricing
        if key != self._current_key:
            self._current_key = key
            if key in self._cost_cache or key == self._last_query_key:
                self._cost_timer.stop()
            else:
                self._cost_timer.start()
        self.show_cost()

    def set_cost(self, key: Hashable, cost: int | None) -> None:
        """The pricing calculator's answer for ``key``; ``None``: unknown (not cached)."""
        if cost is None:
            self._cost_cache.pop(key, None)
            self._cost_failed.add(key)
        else:
            self._cost_cache[key] = cost
            self._cost_failed.discard(key)
        if key == self._current_key:
            self.show_cost()

    def known_cost(self) -> int | None:
        """The cost of the current settings, if it came in."""
        return self._cost_cache.get(self._current_key) if self._current_key is not None else None

    def repeat_count(self) -> int:
        return int(self.repeat_spin.value())

    def _send_cost_query(self) -> None:
        key, pricing = self._current_key, self._current_pricing
        if pricing is None or key == self._last_query_key or key in self._cost_cache:
            return
        self._last_query_key = key
        self.cost_query.emit(pricing)

    def show_cost(self) -> None:
        """The cost on the label and the button, times the batch count."""
        key = self._current_key
        cost = self._cost_cache.get(key) if key is not None else None
        verb = self.tr("Generate from image") if self._from_image else self.tr("Generate")
        times = self.repeat_count()
        if times > 1:
            verb += f" ×{times}"
        if cost is not None and times > 1:
            total = cost * times
            self.generate_button.setText(
                self.tr("{verb} · {total:,} credits").format(verb=verb, total=total)
            )
            self.cost_label.setText(
                self.tr("Cost: {times} × {cost:,} = {total:,} credits").format(
                    times=times, cost=cost, total=total
                )
            )
            cost_tip = self.tr("{times} generations of {cost:,} API credits each").format(
                times=times, cost=cost
            )
        elif cost is not None:
            self.generate_button.setText(
                self.tr("{verb} · {cost:,} credits").format(verb=verb, cost=cost)
            )
            self.cost_label.setText(self.tr("Cost: {cost:,} credits").format(cost=cost))
            cost_tip = self.tr("This generation costs {cost:,} API credits").format(cost=cost)
        else:
            self.generate_button.setText(verb)
            failed = key in self._cost_failed
            self.cost_label.setText(
                self.tr("Cost unknown") if failed else self.tr("Checking cost…")
            )
            cost_tip = self.tr("Cost unknown")
        self.cost_label.setToolTip(cost_tip)
        if self._problems:
            self.generate_button.setEnabled(False)
            self.generate_button.setToolTip(self._problems[0].message)
        else:
            self.generate_button.setEnabled(True)
            self.generate_button.setToolTip(self.tr("{tip} (Ctrl+Enter)").format(tip=cost_tip))
