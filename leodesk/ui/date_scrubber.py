"""DateScrubber: the months of the library beside the gallery; a click jumps to that month."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from leodesk.ui.widgets import named


class DateScrubber(QListWidget):
    """Signals: jump_requested(int row: the first image of the chosen month)."""

    jump_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "dateScrubber", self.tr("Months"), self.tr("Jump to a month"))
        self.setFixedWidth(96)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def set_months(self, months: list[tuple[str, int]]) -> None:
        """``[("2026-11", n), ...]`` newest first: each month starts after the ones above it."""
        import calendar  # here: not loaded with the gallery (it loads locale and datetime)

        self.clear()
        offset = 0
        year_shown = None
        for ym, count in months:
            year, month = (int(p) for p in ym.split("-"))
            label = calendar.month_abbr[month]
            if year != year_shown:
                label = f"{label} {year}"
                year_shown = year
            item = QListWidgetItem(f"{label}\n{count:,}")
            item.setData(Qt.ItemDataRole.UserRole, offset)
            item.setToolTip(
                self.tr("{month} {year}: {count} images").format(
                    month=calendar.month_name[month], year=year, count=f"{count:,}"
                )
            )
            self.addItem(item)
            offset += count

    def _clicked(self, item: QListWidgetItem) -> None:
        self.jump_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))
