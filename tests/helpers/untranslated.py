"""Finds string literals in leodesk/ui and leodesk/qt that look user-visible but do not go through
Qt's translation (``tr()``, ``QCoreApplication.translate()``, ``QT_TRANSLATE_NOOP``).

A heuristic over the syntax tree, used by tests/test_translations.py:

* a literal (or the fixed text of an f-string) passed straight to a call that shows text
  (``setText``, ``setToolTip``, ``QLabel``, ``QMessageBox.warning``, ``named`` …) counts, unless
  it reads as an identifier (an objectName or a key such as ``"fillMaskButton"``);
* elsewhere, a literal that reads as a sentence (a capital, then lower case, and a space or a
  closing "…") counts, and so does an f-string whose fixed text holds a word and a space;
* nothing inside a translation call, a log call, an objectName / property / style sheet /
  settings call, a comparison, a subscript or a dict key counts; docstrings do not count.

Run it by hand to list the hits: ``python -m tests.helpers.untranslated leodesk/ui/*.py``.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: the calls that translate or mark for translation
TRANSLATING = frozenset({"tr", "translate", "QT_TRANSLATE_NOOP", "QT_TR_NOOP"})

#: calls whose string arguments are machine text: names, keys, patterns, formats, logs, errors
MACHINE = frozenset(
    {
        "setObjectName",
        "objectName",
        "findChild",
        "findChildren",
        "getLogger",
        "debug",
        "info",
        "warning",
        "error",
        "exception",
        "critical",
        "log",
        "property",
        "setProperty",
        "Signal",
        "Slot",
        "Property",
        "startswith",
        "endswith",
        "split",
        "rsplit",
        "join",
        "replace",
        "strip",
        "format_exc",
        "setStyleSheet",
        "strftime",
        "strptime",
        "QKeySequence",
        "fromString",
        "get",
        "pop",
        "setdefault",
        "getattr",
        "setattr",
        "hasattr",
        "isinstance",
        "connect",
        "setData",
        "mimeData",
        "hasFormat",
        "QColor",
        "QFont",
        "encode",
        "decode",
        "open",
        "QSettings",
        "value",
        "setValue",
        "fromLocalFile",
        "QUrl",
        "compile",
        "match",
        "fullmatch",
        "search",
        "sub",
        "Path",
        "environ",
        "ValueError",
        "TypeError",
        "RuntimeError",
        "KeyError",
        "AssertionError",
        "NotImplementedError",
        "cast",
        "TypeVar",
        "NewType",
        "NamedTuple",
        "namedtuple",
        "dataclass",
        "field",
        "setCurrentText",  # picks an item by its text: the API values shown as they are
    }
)

#: log and message-box calls share names; a message box is called on the class
MESSAGE_BOX_METHODS = frozenset({"warning", "critical", "information", "question", "about"})

#: calls whose string arguments are shown to the user
SHOWN = frozenset(
    {
        "setText",
        "setToolTip",
        "setWindowTitle",
        "setPlaceholderText",
        "setAccessibleName",
        "setAccessibleDescription",
        "setStatusTip",
        "setWhatsThis",
        "showMessage",
        "setTitle",
        "setHeaderLabels",
        "setHorizontalHeaderLabels",
        "setLabelText",
        "setInformativeText",
        "setDetailedText",
        "setFormat",
        "setSuffix",
        "setPrefix",
        "setSpecialValueText",
        "setTabText",
        "setItemText",
        "setButtonText",
        "setNameFilter",
        "setNameFilters",
        "setWindowIconText",
        "addAction",
        "addItem",
        "addItems",
        "insertItem",
        "addTab",
        "insertTab",
        "addRow",
        "addButton",
        "addMenu",
        "QLabel",
        "QPushButton",
        "QToolButton",
        "QCheckBox",
        "QRadioButton",
        "QGroupBox",
        "QAction",
        "QMenu",
        "QListWidgetItem",
        "QStandardItem",
        "QTreeWidgetItem",
        "getOpenFileName",
        "getOpenFileNames",
        "getSaveFileName",
        "getExistingDirectory",
        "getText",
        "getItem",
        "getInt",
        "getDouble",
        "getColor",
        # leodesk.ui helpers that set texts
        "named",
        "add_menu",
        "confirm_delete",
        "push_button",
        "tool_button",
        "percent_slider",
    }
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_SENTENCE = re.compile(r"^[A-Z][a-z]+.*[a-z ].*")


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _call_name(call: ast.Call) -> str:
    fn = call.func
    if isinstance(fn, ast.Attribute):
        return fn.attr
    if isinstance(fn, ast.Name):
        return fn.id
    return ""


def _is_message_box(call: ast.Call) -> bool:
    fn = call.func
    return (
        isinstance(fn, ast.Attribute)
        and fn.attr in MESSAGE_BOX_METHODS
        and isinstance(fn.value, ast.Name)
        and fn.value.id == "QMessageBox"
    )


def _fixed_text(node: ast.expr) -> str | None:
    """The literal text of a string constant or of an f-string's fixed parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _without_markup(text: str) -> str:
    """``text`` with its HTML tags left out (markup around translated words is not words)."""
    return re.sub(r"<[^<>]*>", " ", text)


