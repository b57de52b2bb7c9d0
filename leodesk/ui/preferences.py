"""The Preferences dialog: every saved setting in one place, and the keyboard shortcuts.

Three pages: General (theme, thumbnails, the defaults of a new form, folders, cost limit),
Notifications, Shortcuts (:mod:`leodesk.ui.prefs_shortcuts`). Nothing changes until OK: then
:meth:`PreferencesDialog.values` gives the new settings and the window applies them at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from leodesk.ui.prefs_shortcuts import ShortcutsPage
from leodesk.ui.shortcuts import Shortcuts
from leodesk.ui.widgets import named

# The notification kinds: settings field → (objectName, label marked for translation)
_NOTIFY = {
    "notify_batch_finished": (
        "notifyBatchCheck",
        QT_TRANSLATE_NOOP("PreferencesDialog", "A batch of images is ready"),
    ),
    "notify_job_failed": (
        "notifyFailedCheck",
        QT_TRANSLATE_NOOP("PreferencesDialog", "A job failed"),
    ),
    "notify_moderation": (
        "notifyModerationCheck",
        QT_TRANSLATE_NOOP("PreferencesDialog", "A prompt was rejected by moderation"),
    ),
    "notify_low_balance": (
        "notifyLowBalanceCheck",
        QT_TRANSLATE_NOOP("PreferencesDialog", "The credit balance is low"),
    ),
    "notify_sound": (
        "notifySoundCheck",
        QT_TRANSLATE_NOOP("PreferencesDialog", "Play a sound"),
    ),
}


def _spin(name: str, label: str, low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    spin = named(QSpinBox(), name, label)
    spin.setRange(low, high)
    spin.setValue(max(low, min(high, value)))
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    return spin


class PreferencesDialog(QDialog):
    """Edits ``values`` (Settings fields → values) and ``shortcuts``; ``models`` are the
    (id, name) pairs the default-model list offers."""

    def __init__(
        self,
        values: Mapping[str, Any],
        shortcuts: Shortcuts,
        models: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "preferencesDialog", self.tr("Preferences"))
        self.setWindowTitle(self.tr("Preferences"))
        self.start = dict(values)
        self.tabs = named(QTabWidget(), "preferencesTabs", self.tr("Preferences pages"))
        self.tabs.addTab(self._general(values, models), self.tr("General"))
        self.tabs.addTab(self._notifications(values), self.tr("Notifications"))
        self.shortcuts_page = ShortcutsPage(shortcuts)
        self.tabs.addTab(self.shortcuts_page, self.tr("Shortcuts"))
        buttons = named(
            QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            ),
            "preferencesButtons",
            self.tr("OK or Cancel"),
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        named(self.tabs.tabBar(), "preferencesTabBar", self.tr("Preferences pages"))
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        named(ok, "preferencesOkButton", self.tr("Apply the preferences and close"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        named(cancel, "preferencesCancelButton", self.tr("Close without changing anything"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(680, 540)

    # -- pages --------------------------------------------------------------------------------
    def _general(self, values: Mapping[str, Any], models: Sequence[tuple[str, str]]) -> QWidget:
        page = QWidget()
        page.setObjectName("generalPage")
        form = QFormLayout(page)
        self.theme_combo = named(QComboBox(), "themeCombo", self.tr("Theme"))
        for key, text in (
            ("system", self.tr("Follow the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme_combo.addItem(text, key)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(values["theme"])))
        form.addRow(self.tr("Theme:"), self.theme_combo)
        self.thumb_spin = _spin(
            "thumbSizeSpin",
            self.tr("Thumbnail size"),
            96,
            320,
            values["gallery_thumb_size"],
            " px",
        )
        form.addRow(self.tr("Thumbnail size:"), self.thumb_spin)
        self.model_combo = named(QComboBox(), "defaultModelCombo", self.tr("Default model"))
        self.model_combo.addItem(self.tr("The one used last"), None)
        self.model_combo.setToolTip(self.tr("The model the form opens with at start"))
        for model_id, name in models:
            self.model_combo.addItem(name, model_id)
        found = self.model_combo.findData(values["default_model_id"])
        self.model_combo.setCurrentIndex(max(0, found))
        form.addRow(self.tr("Default model:"), self.model_combo)
        self.width_spin = self._size_spin("defaultWidthSpin", self.tr("Default width"), values)
        self.height_spin = self._size_spin("defaultHeightSpin", self.tr("Default height"), values)
        size = QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(self.height_spin)
        form.addRow(self.tr("Default size:"), size)
        form.addRow(self.tr("Export folder:"), self._folder_row(values["export_folder"]))
        self.offline_check = named(
            QCheckBox(self.tr("Keep full images offline (a sync downloads every image)")),
            "keepOfflineCheck",
            self.tr("Keep full images offline"),
        )
        self.offline_check.setChecked(bool(values["keep_full_images_offline"]))
        form.addRow("", self.offline_check)
        self.cache_spin = _spin(
            "thumbCacheSpin",
            self.tr("Thumbnail cache cap"),
            16,
            65536,
            values["thumb_cache_mb"],
            " MB",
        )
        form.addRow(self.tr("Thumbnail cache:"), self.cache_spin)
        self.cost_spin = _spin(
            "costLimitSpin",
            self.tr("Ask before a job costs more than"),
            0,
            1_000_000,
            int(values["confirm_cost_above"] or 0),
            self.tr(" credits"),
        )
        self.cost_spin.setSpecialValueText(self.tr("Never ask"))
        form.addRow(self.tr("Ask before a job costs more than:"), self.cost_spin)
        return page

    def _size_spin(self, name: str, label: str, values: Mapping[str, Any]) -> QSpinBox:
        key = "default_width" if "Width" in name else "default_height"
        spin = _spin(name, label, 0, 8192, int(values[key] or 0), " px")
        spin.setSingleStep(64)
        spin.setSpecialValueText(self.tr("Model's own"))
        return spin

    def _folder_row(self, folder: str | None) -> QHBoxLayout:
        self.folder_edit = named(
            QLineEdit(folder or ""), "exportFolderEdit", self.tr("Export folder")
        )
        self.folder_edit.setPlaceholderText(self.tr("Ask each time"))
        browse = named(
            QPushButton(self.tr("Choose…")),
            "exportFolderButton",
            self.tr("Choose the export folder"),
        )
        browse.clicked.connect(self._choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        return row

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Export folder"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)

    def _notifications(self, values: Mapping[str, Any]) -> QWidget:
        page = QWidget()
        page.setObjectName("notificationsPage")
        form = QFormLayout(page)
        self.notify_checks: dict[str, QCheckBox] = {}
        for key, (name, text) in _NOTIFY.items():
            label = self.tr(str(text))
            check = named(QCheckBox(label), name, label)
            check.setChecked(bool(values[key]))
            self.notify_checks[key] = check
        kinds = [k for k in _NOTIFY if k != "notify_sound"]
        for i, key in enumerate(kinds):
            form.addRow(self.tr("Tell me when:") if i == 0 else "", self.notify_checks[key])
        self.low_balance_spin = _spin(
            "lowBalanceSpin",
            self.tr("Low balance below"),
            0,
            1_000_000_000,
            values["low_balance_below"],
            self.tr(" credits"),
        )
        form.addRow(self.tr("Low balance below:"), self.low_balance_spin)
        form.addRow(self.tr("Sound:"), self.notify_checks["notify_sound"])
        return page

    # -- the result ---------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The Settings fields as the dialog shows them now."""
        folder = self.folder_edit.text().strip()
        out: dict[str, Any] = {
            "theme": self.theme_combo.currentData(),
            "gallery_thumb_size": self.thumb_spin.value(),
            "default_model_id": self.model_combo.currentData(),
            "default_width": self.width_spin.value() or None,
            "default_height": self.height_spin.value() or None,
            "export_folder": folder or None,
            "keep_full_images_offline": self.offline_check.isChecked(),
            "thumb_cache_mb": self.cache_spin.value(),
            "confirm_cost_above": float(self.cost_spin.value()) or None,
            "low_balance_below": self.low_balance_spin.value(),
            "shortcuts": self.shortcuts_page.custom(),
        }
        out.update({key: check.isChecked() for key, check in self.notify_checks.items()})
        return out
