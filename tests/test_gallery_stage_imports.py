"""What the window needs to show the gallery (the first stage of the start-up preload) loads
without Pillow, QtNetwork, uuid, calendar, logging.handlers or the whole library: they load
once the gallery is up, and each still works on first use (start-up, issue 15)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leodesk.core.lazy import lazy

HEAVY = (
    "PIL",
    "PIL.Image",
    "PySide6.QtNetwork",
    "uuid",
    "calendar",
    "logging.handlers",
    # The whole library (the gallery reads through its own part, Images, until the rest loads)
    "leodesk.core.library.whole",
    "leodesk.core.library.curation",
    "leodesk.core.library.training",
    "leodesk.core.library.blueprints",
)


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_gallery_stage_loads_without_the_heavy_modules() -> None:
    out = _run(
        "import importlib, sys\n"
        "import leodesk.app\n"
        "for name in leodesk.app.PRELOAD_GALLERY: importlib.import_module(name)\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(out.split())
    assert "leodesk.qt.gallery_parts" in loaded and "leodesk.core.library" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


# Qt classes the gallery's first frame does not use. PySide makes a class, and its Python enums,
# when it is first imported (QImage 0.6 ms, QFileDialog 0.7 ms, ...): the modules of the
# gallery stage import these where they are used, so the window becomes usable without them.
UNMADE_QT_CLASSES = (
    "QtCore.QUrl",
    "QtGui.QImage",
    "QtGui.QTextCursor",
    "QtWidgets.QFileDialog",
    "QtWidgets.QInputDialog",
    "QtWidgets.QMessageBox",
    "QtWidgets.QListWidget",
    "QtWidgets.QStyleOptionRubberBand",
)


def test_the_gallery_stage_leaves_the_qt_classes_it_does_not_use_unmade() -> None:
    out = _run(
        "import importlib\n"
        "import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets\n"
        "import leodesk.app\n"
        "for name in leodesk.app.PRELOAD_GALLERY: importlib.import_module(name)\n"
        "for m in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets):\n"
        "    short = m.__name__.split('.')[-1]\n"
        "    print(' '.join(f'{short}.{k}' for k, v in vars(m).items() if isinstance(v, type)))"
    )
    made = set(out.split())
    assert "QtWidgets.QStyle" in made and "QtWidgets.QListView" in made  # (the check sees them)
    assert not made & set(UNMADE_QT_CLASSES), made & set(UNMADE_QT_CLASSES)


def test_what_loads_later_works_on_first_use(tmp_path: Path) -> None:
    """A thumbnail made and read back (Pillow through the lazy stand-ins), a local id (uuid),
    the log written and rotated (the log's own rotating file)."""
    from PIL import Image  # here, not in the app's process

    picture = tmp_path / "p.png"
    Image.new("RGB", (640, 480), (200, 10, 10)).save(picture)
    code = f"""
import logging
from pathlib import Path
from leodesk.core.thumbs import ThumbCache
from leodesk.core.library.local import _new_id as new_local_id
from leodesk.core.log import setup_logging
import sys
assert "PIL" not in sys.modules  # the stand-ins import it themselves
cache = ThumbCache(Path({str(tmp_path / "thumbs")!r}))
shown = cache.make_picture("ab" * 32, 256, 100, source_path=Path({str(picture)!r}))
print(shown.size, shown.getpixel((50, 30)))
print(new_local_id().startswith("local-"))
setup_logging(Path({str(tmp_path / "logs" / "app.log")!r}))
logging.getLogger("leodesk.t").warning("written")
"""
    lines = _run(code).splitlines()
    size, red = lines[0].split(") (")
    assert size == "(100, 75" and int(red.split(",")[0]) > 190  # JPEG: nearly the colour
    assert lines[1] == "True"
    assert "written" in (tmp_path / "logs" / "app.log").read_text()


def test_a_lazy_module_imports_at_first_lookup_then_reads_plainly() -> None:
    stand_in = lazy("json")
    assert "lazy module 'json'" in repr(stand_in)
    assert stand_in.dumps([1]) == "[1]"
    assert "dumps" in vars(stand_in)  # copied in: later lookups skip the import
    import json

    assert stand_in.loads is json.loads


def test_the_keychains_modules_are_loaded_ahead_of_the_key_lookup(real_keychain: object) -> None:
    """The preload loads what reading the keychain needs (PRELOAD_KEYCHAIN, politely, while the
    window is idle): the lookup itself then loads next to nothing while the window is used."""
    out = _run(
        "import importlib, sys\n"
        "import leodesk.app\n"
        "for name in leodesk.app.PRELOAD_KEYCHAIN: importlib.import_module(name)\n"
        "from leodesk.core import secrets\n"
        "before = set(sys.modules)\n"
        "secrets.get_api_key('leodesk-test-no-such-account', use_env=False)\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    late = set(out.split())
    assert not {m for m in late if m.split(".")[0] in ("keyring", "secretstorage", "jeepney")}
    assert not {m for m in late if m.startswith("cryptography")}, late
    assert len(late) <= 3, late  # zipp's small compatibility modules at most
