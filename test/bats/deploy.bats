#!/usr/bin/env bats
# kubectl kubestellar deploy, get-internal-kubeconfig and get-external-kubeconfig:
# their flags and errors, and the whole path with real helm and kubectl against the
# sandbox's hosting mode (a plain Kubernetes, or OpenShift, hosting cluster).
load helpers
load lib/sandbox
load lib/hosting

setup() { setup_tmp; }
teardown() { stop_sandbox; teardown_tmp; }

# ---- deploy: flags and errors (no cluster needed) ----

@test "deploy -h prints usage naming its flags and that other flags go to helm" {
  run kubectl kubestellar deploy -h
  assert_success
  assert_line --partial 'Usage: kubectl kubestellar deploy'
  assert_output --partial '--external-endpoint HOST:PORT'
  assert_output --partial '--openshift BOOL'
  assert_output --partial 'goes to helm'
}

@test "deploy refuses a missing endpoint, bad endpoints, a bad --openshift and positional arguments" {
  run kubectl-kubestellar-deploy
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: --external-endpoint cannot be omitted unless --openshift true'
  run kubectl kubestellar deploy --external-endpoint ks.example.com
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: --external-endpoint value should have a colon in it'
  run kubectl kubestellar deploy --external-endpoint ks.example.com:1119:2
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: --external-endpoint value should only have one colon'
  run kubectl kubestellar deploy --external-endpoint ks.example.com:http
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: --external-endpoint "ks.example.com:http": the port must be a number from 1 to 65535, not "http"'
  run kubectl kubestellar deploy --external-endpoint=bad_host!:443
  assert_failure 1
  assert_output --partial 'kubectl kubestellar deploy: --external-endpoint "bad_host!:443": the domain "bad_host!" is not a DNS name or IP address'
  run kubectl kubestellar deploy --external-endpoint :443
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: --external-endpoint value has no host name before the colon'
  run kubectl kubestellar deploy --external-endpoint
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: missing external_endpoint value'
  run kubectl kubestellar deploy --openshift maybe
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: --openshift should be true or false'
  run kubectl kubestellar deploy --external-endpoint ks.example.com:443 -n kubestellar extra
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: no positional arguments are allowed'
}

@test "deploy without helm on PATH says what to install" {
  run env PATH="$REPO_ROOT/bin:$(dirname "$(command -v node)")" kubectl-kubestellar-deploy --external-endpoint ks.example.com:443
  assert_failure 1
  assert_output 'kubectl kubestellar deploy: helm was not found on PATH; install Helm 3 (https://helm.sh/docs/intro/install/) and try again'
}

@test "deploy passes other flags with their values to helm upgrade --install, then the chart values" {
  start_hosting
  mkdir -p "$TEST_TMP/fakebin"
  # a helm that records its arguments and succeeds without installing anything
  printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s/helm.args"\n' "$TEST_TMP" >"$TEST_TMP/fakebin/helm"
  chmod +x "$TEST_TMP/fakebin/helm"
  run env PATH="$TEST_TMP/fakebin:$PATH" kubectl kubestellar deploy -n ks --external-endpoint ks.example.com:1119 --set storageSize=1Gi --atomic --timeout=1s
  # nothing was installed, so the wait for the pod ends at --timeout
  assert_failure 8
  assert_line 'kubectl kubestellar deploy: timed out after 1s waiting for pod app=kubestellar in namespace ks to be Ready: no pod with label app=kubestellar in namespace ks yet'
  run cat "$TEST_TMP/helm.args"
  assert_output "$(printf '%s\n' upgrade --install -n ks --set storageSize=1Gi --atomic --timeout=1s kubestellar "$REPO_ROOT/chart" \
    --set clusterType=Kubernetes --set-string EXTERNAL_HOSTNAME=ks.example.com --set EXTERNAL_PORT=1119 --set-string "image.tag=$(kubestellar-release)")"
}

