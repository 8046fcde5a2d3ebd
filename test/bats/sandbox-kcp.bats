#!/usr/bin/env bats
# What kcp v0.11 refuses, the sandbox refuses: one test per item of the sandbox's
# strictness list, each through the real kubectl against bin/kubestellar-sandbox,
# asserting kcp's status code and reason (texts from kcp v0.11.0's admission plugins,
# authorizers and Kubernetes 1.24's apiserver).
load helpers
load lib/sandbox

setup_file() {
  sandbox_start_in "$BATS_FILE_TMPDIR/kcp" "$BATS_FILE_TMPDIR"
}
teardown_file() { stop_sandbox; }
setup() {
  setup_tmp
  cp "$SANDBOX_DIR/admin.kubeconfig" "$TEST_TMP/kubeconfig"
  export KUBECONFIG="$TEST_TMP/kubeconfig"
}
teardown() {
  # a test's own second sandbox (test 8), never the file's
  [ "${SANDBOX_DIR:-}" = "$BATS_FILE_TMPDIR/kcp" ] || stop_sandbox
  teardown_tmp
}

# ws_try PARENT NAME [TYPE-NAME [TYPE-PATH]]: creates a Workspace (spec.type as `kubectl ws create` sends it).
ws_try() {
  printf '{"kind":"Workspace","apiVersion":"tenancy.kcp.io/v1alpha1","metadata":{"name":"%s"},"spec":{"type":{"name":"%s"%s}}}' \
    "$2" "${3:-}" "${4:+,\"path\":\"$4\"}" | ws_kubectl "$1" create -f -
}

# ws_create PARENT NAME [TYPE-NAME [TYPE-PATH]]: the same, then waits until it is Ready.
ws_create() {
  ws_try "$@" >/dev/null && wait_workspace_ready "$1" "$2"
}

# status_of METHOD PATH [BODY-FILE]: "CODE REASON MESSAGE" of a raw request with kcp-admin's token.
status_of() {
  local token
  token=$(kubectl config view --raw -o jsonpath='{.users[?(@.name=="kcp-admin")].user.token}')
  kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TEST_TMP/ca.pem"
  curl -sS --max-time 5 --cacert "$TEST_TMP/ca.pem" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -X "$1" ${3:+--data-binary @"$3"} "$SANDBOX_URL$2" | jq -r '"\(.code) \(.reason) \(.message)"'
}

# sa_kubeconfig WS NAME: a kubeconfig with a TokenRequest token of service account NAME (namespace default) of WS.
sa_kubeconfig() {
  ws_kubectl "$1" create serviceaccount "$2" >/dev/null
  local token
  token=$(ws_kubectl "$1" create token "$2")
  kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TEST_TMP/ca.pem"
  cat >"$TEST_TMP/$2.kubeconfig" <<Y
apiVersion: v1
kind: Config
clusters:
- name: ws
  cluster: {server: "$SANDBOX_URL/clusters/$1", certificate-authority: "$TEST_TMP/ca.pem"}
users:
- name: sa
  user: {token: "$token"}
contexts:
- name: sa
  context: {cluster: ws, user: sa, namespace: default}
current-context: sa
Y
  echo "$token" >"$TEST_TMP/$2.token"
}

