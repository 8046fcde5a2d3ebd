#!/usr/bin/env bats
# bootstrap/bootstrap.mjs, piped into `node -` as the README says, against a local HTTPS
# mirror of the release pages (bootstrap-helpers.bash): from nothing to a running kcp
# (kubestellar-sandbox behind a `kcp` stand-in) and KubeStellar, checksums enforced,
# re-runs that download nothing, and every bad flag value refused before any download.
load helpers
load bootstrap-helpers

setup_file() {
  bs_build_mirror "$BATS_FILE_TMPDIR/mirror"
  bs_start_mirror "$BATS_FILE_TMPDIR/mirror"
}
teardown_file() { bs_stop_mirror; }

setup() {
  setup_tmp
  # A user's machine: kubectl and node, but none of the suite, kcp or KubeStellar on PATH.
  PATH="${PATH//$REPO_ROOT\/bin:/}"
  export PATH
  export KUBESTELLAR_LAUNCH_CHECK_MS=300 KUBESTELLAR_BOOTSTRAP_RETRY_MS=50
  INST="$TEST_TMP/inst"
  GOOD="$BS_MIRROR/good"
}

teardown() {
  bs_kill_under "$TEST_TMP"
  teardown_tmp
}

# the archives fetched by a run, by name
archives_fetched() { bs_requests_since "$1" | awk '$3 == 200 {print $2}' | grep -E '\.(tar\.gz|tgz)$' | sed 's#.*/##' | LC_ALL=C sort; }

@test "from nothing to a running KubeStellar: ensure location works with the printed exports; a re-run reuses it all" {
  mark="$(bs_log_mark)"
  run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64 --bind-address 127.0.0.1
  echo "$stderr" >&2
  assert_success
  assert_equal "$(archives_fetched "$mark" | tr '\n' ' ')" \
    "kcp_0.11.0_linux_amd64.tar.gz kubectl-kcp-plugin_0.11.0_linux_amd64.tar.gz kubestellar-zx-${BS_VERSION#v}.tgz kubestellar_${BS_VERSION}_linux_amd64.tar.gz "
  # the original's closing lines, exactly, then the summary
  assert_equal "${lines[0]}" '< KubeStellar bootstrap completed successfully >-'
  assert_equal "${lines[1]}" 'Please create/update the following environment variables: '
  assert_equal "${lines[2]}" "export PATH=\"$INST/kcp/bin:\$PATH\""
  assert_equal "${lines[3]}" "export KUBECONFIG=\"$TEST_TMP/.kcp/admin.kubeconfig\""
  assert_equal "${lines[4]}" "export PATH=\"$INST/kubestellar/bin:\$PATH\""
  assert_equal "${lines[5]}" "export PATH=\"$INST/kubestellar-zx/bin:\$PATH\""
  assert_line --index 6 --regexp "^Summary: installed kcp v0.11.0 \(downloaded\), KubeStellar $BS_VERSION \(downloaded\), kubestellar-zx $BS_VERSION \(downloaded\); kcp started \(pid [0-9]+, log $TEST_TMP/kcp_log.txt\); KubeStellar controllers started\.\$"
  [ "${#lines[@]}" -eq 7 ]
  exports="$(grep '^export ' <<<"$output")"
  [[ "$stderr" == *"Downloaded $GOOD/github.com/kubestellar/kubestellar/releases/download/$BS_VERSION/kubestellar_${BS_VERSION}_linux_amd64.tar.gz"* ]]
  [[ "$stderr" == *"Running kcp bound to address 127.0.0.1... logfile=$TEST_TMP/kcp_log.txt"* ]]
  [[ "$stderr" == *"kcp version v0.11.0 ... ok"* ]]
  [[ "$stderr" == *"Launching KubeStellar ..."* ]]

  # the original's layout, and nothing left over from downloading
  [ -x "$INST/kcp/bin/kcp" ]
  [ "$(readlink "$INST/kcp/bin/kubectl-ws")" = kubectl-workspace ]
  [ -x "$INST/kubestellar/bin/placement-translator" ]
  [ -f "$INST/kubestellar/core-helm-chart/Chart.yaml" ]
  [ -x "$INST/kubestellar-zx/bin/kubectl-kubestellar-ensure-location" ]
  run find "$INST" -name '*.partial' -o -name '.staging-*'
  assert_output ''
  grep -q 'kcp stand-in: start --bind-address 127.0.0.1' "$TEST_TMP/kcp_log.txt"
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do
    pid="$(jq -r .pid "$HOME/.kubestellar/run/$c.pid.json")"
    kill -0 "$pid"
    grep -q "$c stand-in started" "$TEST_TMP/kubestellar-logs/$c-log.txt"
  done

  # a user pastes the export lines; the suite's commands come before the archive's scripts
  eval "$exports"
  assert_equal "$(command -v kubestellar)" "$INST/kubestellar-zx/bin/kubestellar"
  run --separate-stderr kubectl kubestellar ensure location --imw root:imw1 florin env=prod
  assert_success
  run kubectl --server "$(sed -n 's/^    server: \(https:\/\/[^/]*\)$/\1/p' "$KUBECONFIG" | head -1)/clusters/root:imw1" \
    get synctargets.edge.kubestellar.io florin -o jsonpath='{.metadata.labels.env} {.metadata.labels.id}'
  assert_success
  assert_output 'prod florin'

  # run again as that user: everything found, the running kcp and controllers reused, nothing
  # fetched but the name of the latest release
  mark="$(bs_log_mark)"
  run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64
  echo "$stderr" >&2
  assert_success
  assert_equal "$(bs_requests_since "$mark")" 'GET /good/registry.npmjs.org/kubestellar-zx/latest 200'
  [[ "$stderr" == *"kcp found in the PATH at '$INST/kcp/bin/kcp' ... skip installation."* ]]
  [[ "$stderr" == *"kcp process is running already: pid="*"... skip running."* ]]
  [[ "$stderr" == *"KubeStellar processes are running ... ok"* ]]
  [[ "$stderr" == *"KubeStellar ESPW found ... ok"* ]]
  assert_line --index 0 '< KubeStellar bootstrap completed successfully >-'
  assert_line --index 1 --partial 'Summary: installed kcp (found on PATH), KubeStellar (found on PATH), kubestellar-zx'
  [ "${#lines[@]}" -eq 2 ]
  kubestellar stop >/dev/null
}

