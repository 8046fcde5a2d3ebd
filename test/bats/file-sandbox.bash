load "$REPO_ROOT/test/bats/lib/sandbox"

# The one helper for files that share a sandbox (inventory, wmw, syncer, init, startstop,
# cli, …): a sandbox per file (mailbox controller emulation and a request log), a private
# kubeconfig copy per test, plain kubectl per workspace, the ESPW that `kubestellar init`
# would make, request-log helpers, and the end state of `kubestellar init`. Needs lib/sandbox.

# start_file_sandbox [DIR [extra flags...]]: in setup_file (or in a test that needs a
# second one), served from DIR/kcp (default $BATS_FILE_TMPDIR), logging to DIR;
# exports SANDBOX_DIR, SANDBOX_PID, SANDBOX_URL, REQUEST_LOG.
start_file_sandbox() {
  local dir="${1:-$BATS_FILE_TMPDIR}"
  [ $# -gt 0 ] && shift
  REQUEST_LOG="$dir/requests.jsonl"
  export REQUEST_LOG
  mkdir -p "$dir"
  sandbox_start_in "$dir/kcp" "$dir" --kubestellar-controllers --request-log "$REQUEST_LOG" "$@"
}

# stop_file_sandbox [PID]: the file's sandbox, or the one PID names.
stop_file_sandbox() {
  local SANDBOX_PID="${1:-${SANDBOX_PID:-}}"
  stop_sandbox
}

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

# assert_initialized: the end state of a default `kubestellar init`.
assert_initialized() {
  run kubectl_ws root get workspace espw -o json
  assert_success
  # created with no type, as the original: root's default child type (organization on kcp)
  [ "$(jq -r '"\(.spec.type.path):\(.spec.type.name)"' <<<"$output")" = "$(kubectl_ws root get workspacetype root -o jsonpath='{.spec.defaultChildWorkspaceType.path}:{.spec.defaultChildWorkspaceType.name}')" ]
  [ "$(jq -r .status.phase <<<"$output")" = Ready ]

  run kubectl_ws root:espw get apiexport edge.kubestellar.io -o json
  assert_success
  local schemas
  schemas="$(jq -r '.spec.latestResourceSchemas[]' <<<"$output" | sort)"
  [ "$(wc -l <<<"$schemas")" -eq 7 ]
  run kubectl_ws root:espw get apiresourceschemas -o json
  assert_success
  local kinds
  kinds="$(jq -r '.items[] | select(.spec.group == "edge.kubestellar.io") | "\(.metadata.name) \(.spec.names.kind) \(.spec.versions[0].name)"' <<<"$output" | sort)"
  for k in SyncTarget Location EdgePlacement SinglePlacementSlice SyncerConfig Customizer EdgeSyncConfig; do
    grep -q " $k v2alpha1\$" <<<"$kinds" || { echo "no schema for $k" >&2; return 1; }
  done
  for s in $schemas; do grep -q "^$s " <<<"$kinds" || { echo "export names missing schema $s" >&2; return 1; }; done

  run kubectl_ws root:compute get clusterrolebindings -o json
  assert_success
  # v0.14's names
  [ "$(jq -r '.items[] | select(.metadata.name | startswith("compute:")) | "\(.metadata.name) \(.roleRef.name) \(.subjects[0].kind) \(.subjects[0].name)"' <<<"$output" | sort)" = \
    "compute:apiexport:kubernetes-extended:bind compute:apiexport:kubernetes-extended:bind Group apis.kcp.io:binding:system:authenticated
compute:authenticated:apiexport:kubernetes:maximal-permission-policy-extended compute:apiexport:kubernetes:maximal-permission-policy-extended Group apis.kcp.io:binding:system:authenticated" ]
  run kubectl_ws root:compute get clusterrole compute:apiexport:kubernetes:maximal-permission-policy-extended -o json
  assert_success
  jq -e '[.rules[].resources[]] | index("statefulsets/scale") and index("deployments/status")' <<<"$output" >/dev/null

  run kubectl_ws root:compute get apiexports -o json
  assert_success
  local exports
  exports="$(jq -r '.items[].metadata.name' <<<"$output" | sort | tr '\n' ' ')"
  for e in kubernetes apiregistration.k8s.io apps autoscaling batch core.k8s.io cluster-core.k8s.io discovery.k8s.io \
    flowcontrol.apiserver.k8s.io networking.k8s.io cluster-networking.k8s.io node.k8s.io policy scheduling.k8s.io \
    storage.k8s.io cluster-storage.k8s.io; do
    [[ " $exports" == *" $e "* ]] || { echo "no export $e in root:compute: $exports" >&2; return 1; }
  done
  jq -e 'all(.items[] | select(.metadata.name != "kubernetes"); (.spec.latestResourceSchemas | length) > 0)' <<<"$output" >/dev/null

  run kubectl_ws root:imw1 get apibinding edge.kubestellar.io -o json
  assert_success
  [ "$(jq -r '"\(.spec.reference.export.path) \(.spec.reference.export.name) \(.status.phase)"' <<<"$output")" = "root:espw edge.kubestellar.io Bound" ]

  run kubectl_ws root:wmw1 get apibindings -o json
  assert_success
  [ "$(jq -r '.items[] | select(.metadata.name == "bind-espw") | .spec.reference.export.path' <<<"$output")" = root:espw ]
  [ "$(jq '[.items[] | select(.metadata.name | startswith("bind-")) | select(.spec.reference.export.path == "root:compute")] | length' <<<"$output")" -eq 16 ]
}
