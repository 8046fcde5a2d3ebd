#!/usr/bin/env bats
# kubectl kubestellar ensure location / remove location, through kubectl's plugin
# mechanism, against one sandbox; results checked with plain kubectl and jq.
load helpers
load file-sandbox

setup_file() {
  start_file_sandbox
  make_espw
  make_ws imw-1
  make_ws imw1
}
teardown_file() { stop_file_sandbox; }
setup() {
  setup_tmp
  use_sandbox_kubeconfig
}
teardown() { teardown_tmp; }

st_json() { kubectl_ws "$1" get synctargets.edge.kubestellar.io "$2" -o json; }
loc_json() { kubectl_ws "$1" get locations.edge.kubestellar.io "$2" -o json; }

@test "ensure location: the reference's demo1 example, lines and objects" {
  run --separate-stderr timeout 60 kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar the-word=the-bird
  assert_success
  assert_equal "$stderr" ""
  assert_equal "$output" 'Current workspace is "root:imw-1".
apibinding.apis.kcp.io/edge.kubestellar.io created
synctarget.edge.kubestellar.io/demo1 created
location.edge.kubestellar.io/demo1 created
synctarget.edge.kubestellar.io/demo1 labeled
location.edge.kubestellar.io/demo1 labeled
synctarget.edge.kubestellar.io/demo1 labeled
location.edge.kubestellar.io/demo1 labeled'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root:imw-1"
  assert_equal "$(st_json root:imw-1 demo1 | jq -c '[.apiVersion, .kind, .metadata.labels]')" \
    '["edge.kubestellar.io/v2alpha1","SyncTarget",{"foo":"bar","id":"demo1","the-word":"the-bird"}]'
  assert_equal "$(loc_json root:imw-1 demo1 | jq -c '[.apiVersion, .kind, .metadata.labels, .spec.resource, .spec.instanceSelector]')" \
    '["edge.kubestellar.io/v2alpha1","Location",{"foo":"bar","the-word":"the-bird"},{"group":"edge.kubestellar.io","resource":"synctargets","version":"v2alpha1"},{"matchLabels":{"id":"demo1"}}]'
  assert_equal "$(kubectl_ws root:imw-1 get apibinding edge.kubestellar.io -o json | jq -c '.spec.reference.export')" \
    '{"name":"edge.kubestellar.io","path":"root:espw"}'
}

@test "ensure location: a re-run prints nothing and sends reads only" {
  kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar the-word=the-bird >/dev/null
  mark=$(log_mark)
  run --separate-stderr timeout 60 kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar the-word=the-bird
  assert_success
  assert_equal "$output" 'Current workspace is "root:imw-1".'
  assert_equal "$(mutations_since "$mark")" ""
  # without --imw it works in the current workspace (now the IMW) and prints nothing
  run --separate-stderr kubectl kubestellar ensure location demo1 foo=bar
  assert_success
  assert_equal "$output" ""
}

@test "ensure location: label changes are merged onto both objects" {
  kubectl kubestellar ensure location --imw root:imw-1 demo2 a=1 b=2 >/dev/null
  run --separate-stderr kubectl kubestellar ensure location --imw root:imw-1 demo2 b=3 c=4
  assert_success
  assert_equal "$output" 'Current workspace is "root:imw-1".
synctarget.edge.kubestellar.io/demo2 labeled
location.edge.kubestellar.io/demo2 labeled
synctarget.edge.kubestellar.io/demo2 labeled
location.edge.kubestellar.io/demo2 labeled'
  assert_equal "$(st_json root:imw-1 demo2 | jq -c .metadata.labels)" '{"a":"1","b":"3","c":"4","id":"demo2"}'
  assert_equal "$(loc_json root:imw-1 demo2 | jq -c .metadata.labels)" '{"a":"1","b":"3","c":"4"}'
}

@test "ensure location: florin and guilder from the walkthrough, relative --imw; default Location removed" {
  kubectl_ws root:imw1 apply -f - <<'YAML' >/dev/null
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: edge.kubestellar.io}
spec: {reference: {export: {path: "root:espw", name: edge.kubestellar.io}}}
YAML
  for i in $(seq 1 50); do
    kubectl_ws root:imw1 get locations.edge.kubestellar.io >/dev/null 2>&1 && break
    sleep 0.1
  done
  kubectl_ws root:imw1 apply -f - <<'YAML' >/dev/null
apiVersion: edge.kubestellar.io/v2alpha1
kind: Location
metadata: {name: default}
spec: {resource: {group: edge.kubestellar.io, version: v2alpha1, resource: synctargets}}
YAML
  run --separate-stderr timeout 60 kubectl kubestellar ensure location florin loc-name=florin env=prod --imw imw1
  assert_success
  assert_line --index 0 'Current workspace is "root:imw1" (type root:organization).'
  run --separate-stderr timeout 60 kubectl kubestellar ensure location guilder loc-name=guilder env=prod extended=yes --imw root:imw1
  assert_success
  assert_equal "$(kubectl_ws root:imw1 get locations.edge.kubestellar.io -o json | jq -c '[.items[].metadata.name] | sort')" '["florin","guilder"]'
  assert_equal "$(st_json root:imw1 florin | jq -c .metadata.labels)" '{"env":"prod","id":"florin","loc-name":"florin"}'
  assert_equal "$(loc_json root:imw1 florin | jq -c '[.metadata.labels, .spec.instanceSelector.matchLabels]')" '[{"env":"prod","loc-name":"florin"},{"id":"florin"}]'
  assert_equal "$(st_json root:imw1 guilder | jq -c .metadata.labels)" '{"env":"prod","extended":"yes","id":"guilder","loc-name":"guilder"}'
  assert_equal "$(loc_json root:imw1 guilder | jq -c '[.metadata.labels, .spec.instanceSelector.matchLabels]')" '[{"env":"prod","extended":"yes","loc-name":"guilder"},{"id":"guilder"}]'
}

