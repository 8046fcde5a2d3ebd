#!/usr/bin/env bats
# kubestellar init against the sandbox: the end state, idempotency (no mutating request
# on a re-run, from the sandbox's request log), flag rules, and convergence after kill -9.
load helpers
load file-sandbox

setup_file() {
  export NO_COLOR=1
  start_file_sandbox "$BATS_FILE_TMPDIR/sb"
}
teardown_file() { stop_file_sandbox; }
setup() { setup_tmp; use_sandbox_kubeconfig; file_sb_pid="$SANDBOX_PID"; }
# a test that started its own sandbox stops it, even when it failed half-way
teardown() {
  [ "$SANDBOX_PID" = "$file_sb_pid" ] || stop_file_sandbox
  teardown_tmp
}

@test "init on a fresh server: ESPW, root:compute augmentation, root:imw1, root:wmw1, root current" {
  run --separate-stderr kubestellar init --local-kcp false --timeout 60s
  assert_success
  assert_line 'Finished augmenting root:compute for KubeStellar'
  # created with no type: root's default child type (organization on kcp with its batteries)
  assert_line 'Workspace "espw" (type root:organization) is ready to use.'
  assert_line 'Workspace "imw1" (type root:organization) is ready to use.'
  assert_line 'Finished populating the espw with kubestellar apiexports'
  assert_line 'Ensuring WMW: root:wmw1'
  assert_line --index $((${#lines[@]} - 1)) 'Current workspace is "root".'
  assert_initialized
  [ "$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')" = "$SANDBOX_URL/clusters/root" ]
}

@test "a second init sends no mutating request and prints no creation" {
  run kubestellar init --local-kcp false
  assert_success
  mark="$(log_mark)"
  run --separate-stderr kubestellar init --local-kcp false
  assert_success
  refute_output --partial 'created'
  [ -z "$(mutations_since "$mark")" ] || { mutations_since "$mark"; false; }
  assert_initialized
}

@test "--ensure-imw and --ensure-wmw take lists, \"\" for none, before or after the subcommand" {
  mark="$(log_mark)"
  run kubestellar --ensure-imw 'root:imw2,root:imw3' init --ensure-wmw '' --local-kcp=false
  assert_success
  refute_output --partial 'Ensuring WMW'
  kubectl_ws root:imw2 get apibinding edge.kubestellar.io -o json | jq -e '.spec.reference.export.path == "root:espw"'
  kubectl_ws root:imw3 get apibinding edge.kubestellar.io >/dev/null
  run mutations_since "$mark"
  refute_output --partial 'wmw'
  run kubestellar init --local-kcp false --ensure-imw '' --ensure-wmw ''
  assert_success
  refute_output --partial 'imw'
}

@test "every flag is accepted with every subcommand; the last subcommand word wins; imw9 means root:imw9" {
  # meaningless flags are ignored, not refused (as the original)
  run --separate-stderr kubestellar stop --local-kcp false --log-folder /nonexistent/x --ensure-imw root:x --ensure-wmw '' -V
  assert_success
  run --separate-stderr kubestellar init --log-folder "$TEST_TMP/unused-logs" --local-kcp false --ensure-imw '' --ensure-wmw ''
  assert_success
  [ ! -e "$TEST_TMP/unused-logs" ]
  # the last subcommand word wins: this is an init, and item names are relative to root
  mark="$(log_mark)"
  run --separate-stderr kubestellar stop --ensure-imw imw9,root:imw10 init --local-kcp false --ensure-wmw wmw9
  assert_success
  assert_line 'Finished augmenting root:compute for KubeStellar'
  assert_line 'Ensuring WMW: root:wmw9'
  kubectl_ws root:imw9 get apibinding edge.kubestellar.io >/dev/null
  kubectl_ws root:imw10 get apibinding edge.kubestellar.io >/dev/null
  kubectl_ws root:wmw9 get apibinding bind-espw >/dev/null
  # ... and here a stop: no server contact at all
  mark="$(log_mark)"
  run --separate-stderr kubestellar init --ensure-imw imw11 stop --local-kcp false
  assert_success
  assert_equal "$(log_mark)" "$mark"
  run kubectl_ws root get workspace imw11
  assert_failure
  # still refused: a bad --local-kcp (also with stop), unknown words and flags, bad names
  run --separate-stderr kubestellar stop --local-kcp maybe
  assert_failure
  run --separate-stderr kubestellar frobnicate
  assert_failure
  assert_equal "$stderr" 'kubestellar: unknown subcommand "frobnicate"; expected init, start or stop'
  run --separate-stderr kubestellar init frobnicate --local-kcp false
  assert_failure
  run kubestellar init --local-kcp maybe
  assert_failure
  run --separate-stderr kubestellar init --ensure-imw 'root:Bad_Name' --local-kcp false
  assert_failure
  [[ "$stderr" == *'root:Bad_Name'* ]]
  run kubestellar -h
  assert_success
  assert_output --partial 'init|start|stop'
  assert_output --partial '--ensure-wmw'
  run kubestellar stop -h
  assert_success
}

@test "init on a core the original v0.14 set up adds no schema, export change, role or binding" {
  # a second sandbox for this test (the file's one keeps running for the others)
  start_file_sandbox "$TEST_TMP/sb14"

  use_sandbox_kubeconfig
  # root:compute and root:espw as v0.14's init leaves them (fixture written from the fact sheet)
  node "$REPO_ROOT/test/bats/fixtures/v014-core.mjs" compute | kubectl_ws root:compute apply -f - >/dev/null
  printf 'apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata: {name: espw}\n' | kubectl_ws root create -f - >/dev/null
  wait_workspace_ready root espw
  node "$REPO_ROOT/test/bats/fixtures/v014-core.mjs" espw | kubectl_ws root:espw apply -f - >/dev/null
  before="$(kubectl_ws root:compute get apiresourceschemas,clusterroles,clusterrolebindings -o name | sort)"
  mark="$(log_mark)"
  run --separate-stderr kubestellar init --local-kcp false --ensure-imw '' --ensure-wmw '' --timeout 60s
  assert_success
  assert_equal "$(mutations_since "$mark")" ""
  assert_equal "$(kubectl_ws root:compute get apiresourceschemas,clusterroles,clusterrolebindings -o name | sort)" "$before"
  # and the IMW/WMW steps then work against the original's exports
  run --separate-stderr kubestellar init --local-kcp false --timeout 60s
  assert_success
  assert_equal "$(kubectl_ws root:compute get apiresourceschemas -o name | sort)" "$(echo "$before" | grep apiresourceschema)"
}

@test "--local-kcp true (the default) needs a local kcp process" {
  run kubestellar init
  assert_failure
  assert_output --partial 'no local process named "kcp"'
  mkdir bin && printf '#!/bin/bash\ntrap "kill \\$!; exit 0" TERM\nsleep 30 & wait\n' >bin/kcp && chmod +x bin/kcp
  bin/kcp 3>&- &
  kcp_pid=$!
  for i in $(seq 100); do [ "$(cat /proc/$kcp_pid/comm 2>/dev/null)" = kcp ] && break; sleep 0.02; done
  run kubestellar init --ensure-wmw ''
  kill "$kcp_pid"
  assert_success
}

@test "--timeout bounds the wait for an unreachable server" {
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  kubectl config set-cluster root --server "https://127.0.0.1:$port/clusters/root" >/dev/null
  run --separate-stderr kubestellar init --local-kcp false --timeout 1500ms
  [ "$status" -eq 8 ]
  [[ "$stderr" == *"Waiting for the kcp server"* ]]
  [[ "$stderr" == *"not usable within"* ]]
}

@test "kill -9 during init at several points, then a re-run converges to the same end state" {
  stop_file_sandbox
  # 25 ms per request: init takes long enough that each kill point is reached mid-run
  start_file_sandbox "$TEST_TMP/sb2" --fault-latency 25
  use_sandbox_kubeconfig
  # kill points are counted in requests the server has seen from that run, not in time,
  # so that a slow machine still kills init half-way
  hits=0
  for k in 2 6 12 18 24; do
    start="$(log_mark)"
    kubestellar init --local-kcp false >/dev/null 2>&1 3>&- &
    pid=$!
    for i in $(seq 1000); do [ $(($(log_mark) - start)) -ge "$k" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
    kill -9 "$pid" 2>/dev/null && hits=$((hits + 1))
    wait "$pid" 2>/dev/null || true
    echo "kill point $k: $(($(log_mark) - start)) requests" >&2
  done
  [ "$hits" -eq 5 ] || { echo "only $hits of 5 kills landed before init finished" >&2; false; }
  run kubestellar init --local-kcp false --timeout 60s
  assert_success
  assert_initialized
  mark="$(log_mark)"
  run kubestellar init --local-kcp false
  assert_success
  [ -z "$(mutations_since "$mark")" ]
  stop_file_sandbox
}
