#!/usr/bin/env bats
# kubectl kubestellar prep-for-syncer / prep-for-cluster against the sandbox with its
# mailbox controller; the manifest is checked with the real kubectl.
load helpers
load inventory-helpers

setup_file() {
  start_file_sandbox
  make_espw
  make_ws imw-1
  make_ws wec
  kubectl_ws root:wec apply -f - <<'YAML' >/dev/null
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: kubernetes}
spec: {reference: {export: {path: "root:compute", name: kubernetes}}}
YAML
  cp "$SANDBOX_DIR/admin.kubeconfig" "$BATS_FILE_TMPDIR/setup.kubeconfig"
  KUBECONFIG="$BATS_FILE_TMPDIR/setup.kubeconfig" kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar the-word=the-bird >/dev/null
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() { teardown_tmp; }

mailbox_of() {
  kubectl_ws root:espw get workspaces -o json |
    jq -r --arg st "$1" '.items[] | select(.metadata.annotations["edge.kubestellar.io/sync-target-name"] == $st) | .metadata.name'
}

@test "prep-for-syncer: lines, mailbox objects, 0600 manifest, workspace restored" {
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw-1 demo1
  assert_success
  mb=$(mailbox_of demo1)
  [ -n "$mb" ]
  id=$(awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}' demo1-syncer.yaml)
  [[ "$id" =~ ^kubestellar-syncer-demo1-[0-9a-z]{8}$ ]]
  assert_equal "$output" "Current workspace is \"root:imw-1\".
Current workspace is \"root:espw\".
Current workspace is \"root:espw:$mb\" (type root:universal).
Current workspace is \"root\"."
  assert_equal "$(printf '%s\n' "$stderr" | head -1)" "Creating service account \"$id\""
  [[ "$stderr" == *"Wrote WEC manifest to demo1-syncer.yaml for namespace \"$id\". Use"* ]]
  assert_equal "$(stat -c %a demo1-syncer.yaml)" 600
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  kubectl_ws "root:espw:$mb" get serviceaccount -n default "$id" >/dev/null
  kubectl_ws "root:espw:$mb" get clusterrole "$id" >/dev/null
  assert_equal "$(kubectl_ws "root:espw:$mb" get clusterrolebinding "$id" -o json | jq -c '.subjects[0].name')" "\"$id\""
  assert_equal "$(kubectl_ws "root:espw:$mb" get secret -n default "$id-token" -o json | jq -r '.type, .metadata.annotations["kubernetes.io/service-account.name"]')" "kubernetes.io/service-account-token
$id"
  # the manifest: client-side valid, applies to a WEC stand-in, seven objects
  run kubectl_ws root:wec apply --dry-run=client -f "$TEST_TMP/demo1-syncer.yaml"
  assert_success
  run kubectl_ws root:wec apply -f "$TEST_TMP/demo1-syncer.yaml"
  assert_success
  assert_equal "$(printf '%s\n' "$output" | grep -c ' created$')" 7
  assert_line "deployment.apps/$id created"
  # the kubeconfig inside authenticates to the mailbox workspace
  kubectl_ws root:wec get secret -n "$id" "$id" -o json | jq -r '.data.kubeconfig' | base64 -d >syncer.kubeconfig
  server=$(KUBECONFIG=syncer.kubeconfig kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  assert_equal "$server" "$SANDBOX_URL"
  run env KUBECONFIG=syncer.kubeconfig kubectl --server "$server/clusters/root:espw:$mb" get serviceaccount "$id" -o name
  assert_success
  assert_output "serviceaccount/$id"
  run env KUBECONFIG=syncer.kubeconfig kubectl --server "$server/clusters/root:imw-1" get serviceaccounts
  assert_failure 1
  # the mailbox's service-account token is unknown outside its workspace: 401
  assert_line --index $((${#lines[@]} - 1)) 'error: You must be logged in to the server (the server has asked for the client to provide credentials)'
}

@test "prep-for-syncer: a re-run keeps the syncer ID and sends no writes; -o - and -s" {
  kubectl kubestellar prep-for-syncer --imw root:imw-1 demo1 2>/dev/null >/dev/null
  id1=$(awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}' demo1-syncer.yaml)
  mark=$(log_mark)
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer -s --imw root:imw-1 demo1 -o -
  assert_success
  assert_equal "$(mutations_since "$mark")" ""
  assert_equal "$(printf '%s\n' "$output" | awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}')" "$id1"
  [[ "$output" == ---* ]]
  assert_equal "$(printf '%s\n' "$output" | grep -c '^kind: ')" 7
}

@test "prep-for-cluster: ensure location + prep-for-syncer; florin; workspace restored" {
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-cluster --imw root:imw-1 florin loc-name=florin env=prod -o florin.yaml
  assert_success
  assert_line --index 0 'Current workspace is "root:imw-1".'
  assert_line --index 1 'synctarget.edge.kubestellar.io/florin created'
  assert_line --index 2 'location.edge.kubestellar.io/florin created'
  assert_line --index 7 'Current workspace is "root:imw-1".'
  assert_line --index 8 'Current workspace is "root:espw".'
  assert_equal "${lines[-1]}" 'Current workspace is "root".'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  assert_equal "$(kubectl_ws root:imw-1 get synctargets.edge.kubestellar.io florin -o json | jq -c .metadata.labels)" '{"env":"prod","id":"florin","loc-name":"florin"}'
  run kubectl_ws root:wec apply --dry-run=client -f "$TEST_TMP/florin.yaml"
  assert_success
}

@test "--dry-run: plans the identity, writes nothing" {
  kubectl kubestellar ensure location --imw root:imw-1 dry1 k=v >/dev/null
  kubectl config use-context root >/dev/null
  mb=""
  for i in $(seq 1 100); do mb=$(mailbox_of dry1); [ -n "$mb" ] && [ "$(kubectl_ws root:espw get workspace "$mb" -o jsonpath='{.status.phase}')" = Ready ] && break; sleep 0.1; done
  mark=$(log_mark)
  run --separate-stderr timeout 60 kubectl kubestellar prep-for-syncer --dry-run --imw root:imw-1 dry1
  assert_success
  [[ "$stderr" == *"Creating service account \"kubestellar-syncer-dry1-"*"(dry run)"* ]]
  [[ "$stderr" == *"Would write WEC manifest to dry1-syncer.yaml"* ]]
  [ ! -e dry1-syncer.yaml ]
  assert_equal "$(mutations_since "$mark" | grep -v 'dryRun' || true)" ""
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}

bad_prep() {
  local mark
  mark=$(log_mark)
  run --separate-stderr timeout 60 env KUBESTELLAR_MAILBOX_WAIT_SECONDS=1 kubectl kubestellar "$@"
  assert_failure
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "expected one stderr line, got: $stderr"
  assert_equal "$(mutations_since "$mark")" ""
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}

@test "bad input and failures: one stderr line, nothing created, workspace restored" {
  bad_prep prep-for-syncer --imw root:imw-1 nosuch
  assert_equal "$stderr" 'kubectl kubestellar prep-for-syncer: SyncTarget "nosuch" not found in workspace "root:imw-1"'
  bad_prep prep-for-syncer --imw root:nowhere demo1
  bad_prep prep-for-syncer --imw root:imw-1 --espw root:nowhere demo1
  bad_prep prep-for-syncer --imw root:imw-1 --espw root:compute demo1
  bad_prep prep-for-syncer --context root --imw root:imw-1 demo1
  bad_prep prep-for-syncer --imw root:imw-1 Bad_Name
  bad_prep prep-for-syncer --imw root:imw-1 demo1 extra
  bad_prep prep-for-syncer --unknown demo1
  bad_prep prep-for-cluster --imw root:imw-1 demo1 id=x
  bad_prep prep-for-cluster --imw root:imw-1 demo1
}

@test "no mailbox workspace: names it and the mailbox controller; workspace restored" {
  make_ws espw2
  kubectl_ws root:espw2 apply -f "$REPO_ROOT/test/bats/fixtures/espw-edge-api.yaml" >/dev/null
  run --separate-stderr timeout 60 env KUBESTELLAR_MAILBOX_WAIT_SECONDS=1 kubectl kubestellar prep-for-syncer --imw root:imw-1 --espw root:espw2 demo1
  assert_failure
  [[ "$stderr" == 'kubectl kubestellar prep-for-syncer: did not find the mailbox workspace "root:espw2:'*'-mb-'*'" for SyncTarget "demo1" within 1 s; is the mailbox controller running?' ]]
  assert_equal "${lines[-1]}" 'Current workspace is "root".'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}
