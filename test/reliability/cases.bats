#!/usr/bin/env bats
# Issue 13, cases 2 to 8, and issue 12's items 8 and 10, as a user meets them: against a
# sandbox (one per file, initialised once), with private kubeconfig copies per test.
load lib/reliability

setup_file() { rel_file_sandbox; }
teardown_file() { SANDBOX_PID="$FILE_SB_PID" stop_sandbox; }

setup() {
  setup_tmp
  cp "$FILE_SB_KC" "$TEST_TMP/kubeconfig"
  export KUBECONFIG="$TEST_TMP/kubeconfig"
}
teardown() {
  [ -n "${bg:-}" ] && kill "$bg" 2>/dev/null
  [ -n "${SANDBOX_PID:-}" ] && [ "$SANDBOX_PID" != "$FILE_SB_PID" ] && stop_sandbox
  teardown_tmp
}

# one_line: stderr is exactly one line, never a stack trace
one_line() {
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "expected one line on stderr, got: $stderr"
  [[ "$stderr" != *"    at "* ]] || fail "stack trace: $stderr"
}
log_mark() { wc -l <"$FILE_SB_LOG" | tr -d ' '; }
writes_since() { sandbox_mutations_since "$FILE_SB_LOG" "$1"; }

# a kubeconfig for the file's server with another CA, or another token
kubeconfig_with() {
  local what="$1" ca
  cp "$FILE_SB_KC" "$TEST_TMP/$what.kubeconfig"
  case "$what" in
    wrong-ca)
      ca="$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=other -days 1 2>/dev/null | base64 -w0)"
      sed -i "s|certificate-authority-data: .*|certificate-authority-data: $ca|" "$TEST_TMP/$what.kubeconfig" ;;
    bad-token) sed -i 's|token: .*|token: not-a-token|' "$TEST_TMP/$what.kubeconfig" ;;
  esac
  echo "$TEST_TMP/$what.kubeconfig"
}

# ---- 2. permanent errors fail fast ----

@test "2: init without --timeout against a wrong CA fails at once, naming TLS verification" {
  kc="$(kubeconfig_with wrong-ca)"
  SECONDS=0
  run --separate-stderr timeout 60 kubestellar init --local-kcp false --ensure-wmw '' --ensure-imw '' --kubeconfig "$kc"
  # kubestellar takes no --kubeconfig: KUBECONFIG then
  [ "$status" -ne 0 ]
  KUBECONFIG="$kc" run --separate-stderr timeout 60 kubestellar init --local-kcp false --ensure-wmw '' --ensure-imw ''
  assert_failure 1
  [ "$SECONDS" -lt 10 ] || fail "took ${SECONDS}s"
  [[ "$stderr" == *"failed TLS verification"* ]] || fail "$stderr"
  [[ "$(tail -1 <<<"$stderr")" == "kubestellar: "* ]]
}

@test "2: init without --timeout with a rejected token fails at once with exit 6" {
  SECONDS=0
  KUBECONFIG="$(kubeconfig_with bad-token)" run --separate-stderr timeout 60 kubestellar init --local-kcp false --ensure-wmw '' --ensure-imw ''
  assert_failure 6
  [ "$SECONDS" -lt 10 ] || fail "took ${SECONDS}s"
  [[ "$(tail -1 <<<"$stderr")" == *nauthorized* ]] || fail "$stderr"
}

@test "2: wait-and-switch-domain fails at once on a wrong CA and on an empty, non-YAML or unreadable IN" {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=x -days 1 -out ca.crt 2>/dev/null
  SECONDS=0
  run --separate-stderr timeout 60 wait-and-switch-domain "$(kubeconfig_with wrong-ca)" out.yaml root yep.yep 6443 ca.crt
  assert_failure 1
  # the progress line, then the one line naming the cause
  [ "$(printf '%s\n' "$stderr" | wc -l)" -le 2 ] || fail "$stderr"
  [[ "$(tail -1 <<<"$stderr")" == "wait-and-switch-domain: "*"failed TLS verification"* ]] || fail "$stderr"
  : >empty.kubeconfig
  run --separate-stderr timeout 60 wait-and-switch-domain empty.kubeconfig out.yaml root yep.yep 6443 ca.crt
  assert_failure 1
  assert_equal "$stderr" 'wait-and-switch-domain: the input kubeconfig empty.kubeconfig is empty'
  echo 'clusters: [unclosed' >bad.kubeconfig
  run --separate-stderr timeout 60 wait-and-switch-domain bad.kubeconfig out.yaml root yep.yep 6443 ca.crt
  assert_failure 1
  one_line
  [[ "$stderr" == *"cannot parse kubeconfig"*bad.kubeconfig* ]] || fail "$stderr"
  mkdir dir.kubeconfig
  run --separate-stderr timeout 60 wait-and-switch-domain dir.kubeconfig out.yaml root yep.yep 6443 ca.crt
  assert_failure 1
  assert_equal "$stderr" 'wait-and-switch-domain: cannot read the input kubeconfig dir.kubeconfig: it is a directory'
  [ "$SECONDS" -lt 15 ] || fail "took ${SECONDS}s"
  [ ! -e out.yaml ]
}

