# Loaded by every bats file: the suite's bin/ first on PATH (as a user who installed
bats_require_minimum_version 1.5.0
# it), the bats assertion libraries, a private temp dir, and the real tools.
REPO_ROOT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)"
export REPO_ROOT
export PATH="$REPO_ROOT/bin:$REPO_ROOT/.tools/bin:$PATH"
export NO_COLOR=1
load "$REPO_ROOT/node_modules/bats-support/load.bash"
load "$REPO_ROOT/node_modules/bats-assert/load.bash"

# A fresh directory per test, removed afterwards; HOME points there so that no test
# reads or writes the real ~/.kube/config.
setup_tmp() {
  TEST_TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/ks-test.XXXXXX")"
  export TEST_TMP
  export HOME="$TEST_TMP/home"
  mkdir -p "$HOME"
  unset KUBECONFIG
  cd "$TEST_TMP"
}

teardown_tmp() {
  cd /
  [ -n "${TEST_TMP:-}" ] && rm -rf "$TEST_TMP"
}

# Tests that drive real helm call this first: on a machine where test/setup-tools.sh
# could not provide helm (its pinned binaries are linux/x86-64 only) they skip, saying why.
require_helm() {
  if [ -f "$REPO_ROOT/.tools/helm-unavailable" ]; then skip "$(cat "$REPO_ROOT/.tools/helm-unavailable")"; fi
  command -v helm >/dev/null || skip "helm not found: run test/setup-tools.sh"
}
