#!/usr/bin/env bats
# kubestellar-sandbox driven by the real kubectl, as the suite and its users drive kcp.
load helpers
load lib/sandbox

FIX="$BATS_TEST_DIRNAME/fixtures/sandbox"

setup() { setup_tmp; }
teardown() { stop_sandbox; teardown_tmp; }

# a workspace root:demo, Ready
make_demo() {
  kubectl create -f "$FIX/workspace.yaml"
  wait_workspace_ready root demo
}

@test "admin.kubeconfig has kcp's shape and kubectl get workspaces lists root:compute" {
  start_sandbox
  run --separate-stderr kubectl config get-contexts -o name
  assert_success
  assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "base root system:admin "
  assert_equal "$(kubectl config current-context)" root
  assert_equal "$(kubectl config view -o jsonpath='{.clusters[?(@.name=="root")].cluster.server}')" "$SANDBOX_URL/clusters/root"
  assert_equal "$(kubectl config view -o jsonpath='{.clusters[?(@.name=="base")].cluster.server}')" "$SANDBOX_URL"
  grep -q 'serving on https://127.0.0.1:' "$TEST_TMP/sandbox.log"
  run --separate-stderr kubectl get workspaces
  assert_success
  assert_line --index 0 --regexp '^NAME +TYPE +REGION +PHASE +URL +AGE$'
  assert_line --index 1 --regexp "^compute +universal +Ready +$SANDBOX_URL/clusters/[0-9a-z]{16} +[0-9]+s$"
  run kubectl get namespace default -o jsonpath='{.status.phase}'
  assert_output Active
}

@test "a Workspace made with kubectl create -f becomes Ready and is served at its path and its cluster name" {
  start_sandbox
  run kubectl create -f "$FIX/workspace.yaml"
  assert_success
  assert_output 'workspace.tenancy.kcp.io/demo created'
  wait_workspace_ready root demo
  cluster=$(kubectl get workspace demo -o jsonpath='{.spec.cluster}')
  [[ "$cluster" =~ ^[0-9a-z]{16}$ ]]
  # as kcp: spec.URL names the logical cluster, not the path
  assert_equal "$(kubectl get workspace demo -o jsonpath='{.spec.URL}')" "$SANDBOX_URL/clusters/$cluster"
  assert_equal "$(kubectl get workspace demo -o jsonpath='{.spec.type.name}')" universal
  assert_equal "$(ws_kubectl root:demo get logicalcluster cluster -o jsonpath='{.metadata.annotations.kcp\.io/path}')" root:demo
  ws_kubectl root:demo create configmap via-path --from-literal=a=b
  run ws_kubectl "$cluster" get configmap via-path -o jsonpath='{.metadata.annotations.kcp\.io/cluster}'
  assert_success
  assert_output "$cluster"
  # the workspace's objects are not in root
  run --separate-stderr kubectl get configmap via-path
  assert_failure
  assert_equal "$stderr" 'Error from server (NotFound): configmaps "via-path" not found'
  # deleting the workspace takes its logical cluster (kubectl waits for the finalizer)
  kubectl delete workspace demo
  run --separate-stderr ws_kubectl root:demo get configmaps
  assert_failure 1
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps is forbidden: User "kcp-admin" cannot list resource "configmaps" in API group "" in the namespace "default": access denied'
}

