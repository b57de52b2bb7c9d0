#!/usr/bin/env bash
# Smoke test of the built bundle (dist/leodesk/, from packaging/bundle.sh), as a user meets it:
#   1. `leodesk --demo gen` generates one image on the built-in simulator and writes a JPEG/PNG;
#   2. `leodesk --demo video` makes one MP4 (the simulator encodes it with FFmpeg's libx264);
#   3. `leodesk --demo` (the desktop app, offscreen) opens its window, loads the demo library and
#      draws its thumbnails, with no warning, error or fault in its log; then it is stopped;
#   4. the archive's install.sh, run twice into a fresh HOME, leaves the same files (the command,
#      the launcher entry, icons, metainfo) and a working `leodesk`; --uninstall removes them.
# Each step uses a fresh LEODESK_HOME under a temporary folder; nothing of the user's is touched.
#   ./packaging/bundle_smoke.sh [BUNDLE_DIR [ARCHIVE]]
#       (default: dist/leodesk and the dist/leodesk-*-linux-x86_64.tar.gz beside it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bundle=${1:-dist/leodesk}
archive=${2:-$(ls "$(dirname "$bundle")"/leodesk-*-linux-x86_64.tar.gz 2>/dev/null | head -1)}
exe=$bundle/leodesk
[ -x "$exe" ] || { echo "no bundle at $bundle (run ./packaging/bundle.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "bundle smoke test FAILED: $*" >&2; exit 1; }
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
export QT_QPA_PLATFORM=offscreen
unset LEONARDO_API_KEY LEODESK_API_URL

is_picture() {  # JPEG, PNG or WebP by their first bytes
  local magic
  magic=$(head -c 12 "$1" | od -An -tx1 | tr -d ' \n')
  case $magic in
    ffd8ff*|89504e470d0a1a0a*|52494646????????57454250) return 0 ;;
  esac
  return 1
}

say "bundle: leodesk --demo gen"
start=$(date +%s%N)
LEODESK_HOME=$tmp/gen-home "$exe" --demo gen "a lighthouse at dusk, smoke test" -n 1 \
  --out "$tmp/gen-out" > "$tmp/gen.txt" 2> "$tmp/gen.err" || { cat "$tmp/gen.err" >&2; fail "gen exited $?"; }
