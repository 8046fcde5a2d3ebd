#!/usr/bin/env bats
# kubestellar-list-syncing-objects through real mailbox workspaces of the sandbox: one
# made by its mailbox controller emulation (for a SyncTarget), others created directly
# as children of root, where the v0.14 mailbox controller puts them.
load helpers
load file-sandbox

LSO=kubestellar-list-syncing-objects

# make_mailbox NAME: a Workspace NAME under root, Ready
make_mailbox() {
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: %s}\n' "$1" | kubectl_ws root create -f - >/dev/null
  wait_ws_ready root "$1"
}

# configmap WS NAME [KEY=VALUE]: a ConfigMap in namespace default of workspace WS
configmap() { kubectl_ws "$1" create configmap "$2" ${3:+--from-literal="$3"} >/dev/null; }

# kcp puts a kube-root-ca.crt ConfigMap in every namespace; the tests look at their own objects
OWN='select(.metadata.name != "kube-root-ca.crt")'

# json_events FILE: "Action name" per watched object of the tests' own
json_events() { jq -r "$OWN"' | .Action + " " + .metadata.name' "$1"; }

# wait_events FILE N: until FILE (--json --watch output) has N events about the tests' own objects (20 s)
wait_events() {
  local i
  for ((i = 0; i < 400; i++)); do
    [ -f "$1" ] && [ "$(json_events "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
    sleep 0.05
  done
  echo "$1 has $(json_events "$1" | wc -l) events, not $2:" >&2
  cat "$1" >&2
  return 1
}

# yaml_events FILE N: waits (20 s) until FILE (YAML --watch output) has N documents about
# the tests' own objects, then prints "Action name" for each, read by PyYAML
yaml_events() {
  python3 - "$1" "$2" <<'PY'
import sys, time, yaml
deadline = time.time() + 20
while True:
    try:  # the last document may be half written
        docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["metadata"]["name"] != "kube-root-ca.crt"]
    except yaml.YAMLError:
        docs = []
    if len(docs) >= int(sys.argv[2]) or time.time() > deadline: break
    time.sleep(0.05)
for d in docs: print(d["Action"], d["metadata"]["name"])
PY
}

# own_sandbox [flags]: a sandbox for this test alone (it may be killed or run the
# mailbox controller emulation); back_to_file_sandbox stops it.
own_sandbox() {
  FILE_SANDBOX=("$SANDBOX_DIR" "$SANDBOX_URL" "$SANDBOX_PID")
  unset SANDBOX_PID
  start_sandbox "$@"
}
back_to_file_sandbox() {
  stop_sandbox
  SANDBOX_DIR=${FILE_SANDBOX[0]} SANDBOX_URL=${FILE_SANDBOX[1]} SANDBOX_PID=${FILE_SANDBOX[2]}
  FILE_SANDBOX=
}

