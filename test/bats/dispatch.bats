#!/usr/bin/env bats
# The kubectl plugin dispatchers, through the real kubectl plugin mechanism.
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "kubectl plugin list finds every kubectl-kubestellar executable without warnings" {
  # Only directories that exist: `npm test` prepends absent node_modules/.bin entries,
  # about which kubectl warns whatever the plugins are.
  local dirs=() d
  IFS=: read -ra all <<<"$PATH"
  for d in "${all[@]}"; do [ -d "$d" ] && dirs+=("$d"); done
  PATH=$(IFS=:; echo "${dirs[*]}") run --separate-stderr kubectl plugin list
  assert_success
  for exe in "$REPO_ROOT"/bin/kubectl-kubestellar*; do
    assert_line "$exe"
  done
  refute_output --partial warning
  assert_equal "$stderr" ""
}

@test "kubectl kubestellar prints the usage with the subcommands that exist" {
  run --separate-stderr kubectl kubestellar
  assert_success
  assert_line --index 0 'Usage: kubectl kubestellar SUBCOMMAND [flags] [arguments]'
  assert_line --regexp '^  ensure +Ensure inventory and workload management objects'
  assert_line --regexp '^  remove +Remove inventory and workload management objects'
}

@test "kubectl kubestellar ensure --help prints its usage on stdout" {
  run --separate-stderr kubectl kubestellar ensure --help
  assert_success
  assert_line --index 0 'Usage: kubectl kubestellar ensure SUBCOMMAND [flags] [arguments]'
  assert_equal "$stderr" ""
  shopt -s nullglob
  for exe in "$REPO_ROOT"/bin/kubectl-kubestellar-ensure-*; do
    sub=${exe##*/kubectl-kubestellar-ensure-}
    assert_line --regexp "^  ${sub} "
  done
}

@test "an unknown subcommand is a one-line error and exit 1" {
  run --separate-stderr kubectl-kubestellar frobnicate
  assert_failure 1
  assert_equal "$output" ""
  assert_equal "$stderr" "$(printf '%s' "$stderr" | head -1)"
  assert_equal "${stderr%%:*}" "kubectl kubestellar"
  assert_regex "$stderr" 'unknown subcommand "frobnicate"'
  run --separate-stderr kubectl-kubestellar-remove frobnicate
  assert_failure 1
  assert_regex "$stderr" '^kubectl kubestellar remove: unknown subcommand "frobnicate"'
}
