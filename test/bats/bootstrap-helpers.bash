# The bootstrap tests' release mirror: release archives built here, served over HTTPS on
# 127.0.0.1 by fixtures/bootstrap-mirror.mjs, laid out as bootstrap.mjs --mirror expects
# (MIRROR/<host>/<path of the original URL>).
#   good/   kcp (a `kcp` that runs kubestellar-sandbox in kcp's layout) and its plugins,
#           KubeStellar v0.14.0 (stand-in controllers that run until signalled, stand-ins
#           for the original scripts that fail if ever run), this package from `npm pack`,
#           each with the checksums its release publishes
#   bad/    the same, but the kcp server archive corrupted after its checksum was published
#   evil/   the same, but kcp's plugins archive (checksum published) has an entry ../escaped
# bs_start_mirror exports BS_MIRROR (https://127.0.0.1:PORT), BS_MIRROR_LOG, BS_MIRROR_PID,
# and NODE_EXTRA_CA_CERTS (the mirror's CA, so that node trusts it).

BS_VERSION="v$(jq -r .version "$REPO_ROOT/package.json")"
BS_OS=linux
BS_ARCH=amd64

# an executable file: bs_exe PATH CONTENT
bs_exe() {
  mkdir -p "$(dirname "$1")"
  printf '%s\n' "$2" >"$1"
  chmod 755 "$1"
}

# a release folder's checksums file: bs_sums DIR FILE [archives...]
bs_sums() {
  local dir="$1" out="$2"
  shift 2
  (cd "$dir" && sha256sum "$@") >"$dir/$out"
}

