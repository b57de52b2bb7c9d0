"""The Train dialog: a custom model or a custom element from a dataset, with the spec's
options. The price (pricing calculator, ``MODEL_TRAINING``) is shown first and the dataset's
size is checked against the API's limits before anything can be sent; "Train" queues it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from leodesk.core import training as tr
from leodesk.core.training import TrainingSpec
from leodesk.ui.widgets import named

MODEL_TYPES = (
    "GENERAL",
    "CHARACTERS",
    "ILLUSTRATIONS",
    "PHOTOGRAPHY",
    "PRODUCT_DESIGN",
    "PIXEL_ART",
    "ENVIRONMENTS",
    "BUILDINGS",
    "FASHION",
    "GAME_ITEMS",
    "GRAPHICAL_ELEMENTS",
    "TEXTURES",
    "UI_ELEMENTS",
    "VECTOR",
)


class TrainDialog(QDialog):
    """Signals: price_wanted(TrainingSpec) (answer with :meth:`set_cost`), train(TrainingSpec)."""

    price_wanted = Signal(object)
    train = Signal(object)

    def __init__(
        self, dataset_id: str, dataset_name: str, images: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainDialog")
        self.setWindowTitle(self.tr("Train — leodesk"))
        self.setMinimumWidth(480)
        self.dataset_id = dataset_id
        self.images = images
        self._asked: str | None = None
        self._cost_for: str | None = None
        self.price: int | None = None  # the pricing calculator's answer for the shown spec
        # Asked with the price before the job is sent; False keeps the dialog open (the main
        # window's low-balance warning).
        self.before_send: Callable[[int | None], bool] = lambda _price: True
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._ask_price)
        self._build(dataset_name)
        self._changed()

    def _build(self, dataset_name: str) -> None:
        self.kind = named(QComboBox(), "trainKind", self.tr("Train a model or an element"))
        self.kind.addItem(self.tr("Element (LoRA)"), "element")
        self.kind.addItem(self.tr("Custom model"), "model")
        self.name = named(QLineEdit(), "trainName", self.tr("Name"))
        self.description = named(QLineEdit(), "trainDescription", self.tr("Description"))
        self.instance = named(
            QLineEdit(),
            "trainInstancePrompt",
            self.tr("Instance prompt"),
            self.tr("A rare word for what you train, e.g. 'mochicat' (not 'cat')"),
        )
        form = QFormLayout()
        form.addRow(
            self.tr("Dataset"),
            QLabel(self.tr("<b>{name}</b> ({n} images)").format(name=dataset_name, n=self.images)),
        )
        form.addRow(self.tr("Train"), self.kind)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Description"), self.description)
        form.addRow(self.tr("Instance prompt"), self.instance)
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self._element_box())
        outer.addWidget(self._model_box())
        self.check = named(QLabel(""), "trainCheck", self.tr("What to fix before training"))
        self.check.setWordWrap(True)
        self.check.setStyleSheet("color: #c0392b;")
        self.cost = named(QLabel(self.tr("Cost: asking…")), "trainCost", self.tr("Training cost"))
        outer.addWidget(self.check)
        outer.addWidget(self.cost)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send = named(
            self.buttons.addButton(self.tr("Train"), QDialogButtonBox.ButtonRole.AcceptRole),
            "trainSendButton",
            self.tr("Queue the training"),
        )
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        named(cancel, "trainCancelButton", self.tr("Cancel"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        for w in (self.name, self.instance, self.description):
            w.textChanged.connect(self._changed)
        self.kind.currentIndexChanged.connect(self._changed)

    def _element_box(self) -> QGroupBox:
        self.element_box = QGroupBox(self.tr("Element options"))
        form = QFormLayout(self.element_box)
        self.base = named(QComboBox(), "trainBase", self.tr("Base model"))
        self.base.addItems(list(tr.ELEMENT_BASES))
        self.focus = named(QComboBox(), "trainFocus", self.tr("Focus"))
        self.focus.addItems(list(tr.LORA_FOCUS))
        self.focus.setCurrentText("Style")
        self.epochs = named(QSpinBox(), "trainEpochs", self.tr("Training epochs"))
        self.epochs.setRange(1, 250)
        self.rate = named(QDoubleSpinBox(), "trainLearningRate", self.tr("Learning rate"))
        self.rate.setDecimals(8)
        self.rate.setRange(0.00000001, 0.001)
        self.rate.setSingleStep(0.000001)
        self.text_encoder = named(
            QCheckBox(self.tr("Train the text encoder")),
            "trainTextEncoder",
            self.tr("Train the text encoder"),
        )
        self.text_encoder.setChecked(True)
        form.addRow(self.tr("Base model"), self.base)
        form.addRow(self.tr("Focus"), self.focus)
        form.addRow(self.tr("Epochs"), self.epochs)
        form.addRow(self.tr("Learning rate"), self.rate)
        form.addRow("", self.text_encoder)
        self._set_defaults()
        self.base.currentIndexChanged.connect(self._defaults)
        self.focus.currentIndexChanged.connect(self._defaults)
        return self.element_box

    def _model_box(self) -> QGroupBox:
        self.model_box = QGroupBox(self.tr("Model options"))
        form = QFormLayout(self.model_box)
        self.resolution = named(QComboBox(), "trainResolution", self.tr("Resolution"))
        self.resolution.addItem("512 × 512", 512)
        self.resolution.addItem("768 × 768", 768)
        self.sd_version = named(QComboBox(), "trainSdVersion", self.tr("Base version"))
        self.sd_version.addItem(self.tr("Stable Diffusion 1.5"), "v1_5")
        self.sd_version.addItem(self.tr("Stable Diffusion 2.1"), "v2")
        self.model_type = named(QComboBox(), "trainModelType", self.tr("Model type"))
        self.model_type.addItems(list(MODEL_TYPES))
        self.strength = named(
            QComboBox(), "trainStrength", self.tr("Training strength (pixel art)")
        )
        self.strength.addItems(["VERY_LOW", "LOW", "MEDIUM", "HIGH"])
        self.strength.setCurrentText("MEDIUM")
        form.addRow(self.tr("Resolution"), self.resolution)
        form.addRow(self.tr("Base version"), self.sd_version)
        form.addRow(self.tr("Type"), self.model_type)
        form.addRow(self.tr("Strength"), self.strength)
        for combo in (self.resolution, self.sd_version, self.model_type):
            combo.currentIndexChanged.connect(self._changed)
        return self.model_box

    # -- state --------------------------------------------------------------------------------
    def _set_defaults(self) -> None:
        epochs, rate = tr.element_defaults(self.base.currentText(), self.focus.currentText())
        self.epochs.setValue(epochs)
        self.rate.setValue(rate)

    def _defaults(self) -> None:
        self._set_defaults()
        self._changed()

    def spec(self) -> TrainingSpec:
        name, prompt = self.name.text().strip(), self.instance.text().strip()
        description = self.description.text().strip()
        if self.kind.currentData() == "model":
            return tr.model_spec(
                self.dataset_id,
                name,
                prompt,
                description=description,
                resolution=int(self.resolution.currentData()),
                sd_version=str(self.sd_version.currentData()),
                model_type=self.model_type.currentText(),
                strength=self.strength.currentText(),
            )
        return tr.element_spec(
            self.dataset_id,
            name,
            self.focus.currentText(),
            instance_prompt=prompt,
            description=description,
            base=self.base.currentText(),
            epochs=self.epochs.value(),
            learning_rate=self.rate.value(),
            train_text_encoder=self.text_encoder.isChecked(),
        )

    def _price_key(self, spec: TrainingSpec) -> str:
        v = spec.values
        return f"{spec.kind}:{v.get('resolution')}:{v.get('sd_version')}"

    def _changed(self) -> None:
        model = self.kind.currentData() == "model"
        if self.model_box.isHidden() == model:  # the kind changed: the dialog fits again
            self.model_box.setVisible(model)
            self.element_box.setVisible(not model)
            self.adjustSize()
        pixel_art = self.model_type.currentText() == "PIXEL_ART"
        self.strength.setEnabled(pixel_art)
        self.strength.setToolTip("" if pixel_art else self.tr("Only for the PIXEL_ART type"))
        spec = self.spec()
        problem = tr.check_spec(spec, self.images)
        self.check.setText(problem or "")
        self.check.setVisible(bool(problem))
        if self._price_key(spec) != self._cost_for:
            self.cost.setText(self.tr("Cost: asking…"))
            self._cost_for = None
            self.price = None
            self._debounce.start()
        self._update_send()

    def _ask_price(self) -> None:
        spec = self.spec()
        self._asked = self._price_key(spec)
        self.price_wanted.emit(spec)

    def set_cost(self, spec: TrainingSpec, cost: int | None) -> None:
        """The price of ``spec`` (None: not known)."""
        key = self._price_key(spec)
        if key != self._price_key(self.spec()):
            return
        if cost is None:
            self.cost.setText(
                self.tr("Cost: not known (the price could not be asked); you can still train")
            )
        else:
            self.cost.setText(self.tr("Cost: <b>{cost} credits</b>").format(cost=f"{cost:,}"))
        self._cost_for = key
        self.price = cost
        self._update_send()

    def _update_send(self) -> None:
        ok = tr.check_spec(self.spec(), self.images) is None and self._cost_for is not None
        self.send.setEnabled(ok)

    def _accept(self) -> None:
        if not self.send.isEnabled() or not self.before_send(self.price):
            return
        self.train.emit(self.spec())
        self.accept()
