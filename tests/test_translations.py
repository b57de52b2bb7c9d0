"""packaging/translations.sh: the TS template of every tr()/translate() string in ui and qt."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "packaging" / "translations.sh"


def _messages(ts: Path) -> set[tuple[str, str]]:
    root = ET.parse(ts).getroot()
    assert root.tag == "TS"
    return {
        (str(ctx.findtext("name")), str(msg.findtext("source")))
        for ctx in root.iter("context")
        for msg in ctx.iter("message")
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    out = tmp_path_factory.mktemp("ts")
    run = subprocess.run(
        [str(SCRIPT), str(out)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    ts = out / "leodesk.ts"
    assert f"{ts}: " in run.stdout and "strings" in run.stdout
    return ts


def test_the_template_holds_the_marked_strings_by_context(template: Path) -> None:
    found = _messages(template)
    for known in (
        ("ShortcutSheet", "Keyboard shortcuts"),  # self.tr in a QDialog
        ("ShortcutSheet", "Gallery and panes"),  # QCoreApplication.translate in a function
        ("HelpLink", "&Copy diagnostics"),  # a menu text, mnemonic kept
        ("LowBalanceDialog", "Send anyway"),
        ("LowBalanceDialog", "{what} {cost}, and your balance is {left}."),
        ("TriageWindow", "✔ picked"),
        ("ToolRow", "Erase sketch strokes"),  # QT_TRANSLATE_NOOP in a module-level table
        ("QueueRunner", "video job"),  # QT_TRANSLATE_NOOP in a class attribute
        ("UploadService", "The image at {host} is larger than {limit}."),  # in a function
        ("PreferencesLink", "&Preferences…"),
    ):
        assert known in found, f"{known} not in the template"
    text = template.read_text(encoding="utf-8")
    numerus = {
        str(m.findtext("source"))
        for m in ET.parse(template).getroot().iter("message")
        if m.get("numerus") == "yes"
    }
    assert "Deleted %n generation(s) from your account" in numerus  # a plural, Qt's way
    assert 'type="unfinished"' in text  # a template: nothing translated yet
    assert "leodesk/core" not in text and "leodesk/sim" not in text  # widgets and QObjects only
    contexts = [str(c.findtext("name")) for c in ET.parse(template).getroot().iter("context")]
    assert "" not in contexts  # no text lupdate misread (an aliased translate files none)


def test_the_committed_template_is_the_codes(template: Path) -> None:
    committed = REPO / "resources" / "translations" / "leodesk.ts"
    assert committed.is_file(), "run ./packaging/translations.sh"
    assert _messages(committed) == _messages(template), (
        "resources/translations/leodesk.ts is out of date: run ./packaging/translations.sh"
    )


# -- every user-visible string goes through tr() ---------------------------------------------

#: files that other work was changing when the check came in; each leaves this list once its
#: strings are translated (the check then covers it like every other file). Empty: all are.
NOT_YET_CHECKED: frozenset[str] = frozenset()

#: (file, text) the scanner takes for user text that is not, each with the reason
ALLOWED: dict[tuple[str, str], str] = {
    # none today: object names, keys, style sheets, HTML markup, file patterns and log texts
    # are told apart by the scanner itself (tests/helpers/untranslated.py)
}


def _checked_files() -> list[Path]:
    files = sorted((REPO / "leodesk" / "ui").rglob("*.py")) + sorted(
        (REPO / "leodesk" / "qt").rglob("*.py")
    )
    return [f for f in files if f.relative_to(REPO).as_posix() not in NOT_YET_CHECKED]


def test_no_user_visible_string_in_ui_and_qt_escapes_translation() -> None:
    from tests.helpers.untranslated import scan

    files = _checked_files()
    assert len(files) > 90  # the whole of ui and qt but the few not checked yet
    hits = [hit for f in files for hit in scan(f, REPO)]
    raw = [str(h) for h in hits if (h.path, h.text) not in ALLOWED]
    assert not raw, "strings shown to the user without tr():\n" + "\n".join(raw)
    used = {(h.path, h.text) for h in hits}
    stale = [key for key in ALLOWED if key not in used]
    assert not stale, f"allowed strings that are no longer in the code: {stale}"
    for name in NOT_YET_CHECKED:
        assert (REPO / name).is_file(), f"{name} is gone: take it out of NOT_YET_CHECKED"


SAMPLE = '''
import logging
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

log = logging.getLogger(__name__)
TABLE = {"raw": "Shown to the user", "marked": QT_TRANSLATE_NOOP("Ctx", "Marked for later")}
STYLE = f"QLabel#x {{ color: {COLOUR}; }}"


def helper(n):
    return f"{n} images were sent"


class Panel(QObject):
    """A docstring That Is Not Shown."""

    def build(self, n, key):
        self.ok = QPushButton(self.tr("Send it"))
        self.ok.setObjectName("sendButton")
        self.ok.setToolTip("Raw tip")
        self.ok.setAccessibleName(f"{key}Button")
        self.cancel = QPushButton("Cancel")
        self.title = QLabel(QCoreApplication.translate("Panel", "Fine as it is"))
        self.play = self._button("playButton", "Play")
        log.warning("Log texts Stay as they are: %s", n)
        QMessageBox.warning(self, "Raw title", self.tr("Translated text"))
        if key == "Compared Not shown":
            return TABLE["Key Not shown"]
        self.html = QLabel(f"<b>{key}</b>")
        self.sentence = "Raw sentence with words"
        self.ok.setAccessibleName("Pause" if n else self.tr("Play"))
        self.ok.setText(key or "Fallback")
        self.grid = QLabel(f"<tr><th>A</th><th>B</th></tr>{key}")
        tr = QCoreApplication.translate
        self.ok.setText(tr("Panel", "Through an alias"))
        self.ok.setText(QCoreApplication.translate("Panel", "%n jobs", "", n))
        return self.tr("Images") + " (*.png *.jpg)"
'''


def test_the_scanner_finds_raw_strings_and_leaves_the_rest(tmp_path: Path) -> None:
    from tests.helpers.untranslated import scan

    sample = tmp_path / "sample.py"
    sample.write_text(SAMPLE, encoding="utf-8")
    found = {(h.line, h.text) for h in scan(sample)}
    assert found == {
        (7, "Shown to the user"),
        (12, "f'{n} images were sent'"),
        (21, "Raw tip"),
        (23, "Cancel"),
        (25, "Play"),
        (27, "Raw title"),
        (31, "Raw sentence with words"),
        (32, "Pause"),
        (33, "Fallback"),
        (36, "tr(...): call self.tr() or QCoreApplication.translate()"),
        (37, "translate(..., n): a plural needs self.tr(text, '', n)"),
    }


# -- the marked strings are the ones looked up at run time -----------------------------------

MARK = "⟦{}⟧"


@pytest.fixture(scope="module")
def pseudo_translation(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with every text "translated" to ⟦text⟧, compiled as Qt does (lrelease)."""
    lrelease = REPO / ".venv" / "bin" / "pyside6-lrelease"
    if not lrelease.exists():
        found = shutil.which("pyside6-lrelease")
        if found is None:
            pytest.skip("no pyside6-lrelease")
        lrelease = Path(found)
    tree = ET.parse(template)
    root = tree.getroot()
    root.set("language", "en")  # two plural forms
    for msg in root.iter("message"):
        marked = MARK.format(msg.findtext("source"))
        translation = msg.find("translation")
        assert translation is not None
        translation.attrib.pop("type", None)
        if msg.get("numerus") == "yes":
            for form in list(translation):
                translation.remove(form)
            for _ in range(2):
                ET.SubElement(translation, "numerusform").text = marked
        else:
            translation.text = marked
    out = tmp_path_factory.mktemp("pseudo")
    ts = out / "leodesk_xx.ts"
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    qm = out / "leodesk_xx.qm"
    run = subprocess.run(
        [str(lrelease), "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True
    )
    assert run.returncode == 0 and qm.is_file(), run.stderr
    return qm


def _shown_texts(root: Any) -> list[str]:
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

    texts = []
    for w in [root, *root.findChildren(QWidget)]:
        texts += [w.toolTip(), w.accessibleName()]
        if isinstance(w, (QAbstractButton, QLabel)):
            texts.append(w.text())
        if isinstance(w, QGroupBox):
            texts.append(w.title())
    return [t for t in texts if re.search(r"[A-Za-z]{2}", t)]


def test_a_translation_reaches_tables_functions_and_widgets(
    qapp: Any, pseudo_translation: Path
) -> None:
    """With a translation installed, the canvas controls (texts from a module-level table, a
    palette and self.tr), the queue's status line (a dataclass, translated by context) and a
    plural all show the translated text: the contexts lupdate wrote are the ones looked up."""
    from PySide6.QtCore import QCoreApplication, QTranslator

    from leodesk.qt.queue import QueueStatus
    from leodesk.qt.uploads import GalleryImage, describe
    from leodesk.ui.canvas_live import style_name
    from leodesk.ui.canvas_panel import SidePanel, ToolRow

    translator = QTranslator()
    assert translator.load(str(pseudo_translation))
    QCoreApplication.installTranslator(translator)
    try:
        tools, side = ToolRow(), SidePanel()
        shown = _shown_texts(tools) + _shown_texts(side)
        untranslated = [t for t in shown if "⟦" not in t]
        assert not untranslated, untranslated
        assert tools.tool_buttons["mask-eraser"].text() == "⟦Erase mask⟧"
        assert tools.swatches[0].accessibleName() == "⟦{name} colour⟧".format(name="⟦Black⟧")
        assert style_name("SKETCH_BW") == "⟦Sketch B&W⟧"
        status = QueueStatus(
            queued=2, running=1, slots=3, paused=True, api_pause=0, cost=8, cost_known=True
        )
        assert status.text().startswith("⟦Paused · ⟦2 queued⟧ · ⟦1 of 3 running⟧")
        assert describe(GalleryImage("x")) == "⟦Gallery image⟧"
        assert QCoreApplication.translate("QueueChip", "%n running", "", 2) == "⟦2 running⟧"
        tools.deleteLater()
        side.deleteLater()
    finally:
        QCoreApplication.removeTranslator(translator)
    assert describe(GalleryImage("x")) == "Gallery image"  # English again


#: texts a translated window still shows in English, each with the reason
NOT_OURS = {
    "OK": "a QDialogButtonBox standard button: Qt's own translations (qtbase) cover it",
    "Cancel": "a QDialogButtonBox standard button: Qt's own translations (qtbase) cover it",
    "Give the training a name.": "a leodesk.core message (core has no Qt, so no tr())",
}


def test_a_translation_reaches_every_text_of_standalone_windows(
    qapp: Any, pseudo_translation: Path, tmp_path: Path
) -> None:
    from PySide6.QtCore import QCoreApplication, QTranslator

    from leodesk.ui.canvas_results import ResultsStrip
    from leodesk.ui.credits import InsufficientCreditsDialog
    from leodesk.ui.filter_bar import FilterBar
    from leodesk.ui.library_dialog import LibraryProblemDialog
    from leodesk.ui.train_dialog import TrainDialog
    from leodesk.ui.variation_actions import MotionDialog, UniversalDialog
    from leodesk.ui.video_player import VideoPlayer

    translator = QTranslator()
    assert translator.load(str(pseudo_translation))
    QCoreApplication.installTranslator(translator)
    try:
        windows = [
            ResultsStrip(),
            VideoPlayer(),
            UniversalDialog(),
            MotionDialog(),
            FilterBar(),
            TrainDialog("d1", "Cats", 12),
            LibraryProblemDialog(tmp_path / "library.sqlite", damaged=True),
            InsufficientCreditsDialog(lambda _url: None),
        ]
        for window in windows:
            shown = _shown_texts(window)
            assert len(shown) > 2, type(window).__name__
            english = [t for t in shown if "⟦" not in t and t not in NOT_OURS]
            assert not english, f"{type(window).__name__}: {english}"
            window.deleteLater()
    finally:
        QCoreApplication.removeTranslator(translator)
