#!/usr/bin/env bash
# leodesk's set-up and run script for Debian 12 (bookworm) and derivatives.
#
#   ./packaging/dev.sh demo   install what is missing, then start the app on the built-in simulator
#   ./packaging/dev.sh test   install what is missing, then run the linters and the whole test suite
#   ./packaging/dev.sh lock   (maintainers) update the lock files, see "Updating the lock" below
#
# It installs Debian packages only when they are missing (as root, or through sudo), keeps Python
# packages in ./.venv, and reinstalls them only when pyproject.toml or the lock file changes.
#
# Python packages come from lock files: every package pinned to one version with the hashes of
# its files (pip --require-hashes refuses anything else), so every install gets the same packages.
#   packaging/requirements.lock       what the app needs (demo)
#   packaging/requirements-dev.lock   that plus the test and lint tools (test, CI)
# Both also pin pip and setuptools (packaging/build-requirements.in), and leodesk itself is then
# installed with --no-deps --no-build-isolation: nothing unpinned is downloaded.
#
# Updating the lock (needs the network; uv is installed into a throwaway folder, not .venv):
#   ./packaging/dev.sh lock                          re-resolve, keeping every pin that still fits
#                                                    (after editing dependencies in pyproject.toml)
#   ./packaging/dev.sh lock --upgrade                move everything to the newest allowed versions
#   ./packaging/dev.sh lock --upgrade-package httpx  move one package
# then run ./packaging/dev.sh test and commit the two lock files with the change that needed them.
# The locks are universal (one file for Linux, Windows and macOS, with environment markers) and
# resolved for Python 3.11 and newer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Qt's runtime libraries (offscreen and xcb), fonts, and the X server used by the screenshot test.
QT_PACKAGES=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfreetype6 libfontconfig1 libdbus-1-3
  fonts-dejavu-core libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libx11-xcb1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-util1 libxcb-xfixes0 libxcb-xkb1)
# The real keychain for the keychain tests, and a virtual X server.
# The validators of the desktop entry and the AppStream metainfo (tests/test_desktop_files.py),
# and xprop, which reads what the app's window tells the window manager.
TEST_PACKAGES=(xvfb xauth gnome-keyring dbus-daemon desktop-file-utils appstream x11-utils)
UV_VERSION=0.13.9  # the resolver that writes the lock files (./packaging/dev.sh lock)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_debs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "please install as root: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_venv() {
  local lock=$1 stamp=.venv/.leodesk-installed
  local want
  want="$(cat pyproject.toml "$lock" | sha256sum | cut -d' ' -f1) $lock"
  [ -x .venv/bin/python ] || { say "creating .venv"; python3 -m venv .venv; }
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing $lock and leodesk into .venv"
    .venv/bin/python -m pip install -q --require-hashes -r "$lock"
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
  fi
}

update_lock() {
  local tools
  tools=$(mktemp -d)
  trap 'rm -rf "$tools"' RETURN
  say "installing uv $UV_VERSION into a throwaway venv"
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q "uv==$UV_VERSION"
  local common=(--universal --python-version 3.11 --generate-hashes --quiet "$@")
  say "packaging/requirements-dev.lock"
  "$tools/bin/uv" pip compile pyproject.toml packaging/build-requirements.in --extra dev \
    "${common[@]}" -o packaging/requirements-dev.lock
  # The app's lock takes its versions from the dev lock, so the two never disagree.
  say "packaging/requirements.lock"
  "$tools/bin/uv" pip compile pyproject.toml packaging/build-requirements.in \
    -c packaging/requirements-dev.lock "${common[@]}" -o packaging/requirements.lock
}

run_tests() {
  export QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1
  say "ruff check"; .venv/bin/ruff check .
  say "ruff format --check"; .venv/bin/ruff format --check .
  say "mypy --strict leodesk"; .venv/bin/mypy --strict leodesk
  say "lint-imports"; .venv/bin/lint-imports
  say "pytest (real keychain: dbus-run-session + gnome-keyring-daemon --unlock)"
  # A fresh keyring directory, so an existing login keyring with another password cannot interfere.
  local keyring_home
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home"' RETURN
  # LEODESK_TEST_KEYCHAIN=1: the keychain tests fail (not skip) if the keychain did not start.
  LEODESK_TEST_KEYCHAIN=1 XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
    printf %s leodesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    exec .venv/bin/python -m pytest "$@"' pytest "$@"
}

case "${1:-}" in
  demo)
    shift
    install_debs "${QT_PACKAGES[@]}"
    setup_venv packaging/requirements.lock
    exec .venv/bin/leodesk --demo "$@"
    ;;
  test)
    shift
    install_debs "${QT_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    setup_venv packaging/requirements-dev.lock
    run_tests "$@"
    ;;
  lock)
    shift
    update_lock "$@"
    ;;
  *)
    sed -n '2,7p' "$0" >&2
    exit 2
    ;;
esac