@test "create, apply (default validation), label, annotate, get -o json|yaml|jsonpath and -l, delete" {
  start_sandbox
  make_demo
  run ws_kubectl root:demo create configmap plain --from-literal=k=v
  assert_output 'configmap/plain created'
  run ws_kubectl root:demo apply -f "$FIX/configmap.yaml"
  assert_success
  assert_output 'configmap/applied created'
  run ws_kubectl root:demo apply -f "$FIX/configmap.yaml"
  assert_output 'configmap/applied unchanged'
  sed 's/color: blue/color: green/' "$FIX/configmap.yaml" >cm2.yaml
  run ws_kubectl root:demo apply -f cm2.yaml
  assert_output 'configmap/applied configured'
  assert_equal "$(ws_kubectl root:demo get cm applied -o jsonpath='{.data.color}')" green
  run ws_kubectl root:demo label configmap plain team=a
  assert_output 'configmap/plain labeled'
  run ws_kubectl root:demo annotate configmap plain note=hello
  assert_output 'configmap/plain annotated'
  run --separate-stderr ws_kubectl root:demo get configmap plain -o json
  assert_success
  assert_equal "$(echo "$output" | jq -r '.metadata.labels.team + " " + .metadata.annotations.note + " " + .kind')" "a hello ConfigMap"
  echo "$output" | jq -e '(.metadata.uid | length) == 36 and (.metadata.resourceVersion | tonumber) > 0 and (.metadata.creationTimestamp | test("Z$"))'
  run ws_kubectl root:demo get configmap plain -o yaml
  assert_line '  name: plain'
  assert_line '  k: v'
  run ws_kubectl root:demo get configmaps -l app=demo -o name
  assert_output 'configmap/applied'
  run ws_kubectl root:demo get configmaps -l 'team in (a,b)' -o name
  assert_output 'configmap/plain'
  run ws_kubectl root:demo get configmaps -l '!team,tier' -o name
  assert_output 'configmap/applied'
  run ws_kubectl root:demo get configmaps -l 'team,tier!=web' -o name
  assert_output 'configmap/plain'
  run ws_kubectl root:demo get configmaps --field-selector metadata.name=plain -o name
  assert_output 'configmap/plain'
  run ws_kubectl root:demo delete configmap plain
  assert_output 'configmap "plain" deleted'
  run --separate-stderr ws_kubectl root:demo get configmap plain
  assert_failure
  assert_equal "$stderr" 'Error from server (NotFound): configmaps "plain" not found'
}

@test "kubectl patch: strategic (default), merge and json" {
  start_sandbox
  make_demo
  ws_kubectl root:demo create configmap p --from-literal=a=1
  run ws_kubectl root:demo patch configmap p -p '{"data":{"b":"2"}}'
  assert_output 'configmap/p patched'
  run ws_kubectl root:demo patch configmap p --type merge -p '{"data":{"a":null,"c":"3"}}'
  assert_output 'configmap/p patched'
  run ws_kubectl root:demo patch configmap p --type json -p '[{"op":"replace","path":"/data/b","value":"20"},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]'
  assert_output 'configmap/p patched'
  assert_equal "$(ws_kubectl root:demo get configmap p -o jsonpath='{.data}')" '{"b":"20","c":"3"}'
  assert_equal "$(ws_kubectl root:demo get configmap p -o jsonpath='{.metadata.labels.x}')" y
  run --separate-stderr ws_kubectl root:demo patch configmap p --type json -p '[{"op":"remove","path":"/data/nope"}]'
  assert_failure 1
  assert_equal "$stderr" 'The request is invalid: the server rejected our request due to an error in our request: remove operation does not apply: doc is missing path: "/data/nope": missing value'
}

@test "errors are proper Status objects: 409 AlreadyExists, 409 Conflict, 422 Invalid, missing namespace" {
  start_sandbox
  kubectl create configmap dup
  run --separate-stderr kubectl create configmap dup
  assert_failure
  assert_equal "$stderr" 'error: failed to create configmap: configmaps "dup" already exists'
  rv=$(kubectl get configmap dup -o jsonpath='{.metadata.resourceVersion}')
  kubectl label configmap dup x=1
  kubectl get configmap dup -o json | jq --arg rv "$rv" '.metadata.resourceVersion = $rv | .data = {"z":"1"}' >stale.json
  run --separate-stderr kubectl replace -f stale.json
  assert_failure
  assert_equal "$output" ""
  [[ "$stderr" == *'the object has been modified; please apply your changes to the latest version and try again'* ]]
  run --separate-stderr kubectl create configmap Bad_Name
  assert_failure
  [[ "$stderr" == *'is invalid: metadata.name: Invalid value: "Bad_Name"'* ]]
  run --separate-stderr kubectl create configmap orphan -n nowhere
  assert_failure
  [[ "$stderr" == *'namespaces "nowhere" not found'* ]]
  run --separate-stderr kubectl get configmap nope -o json
  assert_failure 1
  assert_equal "$stderr" 'Error from server (NotFound): configmaps "nope" not found'
  token=$(kubectl config view --raw -o jsonpath='{.users[?(@.name=="kcp-admin")].user.token}')
  run curl -sS --cacert <(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d) \
    -H "Authorization: Bearer $token" "$SANDBOX_URL/clusters/root/api/v1/namespaces/default/configmaps/nope"
  assert_equal "$(echo "$output" | jq -c '[.kind,.code,.reason,.details.name,.details.kind]')" '["Status",404,"NotFound","nope","configmaps"]'
  run curl -sS --cacert <(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d) \
    -H "Authorization: Bearer wrong" "$SANDBOX_URL/clusters/root/api/v1/namespaces"
  assert_equal "$(echo "$output" | jq -c '[.kind,.code,.reason]')" '["Status",401,"Unauthorized"]'
}

