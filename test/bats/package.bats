#!/usr/bin/env bats
# The published package: `npm pack`, installed into an empty prefix with --omit=dev, runs
# every command with no runtime dependency installed (everything it needs is bundled).
load helpers

setup_file() {
  PACK_DIR="$(mktemp -d "${BATS_TMPDIR:-/tmp}/ks-pack.XXXXXX")"
  export PACK_DIR
  (cd "$REPO_ROOT" && npm pack --silent --pack-destination "$PACK_DIR" >"$PACK_DIR/pack.out" 2>"$PACK_DIR/pack.err")
  TARBALL="$PACK_DIR/$(tail -1 "$PACK_DIR/pack.out")"
  export TARBALL
  mkdir -p "$PACK_DIR/prefix"
  (cd "$PACK_DIR/prefix" && npm install --silent --omit=dev --no-audit --no-fund --no-save "$TARBALL" >"$PACK_DIR/install.log" 2>&1)
  INSTALLED="$PACK_DIR/prefix/node_modules/.bin"
  export INSTALLED
}

teardown_file() {
  rm -rf "$PACK_DIR"
}

setup() { setup_tmp; }
teardown() {
  [ -n "${SANDBOX_PID:-}" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
  teardown_tmp
}

@test "the tarball declares no runtime dependency and carries the licence notices of what it bundles" {
  [ -f "$TARBALL" ]
  run tar -xzOf "$TARBALL" package/package.json
  assert_success
  run jq -r '.dependencies // {} | length' <<<"$output"
  assert_output 0
  run tar -tzf "$TARBALL"
  assert_line package/dist/THIRD-PARTY-NOTICES.txt
  refute_line --partial package/node_modules/
  run bash -c "tar -xzOf '$TARBALL' package/dist/THIRD-PARTY-NOTICES.txt | grep -c '^yaml@'"
  assert_output 1
}

@test "the install into an empty prefix holds only this package" {
  run ls "$PACK_DIR/prefix/node_modules"
  assert_success
  assert_output --regexp '^(\.bin|\.package-lock\.json|kubestellar-zx)(
(\.bin|\.package-lock\.json|kubestellar-zx))*$'
}

@test "every installed executable answers --help with its usage on stdout" {
  local bins
  bins=$(jq -r '.bin | keys[]' "$REPO_ROOT/package.json")
  [ -n "$bins" ]
  local b
  for b in $bins; do
    run --separate-stderr "$INSTALLED/$b" --help
    [ "$status" -eq 0 ] || fail "$b --help exited $status: $stderr"
    [ -n "$output" ] || fail "$b --help printed nothing on stdout"
  done
}

@test "the installed commands do real work: credentials, a sandbox, a location" {
  run --separate-stderr "$INSTALLED/kubestellar-ensure-kcp-server-creds" pack.example
  assert_success
  [ -f "$TEST_TMP/pki/issued/kcp-DNS-pack.example.crt" ]

  "$INSTALLED/kubestellar-sandbox" start --secure-port 0 --root-directory "$TEST_TMP/.kcp" \
    >"$TEST_TMP/sandbox.out" 2>"$TEST_TMP/sandbox.log" 3>&- &
  SANDBOX_PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    [ -s "$TEST_TMP/.kcp/admin.kubeconfig" ] && break
    sleep 0.05
  done
  export KUBECONFIG="$TEST_TMP/.kcp/admin.kubeconfig"
  PATH="$INSTALLED:$PATH" run kubectl kubestellar --help
  assert_success
  run --separate-stderr "$INSTALLED/kubestellar" init --local-kcp false --ensure-imw root:imw-pack
  assert_success
  run --separate-stderr "$INSTALLED/kubectl-kubestellar-ensure-location" --imw root:imw-pack pack1 env=pack
  assert_success
  local base
  base=$(sed -n 's/^    server: \(https:\/\/[^/]*\)$/\1/p' "$KUBECONFIG" | head -1)
  run kubectl --server "$base/clusters/root:imw-pack" get synctargets.edge.kubestellar.io pack1 -o jsonpath='{.metadata.labels.id}'
  assert_success
  assert_output pack1
}
