# compat.sh: what runc and crun accept and urun must too (issue 16): a
# cgroup manager that cannot be used, user namespaces without mappings,
# hooks' environment and state, the process's environment, exec's process
# group and options, stdio ownership, the ENOSYS stub under seccomp, and
# `features` against what urun really accepts.


test_unusable_cgroup_manager_runs_without_a_group() {
  make_bundle b /bin/true
  local in_userns=() manager
  if is_root; then
    # root of a user namespace is a user to systemd: its user bus is not
    # there (what rootless podman's callers see without lingering)
    command -v unshare >/dev/null || skip "no unshare"
    in_userns=(unshare -Ur)
    manager=systemd
  else
    # a user's login scope is not delegated here: cgroupfs cannot make a group
    manager=cgroupfs
    [ -w "$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)/cgroup.procs" ] &&
      skip "the cgroup v2 root is writable by this user"
  fi
  local out
  out=$("${in_userns[@]}" "$URUN" --root "$STATE" --debug --cgroup-manager "$manager" run --bundle b nl 2>&1) ||
    fail "no limit asked for, but the unusable $manager driver failed the container: $out"
  assert_contains "$out" "cgroup: none" "the fallback is said under --debug"
  assert_nothing_left nl "$T/b"
  # without --debug: not a word
  out=$("${in_userns[@]}" "$URUN" --root "$STATE" --cgroup-manager "$manager" run --bundle b nl2 2>&1) ||
    fail "run failed: $out"
  assert_eq "$out" "" "no warning without --debug"
  # "unlimited" pids is no limit either
  cfg b '.linux.resources = {"pids": {"limit": -1}}'
  out=$("${in_userns[@]}" "$URUN" --root "$STATE" --cgroup-manager "$manager" run --bundle b nl3 2>&1) ||
    fail "pids.limit -1 failed: $out"
  # a limit keeps the clear refusal, and nothing is left
  cfg b '.linux.resources = {"memory": {"limit": 67108864}}'
  expect_error "${in_userns[@]}" "$URUN" --root "$STATE" --cgroup-manager "$manager" run --bundle b nl4
  if [ "$manager" = systemd ]; then
    assert_contains "$out" "systemd's user bus is not reachable"
  else
    # (on a hybrid host the controller itself is missing: said first)
    assert_match "$out" "not delegated to you|memory controller is not available"
  fi
  assert_nothing_left nl4 "$T/b"
}

test_pids_unlimited_needs_no_pids_controller() {
  local mount
  mount=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
  [ -n "$mount" ] || skip "no cgroup v2 hierarchy"
  make_bundle b /testprog sleep 100
  local limit
  for limit in 0 -1; do
    cfg b --argjson l "$limit" '.linux.resources = {"pids": {"limit": $l}}'
    (cd b && urun run -d "p$limit" >/dev/null 2>"$T/err") || fail "pids.limit $limit failed: $(cat "$T/err")"
    if ! is_root; then
      urun delete -f "p$limit"
      continue
    fi
    # root gets a group of its own; where it has a pids controller it says "max"
    local dir
    dir=$(jq -r .urun.cgroupPath "$STATE/p$limit/state.json" 2>/dev/null)
    if [ -n "$dir" ] && [ "$dir" != null ] && [ -e "$dir/pids.max" ]; then
      assert_eq "$(cat "$dir/pids.max")" max
    fi
    urun delete -f "p$limit"
    assert_nothing_left "p$limit" "$T/b"
  done
  # --cgroup-manager cgroupfs as root: the group is made, without pids
  if is_root; then
    (cd b && "$URUN" --root "$STATE" --cgroup-manager cgroupfs run -d pc >/dev/null 2>"$T/err") ||
      fail "cgroupfs with pids -1 failed: $(cat "$T/err")"
    urun delete -f pc
    assert_nothing_left pc "$T/b"
  fi
}
