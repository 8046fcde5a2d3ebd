#!/usr/bin/env bats
# Issue 13 case 1, the fault matrix: against a sandbox that answers 5% of requests with
# a 500 or a 429 (Retry-After: 1), resets 5% of connections and adds latency to every
# request, `kubestellar init`, `ensure location`, `ensure wmw` and `prep-for-syncer` each
# succeed on their first try, 10 runs of 10, and leave the server as a fault-free run does.
load lib/reliability

# 5% errors (three 500s to one 429 with Retry-After: 1, which costs a second each), 5% resets
FAULTS=(--fault-error-rate 0.05 --fault-error-codes 500,500,500,429 --fault-reset-rate 0.05 --fault-latency 5)

setup_file() {
  export NO_COLOR=1
  # the fault-free reference
  local dir="$BATS_FILE_TMPDIR/ref"
  mkdir -p "$dir"
  rel_sandbox "$dir" || return 1
  rel_walk "$dir" || { stop_sandbox; return 1; }
  rel_dump "$SANDBOX_DIR/admin.kubeconfig" >"$BATS_FILE_TMPDIR/ref.dump"
  stop_sandbox
  [ "$(wc -l <"$BATS_FILE_TMPDIR/ref.dump")" -gt 40 ] || { echo "reference dump too small" >&2; return 1; }
}

setup() { setup_tmp; }
teardown() { stop_sandbox; teardown_tmp; }

# one_run N: the walk against a faulty sandbox, then the state read through a fault-free
# restart of the same sandbox and compared with the reference.
one_run() {
  local dir="$TEST_TMP/run"
  mkdir -p "$dir"
  rel_sandbox "$dir" "${FAULTS[@]}"
  rel_walk "$dir"
  local figures
  figures="$(rel_faults "$dir/requests.jsonl")"
  echo "# run $1: $figures" >&3
  echo "run $1: $figures" >>"$BATS_FILE_TMPDIR/figures.txt"
  # the faults must have happened, or the run proves nothing
  [ "$(jq -s '[.[] | select(.fault != null or .status == 0)] | length' "$dir/requests.jsonl")" -gt 0 ]
  stop_sandbox
  sandbox_start_in "$dir/kcp" "$dir"
  run --separate-stderr rel_dump "$SANDBOX_DIR/admin.kubeconfig"
  assert_success
  diff <(echo "$output") "$BATS_FILE_TMPDIR/ref.dump" || fail "run $1 left another state than the fault-free run"
  # the manifest has the same objects as the reference's
  diff <(grep '^kind:' "$dir/florin-syncer.yaml") <(grep '^kind:' "$BATS_FILE_TMPDIR/ref/florin-syncer.yaml")
}

@test "fault run 1 of 10: each of the four commands succeeds on its first try; end state as without faults" { one_run 1; }
@test "fault run 2 of 10" { one_run 2; }
@test "fault run 3 of 10" { one_run 3; }
@test "fault run 4 of 10" { one_run 4; }
@test "fault run 5 of 10" { one_run 5; }
@test "fault run 6 of 10" { one_run 6; }
@test "fault run 7 of 10" { one_run 7; }
@test "fault run 8 of 10" { one_run 8; }
@test "fault run 9 of 10" { one_run 9; }
@test "fault run 10 of 10" { one_run 10; }