@test "1 APIBinding: an export that does not exist (or may not be bound) is refused with 403, one message for both" {
  ws_create root b1
  run --separate-stderr ws_kubectl root:b1 create -f - <<'Y'
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: edge}
spec: {reference: {export: {path: "root:nowhere", name: edge.kubestellar.io}}}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": apibindings.apis.kcp.io "edge" is forbidden: unable to create APIBinding: no permission to bind to export root:nowhere:edge.kubestellar.io'
  # a workspace that exists but has no such export: the same 403
  run --separate-stderr ws_kubectl root:b1 create -f - <<'Y'
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: edge}
spec: {reference: {export: {path: "root:compute", name: nothing}}}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": apibindings.apis.kcp.io "edge" is forbidden: unable to create APIBinding: no permission to bind to export root:compute:nothing'
  assert_equal "$(status_of GET /clusters/root:b1/apis/apis.kcp.io/v1alpha1/apibindings/edge | cut -d' ' -f1,2)" '404 NotFound'
  # an export that exists, for a caller without `bind` on it: the same 403
  ws_create root b1x
  ws_kubectl root:b1x create -f "$BATS_TEST_DIRNAME/fixtures/sandbox/edge-api.yaml" >/dev/null
  sa_kubeconfig root:b1 binder
  ws_kubectl root:b1 create clusterrole binder --verb create --resource apibindings.apis.kcp.io
  ws_kubectl root:b1 create clusterrolebinding binder --clusterrole binder --serviceaccount default:binder
  run --separate-stderr kubectl --kubeconfig "$TEST_TMP/binder.kubeconfig" create -f - <<'Y'
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: edge}
spec: {reference: {export: {path: "root:b1x", name: edge.kubestellar.io}}}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": apibindings.apis.kcp.io "edge" is forbidden: unable to create APIBinding: no permission to bind to export root:b1x:edge.kubestellar.io'
  # a binding that was admitted may not change its reference (CEL, 422)
  ws_kubectl root:b1 create -f - <<'Y'
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: kube}
spec: {reference: {export: {path: "root:compute", name: kubernetes}}}
Y
  run --separate-stderr ws_kubectl root:b1 patch apibinding kube --type merge -p '{"spec":{"reference":{"export":{"name":"other"}}}}'
  assert_failure
  assert_equal "$stderr" 'The APIBinding "kube" is invalid: spec.reference: Invalid value: "object": APIExport reference must not be changed'
  assert_equal "$(ws_kubectl root:b1 get apibinding kube -o jsonpath='{.metadata.finalizers}')" '["apis.kcp.io/apibinding-finalizer"]'
  # only system:masters reach an APIBinding's status (kubectl patch reads it first)
  run --separate-stderr ws_kubectl root:b1 patch apibinding kube --subresource status --type merge -p '{"status":{"phase":"Bound"}}'
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): apibindings.apis.kcp.io "kube" is forbidden: User "kcp-admin" cannot get resource "apibindings/status" in API group "apis.kcp.io" at the cluster scope: access denied'
}

@test "2 workspace types: the parent's default child type, team, allowed parents, immutable and server-set fields" {
  # what `kubectl ws create x` sends without --type: spec.type {"name":""}
  echo '{"kind":"Workspace","apiVersion":"tenancy.kcp.io/v1alpha1","metadata":{"name":"x","creationTimestamp":null},"spec":{"type":{"name":""}},"status":{}}' >x.json
  run --separate-stderr kubectl create --raw /clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces -f x.json
  assert_success
  # the type is defaulted in the response already; cluster and URL come with scheduling, not in the response
  assert_equal "$(jq -c '[.spec.type, .spec.URL, .spec.cluster, .status.phase]' <<<"$output")" '[{"name":"organization","path":"root"},null,null,"Scheduling"]'
  wait_workspace_ready root x
  cluster=$(kubectl get workspace x -o jsonpath='{.spec.cluster}')
  assert_equal "$(kubectl get workspace x -o jsonpath='{.spec.URL}')" "$SANDBOX_URL/clusters/$cluster"
  assert_equal "$(kubectl get workspace x -o jsonpath='{.metadata.labels.tenancy\.kcp\.io/phase}')" Ready
  run kubectl get workspace x
  assert_line --index 1 --regexp "^x +organization +Ready +$SANDBOX_URL/clusters/$cluster +[0-9]+s$"
  # a workspace that does not exist: 403, not 404
  run --separate-stderr kubectl get --raw /clusters/root:nowhere/api/v1/namespaces/default/configmaps
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps is forbidden: User "kcp-admin" cannot list resource "configmaps" in API group "" in the namespace "default": access denied'
  # inside an organization the default is universal; team is allowed there
  ws_create root:x u
  assert_equal "$(ws_kubectl root:x get workspace u -o jsonpath='{.spec.type.path}:{.spec.type.name}')" root:universal
  ws_create root:x t team
  assert_equal "$(ws_kubectl root:x get workspace t -o jsonpath='{.spec.type.path}:{.spec.type.name}')" root:team
  # allowed parents (403 admission)
  run --separate-stderr ws_try root:x o2 organization root
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": workspaces.tenancy.kcp.io "o2" is forbidden: workspace type root:organization only allows [root:root] parent workspaces, but parent type root:organization only implements [root:organization root:universal]'
  run --separate-stderr ws_try root t2 team
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": workspaces.tenancy.kcp.io "t2" is forbidden: workspace type root:team only allows [root:organization root:team] parent workspaces, but parent type root:root only implements [root:root root:universal]'
  run --separate-stderr ws_try root h home root
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": workspaces.tenancy.kcp.io "h" is forbidden: workspace type root:home cannot have any parent'
  run --separate-stderr ws_try root n nope
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": workspaces.tenancy.kcp.io "n" is forbidden: workspace type "nope" cannot be resolved'
  # reserved type names; users neither make nor delete LogicalClusters
  run --separate-stderr kubectl create -f - <<'Y'
apiVersion: tenancy.kcp.io/v1alpha1
kind: WorkspaceType
metadata: {name: any}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": workspacetypes.tenancy.kcp.io "any" is forbidden: metadata.name: Invalid value: "any": name is reserved'
  run --separate-stderr ws_kubectl root:x delete logicalcluster cluster
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): logicalclusters.core.kcp.io "cluster" is forbidden: LogicalCluster cannot be deleted'
  # system fields: only system:masters set spec.cluster / spec.URL
  run --separate-stderr kubectl create -f - <<'Y'