mapfile -t images < <(find "$tmp/gen-out" -type f)
[ ${#images[@]} -eq 1 ] || fail "gen wrote ${#images[@]} files, wanted 1"
is_picture "${images[0]}" || fail "gen wrote ${images[0]}, which is not a picture"
grep -qxF "${images[0]}" "$tmp/gen.txt" || fail "gen did not print the path it wrote"
printf '    one image, %d bytes, in %d ms\n' "$(stat -c %s "${images[0]}")" $((($(date +%s%N) - start) / 1000000)) >&2

say "bundle: leodesk --demo video"
LEODESK_HOME=$tmp/video-home "$exe" --demo video "waves at dusk, smoke test" --out "$tmp/video-out" \
  > "$tmp/video.txt" 2> "$tmp/video.err" || { cat "$tmp/video.err" >&2; fail "video exited $?"; }
mapfile -t videos < <(find "$tmp/video-out" -type f -name '*.mp4')
[ ${#videos[@]} -eq 1 ] || fail "video wrote ${#videos[@]} MP4 files, wanted 1"
[ "$(head -c 8 "${videos[0]}" | tail -c 4)" = ftyp ] || fail "${videos[0]} is not an MP4"
printf '    one MP4, %d bytes\n' "$(stat -c %s "${videos[0]}")" >&2

say "bundle: leodesk --demo (the app, offscreen)"
home=$tmp/app-home
LEODESK_HOME=$home "$exe" --demo > "$tmp/app.out" 2>&1 &
app_pid=$!
log=$home/logs/leodesk.log
thumbs=$home/cache/profiles/demo/thumbs
deadline=$((SECONDS + 60))
until grep -q "library check: ok" "$log" 2>/dev/null &&
  [ "$(find "$thumbs" -name '*.jpg' 2>/dev/null | wc -l)" -ge 5 ]; do
  kill -0 "$app_pid" 2>/dev/null || { cat "$tmp/app.out" >&2; fail "the app exited early"; }
  [ $SECONDS -lt $deadline ] || { cat "$tmp/app.out" "$log" >&2; fail "no library and thumbnails within 60 s"; }
  sleep 0.2
done
kill "$app_pid"
wait "$app_pid" 2>/dev/null || true
app_pid=
! grep -E " (WARNING|ERROR|CRITICAL) " "$log" || fail "the app logged the problems above"
[ ! -s "$home/logs/faults.log" ] || { cat "$home/logs/faults.log" >&2; fail "the app wrote a fault report"; }
# Qt's own complaints (a plugin it could not load, a missing library) go to stderr.
! grep -iE "could not (load|find)|cannot (load|open)|not found|error" "$tmp/app.out" ||
  fail "the app printed the problems above"
printf '    window up, library checked, %d thumbnails drawn\n' "$(find "$thumbs" -name '*.jpg' | wc -l)" >&2
say "archive: install.sh twice into a fresh HOME, then --uninstall"
[ -f "$archive" ] || fail "no archive beside the bundle (run ./packaging/bundle.sh)"
mkdir "$tmp/unpacked" "$tmp/home"
tar -C "$tmp/unpacked" -xzf "$archive"
installer=$(echo "$tmp"/unpacked/leodesk-*/install.sh)
snapshot() { (cd "$tmp/home" && find . -path ./.local/share/applications/mimeinfo.cache -prune -o -printf '%p %s %l\n' | sort); }
HOME=$tmp/home XDG_DATA_HOME= "$installer" > "$tmp/install1.txt" || fail "install.sh failed"
snapshot > "$tmp/first.txt"
HOME=$tmp/home XDG_DATA_HOME= "$installer" > "$tmp/install2.txt" || fail "install.sh failed the second time"
snapshot > "$tmp/second.txt"
diff "$tmp/first.txt" "$tmp/second.txt" >&2 || fail "a second install.sh left different files"
id=io.github.leodesk.Leodesk
for f in .local/bin/leodesk .local/share/applications/$id.desktop .local/share/metainfo/$id.metainfo.xml \
  .local/share/icons/hicolor/256x256/apps/$id.png .local/share/icons/hicolor/scalable/apps/$id.svg; do
  [ -e "$tmp/home/$f" ] || fail "install.sh did not make ~/$f"
done
entry=$tmp/home/.local/share/applications/$id.desktop
grep -qE "^Exec=$tmp/home/.local/lib/leodesk/leodesk( |\$)" "$entry" ||
  fail "the installed launcher entry does not start the installed program"
# The picture types the entry declares are registered (where the desktop database tool exists).
if grep -q '^MimeType=.*image/png' "$entry" && command -v update-desktop-database > /dev/null; then
  grep -q "^image/png=.*$id.desktop" "$tmp/home/.local/share/applications/mimeinfo.cache" ||
    fail "install.sh did not register leodesk for image/png"
fi
if command -v desktop-file-validate > /dev/null; then
  desktop-file-validate "$tmp/home/.local/share/applications/$id.desktop" || fail "invalid launcher entry"
fi
[ "$(HOME=$tmp/home "$tmp/home/.local/bin/leodesk" --version)" = "leodesk $(python3 -c \
  'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')" ] ||
  fail "the installed leodesk --version is wrong"
HOME=$tmp/home XDG_DATA_HOME= "$tmp/home/.local/lib/leodesk/install.sh" --uninstall > /dev/null ||
  fail "install.sh --uninstall failed"
left=$(cd "$tmp/home" && find . -path ./.local/share/applications/mimeinfo.cache -prune -o \( -type f -o -type l \) -print)
[ -z "$left" ] || fail "--uninstall left: $left"
printf '    installed twice (%d files, the same both times), started, uninstalled\n' "$(wc -l < "$tmp/first.txt")" >&2

say "bundle smoke test passed"