@test "deploy reports helm's failure on one line with a non-zero exit" {
  start_hosting
  run kubectl kubestellar deploy -n no-such-namespace --external-endpoint localhost:443
  assert_failure 1
  assert_line 'kubectl kubestellar deploy: helm upgrade --install failed (exit 1): create: failed to create: namespaces "no-such-namespace" not found'
}

# ---- get-internal-kubeconfig / get-external-kubeconfig: flags and errors ----

@test "get-*-kubeconfig: -h, and -o missing, empty, twice; positional arguments refused" {
  for which in internal external; do
    run kubectl kubestellar get-$which-kubeconfig -h
    assert_success
    assert_line --partial "Usage: kubectl kubestellar get-$which-kubeconfig -o FILE"
    run kubectl kubestellar get-$which-kubeconfig -n kubestellar
    assert_failure 1
    assert_output "kubectl kubestellar get-$which-kubeconfig: must be given a non-empty -o"
    run kubectl kubestellar get-$which-kubeconfig -o ''
    assert_failure 1
    assert_output "kubectl kubestellar get-$which-kubeconfig: must be given a non-empty -o"
    run kubectl kubestellar get-$which-kubeconfig -o a.kubeconfig -o b.kubeconfig
    assert_failure 1
    assert_output "kubectl kubestellar get-$which-kubeconfig: -o must appear exactly once, not 2 times"
    run kubectl kubestellar get-$which-kubeconfig -o a.kubeconfig extra
    assert_failure 1
    assert_output "kubectl kubestellar get-$which-kubeconfig: no positional arguments accepted"
    run kubectl kubestellar get-$which-kubeconfig -o
    assert_failure 1
    assert_output "kubectl kubestellar get-$which-kubeconfig: flag -o needs a value"
  done
  # the original's executable names work directly too
  run kubectl-kubestellar-get_external_kubeconfig -o
  assert_failure 1
  run kubectl-kubestellar get-internal-kubeconfig -h
  assert_success
}

@test "get-external-kubeconfig waits (bounded) and writes nothing when no core is deployed" {
  start_hosting
  run kubectl kubestellar get-external-kubeconfig -o ks.kubeconfig --timeout 1s
  assert_failure 8
  assert_line 'Waiting for pod app=kubestellar in namespace kubestellar to be Ready and Secret kubestellar to hold external.kubeconfig (timeout 1s)'
  assert_line 'kubectl kubestellar get-external-kubeconfig: timed out after 1s waiting for pod app=kubestellar in namespace kubestellar to be Ready and Secret kubestellar to hold external.kubeconfig: no pod with label app=kubestellar in namespace kubestellar yet'
  [ ! -e ks.kubeconfig ]
  # kubectl flags reach the client: a context that does not exist
  run kubectl kubestellar get-internal-kubeconfig -o ks.kubeconfig --context nope
  assert_failure
  assert_output --partial 'nope'
  [ ! -e ks.kubeconfig ]
}

# ---- end to end, real helm and kubectl ----