apiVersion: tenancy.kcp.io/v1alpha1
kind: Workspace
metadata: {name: sneaky}
spec: {cluster: abc}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): error when creating "STDIN": workspaces.tenancy.kcp.io "sneaky" is forbidden: spec.Cluster can only be set by system privileged users'
  run --separate-stderr kubectl patch workspace x --type merge -p '{"spec":{"URL":"https://elsewhere/clusters/x"}}'
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): workspaces.tenancy.kcp.io "x" is forbidden: spec.URL can only be changed by system privileged users'
  # immutable type (CEL, 422)
  run --separate-stderr kubectl patch workspace x --type merge -p '{"spec":{"type":{"name":"universal"}}}'
  assert_failure
  assert_equal "$stderr" 'The Workspace "x" is invalid: spec.type: Invalid value: "object": name is immutable'
  kubectl get workspace x -o json | jq '.spec.type.name = "universal"' >p.json
  assert_equal "$(status_of PUT /clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/x p.json)" \
    '422 Invalid Workspace.tenancy.kcp.io "x" is invalid: spec.type: Invalid value: "object": name is immutable'
}

@test "3 default APIBindings: a new universal-based workspace binds kcp's five root exports under kcp's generated names" {
  ws_create root d3
  lc=$(kubectl get workspace d3 -o jsonpath='{.spec.cluster}')
  # <export>-<first 5 of base62(sha224("<lc>|root|<export>")), lower-cased>
  expected=$(node -e '
    const { createHash } = require("node:crypto");
    const d = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const b62 = (s) => { let n = BigInt("0x" + createHash("sha224").update(s).digest("hex")), o = ""; while (n > 0n) { o = d[Number(n % 62n)] + o; n /= 62n; } return o; };
    console.log(["apiresource.kcp.io","scheduling.kcp.io","tenancy.kcp.io","topology.kcp.io","workload.kcp.io"].map((e) => `${e}-${b62(`${process.argv[1]}|root|${e}`).slice(0, 5).toLowerCase()}`).join(" "));' "$lc")
  assert_equal "$(ws_kubectl root:d3 get apibindings -o jsonpath='{.items[*].metadata.name}')" "$expected"
  assert_equal "$(ws_kubectl root:d3 get apibindings -o jsonpath='{range .items[*]}{.spec.reference.export.path}:{.status.phase} {end}')" 'root:Bound root:Bound root:Bound root:Bound root:Bound '
  # root's own bindings carry the export's name
  run kubectl get apibindings -o name
  assert_line apibinding.apis.kcp.io/tenancy.kcp.io
  assert_line apibinding.apis.kcp.io/shards.core.kcp.io
  assert_equal "$(ws_kubectl root:d3 get logicalcluster cluster -o jsonpath='{.metadata.annotations.internal\.tenancy\.kcp\.io/type}')" root:organization
}

@test "4 RBAC: a service account gets exactly what its roles grant, only in its own workspace; tokens expire and die with their SA" {
  ws_create root r4
  ws_create root r4b
  ws_kubectl root:r4 create configmap allowed
  ws_kubectl root:r4 create configmap other
  sa_kubeconfig root:r4 robot
  sa() { kubectl --kubeconfig "$TEST_TMP/robot.kubeconfig" "$@"; }
  # nothing granted yet
  run --separate-stderr sa get configmap allowed
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps "allowed" is forbidden: User "system:serviceaccount:default:robot" cannot get resource "configmaps" in API group "" in the namespace "default": access denied'
  # resourceNames
  ws_kubectl root:r4 create role one-cm --verb get --resource configmaps --resource-name allowed
  ws_kubectl root:r4 create rolebinding robot-one-cm --role one-cm --serviceaccount default:robot
  run --separate-stderr sa get configmap allowed -o name
  assert_success
  assert_output configmap/allowed
  run --separate-stderr sa get configmap other
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps "other" is forbidden: User "system:serviceaccount:default:robot" cannot get resource "configmaps" in API group "" in the namespace "default": access denied'
  # SelfSubjectAccessReview, with the token and with --as
  run sa auth can-i get configmaps/allowed
  assert_success
  assert_output yes
  run sa auth can-i list configmaps
  assert_failure
  assert_output 'no - access denied'
  run ws_kubectl root:r4 auth can-i --as system:serviceaccount:default:robot get configmaps/allowed
  assert_output yes
  run ws_kubectl root:r4 auth can-i --as system:serviceaccount:default:robot delete configmaps/allowed
  assert_output 'no - access denied'
  # `*` and nonResourceURLs through a ClusterRole
  run sa auth can-i get /custom
  assert_output 'no - access denied'
  ws_kubectl root:r4 create clusterrole lister --verb list --resource '*.*'
  ws_kubectl root:r4 create clusterrole custom-url --verb get --non-resource-url /custom
  ws_kubectl root:r4 create clusterrolebinding robot-lister --clusterrole lister --serviceaccount default:robot
  ws_kubectl root:r4 create clusterrolebinding robot-url --clusterrole custom-url --serviceaccount default:robot
  run --separate-stderr sa get secrets -A -o name
  assert_success
  run sa auth can-i get /custom
  assert_output yes
  # roleRef is immutable
  run --separate-stderr ws_kubectl root:r4 patch clusterrolebinding robot-url --type merge -p '{"roleRef":{"name":"lister"}}'
  assert_failure
  assert_equal "$stderr" 'The ClusterRoleBinding "robot-url" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"custom-url"}: cannot change roleRef'
  # another workspace: kcp's "foreign service account" is a plain 403 (discovery too, hence --raw),
  # even where a binding names that service account
  ws_kubectl root:r4b create clusterrolebinding robot-view --clusterrole view --serviceaccount default:robot
  run --separate-stderr sa get --raw /clusters/root:r4b/api/v1/namespaces/default/configmaps
  assert_failure
  assert_equal "$stderr" 'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" in API group "" in the namespace "default": access denied'
  # the bare server URL: kcp routes the token to its own workspace
  run --separate-stderr sa --server "$SANDBOX_URL" get configmap allowed -o name
  assert_success
  assert_output configmap/allowed
  # anonymous: 403 anywhere
  run curl -sS --max-time 5 --cacert "$TEST_TMP/ca.pem" "$SANDBOX_URL/clusters/root:r4/api/v1/namespaces/default/configmaps"
  assert_equal "$(jq -r '"\(.code) \(.reason) \(.message)"' <<<"$output")" \
    '403 Forbidden configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default": access denied'
  # TokenRequest: at least 10 minutes; a token past its expiry (signed with the sandbox's key) is refused
  run --separate-stderr ws_kubectl root:r4 create token robot --duration 1m
  assert_failure
  assert_equal "$stderr" 'error: failed to create token: TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes'
  expired=$(node -e '
    const { createHmac } = require("node:crypto");
    const [tok, key] = process.argv.slice(1);
    const claims = JSON.parse(Buffer.from(tok.split(".")[1], "base64url"));
    claims.exp = Math.floor(Date.now() / 1000) - 1;
    const head = tok.split(".")[0], body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    console.log(`${head}.${body}.${createHmac("sha256", key).update(`${head}.${body}`).digest("base64url")}`);' \
    "$(cat "$TEST_TMP/robot.token")" "$(jq -r .signingKey "$SANDBOX_DIR/sandbox-auth.json")")
  run --separate-stderr sa --token "$expired" get configmap allowed
  assert_failure
  assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
  # a deleted service account's tokens stop working
  ws_kubectl root:r4 delete serviceaccount robot
  run --separate-stderr sa get configmap allowed
  assert_failure
  assert_equal "$stderr" 'error: You must be logged in to the server (Unauthorized)'
}

@test "5 validation: built-in kinds decode by type (400), bound kinds by their schema (422, pruned), immutable stays immutable" {
  ws_create root v5
  run --separate-stderr ws_kubectl root:v5 apply -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: typed}
data: {a: 3}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data.a of type string'
  # kubectl asks for strict field validation: an unknown field is a 400
  run --separate-stderr ws_kubectl root:v5 create -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: typo}
dta: {a: "1"}
Y
  assert_failure
  assert_equal "$stderr" 'Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field "dta"'
  ws_kubectl root:v5 create -f - <<'Y'
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata: {name: kube}
spec: {reference: {export: {path: "root:compute", name: kubernetes}}}
Y
  for i in $(seq 50); do ws_kubectl root:v5 get deployments >/dev/null 2>&1 && break; sleep 0.1; done
  run --separate-stderr ws_kubectl root:v5 apply -f - <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: three, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}}
