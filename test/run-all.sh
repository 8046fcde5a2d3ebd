#!/usr/bin/env bash
# The one test command (README: `npm test`): builds, runs vitest (library level) and
# bats (CLI level, through bin/), and ends with one line `N passed, N failed`
# summing both suites. Exits non-zero on any failure.
# Usage: test/run-all.sh [bats files or dirs...]
#   (default: test/bats, and test/reliability when it holds bats files)
# At the end it checks that the run left no process behind: every process the tests
# start inherits KS_TEST_RUN, and any still alive then is named, killed and counted as
# a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test/.tmp
node build.mjs || { echo "run-all: the build failed" >&2; echo "0 passed, 1 failed"; exit 1; }
bash test/setup-tools.sh || { echo "run-all: test/setup-tools.sh failed (exit $?)" >&2; echo "0 passed, 1 failed"; exit 1; }
export PATH="$PWD/.tools/bin:$PATH"
KS_TEST_RUN="$$-$(date +%s%N)"
export KS_TEST_RUN

passed=0 failed=0 skipped=0 status=0

echo "== vitest" >&2
rm -f test/.tmp/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=test/.tmp/vitest.json
vstatus=$?
if [ -s test/.tmp/vitest.json ]; then
  read -r vp vf vs < <(node -e '
    const r = JSON.parse(require("fs").readFileSync("test/.tmp/vitest.json", "utf8"));
    // a file that failed to load counts once; a file with failing tests counts by its tests
    const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + broken, r.numPendingTests + r.numTodoTests)')
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

# Leftovers: processes carrying this run's KS_TEST_RUN other than this script. Processes
# still exiting get up to 5 s to go.
. test/leftovers.bash
left=()
for _ in $(seq 1 50); do
  mapfile -t left < <(leftovers)
  [ ${#left[@]} -eq 0 ] && break
  sleep 0.1
done
if [ ${#left[@]} -gt 0 ]; then
  echo "not ok - the tests left ${#left[@]} process(es) behind:" >&2
  for p in "${left[@]}"; do echo "  $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2; done
  kill -KILL "${left[@]}" 2>/dev/null
  failed=$((failed + 1))
else
  echo "ok - no process left behind" >&2
fi

[ "$failed" -eq 0 ] || status=1
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
