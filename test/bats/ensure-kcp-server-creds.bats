#!/usr/bin/env bats
# kubestellar-ensure-kcp-server-creds as a user runs it, checked with openssl and easy-rsa
# (Debian packages `openssl` and `easy-rsa`).
load helpers

setup() {
  setup_tmp
  EASYRSA_BIN="${EASYRSA_BIN:-/usr/share/easy-rsa/easyrsa}"
  [ -x "$EASYRSA_BIN" ] || command -v easyrsa >/dev/null || fail "easy-rsa is not installed (apt-get install -y easy-rsa)"
  [ -x "$EASYRSA_BIN" ] || EASYRSA_BIN="$(command -v easyrsa)"
  export EASYRSA_BATCH=1
}
teardown() { teardown_tmp; }

easyrsa() { "$EASYRSA_BIN" "$@"; }

# sha256 of every file in pki/, sorted by path
pki_sums() { (cd pki && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

@test "fresh: one stdout line of three absolute paths, openssl verifies the pair, one SAN" {
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  assert_equal "$output" "$TEST_TMP/pki/ca.crt $TEST_TMP/pki/issued/kcp-DNS-yep.yep.crt $TEST_TMP/pki/private/kcp-DNS-yep.yep.key"
  assert_equal "$stderr" "Created PKI at $TEST_TMP/pki
Created CA at $TEST_TMP/pki/private/ca.key
Issued a certificate for DNS:yep.yep at $TEST_TMP/pki/issued/kcp-DNS-yep.yep.crt"
  run openssl verify -CAfile pki/ca.crt pki/issued/kcp-DNS-yep.yep.crt
  assert_success
  assert_output "pki/issued/kcp-DNS-yep.yep.crt: OK"
  run bash -c "openssl x509 -in pki/issued/kcp-DNS-yep.yep.crt -noout -ext subjectAltName | sed 's/^ *//'"
  assert_output "X509v3 Subject Alternative Name: 
DNS:yep.yep"
  run bash -c "openssl x509 -in pki/issued/kcp-DNS-yep.yep.crt -noout -ext extendedKeyUsage | sed 's/^ *//'"
  assert_output "X509v3 Extended Key Usage: 
TLS Web Server Authentication"
  # the key belongs to the certificate
  assert_equal "$(openssl pkey -in pki/private/kcp-DNS-yep.yep.key -pubout)" "$(openssl x509 -in pki/issued/kcp-DNS-yep.yep.crt -noout -pubkey)"
  assert_equal "$(stat -c %a pki/private pki/private/ca.key pki/private/kcp-DNS-yep.yep.key | tr '\n' ' ')" "700 600 600 "
}

@test "eval pieces=(\$(...)) yields the three files, also in a directory with spaces" {
  for d in plain "with  two spaces" "glob*[x] and 'quote'"; do
    mkdir -p "$TEST_TMP/$d" && cd "$TEST_TMP/$d"
    eval pieces=($(kubestellar-ensure-kcp-server-creds yep.yep 2>/dev/null))
    assert_equal "${#pieces[@]}" 3
    assert_equal "${pieces[0]}" "$TEST_TMP/$d/pki/ca.crt"
    assert_equal "${pieces[1]}" "$TEST_TMP/$d/pki/issued/kcp-DNS-yep.yep.crt"
    assert_equal "${pieces[2]}" "$TEST_TMP/$d/pki/private/kcp-DNS-yep.yep.key"
    for p in "${pieces[@]}"; do [ -f "$p" ] || fail "not a file: $p"; done
    # and again on re-use
    eval again=($(kubestellar-ensure-kcp-server-creds yep.yep 2>/dev/null))
    assert_equal "${again[*]}" "${pieces[*]}"
  done
}

@test "re-use leaves every file byte-identical and says so" {
  kubestellar-ensure-kcp-server-creds yep.yep >/dev/null 2>&1
  before="$(pki_sums)"
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  assert_equal "$stderr" "Re-using PKI at $TEST_TMP/pki
Re-using CA at $TEST_TMP/pki/private/ca.key
Accepting existing credentials"
  assert_equal "$(pki_sums)" "$before"
}

@test "a different domain adds a second pair to the same PKI and CA" {
  kubestellar-ensure-kcp-server-creds yep.yep >/dev/null 2>&1
  ca="$(sha256sum pki/ca.crt)" first="$(sha256sum pki/issued/kcp-DNS-yep.yep.crt)"
  run --separate-stderr kubestellar-ensure-kcp-server-creds other.example.com
  assert_success
  assert_equal "$output" "$TEST_TMP/pki/ca.crt $TEST_TMP/pki/issued/kcp-DNS-other.example.com.crt $TEST_TMP/pki/private/kcp-DNS-other.example.com.key"
  assert_equal "$(sha256sum pki/ca.crt)" "$ca"
  assert_equal "$(sha256sum pki/issued/kcp-DNS-yep.yep.crt)" "$first"
  run openssl verify -CAfile pki/ca.crt pki/issued/kcp-DNS-yep.yep.crt pki/issued/kcp-DNS-other.example.com.crt
  assert_success
  assert_equal "$(cut -f1,6 pki/index.txt)" "V	/CN=kcp-DNS-yep.yep
V	/CN=kcp-DNS-other.example.com"
}

@test "bad input is refused with a reason and leaves no file behind" {
  run --separate-stderr kubestellar-ensure-kcp-server-creds
  assert_failure 1
  assert_equal "$stderr" "kubestellar-ensure-kcp-server-creds: expected one argument (DOMAIN), got 0"
  run --separate-stderr kubestellar-ensure-kcp-server-creds a.b c.d
  assert_failure 1
  assert_equal "$stderr" "kubestellar-ensure-kcp-server-creds: too many arguments: expected at most 1 (DOMAIN), got 2"
  run --separate-stderr kubestellar-ensure-kcp-server-creds "two words"
  assert_failure 2
  assert_equal "$stderr" 'kubestellar-ensure-kcp-server-creds: refusing domain name "two words": it must be one word'
  for bad in "under_score.x" "-lead.x" "dot..dot" "trailing." "10.1.2.3" "*.wild" "a/b" ""; do
    run --separate-stderr kubestellar-ensure-kcp-server-creds -- "$bad"
    assert_failure 2
    assert_output ""
    [[ "$stderr" == "kubestellar-ensure-kcp-server-creds: refusing domain name "* ]] || fail "unexpected: $stderr"
  done
  assert_equal "$(ls -A "$TEST_TMP" | grep -v '^home$' || true)" ""
}

@test "easy-rsa's PKI and CA are re-used: easy-rsa builds them, our command issues from them" {
  easyrsa init-pki >/dev/null 2>&1
  easyrsa --req-cn=easy@1 build-ca nopass >/dev/null 2>&1
  easyrsa --subject-alt-name=DNS:first.one build-server-full first nopass >/dev/null 2>&1
  ca="$(sha256sum pki/ca.crt pki/private/ca.key)"
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  assert_equal "$output" "$TEST_TMP/pki/ca.crt $TEST_TMP/pki/issued/kcp-DNS-yep.yep.crt $TEST_TMP/pki/private/kcp-DNS-yep.yep.key"
  assert_equal "${stderr%%$'\n'*}" "Re-using PKI at $TEST_TMP/pki"
  [[ "$stderr" == *"Re-using CA at $TEST_TMP/pki/private/ca.key"* ]] || fail "$stderr"
  assert_equal "$(sha256sum pki/ca.crt pki/private/ca.key)" "$ca"
  run openssl verify -CAfile pki/ca.crt pki/issued/kcp-DNS-yep.yep.crt
  assert_success
  # easy-rsa sees both certificates, valid, in its database
  run easyrsa show-cert kcp-DNS-yep.yep
  assert_success
  assert_output --partial "DNS:yep.yep"
  assert_equal "$(cut -f1,6 pki/index.txt)" "V	/CN=first
V	/CN=kcp-DNS-yep.yep"
  # the PKI stays usable by easy-rsa afterwards
  run easyrsa --subject-alt-name=DNS:third.one build-server-full third nopass
  assert_success
  run openssl verify -CAfile pki/ca.crt pki/issued/third.crt
  assert_success
}

@test "our PKI is usable by easy-rsa: it issues, shows, revokes and makes a CRL with our database" {
  kubestellar-ensure-kcp-server-creds yep.yep >/dev/null 2>&1
  ours_serial="$(openssl x509 -in pki/issued/kcp-DNS-yep.yep.crt -noout -serial | cut -d= -f2)"
  run easyrsa --subject-alt-name=DNS:other.one build-server-full other nopass
  assert_success
  run openssl verify -CAfile pki/ca.crt pki/issued/other.crt
  assert_success
  run easyrsa show-cert kcp-DNS-yep.yep
  assert_success
  assert_output --partial "DNS:yep.yep"
  other_serial="$(openssl x509 -in pki/issued/other.crt -noout -serial | cut -d= -f2)"
  assert_equal "$(cut -f1,4,6 pki/index.txt)" "V	$ours_serial	/CN=kcp-DNS-yep.yep
V	$other_serial	/CN=other"
  # one check a line: in bats a failing first half of `a && b` does not fail the test
  [ -f "pki/certs_by_serial/$ours_serial.pem" ]
  [ -f "pki/certs_by_serial/$other_serial.pem" ]
  # openssl's own view of the database agrees
  run openssl ca -config pki/safessl-easyrsa.cnf -status "$ours_serial"
  [[ "$output" == *"=Valid"* ]] || fail "$output"
  run easyrsa revoke other
  assert_success
  run easyrsa gen-crl
  assert_success
  run openssl crl -in pki/crl.pem -noout -text
  assert_output --partial "Serial Number: $other_serial"
  # and our command still accepts its own credentials afterwards
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  assert_equal "${stderr##*$'\n'}" "Accepting existing credentials"
}

@test "unsound existing credentials are rejected, said why, and re-issued" {
  # a wrong SAN under the kcp name, made by easy-rsa
  easyrsa init-pki >/dev/null 2>&1
  easyrsa build-ca nopass >/dev/null 2>&1
  easyrsa --subject-alt-name=DNS:wrong.yep build-server-full kcp-DNS-yep.yep nopass >/dev/null 2>&1
  old_serial="$(openssl x509 -in pki/issued/kcp-DNS-yep.yep.crt -noout -serial | cut -d= -f2)"
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  [[ "$stderr" == *"Rejecting existing credentials: their SAN is 'DNS:wrong.yep', not 'DNS:yep.yep'"* ]] || fail "$stderr"
  run bash -c "openssl x509 -in pki/issued/kcp-DNS-yep.yep.crt -noout -ext subjectAltName | tail -1 | tr -d ' '"
  assert_output "DNS:yep.yep"
  assert_equal "$(cut -f1,4 pki/index.txt | head -1)" "R	$old_serial"
  [ -f "pki/revoked/certs_by_serial/$old_serial.crt" ]

  # a key that does not match
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out pki/private/kcp-DNS-yep.yep.key 2>/dev/null
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  [[ "$stderr" == *"Rejecting existing credentials: the key does not match the certificate"* ]] || fail "$stderr"

  # a certificate from another CA
  mkdir other && (cd other && easyrsa init-pki && easyrsa build-ca nopass &&
    easyrsa --subject-alt-name=DNS:yep.yep build-server-full kcp-DNS-yep.yep nopass) >/dev/null 2>&1
  cp other/pki/issued/kcp-DNS-yep.yep.crt pki/issued/ && cp other/pki/private/kcp-DNS-yep.yep.key pki/private/
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  [[ "$stderr" == *"Rejecting existing credentials: the certificate is not signed by the current CA"* ]] || fail "$stderr"
  run openssl verify -CAfile pki/ca.crt pki/issued/kcp-DNS-yep.yep.crt
  assert_success

  # an expired certificate, signed by the current CA with `openssl ca` and dates in the past
  openssl req -new -key pki/private/kcp-DNS-yep.yep.key -subj /CN=kcp-DNS-yep.yep -out old.csr 2>/dev/null
  printf '[ca]\ndefault_ca=x\n[x]\ndatabase=db.txt\nnew_certs_dir=.\nserial=ser\ndefault_md=sha256\npolicy=p\nx509_extensions=e\n[p]\ncommonName=supplied\n[e]\nsubjectAltName=DNS:yep.yep\nextendedKeyUsage=serverAuth\n' > ca.cnf
  : > db.txt; echo 07 > ser
  openssl ca -batch -config ca.cnf -cert pki/ca.crt -keyfile pki/private/ca.key -in old.csr \
    -startdate 20200101000000Z -enddate 20200201000000Z -out pki/issued/kcp-DNS-yep.yep.crt 2>/dev/null
  run openssl verify -CAfile pki/ca.crt pki/issued/kcp-DNS-yep.yep.crt
  assert_output --partial "certificate has expired"
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  [[ "$stderr" == *"Rejecting existing credentials: the certificate expired on 2020-02-01T00:00:00.000Z"* ]] || fail "$stderr"

  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_equal "${stderr##*$'\n'}" "Accepting existing credentials"
}

@test "a Node TLS server with the pair for SNI DOMAIN completes a handshake with a client trusting only the CA" {
  eval pieces=($(kubestellar-ensure-kcp-server-creds yep.yep 2>/dev/null))
  run timeout 20 node --input-type=module -e '
    import tls from "node:tls"; import { readFileSync } from "node:fs";
    const [ca, cert, key] = process.argv.slice(1).map((f) => readFileSync(f));
    const server = tls.createServer({ SNICallback: (n, cb) => cb(null, n === "yep.yep" ? tls.createSecureContext({ cert, key }) : undefined) }, (s) => s.end("ok"));
    server.listen(0, "127.0.0.1", () => {
      const c = tls.connect({ host: "127.0.0.1", port: server.address().port, servername: "yep.yep", ca }, () => {
        console.log(c.authorized ? "authorized" : "refused " + c.authorizationError);
        c.destroy(); server.close();
      });
      c.on("error", (e) => { console.log("error " + e.message); server.close(); });
    });' "${pieces[@]}"
  assert_success
  assert_output "authorized"
}

@test "concurrent runs on a fresh directory share one CA and leave a consistent database" {
  pids=()
  for d in a.yep b.yep c.yep a.yep b.yep c.yep; do
    kubestellar-ensure-kcp-server-creds "$d" >"out.$d.$RANDOM" 2>/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail "a run failed"; done
  run openssl verify -CAfile pki/ca.crt pki/issued/kcp-DNS-a.yep.crt pki/issued/kcp-DNS-b.yep.crt pki/issued/kcp-DNS-c.yep.crt
  assert_success
  for d in a.yep b.yep c.yep; do
    assert_equal "$(openssl pkey -in "pki/private/kcp-DNS-$d.key" -pubout)" "$(openssl x509 -in "pki/issued/kcp-DNS-$d.crt" -noout -pubkey)"
  done
  # one valid entry per name, each valid serial has its certificate
  assert_equal "$(awk -F'\t' '$1 == "V" { print $6 }' pki/index.txt | sort | tr '\n' ' ')" "/CN=kcp-DNS-a.yep /CN=kcp-DNS-b.yep /CN=kcp-DNS-c.yep "
  for s in $(awk -F'\t' '$1 == "V" { print $4 }' pki/index.txt); do [ -f "pki/certs_by_serial/$s.pem" ] || fail "no certs_by_serial/$s.pem"; done
  [ ! -e pki/.kubestellar-pki.lock ]
  run --separate-stderr kubestellar-ensure-kcp-server-creds b.yep
  assert_equal "${stderr##*$'\n'}" "Accepting existing credentials"
}

@test "credentials KubeStellar v0.14 made under its own file names are re-used, not issued again" {
  # as v0.14's scripts leave a PKI: easy-rsa CA, an EC server pair named kcp-server-<hash of "DOMAIN\n">
  base="kcp-server-$(printf 'yep.yep\n' | sha256sum | cut -c2-34)"
  assert_equal "$(printf 'kubestellar\n' | sha256sum | cut -c2-34)" 60cd20ab3c6e8611d6cc258f0329c61e9
  easyrsa init-pki >/dev/null 2>&1
  easyrsa --req-cn=easy@1 build-ca nopass >/dev/null 2>&1
  easyrsa --use-algo=ec --days=10000 --subject-alt-name=DNS:yep.yep build-server-full "$base" nopass >/dev/null 2>&1
  [ -s "pki/issued/$base.crt" ]
  before="$(pki_sums)"
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  assert_equal "$output" "$TEST_TMP/pki/ca.crt $TEST_TMP/pki/issued/$base.crt $TEST_TMP/pki/private/$base.key"
  assert_equal "${stderr##*$'\n'}" "Accepting existing credentials"
  assert_equal "$(pki_sums)" "$before"
  # another domain's v0.14 pair does not count: ours are issued under our name
  run --separate-stderr kubestellar-ensure-kcp-server-creds other.yep
  assert_success
  assert_equal "$output" "$TEST_TMP/pki/ca.crt $TEST_TMP/pki/issued/kcp-DNS-other.yep.crt $TEST_TMP/pki/private/kcp-DNS-other.yep.key"
}

@test "v0.14-named credentials that are not sound (wrong SAN) are not used" {
  base="kcp-server-$(printf 'yep.yep\n' | sha256sum | cut -c2-34)"
  easyrsa init-pki >/dev/null 2>&1
  easyrsa --req-cn=easy@1 build-ca nopass >/dev/null 2>&1
  easyrsa --use-algo=ec --subject-alt-name=DNS:wrong.yep build-server-full "$base" nopass >/dev/null 2>&1
  run --separate-stderr kubestellar-ensure-kcp-server-creds yep.yep
  assert_success
  assert_equal "$output" "$TEST_TMP/pki/ca.crt $TEST_TMP/pki/issued/kcp-DNS-yep.yep.crt $TEST_TMP/pki/private/kcp-DNS-yep.yep.key"
  [[ "$stderr" == *"Issued a certificate for DNS:yep.yep"* ]]
}
