#!/usr/bin/env bats
# kubectl kubestellar ensure wmw / remove wmw through kubectl's plugin mechanism.
load helpers
load inventory-helpers

KUBE='["bind-apiregistration.k8s.io","bind-apps","bind-autoscaling","bind-batch","bind-cluster-core.k8s.io","bind-cluster-networking.k8s.io","bind-cluster-storage.k8s.io","bind-core.k8s.io","bind-discovery.k8s.io","bind-flowcontrol.apiserver.k8s.io","bind-kubernetes","bind-networking.k8s.io","bind-node.k8s.io","bind-policy","bind-scheduling.k8s.io","bind-storage.k8s.io"]'

setup_file() {
  start_file_sandbox
  make_espw
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() { teardown_tmp; }

bindings() { kubectl_ws "root:$1" get apibindings -o json | jq -c '[.items[].metadata.name] | sort'; }

@test "ensure wmw: creates root:NAME with bind-espw and the kube bindings; WMW left current" {
  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw example-wmw
  assert_success
  assert_equal "$stderr" ""
  assert_line --index 0 'Current workspace is "root".'
  assert_line --index 1 'Workspace "example-wmw" (type root:universal) created. Waiting for it to be ready...'
  assert_line --index 2 'Workspace "example-wmw" (type root:universal) is ready to use.'
  assert_line --index 3 'Current workspace is "root:example-wmw" (type root:universal).'
  assert_line --index 4 'apibinding.apis.kcp.io/bind-espw created'
  assert_line --index 5 'apibinding.apis.kcp.io/bind-kubernetes created'
  assert_equal "${#lines[@]}" 21
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root:example-wmw"
  assert_equal "$(kubectl_ws root get workspace example-wmw -o json | jq -c .spec.type)" '{"name":"universal","path":"root"}'
  assert_equal "$(kubectl_ws root:example-wmw get apibinding bind-espw -o json | jq -c .spec.reference.export)" '{"name":"edge.kubestellar.io","path":"root:espw"}'
  assert_equal "$(kubectl_ws root:example-wmw get apibinding bind-apps -o json | jq -c .spec.reference.export)" '{"name":"apps","path":"root:compute"}'
  assert_equal "$(bindings example-wmw | jq -c 'map(select(. != "bind-espw"))')" "$KUBE"
}

@test "ensure wmw: a re-run sends reads only; --with-kube false deletes, true restores" {
  kubectl kubestellar ensure wmw w2 >/dev/null
  kubectl config use-context root >/dev/null
  mark=$(log_mark)
  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw w2
  assert_success
  assert_equal "$output" 'Current workspace is "root".
Current workspace is "root:w2" (type root:universal).'
  assert_equal "$(mutations_since "$mark")" ""

  run --separate-stderr timeout 60 kubectl kubestellar ensure wmw w2 --with-kube false
  assert_success
  assert_line --index 2 'apibinding.apis.kcp.io "bind-kubernetes" deleted'
  assert_equal "${#lines[@]}" 18
  assert_equal "$(bindings w2)" '["bind-espw"]'

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
  assert_line --index 1 'Workspace "drywmw" (type root:universal) created (dry run)'
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
