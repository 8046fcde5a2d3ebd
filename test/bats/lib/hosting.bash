# A kubestellar-sandbox in hosting mode (a plain Kubernetes cluster) per test. Use with:
#   load helpers; load lib/sandbox; load lib/hosting
#   setup() { setup_tmp; }   teardown() { stop_sandbox; teardown_tmp; }
#   start_hosting [--openshift]
# Exports KUBECONFIG (the hosting cluster's admin.kubeconfig), SANDBOX_PID, SANDBOX_URL,
# SANDBOX_DIR and INGRESS_PORT (the SSL-passthrough ingress controller or router).
start_hosting() {
  sandbox_start_in "$TEST_TMP/hosting" "$TEST_TMP" --kubernetes "$@" || return 1
  KUBECONFIG="$SANDBOX_DIR/admin.kubeconfig"
  INGRESS_PORT="$(cat "$SANDBOX_DIR/ingress-port")"
  export KUBECONFIG INGRESS_PORT
}
