#!/usr/bin/env bats
# kubectl kubestellar doctor against the sandbox: the walkthrough setup (init, florin and
# guilder, prep-for-syncer, controllers started by `kubestellar start`, florin's syncer
# manifest applied to a second sandbox acting as the WEC) passes every check; each
# broken copy of it fails exactly the check that names the problem, with its fix.
#
# setup_file builds that setup once and stops both sandboxes; every test starts its own
# copy of their state on the same ports (so the syncer's kubeconfig in the WEC still
# points at the core), breaks it, and runs the doctor. The copies run without the
# mailbox controller emulation, so nothing repairs what a test breaks.
load helpers
load lib/sandbox

# kcore PATH ARGS / kwec ARGS: plain kubectl against the test's core workspace PATH / the WEC.
kcore() {
  local ws="$1"
  shift
  kubectl --kubeconfig "$CORE_KUBECONFIG" --server "$CORE_URL/clusters/$ws" "$@"
}
kwec() { kubectl --kubeconfig "$WEC_KUBECONFIG" "$@"; }

# wait_for DESCRIPTION COMMAND...: until COMMAND succeeds (bounded, 10 s)
wait_for() {
  local what="$1" i
  shift
  for ((i = 0; i < 100; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "timed out waiting for $what" >&2
  return 1
}

# mailbox_of NAME: path of the SyncTarget's mailbox workspace (under root as v0.14 puts
# it, or under the ESPW as older cores did), from its sync-target-name annotation.
mailbox_of() {
  local parent name
  for parent in root root:espw; do
    name="$(kcore "$parent" get workspaces -o json 2>/dev/null |
      jq -r --arg st "$1" '.items[] | select(.metadata.annotations["edge.kubestellar.io/sync-target-name"] == $st) | .metadata.name')"
    [ -n "$name" ] && { echo "$parent:$name"; return 0; }
  done
  return 1
}

# syncer_id NAME: the syncer's ServiceAccount in the mailbox workspace
syncer_id() {
  kcore "$(mailbox_of "$1")" get serviceaccounts -n default -o name | sed -n "s|^serviceaccount/\(kubestellar-syncer-$1-.*\)|\1|p" | head -1
}

# start_copy NAME DIR PORT [flags]: a sandbox serving a copy of $TPL/NAME on PORT.
start_copy() {
  local name="$1" port="$2"
  shift 2
  cp -a "$TPL/$name" "$TEST_TMP/$name"
  sandbox_start_in "$TEST_TMP/$name" "$TEST_TMP/$name-logs" --secure-port "$port" "$@"
}

setup_file() {
  export TPL="$BATS_FILE_TMPDIR/tpl"
  export KUBESTELLAR_RUN_DIR="$BATS_FILE_TMPDIR/run" KUBESTELLAR_LAUNCH_CHECK_MS=300
  export CTL="$BATS_FILE_TMPDIR/ctl"
  mkdir -p "$TPL" "$CTL"
  # stand-ins for the three controllers: they log, then become a sleep that keeps the
  # controller's path as argv[0] (so their pid records stay valid) but is not taken for
  # a hand-started controller by another test's `kubestellar start|stop` on this machine
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do
    printf '#!/usr/bin/env bash\necho "I1122 10:00:00.000000 1 main.go:1] %s started"\nexec -a "$0" sleep 1000\n' "$c" >"$CTL/$c"
    chmod +x "$CTL/$c"
  done
  export PATH="$CTL:$PATH"

  sandbox_start_in "$TPL/core" "$TPL/logs" --kubestellar-controllers
  export CORE_PORT="${SANDBOX_URL##*:}"
  local core_pid="$SANDBOX_PID" core_url="$SANDBOX_URL"
  cp "$TPL/core/admin.kubeconfig" "$TPL/kubeconfig"
  (
    export KUBECONFIG="$TPL/kubeconfig"
    cd "$TPL"
    kubestellar start --local-kcp false --log-folder "$TPL/ctl-logs" >/dev/null
    kubectl kubestellar ensure location --imw root:imw1 florin env=prod >/dev/null
    kubectl kubestellar ensure location --imw root:imw1 guilder env=prod extended=yes >/dev/null
    for st in florin guilder; do
      KUBESTELLAR_MAILBOX_WAIT_SECONDS=20 kubectl kubestellar prep-for-syncer --imw root:imw1 -o "$TPL/$st-syncer.yaml" "$st" >/dev/null 2>>"$TPL/logs/prep.log" || { cat "$TPL/logs/prep.log" >&2; exit 1; }
    done
  )
  CORE_KUBECONFIG="$TPL/core/admin.kubeconfig" CORE_URL="$core_url"
  for st in florin guilder; do
    local mb
    mb="$(mailbox_of "$st")"
    # what v0.14's syncer-gen makes (if our prep-for-syncer did not) and what the placement-translator makes
    kcore "$mb" get edgesyncconfig "$st" >/dev/null 2>&1 ||
      printf 'apiVersion: edge.kubestellar.io/v2alpha1\nkind: EdgeSyncConfig\nmetadata: {name: %s}\nspec: {}\n' "$st" | kcore "$mb" create -f - >/dev/null
    printf 'apiVersion: edge.kubestellar.io/v2alpha1\nkind: SyncerConfig\nmetadata: {name: the-one}\nspec: {}\n' | kcore "$mb" apply -f - >/dev/null
  done

  # the WEC: a second sandbox serving the `kubernetes` kinds in root, with florin's syncer applied and Available
  sandbox_start_in "$TPL/wec" "$TPL/logs"
  export WEC_PORT="${SANDBOX_URL##*:}"
  WEC_KUBECONFIG="$TPL/wec/admin.kubeconfig"
  printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIBinding\nmetadata: {name: kubernetes}\nspec: {reference: {export: {path: root:compute, name: kubernetes}}}\n' | kwec apply -f - >/dev/null
  wait_for "deployments in the WEC" kwec get deployments -A
  kwec apply -f "$TPL/florin-syncer.yaml" >/dev/null
  local id
  id="$(syncer_id florin)"
  kwec -n "$id" patch deployment "$id" --subresource=status --type=merge \
    -p '{"status":{"replicas":1,"availableReplicas":1,"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"}]}}' >/dev/null
  stop_sandbox
  SANDBOX_PID="$core_pid" stop_sandbox
}

# the stand-ins this file started, by their pid records (each leads its own process group)
teardown_file() {
  local f
  for f in "$KUBESTELLAR_RUN_DIR"/*.pid.json; do
    [ -e "$f" ] && kill -TERM -- "-$(jq -r .pid "$f")" 2>/dev/null
  done
  return 0
}

setup() {
  setup_tmp
  start_copy core "$CORE_PORT" --request-log "$TEST_TMP/requests.jsonl" || return 1
  CORE_PID="$SANDBOX_PID" CORE_URL="$SANDBOX_URL" CORE_KUBECONFIG="$SANDBOX_DIR/admin.kubeconfig"
  export KUBECONFIG="$CORE_KUBECONFIG"
  unset SANDBOX_PID
}

teardown() {
  stop_sandbox
  SANDBOX_PID="${CORE_PID:-}" stop_sandbox
  teardown_tmp
}

# start_wec: the test's copy of the WEC sandbox; sets WEC_KUBECONFIG.
start_wec() {
  start_copy wec "$WEC_PORT" || return 1
  WEC_KUBECONFIG="$SANDBOX_DIR/admin.kubeconfig"
}

# doctor ARGS: runs the plugin through kubectl, stderr apart.
doctor() { run --separate-stderr kubectl kubestellar doctor "$@"; }

# assert_fails_only NAME FIX: exit 1, and the one FAIL line is check NAME with that fix.
assert_fails_only() {
  [ "$status" -eq 1 ] || { echo "exit $status, want 1; output: $output" >&2; return 1; }
  local fails
  fails="$(grep '^FAIL' <<<"$output" || true)"
  [ "$(grep -c . <<<"$fails")" -eq 1 ] || { echo "want exactly one FAIL, got: $fails" >&2; return 1; }
  [[ "$fails" == "FAIL  $1: "* ]] || { echo "want check \"$1\" to fail, got: $fails" >&2; return 1; }
  [[ "$fails" == *" -- fix: $2" ]] || { echo "want fix \"$2\", got: $fails" >&2; return 1; }
}

@test "a healthy walkthrough setup passes every check, the WEC's included" {
  start_wec
  doctor --wec-kubeconfig "$WEC_KUBECONFIG" --synctarget florin
  assert_success
  refute_line --regexp '^(FAIL|skip) '
  assert_line --regexp '^ok    ESPW root:espw: Ready$'
  assert_line --regexp '^ok    IMW root:imw1 binding edge.kubestellar.io: Bound to root:espw:edge.kubestellar.io$'
  assert_line --regexp '^ok    WMW root:wmw1 kube bindings: all 16 Bound to root:compute$'
  assert_line --regexp '^ok    controller placement-translator: running, pid [0-9]+'
  assert_line --regexp '^ok    mailbox of root:imw1 guilder: root:(espw:)?[a-z0-9]+-mb-'
  assert_line --regexp '^ok    SyncerConfig of root:imw1 florin: the-one in '
  assert_line --regexp '^ok    WEC florin: syncer kubeconfig: https://127.0.0.1:[0-9]+ reaches root:'
  # 6 server, 7 ESPW/compute, 2 IMW, 3 WMW, 3 controllers, 1 inventory + 2 x 6 per pair, 4 WEC
  [ "${#lines[@]}" -eq 38 ]
  [ "$stderr" = "kubectl kubestellar doctor: 38 passed, 0 failed, 0 skipped" ]
  # read-only: GETs alone reached the core
  [ "$(grep -c . "$TEST_TMP/requests.jsonl")" -gt 20 ]
  [ -z "$(sandbox_mutations_since "$TEST_TMP/requests.jsonl" 0)" ]
}

@test "--json: one object per check with name, status, detail and fix, for jq" {
  doctor --json
  assert_success
  jq -e -s 'length == 34 and all(.[]; (keys == ["detail", "fix", "name", "status"]) and .status == "pass" and .fix == null)' <<<"$output" >/dev/null
  [ "$(jq -r 'select(.name == "kcp version") | .detail' <<<"$output")" = 'kcp v0.11.0 (v1.24.3+kcp-v0.11.0)' ]
}

@test "no ESPW: only the ESPW check fails; what needs it is skipped" {
  kcore root delete workspace espw >/dev/null
  doctor --json
  [ "$status" -eq 1 ]
  [ "$(jq -r 'select(.status == "fail") | "\(.name)|\(.fix)"' <<<"$output")" = 'ESPW root:espw|kubestellar init' ]
  [ "$(jq -r 'select(.name == "APIExport edge.kubestellar.io") | "\(.status) \(.detail)"' <<<"$output")" = 'skip needs "ESPW root:espw"' ]
  [ "$(jq -r 'select(.name == "IMW root:imw1 binding edge.kubestellar.io") | .status' <<<"$output")" = skip ]
}

@test "an APIBinding that does not bind: the binding check fails with its conditions" {
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: imw2}\nspec: {type: {name: organization, path: root}}\n' | kcore root create -f - >/dev/null
  wait_for "root:imw2 Ready" bash -c '[ "$(kubectl --kubeconfig "$0" --server "$1/clusters/root" get workspace imw2 -o jsonpath={.status.phase})" = Ready ]' "$CORE_KUBECONFIG" "$CORE_URL"
  # a binding without an export path names an export of its own workspace: kcp admits it
  # unchecked, and its controller finds no such export, so the binding never binds
  printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIBinding\nmetadata: {name: edge.kubestellar.io}\nspec: {reference: {export: {name: edge.kubestellar.io}}}\n' | kcore root:imw2 create -f - >/dev/null
  lc="$(kcore root get workspace imw2 -o jsonpath='{.spec.cluster}')"
  wait_for "the binding's APIExportValid condition" bash -c '[ -n "$(kubectl --kubeconfig "$0" --server "$1/clusters/root:imw2" get apibinding edge.kubestellar.io -o jsonpath="{.status.conditions[?(@.type==\"APIExportValid\")].reason}")" ]' "$CORE_KUBECONFIG" "$CORE_URL"
  doctor
  assert_fails_only 'IMW root:imw2 binding edge.kubestellar.io' \
    "kubectl --server $CORE_URL/clusters/root:imw2 delete apibinding edge.kubestellar.io && kubestellar init --ensure-imw root:imw2"
  assert_line --partial "FAIL  IMW root:imw2 binding edge.kubestellar.io: APIBinding edge.kubestellar.io is Binding (APIExportValid False APIExportNotFound: APIExport $lc|edge.kubestellar.io not found; InitialBindingCompleted False WaitingForEstablished: Waiting for API(s) to be established); it imports (here):edge.kubestellar.io, not root:espw:edge.kubestellar.io -- fix: "
  assert_line 'skip  IMW root:imw2 inventory: needs "IMW root:imw2 binding edge.kubestellar.io"'
}

@test "a deleted mailbox workspace: the mailbox check fails, the syncer checks are skipped" {
  local mb
  mb="$(mailbox_of florin)"
  kcore "${mb%:*}" delete workspace "${mb##*:}" >/dev/null
  doctor
  assert_fails_only 'mailbox of root:imw1 florin' 'kubestellar start   # the mailbox-controller makes it'
  assert_line --partial "FAIL  mailbox of root:imw1 florin: no mailbox workspace ${mb##*:} under root (v0.14) or root:espw (older cores)"
  assert_line 'skip  syncer identity of root:imw1 florin: needs "mailbox of root:imw1 florin"'
  assert_line 'skip  SyncerConfig of root:imw1 florin: needs "mailbox of root:imw1 florin"'
}

@test "a missing token Secret: the token check fails and says to re-run prep-for-syncer" {
  local id
  id="$(syncer_id florin)"
  kcore "$(mailbox_of florin)" delete secret -n default "$id-token" >/dev/null
  doctor
  assert_fails_only 'syncer token of root:imw1 florin' 'kubectl kubestellar prep-for-syncer --imw root:imw1 florin   # then apply the new manifest to the WEC'
  assert_line --partial "FAIL  syncer token of root:imw1 florin: no token Secret $id-token in root:"
}

@test "a controller not running: its check fails with the last error line of its log" {
  # this test's own pid records: two copied, placement-translator's naming a process that is gone
  export KUBESTELLAR_RUN_DIR="$TEST_TMP/run"
  mkdir -p "$KUBESTELLAR_RUN_DIR" "$TEST_TMP/ctl"
  cp "$BATS_FILE_TMPDIR/run/mailbox-controller.pid.json" "$BATS_FILE_TMPDIR/run/kubestellar-where-resolver.pid.json" "$KUBESTELLAR_RUN_DIR/"
  printf 'I1122 10:00:00.000000 1 main.go:1] started\nE1122 10:00:01.000000 1 main.go:99] failed to get APIExport edge.kubestellar.io: connection refused\nI1122 10:00:02.000000 1 main.go:1] exiting\n' >"$TEST_TMP/pt-log.txt"
  true &
  local gone=$!
  wait "$gone"
  jq --argjson pid "$gone" --arg log "$TEST_TMP/pt-log.txt" '.pid = $pid | .logFile = $log' \
    "$BATS_FILE_TMPDIR/run/placement-translator.pid.json" >"$KUBESTELLAR_RUN_DIR/placement-translator.pid.json"
  # the placement-translator on PATH is one that no process runs
  cp "$CTL/placement-translator" "$TEST_TMP/ctl/"
  PATH="$TEST_TMP/ctl:$PATH" doctor
  assert_fails_only 'controller placement-translator' 'kubestellar start'
  assert_line "FAIL  controller placement-translator: not running: its recorded process (pid $gone) is gone; last error in $TEST_TMP/pt-log.txt: E1122 10:00:01.000000 1 main.go:99] failed to get APIExport edge.kubestellar.io: connection refused -- fix: kubestellar start"
  assert_line --regexp '^ok    controller mailbox-controller: running, pid [0-9]+'
}

@test "a kubeconfig with the wrong CA: the TLS check names both CAs, the rest is skipped" {
  # any other CA will do: the WEC template's
  kubectl config set-cluster root --kubeconfig "$KUBECONFIG" --embed-certs --certificate-authority="$TPL/wec/ca.crt" >/dev/null
  doctor
  assert_fails_only 'server TLS' 'kubectl config set-cluster root --embed-certs --certificate-authority=<kcp root directory>/.kcp/ca.crt'
  assert_line --regexp "^FAIL  server TLS: the server's certificate is issued by CN=kubestellar-sandbox-ca, but the CA of cluster \"root\" in the kubeconfig is another CA of the same name \(CN=kubestellar-sandbox-ca, SHA-256 [0-9A-F:]{23}…\): [A-Z_]+ -- fix: "
  assert_line 'skip  credentials: needs "server TLS"'
  assert_line 'ok    server reachable: 127.0.0.1:'"$CORE_PORT"' accepts connections'
}

@test "a revoked syncer token: the WEC's syncer kubeconfig check fails" {
  start_wec
  local mb id
  mb="$(mailbox_of florin)" id="$(syncer_id florin)"
  # a new ServiceAccount of the same name, with a new token Secret, revokes the old token (the one in the WEC's kubeconfig)
  kcore "$mb" get secret -n default "$id-token" -o json | jq 'del(.data, .metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.annotations["kubernetes.io/service-account.uid"])' >"$TEST_TMP/secret.json"
  kcore "$mb" delete serviceaccount -n default "$id" >/dev/null
  wait_for "the old token Secret to go" bash -c '! kubectl --kubeconfig "$0" --server "$1" get secret -n default "$2"' "$CORE_KUBECONFIG" "$CORE_URL/clusters/$mb" "$id-token"
  kcore "$mb" create serviceaccount -n default "$id" >/dev/null
  kcore "$mb" create -f "$TEST_TMP/secret.json" >/dev/null
  wait_for "a new token" bash -c '[ -n "$(kubectl --kubeconfig "$0" --server "$1" get secret -n default "$2" -o jsonpath={.data.token})" ]' "$CORE_KUBECONFIG" "$CORE_URL/clusters/$mb" "$id-token"
  doctor --wec-kubeconfig "$WEC_KUBECONFIG" --synctarget florin
  assert_fails_only 'WEC florin: syncer kubeconfig' \
    "kubectl kubestellar prep-for-syncer --imw root:imw1 florin && KUBECONFIG=$WEC_KUBECONFIG kubectl apply -f florin-syncer.yaml"
  assert_line --partial "FAIL  WEC florin: syncer kubeconfig: the mailbox workspace $mb rejects the syncer's token (revoked, or from an older prep-for-syncer)"
  assert_line --partial "ok    syncer token of root:imw1 florin: Secret $id-token, token accepted"
}

@test "a missing SyncerConfig: the SyncerConfig check fails and points at the placement-translator" {
  kcore "$(mailbox_of guilder)" delete syncerconfig the-one >/dev/null
  doctor
  assert_fails_only 'SyncerConfig of root:imw1 guilder' 'kubestellar start   # starts the placement-translator'
}

@test "a Location whose labels differ from its SyncTarget's: the pair check fails with ensure location as the fix" {
  kcore root:imw1 label location guilder env=dev --overwrite >/dev/null
  doctor
  assert_fails_only 'SyncTarget/Location root:imw1 guilder' 'kubectl kubestellar ensure location --imw root:imw1 guilder env=prod extended=yes'
  assert_line --partial 'labels differ: env is prod on the SyncTarget, dev on the Location'
}

@test "a Location that does not select its SyncTarget: the fix patches the selector back" {
  kcore root:imw1 patch location florin --type=merge -p '{"spec":{"instanceSelector":{"matchLabels":{"id":"nobody"}}}}' >/dev/null
  doctor
  assert_fails_only 'SyncTarget/Location root:imw1 florin' \
    "kubectl --server $CORE_URL/clusters/root:imw1 patch location florin --type=merge -p '{\"spec\":{\"resource\":{\"group\":\"edge.kubestellar.io\",\"version\":\"v2alpha1\",\"resource\":\"synctargets\"},\"instanceSelector\":{\"matchLabels\":{\"id\":\"florin\"}}}}'"
}

@test "a syncer Deployment that is not Available in the WEC" {
  start_wec
  local id
  id="$(syncer_id florin)"
  kwec -n "$id" patch deployment "$id" --subresource=status --type=merge \
    -p '{"status":{"availableReplicas":0,"conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable","message":"Deployment does not have minimum availability."}]}}' >/dev/null
  doctor --wec-kubeconfig "$WEC_KUBECONFIG" --synctarget florin
  assert_fails_only 'WEC florin: syncer Deployment' "KUBECONFIG=$WEC_KUBECONFIG kubectl -n $id describe deployment $id; KUBECONFIG=$WEC_KUBECONFIG kubectl -n $id logs deployment/$id"
  assert_line --partial "is not Available (0/1 replicas; MinimumReplicasUnavailable: Deployment does not have minimum availability.)"
}

@test "no kubeconfig: the first check fails and says where to point KUBECONFIG" {
  KUBECONFIG="$TEST_TMP/none" doctor
  assert_fails_only kubeconfig 'export KUBECONFIG=<kcp root directory>/.kcp/admin.kubeconfig'
  assert_line --partial "FAIL  kubeconfig: no kubeconfig: $TEST_TMP/none does not exist"
  assert_line 'skip  server reachable: needs "kubeconfig"'
}

@test "a server that is not running: reachability fails, with how to start it" {
  SANDBOX_PID="$CORE_PID" stop_sandbox
  doctor
  assert_fails_only 'server reachable' 'start kcp (kcp start, or kubestellar-sandbox start) or correct the server URL in the kubeconfig'
  assert_line "FAIL  server reachable: cannot connect to 127.0.0.1:$CORE_PORT: ECONNREFUSED -- fix: start kcp (kcp start, or kubestellar-sandbox start) or correct the server URL in the kubeconfig"
}

@test "credentials the server rejects: the credentials check fails" {
  kubectl config set-credentials kcp-admin --kubeconfig "$KUBECONFIG" --token=not-the-token >/dev/null
  doctor
  assert_fails_only credentials 'use the kubeconfig kcp wrote (.kcp/admin.kubeconfig) or a fresh token'
  assert_line --partial 'FAIL  credentials: the server rejects the credentials of user "kcp-admin" (401)'
  assert_line --regexp '^ok    kcp version: kcp v0.11.0'
}

@test "a WEC kubeconfig that reaches nothing: the syncer namespace check says so" {
  kubectl config set-cluster root --kubeconfig "$TEST_TMP/wec.kubeconfig" --server https://127.0.0.1:1 --insecure-skip-tls-verify >/dev/null
  kubectl config set-credentials u --kubeconfig "$TEST_TMP/wec.kubeconfig" --token=x >/dev/null
  kubectl config set-context wec --kubeconfig "$TEST_TMP/wec.kubeconfig" --cluster root --user u >/dev/null
  kubectl config use-context wec --kubeconfig "$TEST_TMP/wec.kubeconfig" >/dev/null
  doctor --wec-kubeconfig "$TEST_TMP/wec.kubeconfig" --synctarget florin
  assert_fails_only 'WEC florin: syncer namespace' "KUBECONFIG=$TEST_TMP/wec.kubeconfig kubectl get namespaces   # check the WEC's kubeconfig"
  assert_line --partial 'cannot reach the server at https://127.0.0.1:1: connection refused (is the server running?)'
  assert_line 'skip  WEC florin: syncer Deployment: needs "WEC florin: syncer namespace"'
}

@test "--imw and --wmw narrow the check to the workspaces given" {
  doctor --imw root:imw1 --wmw root:nope
  assert_fails_only 'WMW root:nope' 'kubectl kubestellar ensure wmw nope'
  assert_line 'FAIL  WMW root:nope: workspace root:nope does not exist -- fix: kubectl kubestellar ensure wmw nope'
}

@test "usage errors exit 2 with one line" {
  doctor --wec-kubeconfig /x
  [ "$status" -eq 2 ]
  [ "$stderr" = 'kubectl kubestellar doctor: give --wec-kubeconfig and --synctarget in pairs (got 1 and 0)' ]
  doctor --imw 'not a path'
  [ "$status" -eq 2 ]
  [ "$stderr" = 'kubectl kubestellar doctor: --imw: "not a path" is not a workspace path like root:name' ]
  doctor --bogus
  [ "$status" -eq 2 ]
  [ "$stderr" = 'kubectl kubestellar doctor: unknown flag --bogus' ]
  doctor -h
  assert_success
  assert_line --index 0 'Usage: kubectl kubestellar doctor [--imw WS]... [--wmw WS]... [--wec-kubeconfig FILE --synctarget NAME]... [--json] [kubectl flags] [-X]'
}