@test "remove location: deletes both, then nothing; IMW left current" {
  kubectl kubestellar ensure location --imw root:imw-1 gone x=y >/dev/null
  kubectl kubestellar ensure location --imw root:imw-1 demo1 foo=bar >/dev/null
  run --separate-stderr kubectl kubestellar remove location gone --imw root:imw-1
  assert_success
  assert_equal "$output" 'Current workspace is "root:imw-1".
synctarget.edge.kubestellar.io "gone" deleted
location.edge.kubestellar.io "gone" deleted'
  mark=$(log_mark)
  run --separate-stderr kubectl kubestellar remove location gone
  assert_success
  assert_equal "$output" ""
  assert_equal "$(mutations_since "$mark")" ""
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root:imw-1"
  run kubectl_ws root:imw-1 get synctargets.edge.kubestellar.io gone
  assert_failure 1
  assert_output 'Error from server (NotFound): synctargets.edge.kubestellar.io "gone" not found'
  # the other pair is untouched
  st_json root:imw-1 demo1 >/dev/null
}

@test "--dry-run: reports the plan, creates nothing, leaves the workspace" {
  mark=$(log_mark)
  run --separate-stderr kubectl kubestellar ensure location --dry-run --imw root:imw-1 dry1 k=v
  assert_success
  assert_equal "$output" 'Current workspace would be "root:imw-1". (dry run)
synctarget.edge.kubestellar.io/dry1 created (server dry run)
location.edge.kubestellar.io/dry1 created (server dry run)
synctarget.edge.kubestellar.io/dry1 labeled (dry run)
location.edge.kubestellar.io/dry1 labeled (dry run)'
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
  run kubectl_ws root:imw-1 get synctargets.edge.kubestellar.io dry1
  assert_failure 1
  assert_output 'Error from server (NotFound): synctargets.edge.kubestellar.io "dry1" not found'
  # it did ask the server, and every write it sent was a server dry run
  mutations_since "$mark" >writes.txt
  [ -s writes.txt ]
  assert_equal "$(grep -vc 'dryRun=All' writes.txt)" 0
  kubectl kubestellar ensure location --imw root:imw-1 dry2 k=v >/dev/null
  run --separate-stderr kubectl kubestellar remove location --dry-run dry2
  assert_success
  assert_equal "$output" 'synctarget.edge.kubestellar.io "dry2" deleted (server dry run)
location.edge.kubestellar.io "dry2" deleted (server dry run)'
  st_json root:imw-1 dry2 >/dev/null
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
  bad_input ensure location --imw root:imw-1 Bad_Name foo=bar
  bad_input ensure location --imw root:imw-1 default foo=bar
  bad_input ensure location --imw root:imw-1 okname id=x
  bad_input ensure location --imw root:imw-1 okname -bad=x
  bad_input ensure location --imw root:imw-1 okname 'k=bad value'
  bad_input ensure location --imw root:imw-1 okname k=-v
  bad_input ensure location --imw root:imw-1 okname novalue
  bad_input ensure location --imw root:imw-1 okname
  bad_input ensure location --imw root:imw-1
  bad_input ensure location --context root --imw root:imw-1 okname k=v
  bad_input ensure location --bogus --imw root:imw-1 okname k=v
  bad_input ensure location --imw root:nowhere okname k=v
  bad_input ensure location --imw 'Bad!' okname k=v
  bad_input remove location --imw root:imw-1 default
  bad_input remove location --context root okname
  bad_input remove location --imw root:nowhere okname
  assert_equal "$(current_server)" "$SANDBOX_URL/clusters/root"
}

@test "missing ESPW: one stderr line, nothing created" {
  make_ws noespw-imw
  # a workspace whose edge export is looked up where there is none
  kubectl_ws root:espw delete apiexport edge.kubestellar.io >/dev/null
  run --separate-stderr timeout 60 kubectl kubestellar ensure location --imw root:noespw-imw x1 k=v
  kubectl_ws root:espw apply -f "$REPO_ROOT/test/bats/fixtures/espw-edge-api.yaml" >/dev/null
  assert_failure
  assert_output --partial 'Current workspace is'
  assert_equal "$stderr" 'kubectl kubestellar ensure location: the edge service provider workspace "root:espw" has no APIExport "edge.kubestellar.io"; has KubeStellar been set up (kubestellar init)?'
  run kubectl_ws root:noespw-imw get apibinding edge.kubestellar.io
  assert_failure 1
  assert_output 'Error from server (NotFound): apibindings.apis.kcp.io "edge.kubestellar.io" not found'
}