Y
  assert_failure
  assert_equal "$stderr" 'The Deployment "web" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'
  # unknown top-level fields of a bound kind are pruned (without strict validation)
  ws_kubectl root:v5 apply --validate=false -f - <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}}
extra: {dropped: true}
Y
  assert_equal "$(ws_kubectl root:v5 get deployment web -o json | jq -c '[.extra, .spec.replicas]')" '[null,1]'
  ws_kubectl root:v5 apply -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: frozen}
data: {a: "1"}
immutable: true
Y
  run --separate-stderr ws_kubectl root:v5 patch configmap frozen --type merge -p '{"data":{"a":"2"}}'
  assert_failure
  assert_equal "$stderr" 'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set'
  ws_kubectl root:v5 create secret generic s --from-literal=a=b
  run --separate-stderr ws_kubectl root:v5 patch secret s --type merge -p '{"type":"kubernetes.io/tls"}'
  assert_failure
  assert_equal "$stderr" 'The Secret "s" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable'
}

@test "6 deletion: finalizers hold objects with a deletionTimestamp; namespaces are Terminating; workspaces Deleting" {
  ws_create root del6
  ws_kubectl root:del6 create namespace doomed
  ws_kubectl root:del6 apply -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: held, namespace: doomed, finalizers: [example.com/hold]}
