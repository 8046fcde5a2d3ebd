#!/usr/bin/env bats
# kubestellar start/stop with stand-in controllers (bash scripts that sleep) on PATH:
# launched detached with logs, restarted by start, stopped by stop, and a decoy with a
# controller's name in its arguments (or its pid in a forged pid file) left alone.
load helpers
load file-sandbox

setup_file() {
  export NO_COLOR=1
  start_file_sandbox "$BATS_FILE_TMPDIR/sb"
}
teardown_file() { stop_file_sandbox; }

setup() {
  setup_tmp
  use_sandbox_kubeconfig
  export KUBESTELLAR_LAUNCH_CHECK_MS=300 KUBESTELLAR_STOP_GRACE_MS=2000
  mkdir -p "$TEST_TMP/ctl"
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do
    printf '#!/usr/bin/env bash\necho "%s started: $*"\ntrap "echo %s stopping; kill \\$!; exit 0" TERM\nsleep 1000 & wait\n' "$c" "$c" >"$TEST_TMP/ctl/$c"
    chmod +x "$TEST_TMP/ctl/$c"
  done
  export PATH="$TEST_TMP/ctl:$PATH"
}

teardown() {
  kubestellar stop >/dev/null 2>&1 || true
  # the decoy and its sleep (killing only the shell would orphan the sleep)
  [ -n "${decoy:-}" ] && { pkill -KILL -P "$decoy"; kill -KILL "$decoy"; } 2>/dev/null
  teardown_tmp
}

