"""Parts shared by the prompt form's sections: a titled section whose body folds away behind a
toggle, the guard that marks the form's own changes, and naming and restyling helpers."""

from __future__ import annotations

from types import TracebackType

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def name_widget(widget: QWidget, object_name: str, accessible: str) -> None:
    """Give ``widget`` its objectName (for tests and styles) and its accessible name."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)


def form_column(owner: QWidget) -> tuple[QVBoxLayout, QScrollArea, QVBoxLayout]:
    """The form's frame on ``owner``: a frameless scroll area (vertical only) over a column for
    the sections in a 6 px margin. Returns ``owner``'s layout (the footer goes below the scroll
    area), the scroll area and the column. The form and its start-up stand-in (FormShell) both
    use it, so the prompt sits in the same place in each."""
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(4)
    scroll = QScrollArea(owner)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    content = QWidget()
    scroll.setWidget(content)
    outer.addWidget(scroll, 1)
    col = QVBoxLayout(content)
    col.setContentsMargins(6, 6, 6, 6)
    col.setSpacing(6)
    return outer, scroll, col


def restyle(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property of ``widget`` changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
    if isinstance(widget, QAbstractScrollArea):  # the frame is painted with the viewport
        widget.viewport().update()


class UpdateGuard:
    """True while the form itself changes its widgets (``with guard:`` nests): their change
    signals then do not count as the user's."""

    def __init__(self) -> None:
        self._depth = 0

    def __bool__(self) -> bool:
        return self._depth > 0

    def __enter__(self) -> UpdateGuard:
        self._depth += 1
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._depth -= 1


class CollapsibleSection(QWidget):
    """A toggle button (``<name>Toggle``) over a body widget that shows when expanded."""

    expanded_changed = Signal(bool)

    def __init__(
        self, title: str, name: str, *, expanded: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName(f"{name}Toggle")
        self.toggle.setAccessibleName(self.tr("Show or hide {title}").format(title=title))
        self.toggle.setText(title)
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.body = QWidget(self)
        self.body.setObjectName(f"{name}Body")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self._on_toggled)
        self.set_expanded(expanded)

    def is_expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        if self.toggle.isChecked() != expanded:
            self.toggle.setChecked(expanded)  # emits toggled → _on_toggled
        else:
            self._show(expanded)

    def _show(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    def _on_toggled(self, expanded: bool) -> None:
        self._show(expanded)
        self.expanded_changed.emit(expanded)
