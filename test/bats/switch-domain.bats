#!/usr/bin/env bats
# switch-domain and wait-and-switch-domain as a user runs them, on the kubeconfig shape
# `kcp start` writes; the wait against a small Node HTTPS server started here.
load helpers

setup() {
  setup_tmp
  # a CA for the alternate kubeconfig, and a server pair for 127.0.0.1 signed by another CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=alt-ca \
    -keyout alt-ca.key -out alt-ca.crt 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=kcp \
    -addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.crt 2>/dev/null
  write_kubeconfig 192.168.7.9 6443 > admin.kubeconfig
}

teardown() {
  if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  teardown_tmp
}

# The kubeconfig `kcp start` writes (clusters base and root, contexts base, root and
# system:admin, current-context root), serving at HOST:PORT with server.crt as CA data.
write_kubeconfig() {
  sed -e "s|@SERVER@|https://$1:$2|" -e "s|@CA_DATA@|$(base64 -w0 server.crt)|" \
    -e 's|@ADMIN_TOKEN@|admin-token|' -e 's|@SHARD_ADMIN_TOKEN@|shard-token|' \
    "$REPO_ROOT/test/fixtures/kcp-admin.kubeconfig"
}

start_server() { # MODE
  node "$REPO_ROOT/test/bats/fixtures/slow-apiserver.mjs" "$1" server.crt server.key port admin-token 2>server.log &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
  [ -s port ] || fail "test server did not start"
  PORT="$(cat port)"
}

@test "switch-domain changes only the two lines per cluster that the reference shows" {
  in_sum="$(sha256sum admin.kubeconfig)"
  run --separate-stderr switch-domain admin.kubeconfig test.yaml root yep.yep 6443 alt-ca.crt
  assert_success
  assert_output ""
  assert_equal "$stderr" ""
  assert_equal "$(sha256sum admin.kubeconfig)" "$in_sum"
  assert_equal "$(stat -c %a test.yaml)" "600"
  new_ca="$(base64 -w0 alt-ca.crt)" old_ca="$(base64 -w0 server.crt)"
  run diff admin.kubeconfig test.yaml
  assert_equal "$output" "4,5c4,5
<     certificate-authority-data: $old_ca
<     server: https://192.168.7.9:6443
---
>     certificate-authority-data: $new_ca
>     server: https://yep.yep:6443
8,9c8,9
<     certificate-authority-data: $old_ca
<     server: https://192.168.7.9:6443/clusters/root
---
>     certificate-authority-data: $new_ca
>     server: https://yep.yep:6443/clusters/root"
  # kubectl reads the result
  run kubectl --kubeconfig test.yaml config view -o jsonpath='{.clusters[*].cluster.server}'
  assert_success
  assert_output "https://yep.yep:6443 https://yep.yep:6443/clusters/root"
}

@test "switch-domain: a missing context exits 10; each bad input has its own message and writes nothing" {
  run --separate-stderr switch-domain admin.kubeconfig out.yaml nope yep.yep 6443 alt-ca.crt
  assert_failure 10
  assert_equal "$stderr" 'switch-domain: there is no context named "nope" in admin.kubeconfig'
  check() { # expected-stderr args...
    local want="$1"; shift
    run --separate-stderr switch-domain "$@"
    assert_failure 1
    assert_output ""
    assert_equal "$stderr" "switch-domain: $want"
    [ ! -e out.yaml ] || fail "out.yaml was written for: $*"
  }
  check 'cannot read the input kubeconfig missing.yaml: no such file' missing.yaml out.yaml root yep.yep 6443 alt-ca.crt
  check 'cannot read the CA certificate file missing.crt: no such file' admin.kubeconfig out.yaml root yep.yep 6443 missing.crt
  check 'the CA certificate file admin.kubeconfig does not hold a PEM certificate' admin.kubeconfig out.yaml root yep.yep 6443 admin.kubeconfig
  check 'the port must be a number from 1 to 65535, not "http"' admin.kubeconfig out.yaml root yep.yep http alt-ca.crt
  check 'the port must be a number from 1 to 65535, not "0"' admin.kubeconfig out.yaml root yep.yep 0 alt-ca.crt
  check 'the domain "yep_yep" is not a DNS name or IP address: its label "yep_yep" contains "_"; only letters, digits and '"'-'"' are allowed' admin.kubeconfig out.yaml root yep_yep 6443 alt-ca.crt
  check "cannot write nodir/out.yaml: directory $TEST_TMP/nodir: no such file" admin.kubeconfig nodir/out.yaml root yep.yep 6443 alt-ca.crt
  check 'the output kubeconfig must not be the input kubeconfig admin.kubeconfig' admin.kubeconfig ./admin.kubeconfig root yep.yep 6443 alt-ca.crt
  check 'expected 6 arguments (IN OUT CONTEXT DOMAIN PORT CACERT), got 5' admin.kubeconfig out.yaml root yep.yep 6443
  check 'too many arguments: expected at most 6 (IN OUT CONTEXT DOMAIN PORT CACERT), got 7' admin.kubeconfig out.yaml root yep.yep 6443 alt-ca.crt extra
  printf 'clusters: [\n' > broken.yaml
  run --separate-stderr switch-domain broken.yaml out.yaml root yep.yep 6443 alt-ca.crt
  assert_failure 1
  [[ "$stderr" == "switch-domain: broken.yaml is not valid YAML: "* ]] || fail "$stderr"
  [ ! -e out.yaml ]
  run --separate-stderr wait-and-switch-domain admin.kubeconfig out.yaml root yep.yep 0 alt-ca.crt
  assert_failure 1
  assert_equal "$stderr" 'wait-and-switch-domain: the port must be a number from 1 to 65535, not "0"'
}

