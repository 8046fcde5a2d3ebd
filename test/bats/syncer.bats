#!/usr/bin/env bats
# kubectl kubestellar prep-for-syncer / prep-for-cluster against the sandbox with its
# mailbox controller (v0.14: mailbox workspaces are children of root); the manifest is
# checked with the real kubectl.
load helpers
load file-sandbox

setup_file() {
  start_file_sandbox
  cp "$SANDBOX_DIR/admin.kubeconfig" "$BATS_FILE_TMPDIR/setup.kubeconfig"
  export KUBECONFIG="$BATS_FILE_TMPDIR/setup.kubeconfig"
  kubestellar init --local-kcp false --ensure-imw root:imw-1 --ensure-wmw '' >/dev/null
  make_ws wec
  kubectl_ws root:wec apply -f - <<'YAML' >/dev/null
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: kubernetes}
spec: {reference: {export: {path: "root:compute", name: kubernetes}}}
YAML
  kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar the-word=the-bird >/dev/null
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() { teardown_tmp; }

# mailbox_of ST [PARENT]: the name of ST's mailbox workspace under PARENT (default root)
mailbox_of() {
  kubectl_ws "${2:-root}" get workspaces -o json |
    jq -r --arg st "$1" '.items[] | select(.metadata.annotations["edge.kubestellar.io/sync-target-name"] == $st) | .metadata.name'
}

# wait_mailbox ST: waits (bounded) until ST's mailbox under root is Ready; prints its name
wait_mailbox() {
  local mb="" i
  for i in $(seq 1 100); do
    mb=$(mailbox_of "$1")
    [ -n "$mb" ] && [ "$(kubectl_ws root get workspace "$mb" -o jsonpath='{.status.phase}')" = Ready ] && break
    sleep 0.1
  done
  printf '%s\n' "$mb"
}

# owner_uids MB ID: the ownerReference UID of the SA, ClusterRole, ClusterRoleBinding and token Secret
owner_uids() {
  local mb="$1" id="$2"
  {
    kubectl_ws "root:$mb" get serviceaccount -n default "$id" -o json
    kubectl_ws "root:$mb" get clusterrole "$id" -o json
    kubectl_ws "root:$mb" get clusterrolebinding "$id" -o json
    kubectl_ws "root:$mb" get secret -n default "$id-token" -o json
  } | jq -r '.metadata.ownerReferences[] | "\(.kind)/\(.name)/\(.uid)"'
}

