#!/usr/bin/env bash
# Build leodesk's one-folder bundle (PyInstaller) and the release archive for Linux.
#
#   ./packaging/bundle.sh    → dist/leodesk/                                 (the bundle: dist/leodesk/leodesk)
#                            → dist/leodesk-<version>-linux-x86_64.tar.gz    (bundle + install.sh)
#
# The build runs in its own venv (never ./.venv): the project's runtime dependencies (from the
# hash-pinned packaging/requirements.lock when present, else from pyproject.toml) plus a pinned
# PyInstaller. That venv and PyInstaller's work folder live in LEODESK_BUNDLE_CACHE (default
# ./build, git-ignored); CI points it outside the checkout so a clean checkout builds warm. The venv
# is rebuilt only when its key changes (pyproject.toml, the lock file, this file's pins, Python).
# LEODESK_BUNDLE_RESOURCES (default ./resources) is where the desktop entry, metainfo and icons
# for the archive come from.
# What the spec trims from the bundle, and why the rest stays: packaging/BUNDLE.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYINSTALLER_VERSION=6.22.3
CACHE=${LEODESK_BUNDLE_CACHE:-$PWD/build}
VENV=$CACHE/bundle-venv
LOCK=packaging/requirements.lock

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

venv_key() {
  {
    sha256sum pyproject.toml
    [ -f "$LOCK" ] && sha256sum "$LOCK"
    echo "pyinstaller==$PYINSTALLER_VERSION"
    python3 -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}

setup_build_venv() {
  local key stamp=$VENV/.leodesk-bundle-key
  key=$(venv_key)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
    return 0
  fi
  say "creating the build venv in $VENV"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  if [ -f "$LOCK" ]; then
    "$VENV/bin/python" -m pip install -q --require-hashes --no-deps -r "$LOCK"
  else
    # Until the lock file exists: the runtime dependencies as pyproject.toml declares them.
    local deps
    mapfile -t deps < <("$VENV/bin/python" - <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    for dep in tomllib.load(f)["project"]["dependencies"]:
        print(dep)
PY
)
    "$VENV/bin/python" -m pip install -q "${deps[@]}"
  fi
  "$VENV/bin/python" -m pip install -q "pyinstaller==$PYINSTALLER_VERSION"
  echo "$key" > "$stamp"
}

for tool in gcc nm readelf ldd; do
  command -v "$tool" >/dev/null || { echo "bundle.sh needs $tool (apt-get install gcc binutils)" >&2; exit 1; }
done
version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
setup_build_venv

say "PyInstaller $PYINSTALLER_VERSION: dist/leodesk/"
rm -rf dist/leodesk
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
  --workpath "$CACHE/pyinstaller-work" --distpath dist packaging/leodesk.spec

if [ "${LEODESK_BUNDLE_TRIM:-1}" != 0 ]; then
  say "trimming the ICU data; stand-ins for the libraries leodesk never calls (see packaging/BUNDLE.md)"
  "$VENV/bin/python" packaging/icu_trim.py dist/leodesk/_internal/PySide6/Qt/lib/libicudata.so.73
  "$VENV/bin/python" packaging/stand_ins.py dist/leodesk/_internal
  say "checking the stand-ins against the untouched FFmpeg and Pillow of the build venv"
  "$VENV/bin/python" packaging/stand_ins_check.py dist/leodesk/_internal
fi

say "checking that every library in the bundle finds its dependencies"
missing=$(cd dist/leodesk/_internal && find . -name '*.so*' -type f -print0 |
  LD_LIBRARY_PATH=$PWD:$PWD/PySide6/Qt/lib xargs -0 -n 50 ldd 2>/dev/null | grep 'not found' | sort -u || true)
if [ -n "$missing" ]; then
  echo "the bundle lacks libraries:" >&2
  echo "$missing" >&2
  exit 1
fi

say "the archive"
name=leodesk-$version-linux-x86_64
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp -a dist/leodesk "$stage/$name/leodesk"
cp packaging/install.sh "$stage/$name/install.sh"
chmod +x "$stage/$name/install.sh"
# The desktop integration install.sh puts in place: the launcher entry, metainfo and icons.
res=${LEODESK_BUNDLE_RESOURCES:-resources}
app_id=io.github.leodesk.Leodesk
for need in "desktop/$app_id.desktop" "desktop/$app_id.metainfo.xml" icons/leodesk.svg \
  "icons/hicolor/256x256/apps/$app_id.png"; do
  [ -f "$res/$need" ] || { echo "bundle.sh: $res/$need is missing (the desktop integration)" >&2; exit 1; }
done
mkdir -p "$stage/$name/share"
cp -a "$res/desktop" "$res/icons" "$stage/$name/share/"
cp LICENSE "$stage/$name/" 2>/dev/null || echo "bundle.sh: no LICENSE to put in the archive" >&2
rm -f "dist/$name.tar.gz"
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"

files=$(find dist/leodesk -type f | wc -l)
size=$(du -sb dist/leodesk | cut -f1)
archive=$(stat -c %s "dist/$name.tar.gz")
printf 'bundle dist/leodesk: %d MB unpacked (%d files); archive dist/%s.tar.gz: %d MB\n' \
  $((size / 1000000)) "$files" "$name" $((archive / 1000000))
