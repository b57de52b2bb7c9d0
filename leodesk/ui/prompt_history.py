"""The recent prompts popup: every prompt generated, newest first, searchable; Enter or a
double-click recalls one (with its negative prompt) into the form, Delete forgets it."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from leodesk.core.library import PromptEntry
from leodesk.ui.widgets import clear_button_with_text, named

_ENTRY = Qt.ItemDataRole.UserRole
_FACTS = Qt.ItemDataRole.UserRole + 1
_PAD = 5
_ONE_LINE = 160  # characters of a prompt shown in a row (the tooltip has all of it)


def _when(ms: int, now_ms: int) -> str:
    minutes = max(0, (now_ms - ms) // 60_000)
    if minutes < 1:
        return QCoreApplication.translate("PromptHistory", "just now")
    if minutes < 60:
        return QCoreApplication.translate("PromptHistory", "{n} min ago").format(n=minutes)
    if minutes < 48 * 60:
        return QCoreApplication.translate("PromptHistory", "{n} h ago").format(n=minutes // 60)
    return time.strftime("%d %b %Y", time.localtime(ms / 1000))


def entry_facts(entry: PromptEntry, now_ms: int) -> str:
    """A row's second line: the negative prompt, the number of uses and the last use."""
    facts = []
    if entry.negative_prompt:
        negative = " ".join(entry.negative_prompt.split())
        facts.append(
            QCoreApplication.translate("PromptHistory", "not: {text}").format(text=negative[:60])
        )
    uses = (
        QCoreApplication.translate("PromptHistory", "used once")
        if entry.uses == 1
        else QCoreApplication.translate("PromptHistory", "used {n}×").format(n=entry.uses)
    )
    facts += [uses, _when(entry.last_ms, now_ms)]
    return " · ".join(facts)


def entry_text(entry: PromptEntry, now_ms: int) -> str:
    """A row: the prompt on one line, then its facts (:func:`entry_facts`)."""
    prompt = " ".join(entry.prompt.split())
    if len(prompt) > _ONE_LINE:
        prompt = prompt[: _ONE_LINE - 1] + "…"
    return prompt + "\n" + entry_facts(entry, now_ms)


class _EntryDelegate(QStyledItemDelegate):
    """Two lines a row: the prompt, elided, and its facts smaller and dimmer."""

    def _small(self, font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        return small

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        line = QFontMetrics(option.font).height()
        small = QFontMetrics(self._small(option.font)).height()
        return QSize(200, line + small + 2 * _PAD + 2)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        prompt = text.split("\n", 1)[0]
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect: QRect = opt.rect.adjusted(_PAD + 2, _PAD, -_PAD, -_PAD)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        main = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        font: QFont = opt.font
        metrics = QFontMetrics(font)
        painter.setFont(font)
        painter.setPen(palette.color(main))
        line = metrics.elidedText(prompt, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), line)
        small = self._small(font)
        painter.setFont(small)
        colour = palette.color(main)
        if not selected:
            colour = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(colour)
        facts = str(index.data(_FACTS) or "")
        below = rect.adjusted(0, metrics.height() + 2, 0, 0)
        shown = QFontMetrics(small).elidedText(facts, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(below, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), shown)
        painter.restore()


