#!/usr/bin/env bats
# The chart in chart/: helm lint, and what `helm template` renders for plain
# Kubernetes and for OpenShift with the values `kubectl kubestellar deploy` sets.
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# render [helm template flags...]: the chart's objects as a JSON array in $TEST_TMP/r.json
render() {
  helm template kubestellar "$REPO_ROOT/chart" "$@" >"$TEST_TMP/r.yaml"
  node "$REPO_ROOT/test/bats/lib/yaml2json.mjs" <"$TEST_TMP/r.yaml" >"$TEST_TMP/r.json"
}
obj() { jq -c --arg k "$1" --arg n "$2" '.[] | select(.kind == $k and .metadata.name == $n)' "$TEST_TMP/r.json"; }

@test "helm lint --strict passes for both cluster types" {
  run helm lint --strict "$REPO_ROOT/chart"
  assert_success
  assert_output --partial '1 chart(s) linted, 0 chart(s) failed'
  run helm lint --strict "$REPO_ROOT/chart" --set clusterType=OpenShift
  assert_success
  assert_output --partial '0 chart(s) failed'
}

@test "plain Kubernetes: Deployment, PVC, Service, SA, Role(Binding) and an SSL-passthrough Ingress, no Route" {
  render --set clusterType=Kubernetes --set-string EXTERNAL_HOSTNAME=ks.example.com --set EXTERNAL_PORT=1119 --set-string image.tag=v0.14.0
  run jq -r '[.[] | "\(.kind)/\(.metadata.name)"] | sort | join(" ")' "$TEST_TMP/r.json"
  assert_output 'Deployment/kubestellar Ingress/kubestellar-ingress PersistentVolumeClaim/kubestellar-pvc Role/kubestellar-role RoleBinding/kubestellar-role-binding Service/kubestellar ServiceAccount/kubestellar-sa'
  ing="$(obj Ingress kubestellar-ingress)"
  [ "$(jq -r '.metadata.annotations["nginx.ingress.kubernetes.io/ssl-passthrough"]' <<<"$ing")" = true ]
  [ "$(jq -r '.metadata.annotations["kubernetes.io/ingress.class"]' <<<"$ing")" = nginx ]
  [ "$(jq -r '.spec.rules[0].host' <<<"$ing")" = ks.example.com ]
  [ "$(jq -c '.spec.rules[0].http.paths[0].backend.service' <<<"$ing")" = '{"name":"kubestellar","port":{"number":6443}}' ]
  dep="$(obj Deployment kubestellar)"
  run jq -r '[.spec.template.spec.containers[].name] | join(",")' <<<"$dep"
  assert_output 'init,mailbox-controller,where-resolver,placement-translator,kcp'
  run jq -r '.spec.template.spec.containers[] | "\(.name) \(.image) \(.command | join(" "))"' <<<"$dep"
  assert_line 'kcp quay.io/kubestellar/kubestellar:v0.14.0 /home/kubestellar/entry.sh kcp'
  assert_line 'init quay.io/kubestellar/kubestellar:v0.14.0 /home/kubestellar/entry.sh init'
  run jq -r '.spec.template.spec.containers[] | select(.name == "kcp") | .env[] | "\(.name)=\(.value)"' <<<"$dep"
  assert_output $'EXTERNAL_HOSTNAME=ks.example.com\nEXTERNAL_PORT=1119'
  [ "$(jq -r '.spec.template.spec.containers[] | select(.name == "kcp") | .volumeMounts[0].mountPath' <<<"$dep")" = /home/kubestellar/.kcp ]
  [ "$(jq -r '.spec.template.spec.volumes[0].persistentVolumeClaim.claimName' <<<"$dep")" = kubestellar-pvc ]
  [ "$(jq -r '.spec.template.metadata.labels.app' <<<"$dep")" = kubestellar ]
  # readiness: the init and kcp containers probe /home/kubestellar/ready (what get-*-kubeconfig waits on)
  run jq -r '.spec.template.spec.containers[] | select(.readinessProbe) | .name' <<<"$dep"
  assert_output $'init\nkcp'
  [ "$(jq '[.spec.template.spec.containers[] | select(.securityContext)] | length' <<<"$dep")" = 0 ]
  [ "$(obj PersistentVolumeClaim kubestellar-pvc | jq -r .spec.resources.requests.storage)" = 8Gi ]
  [ "$(obj Service kubestellar | jq -c '.spec.ports[0] | [.port, .targetPort]')" = '[6443,"ks-port"]' ]
  run jq -c '.rules[] | [.apiGroups[0], .resources, .verbs, .resourceNames]' <<<"$(obj Role kubestellar-role)"
  assert_line '["networking.k8s.io",["ingresses"],["get"],["kubestellar-ingress"]]'
  assert_line '["",["secrets"],["get","create","delete"],null]'
}

@test "OpenShift: a passthrough Route to the Service, restricted security contexts, no Ingress" {
  render --set clusterType=OpenShift --set-string EXTERNAL_HOSTNAME= --set EXTERNAL_PORT=443
  run jq -r '[.[] | .kind] | sort | join(" ")' "$TEST_TMP/r.json"
  assert_output 'Deployment PersistentVolumeClaim Role RoleBinding Route Service ServiceAccount'
  route="$(obj Route kubestellar-route)"
  [ "$(jq -r .apiVersion <<<"$route")" = route.openshift.io/v1 ]
  [ "$(jq -c .spec.tls <<<"$route")" = '{"termination":"passthrough","insecureEdgeTerminationPolicy":"None"}' ]
  [ "$(jq -c .spec.to <<<"$route")" = '{"kind":"Service","name":"kubestellar"}' ]
  # no host given: OpenShift assigns one
  [ "$(jq -r '.spec.host // "none"' <<<"$route")" = none ]
  dep="$(obj Deployment kubestellar)"
  [ "$(jq '[.spec.template.spec.containers[] | select(.securityContext.runAsNonRoot == true and .securityContext.capabilities.drop == ["ALL"] and .securityContext.seccompProfile.type == "RuntimeDefault")] | length' <<<"$dep")" = 5 ]
  run jq -c '.rules[] | [.apiGroups[0], .resources, .verbs, .resourceNames]' <<<"$(obj Role kubestellar-role)"
  assert_line '["route.openshift.io",["routes"],["get"],["kubestellar-route"]]'
  # a given host is the Route's
  render --set clusterType=OpenShift --set-string EXTERNAL_HOSTNAME=ks.apps.example.com
  [ "$(obj Route kubestellar-route | jq -r .spec.host)" = ks.apps.example.com ]
}

@test "a clusterType other than Kubernetes or OpenShift is refused" {
  run helm template kubestellar "$REPO_ROOT/chart" --set clusterType=Kind
  assert_failure
  assert_output --partial 'clusterType must be Kubernetes or OpenShift, not "Kind"'
}