@test "a re-run downloads nothing that is installed and verified; a changed file is downloaded again" {
  run bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64 --deploy false --kubestellar-version "$BS_VERSION" -V
  assert_success
  assert_line --partial 'not deployed (--deploy false)'
  assert_line "kubestellar-zx-${BS_VERSION#v}.tgz: sha512 matches the published checksum"

  mark="$(bs_log_mark)"
  run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64 --deploy false --kubestellar-version "$BS_VERSION"
  assert_success
  assert_equal "$(bs_requests_since "$mark")" ''
  [[ "$stderr" == *"kcp+plugins v0.11.0 already installed in '$INST/kcp' (verified) ... skip download."* ]]
  [[ "$stderr" == *"KubeStellar $BS_VERSION already installed in '$INST/kubestellar' (verified) ... skip download."* ]]
  [[ "$stderr" == *"kubestellar-zx $BS_VERSION already installed in '$INST/kubestellar-zx' (verified) ... skip download."* ]]
  # the same export lines as the first run, for a user who did not keep them
  assert_line "export PATH=\"$INST/kcp/bin:\$PATH\""
  assert_line "export PATH=\"$INST/kubestellar-zx/bin:\$PATH\""

  echo tampered >>"$INST/kcp/bin/kcp"
  mark="$(bs_log_mark)"
  run bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64 --deploy false --kubestellar-version "$BS_VERSION"
  assert_success
  assert_equal "$(archives_fetched "$mark" | tr '\n' ' ')" "kcp_0.11.0_linux_amd64.tar.gz kubectl-kcp-plugin_0.11.0_linux_amd64.tar.gz "
  run grep -c tampered "$INST/kcp/bin/kcp"
  assert_output 0
}

