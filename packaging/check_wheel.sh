#!/usr/bin/env bash
# Builds leodesk's wheel and proves it works on its own: installed with pip into a clean venv
# (dependencies from the package index, as a user gets them), run from outside the source tree.
#
#   ./packaging/check_wheel.sh [WORKDIR]     (default: a new folder under /tmp, kept for a look)
#
# It checks the wheel's metadata (licence, URLs, classifiers, both commands), that `leodesk --help`
# and `leodesk --version` answer, that a generation on the built-in simulator writes its images
# (`leodesk gen --demo`), that the icon is loaded from the installed package, and that the app
# window opens through the `leodesk-gui` command (offscreen). Needs the network (PyPI) and
# Qt's runtime libraries (./packaging/dev.sh installs them).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d -t leodesk-wheel.XXXXXX)}"
mkdir -p "$work"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

say "building the wheel (in $work)"
python3 -m venv "$work/build-venv"
"$work/build-venv/bin/python" -m pip install -q build
# From a copy of the committed tree, so nothing uncommitted or ignored slips into the wheel.
rm -rf "$work/src" && mkdir "$work/src"
git -C "$repo" archive HEAD | tar -x -C "$work/src"
"$work/build-venv/bin/python" -m build -q --wheel --outdir "$work/dist" "$work/src" >/dev/null
wheel=$(ls "$work"/dist/leodesk-*.whl)
echo "$(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB"

say "what the wheel holds"
"$work/build-venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
z = zipfile.ZipFile(sys.argv[1])
meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
text = z.read(meta).decode()
headers = text.split("\n\n", 1)[0].splitlines()
for h in headers:
    if h.split(":")[0] in ("Name", "Version", "License-Expression", "License-File", "Project-URL", "Classifier", "Requires-Python"):
        print("  " + h)
entry = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
print("  entry_points.txt: " + " | ".join(l for l in entry.splitlines() if l))
icons = sorted(n for n in names if n.startswith("leodesk/data/icons/"))
print(f"  icons: {len(icons)} files, e.g. {icons[0]}")
licence = [n for n in names if n.endswith("licenses/LICENSE")]
print(f"  licence: {licence}")
assert "License-Expression: MIT" in headers
assert any(h.startswith("Project-URL: Homepage") for h in headers)
assert "[gui_scripts]" in entry and "leodesk-gui = leodesk.__main__:gui" in entry
assert "[console_scripts]" in entry and "leodesk = leodesk.__main__:main" in entry
assert len(icons) == 9, icons
assert licence, "no LICENSE in the wheel"
assert not any(n.startswith(("tests/", "resources/", "packaging/")) for n in names)
PY

say "installing it into a clean venv"
rm -rf "$work/venv"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel"
"$work/venv/bin/python" -m pip check

# From outside the source tree, with a home of its own and Qt offscreen.
cd "$work"
export LEODESK_HOME="$work/home" QT_QPA_PLATFORM=offscreen
bin="$work/venv/bin"

say "leodesk --version / --help"
"$bin/leodesk" --version
"$bin/leodesk" --help | head -n 3

say "leodesk gen --demo \"a fox\" -n 2 --out out"
rm -rf "$work/out"
"$bin/leodesk" gen --demo "a fox" -n 2 --out "$work/out"
count=$(find "$work/out" -type f | wc -l)
[ "$count" -eq 2 ] || { echo "expected 2 images in $work/out, found $count" >&2; exit 1; }

say "the icon, from the installed package"
"$bin/python" - <<'PY'
import leodesk
from PySide6.QtWidgets import QApplication
from leodesk.ui.app_icon import APP_ID, icon_dir, app_icon, apply_identity
app = QApplication([])
apply_identity(app)
sizes = sorted(s.width() for s in QApplication.windowIcon().availableSizes())
print(f"  icon folder: {icon_dir()}")
print(f"  window icon sizes: {sizes}; desktop file name: {QApplication.desktopFileName()}")
assert "site-packages" in str(icon_dir()) and "site-packages" in leodesk.__file__
assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]
assert QApplication.desktopFileName() == APP_ID
PY

say "leodesk-gui --demo: the window's first paint"
LEODESK_EXIT_AFTER_PAINT=1 timeout 120 "$bin/leodesk-gui" --demo

say "the wheel works: $wheel"