# ---- 3. nothing changes when a command fails on its input ----

@test "3: prep-for-syncer with -o '', -o DIR or -o in a missing directory sends no write and creates no file" {
  cp "$KUBECONFIG" before
  for o in '' "$TEST_TMP" "$TEST_TMP/missing/x.yaml"; do
    mark="$(log_mark)"
    run --separate-stderr kubectl kubestellar prep-for-syncer --imw root:imw1 -o "$o" demo-o
    assert_failure 1
    one_line
    [ -z "$(writes_since "$mark")" ] || fail "writes for -o '$o': $(writes_since "$mark")"
  done
  [ ! -e "$TEST_TMP/missing" ]
  cmp "$KUBECONFIG" before
  run --separate-stderr kubectl kubestellar prep-for-syncer --imw root:imw1 --syncer-image '' demo-o
  assert_failure 1
  assert_equal "$stderr" 'kubectl kubestellar prep-for-syncer: --syncer-image must not be empty'
}

@test "3: ensure wmw against an unreachable server neither rewrites the kubeconfig nor prints a workspace line" {
  sed -i "s|server: https://[^/]*|server: https://127.0.0.1:1|" "$KUBECONFIG"
  cp "$KUBECONFIG" before
  run --separate-stderr timeout 30 kubectl kubestellar ensure wmw wmw-x
  assert_failure 7
  one_line
  [ -z "$output" ]
  [[ "$stderr" == *"connection refused"* ]] || fail "$stderr"
  cmp "$KUBECONFIG" before
}

@test "3: a command that fails after moving the workspace leaves the kubeconfig byte-identical" {
  cp "$KUBECONFIG" before
  # prep-for-syncer moves to the IMW, then fails: there is no such SyncTarget
  run --separate-stderr kubectl kubestellar prep-for-syncer --imw root:imw1 nosuch
  assert_failure
  assert_line --index 0 'Current workspace is "root:imw1".'
  [[ "$stderr" == *'SyncTarget "nosuch" not found'* ]] || fail "$stderr"
  cmp "$KUBECONFIG" before
  ! grep -q 'workspace.kcp.io/current' "$KUBECONFIG"
}

@test "3: kubestellar-sandbox start with a bad --request-log, a busy port or an empty --root-directory writes no state" {
  run --separate-stderr kubestellar-sandbox start --root-directory st1 --secure-port 0 --request-log "$TEST_TMP/no/such/dir/log"
  assert_failure
  one_line
  [ ! -e st1 ]
  run --separate-stderr kubestellar-sandbox start --root-directory st2 --secure-port 0 --request-log "$TEST_TMP"
  assert_failure
  one_line
  [ ! -e st2 ]
  port="${FILE_SB_URL##*:}"
  run --separate-stderr kubestellar-sandbox start --root-directory st3 --secure-port "$port"
  assert_failure
  assert_equal "$stderr" "kubestellar-sandbox: cannot listen on 127.0.0.1:$port: the address is already in use"
  [ ! -e st3 ]
  run --separate-stderr kubestellar-sandbox start --root-directory '' --secure-port 0
  assert_failure
  assert_equal "$stderr" 'kubestellar-sandbox: --root-directory must not be empty'
  [ -z "$(ls -A "$TEST_TMP" | grep -v -e '^home$' -e '^kubeconfig$')" ]
}