@test "an archive that does not match its published checksum is refused: download removed, nothing installed" {
  run --separate-stderr bootstrap --mirror "$BS_MIRROR/bad" --ensure-folder "$INST" --os linux --arch amd64 --deploy false
  assert_failure 1
  assert_output ''
  [[ "${stderr##*$'\n'}" == "bootstrap.mjs: kcp_0.11.0_linux_amd64.tar.gz: checksum mismatch (sha256 "*", published "*"); removed the download, installed nothing" ]]
  # the plugins archive had been unpacked into staging: gone too, as is every partial file
  [ ! -e "$INST" ]
}

@test "an archive entry that would land outside the installation folder is refused" {
  run --separate-stderr bootstrap --mirror "$BS_MIRROR/evil" --ensure-folder "$INST" --os linux --arch amd64 --deploy false
  assert_failure 1
  assert_equal "${stderr##*$'\n'}" 'bootstrap.mjs: archive entry "../escaped" would be written outside the installation folder'
  [ ! -e "$INST" ] && [ ! -e "$TEST_TMP/escaped" ]
}

@test "a release that does not exist: the URL and HTTP status, before any archive is fetched" {
  mark="$(bs_log_mark)"
  run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64 --deploy false --kubestellar-version v0.99.0 -X
  assert_failure 1
  [[ "$stderr" == *"+ GET $GOOD/github.com/kubestellar/kubestellar/releases/download/v0.99.0/checksums256.txt"* ]]
  assert_equal "${stderr##*$'\n'}" "bootstrap.mjs: $GOOD/github.com/kubestellar/kubestellar/releases/download/v0.99.0/checksums256.txt: HTTP 404 Not Found (is there such a KubeStellar release?)"
  assert_equal "$(archives_fetched "$mark")" ''
  [ ! -e "$INST/kcp/bin" ]
}

@test "transient failures are retried with back-off; a mirror that stays down is given up on, naming URL and status" {
  run --separate-stderr bootstrap --mirror "$BS_MIRROR/flaky" --ensure-folder "$INST" --os linux --arch amd64 --deploy false
  assert_success
  [[ "$stderr" == *"/flaky/github.com/kubestellar/kubestellar/releases/download/v0.12.0/kcp_0.11.0_linux_amd64.tar.gz: HTTP 503 Service Unavailable; retrying in 0.1 s (attempt 2 of 4)"* ]]
  [ -x "$INST/kubestellar-zx/bin/kubestellar" ]

  run --separate-stderr bootstrap --mirror "$BS_MIRROR/down" --ensure-folder "$TEST_TMP/other" --os linux --arch amd64 --deploy false
  assert_failure 1
  assert_equal "${stderr##*$'\n'}" "bootstrap.mjs: $BS_MIRROR/down/registry.npmjs.org/kubestellar-zx/latest: HTTP 503 Service Unavailable (gave up after 4 attempts)"
}

@test "--external-endpoint deploys into the hosting cluster with kubectl kubestellar deploy and fetches the external kubeconfig" {
  # a kubectl that records its arguments (the deploy itself is tested in deploy.bats)
  mkdir -p "$TEST_TMP/fake"
  bs_exe "$TEST_TMP/fake/kubectl" "#!/usr/bin/env bash
echo \"\$*\" >>'$TEST_TMP/kubectl.log'
case \"\$*\" in
  'get ns '*) exit 1 ;;
  *get-external-kubeconfig*) for a; do [ \"\$prev\" = -o ] && echo 'apiVersion: v1' >\"\$a\"; prev=\$a; done ;;
esac
exit 0"
  PATH="$TEST_TMP/fake:$PATH" run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" --os linux --arch amd64 \
    --endpoint-address ks.example.com:1119 --host-ns ks-core
  assert_success
  run cat "$TEST_TMP/kubectl.log"
  assert_output "get ns ks-core
create ns ks-core
kubestellar deploy --external-endpoint ks.example.com:1119 -n ks-core
kubestellar get-external-kubeconfig -n ks-core -o $INST/kubestellar.kubeconfig"
  [ -s "$INST/kubestellar.kubeconfig" ]
  [ ! -e "$TEST_TMP/.kcp" ]
}