@test "deploy to plain Kubernetes; the external kubeconfig reaches the core through the ingress; re-deploy is revision 2; helm delete removes it" {
  start_hosting
  kubectl create namespace kubestellar
  run kubectl kubestellar deploy -n kubestellar --external-endpoint "localhost:$INGRESS_PORT"
  assert_success
  assert_line 'REVISION: 1'
  assert_line "Deploying KubeStellar $(kubestellar-release) to namespace kubestellar (Kubernetes, external endpoint localhost:$INGRESS_PORT) with helm"
  assert_line --regexp '^Pod kubestellar-[0-9a-f]+-[a-z0-9]{5} is Ready$'
  # deploy returned only once the core was up: the pod is Ready, the Secret written
  [ "$(kubectl -n kubestellar get pods -l app=kubestellar -o jsonpath='{.items[0].status.conditions[?(@.type=="Ready")].status}')" = True ]
  run kubectl -n kubestellar get secret kubestellar -o jsonpath='{.data}'
  assert_output --partial '"external.kubeconfig"'
  [ "$(kubectl -n kubestellar get ingress kubestellar-ingress -o jsonpath='{.spec.rules[0].host}')" = localhost ]

  run kubectl kubestellar get-external-kubeconfig -n kubestellar -o ks.kubeconfig
  assert_success
  [ "$(stat -c %a ks.kubeconfig)" = 600 ]
  grep -q "server: https://localhost:$INGRESS_PORT/clusters/root$" ks.kubeconfig
  # the deployed core ran kubestellar init: espw, imw1 and wmw1 exist; ensure location works there
  run env KUBECONFIG=ks.kubeconfig kubectl kubestellar ensure location --imw root:imw1 demo1 env=prod
  assert_success
  assert_line 'synctarget.edge.kubestellar.io/demo1 created'
  assert_line 'location.edge.kubestellar.io/demo1 created'
  [ "$(kubectl --kubeconfig ks.kubeconfig get synctarget demo1 -o jsonpath='{.metadata.labels.env}')" = prod ]

  run kubectl kubestellar get-internal-kubeconfig -o -
  assert_success
  assert_line '    server: https://kubestellar:6443/clusters/root'

  pod1="$(kubectl -n kubestellar get pods -l app=kubestellar -o name)"
  # an upgrade that changes the pod template rolls out a new pod on the same volume
  run kubectl kubestellar deploy -n kubestellar --external-endpoint "localhost:$INGRESS_PORT" --set CONTROLLER_VERBOSITY=3
  assert_success
  assert_line 'REVISION: 2'
  [ "$(helm -n kubestellar list -o json | jq -r '.[0] | "\(.name) \(.revision) \(.status)"')" = 'kubestellar 2 deployed' ]
  pod2="$(kubectl -n kubestellar get pods -l app=kubestellar -o name)"
  [ -n "$pod2" ]
  [ "$pod2" != "$pod1" ]
  run kubectl kubestellar get-external-kubeconfig -n kubestellar -o ks.kubeconfig
  assert_success
  # the new core has the old one's state (kcp's data is on the claim)
  run kubectl --kubeconfig ks.kubeconfig get --raw /clusters/root:imw1/apis/edge.kubestellar.io/v2alpha1/synctargets
  assert_success
  assert_output --partial '"name":"demo1"'

  run helm delete -n kubestellar kubestellar
  assert_success
  assert_output 'release "kubestellar" uninstalled'
  run kubectl -n kubestellar get deployments,replicasets,pods,services,ingresses,pvc -o name
  assert_success
  assert_output ''
  # the core is gone: the same request now reaches the ingress controller's default backend
  run kubectl --kubeconfig ks.kubeconfig get --raw /clusters/root:imw1/apis/edge.kubestellar.io/v2alpha1/synctargets
  assert_failure
  assert_output --partial 'x509: certificate signed by unknown authority'
  # and so is its volume (bounded wait: the core stops after the pod is gone)
  for ((i = 0; i < 100; i++)); do [ -e "$SANDBOX_DIR/volumes/kubestellar/kubestellar-pvc" ] || break; sleep 0.05; done
  [ ! -e "$SANDBOX_DIR/volumes/kubestellar/kubestellar-pvc" ]
}

@test "deploy to OpenShift without an endpoint: the Route's host and port 443, reached through the router" {
  start_hosting --openshift
  kubectl create namespace kubestellar
  # --wait goes to helm, whose ready checks read the Deployment's, ReplicaSet's, PVC's and Service's status
  run kubectl kubestellar deploy --openshift true -n kubestellar --wait --timeout 60s
  assert_success
  assert_line 'REVISION: 1'
  run helm -n kubestellar status kubestellar
  assert_success
  assert_line 'STATUS: deployed'
  host="$(kubectl -n kubestellar get route kubestellar-route -o jsonpath='{.spec.host}')"
  [ "$host" = kubestellar-route-kubestellar.apps.sandbox.test ]
  run kubectl -n kubestellar get ingresses -o name
  assert_output ''
  run kubectl kubestellar get-external-kubeconfig -n kubestellar -o ks.kubeconfig
  assert_success
  grep -q "server: https://$host:443/clusters/root$" ks.kubeconfig
  # the router passes TLS for that host through to the core (its certificate names the host)
  run kubectl --kubeconfig ks.kubeconfig --server "https://127.0.0.1:$INGRESS_PORT/clusters/root" --tls-server-name "$host" get workspaces -o name
  assert_success
  assert_line 'workspace.tenancy.kcp.io/espw'
  assert_line 'workspace.tenancy.kcp.io/imw1'
}

