load lib/sandbox

# Shared by inventory.bats, wmw.bats and syncer.bats: one sandbox per file (with the
# mailbox controller emulation and a request log), a private kubeconfig copy per test,
# the ESPW that `kubestellar init` would make, and request-log helpers. Needs lib/sandbox.

# start_file_sandbox: in setup_file; exports SANDBOX_DIR, SANDBOX_PID, SANDBOX_URL, REQUEST_LOG.
start_file_sandbox() {
  REQUEST_LOG="$BATS_FILE_TMPDIR/requests.jsonl"
  export REQUEST_LOG
  sandbox_start_in "$BATS_FILE_TMPDIR/kcp" "$BATS_FILE_TMPDIR" --kubestellar-controllers --request-log "$REQUEST_LOG"
}

stop_file_sandbox() { stop_sandbox; }

# use_sandbox_kubeconfig: in setup, after setup_tmp; a private copy, current workspace root.
use_sandbox_kubeconfig() {
  cp "$SANDBOX_DIR/admin.kubeconfig" "$TEST_TMP/kubeconfig"
  export KUBECONFIG="$TEST_TMP/kubeconfig"
}

# kubectl_ws PATH ARGS...: plain kubectl against one workspace of the sandbox.
kubectl_ws() {
  local ws="$1"
  shift
  kubectl --kubeconfig "$SANDBOX_DIR/admin.kubeconfig" --server "$SANDBOX_URL/clusters/$ws" "$@"
}

# wait_ws_ready PARENT NAME
wait_ws_ready() {
  local i
  for i in $(seq 1 100); do
    [ "$(kubectl_ws "$1" get workspace "$2" -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready ] && return 0
    sleep 0.1
  done
  return 1
}

# make_espw: root:espw with the edge API export (what `kubestellar init` provides).
make_espw() {
  kubectl_ws root apply -f "$REPO_ROOT/test/bats/fixtures/espw-workspace.yaml" >/dev/null
  wait_ws_ready root espw
  kubectl_ws root:espw apply -f "$REPO_ROOT/test/bats/fixtures/espw-edge-api.yaml" >/dev/null
}

# make_kube_exports: the APIExports `kubestellar init` adds to root:compute (without
# schemas), which ensure wmw binds; kcp refuses bindings to exports that do not exist.
make_kube_exports() {
  local e
  for e in apiregistration.k8s.io apps autoscaling batch cluster-core.k8s.io cluster-networking.k8s.io \
    cluster-storage.k8s.io core.k8s.io discovery.k8s.io flowcontrol.apiserver.k8s.io networking.k8s.io \
    node.k8s.io policy scheduling.k8s.io storage.k8s.io; do
    printf -- '---\napiVersion: apis.kcp.io/v1alpha1\nkind: APIExport\nmetadata: {name: %s}\nspec: {}\n' "$e"
  done | kubectl_ws root:compute apply -f - >/dev/null
}

# make_ws NAME: an organization workspace under root, Ready.
make_ws() {
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: %s}\nspec: {type: {name: organization, path: root}}\n' "$1" |
    kubectl_ws root apply -f - >/dev/null
  wait_ws_ready root "$1"
}

# current_server: the server of the current context, where kubectl ws points it.
current_server() {
  kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}'
}

# log_mark: the request log's current length; mutations_since MARK: writes sent since.
log_mark() { wc -l <"$REQUEST_LOG" | tr -d ' '; }
mutations_since() { sandbox_mutations_since "$REQUEST_LOG" "$1"; }
requests_since() { tail -n +"$(($1 + 1))" "$REQUEST_LOG" | wc -l | tr -d ' '; }
