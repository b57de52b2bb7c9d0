#!/usr/bin/env bash
# leodesk's set-up and run script for Debian 12 (bookworm) and derivatives.
#
#   ./packaging/dev.sh demo   install what is missing, then start the app on the built-in simulator
#   ./packaging/dev.sh test   install what is missing, then run the linters and the whole test suite
#
# It installs Debian packages only when they are missing (as root, or through sudo), keeps Python
# packages in ./.venv, and reinstalls them only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Qt's runtime libraries (offscreen and xcb), fonts, and the X server used by the screenshot test.
QT_PACKAGES=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfreetype6 libfontconfig1 libdbus-1-3
  fonts-dejavu-core libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libx11-xcb1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-util1 libxcb-xfixes0 libxcb-xkb1)
# The real keychain for the keychain tests, and a virtual X server.
TEST_PACKAGES=(xvfb xauth gnome-keyring dbus-daemon)

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
  local extra=$1 stamp=.venv/.leodesk-installed
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extra"
  [ -x .venv/bin/python ] || { say "creating .venv"; python3 -m venv .venv; }
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing leodesk${extra} into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".${extra}"
    echo "$want" > "$stamp"
  fi
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
    setup_venv ""
    exec .venv/bin/leodesk --demo "$@"
    ;;
  test)
    shift
    install_debs "${QT_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    setup_venv "[dev]"
    run_tests "$@"
    ;;
  *)
    sed -n '2,6p' "$0" >&2
    exit 2
    ;;
esac
