#!/usr/bin/env bats
# The command-line contract every command shares, through real commands against the
# sandbox: the exit codes README promises (3 not found, 4 already exists, 5 conflict,
# 6 unauthorized/forbidden, 7 unreachable, 8 timeout), kubectl's connection flags, -X and
# -V, a KUBECONFIG list of files, --syncer-image and remove wmw --dry-run. Answers the
# sandbox never gives on cue (409s, 403, silence) come from a TLS proxy in front of it
# (fixtures/answering-proxy.mjs).
load helpers
load file-sandbox

setup_file() {
  start_file_sandbox
  make_espw
  make_ws imw1
  # the IMW's edge API binding, so that every test can read SyncTargets whatever runs first
  cp "$SANDBOX_DIR/admin.kubeconfig" "$BATS_FILE_TMPDIR/setup.kubeconfig"
  KUBECONFIG="$BATS_FILE_TMPDIR/setup.kubeconfig" kubectl kubestellar ensure location --imw root:imw1 base a=b >/dev/null
  # the proxy's own certificate, which no kubeconfig trusts
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$BATS_FILE_TMPDIR/proxy.key" -out "$BATS_FILE_TMPDIR/proxy.crt" 2>/dev/null
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() {
  [ -n "${PROXY_PID:-}" ] && { kill "$PROXY_PID"; wait "$PROXY_PID"; } 2>/dev/null
  teardown_tmp
}

# start_proxy RULES_JSON: exports PROXY_URL (https://127.0.0.1:PORT) and PROXY_PID; its
# log of requests is $TEST_TMP/proxy.log.
start_proxy() {
  node "$REPO_ROOT/test/bats/fixtures/answering-proxy.mjs" "$SANDBOX_URL" "$BATS_FILE_TMPDIR/proxy.crt" "$BATS_FILE_TMPDIR/proxy.key" \
    "$TEST_TMP/proxy.port" "$1" 2>"$TEST_TMP/proxy.log" 3>&- &
  PROXY_PID=$!
  for _ in $(seq 100); do [ -s "$TEST_TMP/proxy.port" ] && break; sleep 0.05; done
  [ -s "$TEST_TMP/proxy.port" ] || fail "answering proxy did not start"
  PROXY_URL="https://127.0.0.1:$(cat "$TEST_TMP/proxy.port")"
}

# a port nothing listens on
closed_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

ensure_loc() { kubectl kubestellar ensure location --imw root:imw1 "$@"; }

@test "exit 3: a missing workspace or object is named" {
  run --separate-stderr ensure_loc demo3 a=b --imw root:nope
  assert_failure 3
  assert_equal "$stderr" 'kubectl kubestellar ensure location: workspace "root:nope" not found'
  assert_equal "$output" ""
  run --separate-stderr kubectl kubestellar prep-for-syncer --imw root:imw1 nosuch
  assert_failure 3
  assert_equal "$stderr" 'kubectl kubestellar prep-for-syncer: SyncTarget "nosuch" not found in workspace "root:imw1"'
  # the workspace it moved into is given back
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}

@test "exit 4: a create the server answers 409 AlreadyExists; --insecure-skip-tls-verify reaches a server no CA vouches for" {
  start_proxy '[{"method":"POST","path":"/synctargets$","code":409,"reason":"AlreadyExists","message":"synctargets.edge.kubestellar.io \"demo4\" already exists"}]'
  # without the flag, the proxy's certificate is refused at once (an answer, not unavailability): exit 1, the reason named
  run --separate-stderr ensure_loc --server "$PROXY_URL/clusters/root" demo4 a=b
  assert_failure 1
  assert_equal "$stderr" "kubectl kubestellar ensure location: the server at $PROXY_URL/clusters/root failed TLS verification (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate); check the cluster's certificate-authority(-data) and server name in the kubeconfig"
  run --separate-stderr ensure_loc --server "$PROXY_URL/clusters/root" --insecure-skip-tls-verify demo4 a=b
  assert_failure 4
  assert_equal "$stderr" 'kubectl kubestellar ensure location: synctargets.edge.kubestellar.io "demo4" already exists'
  grep -q '^POST /clusters/root:imw1/apis/edge.kubestellar.io/v2alpha1/synctargets -> 409$' "$TEST_TMP/proxy.log"
  # --certificate-authority trusts it the proper way
  run --separate-stderr ensure_loc --server "$PROXY_URL/clusters/root" --certificate-authority "$BATS_FILE_TMPDIR/proxy.crt" demo4 a=b
  assert_failure 4
}

@test "exit 5: an update the server answers 409 Conflict" {
  ensure_loc demo5 a=b >/dev/null
  start_proxy '[{"method":"PATCH","path":"/synctargets/demo5","code":409,"reason":"Conflict","message":"Operation cannot be fulfilled on synctargets.edge.kubestellar.io \"demo5\": the object has been modified; please apply your changes to the latest version and try again"}]'
  run --separate-stderr ensure_loc --server "$PROXY_URL/clusters/root" --insecure-skip-tls-verify demo5 a=c
  assert_failure 5
  assert_equal "$stderr" 'kubectl kubestellar ensure location: Operation cannot be fulfilled on synctargets.edge.kubestellar.io "demo5": the object has been modified; please apply your changes to the latest version and try again'
  assert_equal "$(kubectl_ws root:imw1 get synctarget demo5 -o jsonpath='{.metadata.labels.a}')" b
}

@test "exit 6: 401 for a bad --token, 403 from the server; --token overrides the kubeconfig's user" {
  run --separate-stderr ensure_loc --token not-a-token demo6 a=b
  assert_failure 6
  assert_equal "$stderr" 'kubectl kubestellar ensure location: Unauthorized'
  run kubectl_ws root:imw1 get synctarget demo6
  assert_failure 1
  assert_output 'Error from server (NotFound): synctargets.edge.kubestellar.io "demo6" not found'
  # a kubeconfig whose user has a wrong token works with the right one given by --token
  good="$(kubectl config view --raw -o jsonpath='{.users[?(@.name=="kcp-admin")].user.token}')"
  kubectl config set-credentials kcp-admin --token wrong >/dev/null
  run --separate-stderr ensure_loc --token "$good" demo6 a=b
  assert_success
  start_proxy '[{"method":"GET","path":"/synctargets/demo6","code":403,"reason":"Forbidden","message":"synctargets.edge.kubestellar.io \"demo6\" is forbidden: User \"alice\" cannot get resource \"synctargets\" in API group \"edge.kubestellar.io\" in the workspace \"root:imw1\""}]'
  run --separate-stderr ensure_loc --token "$good" --server "$PROXY_URL/clusters/root" --insecure-skip-tls-verify demo6 a=b
  assert_failure 6
  assert_equal "$stderr" 'kubectl kubestellar ensure location: synctargets.edge.kubestellar.io "demo6" is forbidden: User "alice" cannot get resource "synctargets" in API group "edge.kubestellar.io" in the workspace "root:imw1"'
}

@test "exit 7: --server where nothing listens" {
  port="$(closed_port)"
  run --separate-stderr ensure_loc --server "https://127.0.0.1:$port/clusters/root" demo7 a=b
  assert_failure 7
  assert_equal "$stderr" "kubectl kubestellar ensure location: cannot reach the server at https://127.0.0.1:$port/clusters/root: connection refused (is the server running?)"
  assert_equal "$output" ""
}

@test "exit 8: --request-timeout bounds a server that never answers" {
  start_proxy '[{"path":"/workspaces/imw1","code":0}]'
  SECONDS=0
  run --separate-stderr timeout 60 kubectl kubestellar ensure location --imw root:imw1 --server "$PROXY_URL/clusters/root" \
    --insecure-skip-tls-verify --request-timeout 2s demo8 a=b
  assert_failure 8
  [ "$SECONDS" -lt 15 ]
  assert_regex "$stderr" "^kubectl kubestellar ensure location: request to $PROXY_URL/clusters/root[^ ]* timed out: no answer within 2000 ms$"
}

@test "--kubeconfig names the file: KUBECONFIG and ~/.kube/config are not read or written" {
  mv "$KUBECONFIG" mine.kubeconfig
  before="$(sha256sum mine.kubeconfig)"
  run --separate-stderr env KUBECONFIG=/nonexistent/kubeconfig kubectl kubestellar ensure location --kubeconfig mine.kubeconfig --imw root:imw1 demokc a=b
  assert_success
  assert_line --index 0 'Current workspace is "root:imw1".'
  assert_line 'synctarget.edge.kubestellar.io/demokc created'
  [ "$(sha256sum mine.kubeconfig)" != "$before" ]
  assert_equal "$(kubectl --kubeconfig mine.kubeconfig config view --minify -o jsonpath='{.clusters[0].cluster.server}')" "$SANDBOX_URL/clusters/root:imw1"
  [ ! -e "$HOME/.kube/config" ]
  run --separate-stderr kubectl kubestellar ensure location --kubeconfig missing.kubeconfig --imw root:imw1 demokc a=b
  assert_failure 1
  assert_regex "$stderr" '^kubectl kubestellar ensure location: .*missing\.kubeconfig'
}

@test "a KUBECONFIG list of two files: read merged, the workspace move written to the file that defines the cluster" {
  jq_kc() { kubectl config view --raw -o json | jq "$1"; }
  jq_kc '{apiVersion, kind, clusters, contexts, "current-context"}' >places.json
  jq_kc '{apiVersion, kind, users}' >users.json
  users_sum="$(sha256sum users.json)"
  run --separate-stderr env KUBECONFIG="$TEST_TMP/places.json:$TEST_TMP/users.json" kubectl kubestellar ensure location --imw root:imw1 demomulti a=b
  assert_success
  assert_line --index 0 'Current workspace is "root:imw1".'
  assert_line 'synctarget.edge.kubestellar.io/demomulti created'
  assert_equal "$(sha256sum users.json)" "$users_sum"
  grep -q "$SANDBOX_URL/clusters/root:imw1" places.json
  assert_equal "$(KUBECONFIG="$TEST_TMP/places.json:$TEST_TMP/users.json" kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')" \
    "$SANDBOX_URL/clusters/root:imw1"
  assert_equal "$(kubectl_ws root:imw1 get synctarget demomulti -o jsonpath='{.metadata.labels.a}')" b
}

@test "-n is a kubectl flag every command takes; its value is required" {
  run --separate-stderr ensure_loc -n elsewhere demons a=b
  assert_success
  run --separate-stderr ensure_loc demons a=b -n
  assert_failure 1
  assert_equal "$stderr" 'kubectl kubestellar ensure location: flag -n needs a value'
}

@test "-X traces every API request on stderr; stdout is unchanged" {
  run --separate-stderr ensure_loc -X demox a=b
  assert_success
  assert_equal "$output" 'Current workspace is "root:imw1".
synctarget.edge.kubestellar.io/demox created
location.edge.kubestellar.io/demox created
synctarget.edge.kubestellar.io/demox labeled
location.edge.kubestellar.io/demox labeled'
  assert_regex "$stderr" "(^|
)\\+ GET $SANDBOX_URL/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/imw1 -> 200 \\([0-9]+ ms\\)"
  assert_regex "$stderr" "(^|
)\\+ POST $SANDBOX_URL/clusters/root:imw1/apis/edge.kubestellar.io/v2alpha1/synctargets -> 201 \\([0-9]+ ms\\)"
  # without -X: nothing on stderr
  run --separate-stderr ensure_loc demox a=b
  assert_success
  assert_equal "$stderr" ""
}

