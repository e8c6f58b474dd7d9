#!/usr/bin/env bash
# Freeze mapedit on Linux with installer/mapedit.spec, then prove the frozen program works:
# --self-test, demo, check --json and export, run in a clean environment (no venv, no
# PYTHONPATH, no display, a throw-away HOME) so nothing is borrowed from the build machine's
# Python. Called by .ci/run; also usable by hand:
#
#   installer/build_linux.sh [PYTHON]
#
# PYTHON (default: python3) runs PyInstaller; its environment must have mapedit installed
# NON-editable (pip install . or the wheel) and pyinstaller. Output: dist/mapedit/mapedit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PY=${1:-python3}
# An absolute path, but not resolved through the venv's symlink (that would leave the venv).
case "$PY" in */*) PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")" ;; esac

t0=$(date +%s)
# Run from an empty folder: `python -m` puts the working folder first on sys.path, and from the
# checkout PyInstaller would freeze the source tree instead of the installed package.
mkdir -p build/pyinstaller
(cd build/pyinstaller && "$PY" -m PyInstaller --noconfirm --log-level ERROR \
    --distpath "$root/dist" --workpath "$root/build/pyinstaller/work" \
    "$root/installer/mapedit.spec")
t1=$(date +%s)
exe="$root/dist/mapedit/mapedit"
size=$(du -sh dist/mapedit | cut -f1)
echo "frozen: $exe ($size, $((t1 - t0)) s to freeze)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"
clean=(env -i "PATH=/usr/bin:/bin" "HOME=$tmp/home" "LANG=C.UTF-8" "TMPDIR=$tmp")

# 1. the self-test (sets QT_QPA_PLATFORM=offscreen itself: there is no display here)
"${clean[@]}" "$exe" --self-test 2> "$tmp/selftest.err" || {
    echo "frozen self-test FAILED"; cat "$tmp/selftest.err"; exit 1; }

# 2. demo, check --json, export (exit 1 from check: the demo carries deliberate defects)
"${clean[@]}" "$exe" demo "$tmp/示例 街道.gpkg" > /dev/null
set +e
"${clean[@]}" "$exe" check "$tmp/示例 街道.gpkg" --json > "$tmp/report.json"
rc=$?
set -e
if [ "$rc" -gt 1 ]; then echo "frozen check failed (exit $rc)"; exit 1; fi
"$PY" - "$tmp/report.json" <<'PYEOF'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
assert report["summary"]["errors"] > 0 and report["findings"], "empty report"
PYEOF
"${clean[@]}" "$exe" export "$tmp/示例 街道.gpkg" "$tmp/导出" > /dev/null 2>&1
"$PY" - "$tmp/导出" <<'PYEOF'
import json, sys
from pathlib import Path
for name in ("units.geojson", "grids.geojson"):
    data = json.loads((Path(sys.argv[1]) / name).read_text(encoding="utf-8"))
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 73 < lon < 136 and 3 < lat < 54, (name, lon, lat)
PYEOF
echo "frozen program: self-test, demo, check --json, export OK ($size)"
