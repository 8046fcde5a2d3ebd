#!/usr/bin/env bats
# kubestellar-version and kubestellar-release, as a user runs them.
load helpers

@test "kubestellar-version with no argument prints one JSON object" {
  run kubestellar-version
  assert_success
  # each documented key is a non-empty string (jq -r prints "null" for a missing key)
  run bash -c 'kubestellar-version | jq -e "[.gitCommit, .buildDate, .platform, .gitTreeState, .gitVersion] | all(type == \"string\" and length > 0)"'
  assert_success
  run bash -c 'kubestellar-version | jq -e "has(\"gitTreeState\") and (.major|type==\"string\")"'
  assert_success
}

@test "kubestellar-version prints one property" {
  run kubestellar-version buildDate
  assert_success
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
  run kubestellar-version platform
  assert_output "$(node -p 'process.platform + "/" + (process.arch === "x64" ? "amd64" : process.arch)')"
  # the commit the build saw (test/run-all.sh builds before testing)
  git -C "$REPO_ROOT" rev-parse HEAD >/dev/null 2>&1 || skip "not a git checkout: no commit to compare with"
  run kubestellar-version gitCommit
  assert_output "$(git -C "$REPO_ROOT" rev-parse --short=8 HEAD)"
  run kubestellar-version gitTreeState
  assert_output --regexp '^(clean|dirty)$'
}

@test "kubestellar-version rejects an unknown component with the documented lines" {
  run --separate-stderr kubestellar-version help
  assert_failure 1
  assert_equal "$output" ""
  assert_equal "$stderr" 'Invalid component requested: "help"
Usage: kubestellar-version [buildDate|gitCommit|gitTreeState|platform]'
}

@test "kubestellar-release prints the semantic version with a leading v" {
  run kubestellar-release
  assert_success
  assert_output --regexp '^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
  assert_output "v$(node -p 'require(process.env.REPO_ROOT + "/package.json").version')"
}

@test "help goes to stdout and exits 0; unknown flags are one line and exit 1" {
  run --separate-stderr kubestellar-version --help
  assert_success
  assert_line --index 0 'Usage: kubestellar-version [buildDate|gitCommit|gitTreeState|platform]'
  run --separate-stderr kubestellar-release --frobnicate
  assert_failure 1
  assert_equal "$stderr" "kubestellar-release: unknown flag --frobnicate"
  assert_equal "$output" ""
}
