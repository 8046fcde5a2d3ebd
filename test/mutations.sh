#!/usr/bin/env bash
# Deliberate breakages of key behaviours, each with the test that must catch it
# (test/mutations.md says why each matters). For each: the product file is changed by an
# exact text replacement, dist/ rebuilt, the catching test run (it must FAIL), and the
# file restored from a copy (also on Ctrl-C). Prints CAUGHT or MISSED per mutation and
# exits 1 if any breakage went unnoticed or its text no longer matches the code.
# Usage: test/mutations.sh [ID...]   (default: all; ids are listed in test/mutations.md)
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
# a broken product may leave processes behind (that is what some of these breakages do):
# they are found by this marker and killed after each mutation
KS_TEST_RUN="mutations-$$-$(date +%s%N)"
export KS_TEST_RUN
. test/leftovers.bash

# mutation ID FILE TEXT REPLACEMENT RUNNER TESTFILE FILTER: TEXT (\n for a newline) must
# occur exactly once in FILE; RUNNER is bats or vitest; FILTER picks the catching test.
ids=() files=() finds=() repls=() runners=() tfiles=() filters=()
mutation() { ids+=("$1"); files+=("$2"); finds+=("$3"); repls+=("$4"); runners+=("$5"); tfiles+=("$6"); filters+=("$7"); }

mutation stop-group lib/kubestellar/controllers.ts \
  '  return [...found];' '  return [rec.pid];' \
  bats test/bats/startstop.bats 'children that outlive it'
mutation stop-group-unit lib/kubestellar/controllers.ts \
  '  return [...found];' '  return [rec.pid];' \
  vitest test/unit/controllers.test.ts 'children that outlive their parent'
mutation pid-reuse lib/kubestellar/controllers.ts \
  "  if (st.startTime !== rec.startTime) return 'gone';\n" '' \
  vitest test/unit/controllers.test.ts 'never signals a process that is not ours'
mutation exit-conflict lib/cli/errors.ts \
  '  Conflict: EXIT.conflict,' '  Conflict: EXIT.failure,' \
  bats test/bats/cli.bats 'exit 5'
mutation 409-kind lib/kcp/client.ts \
  "reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict'" "reason === 'AlreadyExists' ? 'Conflict' : 'AlreadyExists'" \
  bats test/bats/cli.bats 'exit 4'
mutation token-flag lib/kcp/connection.ts \
  '  if (flags.token) {' '  if (false) {' \
  bats test/bats/cli.bats 'exit 6'
mutation request-timeout lib/kcp/connection.ts \
  'flags.requestTimeout !== undefined ?' 'false ?' \
  bats test/bats/cli.bats 'exit 8'
mutation trace lib/kcp/client.ts \
  '        trace(`${opts.method} ${this.url(opts.path, opts.query).href} -> ${res.status}' \
  '        void (`${opts.method} ${this.url(opts.path, opts.query).href} -> ${res.status}' \
  bats test/bats/cli.bats '-X traces'
mutation delete-dry-run lib/kcp/client.ts \
  "        method: 'DELETE',\n        path: ApiClient.path(type, { namespace: this.ns(type, opts.namespace), name }),\n        query: { dryRun: opts.dryRun ? 'All' : undefined }," \
  "        method: 'DELETE',\n        path: ApiClient.path(type, { namespace: this.ns(type, opts.namespace), name }),\n        query: {}," \
  bats test/bats/cli.bats 'remove wmw --dry-run'
mutation kubeconfig-owner lib/kcp/kubeconfig.ts \
  'let idx = states.findIndex((s) => namedList(s.raw, section).some((e) => e.name === name));' 'let idx = states.length - 1;' \
  bats test/bats/cli.bats 'KUBECONFIG list of two files'
mutation relabel-always lib/kubestellar/location.ts \
  '    if (stLabels.get(k) !== v) {' '    if (true) {' \
  bats test/bats/inventory.bats 're-run prints nothing and sends reads only'
mutation ensure-wmw-empty lib/kubestellar/kubestellar-main.ts \
  "parsePathList(opts.ensureWmw, '--ensure-wmw')" "parsePathList(opts.ensureWmw || 'root:wmw1', '--ensure-wmw')" \
  bats test/bats/init.bats 'ensure-imw and --ensure-wmw take lists'
mutation atomic-cleanup lib/util/fsutil.ts \
  '    try {\n      unlinkSync(tmp);\n    } catch {\n      /* already gone */\n    }\n' '' \
  vitest test/unit/output.test.ts 'leaving a temporary file'

wanted=("$@")
backup="$(mktemp -d)"
current=""
restore() {
  if [ -n "$current" ]; then
    cp "$backup/orig" "$current"
    current=""
  fi
}
trap 'restore; node build.mjs >/dev/null 2>&1; rm -rf "$backup"' EXIT
trap 'exit 130' INT TERM

caught=0 missed=0
for i in "${!ids[@]}"; do
  id="${ids[$i]}" file="${files[$i]}" find="${finds[$i]}" replace="${repls[$i]}" runner="${runners[$i]}" tfile="${tfiles[$i]}" filter="${filters[$i]}"
  if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $id "* ]]; then continue; fi
  cp "$file" "$backup/orig"
  current="$file"
  # exact replacement; the text must occur exactly once
  if ! FIND="$find" REPLACE="$replace" node -e '
    const fs = require("fs");
    const un = (s) => s.replace(/\\n/g, "\n");
    const [file] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    const find = un(process.env.FIND);
    const n = text.split(find).length - 1;
    if (n !== 1) { console.error(`text found ${n} times`); process.exit(1); }
    fs.writeFileSync(file, text.replace(find, () => un(process.env.REPLACE)));
  ' "$file"; then
    echo "MISSED  $id: its text no longer matches $file (update test/mutations.sh)"
    missed=$((missed + 1))
    restore
    continue
  fi
  node build.mjs >/dev/null 2>&1
  if [ "$runner" = bats ]; then
    timeout 600 node_modules/bats/bin/bats -f "$filter" "$tfile" >"$backup/out" 2>&1
  else
    timeout 600 npx vitest run "$tfile" -t "$filter" >"$backup/out" 2>&1
  fi
  status=$?
  restore
  mapfile -t left < <(leftovers)
  [ ${#left[@]} -eq 0 ] || kill -KILL "${left[@]}" 2>/dev/null
  if [ "$status" -ne 0 ] && ! grep -q 'No tests\|^1\.\.0$' "$backup/out"; then
    echo "CAUGHT  $id ($file) by $tfile: $filter"
    caught=$((caught + 1))
  else
    echo "MISSED  $id ($file): $tfile \"$filter\" still passes"
    missed=$((missed + 1))
  fi
done
echo "mutations: $caught caught, $missed missed"
[ "$missed" -eq 0 ]