Y
  ws_kubectl root:del6 delete namespace doomed --wait=false
  assert_equal "$(ws_kubectl root:del6 get namespace doomed -o jsonpath='{.status.phase}')" Terminating
  ws_kubectl root:del6 get configmap held -n doomed -o jsonpath='{.metadata.deletionTimestamp}' | grep -q Z
  run --separate-stderr ws_kubectl root:del6 create configmap late -n doomed
  assert_failure
  assert_equal "$stderr" 'error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated'
  run --separate-stderr ws_kubectl root:del6 patch configmap held -n doomed --type merge -p '{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}'
  assert_failure
  assert_equal "$stderr" 'The ConfigMap "held" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted'
  # releasing the finalizer lets the ConfigMap, then the namespace, go
  ws_kubectl root:del6 patch configmap held -n doomed --type merge -p '{"metadata":{"finalizers":null}}'
  run --separate-stderr ws_kubectl root:del6 wait --for=delete namespace/doomed --timeout 10s
  assert_success
  # a workspace with a foreign finalizer stays, labelled Deleting, status still Ready
  kubectl patch workspace del6 --type json -p '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/keep"}]'
  kubectl delete workspace del6 --wait=false
  assert_equal "$(kubectl get workspace del6 -o jsonpath='{.metadata.labels.tenancy\.kcp\.io/phase} {.status.phase} {.metadata.finalizers}')" \
    'Deleting Ready ["core.kcp.io/logicalcluster","example.com/keep"]'
  run kubectl get workspace del6
  assert_line --index 1 --regexp '^del6 +organization +Deleting '
  kubectl patch workspace del6 --type json -p '[{"op":"remove","path":"/metadata/finalizers/1"}]'
  run --separate-stderr kubectl wait --for=delete workspace/del6 --timeout 10s
  assert_success
  run --separate-stderr ws_kubectl root:del6 get configmaps
  assert_failure
  # so `kubectl kubestellar remove wmw` waits, as the original's `kubectl delete` does, until kcp let the workspace go
  ws_create root gone6
  kubectl patch workspace gone6 --type json -p '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/keep"}]'
  run --separate-stderr timeout 2 kubectl kubestellar remove wmw gone6
  assert_equal "$status" 124
  assert_equal "$(kubectl get workspace gone6 -o jsonpath='{.metadata.labels.tenancy\.kcp\.io/phase}')" Deleting
  kubectl patch workspace gone6 --type json -p '[{"op":"remove","path":"/metadata/finalizers/1"}]'
  run --separate-stderr kubectl kubestellar remove wmw gone6
  assert_success
  run --separate-stderr kubectl get workspace gone6
  assert_failure
  assert_equal "$stderr" 'Error from server (NotFound): workspaces.tenancy.kcp.io "gone6" not found'
}