@test "prep-for-syncer: mailbox under root, EdgeSyncConfig owns the identity, release image, 0600 manifest, workspace restored" {
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw-1 demo1
  assert_success
  mb=$(mailbox_of demo1)
  [ -n "$mb" ]
  # <logical cluster of the IMW>-mb-<SyncTarget UID>
  st=$(kubectl_ws root:imw-1 get synctargets.edge.kubestellar.io demo1 -o json)
  assert_equal "$mb" "$(jq -r '.metadata.annotations["kcp.io/cluster"] + "-mb-" + .metadata.uid' <<<"$st")"
  type=$(kubectl_ws root get workspace "$mb" -o jsonpath='{.spec.type.path}:{.spec.type.name}')
  id=$(awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}' demo1-syncer.yaml)
  [[ "$id" =~ ^kubestellar-syncer-demo1-[0-9a-z]{8}$ ]]
  assert_equal "$output" "Current workspace is \"root:imw-1\".
Current workspace is \"root:espw\".
Current workspace is \"root\".
Current workspace is \"root:$mb\" (type $type).
Current workspace is \"root\"."
  assert_equal "$(printf '%s\n' "$stderr" | head -1)" "Creating service account \"$id\""
  [[ "$stderr" == *"Wrote WEC manifest to demo1-syncer.yaml for namespace \"$id\". Use"* ]]
  assert_equal "$(stat -c %a demo1-syncer.yaml)" 600
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  # the EdgeSyncConfig named after the SyncTarget owns SA, ClusterRole, ClusterRoleBinding, token Secret
  esc_uid=$(kubectl_ws "root:$mb" get edgesyncconfigs.edge.kubestellar.io demo1 -o jsonpath='{.metadata.uid}')
  [ -n "$esc_uid" ]
  assert_equal "$(owner_uids "$mb" "$id")" "$(printf 'EdgeSyncConfig/demo1/%s\n' "$esc_uid" "$esc_uid" "$esc_uid" "$esc_uid")"
  assert_equal "$(kubectl_ws "root:$mb" get clusterrole "$id" -o json | jq -c .rules)" '[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["/"],"verbs":["access"]}]'
  assert_equal "$(kubectl_ws "root:$mb" get clusterrolebinding "$id" -o json | jq -c '.subjects[0].name')" "\"$id\""
  assert_equal "$(kubectl_ws "root:$mb" get secret -n default "$id-token" -o json | jq -r '.type, .metadata.annotations["kubernetes.io/service-account.name"]')" "kubernetes.io/service-account-token
$id"
  # the release's syncer image
  assert_equal "$(grep -c '^ *image: quay.io/kubestellar/syncer:release-0.14$' demo1-syncer.yaml)" 1
  # the manifest: client-side valid, applies to a WEC stand-in, seven objects
  run kubectl_ws root:wec apply --dry-run=client -f "$TEST_TMP/demo1-syncer.yaml"
  assert_success
  run kubectl_ws root:wec apply -f "$TEST_TMP/demo1-syncer.yaml"
  assert_success
  assert_equal "$(printf '%s\n' "$output" | grep -c ' created$')" 7
  assert_line "deployment.apps/$id created"
  assert_equal "$(kubectl_ws root:wec get clusterrole "$id" -o json | jq -c '.rules[0].resources')" '["clusterroles","clusterrolebindings"]'
  # the kubeconfig inside authenticates to the mailbox workspace, verifying the server
  kubectl_ws root:wec get secret -n "$id" "$id" -o json | jq -r '.data.kubeconfig' | base64 -d >syncer.kubeconfig
  run grep -c insecure syncer.kubeconfig
  assert_output 0
  server=$(KUBECONFIG=syncer.kubeconfig kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  assert_equal "$server" "$SANDBOX_URL"
  run env KUBECONFIG=syncer.kubeconfig kubectl --server "$server/clusters/root:$mb" get serviceaccount "$id" -o name
  assert_success
  assert_output "serviceaccount/$id"
  run env KUBECONFIG=syncer.kubeconfig kubectl --server "$server/clusters/root:imw-1" get serviceaccounts
  assert_failure 1
  # outside its workspace the mailbox's service account is foreign: 403, as kcp answers
  assert_line --index $((${#lines[@]} - 1)) "Error from server (Forbidden): serviceaccounts is forbidden: User \"system:serviceaccount:default:$id\" cannot list resource \"serviceaccounts\" in API group \"\" in the namespace \"default\": access denied"
}

@test "prep-for-syncer: a re-run keeps the syncer ID and sends no writes; -s and --silent hide only the workspace lines" {
  kubectl kubestellar prep-for-syncer --imw root:imw-1 demo1 2>/dev/null >/dev/null
  id1=$(awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}' demo1-syncer.yaml)
  mark=$(log_mark)
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer -s --imw root:imw-1 demo1 -o -
  assert_success
  assert_equal "$(mutations_since "$mark")" ""
  assert_equal "$(printf '%s\n' "$output" | awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}')" "$id1"
  [[ "$output" == ---* ]]
  assert_equal "$(printf '%s\n' "$output" | grep -c '^kind: ')" 7
  [[ "$stderr" != *"Current workspace"* ]]
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer --silent --imw root:imw-1 demo1 -o again.yaml
  assert_success
  assert_output ""
  [[ "$stderr" == "Creating or updating cluster role binding \"$id1\""* ]]
  [[ "$stderr" == *"Wrote WEC manifest to again.yaml for namespace \"$id1\". Use"* ]]
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}

@test "prep-for-syncer: an owned object from before (no ownerReference) gets one; a custom --syncer-image is used" {
  kubectl kubestellar ensure location --imw root:imw-1 own1 k=v >/dev/null
  kubectl config use-context root >/dev/null
  mb=$(wait_mailbox own1)
  kubectl kubestellar prep-for-syncer --imw root:imw-1 own1 >/dev/null 2>&1
  id=$(awk '/^  name: kubestellar-syncer-own1-/ {print $2; exit}' own1-syncer.yaml)
  kubectl_ws "root:$mb" patch serviceaccount -n default "$id" --type=json -p '[{"op":"remove","path":"/metadata/ownerReferences"}]' >/dev/null
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw-1 --syncer-image example.com/syncer:v9 own1
  assert_success
  assert_equal "$(printf '%s\n' "$stderr" | head -1)" "Updating service account \"$id\"."
  esc_uid=$(kubectl_ws "root:$mb" get edgesyncconfigs.edge.kubestellar.io own1 -o jsonpath='{.metadata.uid}')
  assert_equal "$(kubectl_ws "root:$mb" get serviceaccount -n default "$id" -o jsonpath='{.metadata.ownerReferences[0].uid}')" "$esc_uid"
  assert_equal "$(grep -c '^ *image: example.com/syncer:v9$' own1-syncer.yaml)" 1
}

@test "prep-for-syncer on an older core: the mailbox workspace under the ESPW is found" {
  # an ESPW the sandbox's mailbox controller does not serve, and a mailbox made by hand
  # where cores before v0.14 put it
  make_ws espw-old
  kubectl_ws root:espw-old apply -f "$REPO_ROOT/test/bats/fixtures/espw-edge-api.yaml" >/dev/null
  make_ws imw-old
  kubectl_ws root:imw-old apply -f - <<'YAML' >/dev/null
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: edge.kubestellar.io}
spec: {reference: {export: {path: "root:espw-old", name: edge.kubestellar.io}}}
YAML
  for i in $(seq 1 100); do kubectl_ws root:imw-old get synctargets.edge.kubestellar.io >/dev/null 2>&1 && break; sleep 0.1; done
  printf 'apiVersion: edge.kubestellar.io/v2alpha1\nkind: SyncTarget\nmetadata: {name: old1, labels: {id: old1}}\n' | kubectl_ws root:imw-old create -f - >/dev/null
  mb=$(kubectl_ws root:imw-old get synctargets.edge.kubestellar.io old1 -o json | jq -r '.metadata.annotations["kcp.io/cluster"] + "-mb-" + .metadata.uid')
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: %s, annotations: {edge.kubestellar.io/sync-target-name: old1}}\n' "$mb" | kubectl_ws root:espw-old create -f - >/dev/null
  wait_ws_ready root:espw-old "$mb"
  kubectl_ws "root:espw-old:$mb" apply -f - <<'YAML' >/dev/null
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: bind-edge}
spec: {reference: {export: {path: "root:espw-old", name: edge.kubestellar.io}}}
YAML
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw-old --espw root:espw-old old1
  assert_success
  assert_equal "$output" "Current workspace is \"root:imw-old\".
Current workspace is \"root:espw-old\".
Current workspace is \"root\".
Current workspace is \"root:espw-old:$mb\".
Current workspace is \"root\"."
  id=$(awk '/^  name: kubestellar-syncer-old1-/ {print $2; exit}' old1-syncer.yaml)
  esc_uid=$(kubectl_ws "root:espw-old:$mb" get edgesyncconfigs.edge.kubestellar.io old1 -o jsonpath='{.metadata.uid}')
  assert_equal "$(kubectl_ws "root:espw-old:$mb" get serviceaccount -n default "$id" -o jsonpath='{.metadata.ownerReferences[0].uid}')" "$esc_uid"
  # nothing was made under root for it
  assert_equal "$(kubectl_ws root get workspaces -o name | grep -c -- "$mb" || true)" 0
}

@test "prep-for-cluster: ensure location + prep-for-syncer; florin; workspace restored" {
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-cluster --imw root:imw-1 florin loc-name=florin env=prod -o florin.yaml
  assert_success
  assert_line --index 0 'Current workspace is "root:imw-1".'
  assert_line --index 1 'synctarget.edge.kubestellar.io/florin created'
  assert_line --index 2 'location.edge.kubestellar.io/florin created'
  assert_line --index 7 'Current workspace is "root:imw-1".'
  assert_line --index 8 'Current workspace is "root:espw".'
  assert_line --index 9 'Current workspace is "root".'
  assert_line --index 10 --regexp '^Current workspace is "root:[a-z0-9]+-mb-[0-9a-f-]+" \(type root:[a-z]+\)\.$'
  assert_equal "${lines[-1]}" 'Current workspace is "root".'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  assert_equal "$(kubectl_ws root:imw-1 get synctargets.edge.kubestellar.io florin -o json | jq -c .metadata.labels)" '{"env":"prod","id":"florin","loc-name":"florin"}'
  run kubectl_ws root:wec apply --dry-run=client -f "$TEST_TMP/florin.yaml"
  assert_success
}

@test "--dry-run: plans the identity, writes nothing" {
  kubectl kubestellar ensure location --imw root:imw-1 dry1 k=v >/dev/null
  kubectl config use-context root >/dev/null
  mb=$(wait_mailbox dry1)
  [ -n "$mb" ]
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
  bad_prep prep-for-syncer --context root --imw root:imw-1 demo1
  bad_prep prep-for-syncer --imw root:imw-1 Bad_Name
  bad_prep prep-for-syncer --imw root:imw-1 demo1 extra
  bad_prep prep-for-syncer --unknown demo1
  bad_prep prep-for-cluster --imw root:imw-1 demo1 id=x
  bad_prep prep-for-cluster --imw root:imw-1 demo1
  # the output and image are checked before anything is created
  bad_prep prep-for-syncer --imw root:imw-1 --syncer-image '' demo1
  assert_equal "$stderr" "kubectl kubestellar prep-for-syncer: --syncer-image must not be empty"
  bad_prep prep-for-syncer --imw root:imw-1 -o '' demo1
  assert_equal "$stderr" "kubectl kubestellar prep-for-syncer: -o must not be empty"
  mkdir out
  bad_prep prep-for-syncer --imw root:imw-1 -o out demo1
  assert_equal "$stderr" 'kubectl kubestellar prep-for-syncer: -o "out" is a directory, not a file'
  bad_prep prep-for-syncer --imw root:imw-1 -o nodir/x.yaml demo1
  assert_equal "$stderr" "kubectl kubestellar prep-for-syncer: -o \"nodir/x.yaml\": directory $TEST_TMP/nodir does not exist"
  bad_prep prep-for-cluster --imw root:imw-1 -o nodir/x.yaml brand-new k=v
  run kubectl_ws root:imw-1 get synctargets.edge.kubestellar.io brand-new
  assert_failure
  [ ! -e nodir ]
}

@test "--espw that is not the ESPW: exit 2, workspace restored" {
  bad_prep prep-for-syncer --imw root:imw-1 --espw root:compute demo1
  assert_equal "$status" 2
  assert_equal "$stderr" 'kubectl kubestellar prep-for-syncer: it looks like "root:compute" is not the edge service provider workspace: it has no APIExport "edge.kubestellar.io"'
}

@test "no mailbox workspace: exit 5, names it and the mailbox controller; workspace restored" {
  make_ws espw2
  kubectl_ws root:espw2 apply -f "$REPO_ROOT/test/bats/fixtures/espw-edge-api.yaml" >/dev/null
  # a SyncTarget the mailbox controller does not serve (its IMW is bound to espw2)
  make_ws imw-2
  kubectl_ws root:imw-2 apply -f - <<'YAML' >/dev/null
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: edge.kubestellar.io}
spec: {reference: {export: {path: "root:espw2", name: edge.kubestellar.io}}}
YAML
  for i in $(seq 1 100); do kubectl_ws root:imw-2 get synctargets.edge.kubestellar.io >/dev/null 2>&1 && break; sleep 0.1; done
  printf 'apiVersion: edge.kubestellar.io/v2alpha1\nkind: SyncTarget\nmetadata: {name: lonely}\n' | kubectl_ws root:imw-2 create -f - >/dev/null
  run --separate-stderr timeout 60 env KUBESTELLAR_MAILBOX_WAIT_SECONDS=1 kubectl kubestellar prep-for-syncer --imw root:imw-2 --espw root:espw2 lonely
  assert_equal "$status" 5
  [[ "$stderr" == 'kubectl kubestellar prep-for-syncer: did not find the mailbox workspace "'*'-mb-'*'" in root or "root:espw2" for SyncTarget "lonely" within 1 s; is the mailbox controller running?' ]]
  assert_equal "${lines[-1]}" 'Current workspace is "root".'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}

