#!/usr/bin/env bash
# Install leodesk for the current user from the unpacked release archive (no root, nothing outside
# your home folder):
#
#   ./install.sh               install, or update an earlier install (running it again is harmless)
#   ./install.sh --uninstall   remove what install.sh put in place (your library, settings and the
#                              API key in the keychain stay)
#
# What goes where (XDG_DATA_HOME defaults to ~/.local/share):
#   ~/.local/lib/leodesk/                        the app (a self-contained folder)
#   ~/.local/bin/leodesk                         a link to ~/.local/lib/leodesk/leodesk
#   $XDG_DATA_HOME/applications/<id>.desktop     the launcher entry (Exec with the full path, so it
#                                                works even when ~/.local/bin is not on PATH)
#   $XDG_DATA_HOME/icons/hicolor/…/apps/<id>.*   the icon at each size
#   $XDG_DATA_HOME/metainfo/<id>.metainfo.xml    the AppStream description (software centres)
# The launcher's MIME types (if its entry lists any) are registered with update-desktop-database,
# and the icon cache refreshed with gtk-update-icon-cache, when those tools exist; otherwise the
# desktop picks the files up on its next scan. <id> is io.github.leodesk.Leodesk.
set -euo pipefail

APP_ID=io.github.leodesk.Leodesk
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
lib_dir=$HOME/.local/lib/leodesk
bin_link=$HOME/.local/bin/leodesk
apps_dir=$data_home/applications
icons_dir=$data_home/icons/hicolor
metainfo_dir=$data_home/metainfo
desktop_file=$apps_dir/$APP_ID.desktop

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

refresh_caches() {  # quietly skipped when the tools are missing or fail (no desktop installed)
  if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$apps_dir" ]; then
    update-desktop-database -q "$apps_dir" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icons_dir/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$icons_dir" 2>/dev/null || true
  fi
}

# Our link, or nothing: never replace a file of the user's that happens to be called leodesk.
check_bin_link() {
  if [ -e "$bin_link" ] || [ -L "$bin_link" ]; then
    [ -L "$bin_link" ] || die "$bin_link exists and is not a link made by install.sh; move it away first"
    [ "$(readlink "$bin_link")" = "$lib_dir/leodesk" ] ||
      die "$bin_link links to $(readlink "$bin_link"), not to leodesk's install; move it away first"
  fi
}

# The program's path as the first word of a desktop entry's Exec line: quoted when it holds a
# space; characters that would need the entry's own escaping (or sed's) are refused.
exec_arg() {
  case $1 in
    *[\"\`\$\\%\|\&]*) die "cannot write a launcher entry for a path with \" \` \$ \\ % | or &: $1" ;;
    *[[:space:]]*) printf '"%s"' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

# The libraries the bundle takes from the system (packaging/BUNDLE.md: every desktop has them),
# with the Debian/Ubuntu package that brings each; a system without one gets a clear message
# before anything is installed, not a program that cannot start.
package_of() {
  case $1 in
    libX11.so*) echo libx11-6 ;;
    libX11-xcb.so*) echo libx11-xcb1 ;;
    libXau.so*) echo libxau6 ;;
    libXdmcp.so*) echo libxdmcp6 ;;
    libbsd.so*) echo libbsd0 ;;
    libmd.so*) echo libmd0 ;;
    libfontconfig.so*) echo libfontconfig1 ;;
    libfreetype.so*) echo libfreetype6 ;;
    libpng16.so*) echo libpng16-16 ;;
    libexpat.so*) echo libexpat1 ;;
    libdbus-1.so*) echo libdbus-1-3 ;;
    libsystemd.so*) echo libsystemd0 ;;
    libgcrypt.so*) echo libgcrypt20 ;;
    libgpg-error.so*) echo libgpg-error0 ;;
    liblz4.so*) echo liblz4-1 ;;
    libcap.so*) echo libcap2 ;;
    libglib-2.0.so* | libgthread-2.0.so*) echo libglib2.0-0 ;;
    libpcre2-8.so*) echo libpcre2-8-0 ;;
    libz.so*) echo zlib1g ;;
    *) echo "?" ;;
  esac
}