bs_build_mirror() {
  local m="$1" g="$1/good" work="$1/work"
  mkdir -p "$work"

  # kcp's server: KubeStellar's v0.12.0 release carries the kcp 0.11.0 build
  local kcpdir="$g/github.com/kubestellar/kubestellar/releases/download/v0.12.0"
  mkdir -p "$kcpdir" "$work/kcp"
  # #!/bin/bash (not env) so that the process is named kcp, as `kubestellar start` checks
  bs_exe "$work/kcp/bin/kcp" "#!/bin/bash
# Stand-in for kcp v0.11.0: 'kcp start [--bind-address IP]' serves kubestellar-sandbox in
# kcp's layout (./.kcp/admin.kubeconfig) until it is signalled.
[ \"\$1\" = start ] || { echo 'kcp stand-in: only kcp start is emulated' >&2; exit 1; }
shift
echo \"kcp stand-in: start \$*\"
extra=()
while [ \$# -gt 0 ]; do
  case \"\$1\" in
    --bind-address) extra+=(--bind-address \"\$2\"); shift 2 ;;
    *) echo \"kcp stand-in: unexpected argument \$1\" >&2; exit 1 ;;
  esac
done
'$REPO_ROOT/bin/kubestellar-sandbox' start --root-directory .kcp --secure-port 0 \"\${extra[@]}\" &
child=\$!
trap 'kill -TERM \$child 2>/dev/null; wait \$child; exit 0' TERM INT
wait \$child"
  printf 'kcp stand-in\n' >"$work/kcp/LICENSE"
  tar -C "$work/kcp" -czf "$kcpdir/kcp_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz" bin LICENSE
  bs_sums "$kcpdir" checksums256.txt "kcp_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz"

  # kcp's kubectl plugins, from kcp's own release (goreleaser's checksums file)
  local plugdir="$g/github.com/kcp-dev/kcp/releases/download/v0.11.0"
  mkdir -p "$plugdir" "$work/plugins/bin"
  bs_exe "$work/plugins/bin/kubectl-kcp" '#!/usr/bin/env bash
echo "kubectl-kcp stand-in: not expected to run" >&2; exit 99'
  bs_exe "$work/plugins/bin/kubectl-workspace" '#!/usr/bin/env bash
echo "kubectl-workspace stand-in: not expected to run" >&2; exit 99'
  ln -s kubectl-workspace "$work/plugins/bin/kubectl-ws"
  ln -s kubectl-workspace "$work/plugins/bin/kubectl-workspaces"
  tar -C "$work/plugins" -czf "$plugdir/kubectl-kcp-plugin_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz" bin
  bs_sums "$plugdir" kcp_0.11.0_checksums.txt "kubectl-kcp-plugin_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz"

  # KubeStellar's release archive: bin/ (controllers + the original scripts), config/, chart
  local ksdir="$g/github.com/kubestellar/kubestellar/releases/download/$BS_VERSION"
  mkdir -p "$ksdir" "$work/ks/config" "$work/ks/core-helm-chart"
  for c in mailbox-controller kubestellar-where-resolver placement-translator; do
    bs_exe "$work/ks/bin/$c" "#!/usr/bin/env bash
# Stand-in controller: runs until signalled.
echo \"$c stand-in started: \$*\"
trap 'kill \$! 2>/dev/null; exit 0' TERM INT
sleep 1000 & wait"
  done
  for s in kubestellar kubectl-kubestellar kubectl-kubestellar-ensure-location; do
    bs_exe "$work/ks/bin/$s" "#!/usr/bin/env bash
echo 'the release archive\\'s $s ran, not the suite\\'s' >&2; exit 99"
  done
  bs_exe "$work/ks/bin/kubestellar-release" "#!/usr/bin/env bash
echo $BS_VERSION"
  printf 'name: kubestellar-chart\nversion: 7\n' >"$work/ks/core-helm-chart/Chart.yaml"
  printf 'stand-in\n' >"$work/ks/config/README"
  printf 'KubeStellar stand-in\n' >"$work/ks/README.md"
  printf 'stand-in\n' >"$work/ks/LICENSE"
  tar -C "$work/ks" -czf "$ksdir/kubestellar_${BS_VERSION}_${BS_OS}_${BS_ARCH}.tar.gz" bin config core-helm-chart README.md LICENSE
  bs_sums "$ksdir" checksums256.txt "kubestellar_${BS_VERSION}_${BS_OS}_${BS_ARCH}.tar.gz"

  # this package, packed from the working tree (dist/ is built by test/run-all.sh)
  local npmdir="$g/registry.npmjs.org/kubestellar-zx"
  mkdir -p "$npmdir/-"
  (cd "$REPO_ROOT" && npm pack --ignore-scripts --silent --pack-destination "$npmdir/-" >/dev/null 2>&1)
  local tgz="kubestellar-zx-${BS_VERSION#v}.tgz"
  [ -f "$npmdir/-/$tgz" ] || { echo "npm pack did not produce $tgz" >&2; return 1; }
  local integrity
  integrity="sha512-$(openssl dgst -sha512 -binary "$npmdir/-/$tgz" | base64 -w0)"
  jq -n --arg v "${BS_VERSION#v}" --arg i "$integrity" --arg t "https://registry.npmjs.org/kubestellar-zx/-/$tgz" \
    '{name: "kubestellar-zx", version: $v, dist: {integrity: $i, tarball: $t}}' >"$npmdir/${BS_VERSION#v}"
  cp "$npmdir/${BS_VERSION#v}" "$npmdir/latest"

  # bad/: a byte of kcp's server archive changed after the checksums were published
  cp -r "$g" "$m/bad"
  local bad="$m/bad/github.com/kubestellar/kubestellar/releases/download/v0.12.0/kcp_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz"
  printf 'X' | dd of="$bad" bs=1 seek=100 conv=notrunc status=none

  # evil/: a kcp plugins archive, correctly published, whose entry climbs out of the folder
  cp -r "$g" "$m/evil"
  local evil="$m/evil/github.com/kcp-dev/kcp/releases/download/v0.11.0"
  mkdir -p "$work/evil/in"
  printf 'escaped\n' >"$work/evil/escaped"
  (cd "$work/evil/in" && tar -czPf "$evil/kubectl-kcp-plugin_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz" ../escaped)
  bs_sums "$evil" kcp_0.11.0_checksums.txt "kubectl-kcp-plugin_0.11.0_${BS_OS}_${BS_ARCH}.tar.gz"

  # the mirror's own CA and serving certificate (127.0.0.1)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=bootstrap-test-ca \
    -keyout "$m/ca.key" -out "$m/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -keyout "$m/server.key" -out "$m/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$m/san.ext"
  openssl x509 -req -in "$m/server.csr" -CA "$m/ca.crt" -CAkey "$m/ca.key" -CAcreateserial -days 1 \
    -extfile "$m/san.ext" -out "$m/server.crt" 2>/dev/null
  rm -rf "$work"
}

bs_start_mirror() {
  local m="$1" i
  rm -f "$m/port"
  : >"$m/requests.log"
  node "$REPO_ROOT/test/bats/fixtures/bootstrap-mirror.mjs" "$m" "$m/server.crt" "$m/server.key" "$m/port" "$m/requests.log" \
    >"$m/mirror.out" 2>&1 3>&- &
  BS_MIRROR_PID=$!
  for ((i = 0; i < 200; i++)); do
    [ -s "$m/port" ] && break
    kill -0 "$BS_MIRROR_PID" 2>/dev/null || { cat "$m/mirror.out" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$m/port" ] || { echo "mirror did not start" >&2; return 1; }
  BS_MIRROR="https://127.0.0.1:$(cat "$m/port")"
  BS_MIRROR_LOG="$m/requests.log"
  NODE_EXTRA_CA_CERTS="$m/ca.crt"
  export BS_MIRROR BS_MIRROR_LOG BS_MIRROR_PID NODE_EXTRA_CA_CERTS
}

bs_stop_mirror() {
  [ -n "${BS_MIRROR_PID:-}" ] || return 0
  kill -TERM "$BS_MIRROR_PID" 2>/dev/null
  wait "$BS_MIRROR_PID" 2>/dev/null || true
  unset BS_MIRROR_PID
}

# bs_log_mark / bs_requests_since MARK: mirror requests after MARK, one "GET /path STATUS" a line
bs_log_mark() { wc -l <"$BS_MIRROR_LOG" | tr -d ' '; }
bs_requests_since() { tail -n +"$(($1 + 1))" "$BS_MIRROR_LOG"; }

# bootstrap ARGS...: the README's way, the script piped into `node -`
bootstrap() { node - "$@" <"$REPO_ROOT/bootstrap/bootstrap.mjs"; }

# bs_kill_under DIR: every process whose command line names DIR (kcp, the controllers),
# with the process group it leads (the sandbox under kcp, a controller's sleep).
bs_kill_under() {
  local dir="$1" p pgid
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$dir" || continue
    pgid="$(awk '{print $5}' "/proc/$p/stat" 2>/dev/null)"
    if [ "$pgid" = "$p" ]; then kill -TERM -- "-$p" 2>/dev/null; else kill -TERM "$p" 2>/dev/null; fi
  done
  return 0
}