@test "a kubeconfig without CA data: the syncer trusts the CA the server presented, never insecure" {
  for c in $(kubectl config get-clusters | tail -n +2); do
    kubectl config unset "clusters.$c.certificate-authority-data" >/dev/null
    kubectl config set-cluster "$c" --insecure-skip-tls-verify=true >/dev/null
  done
  run --separate-stderr timeout 90 kubectl kubestellar prep-for-syncer -s --imw root:imw-1 demo1 -o demo1.yaml
  assert_success
  assert_equal "$(printf '%s\n' "$stderr" | head -1)" 'your kubeconfig has no CA data for the server: the syncer will trust the certificate the server presented ("kubestellar-sandbox-ca")'
  id=$(awk '/^  name: kubestellar-syncer-demo1-/ {print $2; exit}' demo1.yaml)
  node -e '
    const y = require(process.argv[1]);
    const docs = y.parseAllDocuments(require("fs").readFileSync("demo1.yaml", "utf8")).map((d) => d.toJSON());
    process.stdout.write(docs.find((d) => d.kind === "Secret" && d.stringData).stringData.kubeconfig);
  ' "$REPO_ROOT/node_modules/yaml" >syncer.kubeconfig
  run grep -c insecure syncer.kubeconfig
  assert_output 0
  mb=$(mailbox_of demo1)
  run env KUBECONFIG=syncer.kubeconfig kubectl --server "$SANDBOX_URL/clusters/root:$mb" get serviceaccount "$id" -o name
  assert_success
  assert_output "serviceaccount/$id"
}