# pid_of NAME: from the pid file start wrote
pid_of() { jq -r .pid "$HOME/.kubestellar/run/$1.pid.json"; }
alive() { [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# session_members PID: processes in the session the controller leads
session_members() { ps -e -o sid=,pid=,stat= | awk -v s="$1" '$1 == s && $3 !~ /^Z/ {print $2, $3}'; }

@test "start launches the three controllers, logs to --log-folder, prints the original's lines" {
  run --separate-stderr kubestellar start --local-kcp false --log-folder "$TEST_TMP/logs"
  assert_success
  assert_line 'Finished populating the espw with kubestellar apiexports'
  assert_line 'Launching KubeStellar ...'
  assert_line " mailbox-controller is running (log file: $TEST_TMP/logs/mailbox-controller-log.txt)"
  assert_line " where-resolver is running (log file: $TEST_TMP/logs/kubestellar-where-resolver-log.txt)"
  assert_line " placement translator is running (log file: $TEST_TMP/logs/placement-translator-log.txt)"
  assert_line 'Finished launching KubeStellar ...'
  assert_line --index $((${#lines[@]} - 1)) 'Current workspace is "root".'
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do
    alive "$(pid_of $c)"
  done
  grep -q 'mailbox-controller started: -v=2' "$TEST_TMP/logs/mailbox-controller-log.txt"
  grep -q 'placement-translator started: --allclusters-context system:admin -v=2' "$TEST_TMP/logs/placement-translator-log.txt"
  assert_initialized
}

@test "start again restarts them (logs appended); stop leaves no process; a decoy survives" {
  cd "$TEST_TMP"
  bash -c 'sleep 1000; :' placement-translator 3>&- &
  decoy=$!
  run kubestellar start --local-kcp false --ensure-wmw ''
  assert_success
  [ -d "$TEST_TMP/kubestellar-logs" ]
  first="$(pid_of placement-translator)"
  run kubestellar -V start --local-kcp=false --ensure-wmw ''
  assert_success
  assert_line 'An older deployment of placement-translator is already running - terminating it ....'
  second="$(pid_of placement-translator)"
  [ "$first" != "$second" ]
  refute alive "$first"
  [ "$(grep -c 'started' kubestellar-logs/placement-translator-log.txt)" -eq 2 ]
  grep -q 'placement-translator stopping' kubestellar-logs/placement-translator-log.txt

  pids=()
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do pids+=("$(pid_of $c)"); done
  run kubestellar stop
  assert_success
  assert_line 'An older deployment of mailbox-controller is already running - terminating it ....'
  assert_line 'An older deployment of kubestellar-where-resolver is already running - terminating it ....'
  assert_line --index $((${#lines[@]} - 1)) 'kubestellar stopped .....'
  for p in "${pids[@]}"; do
    refute alive "$p"
    left="$(session_members "$p")"
    [ -z "$left" ] || { echo "left in session $p: $left" >&2; false; }
  done
  [ -z "$(ls "$HOME/.kubestellar/run")" ]
  alive "$decoy"
  run kubestellar stop
  assert_success
  assert_output 'kubestellar stopped .....'
}

@test "a pid file naming a process that is not ours is never signalled" {
  bash -c 'sleep 1000; :' mailbox-controller 3>&- &
  decoy=$!
  sleep 0.1
  mkdir -p "$HOME/.kubestellar/run"
  start="$(awk '{print $22}' /proc/$decoy/stat)"
  printf '{"name":"mailbox-controller","pid":%s,"startTime":"%s","exe":"%s","args":[],"startedAt":""}\n' \
    "$decoy" "$start" "$TEST_TMP/ctl/mailbox-controller" >"$HOME/.kubestellar/run/mailbox-controller.pid.json"
  run kubestellar stop
  assert_success
  assert_output --partial 'left it alone'
  alive "$decoy"
  printf '{"name":"mailbox-controller","pid":%s,"startTime":"1","exe":"/bin/bash","args":[],"startedAt":""}\n' \
    "$decoy" >"$HOME/.kubestellar/run/mailbox-controller.pid.json"
  run kubestellar stop
  assert_success
  alive "$decoy"
}

@test "a missing executable is named and nothing is launched" {
  rm "$TEST_TMP/ctl/kubestellar-where-resolver"
  run kubestellar start --local-kcp false --ensure-wmw ''
  assert_failure
  assert_output --partial 'not found on PATH: kubestellar-where-resolver'
  [ ! -e "$HOME/.kubestellar/run/mailbox-controller.pid.json" ]
}

@test "a controller that dies at once is reported with its log" {
  printf '#!/usr/bin/env bash\necho "cannot connect"; exit 3\n' >"$TEST_TMP/ctl/mailbox-controller"
  run kubestellar start --local-kcp false --ensure-wmw '' --log-folder logs
  assert_failure
  assert_output --partial "mailbox-controller exited right after launch; see $TEST_TMP/logs/mailbox-controller-log.txt"
  assert_output --partial ' placement translator is running'
  grep -q 'cannot connect' logs/mailbox-controller-log.txt
}

@test "stop leaves nothing of a controller's process group, even children that outlive it" {
  # Each stand-in leaves two children that ignore its death, one of them SIGTERM too:
  # signalling only the controller (not its group) would orphan them.
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do
    cat >"$TEST_TMP/ctl/$c" <<'SH'
#!/usr/bin/env bash
sleep 1000 &
echo "child $!"
bash -c 'trap "" TERM; echo "child $$"; while :; do sleep 0.2; done' &
wait
SH
  done
  run kubestellar start --local-kcp false --ensure-wmw '' --log-folder logs
  assert_success
  for i in $(seq 100); do [ "$(cat logs/*-log.txt | grep -c '^child ')" -eq 6 ] && break; sleep 0.05; done
  children=($(awk '/^child /{print $2}' logs/*-log.txt))
  assert_equal "${#children[@]}" 6
  pids=()
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do pids+=("$(pid_of $c)"); done
  for p in "${children[@]}"; do alive "$p"; done
  run kubestellar stop
  assert_success
  for p in "${pids[@]}" "${children[@]}"; do refute alive "$p"; done
  for p in "${pids[@]}"; do assert_equal "$(session_members "$p")" ""; done
}