@test "kubectl get -w sees ADDED, MODIFIED and DELETED; namespace deletion removes its contents" {
  start_sandbox
  kubectl create namespace watched
  # the watch's own pid (timeout passes the kill on to kubectl), so nothing outlives the test
  timeout 8 kubectl -v=6 get configmaps -n watched -w --output-watch-events >watch.out 2>watch.err 3>&- &
  wpid=$!
  # kubectl lists, then watches: -v=6 logs the watch request once the server answered it
  for i in $(seq 150); do grep -q 'watch=true' watch.err && break; sleep 0.05; done
  grep -q 'watch=true' watch.err
  kubectl create configmap w1 -n watched
  kubectl label configmap w1 -n watched a=b
  kubectl delete configmap w1 -n watched
  for i in $(seq 80); do grep -q DELETED watch.out && break; sleep 0.1; done
  kill "$wpid" 2>/dev/null || true
  wait "$wpid" 2>/dev/null || true
  cat watch.out
  run cat watch.out
  assert_line --index 0 --regexp '^EVENT +NAME +DATA +AGE$'
  assert_line --regexp '^ADDED +w1 +0 +[0-9]+s$'
  assert_line --regexp '^MODIFIED +w1 +0 +[0-9]+s$'
  assert_line --regexp '^DELETED +w1 +0 +[0-9]+s$'
  kubectl create configmap inside -n watched
  run kubectl delete namespace watched
  assert_success
  run --separate-stderr kubectl get configmaps -n watched -o name
  assert_output ''
}

@test "a service-account token works without the admin credentials, as far as RBAC grants, only in its own workspace" {
  start_sandbox
  make_demo
  ws_kubectl root:demo create serviceaccount robot
  ws_kubectl root:demo create rolebinding robot-view --clusterrole view --serviceaccount default:robot
  cat >tok.yaml <<'Y'
apiVersion: v1
kind: Secret
metadata:
  name: robot-token
  annotations:
    kubernetes.io/service-account.name: robot
type: kubernetes.io/service-account-token
Y
  ws_kubectl root:demo apply -f tok.yaml
  token=""
  for i in $(seq 50); do
    token=$(ws_kubectl root:demo get secret robot-token -o jsonpath='{.data.token}' | base64 -d)
    [ -n "$token" ] && break
    sleep 0.1
  done
  [ -n "$token" ]
  assert_equal "$(ws_kubectl root:demo get secret robot-token -o jsonpath='{.data.namespace}' | base64 -d)" default
  assert_equal "$(ws_kubectl root:demo get secret robot-token -o jsonpath='{.metadata.annotations.kubernetes\.io/service-account\.uid}')" \
    "$(ws_kubectl root:demo get sa robot -o jsonpath='{.metadata.uid}')"
  ws_kubectl root:demo get secret robot-token -o jsonpath='{.data.ca\.crt}' | base64 -d >ca.crt
  cat >sa.kubeconfig <<Y
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster:
    server: $SANDBOX_URL/clusters/root:demo
    certificate-authority: $TEST_TMP/ca.crt
users:
- name: robot
  user:
    token: $token
contexts:
- name: demo
  context: {cluster: demo, user: robot, namespace: default}
current-context: demo
Y
  run --separate-stderr env KUBECONFIG="$TEST_TMP/sa.kubeconfig" kubectl get serviceaccounts -o name
  assert_success
  assert_line 'serviceaccount/robot'
  # `view` reads no Secrets
  run --separate-stderr env KUBECONFIG="$TEST_TMP/sa.kubeconfig" kubectl get secrets
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:robot" cannot list resource "secrets" in API group "" in the namespace "default": access denied'
  run --separate-stderr env KUBECONFIG="$TEST_TMP/sa.kubeconfig" kubectl create configmap nope
  assert_failure
  assert_equal "$stderr" 'error: failed to create configmap: configmaps is forbidden: User "system:serviceaccount:default:robot" cannot create resource "configmaps" in API group "" in the namespace "default": access denied'
  run --separate-stderr env KUBECONFIG="$TEST_TMP/sa.kubeconfig" kubectl --server "$SANDBOX_URL/clusters/root" get configmaps
  assert_failure 1
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" in API group "" in the namespace "default": access denied'
}