# A sandbox without the mailbox controller emulation (v0.14's controller would delete
# mailbox-named workspaces that have no SyncTarget), with mailbox workspaces made by hand.
setup_file() {
  sandbox_start_in "$BATS_FILE_TMPDIR/kcp" "$BATS_FILE_TMPDIR"
  make_mailbox c1-mb-u1
  make_mailbox c2-mb-u2
  make_mailbox not-a-mailbox
  make_mailbox x-mb-y-mb-z # two separators: not a mailbox name
  configmap root:c1-mb-u1 alpha 'greeting=hello: world'
  configmap root:c1-mb-u1 beta n=007
  configmap root:c2-mb-u2 gamma
  configmap root:not-a-mailbox decoy1
  configmap root:x-mb-y-mb-z decoy2
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() {
  if [ -n "${WATCH_PID:-}" ]; then
    kill "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
  fi
  # a test's own sandbox, left running by a failure
  if [ -n "${FILE_SANDBOX:-}" ]; then back_to_file_sandbox; fi
  teardown_tmp
}

@test "lists every mailbox's objects as YAML documents that a YAML parser reads" {
  run --separate-stderr $LSO --api-kind ConfigMap
  assert_success
  assert_equal "$stderr" ""
  assert_line --index 0 -- '---'
  assert_line --index 1 'apiVersion: v1'
  # PyYAML, a YAML 1.1 reader like Go's: every document a ConfigMap, the values as stored
  names=$(python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d is not None and d["metadata"]["name"] != "kube-root-ca.crt"]
assert all(d["kind"] == "ConfigMap" and d["apiVersion"] == "v1" for d in docs)
print(" ".join(sorted(d["metadata"]["name"] for d in docs)))
print(next(d for d in docs if d["metadata"]["name"] == "alpha")["data"]["greeting"])
print(next(d for d in docs if d["metadata"]["name"] == "beta")["data"]["n"])
' <<<"$output")
  assert_equal "$names" "alpha beta gamma
hello: world
007"
}

@test "--json: one compact JSON object per line, keys sorted, no Action when only listing" {
  run --separate-stderr $LSO --api-kind ConfigMap --json
  assert_success
  assert_equal "$(jq -c "$OWN" <<<"$output" | wc -l)" 3
  for line in "${lines[@]}"; do
    assert_equal "$(jq -c . <<<"$line")" "$line"
    assert_equal "$(jq -c 'keys_unsorted == keys and (.metadata | keys_unsorted == keys)' <<<"$line")" true
  done
  assert_equal "$(jq -r "$OWN | .metadata.name" <<<"$output" | sort | tr '\n' ' ')" 'alpha beta gamma '
  assert_equal "$(jq -s 'map(has("Action")) | any' <<<"$output")" false
  # the logical cluster of each is that of its mailbox workspace
  c1=$(kubectl_ws root get workspace c1-mb-u1 -o jsonpath='{.spec.cluster}')
  assert_equal "$(jq -r 'select(.metadata.name == "alpha") | .metadata.annotations["kcp.io/cluster"]' <<<"$output")" "$c1"
}

@test "reads the mailbox workspace the mailbox controller emulation makes for a SyncTarget" {
  KUBESTELLAR_SANDBOX_MAILBOX_DELAY_MS=100 own_sandbox --kubestellar-controllers
  make_espw
  make_ws imw-1
  # on a copy: ensure location leaves the current context in the IMW
  cp "$KUBECONFIG" "$TEST_TMP/setup.kubeconfig"
  KUBECONFIG="$TEST_TMP/setup.kubeconfig" kubectl kubestellar ensure location --imw root:imw-1 demo1 env=prod >/dev/null
  local parent="" mb="" i p
  for ((i = 0; i < 200; i++)); do
    # v0.14 puts mailboxes under root; older emulations used the ESPW
    for p in root root:espw; do
      mb=$(kubectl_ws "$p" get workspaces -o json | jq -r '.items[] | select(.metadata.annotations["edge.kubestellar.io/sync-target-name"] == "demo1" and .status.phase == "Ready") | .metadata.name')
      [ -n "$mb" ] && parent=$p && break 2
    done
    sleep 0.05
  done
  [[ "$mb" == *-mb-* ]]
  configmap "$parent:$mb" in-mailbox a=1
  configmap root:imw-1 not-in-mailbox
  if [ "$parent" != root ]; then
    kubectl config set-cluster mbparent --server "$SANDBOX_URL/clusters/$parent" --embed-certs --certificate-authority "$SANDBOX_DIR/ca.crt" >/dev/null
    kubectl config set-context mbparent --cluster mbparent --user kcp-admin >/dev/null
    set -- --parent-context mbparent
  fi
  run --separate-stderr $LSO --api-kind ConfigMap --json "$@"
  assert_success
  assert_equal "$(jq -r "$OWN | .metadata.name" <<<"$output")" in-mailbox
  assert_equal "$(jq -r "$OWN"' | .metadata.annotations["kcp.io/cluster"]' <<<"$output")" "$(kubectl_ws "$parent" get workspace "$mb" -o jsonpath='{.spec.cluster}')"
  back_to_file_sandbox
}

@test "--api-group/--api-version/--api-resource address other kinds; defaults: core, v1, lowercase(kind)+s" {
  run --separate-stderr $LSO --api-group apis.kcp.io --api-version v1alpha1 --api-kind APIBinding --json -X
  assert_success
  # the sandbox binds nothing in the directly made mailboxes; the emulation binds bind-edge in its own
  [[ "$stderr" == *"/clusters/"*"/apis/apis.kcp.io/v1alpha1/apibindings?limit=500"* ]]
  run --separate-stderr $LSO --api-kind Namespace --api-resource namespaces --json
  assert_success
  assert_equal "$(jq -r .metadata.name <<<"$output" | sort -u)" default
}

@test "a kind no mailbox serves, a missing kind, bad flags, a bad -v: one line on stderr, non-zero" {
  run --separate-stderr $LSO --api-group apps --api-kind ReplicaSet
  assert_failure 3
  assert_equal "$output" ""
  assert_equal "$stderr" "$LSO: the server does not serve replicasets.apps/v1 in any of the 2 mailbox workspaces"
  run --separate-stderr $LSO --json
  assert_failure 1
  assert_equal "$stderr" "$LSO: --api-kind is required (the kind of objects to list, e.g. ConfigMap)"
  run --separate-stderr $LSO --api-kind ConfigMap --api-version apps/v1
  assert_failure 1
  assert_equal "$stderr" "$LSO: --api-version \"apps/v1\" is not a version (just the version, e.g. v1; the group goes in --api-group)"
  run --separate-stderr $LSO --api-kind ConfigMap --bogus
  assert_failure 1
  assert_equal "$stderr" "$LSO: unknown flag --bogus"
  run --separate-stderr $LSO --api-kind ConfigMap -v x
  assert_failure 1
  assert_equal "$stderr" "$LSO: flag -v takes a non-negative number, not \"x\""
}

@test "client configurations: missing context exits 2, unreachable server exits 7, -v/--kubeconfig accepted" {
  run --separate-stderr $LSO --api-kind ConfigMap --all-context nope
  assert_failure 2
  assert_equal "$stderr" "$LSO: failed to make all-cluster client config: context \"nope\" does not exist"
  run --separate-stderr $LSO --api-kind ConfigMap --parent-context nope
  assert_failure 2
  assert_equal "$stderr" "$LSO: failed to make parent client config: context \"nope\" does not exist"
  sed "s#$SANDBOX_URL#https://127.0.0.1:1#" "$KUBECONFIG" >"$TEST_TMP/dead.kubeconfig"
  run --separate-stderr timeout 30 $LSO --api-kind ConfigMap --kubeconfig "$TEST_TMP/dead.kubeconfig"
  assert_failure 7
  [[ "$stderr" == "$LSO: cannot reach the server at https://127.0.0.1:1/clusters/root: connection refused (is the server running?)" ]]
  assert_equal "${#stderr_lines[@]}" 1
  # watching too: the first request fails the command rather than retrying forever
  run --separate-stderr timeout 30 $LSO --api-kind ConfigMap --watch --kubeconfig "$TEST_TMP/dead.kubeconfig"
  assert_failure 7
  [[ "$stderr" == "$LSO: cannot reach the server at https://127.0.0.1:1/clusters/root: connection refused (is the server running?)" ]]
  unset KUBECONFIG
  run --separate-stderr $LSO --api-kind ConfigMap --json -v 2 --kubeconfig "$TEST_TMP/kubeconfig"
  assert_success
  assert_equal "$(jq -c "$OWN" <<<"$output" | wc -l)" 3
  assert_equal "$stderr" "$LSO: ${#lines[@]} objects"
}

@test "| head -1 ends it quietly with status 0, however much is left to write" {
  make_mailbox big-mb-u3
  {
    for i in $(seq 1 400); do
      printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%03d}\ndata: {payload: "%s"}\n' "$i" "$(printf 'x%.0s' $(seq 1 200))"
    done
  } | kubectl_ws root:big-mb-u3 apply -f - >/dev/null
  for fmt in "" --json; do
    run bash -c "set -o pipefail; $LSO --api-kind ConfigMap $fmt 2>$TEST_TMP/err | head -1"
    assert_success
    [ -n "$output" ]
    assert_equal "$(cat "$TEST_TMP/err")" ""
  done
  kubectl_ws root delete workspace big-mb-u3 >/dev/null
}