def _parts(arg: ast.expr) -> list[ast.expr]:
    """The expressions an argument may hand on as it is: the items of a list or tuple, both
    sides of ``a if c else b``, every operand of ``a or b``."""
    if isinstance(arg, (ast.List, ast.Tuple)):
        return [p for e in arg.elts for p in _parts(e)]
    if isinstance(arg, ast.IfExp):
        return [*_parts(arg.body), *_parts(arg.orelse)]
    if isinstance(arg, ast.BoolOp):
        return [p for v in arg.values for p in _parts(v)]
    return [arg]


def _is_label_word(node: ast.expr) -> bool:
    """A capitalised word (with or without a mnemonic): ``"Play"``, ``"&Open"``."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"&?[A-Z][a-z&]+", node.value) is not None
    )


def _looks_like_css(text: str) -> bool:
    """A Qt style sheet: ``Selector { property: value; }``."""
    return re.search(r"[\w\])\"]\s*\{[^{}]*:[^{}]*;[^{}]*\}", text) is not None


def _reads_as_words(text: str, *, fixed_part: bool = False) -> bool:
    """Text a person reads: letters, and not a bare identifier, key or objectName.

    An API value in capitals (``"VERY_LOW"``) is an identifier too; so is the fixed part of an
    f-string without a space (``f"{key}PaneButton"``)."""
    stripped = text.strip()
    if not re.search(r"[A-Za-z]{2}", stripped):  # a word, not a lone letter or a number
        return False
    if _IDENTIFIER.fullmatch(stripped):
        return not (fixed_part or stripped[:1].islower() or stripped.isupper())
    return True


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.calls: list[str] = []  # names of the enclosing calls, innermost last
        self.shown: set[int] = set()  # ids of the nodes passed straight to a SHOWN call
        self.hits: list[Hit] = []

    def _hit(self, node: ast.expr | ast.Call, text: str) -> None:
        self.hits.append(Hit(self.path, node.lineno, text))

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        self._check_translation_call(node, name)
        if name in MESSAGE_BOX_METHODS and _is_message_box(node):
            name = "QMessageBox." + name
        args = [p for a in [*node.args, *(k.value for k in node.keywords)] for p in _parts(a)]
        if name in SHOWN or name.startswith("QMessageBox."):
            self.shown.update(id(p) for p in args)
        elif name not in MACHINE and name not in TRANSLATING:
            # a word such as "Play" handed to any other call (a local helper that names a
            # button, a page, a fallback name) is a label too
            self.shown.update(id(a) for a in args if _is_label_word(a))
        self.calls.append(name)
        self.generic_visit(node)
        self.calls.pop()

    def _check_translation_call(self, node: ast.Call, name: str) -> None:
        """Calls that translate at run time but that lupdate reads wrongly or not at all."""
        fn = node.func
        if name in ("tr", "translate") and isinstance(fn, ast.Name):
            # an alias (``tr = QCoreApplication.translate``): lupdate takes it for
            # QObject.tr(text, disambiguation) and files the context name as the text
            self._hit(node, f"{name}(...): call self.tr() or QCoreApplication.translate()")
        if name == "translate" and (len(node.args) > 3 or any(k.arg == "n" for k in node.keywords)):
            # lupdate drops translate(context, text, disambiguation, n) or keeps it without
            # plural forms; self.tr(text, "", n) in a QObject is the form it reads
            self._hit(node, "translate(..., n): a plural needs self.tr(text, '', n)")

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):  # a docstring
            return
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)

    def visit_Compare(self, node: ast.Compare) -> None:
        return

    def visit_Dict(self, node: ast.Dict) -> None:
        for v in node.values:
            self.visit(v)

    def _skipped(self) -> bool:
        return any(c in TRANSLATING or c in MACHINE for c in self.calls)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if self._skipped():
            return
        text = _without_markup(_fixed_text(node) or "")
        if _looks_like_css(text):
            return
        if id(node) in self.shown:
            if _reads_as_words(text, fixed_part=True):
                self._hit(node, ast.unparse(node))
        elif re.search(r"[A-Za-z]{2,}", text) and " " in text:
            self._hit(node, ast.unparse(node))
        # the expressions inside an f-string are not visited: their strings are keys or formats

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or self._skipped():
            return
        text = _without_markup(node.value).strip()
        if id(node) in self.shown:
            if _reads_as_words(text):
                self._hit(node, text)
        elif _SENTENCE.match(text) and (" " in text or text.endswith("…")):
            self._hit(node, text)


def scan(path: Path, root: Path | None = None) -> list[Hit]:
    """Every untranslated user-visible-looking string in the Python file ``path``."""
    shown_path = str(path.relative_to(root)) if root else str(path)
    scanner = _Scanner(shown_path)
    scanner.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return scanner.hits


if __name__ == "__main__":
    for name in sys.argv[1:]:
        for hit in scan(Path(name)):
            print(hit)