@test "api-resources in a workspace shows an export's resources once an APIBinding binds it" {
  start_sandbox
  make_demo
  run ws_kubectl root:demo api-resources -o name
  assert_success
  refute_line 'deployments.apps'
  run ws_kubectl root:demo create -f - <<'Y'
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata:
  name: bind-kubernetes
spec:
  reference:
    export:
      path: root:compute
      name: kubernetes
Y
  assert_success
  for i in $(seq 50); do
    [ "$(ws_kubectl root:demo get apibinding bind-kubernetes -o jsonpath='{.status.phase}')" = Bound ] && break
    sleep 0.1
  done
  assert_equal "$(ws_kubectl root:demo get apibinding bind-kubernetes -o jsonpath='{.status.phase}')" Bound
  run ws_kubectl root:demo api-resources -o name
  assert_line 'deployments.apps'
  assert_line 'pods'
  assert_line 'services'
  assert_line 'ingresses.networking.k8s.io'
  run ws_kubectl root:demo apply -f - <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
Y
  assert_success
  assert_output 'deployment.apps/web created'
  run ws_kubectl root:demo get deployment web -o jsonpath='{.spec.template.spec.containers[0].image}'
  assert_output nginx
  # a binding to an export made in another workspace
  kubectl create -f - <<'Y'
apiVersion: tenancy.kcp.io/v1alpha1
kind: Workspace
metadata: {name: espw}
spec: {type: {name: organization, path: root}}
Y
  wait_workspace_ready root espw
  ws_kubectl root:espw create -f "$FIX/edge-api.yaml"
  run ws_kubectl root:demo create -f "$FIX/binding.yaml"
  assert_success
  for i in $(seq 50); do
    [ "$(ws_kubectl root:demo get apibinding edge.kubestellar.io -o jsonpath='{.status.phase}')" = Bound ] && break
    sleep 0.1
  done
  run ws_kubectl root:demo api-resources -o name
  assert_line 'synctargets.edge.kubestellar.io'
  run ws_kubectl root:demo apply -f "$FIX/synctarget.yaml"
  assert_output 'synctarget.edge.kubestellar.io/florin created'
  run ws_kubectl root:demo apply -f "$FIX/synctarget.yaml"
  assert_output 'synctarget.edge.kubestellar.io/florin unchanged'
}

@test "kill -9 and restart keeps every acknowledged write, the CA and shard-admin's token; kcp-admin's changes" {
  start_sandbox
  make_demo
  for i in 1 2 3; do ws_kubectl root:demo create configmap "keep-$i" --from-literal=i=$i; done
  ws_kubectl root:demo delete configmap keep-2
  uid=$(ws_kubectl root:demo get configmap keep-3 -o jsonpath='{.metadata.uid}')
  cp "$KUBECONFIG" old.kubeconfig
  kill9_sandbox
  start_sandbox
  run ws_kubectl root:demo get configmaps -o name
  assert_line 'configmap/keep-1'
  assert_line 'configmap/keep-3'
  refute_line 'configmap/keep-2'
  assert_equal "$(ws_kubectl root:demo get configmap keep-3 -o jsonpath='{.metadata.uid}')" "$uid"
  # the old kubeconfig's CA and shard-admin token still work (only the port may differ); kcp-admin's token is new, as in kcp
  run --separate-stderr kubectl --kubeconfig old.kubeconfig --context system:admin --server "$SANDBOX_URL/clusters/root:demo" get configmap keep-1 -o name
  assert_success
  assert_output 'configmap/keep-1'
  run --separate-stderr kubectl --kubeconfig old.kubeconfig --server "$SANDBOX_URL/clusters/root:demo" get configmap keep-1 -o name
  assert_failure
  assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
  assert_equal "$(kubectl get workspace demo -o jsonpath='{.spec.URL}')" "$SANDBOX_URL/clusters/$(kubectl get workspace demo -o jsonpath='{.spec.cluster}')"
}

