#!/usr/bin/env bats
# `npm start`: the walkthrough on the embedded sandbox, in a fresh folder, to the end.
load helpers
setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "npm start runs the quickstart on a fresh sandbox and stops it" {
  cd "$REPO_ROOT"
  QUICKSTART_DIR="$TEST_TMP" QUICKSTART_NO_BUILD=1 run --separate-stderr timeout 240 npm start --silent
  assert_success
  assert_line '$ kubestellar init --local-kcp false --timeout 120s'
  assert_line 'Current workspace is "root".'
  # v0.14: the mailbox workspaces are children of root, one per SyncTarget
  assert_line --regexp '^    [├└]── espw$'
  assert_equal "$(printf '%s\n' "${lines[@]}" | grep -cE '^    [├└]── [a-z0-9]+-mb-[0-9a-f-]+$')" 2
  assert_line --regexp '^Current workspace is "root:[a-z0-9]+-mb-[0-9a-f-]+" \(type root:[a-z]+\)\.$'
  assert_line --partial 'synctarget.edge.kubestellar.io/guilder'
  assert_line 'Quickstart complete.'
  dir="$(ls -d "$TEST_TMP"/kubestellar-quickstart-*)"
  [ -s "$dir/florin-syncer.yaml" ]
  [ -s "$dir/guilder-syncer.yaml" ]
  # the sandbox it started is gone
  run ! pgrep -f -- "--root-directory $dir/.kcp"
}
