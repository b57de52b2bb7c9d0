"""packaging/translations.sh: the TS template of every tr()/translate() string in ui and qt."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

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
    ):
        assert known in found, f"{known} not in the template"
    text = template.read_text(encoding="utf-8")
    assert 'type="unfinished"' in text  # a template: nothing translated yet
    assert "leodesk/core" not in text and "leodesk/sim" not in text  # widgets and QObjects only


def test_the_committed_template_is_the_codes(template: Path) -> None:
    committed = REPO / "resources" / "translations" / "leodesk.ts"
    assert committed.is_file(), "run ./packaging/translations.sh"
    assert _messages(committed) == _messages(template), (
        "resources/translations/leodesk.ts is out of date: run ./packaging/translations.sh"
    )