@test "3: ensure-kcp-server-creds on a garbage pki/ca.crt creates nothing" {
  mkdir pki
  echo garbage >pki/ca.crt
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_failure 1
  assert_equal "$stderr" "kubestellar-ensure-kcp-server-creds: $TEST_TMP/pki/ca.crt does not hold a PEM certificate; move it aside to let a new CA be made"
  [ "$(ls -A pki)" = ca.crt ]
}

# ---- 4. errors name the thing ----

@test "4: a kubeconfig that is a directory, garbage base64 CA data, a long argument: one line each, in words" {
  mkdir kcdir
  run --separate-stderr kubectl kubestellar ensure wmw --kubeconfig kcdir w
  assert_failure 1
  assert_equal "$stderr" "kubectl kubestellar ensure wmw: cannot read kubeconfig $TEST_TMP/kcdir: it is a directory"
  sed -i 's|certificate-authority-data: .*|certificate-authority-data: "%%% not base64 %%%"|' "$KUBECONFIG"
  run --separate-stderr kubectl kubestellar ensure wmw w
  assert_failure 1
  one_line
  [[ "$stderr" == *"certificate-authority-data of cluster"*"is not valid base64" ]] || fail "$stderr"
  long="$(head -c 100000 /dev/zero | tr '\0' a)"
  run --separate-stderr kubestellar "$long"
  assert_failure 1
  one_line
  [ "${#stderr}" -lt 300 ] || fail "an error of ${#stderr} characters"
  [[ "$stderr" == *"(100000 characters)"* ]]
}

# ---- 5. secrets ----

@test "5: -X masks --token and password-like flags" {
  run --separate-stderr kubectl kubestellar ensure wmw -X --token s3cr3t-value --password=hunter2 w
  [[ "$stderr" != *s3cr3t-value* ]] || fail "token echoed: $stderr"
  [[ "$stderr" != *hunter2* ]] || fail "password echoed: $stderr"
  run --separate-stderr kubectl kubestellar ensure location -X --token=s3cr3t-value --imw root:imw1 l1 a=b
  [[ "$stderr" == *"--token=***"* ]] || fail "$stderr"
  [[ "$stderr" != *s3cr3t-value* ]] || fail "token echoed: $stderr"
}

# ---- 6. kubeconfig files as kubectl treats them ----

@test "6: a kubeconfig that is a symlink is written through the link" {
  mv "$KUBECONFIG" real.kubeconfig
  ln -s real.kubeconfig "$KUBECONFIG"
  run --separate-stderr kubectl kubestellar ensure location --imw root:imw1 sym1 a=b
  assert_success
  [ -L "$KUBECONFIG" ]
  grep -q 'root:imw1' real.kubeconfig
  [ "$(kubectl config current-context)" = workspace.kcp.io/current ]
}

@test "6: a read while kubectl rewrites the file in place waits for its lock instead of failing" {
  cp "$KUBECONFIG" full
  : >"$KUBECONFIG.lock"          # kubectl's lock holds no pid
  : >"$KUBECONFIG"               # truncated, as mid-rewrite
  (sleep 0.5; cat full >"$KUBECONFIG"; rm -f "$KUBECONFIG.lock") 3>&- &
  bg=$!
  run --separate-stderr timeout 30 kubectl kubestellar ensure location --imw root:imw1 torn1 a=b
  assert_success
  assert_output --partial 'Current workspace is "root:imw1".'
}

@test "6: an empty lock left behind, a lock of an unrelated live process and a lock directory are named at once" {
  : >"$KUBECONFIG.lock"
  SECONDS=0
  run --separate-stderr timeout 30 kubectl kubestellar ensure location --imw root:imw1 lk1 a=b
  assert_failure 1
  one_line
  [[ "$stderr" == *"the lock $KUBECONFIG.lock has been empty for"*"probably left by a killed kubectl; if no kubectl or kubestellar command is using $KUBECONFIG, remove $KUBECONFIG.lock" ]] || fail "$stderr"
  [ "$SECONDS" -lt 8 ] || fail "took ${SECONDS}s"
  sleep 1000 3>&- &
  bg=$!
  echo "$bg" >"$KUBECONFIG.lock"
  SECONDS=0
  run --separate-stderr timeout 30 kubectl kubestellar ensure location --imw root:imw1 lk1 a=b
  assert_failure 1
  [[ "$stderr" == *"the lock $KUBECONFIG.lock names pid $bg (sleep 1000), which is not a kubectl or kubestellar command"* ]] || fail "$stderr"
  [ "$SECONDS" -lt 3 ] || fail "took ${SECONDS}s"
  rm "$KUBECONFIG.lock"
  mkdir "$KUBECONFIG.lock"
  run --separate-stderr timeout 30 kubectl kubestellar ensure location --imw root:imw1 lk1 a=b
  assert_failure 1
  assert_equal "$stderr" "kubectl kubestellar ensure location: the lock $KUBECONFIG.lock is a directory, not a lock file; remove it (rmdir $KUBECONFIG.lock)"
}

