"""The canvas window's controls: the tool row above the canvas and the side panel beside it.

Widgets only, with their objectNames and accessible names; :class:`CanvasWindow` connects them.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QColorDialog,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leodesk.qt.canvas_doc import MAX_BRUSH, MIN_BRUSH, Tool
from leodesk.ui.canvas_live import LiveSettings
from leodesk.ui.canvas_view import OUTPAINT
from leodesk.ui.widgets import named

__all__ = [
    "ASPECTS",
    "PALETTE",
    "SidePanel",
    "ToolRow",
    "percent_slider",
    "push_button",
    "tool_button",
]

_PROBLEM_STYLE = "color: #e57373;"

PALETTE = (  # (name, colour): the name is translated where it is shown
    (str(QT_TRANSLATE_NOOP("ToolRow", "Black")), "#1b1b1b"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "White")), "#f5f5f5"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "Red")), "#d83a3a"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "Orange")), "#ef8a24"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "Yellow")), "#f2d230"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "Green")), "#3c9a46"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "Blue")), "#2f6fd6"),
    (str(QT_TRANSLATE_NOOP("ToolRow", "Brown")), "#7a4f2a"),
)
ASPECTS = ((1, 1), (4, 3), (3, 2), (16, 9), (9, 16), (2, 3))
SHEETS = ((512, 512), (768, 768), (1024, 1024), (1024, 768), (768, 1024), (1472, 832), (832, 1472))
_T = "ToolRow"  # the translation context of TOOLS
TOOLS = (  # (tool, text, objectName, tip): text and tip are translated where they are shown
    (
        Tool.MASK_BRUSH,
        str(QT_TRANSLATE_NOOP("ToolRow", "Mask")),
        "maskBrushTool",
        str(QT_TRANSLATE_NOOP("ToolRow", "Paint the area to regenerate (B)")),
    ),
    (
        Tool.MASK_ERASER,
        str(QT_TRANSLATE_NOOP("ToolRow", "Erase mask")),
        "maskEraserTool",
        str(QT_TRANSLATE_NOOP("ToolRow", "Erase from the mask (E)")),
    ),
    (
        Tool.COLOUR_BRUSH,
        str(QT_TRANSLATE_NOOP("ToolRow", "Colour")),
        "colourBrushTool",
        str(QT_TRANSLATE_NOOP("ToolRow", "Paint a sketch in colour (C)")),
    ),
    (
        Tool.COLOUR_ERASER,
        str(QT_TRANSLATE_NOOP("ToolRow", "Erase colour")),
        "colourEraserTool",
        str(QT_TRANSLATE_NOOP("ToolRow", "Erase sketch strokes")),
    ),
    (
        OUTPAINT,
        str(QT_TRANSLATE_NOOP("ToolRow", "Outpaint")),
        "outpaintTool",
        str(QT_TRANSLATE_NOOP("ToolRow", "Drag the canvas's edges to grow it (O)")),
    ),
)


def push_button(text: str, name: str, tip: str) -> QPushButton:
    return named(QPushButton(text), name, text, tip)


def tool_button(text: str, name: str, tip: str) -> QToolButton:
    b = named(QToolButton(), name, text, tip)
    b.setText(text)
    return b


def percent_slider(name: str, accessible: str, tip: str) -> QSlider:
    """A horizontal slider from 0 to 100."""
    slider = named(QSlider(Qt.Orientation.Horizontal), name, accessible, tip)
    slider.setRange(0, 100)
    return slider


def _swatch_icon(colour: QColor) -> QIcon:
    pm = QPixmap(16, 16)
    pm.fill(colour)
    return QIcon(pm)


class ToolRow(QWidget):
    """Tools, the colour palette, undo / redo and zoom, in one row.

    Signals: ``tool_chosen(str)``, ``colour_chosen(QColor)``.
    """

    tool_chosen = Signal(str)
    colour_chosen = Signal(QColor)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.tools = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        for tool, raw_text, name, raw_tip in TOOLS:
            text = QCoreApplication.translate(_T, raw_text)
            b = tool_button(text, name, QCoreApplication.translate(_T, raw_tip))
            b.setAccessibleName(self.tr("{tool} tool").format(tool=text))
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, t=str(tool): self.tool_chosen.emit(t))
            self.tools.addButton(b)
            self.tool_buttons[str(tool)] = b
            row.addWidget(b)
        self.tool_buttons[Tool.MASK_BRUSH].setChecked(True)
        row.addSpacing(8)
        self._build_palette(row)
        row.addStretch(1)
        self.undo_button = tool_button(self.tr("Undo"), "undoButton", self.tr("Undo (Ctrl+Z)"))
        self.redo_button = tool_button(
            self.tr("Redo"), "redoButton", self.tr("Redo (Ctrl+Shift+Z)")
        )
        self.fit_button = tool_button(
            self.tr("Fit"), "zoomFitButton", self.tr("Fit to the window (F)")
        )
        self.actual_button = tool_button("100%", "zoom100Button", self.tr("Actual size (1)"))
        self.zoom_label = named(QLabel("100%"), "zoomLabel", self.tr("Zoom"))
        self.zoom_label.setMinimumWidth(44)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.undo_button, self.redo_button):
            row.addWidget(w)
        row.addSpacing(8)
        for w in (self.fit_button, self.actual_button):
            row.addWidget(w)
        row.addWidget(self.zoom_label)

    def _build_palette(self, row: QHBoxLayout) -> None:
        self.swatches: list[QToolButton] = []
        for n, (raw_name, hex_) in enumerate(PALETTE):
            name = QCoreApplication.translate(_T, raw_name)
            b = named(
                QToolButton(),
                f"colourSwatch{n}",
                self.tr("{name} colour").format(name=name),
                self.tr("Paint in {name}").format(name=name),
            )
            b.setIcon(_swatch_icon(QColor(hex_)))
            b.setAutoRaise(True)
            b.clicked.connect(lambda _c=False, c=hex_: self.colour_chosen.emit(QColor(c)))
            self.swatches.append(b)
            row.addWidget(b)
        self.custom_colour = named(
            QToolButton(),
            "customColourButton",
            self.tr("Custom colour"),
            self.tr("Choose any colour"),
        )
        self.custom_colour.setText("…")
        self.custom_colour.clicked.connect(self._custom)
        row.addWidget(self.custom_colour)
        self.current_colour = named(QLabel(), "currentColour", self.tr("Current colour"))
        self.current_colour.setFixedSize(20, 20)
        row.addWidget(self.current_colour)

    def _custom(self) -> None:
        colour = QColorDialog.getColor(parent=self, title=self.tr("Sketch colour"))
        if colour.isValid():
            self.colour_chosen.emit(colour)

    def show_colour(self, colour: QColor) -> None:
        self.current_colour.setStyleSheet(
            f"background: {colour.name()}; border: 1px solid palette(mid); border-radius: 3px;"
        )

    def show_tool(self, tool: str) -> None:
        self.tool_buttons[tool].setChecked(True)


class SidePanel(QWidget):
    """Brush, mask, outpaint, prompt, the action buttons, live mode: one column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 4, 0)
        col.addWidget(self._build_brush())
        col.addWidget(self._build_outpaint())
        col.addWidget(self._build_request())
        col.addWidget(self._build_live())
        col.addStretch(1)

    def _build_brush(self) -> QGroupBox:
        box = QGroupBox(self.tr("Brush and mask"))
        grid = QGridLayout(box)
        self.size_spin = named(
            QSpinBox(),
            "brushSizeSpin",
            self.tr("Brush size"),
            self.tr("Brush size in pixels ([ ])"),
        )
        self.size_spin.setRange(MIN_BRUSH, MAX_BRUSH)
        self.size_spin.setSuffix(self.tr(" px"))
        self.hardness_slider = percent_slider(
            "brushHardnessSlider",
            self.tr("Brush hardness"),
            self.tr("Soft edge (left) to hard edge (right)"),
        )
        grid.addWidget(QLabel(self.tr("Size")), 0, 0)
        grid.addWidget(self.size_spin, 0, 1)
        grid.addWidget(QLabel(self.tr("Hardness")), 1, 0)
        grid.addWidget(self.hardness_slider, 1, 1)
        self.fill_button = push_button(
            self.tr("Fill mask"), "fillMaskButton", self.tr("Mask the whole picture")
        )
        self.clear_button = push_button(
            self.tr("Clear"), "clearMaskButton", self.tr("Clear the mask")
        )
        self.invert_button = push_button(
            self.tr("Invert"), "invertMaskButton", self.tr("Invert the mask")
        )
        row = QHBoxLayout()
        for b in (self.fill_button, self.clear_button, self.invert_button):
            row.addWidget(b)
        grid.addLayout(row, 2, 0, 1, 2)
        return box

    def _build_outpaint(self) -> QGroupBox:
        box = QGroupBox(self.tr("Canvas"))
        grid = QGridLayout(box)
        self.grow25_button = push_button(
            self.tr("+25% each side"),
            "grow25Button",
            self.tr("Grow the canvas by a quarter on every side"),
        )
        self.aspect_combo = named(
            QComboBox(), "aspectCombo", self.tr("Aspect ratio"), self.tr("Ratio to grow to")
        )
        for aw, ah in ASPECTS:
            self.aspect_combo.addItem(f"{aw}:{ah}", f"{aw}:{ah}")
        self.aspect_button = push_button(
            self.tr("Grow to ratio"),
            "growAspectButton",
            self.tr("Widen or heighten the canvas to this ratio"),
        )
        self.sheet_combo = named(
            QComboBox(),
            "newSheetCombo",
            self.tr("New sheet size"),
            self.tr("Size of a new blank sheet"),
        )
        for w, h in SHEETS:
            self.sheet_combo.addItem(f"{w} × {h}", f"{w}x{h}")
        self.sheet_combo.setCurrentIndex(2)
        self.sheet_button = push_button(
            self.tr("New sheet"),
            "newSheetButton",
            self.tr("Start on a blank white sheet (Ctrl+Z brings this back)"),
        )
        grid.addWidget(self.grow25_button, 0, 0, 1, 2)
        grid.addWidget(self.aspect_combo, 1, 0)
        grid.addWidget(self.aspect_button, 1, 1)
        grid.addWidget(self.sheet_combo, 2, 0)
        grid.addWidget(self.sheet_button, 2, 1)
        return box

    def _build_request(self) -> QGroupBox:
        box = QGroupBox(self.tr("Generate"))
        col = QVBoxLayout(box)
        self.prompt_edit = named(
            QLineEdit(),
            "canvasPromptEdit",
            self.tr("Canvas prompt"),
            self.tr("What to paint in the masked area"),
        )
        self.prompt_edit.setPlaceholderText(self.tr("Prompt…"))
        self.strength_slider = percent_slider(
            "canvasStrengthSlider", self.tr("Strength"), self.tr("How much the picture may change")
        )
        self.strength_slider.setValue(50)
        self.strength_label = named(
            QLabel("0.50"), "canvasStrengthValue", self.tr("Strength value")
        )
        self.strength_slider.valueChanged.connect(
            lambda v: self.strength_label.setText(f"{v / 100:.2f}")
        )
        strength = QHBoxLayout()
        strength.addWidget(QLabel(self.tr("Strength")))
        strength.addWidget(self.strength_slider, 1)
        strength.addWidget(self.strength_label)
        self.inpaint_button = push_button(
            self.tr("Inpaint"), "inpaintButton", self.tr("Regenerate the masked area")
        )
        self.outpaint_button = push_button(
            self.tr("Outpaint"), "outpaintButton", self.tr("Fill the grown area")
        )
        self.sketch_button = push_button(
            self.tr("Sketch → image"), "sketchButton", self.tr("Make a picture from the sketch")
        )
        actions = QGridLayout()
        actions.addWidget(self.inpaint_button, 0, 0)
        actions.addWidget(self.outpaint_button, 0, 1)
        actions.addWidget(self.sketch_button, 1, 0, 1, 2)
        self.message = named(QLabel(""), "canvasMessage", self.tr("Canvas message"))
        self.message.setWordWrap(True)
        self.message.setStyleSheet(_PROBLEM_STYLE)
        self.message.hide()
        self.cost_label = named(QLabel(""), "canvasCostLabel", self.tr("Cost"))
        self.cost_label.setWordWrap(True)
        self.cost_label.hide()
        col.addWidget(self.prompt_edit)
        col.addLayout(strength)
        col.addLayout(actions)
        col.addWidget(self.message)
        col.addWidget(self.cost_label)
        return box

    def _build_live(self) -> QGroupBox:
        box = QGroupBox(self.tr("Live"))
        grid = QGridLayout(box)
        self.live_toggle = push_button(
            self.tr("Live"), "liveToggle", self.tr("Regenerate as you paint")
        )
        self.live_toggle.setCheckable(True)
        self.live_toggle.setStyleSheet(
            "QPushButton:checked { background: #2e7d32; color: white; font-weight: bold; }"
        )
        self.new_seed_button = push_button(
            self.tr("New seed"), "liveNewSeedButton", self.tr("Try another seed")
        )
        self.refine_button = push_button(
            self.tr("Refine"), "liveRefineButton", self.tr("Refine the live result")
        )
        self.upscale_button = push_button(
            self.tr("Upscale"), "liveUpscaleButton", self.tr("Upscale the result")
        )
        self.keep_button = push_button(
            self.tr("Keep"), "liveKeepButton", self.tr("Keep the result in the library")
        )
        self.live_status = named(
            QLabel(self.tr("Live is off")), "liveStatusLabel", self.tr("Live status")
        )
        self.live_status.setWordWrap(True)
        grid.addWidget(self.live_toggle, 0, 0)
        grid.addWidget(self.new_seed_button, 0, 1)
        grid.addWidget(self.refine_button, 1, 0)
        grid.addWidget(self.upscale_button, 1, 1)
        grid.addWidget(self.keep_button, 2, 0, 1, 2)
        self.live_settings = LiveSettings()
        grid.addWidget(self.live_settings, 3, 0, 1, 2)
        grid.addWidget(self.live_status, 4, 0, 1, 2)
        return box

    def show_message(self, text: str, *, problem: bool = True) -> None:
        """``text`` under the actions: a problem in red, news (queued, opening) in plain text."""
        self.message.setStyleSheet(_PROBLEM_STYLE if problem else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))
