#!/usr/bin/env bash
# The one test command (README: `npm test`): builds, runs vitest (library level) and
# bats (CLI level, through bin/), and ends with one line `N passed, N failed`
# summing both suites. Exits non-zero on any failure.
# Usage: test/run-all.sh [bats files or dirs...]   (default: all of test/bats)
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test/.tmp
node build.mjs || { echo "0 passed, 1 failed"; exit 1; }
test/setup-tools.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0 status=0

echo "== vitest" >&2
rm -f test/.tmp/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test/.tmp/vitest.json
vstatus=$?
if [ -s test/.tmp/vitest.json ]; then
  read -r vp vf vs < <(node -e '
    const r = JSON.parse(require("fs").readFileSync("test/.tmp/vitest.json", "utf8"));
    console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0) + r.numFailedTestSuites, r.numPendingTests + r.numTodoTests)')
  passed=$((passed + vp)); failed=$((failed + vf)); skipped=$((skipped + vs))
  [ "$vf" -eq 0 ] && [ "$vstatus" -ne 0 ] && failed=$((failed + 1))
else
  echo "vitest produced no report" >&2; failed=$((failed + 1))
fi

echo "== bats" >&2
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(test/bats test/reliability)
node_modules/bats/bin/bats --tap --timing "${targets[@]}" | tee test/.tmp/bats.tap
bstatus=${PIPESTATUS[0]}
bp=$(grep -cE '^ok [0-9]+' test/.tmp/bats.tap | tr -d ' ')
bs=$(grep -cE '^ok [0-9]+ .*# skip' test/.tmp/bats.tap | tr -d ' ')
bf=$(grep -cE '^not ok [0-9]+' test/.tmp/bats.tap | tr -d ' ')
passed=$((passed + bp - bs)); skipped=$((skipped + bs)); failed=$((failed + bf))
[ "$bf" -eq 0 ] && [ "$bstatus" -ne 0 ] && failed=$((failed + 1))

[ "$failed" -eq 0 ] || status=1
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
