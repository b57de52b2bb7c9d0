#!/usr/bin/env bash
# Writes the translation template: every string of leodesk/ui and leodesk/qt marked with tr() or
# QCoreApplication.translate(), as Qt Linguist's TS file.
#
#   ./packaging/translations.sh          -> resources/translations/leodesk.ts
#   ./packaging/translations.sh DIR      -> DIR/leodesk.ts
#
# A translator copies leodesk.ts to leodesk_<lang>.ts (for example leodesk_de.ts), fills it in
# with Qt Linguist (pyside6-linguist) and compiles it with pyside6-lrelease. Running this script
# again keeps nothing that left the code (-no-obsolete): the template is always the code's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out_dir="${1:-resources/translations}"
lupdate=.venv/bin/pyside6-lupdate
[ -x "$lupdate" ] || lupdate="$(command -v pyside6-lupdate || true)"
if [ -z "$lupdate" ]; then
  echo "pyside6-lupdate not found: run ./packaging/dev.sh test once to make .venv" >&2
  exit 1
fi
mkdir -p "$out_dir"
"$lupdate" -silent -extensions py -locations relative -no-obsolete \
  leodesk/ui leodesk/qt -ts "$out_dir/leodesk.ts"
echo "$out_dir/leodesk.ts: $(grep -c '<message' "$out_dir/leodesk.ts") strings"
