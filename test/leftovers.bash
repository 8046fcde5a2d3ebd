# Sourced by test/run-all.sh and test/mutations.sh: processes started by a test run are
# found by the KS_TEST_RUN value they inherit from it.
# leftovers: pids (one a line) of live processes carrying this KS_TEST_RUN, other than
# the calling shell and this function's own subshell.
leftovers() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    { [ "$p" = $$ ] || [ "$p" = "$BASHPID" ]; } && continue
    grep -qzx "KS_TEST_RUN=$KS_TEST_RUN" "/proc/$p/environ" 2>/dev/null || continue
    [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
    echo "$p"
  done
}