# ---- the hosting cluster itself ----

@test "hosting mode serves plain Kubernetes: no /clusters/, no kcp kinds, the kinds helm and the chart use" {
  start_hosting
  run kubectl version -o json
  assert_success
  [ "$(jq -r .serverVersion.gitVersion <<<"$output")" = v1.29.2 ]
  run kubectl get --raw /clusters/root/api/v1/namespaces
  assert_failure
  assert_output --partial 'NotFound'
  run kubectl api-resources -o name
  assert_success
  for r in pods services persistentvolumeclaims deployments.apps replicasets.apps ingresses.networking.k8s.io roles.rbac.authorization.k8s.io secrets serviceaccounts; do
    assert_line "$r"
  done
  refute_output --partial 'kcp.io'
  refute_output --partial 'routes.route.openshift.io'
  run kubectl get namespaces -o name
  assert_output --partial 'namespace/kube-system'
  # admin.kubeconfig's user is a cluster admin (system:masters), as on a kind or kubeadm cluster
  run kubectl auth can-i '*' '*' --all-namespaces
  assert_success
  assert_output yes
  # a Deployment gets a ReplicaSet and a Ready pod; deleting it takes them along
  kubectl apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
YAML
  for ((i = 0; i < 100; i++)); do
    [ "$(kubectl get deployment web -o jsonpath='{.status.readyReplicas}')" = 2 ] && break
    sleep 0.05
  done
  [ "$(kubectl get deployment web -o jsonpath='{.status.readyReplicas}')" = 2 ]
  [ "$(kubectl get pods -l app=web -o name | wc -l)" = 2 ]
  kubectl delete deployment web
  run kubectl get replicasets,pods -l app=web -o name
  assert_output ''
}

@test "hosting mode flags: --openshift and --ingress-port go with --kubernetes" {
  run kubestellar-sandbox start --openshift
  assert_failure 1
  assert_output 'kubestellar-sandbox: --openshift and --ingress-port go with --kubernetes'
  run kubestellar-sandbox start --kubernetes --ingress-port 70000
  assert_failure 1
  assert_output 'kubestellar-sandbox: --ingress-port must be a whole number from 0 to 65535, not "70000"'
}

@test "a restarted hosting cluster runs the deployed core again, with the state on its volume" {
  start_hosting
  kubectl create namespace kubestellar
  run kubectl kubestellar deploy -n kubestellar --external-endpoint "localhost:$INGRESS_PORT"
  assert_success
  kubectl kubestellar get-external-kubeconfig -n kubestellar -o ks.kubeconfig
  run env KUBECONFIG=ks.kubeconfig kubectl kubestellar ensure location --imw root:imw1 demo1 env=prod
  assert_success
  stop_sandbox
  sandbox_start_in "$SANDBOX_DIR" "$TEST_TMP" --kubernetes
  INGRESS_PORT="$(cat "$SANDBOX_DIR/ingress-port")"
  # the pod is Ready again once its core has restarted
  run kubectl kubestellar get-external-kubeconfig -n kubestellar -o ks2.kubeconfig --timeout 60s
  assert_success
  # (the ingress port changed with the restart; the host name is the same)
  run kubectl --kubeconfig ks2.kubeconfig --server "https://127.0.0.1:$INGRESS_PORT/clusters/root:imw1" --tls-server-name localhost get synctargets -o name
  assert_success
  assert_output 'synctarget.edge.kubestellar.io/demo1'
}