check_system_libs() {
  command -v ldd >/dev/null 2>&1 || return 0  # cannot tell: the program says so when it starts
  local missing lib internal=$here/leodesk/_internal
  # The bundle's own libraries are found where the program finds them when it runs (its folder
  # first, as PyInstaller's launcher sets it; as bundle.sh checks them).
  missing=$(find "$here/leodesk" -type f -name '*.so*' -print0 |
    LD_LIBRARY_PATH=$internal:$internal/PySide6/Qt/lib xargs -0 -r -n 50 ldd 2>/dev/null |
    awk '/=> not found/ {print $1}' | sort -u)
  [ -z "$missing" ] && return 0
  {
    echo "install.sh: leodesk needs these libraries from your system, and this one lacks them:"
    for lib in $missing; do
      echo "  $lib   (Debian/Ubuntu package: $(package_of "$lib"))"
    done
    echo "Install them (e.g. sudo apt install <packages>), then run ./install.sh again."
    echo "Nothing was installed."
  } >&2
  exit 1
}

do_uninstall() {
  check_bin_link
  rm -f "$bin_link" "$desktop_file" "$metainfo_dir/$APP_ID.metainfo.xml"
  rm -f "$icons_dir"/*/apps/"$APP_ID".png "$icons_dir"/scalable/apps/"$APP_ID".svg
  rm -rf "$lib_dir" "$lib_dir.new"
  refresh_caches
  say "leodesk is uninstalled. Your library, settings and the API key in the keychain were kept."
}

do_install() {
  [ -x "$here/leodesk/leodesk" ] || die "run this from the unpacked archive (no leodesk/leodesk beside it)"
  local share=$here/share
  [ -f "$share/desktop/$APP_ID.desktop" ] || die "the archive lacks share/desktop/$APP_ID.desktop"
  check_bin_link
  check_system_libs
  local exe
  exe=$(exec_arg "$lib_dir/leodesk")

  # The app: copied beside the old one, then swapped in, so an interrupted install leaves either
  # the old version or the new one, never a mixture.
  mkdir -p "$(dirname "$lib_dir")" "$(dirname "$bin_link")"
  rm -rf "$lib_dir.new"
  cp -a "$here/leodesk" "$lib_dir.new"
  cp "$here/install.sh" "$lib_dir.new/install.sh"  # for --uninstall once the archive is gone
  rm -rf "$lib_dir"
  mv "$lib_dir.new" "$lib_dir"
  ln -sfn "$lib_dir/leodesk" "$bin_link"

  # The launcher entry, pointing at the installed program by its full path.
  mkdir -p "$apps_dir"
  sed -e "s|^Exec=leodesk\\b|Exec=$exe|" -e "s|^TryExec=leodesk\$|TryExec=$lib_dir/leodesk|" \
    "$share/desktop/$APP_ID.desktop" > "$desktop_file.tmp"
  mv "$desktop_file.tmp" "$desktop_file"

  # Icons: each hicolor size, and the SVG as the scalable one.
  local png size
  for png in "$share"/icons/hicolor/*/apps/"$APP_ID".png; do
    [ -f "$png" ] || continue
    size=$(basename "$(dirname "$(dirname "$png")")")
    mkdir -p "$icons_dir/$size/apps"
    cp "$png" "$icons_dir/$size/apps/$APP_ID.png"
  done
  if [ -f "$share/icons/leodesk.svg" ]; then
    mkdir -p "$icons_dir/scalable/apps"
    cp "$share/icons/leodesk.svg" "$icons_dir/scalable/apps/$APP_ID.svg"
  fi

  if [ -f "$share/desktop/$APP_ID.metainfo.xml" ]; then
    mkdir -p "$metainfo_dir"
    cp "$share/desktop/$APP_ID.metainfo.xml" "$metainfo_dir/$APP_ID.metainfo.xml"
  fi
  refresh_caches

  say "leodesk is installed in $lib_dir."
  say "Start it from your desktop's application menu, or with: leodesk"
  say "(leodesk --demo tries it without an API key; leodesk --help lists the command-line tools)."
  case ":$PATH:" in
    *":$HOME/.local/bin:"*) ;;
    *) say "Note: ~/.local/bin is not on your PATH, so the command needs its full path: $bin_link" ;;
  esac
  say "To remove it: $lib_dir/install.sh --uninstall"
}

case "${1:-}" in
  "") do_install ;;
  --uninstall) do_uninstall ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown option $1 (try --help)" ;;
esac