@test "--request-log writes one JSON line per request" {
  start_sandbox --request-log "$TEST_TMP/requests.jsonl"
  kubectl get namespaces >/dev/null
  run jq -e -s 'length > 0 and all(.[]; (.time|type)=="string" and (.method|type)=="string" and (.path|type)=="string" and (.status|type)=="number" and (.duration|type)=="number")' "$TEST_TMP/requests.jsonl"
  assert_success
  run jq -r 'select(.path | startswith("/clusters/root/api/v1/namespaces")) | "\(.method) \(.status)"' "$TEST_TMP/requests.jsonl"
  assert_line 'GET 200'
}

cacert() { kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TEST_TMP/ca.pem"; }
admin_curl() {
  curl -sS --max-time 5 --cacert "$TEST_TMP/ca.pem" -H "Authorization: Bearer $(kubectl config view --raw -o jsonpath='{.users[?(@.name=="kcp-admin")].user.token}')" "$@"
}

@test "--fault-error-rate 1 answers 500 or 429 (with Retry-After)" {
  start_sandbox --fault-error-rate 1
  cacert
  for i in 1 2 3 4 5 6; do
    code=$(admin_curl -o /dev/null -w '%{http_code}' "$SANDBOX_URL/clusters/root/api/v1/namespaces")
    [[ "$code" == 500 || "$code" == 429 ]]
  done
  stop_sandbox
  start_sandbox --fault-error-rate 1 --fault-error-codes 429
  run admin_curl -i "$SANDBOX_URL/clusters/root/api/v1/namespaces"
  assert_line --regexp '^HTTP/1.1 429'
  assert_line --regexp '^[Rr]etry-[Aa]fter: 1'
}

@test "--fault-reset-rate 1 resets connections; --fault-latency delays answers; rate 0 never faults" {
  start_sandbox --fault-reset-rate 1
  cacert
  run admin_curl "$SANDBOX_URL/clusters/root/api/v1/namespaces"
  assert_failure
  stop_sandbox
  start_sandbox --fault-latency 400 --fault-error-rate 0 --fault-reset-rate 0
  cacert
  t=$(admin_curl -o /dev/null -w '%{time_total}' "$SANDBOX_URL/clusters/root/api/v1/namespaces")
  awk -v t="$t" 'BEGIN { exit !(t >= 0.4) }'
  run kubestellar-sandbox start --fault-error-rate 2
  assert_failure
  assert_output 'kubestellar-sandbox: --fault-error-rate must be a number from 0 to 1, not "2"'
}

@test "--kubestellar-controllers makes a mailbox workspace (a child of root, as v0.14) per SyncTarget and removes it with the SyncTarget" {
  export KUBESTELLAR_SANDBOX_MAILBOX_DELAY_MS=200
  start_sandbox --kubestellar-controllers
  kubectl create -f - <<'Y'
apiVersion: tenancy.kcp.io/v1alpha1
kind: Workspace
metadata: {name: espw}
spec: {type: {name: organization, path: root}}
Y
  wait_workspace_ready root espw
  ws_kubectl root:espw create -f "$FIX/edge-api.yaml"
  kubectl create -f - <<'Y'
apiVersion: tenancy.kcp.io/v1alpha1
kind: Workspace
metadata: {name: imw1}
spec: {type: {name: organization, path: root}}
Y
  wait_workspace_ready root imw1
  ws_kubectl root:imw1 create -f "$FIX/binding.yaml"
  for i in $(seq 50); do ws_kubectl root:imw1 get synctargets >/dev/null 2>&1 && break; sleep 0.1; done
  ws_kubectl root:imw1 create -f "$FIX/synctarget.yaml"
  imw=$(kubectl get workspace imw1 -o jsonpath='{.spec.cluster}')
  uid=$(ws_kubectl root:imw1 get synctarget florin -o jsonpath='{.metadata.uid}')
  mb="$imw-mb-$uid"
  for i in $(seq 100); do
    [ "$(ws_kubectl root get workspace "$mb" -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready ] && break
    sleep 0.1
  done
  assert_equal "$(ws_kubectl root get workspace "$mb" -o jsonpath='{.metadata.annotations.edge\.kubestellar\.io/sync-target-name}')" florin
  mbc=$(ws_kubectl root get workspace "$mb" -o jsonpath='{.spec.cluster}')
  assert_equal "$(ws_kubectl root get workspace "$mb" -o jsonpath='{.spec.URL}')" "$SANDBOX_URL/clusters/$mbc"
  for i in $(seq 50); do
    [ "$(ws_kubectl "$mbc" get apibinding bind-edge -o jsonpath='{.status.phase}' 2>/dev/null)" = Bound ] && break
    sleep 0.1
  done
  assert_equal "$(ws_kubectl "root:$mb" get apibinding bind-edge -o jsonpath='{.spec.reference.export.path}:{.status.phase}')" "root:espw:Bound"
  ws_kubectl root:imw1 delete synctarget florin
  for i in $(seq 50); do
    ws_kubectl root get workspace "$mb" >/dev/null 2>&1 || break
    sleep 0.1
  done
  run --separate-stderr ws_kubectl root get workspace "$mb"
  assert_failure 1
  assert_equal "$stderr" "Error from server (NotFound): workspaces.tenancy.kcp.io \"$mb\" not found"
}

@test "/clusters/* lists across logical clusters for system:admin only; /version, /healthz answer" {
  start_sandbox
  make_demo
  ws_kubectl root:demo create configmap across
  run --separate-stderr kubectl --context system:admin --server "$SANDBOX_URL/clusters/*" get configmaps -A -o name
  assert_success
  assert_line 'configmap/across'
  # kcp-admin is no shard admin: a wildcard request has no logical cluster, so kcp's authorizers
  # (all but system:masters) have no opinion, and the answer is the anonymized 403
  run --separate-stderr kubectl --server "$SANDBOX_URL/clusters/*" get configmaps -A -o name
  assert_failure 1
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps is forbidden: User "kcp-admin" cannot list resource "configmaps" in API group "" at the cluster scope: access denied'
  # only list and watch go across logical clusters (kcp's wildcard guard)
  run --separate-stderr kubectl --context system:admin --server "$SANDBOX_URL/clusters/*" get configmap across -n default
  assert_failure 1
  assert_equal "$stderr" 'Error from server (MethodNotAllowed): get is not supported on resources of kind "configmaps" in the `*` logical cluster'
  cacert
  run curl -sS --cacert "$TEST_TMP/ca.pem" "$SANDBOX_URL/healthz"
  assert_output ok
  run curl -sS --cacert "$TEST_TMP/ca.pem" "$SANDBOX_URL/version"
  assert_equal "$(echo "$output" | jq -r .gitVersion)" 'v1.24.3+kcp-v0.11.0'
}

@test "bad flags are one line and exit 1" {
  run --separate-stderr kubestellar-sandbox start --secure-port abc
  assert_failure 1
  assert_equal "$stderr" 'kubestellar-sandbox: --secure-port must be a whole number from 0 to 65535, not "abc"'
  run --separate-stderr kubestellar-sandbox stop
  assert_failure 1
  run --separate-stderr kubestellar-sandbox start --frob
  assert_equal "$stderr" 'kubestellar-sandbox: unknown flag --frob'
}

@test "helm install of a tiny chart into a sandbox workspace; helm list shows it; uninstall removes it" {
  require_helm
  start_sandbox
  make_demo
  run --separate-stderr timeout 60 helm --kube-apiserver "$SANDBOX_URL/clusters/root:demo" install tiny "$FIX/tiny-chart"
  assert_success
  assert_line 'STATUS: deployed'
  run --separate-stderr timeout 60 helm --kube-apiserver "$SANDBOX_URL/clusters/root:demo" list -q
  assert_output tiny
  assert_equal "$(ws_kubectl root:demo get configmap tiny-cm -o jsonpath='{.data.hello}')" world
  run --separate-stderr timeout 60 helm --kube-apiserver "$SANDBOX_URL/clusters/root:demo" uninstall tiny
  assert_success
  run --separate-stderr ws_kubectl root:demo get configmap tiny-cm
  assert_failure 1
  assert_equal "$stderr" 'Error from server (NotFound): configmaps "tiny-cm" not found'
}
