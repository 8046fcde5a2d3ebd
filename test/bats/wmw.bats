#!/usr/bin/env bats
# kubectl kubestellar ensure wmw / remove wmw through kubectl's plugin mechanism.
load helpers
load file-sandbox

KUBE='["bind-apiregistration.k8s.io","bind-apps","bind-autoscaling","bind-batch","bind-cluster-core.k8s.io","bind-cluster-networking.k8s.io","bind-cluster-storage.k8s.io","bind-core.k8s.io","bind-discovery.k8s.io","bind-flowcontrol.apiserver.k8s.io","bind-kubernetes","bind-networking.k8s.io","bind-node.k8s.io","bind-policy","bind-scheduling.k8s.io","bind-storage.k8s.io"]'

setup_file() {
  start_file_sandbox
  make_espw
  make_kube_exports
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() { teardown_tmp; }

# the WMW's own bindings (bind-*); kcp's default ones of a universal workspace are checked apart
bindings() { kubectl_ws "root:$1" get apibindings -o json | jq -c '[.items[].metadata.name | select(startswith("bind-"))] | sort'; }
# kcp's default APIBindings of a universal workspace: <export>-<5 chars>
default_bindings() { kubectl_ws "root:$1" get apibindings -o json | jq -c '[.items[].metadata.name | select(startswith("bind-") | not) | sub("-[0-9a-z]{5}$"; "")] | sort'; }
KCP_DEFAULTS='["apiresource.kcp.io","scheduling.kcp.io","tenancy.kcp.io","topology.kcp.io","workload.kcp.io"]'

@test "ensure wmw: creates root:NAME with bind-espw and the kube bindings; WMW left current" {
  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw example-wmw
  assert_success
  assert_equal "$stderr" ""
  assert_line --index 0 'Current workspace is "root".'
  # no type sent, as the original: kcp gives root's default child type
  type=$(kubectl_ws root get workspacetype root -o jsonpath='{.spec.defaultChildWorkspaceType.path}:{.spec.defaultChildWorkspaceType.name}')
  assert_equal "$type" root:organization
  assert_line --index 1 "Workspace \"example-wmw\" (type $type) created. Waiting for it to be ready..."
  assert_line --index 2 "Workspace \"example-wmw\" (type $type) is ready to use."
  assert_line --index 3 "Current workspace is \"root:example-wmw\" (type $type)."

  assert_line --index 4 'apibinding.apis.kcp.io/bind-espw created'
  assert_line --index 5 'apibinding.apis.kcp.io/bind-kubernetes created'
  assert_equal "${#lines[@]}" 21
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root:example-wmw"
  assert_equal "$(kubectl_ws root get workspace example-wmw -o json | jq -c .spec.type)" '{"name":"organization","path":"root"}'
  assert_equal "$(mutations_since 0 | grep 'POST /clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces ' | wc -l)" 1
  assert_equal "$(kubectl_ws root:example-wmw get apibinding bind-espw -o json | jq -c .spec.reference.export)" '{"name":"edge.kubestellar.io","path":"root:espw"}'
  assert_equal "$(kubectl_ws root:example-wmw get apibinding bind-apps -o json | jq -c .spec.reference.export)" '{"name":"apps","path":"root:compute"}'
  assert_equal "$(bindings example-wmw | jq -c 'map(select(. != "bind-espw"))')" "$KUBE"
  assert_equal "$(default_bindings example-wmw)" "$KCP_DEFAULTS"
}

@test "ensure wmw: the bindings are as kubectl apply leaves them, so a user's kubectl apply merges cleanly" {
  kubectl kubestellar ensure wmw applied >/dev/null
  # the annotation is byte-for-byte what the real kubectl apply writes for the same manifest
  manifest() { printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIBinding\nmetadata:\n  name: %s\nspec:\n  reference:\n    export:\n      path: root:compute\n      name: %s\n' "$1" "$2"; }
  kubectl kubestellar ensure wmw --with-kube false byhand >/dev/null
  manifest bind-apps apps | kubectl_ws root:byhand apply -f - >/dev/null
  last='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}'
  assert_equal "$(kubectl_ws root:applied get apibinding bind-apps -o jsonpath="$last")" "$(kubectl_ws root:byhand get apibinding bind-apps -o jsonpath="$last")"
  [[ "$(kubectl_ws root:applied get apibinding bind-espw -o jsonpath="$last")" == '{"apiVersion":"apis.kcp.io/v1alpha1","kind":"APIBinding","metadata":{"annotations":{},"name":"bind-espw"},"spec":{"reference":{"export":{"name":"edge.kubestellar.io","path":"root:espw"}}}}' ]]
  # so applying the same manifest again changes nothing, with no warning
  run --separate-stderr kubectl_ws root:applied apply -f <(manifest bind-batch batch)
  assert_success
  assert_output 'apibinding.apis.kcp.io/bind-batch unchanged'
  assert_equal "$stderr" ""
}

@test "ensure wmw: a re-run sends reads only; --with-kube false deletes, true restores" {
  kubectl kubestellar ensure wmw w2 >/dev/null
  kubectl config use-context root >/dev/null
  mark=$(log_mark)
  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw w2
  assert_success
  assert_equal "$output" 'Current workspace is "root".
Current workspace is "root:w2" (type root:organization).'
  assert_equal "$(mutations_since "$mark")" ""

  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw w2 --with-kube false
  assert_success
  assert_line --index 2 'apibinding.apis.kcp.io "bind-kubernetes" deleted'
  assert_equal "${#lines[@]}" 18
  assert_equal "$(bindings w2)" '["bind-espw"]'
  assert_equal "$(default_bindings w2)" "$KCP_DEFAULTS"

  mark=$(log_mark)
  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw --with-kube=false w2
  assert_success
  assert_equal "${#lines[@]}" 2
  assert_equal "$(mutations_since "$mark")" ""

  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw w2 --with-kube true
  assert_success
  assert_line --index 2 'apibinding.apis.kcp.io/bind-kubernetes created'
  assert_equal "$(bindings w2 | jq -c 'map(select(. != "bind-espw"))')" "$KUBE"
}

@test "remove wmw: deletes the workspace, then only moves to root" {
  kubectl kubestellar ensure wmw --with-kube false gone >/dev/null
  run --separate-stderr kubectl kubestellar remove wmw gone
  assert_success
  assert_equal "$output" 'Current workspace is "root".
workspace.tenancy.kcp.io "gone" deleted'
  run --separate-stderr kubectl kubestellar remove wmw gone
  assert_success
  assert_equal "$output" 'Current workspace is "root".'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  run kubectl_ws root get workspace gone
  assert_failure 1
  assert_output 'Error from server (NotFound): workspaces.tenancy.kcp.io "gone" not found'
}

@test "--dry-run: plans without creating or moving" {
  mark=$(log_mark)
  run --separate-stderr kubectl kubestellar ensure wmw --dry-run drywmw
  assert_success
  assert_line --index 1 'Workspace "drywmw" created (dry run)'
  assert_line --index 2 'apibinding.apis.kcp.io/bind-espw created (dry run)'
  assert_equal "$(mutations_since "$mark")" ""
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  run kubectl_ws root get workspace drywmw
  assert_failure 1
  assert_output 'Error from server (NotFound): workspaces.tenancy.kcp.io "drywmw" not found'
}

bad_input() {
  local mark
  mark=$(log_mark)
  run --separate-stderr timeout 60 kubectl kubestellar "$@"
  assert_failure
  assert_equal "$output" ""
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "expected one stderr line, got: $stderr"
  assert_equal "$(mutations_since "$mark")" ""
}

@test "bad input: one stderr line, non-zero exit, nothing created" {
  bad_input ensure wmw Bad_Name
  bad_input ensure wmw root:x
  bad_input ensure wmw
  bad_input ensure wmw a b
  bad_input ensure wmw --with-kube maybe okwmw
  bad_input ensure wmw --context root okwmw
  bad_input ensure wmw --nope okwmw
  bad_input remove wmw 'x y'
  bad_input remove wmw --context root okwmw
  run kubectl_ws root get workspace okwmw
  assert_failure 1
  assert_output 'Error from server (NotFound): workspaces.tenancy.kcp.io "okwmw" not found'
}

@test "missing ESPW: one stderr line, no workspace created" {
  kubectl_ws root:espw delete apiexport edge.kubestellar.io >/dev/null
  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw noespw
  kubectl_ws root:espw apply -f "$REPO_ROOT/test/bats/fixtures/espw-edge-api.yaml" >/dev/null
  assert_failure
  assert_equal "$stderr" 'kubectl kubestellar ensure wmw: the edge service provider workspace "root:espw" has no APIExport "edge.kubestellar.io"; has KubeStellar been set up (kubestellar init)?'
  run kubectl_ws root get workspace noespw
  assert_failure 1
  assert_output 'Error from server (NotFound): workspaces.tenancy.kcp.io "noespw" not found'
}