@test "--watch: lists with Action add, then follows updates, deletions and mailboxes that come and go" {
  out="$TEST_TMP/watch.jsonl"
  $LSO --api-kind ConfigMap --json --watch >"$out" 2>"$TEST_TMP/watch.err" &
  WATCH_PID=$!
  wait_events "$out" 3
  assert_equal "$(json_events "$out" | sort | tr '\n' ,)" 'add alpha,add beta,add gamma,'
  # Action is the first key, as the original's sorted keys put it
  assert_equal "$(head -1 "$out" | cut -c1-15)" '{"Action":"add"'
  kubectl_ws root:c2-mb-u2 label configmap gamma tier=web >/dev/null
  kubectl_ws root:c1-mb-u1 delete configmap beta >/dev/null
  configmap root:not-a-mailbox decoy3
  make_mailbox c4-mb-u4
  configmap root:c4-mb-u4 delta
  wait_events "$out" 6
  kubectl_ws root delete workspace c4-mb-u4 >/dev/null
  wait_events "$out" 7
  run json_events "$out"
  assert_equal "$(sed -n 4,7p <<<"$output" | tr '\n' ,)" 'update gamma,delete beta,add delta,delete delta,'
  assert_equal "$(jq -r 'select(.Action == "update") | .metadata.labels.tier' "$out")" web
  # put back what this test changed (the file's sandbox is shared)
  configmap root:c1-mb-u1 beta n=007
  kubectl_ws root:c2-mb-u2 label configmap gamma tier- >/dev/null
  kill "$WATCH_PID"
  wait "$WATCH_PID" || true
  # a signal is how a watch ends: not a word on stderr (no retries, no warnings either)
  assert_equal "$(cat "$TEST_TMP/watch.err")" ""
  WATCH_PID=
}