@test "7 server-side apply from the built executable: managedFields, conflicts (409) and --force-conflicts" {
  ws_create root ssa7
  ws_kubectl root:ssa7 create configmap owned --from-literal=a=1
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {a: "2", b: "3"}\n' >cm.yaml
  run --separate-stderr ws_kubectl root:ssa7 apply --server-side -f cm.yaml
  assert_failure
  assert_equal "$(head -1 <<<"$stderr")" 'error: Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.a'
  run --separate-stderr ws_kubectl root:ssa7 apply --server-side --force-conflicts -f cm.yaml
  assert_success
  assert_output 'configmap/owned serverside-applied'
  run ws_kubectl root:ssa7 get configmap owned -o json --show-managed-fields
  assert_equal "$(jq -c '[.data, [.metadata.managedFields[] | {manager, operation, fieldsV1}]]' <<<"$output")" \
    '[{"a":"2","b":"3"},[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:data":{"f:a":{},"f:b":{}}}}]]'
  # a field the manager no longer applies goes
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {a: "2"}\n' >cm.yaml
  ws_kubectl root:ssa7 apply --server-side -f cm.yaml
  assert_equal "$(ws_kubectl root:ssa7 get configmap owned -o jsonpath='{.data}')" '{"a":"2"}'
  # a new object, then an unchanged re-apply keeps the resourceVersion
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh, labels: {x: z}}\ndata: {k: v}\n' >fresh.yaml
  run ws_kubectl root:ssa7 apply --server-side -f fresh.yaml
  assert_output 'configmap/fresh serverside-applied'
  rv=$(ws_kubectl root:ssa7 get configmap fresh -o jsonpath='{.metadata.resourceVersion}')
  ws_kubectl root:ssa7 apply --server-side -f fresh.yaml
  assert_equal "$(ws_kubectl root:ssa7 get configmap fresh -o jsonpath='{.metadata.resourceVersion}')" "$rv"
}

@test "8 kcp facts: APIExport identity and virtual workspace URL, kube-root-ca.crt, watch from a too-old RV, kcp-admin's token per start" {
  ws_create root e8
  ws_kubectl root:e8 create -f "$BATS_TEST_DIRNAME/fixtures/sandbox/edge-api.yaml" >/dev/null
  lc=$(kubectl get workspace e8 -o jsonpath='{.spec.cluster}')
  for i in $(seq 50); do
    [ -n "$(ws_kubectl root:e8 get apiexport edge.kubestellar.io -o jsonpath='{.status.identityHash}')" ] && break
    sleep 0.1
  done
  run ws_kubectl root:e8 get apiexport edge.kubestellar.io -o json
  key=$(ws_kubectl root:e8 get secret edge.kubestellar.io -n kcp-system -o jsonpath='{.data.key}' | base64 -d)
  assert_equal "$(jq -r .status.identityHash <<<"$output")" "$(printf %s "$key" | sha256sum | cut -d' ' -f1)"
  assert_equal "$(jq -c .spec.identity.secretRef <<<"$output")" '{"name":"edge.kubestellar.io","namespace":"kcp-system"}'
  assert_equal "$(jq -r '.status.virtualWorkspaces[0].url' <<<"$output")" "$SANDBOX_URL/services/apiexport/$lc/edge.kubestellar.io"
  ws_kubectl root:e8 create namespace fresh
  for i in $(seq 50); do ws_kubectl root:e8 get configmap kube-root-ca.crt -n fresh >/dev/null 2>&1 && break; sleep 0.1; done
  ws_kubectl root:e8 get configmap kube-root-ca.crt -n fresh -o jsonpath='{.data.ca\.crt}' | grep -q 'BEGIN CERTIFICATE'
  # a second sandbox, restarted: shard-admin's token stays, kcp-admin's is new, old resourceVersions are gone
  sandbox_start_in "$TEST_TMP/kcp2" "$TEST_TMP"
  first=$(kubectl --kubeconfig "$TEST_TMP/kcp2/admin.kubeconfig" config view --raw -o jsonpath='{.users[*].user.token}')
  stop_sandbox
  sandbox_start_in "$TEST_TMP/kcp2" "$TEST_TMP"
  second=$(kubectl --kubeconfig "$TEST_TMP/kcp2/admin.kubeconfig" config view --raw -o jsonpath='{.users[*].user.token}')
  [ "${first%% *}" != "${second%% *}" ] || fail "kcp-admin's token did not change"
  assert_equal "${first##* }" "${second##* }"
  export KUBECONFIG="$TEST_TMP/kcp2/admin.kubeconfig"
  run --separate-stderr curl -sS -i --max-time 5 --cacert "$TEST_TMP/kcp2/ca.crt" -H "Authorization: Bearer ${second%% *}" \
    "$SANDBOX_URL/clusters/root/api/v1/configmaps?watch=1&resourceVersion=1"
  stop_sandbox
  assert_line --index 0 --regexp '^HTTP/1.1 200'
  assert_equal "$(tail -1 <<<"$output" | jq -c '[.type, .object.code, .object.reason]')" '["ERROR",410,"Expired"]'
}

