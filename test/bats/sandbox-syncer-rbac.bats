#!/usr/bin/env bats
# The syncer's identity from prep-for-syncer, checked against the sandbox's kcp RBAC:
# its token does what the syncer does in its mailbox workspace (on the bare server
# URL, as the syncer's kubeconfig has it) and nothing anywhere else.
load helpers
load file-sandbox

setup_file() {
  start_file_sandbox
  make_espw
  make_ws imw-1
  cp "$SANDBOX_DIR/admin.kubeconfig" "$BATS_FILE_TMPDIR/setup.kubeconfig"
  export KUBECONFIG="$BATS_FILE_TMPDIR/setup.kubeconfig"
  kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar >/dev/null
  (cd "$BATS_FILE_TMPDIR" && timeout 90 kubectl kubestellar prep-for-syncer --imw root:imw-1 demo1 >/dev/null 2>&1)
  # the kubeconfig Secret of the manifest
  node -e '
    const { parseAllDocuments } = require(process.argv[1]);
    const docs = parseAllDocuments(require("node:fs").readFileSync(process.argv[2], "utf8")).map((d) => d.toJS());
    const s = docs.find((d) => d && d.kind === "Secret" && (d.stringData || {}).kubeconfig);
    process.stdout.write(s.stringData.kubeconfig);' \
    "$REPO_ROOT/node_modules/yaml" "$BATS_FILE_TMPDIR/demo1-syncer.yaml" >"$BATS_FILE_TMPDIR/syncer.kubeconfig"
  unset KUBECONFIG
}
teardown_file() { stop_file_sandbox; }
setup() { setup_tmp; }
teardown() { teardown_tmp; }

syncer() { kubectl --kubeconfig "$BATS_FILE_TMPDIR/syncer.kubeconfig" "$@"; }
# mailbox: demo1's mailbox workspace, a child of root (as v0.14's mailbox controller makes it)
mailbox() {
  kubectl_ws root get workspaces -o json | jq -r '.items[] | select(.metadata.annotations["edge.kubestellar.io/sync-target-name"] == "demo1") | .metadata.name'
}

@test "the syncer's token works in its mailbox workspace, addressed by the bare server URL as its kubeconfig does" {
  server=$(syncer config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  assert_equal "$server" "$SANDBOX_URL"
  run --separate-stderr syncer get serviceaccounts -n default -o name
  assert_success
  assert_line --regexp '^serviceaccount/kubestellar-syncer-demo1-[0-9a-z]{8}$'
  # what the syncer does there: its SyncTarget's API, and any kind it syncs
  run syncer auth can-i list synctargets.edge.kubestellar.io --all-namespaces
  assert_output yes
  run syncer auth can-i create configmaps -n default
  assert_output yes
  mb=$(mailbox)
  [ -n "$mb" ] || fail "no mailbox workspace for demo1 under root"
  run --separate-stderr syncer --server "$SANDBOX_URL/clusters/root:$mb" create configmap synced -n default
  assert_success
}

@test "the syncer's token is refused (403) in every other workspace" {
  for ws in root root:espw root:imw-1; do
    run --separate-stderr syncer get --raw "/clusters/$ws/api/v1/namespaces/default/configmaps"
    assert_failure
    [[ "$stderr" == 'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:default:kubestellar-syncer-demo1-'*'" cannot list resource "configmaps" in API group "" in the namespace "default": access denied' ]] ||
      fail "$ws: $stderr"
  done
}