@test "a kubeconfig without CA data for a server the system roots trust: the syncer's kubeconfig has none either, and it is said" {
  for c in $(kubectl config get-clusters | tail -n +2); do
    kubectl config unset "clusters.$c.certificate-authority-data" >/dev/null
  done
  # the sandbox's CA stands in for a public one: Node's extra roots
  run --separate-stderr timeout 90 env NODE_EXTRA_CA_CERTS="$SANDBOX_DIR/ca.crt" kubectl kubestellar prep-for-syncer -s --imw root:imw-1 demo1 -o - 
  assert_success
  assert_equal "$(printf '%s\n' "$stderr" | head -1)" 'your kubeconfig has no CA data for the server: the syncer will verify it against its system roots'
  [[ "$output" != *certificate-authority-data* ]]
  [[ "$output" != *insecure* ]]
}

@test "the sandbox's mailbox controller: children of root of root's default type; gone with the SyncTarget; orphans deleted" {
  kubectl kubestellar ensure location --imw root:imw-1 short1 k=v >/dev/null
  kubectl config use-context root >/dev/null
  mb=$(wait_mailbox short1)
  [ -n "$mb" ]
  assert_equal "$(mailbox_of short1 root:espw)" ""
  default=$(kubectl_ws root get workspacetype root -o jsonpath='{.spec.defaultChildWorkspaceType.path}:{.spec.defaultChildWorkspaceType.name}')
  assert_equal "$(kubectl_ws root get workspace "$mb" -o jsonpath='{.spec.type.path}:{.spec.type.name}')" "$default"
  assert_equal "$(kubectl_ws "root:$mb" get apibinding bind-edge -o jsonpath='{.spec.reference.export.path}/{.spec.reference.export.name}')" "root:espw/edge.kubestellar.io"
  # an orphan: a child of root named A-mb-B with no SyncTarget
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: nobody-mb-0000}\n' | kubectl_ws root create -f - >/dev/null
  kubectl kubestellar remove location --imw root:imw-1 short1 >/dev/null
  gone() { ! kubectl_ws root get workspace "$1" >/dev/null 2>&1; }
  for i in $(seq 1 100); do gone "$mb" && gone nobody-mb-0000 && break; sleep 0.1; done
  run kubectl_ws root get workspace "$mb"
  assert_failure
  run kubectl_ws root get workspace nobody-mb-0000
  assert_failure
  # names that do not split in two on -mb- are left alone
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: a-mb-b-mb-c}\n' | kubectl_ws root create -f - >/dev/null
  kubectl kubestellar ensure location --imw root:imw-1 short2 k=v >/dev/null
  kubectl config use-context root >/dev/null
  [ -n "$(wait_mailbox short2)" ]
  run kubectl_ws root get workspace a-mb-b-mb-c -o name
  assert_success
}