@test "--watch resumes after the server crashed and came back: nothing reported twice, later changes seen" {
  own_sandbox # it gets killed
  make_mailbox r1-mb-u1
  make_mailbox r2-mb-u2
  configmap root:r1-mb-u1 one
  configmap root:r2-mb-u2 two
  out="$TEST_TMP/watch.yaml"
  $LSO --api-kind ConfigMap --watch >"$out" 2>"$TEST_TMP/watch.err" &
  WATCH_PID=$!
  run yaml_events "$out" 2
  assert_equal "${#lines[@]}" 2
  # a write the ConfigMap watches do not see; after the crash the server's history starts after it
  kubectl_ws root:r1-mb-u1 create secret generic bump >/dev/null
  port=${SANDBOX_URL##*:}
  kill9_sandbox
  sandbox_start_in "$SANDBOX_DIR" "$TEST_TMP" --secure-port "$port"
  kubectl_ws root:r2-mb-u2 label configmap two after=crash >/dev/null
  configmap root:r1-mb-u1 three
  kubectl_ws root:r1-mb-u1 delete configmap one >/dev/null
  run yaml_events "$out" 5
  assert_success
  assert_equal "$(head -2 <<<"$output" | sort | tr '\n' ,)" 'add one,add two,'
  assert_equal "$(tail -n +3 <<<"$output" | sort | tr '\n' ,)" 'add three,delete one,update two,'
  assert_equal "${#lines[@]}" 5
  # the outage is mentioned on stderr, not once per mailbox and retry
  run grep -c '; retrying$' "$TEST_TMP/watch.err"
  [ "$output" -ge 1 ]
  [ "$output" -le 3 ]
  kill "$WATCH_PID"
  wait "$WATCH_PID" || true
  WATCH_PID=
  back_to_file_sandbox
}
