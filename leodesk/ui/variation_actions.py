"""VariationActions: Upscale, Unzoom, Remove background, Universal upscaler…, Make motion….

The actions work on the image selected in the gallery (or, through :meth:`request`, on any
record: the viewer uses that). Each one says what it costs before anything is sent; the jobs
run in :class:`leodesk.qt.variations.VariationService` and show in the job strip.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from leodesk.core.library.records import ImageKind, ImageRecord
from leodesk.core.variations import (
    DEFAULT_CREATIVITY,
    DEFAULT_DETAIL_CONTRAST,
    DEFAULT_MOTION_STRENGTH,
    DEFAULT_MULTIPLIER,
    DEFAULT_SIMILARITY,
    ULTRA_STYLES,
    UPSCALER_STYLES,
    Kind,
    UniversalOptions,
    cost_text,
)
from leodesk.ui.widgets import named

if TYPE_CHECKING:
    from leodesk.qt.context import AppContext
    from leodesk.ui.main_window import MainWindow

# action object name, text (shown through action_text), kind, shortcut
ACTIONS: tuple[tuple[str, str, Kind, str | None], ...] = (
    (
        "upscaleAction",
        str(QT_TRANSLATE_NOOP("VariationActions", "Upscale")),
        Kind.UPSCALE,
        "Ctrl+U",
    ),
    (
        "unzoomAction",
        str(QT_TRANSLATE_NOOP("VariationActions", "Unzoom")),
        Kind.UNZOOM,
        "Ctrl+Shift+U",
    ),
    (
        "removeBackgroundAction",
        str(QT_TRANSLATE_NOOP("VariationActions", "Remove background")),
        Kind.NOBG,
        "Ctrl+B",
    ),
    (
        "universalUpscaleAction",
        str(QT_TRANSLATE_NOOP("VariationActions", "Universal upscaler…")),
        Kind.UNIVERSAL,
        "Ctrl+Alt+U",
    ),
    (
        "motionAction",
        str(QT_TRANSLATE_NOOP("VariationActions", "Make motion…")),
        Kind.MOTION,
        "Ctrl+M",
    ),
)


def action_text(text: str) -> str:
    """A text of :data:`ACTIONS` in the user's language."""
    return QCoreApplication.translate("VariationActions", text)