@test "-V says more: kubestellar init shows the WMW steps it otherwise keeps quiet" {
  run --separate-stderr timeout 120 kubestellar init --local-kcp false
  assert_success
  [[ "$stderr" != *'Current workspace is "root:wmw1"'* ]]
  run --separate-stderr timeout 120 kubestellar -V init --local-kcp false
  assert_success
  [[ "$stderr" == *'Current workspace is "root:wmw1" (type root:organization).'* ]]
}

@test "--syncer-image is the image of the syncer Deployment in the manifest" {
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-cluster --imw root:imw1 --syncer-image quay.io/example/syncer:v9 -o img.yaml demoimg a=b
  assert_success
  assert_equal "$(awk '$1 == "image:" {print $2}' img.yaml)" quay.io/example/syncer:v9
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw1 -o default.yaml demoimg
  assert_success
  assert_equal "$(awk '$1 == "image:" {print $2}' default.yaml)" quay.io/kubestellar/syncer:release-0.14
}

@test "remove wmw --dry-run: the server dry-runs the delete, the workspace stays" {
  kubectl kubestellar ensure wmw wmwdry >/dev/null 2>&1
  mark=$(log_mark)
  run --separate-stderr kubectl kubestellar remove wmw --dry-run wmwdry
  assert_success
  assert_equal "$output" 'Current workspace would be "root". (dry run)
workspace.tenancy.kcp.io "wmwdry" deleted (server dry run)'
  run mutations_since "$mark"
  assert_output "DELETE /clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/wmwdry?dryRun=All 200"
  assert_equal "$(kubectl_ws root get workspace wmwdry -o jsonpath='{.metadata.name}')" wmwdry
}
