# apparmor.sh: .process.apparmorProfile in ../shared/testvm, whose Debian
# kernel has AppArmor enabled (run.sh installs apparmor and loads
# tests/vm/urun-test.apparmor).  The container's process runs in the
# profile, and the profile is enforced on it; urun itself is not confined.

profile_file() { echo "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/urun-test.apparmor"; }

need_profile() {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] || skip "AppArmor is not enabled in this kernel"
  if is_root; then
    command -v apparmor_parser >/dev/null || skip "apparmor_parser missing (the apparmor package)"
    apparmor_parser -r "$(profile_file)" || fail "apparmor_parser could not load $(profile_file)"
  fi
  # (policy/profiles/*/name: the profiles list is root's only to read)
  grep -qx urun-test /sys/kernel/security/apparmor/policy/profiles/*/name 2>/dev/null ||
    skip "profile urun-test not loaded (tests/vm/run.sh loads it as root)"
}

test_apparmor_profile_applied_on_exec() {
  need_profile
  make_bundle b /bin/sh -c 'cat /proc/self/attr/current; cat /denied-by-profile || echo denied'
  echo secret > b/rootfs/denied-by-profile
  chmod 644 b/rootfs/denied-by-profile
  cfg b '.process.apparmorProfile = "urun-test"'
  local out
  out=$(cd b && urun run aa 2>&1) || fail "run failed: $out"
  assert_contains "$out" "urun-test (enforce)" "the process's profile"
  assert_contains "$out" "Permission denied" "the profile enforced"
  assert_not_contains "$out" secret
  # exec'd processes get the container's profile too
  cfg b '.process.args = ["/testprog", "sleep", "100"]'
  (cd b && urun run -d aa2) || fail "run -d failed"
  assert_contains "$(urun exec aa2 /bin/cat /proc/self/attr/current)" "urun-test (enforce)" "exec's profile"
  urun delete -f aa2
  # a profile that is not loaded: the error names the field
  cfg b '.process.apparmorProfile = "urun-no-such-profile" | .process.args = ["/bin/true"]'
  expect_error "$URUN" --root "$STATE" run --bundle b aa3
  assert_contains "$out" ".process.apparmorProfile"
  assert_nothing_left aa3 "$T/b"
}
