#!/usr/bin/env bats
# Issue 13 cases 7 and 8 and issue 12 item 8: `kubestellar start|stop` with stand-in
# controllers (scripts on PATH) against a sandbox: one start at a time, everything a
# launch started stopped (setsid grandchildren too), a controller that execs still known,
# controllers started by hand stopped while decoys live, and all of it again through `ps`
# (KUBESTELLAR_PROCESS_TABLE=ps), as on a system without /proc.
load lib/reliability

NAMES=(mailbox-controller kubestellar-where-resolver placement-translator)

setup_file() { rel_file_sandbox; }
teardown_file() { SANDBOX_PID="$FILE_SB_PID" stop_sandbox; }

setup() {
  setup_tmp
  cp "$FILE_SB_KC" "$TEST_TMP/kubeconfig"
  export KUBECONFIG="$TEST_TMP/kubeconfig" KUBESTELLAR_LAUNCH_CHECK_MS=300 KUBESTELLAR_STOP_GRACE_MS=2000
  mkdir -p "$TEST_TMP/ctl"
  # a well-behaved controller: its work ends with it (a hand-started one is stopped alone)
  for c in "${NAMES[@]}"; do stand_in "$c" 'trap "kill \$! 2>/dev/null; exit 0" TERM; sleep 1000 & wait'; done
  export PATH="$TEST_TMP/ctl:$PATH"
  decoys=()
}
teardown() {
  kubestellar stop >/dev/null 2>&1 || true
  # a decoy's children go with it (a bash killed alone would orphan its sleep)
  for p in "${decoys[@]}" ${extra:-}; do
    pkill -9 -P "$p" 2>/dev/null || true
    kill -9 "$p" 2>/dev/null || true
  done
  teardown_tmp
}

# stand_in NAME BODY: a controller of that name whose body is BODY
stand_in() {
  printf '#!/usr/bin/env bash\necho "%s started: $*"\n%s\n' "$1" "$2" >"$TEST_TMP/ctl/$1"
  chmod +x "$TEST_TMP/ctl/$1"
}
alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]; }
# ours NAME: pids of processes running the stand-in NAME
ours() { pgrep -f "^(/usr/bin/env )?bash $TEST_TMP/ctl/$1( |$)" || true; }
# wait_for FILE: a file a stand-in writes
wait_for() { for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

@test "7: two starts at once: one runs, the other names the lock; stop then leaves none running" {
  kubestellar start --local-kcp false --ensure-wmw '' >a.out 2>a.err &
  a=$!
  kubestellar start --local-kcp false --ensure-wmw '' >b.out 2>b.err &
  b=$!
  sa=0; wait "$a" || sa=$?
  sb=0; wait "$b" || sb=$?
  # exactly one of them launched; the other refused before touching any process
  [ $((sa == 0)) -ne $((sb == 0)) ] || fail "statuses $sa and $sb: $(cat a.err b.err)"
  grep -h 'another kubestellar start (pid [0-9]*) is running for' a.err b.err
  for c in "${NAMES[@]}"; do [ "$(ours "$c" | wc -l)" -eq 1 ] || fail "$c: $(ours "$c")"; done
  run --separate-stderr kubestellar stop
  assert_success
  assert_line --index 3 'kubestellar stopped .....'
  for c in "${NAMES[@]}"; do [ -z "$(ours "$c")" ] || fail "$c still runs"; done
}

@test "7: stop ends a controller's setsid grandchild; a controller that execs is running, not 'exited'" {
  stand_in mailbox-controller "(setsid sleep 1000 & echo \$! >$TEST_TMP/grandchild) & sleep 1000 & wait"
  stand_in placement-translator 'exec sleep 1001'
  run --separate-stderr kubestellar start --local-kcp false --ensure-wmw ''
  assert_success
  assert_line ' placement translator is running (log file: '"$TEST_TMP"'/kubestellar-logs/placement-translator-log.txt)'
  refute_output --partial 'exited'
  wait_for "$TEST_TMP/grandchild"
  gc="$(cat "$TEST_TMP/grandchild")"
  alive "$gc"
  [ "$(ps -o sid= -p "$gc" | tr -d ' ')" = "$gc" ] # its own session
  exec_pid="$(pgrep -f '^sleep 1001$')"
  run --separate-stderr kubestellar stop
  assert_success
  ! alive "$gc" || fail "the setsid grandchild $gc outlived stop"
  ! alive "$exec_pid" || fail "the exec'd controller $exec_pid outlived stop"
}

@test "12.8: stop also stops controllers started by hand, never a process that merely names one" {
  "$TEST_TMP/ctl/mailbox-controller" -v=2 >/dev/null 2>&1 3>&- &
  hand=$!
  bash -c 'sleep 1000; :' mailbox-controller 3>&- &
  decoys+=($!)
  tail -f "$TEST_TMP/ctl/placement-translator" >/dev/null 3>&- &
  decoys+=($!)
  sleep 0.2
  run --separate-stderr kubestellar stop
  assert_success
  assert_output "An older deployment of mailbox-controller is already running - terminating it ....
kubestellar stopped ....."
  ! alive "$hand" || fail "the hand-started controller survived"
  for d in "${decoys[@]}"; do alive "$d" || fail "decoy $d was stopped"; done
}

@test "8: without /proc (forced to ps): start, exec'd controller, setsid grandchild, hand-started controller, stop" {
  export KUBESTELLAR_PROCESS_TABLE=ps
  stand_in mailbox-controller "(setsid sleep 1000 & echo \$! >$TEST_TMP/grandchild) & sleep 1000 & wait"
  stand_in placement-translator 'exec sleep 1002'
  run --separate-stderr kubestellar start --local-kcp false --ensure-wmw ''
  assert_success
  refute_output --partial 'exited'
  jq -e '.table == "ps"' "$HOME/.kubestellar/run/mailbox-controller.pid.json"
  wait_for "$TEST_TMP/grandchild"
  gc="$(cat "$TEST_TMP/grandchild")"
  "$TEST_TMP/ctl/kubestellar-where-resolver" >/dev/null 2>&1 3>&- &
  extra=$!
  bash -c 'sleep 1000; :' kubestellar-where-resolver 3>&- &
  decoys+=($!)
  run --separate-stderr kubestellar stop
  assert_success
  for c in "${NAMES[@]}"; do assert_line "An older deployment of $c is already running - terminating it ...."; done
  ! alive "$gc" || fail "the setsid grandchild survived"
  ! alive "$extra" || fail "the hand-started controller survived"
  alive "${decoys[0]}"
  [ -z "$(pgrep -f '^sleep 1002$')" ]
  run kubestellar init --local-kcp true --ensure-wmw ''
  assert_failure
  assert_output --partial 'no local process named "kcp" is running'
}
