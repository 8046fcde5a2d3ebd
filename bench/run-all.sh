#!/usr/bin/env bash
# Runs every benchmark (README: `npm run bench`). Each prints its figures with their
# targets and exits non-zero when it misses one; this runs them all, then names the
# ones that missed and exits 1 if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
node build.mjs || exit 1
failed=()
run() { echo "== $*"; "$@" || failed+=("${*: -1}"); }
# every bench/<name>.mjs (run with node) and every executable bench/<name>, in name order
for b in bench/*; do
  case "$b" in bench/run-all.sh | bench/.tmp) continue ;; esac
  if [[ "$b" == *.mjs ]]; then run node "$b"; elif [ -f "$b" ] && [ -x "$b" ]; then run "$b"; fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: targets missed in ${failed[*]}"
  exit 1
fi
echo "bench: every target met"
