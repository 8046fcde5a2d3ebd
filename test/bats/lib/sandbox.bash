# A kubestellar-sandbox per test. Use with:
#   load helpers; load lib/sandbox
#   setup() { setup_tmp; }   teardown() { stop_sandbox; teardown_tmp; }
#   start_sandbox [extra flags...]
# start_sandbox exports KUBECONFIG (the sandbox's admin.kubeconfig), SANDBOX_PID,
# SANDBOX_URL (https://127.0.0.1:PORT) and SANDBOX_DIR; its stderr is $TEST_TMP/sandbox.log.

# sandbox_start_in DIR LOGDIR [extra flags...]: the one way tests start a sandbox.
# Serves from DIR, logs to LOGDIR/sandbox.{out,log}; exports SANDBOX_DIR, SANDBOX_PID
# and SANDBOX_URL once DIR/admin.kubeconfig exists (bounded wait, 10 s).
sandbox_start_in() {
  local dir="$1" logdir="$2"
  shift 2
  SANDBOX_DIR="$dir"
  export SANDBOX_DIR
  mkdir -p "$dir" "$logdir"
  rm -f "$SANDBOX_DIR/admin.kubeconfig"
  # fd 3 closed so bats does not wait for the server; stdout away from the test's output
  kubestellar-sandbox start --secure-port 0 --root-directory "$SANDBOX_DIR" "$@" \
    >>"$logdir/sandbox.out" 2>>"$logdir/sandbox.log" 3>&- &
  SANDBOX_PID=$!
  export SANDBOX_PID
  local i
  for ((i = 0; i < 200; i++)); do
    [ -s "$SANDBOX_DIR/admin.kubeconfig" ] && break
    if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
      echo "kubestellar-sandbox exited before serving:" >&2
      cat "$logdir/sandbox.log" >&2
      unset SANDBOX_PID
      return 1
    fi
    sleep 0.05
  done
  if [ ! -s "$SANDBOX_DIR/admin.kubeconfig" ]; then
    echo "kubestellar-sandbox did not write admin.kubeconfig within 10s:" >&2
    cat "$logdir/sandbox.log" >&2
    stop_sandbox
    return 1
  fi
  SANDBOX_URL="$(sed -n 's/^    server: \(https:\/\/[^/]*\)$/\1/p' "$SANDBOX_DIR/admin.kubeconfig" | head -1)"
  export SANDBOX_URL
}

# start_sandbox [extra flags...]: a sandbox for this test, in $TEST_TMP/.kcp, with
# KUBECONFIG pointing at its admin.kubeconfig.
start_sandbox() {
  sandbox_start_in "$TEST_TMP/.kcp" "$TEST_TMP" "$@" || return 1
  KUBECONFIG="$SANDBOX_DIR/admin.kubeconfig"
  export KUBECONFIG
}

# sandbox_mutations_since LOG MARK: writes logged after line MARK of a --request-log
# file, one "METHOD PATH STATUS" per line (a re-run that changes nothing prints none).
sandbox_mutations_since() {
  tail -n +"$(($2 + 1))" "$1" | jq -r 'select(.method != "GET" and .method != "HEAD") | "\(.method) \(.path) \(.status)"'
}

# SIGTERM and wait (bounded); SIGKILL if it does not stop within 5 s.
stop_sandbox() {
  [ -n "${SANDBOX_PID:-}" ] || return 0
  if kill -0 "$SANDBOX_PID" 2>/dev/null; then
    kill -TERM "$SANDBOX_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$SANDBOX_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$SANDBOX_PID" 2>/dev/null && kill -KILL "$SANDBOX_PID" 2>/dev/null
  fi
  wait "$SANDBOX_PID" 2>/dev/null || true
  unset SANDBOX_PID
}

# kill -9, as a crash would (for persistence tests)
kill9_sandbox() {
  [ -n "${SANDBOX_PID:-}" ] || return 0
  kill -KILL "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
  unset SANDBOX_PID
}

# kubectl against a workspace path of the running sandbox, admin credentials:
#   ws_kubectl root:foo get configmaps
ws_kubectl() {
  local ws="$1"
  shift
  kubectl --server "$SANDBOX_URL/clusters/$ws" "$@"
}

# Waits (bounded, seconds) until `kubectl get workspace NAME` in parent path is Ready.
wait_workspace_ready() {
  local parent="$1" name="$2" timeout="${3:-10}" i
  for ((i = 0; i < timeout * 10; i++)); do
    [ "$(ws_kubectl "$parent" get workspace "$name" -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready ] && return 0
    sleep 0.1
  done
  echo "workspace $parent:$name not Ready within ${timeout}s" >&2
  return 1
}