@test "wait-and-switch-domain waits for the server to answer, then writes OUT" {
  start_server after:1500
  write_kubeconfig 127.0.0.1 "$PORT" > admin.kubeconfig
  run --separate-stderr timeout 60 wait-and-switch-domain --timeout 45s admin.kubeconfig alt.yaml root yep.yep 443 alt-ca.crt
  assert_success
  [[ "$stderr" == "Waiting for the server of admin.kubeconfig to answer"* ]] || fail "$stderr"
  [[ "$stderr" == *"The server of admin.kubeconfig answered after "* ]] || fail "$stderr"
  # it polled more than once (503 first), with the kubeconfig's token, in the root workspace
  [ "$(grep -c 'GET /clusters/root/api/v1/namespaces' server.log)" -ge 2 ] || fail "$(cat server.log)"
  run kubectl --kubeconfig alt.yaml config view -o jsonpath='{.clusters[*].cluster.server}'
  assert_output "https://yep.yep:443 https://yep.yep:443/clusters/root"
  assert_equal "$(diff admin.kubeconfig alt.yaml | grep -c '^[<>]')" 8
}

@test "wait-and-switch-domain waits for IN to appear" {
  start_server after:0
  (sleep 1; write_kubeconfig 127.0.0.1 "$PORT" > admin.tmp; mv admin.tmp later.kubeconfig) &
  run --separate-stderr timeout 60 wait-and-switch-domain --timeout 30s later.kubeconfig alt.yaml root yep.yep 6443 alt-ca.crt
  assert_success
  [ -s alt.yaml ]
}

@test "wait-and-switch-domain: a server that says 401 fails at once (exit 6), one that never answers ends in exit 8; no OUT" {
  start_server 401
  write_kubeconfig 127.0.0.1 "$PORT" > admin.kubeconfig
  SECONDS=0
  # no --timeout: a rejected token is an answer, not a server that is still starting
  run --separate-stderr timeout 30 wait-and-switch-domain admin.kubeconfig alt.yaml root yep.yep 6443 alt-ca.crt
  assert_failure 6
  [ "$SECONDS" -lt 10 ] || fail "took ${SECONDS}s"
  [[ "${stderr##*$'\n'}" == "wait-and-switch-domain: "*"nauthorized"* ]] || fail "$stderr"
  [ ! -e alt.yaml ]
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; rm -f port

  start_server never
  write_kubeconfig 127.0.0.1 "$PORT" > admin.kubeconfig
  SECONDS=0
  run --separate-stderr timeout 30 wait-and-switch-domain --timeout 2s admin.kubeconfig alt.yaml root yep.yep 6443 alt-ca.crt
  assert_failure 8
  [ "$SECONDS" -lt 15 ] || fail "took ${SECONDS}s"
  [[ "${stderr##*$'\n'}" == "wait-and-switch-domain: timed out after "* ]] || fail "$stderr"
  [ ! -e alt.yaml ]

  run --separate-stderr wait-and-switch-domain --timeout soon admin.kubeconfig alt.yaml root yep.yep 6443 alt-ca.crt
  assert_failure 1
  assert_equal "$stderr" 'wait-and-switch-domain: --timeout "soon" is not a duration like 30s, 2m or 1h'
}

@test "end to end: our credentials served for a domain, the alternate kubeconfig, and kubectl (Go's TLS) trusting only our CA" {
  eval pieces=($(kubestellar-ensure-kcp-server-creds localhost 2>/dev/null))
  cp "${pieces[1]}" server.crt && cp "${pieces[2]}" server.key
  start_server after:0
  write_kubeconfig 192.168.7.9 6443 > admin.kubeconfig
  run --separate-stderr switch-domain admin.kubeconfig alt.yaml root localhost "$PORT" "${pieces[0]}"
  assert_success
  run timeout 30 kubectl --kubeconfig alt.yaml get --raw /api/v1/namespaces
  assert_success
  assert_output --partial '"kind":"NamespaceList"'
  # the same request against a CA that did not sign the server certificate is refused
  run --separate-stderr switch-domain admin.kubeconfig other.yaml root localhost "$PORT" alt-ca.crt
  assert_success
  run timeout 30 kubectl --kubeconfig other.yaml get --raw /api/v1/namespaces
  assert_failure 1
  assert_output --regexp "^Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority"
}