class UniversalDialog(QDialog):
    """Style, creativity (1–10), multiplier (1.0–2.0) and an optional prompt; or the ultra mode
    (Artistic or Realistic, with similarity and detail contrast, 1–10)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "universalUpscaleDialog", self.tr("Universal upscaler"))
        self.setWindowTitle(self.tr("Universal upscaler"))
        self.style_box = named(QComboBox(), "upscalerStyleCombo", self.tr("Style"))
        self.style_box.addItems(list(UPSCALER_STYLES))
        self.ultra = named(
            QCheckBox(self.tr("Ultra mode")), "ultraModeCheck", self.tr("Ultra mode")
        )
        self.ultra.setToolTip(
            self.tr("Ultra upscaling: more detail, a higher price (shown before it starts)")
        )
        self.ultra_style = named(QComboBox(), "ultraStyleCombo", self.tr("Ultra style"))
        for style in ULTRA_STYLES:
            self.ultra_style.addItem(style.title(), style)
        self.similarity = self._scale("similaritySpin", self.tr("Similarity"), DEFAULT_SIMILARITY)
        self.detail = self._scale(
            "detailContrastSpin", self.tr("Detail contrast"), DEFAULT_DETAIL_CONTRAST
        )
        self.creativity = self._scale("creativitySpin", self.tr("Creativity"), DEFAULT_CREATIVITY)
        self.multiplier = named(QDoubleSpinBox(), "multiplierSpin", self.tr("Multiplier"))
        self.multiplier.setRange(1.0, 2.0)
        self.multiplier.setSingleStep(0.1)
        self.multiplier.setDecimals(2)
        self.multiplier.setValue(DEFAULT_MULTIPLIER)
        self.prompt = named(QLineEdit(), "upscalerPrompt", self.tr("Prompt (optional)"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Style"), self.style_box)
        form.addRow("", self.ultra)
        form.addRow(self.tr("Ultra style"), self.ultra_style)
        form.addRow(self.tr("Similarity (1–10)"), self.similarity)
        form.addRow(self.tr("Detail contrast (1–10)"), self.detail)
        form.addRow(self.tr("Creativity (1–10)"), self.creativity)
        form.addRow(self.tr("Multiplier (1.0–2.0)"), self.multiplier)
        form.addRow(self.tr("Prompt"), self.prompt)
        form.addRow(buttons)
        self.ultra.toggled.connect(self._show_mode)
        self._show_mode(False)

    @staticmethod
    def _scale(name: str, label: str, value: int) -> QSpinBox:
        spin = named(QSpinBox(), name, label)
        spin.setRange(1, 10)
        spin.setValue(value)
        return spin

    def _show_mode(self, ultra: bool) -> None:
        """The style is the plain mode's; ultra style, similarity and detail contrast ultra's."""
        self.style_box.setEnabled(not ultra)
        for widget in (self.ultra_style, self.similarity, self.detail):
            widget.setEnabled(ultra)
            widget.setToolTip("" if ultra else self.tr("Tick Ultra mode to use this"))

    def options(self) -> UniversalOptions:
        ultra = self.ultra.isChecked()
        return UniversalOptions(
            style=self.style_box.currentText(),
            creativity=self.creativity.value(),
            multiplier=round(self.multiplier.value(), 2),
            prompt=self.prompt.text().strip() or None,
            ultra_style=str(self.ultra_style.currentData()) if ultra else None,
            similarity=self.similarity.value(),
            detail_contrast=self.detail.value(),
        )


class MotionDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "motionDialog", self.tr("Make motion"))
        self.setWindowTitle(self.tr("Make motion"))
        self.strength = named(QSpinBox(), "motionStrengthSpin", self.tr("Motion strength"))
        self.strength.setRange(1, 10)
        self.strength.setValue(DEFAULT_MOTION_STRENGTH)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("A short video (SVD) made from this image.")))
        form.addRow(self.tr("Motion strength (1–10)"), self.strength)
        form.addRow(buttons)


class VariationActions(QObject):
    def __init__(
        self,
        window: MainWindow,
        ctx: AppContext,
        records: Callable[[], list[ImageRecord]],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.ctx = ctx
        self._records = records
        # replaceable in tests: no modal dialogs
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.ask_universal: Callable[[], UniversalOptions | None] = self._ask_universal
        self.ask_motion_strength: Callable[[], int | None] = self._ask_motion
        self.actions: dict[str, QAction] = {}
        self._keys = itertools.count()
        self._pending: dict[int, tuple[Kind, ImageRecord, UniversalOptions | None, int]] = {}
        ctx.variations.cost_ready.connect(self._cost_ready)
        ctx.variations.failed.connect(lambda m: window.statusBar().showMessage(m, 10000))

    def build(self, add: Callable[..., QAction]) -> None:
        """Create the gallery actions with LibraryActions' ``add`` helper."""
        for name, text, kind, shortcut in ACTIONS:
            self.actions[name] = add(
                name, action_text(text), lambda _c=False, k=kind: self.request(k), shortcut
            )
        self.actions["playMotionAction"] = add(
            "playMotionAction", self.tr("Play motion"), self.play
        )

    def update_enabled(self, records: list[ImageRecord] | None) -> None:
        """Enable what fits ``records`` (a menu is about to show); None enables everything."""
        if records is None:
            for action in self.actions.values():
                action.setEnabled(True)
            return
        one = len(records) == 1
        rec = records[0] if one else None
        kind = None if rec is None else rec.kind
        for name, _text, k, _s in ACTIONS:
            ok = one and kind in ("image", "variation") and rec is not None and not rec.local
            if k is Kind.UPSCALE:
                ok = ok and kind == "image"
            self.actions[name].setEnabled(ok)
        self.actions["playMotionAction"].setEnabled(one and kind == "motion")

    # -- the flow: options → cost → confirm → start --------------------------------------------
    def request(self, kind: Kind, record: ImageRecord | None = None) -> None:
        if record is None:
            records = self._records()
            if len(records) != 1:
                self._status(self.tr("Select one image first."))
                return
            record = records[0]
        if record.local:
            self._status(
                self.tr(
                    "This picture was made live and is kept on this computer only: variations "
                    "need a picture the server made (open it in the canvas instead)."
                )
            )
            return
        if record.kind == ImageKind.MOTION:
            self._status(self.tr("Variations are made from images; this is a motion."))
            return
        if kind is Kind.UPSCALE and record.kind == ImageKind.VARIATION:
            self._status(
                self.tr(
                    "Upscale works on generated images; use the universal upscaler on a variation."
                )
            )
            return
        options: UniversalOptions | None = None
        strength = DEFAULT_MOTION_STRENGTH
        if kind is Kind.UNIVERSAL:
            options = self.ask_universal()
            if options is None:
                return
        elif kind is Kind.MOTION:
            asked = self.ask_motion_strength()
            if asked is None:
                return
            strength = asked
        if kind in (Kind.UPSCALE, Kind.UNZOOM, Kind.NOBG):
            self._confirm_and_start(
                kind, record, options, strength, self.ctx.variations.cost_now(kind)
            )
            return
        key = next(self._keys)
        self._pending[key] = (kind, record, options, strength)
        self._status(self.tr("{what}: asking what it costs…").format(what=kind.label))
        self.ctx.variations.query_cost(key, kind, record, options)

    def _cost_ready(self, key: Any, cost: Any) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            kind, record, options, strength = pending
            self._confirm_and_start(kind, record, options, strength, cost)

    def _confirm_and_start(
        self,
        kind: Kind,
        record: ImageRecord,
        options: UniversalOptions | None,
        strength: int,
        cost: Any,
    ) -> None:
        text = cost_text(kind, cost if isinstance(cost, int) else None)
        if not self.confirm(kind.label, self.tr("{cost}\n\nStart it now?").format(cost=text)):
            self._status("")
            return
        self.ctx.variations.start(kind, record, options=options, motion_strength=strength)
        self._status(self.tr("{what} started; it shows in the job strip.").format(what=kind.label))

    # -- motion -------------------------------------------------------------------------------
    def play(self, record: ImageRecord | bool | None = None) -> bool:
        """Play a motion (or any video item) through ``window.open_video``."""
        if record is None or isinstance(record, bool):
            records = self._records()
            record = records[0] if len(records) == 1 else None
        if record is None or isinstance(record, bool) or record.kind != ImageKind.MOTION:
            return False
        return bool(self.window.open_video(record))

    # -- dialogs --------------------------------------------------------------------------------
    def _status(self, text: str) -> None:
        if text:
            self.window.statusBar().showMessage(text, 8000)
        else:
            self.window.statusBar().clearMessage()

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.window, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_universal(self) -> UniversalOptions | None:
        dialog = UniversalDialog(self.window)
        try:
            ok = dialog.exec() == QDialog.DialogCode.Accepted
            return dialog.options() if ok else None
        finally:
            dialog.deleteLater()

    def _ask_motion(self) -> int | None:
        dialog = MotionDialog(self.window)
        try:
            ok = dialog.exec() == QDialog.DialogCode.Accepted
            return dialog.strength.value() if ok else None
        finally:
            dialog.deleteLater()


__all__ = ["ACTIONS", "MotionDialog", "UniversalDialog", "VariationActions", "action_text"]