@test "every flag's bad value is refused with one line, exit 1, before anything is downloaded or created" {
  touch "$TEST_TMP/a-file"
  mark="$(bs_log_mark)"
  bad=(
    '--kubestellar-version 0.14.0|--kubestellar-version must be "latest" or a release like v0.14.0, not "0.14.0"'
    '--kcp-version latest|--kcp-version must be a release like v0.11.0, not "latest"'
    '--openshift yes|--openshift value must be '"'true' or 'false'"', not "yes"'
    '--deploy no|--deploy value must be '"'true' or 'false'"', not "no"'
    '--external-endpoint ks.example.com|--external-endpoint must have the form domain-name:port, not "ks.example.com"'
    '--endpoint-address a:b:443|--endpoint-address must have the form domain-name:port, not "a:b:443"'
    '--external-endpoint ks.example.com:99999|--external-endpoint must have the form domain-name:port (port 1-65535), not "ks.example.com:99999"'
    '--os windows|--os must be linux or darwin, not "windows"'
    '--arch x86_64|--arch must be amd64 or arm64, not "x86_64"'
    '--bind-address 10.0.0|--bind-address must be an IP address, not "10.0.0"'
    "--ensure-folder $TEST_TMP/a-file|--ensure-folder names a file that is not a folder, not \"$TEST_TMP/a-file\""
    '--host-ns Two_Words|--host-ns must be one namespace name (lowercase letters, digits and "-"), not "Two_Words"'
    '--ensure-imw imw1,Bad!|--ensure-imw has "Bad!", not a workspace name like imw1 or root:imw1, not "imw1,Bad!"'
    '--ensure-wmw root:a:b|--ensure-wmw has "root:a:b", not a workspace name like imw1 or root:imw1, not "root:a:b"'
    '--mirror ftp://x|--mirror must be an http(s) URL, not "ftp://x"'
    '--deploy|missing value for --deploy'
    '--frobnicate|unknown flag "--frobnicate" (see --help)'
    'extra|unknown positional argument "extra" (see --help)'
    '-V=1|unknown flag "-V=1" (see --help)'
  )
  for case in "${bad[@]}"; do
    read -ra args <<<"${case%%|*}"
    run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" "${args[@]}"
    [ "$status" -eq 1 ] || { echo "exit $status for ${args[*]}" >&2; return 1; }
    assert_output ''
    assert_equal "$stderr" "bootstrap.mjs: ${case#*|}"
  done
  run --separate-stderr bootstrap --mirror "$GOOD" --ensure-folder "$INST" --deploy=maybe
  assert_failure 1
  assert_equal "$stderr" "bootstrap.mjs: --deploy value must be 'true' or 'false', not \"maybe\""
  KUBESTELLAR_BOOTSTRAP_MIRROR=not-a-url run --separate-stderr bootstrap --ensure-folder "$INST"
  assert_failure 1
  assert_equal "$stderr" 'bootstrap.mjs: --mirror must be an http(s) URL, not "not-a-url" (from $KUBESTELLAR_BOOTSTRAP_MIRROR)'
  assert_equal "$(bs_requests_since "$mark")" ''
  [ ! -e "$INST" ]
}

@test "-h prints the usage on stdout and exits 0; a bad value before it is still refused" {
  run --separate-stderr bootstrap --os windows -h
  assert_failure 1
  run --separate-stderr bootstrap -h --deploy false
  assert_success
  assert_line --index 0 --partial 'Usage: bootstrap.mjs [--kubestellar-version release_version]'
  assert_output --partial '--external-endpoint H:P'
  assert_equal "$stderr" ''
}