@test "6: a dead writer's temp file is removed by the next write; temp files are never world-readable" {
  sleep 0.01 & dead=$!; wait "$dead"
  tmp="$TEST_TMP/.kubeconfig.$dead.0123abcd.tmp"
  echo 'token: leaked' >"$tmp"
  chmod 644 "$tmp"
  run --separate-stderr kubectl kubestellar ensure location --imw root:imw1 tmp1 a=b
  assert_success
  [ ! -e "$tmp" ]
  [ "$(stat -c %a "$KUBECONFIG")" = 600 ]
  # watch the directory while a write happens: every temp file seen is 0600
  (for i in $(seq 400); do stat -c '%a %n' "$TEST_TMP"/.kubeconfig.*.tmp 2>/dev/null; done >seen) 3>&- &
  bg=$!
  kubectl kubestellar ensure location --imw root:imw1 tmp2 a=b >/dev/null 2>&1
  wait "$bg" || true
  bg=
  ! grep -v '^600 ' seen
}

# ---- issue 12 item 10: a closed stdout, and signals ----

@test "12.10: prep-for-syncer -o - into a closed pipe ends quietly and puts the workspace back" {
  kubectl kubestellar ensure location --imw root:imw1 pipe1 a=b >/dev/null 2>&1
  # head -1: the manifest fits the pipe, so it may well succeed; either way no trace and back in root:imw1
  run --separate-stderr bash -c 'kubectl kubestellar prep-for-syncer --imw root:imw1 pipe1 -o - | head -1'
  assert_output '---'
  [[ "$stderr" != *EPIPE* && "$stderr" != *"    at "* ]] || fail "$stderr"
  grep -q "server: .*/clusters/root:imw1$" "$KUBECONFIG"
  cp "$KUBECONFIG" before
  # a reader that is gone before the manifest comes: exit 141 as by SIGPIPE, not a word, file as before
  run --separate-stderr bash -c 'set -o pipefail; kubectl kubestellar prep-for-syncer --imw root:imw1 pipe1 -o - | true'
  assert_failure 141
  [[ "$stderr" != *EPIPE* && "$stderr" != *"    at "* && "$stderr" != *"prep-for-syncer:"* ]] || fail "$stderr"
  cmp "$KUBECONFIG" before
}

@test "12.10: SIGINT and SIGTERM while the workspace is moved put it back" {
  # a sandbox without the mailbox emulation: prep-for-syncer waits in the ESPW
  sandbox_start_in "$TEST_TMP/sb2" "$TEST_TMP" || fail "no sandbox"
  cp "$SANDBOX_DIR/admin.kubeconfig" "$KUBECONFIG"
  kubestellar init --local-kcp false --ensure-wmw '' >/dev/null 2>&1
  kubectl kubestellar ensure location --imw root:imw1 sig1 a=b >/dev/null 2>&1
  cp "$KUBECONFIG" before
  for sig in INT TERM; do
    kubectl kubestellar prep-for-syncer --imw root:imw1 sig1 >out 2>err 3>&- &
    bg=$!
    for i in $(seq 200); do grep -q 'root:espw' out 2>/dev/null && break; sleep 0.05; done
    grep -q 'Current workspace is "root:espw".' out || fail "never reached the ESPW: $(cat out err)"
    grep -q 'root:espw' "$KUBECONFIG"
    kill -"$sig" "$bg"
    status=0; wait "$bg" || status=$?
    bg=
    [ "$status" -ne 0 ]
    cmp "$KUBECONFIG" before || fail "SIG$sig left the kubeconfig changed"
    grep -q "interrupted (SIG$sig)" err
  done
}