@test "9 APIBinding status: an export that is missing or has no identity marks APIExportValid False and leaves the phase as it was" {
  # a path-less reference names an export of the binding's own workspace; kcp admits it
  # unchecked and reports the export as <logical cluster name>|<name>
  ws_create root b9
  lc=$(kubectl get workspace b9 -o jsonpath='{.spec.cluster}')
  printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIBinding\nmetadata: {name: local}\nspec: {reference: {export: {name: edge.kubestellar.io}}}\n' | ws_kubectl root:b9 create -f - >/dev/null
  cond() { ws_kubectl root:b9 get apibinding "$1" -o jsonpath="{.status.phase} {.status.conditions[?(@.type==\"$2\")].status} {.status.conditions[?(@.type==\"$2\")].reason}"; }
  for i in $(seq 50); do [ "$(cond local APIExportValid)" = 'Binding False APIExportNotFound' ] && break; sleep 0.1; done
  assert_equal "$(cond local APIExportValid)" 'Binding False APIExportNotFound'
  assert_equal "$(ws_kubectl root:b9 get apibinding local -o jsonpath='{.status.conditions[?(@.type=="APIExportValid")].message}')" "APIExport $lc|edge.kubestellar.io not found"
  assert_equal "$(cond local Ready)" 'Binding False WaitingForEstablished'
  # an export whose identity Secret does not exist never gets an identity hash: nothing binds to it
  ws_create root b9x
  ws_kubectl root:b9x create -f "$BATS_TEST_DIRNAME/fixtures/sandbox/edge-api.yaml" >/dev/null
  printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIExport\nmetadata: {name: noid}\nspec: {identity: {secretRef: {namespace: kcp-system, name: gone}}}\n' | ws_kubectl root:b9x create -f - >/dev/null
  printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIBinding\nmetadata: {name: noid}\nspec: {reference: {export: {path: root:b9x, name: noid}}}\n' | ws_kubectl root:b9 create -f - >/dev/null
  for i in $(seq 50); do [ "$(cond noid APIExportValid)" = 'Binding False MissingIdentityHash' ] && break; sleep 0.1; done
  assert_equal "$(cond noid APIExportValid)" 'Binding False MissingIdentityHash'
  # a bound binding whose export is deleted stays Bound (and Ready, which mirrors InitialBindingCompleted)
  printf 'apiVersion: apis.kcp.io/v1alpha1\nkind: APIBinding\nmetadata: {name: edge}\nspec: {reference: {export: {path: root:b9x, name: edge.kubestellar.io}}}\n' | ws_kubectl root:b9 create -f - >/dev/null
  for i in $(seq 50); do [ "$(cond edge Ready)" = 'Bound True ' ] && break; sleep 0.1; done
  assert_equal "$(cond edge Ready)" 'Bound True '
  ws_kubectl root:b9x delete apiexport edge.kubestellar.io >/dev/null
  for i in $(seq 50); do [ "$(cond edge APIExportValid)" = 'Bound False APIExportNotFound' ] && break; sleep 0.1; done
  assert_equal "$(cond edge APIExportValid)" 'Bound False APIExportNotFound'
  assert_equal "$(cond edge InitialBindingCompleted)" 'Bound True '
}
