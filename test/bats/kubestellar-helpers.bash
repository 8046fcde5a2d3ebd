load lib/sandbox

# Shared by init.bats, startstop.bats and quickstart.bats: a sandbox per file started
# in setup_file (ks_start_sandbox DIR), plain kubectl against one of its workspaces,
# and the request log. Needs lib/sandbox.

# ks_start_sandbox DIR [extra flags]: exports KS_SB_DIR KS_SB_PID KS_SB_URL KS_SB_LOG KS_SB_KUBECONFIG
ks_start_sandbox() {
  local dir="$1"
  shift
  KS_SB_DIR="$dir"
  KS_SB_LOG="$dir/requests.jsonl"
  mkdir -p "$dir"
  sandbox_start_in "$dir/kcp" "$dir" --request-log "$KS_SB_LOG" "$@" || return 1
  KS_SB_PID="$SANDBOX_PID"
  KS_SB_URL="$SANDBOX_URL"
  KS_SB_KUBECONFIG="$SANDBOX_DIR/admin.kubeconfig"
  export KS_SB_DIR KS_SB_PID KS_SB_URL KS_SB_LOG KS_SB_KUBECONFIG
}

# ks_stop_sandbox [PID]
ks_stop_sandbox() {
  local SANDBOX_PID="${1:-${KS_SB_PID:-}}"
  stop_sandbox
}

# kws PATH ARGS...: plain kubectl against workspace PATH of the sandbox.
kws() {
  local ws="$1"
  shift
  kubectl --kubeconfig "$KS_SB_KUBECONFIG" --server "$KS_SB_URL/clusters/$ws" "$@"
}

# ks_private_kubeconfig: a copy per test (init rewrites the current workspace).
ks_private_kubeconfig() {
  cp "$KS_SB_KUBECONFIG" "$TEST_TMP/kubeconfig"
  export KUBECONFIG="$TEST_TMP/kubeconfig"
}

# ks_log_mark / ks_mutations_since MARK: non-GET requests logged after MARK, as "METHOD PATH STATUS".
ks_log_mark() { wc -l <"$KS_SB_LOG" | tr -d ' '; }
ks_mutations_since() { sandbox_mutations_since "$KS_SB_LOG" "$1"; }

# ks_assert_initialized: the end state of a default `kubestellar init`.
ks_assert_initialized() {
  run kws root get workspace espw -o json
  assert_success
  # created with no type, as the original: root's default child type (organization on kcp)
  [ "$(jq -r '"\(.spec.type.path):\(.spec.type.name)"' <<<"$output")" = "$(kws root get workspacetype root -o jsonpath='{.spec.defaultChildWorkspaceType.path}:{.spec.defaultChildWorkspaceType.name}')" ]
  [ "$(jq -r .status.phase <<<"$output")" = Ready ]

  run kws root:espw get apiexport edge.kubestellar.io -o json
  assert_success
  local schemas
  schemas="$(jq -r '.spec.latestResourceSchemas[]' <<<"$output" | sort)"
  [ "$(wc -l <<<"$schemas")" -eq 7 ]
  run kws root:espw get apiresourceschemas -o json
  assert_success
  local kinds
  kinds="$(jq -r '.items[] | select(.spec.group == "edge.kubestellar.io") | "\(.metadata.name) \(.spec.names.kind) \(.spec.versions[0].name)"' <<<"$output" | sort)"
  for k in SyncTarget Location EdgePlacement SinglePlacementSlice SyncerConfig Customizer EdgeSyncConfig; do
    grep -q " $k v2alpha1\$" <<<"$kinds" || { echo "no schema for $k" >&2; return 1; }
  done
  for s in $schemas; do grep -q "^$s " <<<"$kinds" || { echo "export names missing schema $s" >&2; return 1; }; done

  run kws root:compute get clusterrolebindings -o json
  assert_success
  # v0.14's names
  [ "$(jq -r '.items[] | select(.metadata.name | startswith("compute:")) | "\(.metadata.name) \(.roleRef.name) \(.subjects[0].kind) \(.subjects[0].name)"' <<<"$output" | sort)" = \
    "compute:apiexport:kubernetes-extended:bind compute:apiexport:kubernetes-extended:bind Group apis.kcp.io:binding:system:authenticated
compute:authenticated:apiexport:kubernetes:maximal-permission-policy-extended compute:apiexport:kubernetes:maximal-permission-policy-extended Group apis.kcp.io:binding:system:authenticated" ]
  run kws root:compute get clusterrole compute:apiexport:kubernetes:maximal-permission-policy-extended -o json
  assert_success
  jq -e '[.rules[].resources[]] | index("statefulsets/scale") and index("deployments/status")' <<<"$output" >/dev/null

  run kws root:compute get apiexports -o json
  assert_success
  local exports
  exports="$(jq -r '.items[].metadata.name' <<<"$output" | sort | tr '\n' ' ')"
  for e in kubernetes apiregistration.k8s.io apps autoscaling batch core.k8s.io cluster-core.k8s.io discovery.k8s.io \
    flowcontrol.apiserver.k8s.io networking.k8s.io cluster-networking.k8s.io node.k8s.io policy scheduling.k8s.io \
    storage.k8s.io cluster-storage.k8s.io; do
    [[ " $exports" == *" $e "* ]] || { echo "no export $e in root:compute: $exports" >&2; return 1; }
  done
  jq -e 'all(.items[] | select(.metadata.name != "kubernetes"); (.spec.latestResourceSchemas | length) > 0)' <<<"$output" >/dev/null

  run kws root:imw1 get apibinding edge.kubestellar.io -o json
  assert_success
  [ "$(jq -r '"\(.spec.reference.export.path) \(.spec.reference.export.name) \(.status.phase)"' <<<"$output")" = "root:espw edge.kubestellar.io Bound" ]

  run kws root:wmw1 get apibindings -o json
  assert_success
  [ "$(jq -r '.items[] | select(.metadata.name == "bind-espw") | .spec.reference.export.path' <<<"$output")" = root:espw ]
  [ "$(jq '[.items[] | select(.metadata.name | startswith("bind-")) | select(.spec.reference.export.path == "root:compute")] | length' <<<"$output")" -eq 16 ]
}