class PromptHistoryPopup(QFrame):
    """Signals: recalled(prompt, negative prompt), forget_requested(int entry id).

    ``source(query)`` lists the entries; it is read each time the popup opens or the search
    changes, so what sync or a new generation added is there."""

    recalled = Signal(str, str)
    forget_requested = Signal(int)

    def __init__(
        self, source: Callable[[str], list[PromptEntry]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        named(self, "promptHistory", QCoreApplication.translate("PromptHistory", "Recent prompts"))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._source = source
        self.search = named(
            QLineEdit(),
            "promptHistorySearch",
            QCoreApplication.translate("PromptHistory", "Search recent prompts"),
        )
        self.search.setPlaceholderText(
            QCoreApplication.translate("PromptHistory", "Search recent prompts…")
        )
        clear_button_with_text(self.search)
        self.list = named(
            QListWidget(),
            "promptHistoryList",
            QCoreApplication.translate("PromptHistory", "Recent prompts"),
        )
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setItemDelegate(_EntryDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.empty = named(
            QLabel(),
            "promptHistoryEmpty",
            QCoreApplication.translate("PromptHistory", "No prompts"),
        )
        self.empty.setWordWrap(True)
        self.recall_button = named(
            QPushButton(QCoreApplication.translate("PromptHistory", "Recall")),
            "promptHistoryRecallButton",
            QCoreApplication.translate("PromptHistory", "Recall the prompt"),
            QCoreApplication.translate(
                "PromptHistory", "Put this prompt and its negative prompt in the form (Enter)"
            ),
        )
        self.forget_button = named(
            QPushButton(QCoreApplication.translate("PromptHistory", "Remove")),
            "promptHistoryDeleteButton",
            QCoreApplication.translate("PromptHistory", "Remove from the history"),
            QCoreApplication.translate(
                "PromptHistory",
                "Remove this prompt from the history (Delete); images keep their prompt",
            ),
        )
        self._layout()
        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.installEventFilter(self)
        self.list.installEventFilter(self)
        self.list.itemActivated.connect(lambda _i: self.recall_current())
        self.list.currentRowChanged.connect(lambda _r: self._enable())
        self.recall_button.clicked.connect(self.recall_current)
        self.forget_button.clicked.connect(self.forget_current)

    def _layout(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.forget_button)
        row.addWidget(self.recall_button)
        lay.addLayout(row)
        self.resize(460, 360)

    # -- showing --------------------------------------------------------------------------------
    def open_at(self, anchor: QWidget) -> None:
        """Show below ``anchor`` (kept on its screen), the search field focused."""
        self.refresh()
        below = anchor.mapToGlobal(QPoint(0, anchor.height()))
        screen = anchor.screen().availableGeometry()
        width = min(self.width(), screen.width())
        self.resize(width, self.height())
        x = max(screen.left(), min(below.x(), screen.right() - width))
        y = below.y()
        if y + self.height() > screen.bottom():
            y = max(screen.top(), anchor.mapToGlobal(QPoint(0, 0)).y() - self.height())
        self.move(x, y)
        self.show()
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        query = self.search.text()
        entries = self._source(query)
        now = int(time.time() * 1000)
        self.list.clear()
        for entry in entries:
            item = QListWidgetItem(entry_text(entry, now))
            item.setData(_ENTRY, entry)
            item.setData(_FACTS, entry_facts(entry, now))
            tip = entry.prompt
            if entry.negative_prompt:
                tip += "\n\n" + QCoreApplication.translate(
                    "PromptHistory", "Negative prompt: {text}"
                ).format(text=entry.negative_prompt)
            item.setToolTip(tip)
            self.list.addItem(item)
        if entries:
            self.list.setCurrentRow(0)
        self.empty.setVisible(not entries)
        self.empty.setText(
            QCoreApplication.translate("PromptHistory", "No prompt holds “{q}”.").format(
                q=query.strip()
            )
            if query.strip()
            else QCoreApplication.translate(
                "PromptHistory", "Prompts you generate appear here, newest first."
            )
        )
        self._enable()

    def _enable(self) -> None:
        has = self.current() is not None
        self.recall_button.setEnabled(has)
        self.forget_button.setEnabled(has)

    def current(self) -> PromptEntry | None:
        item = self.list.currentItem()
        entry = item.data(_ENTRY) if item is not None else None
        return entry if isinstance(entry, PromptEntry) else None

    # -- acting ---------------------------------------------------------------------------------
    def recall_current(self) -> None:
        entry = self.current()
        if entry is None:
            return
        self.close()
        self.recalled.emit(entry.prompt, entry.negative_prompt)

    def forget_current(self) -> None:
        entry = self.current()
        if entry is None:
            return
        row = self.list.currentRow()
        self.forget_requested.emit(entry.id)
        self.list.takeItem(row)  # at once; the library follows on its thread
        self.list.setCurrentRow(min(row, self.list.count() - 1))
        self.empty.setVisible(self.list.count() == 0)
        self._enable()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.recall_current()
            return True
        if watched is self.list and key == Qt.Key.Key_Delete:
            self.forget_current()
            return True
        if watched is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.list.currentRow() + step, self.list.count() - 1))
            self.list.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)
