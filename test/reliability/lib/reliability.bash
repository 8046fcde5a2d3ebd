# Shared by the reliability suite: the bats helpers, a sandbox per run, the walkthrough's
# four commands, and a dump of the server's state that two runs can be compared by.
load "$BATS_TEST_DIRNAME/../bats/helpers"
load "$BATS_TEST_DIRNAME/../bats/file-sandbox"

# Quick workspace phases and mailboxes: the suite measures the client, not the waits.
export KUBESTELLAR_SANDBOX_WORKSPACE_STEP_MS=20 KUBESTELLAR_SANDBOX_MAILBOX_DELAY_MS=100

# rel_sandbox DIR [flags...]: a sandbox with the mailbox emulation serving DIR/kcp, its
# request log in DIR/requests.jsonl; KUBECONFIG is a private copy of its admin.kubeconfig.
rel_sandbox() {
  local dir="$1"
  shift
  start_file_sandbox "$dir" "$@" || return 1
  cp "$SANDBOX_DIR/admin.kubeconfig" "$dir/kubeconfig"
  export KUBECONFIG="$dir/kubeconfig"
}

# rel_file_sandbox: in setup_file, one sandbox for the file, set up by `kubestellar init`
# (no WMW); exports FILE_SB_PID FILE_SB_URL FILE_SB_KC FILE_SB_LOG.
rel_file_sandbox() {
  export NO_COLOR=1
  local dir="$BATS_FILE_TMPDIR/sb"
  mkdir -p "$dir"
  rel_sandbox "$dir" || return 1
  (cd "$dir" && kubestellar init --local-kcp false --ensure-wmw '' >/dev/null 2>&1) || { stop_sandbox; return 1; }
  export FILE_SB_PID="$SANDBOX_PID" FILE_SB_URL="$SANDBOX_URL" FILE_SB_KC="$SANDBOX_DIR/admin.kubeconfig" FILE_SB_LOG="$dir/requests.jsonl"
}

# rel_walk DIR: init, ensure location, ensure wmw, prep-for-syncer, each once, in DIR.
# Each must succeed on its first try; the failing step is named.
rel_walk() {
  local dir="$1" step
  cd "$dir" || return 1
  for step in \
    "timeout 120 kubestellar init --local-kcp false --ensure-wmw root:wmw1" \
    "timeout 60 kubectl kubestellar ensure location --imw root:imw1 florin env=prod" \
    "timeout 60 kubectl kubestellar ensure wmw wmw-c" \
    "timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw1 florin"; do
    if ! $step >>"$dir/walk.out" 2>>"$dir/walk.err"; then
      echo "failed on the first try: $step" >&2
      tail -3 "$dir/walk.err" >&2
      return 1
    fi
  done
}

# rel_dump KUBECONFIG: what the walk made, as sorted JSON lines (lib/dump-state.mjs).
rel_dump() { node "$BATS_TEST_DIRNAME/lib/dump-state.mjs" "$1"; }

# rel_faults LOG: how many requests the log holds and how many were answered by a fault.
rel_faults() {
  jq -s '"\(length) requests, \([.[] | select(.fault != null or .status == 0)] | length) faults (\([.[] | select(.status == 0)] | length) resets, \([.[] | select(.status == 500)] | length) 500s, \([.[] | select(.status == 429)] | length) 429s)"' -r "$1"
}
