# check.sh: `urun check` where systemd runs and delegates (../shared/testvm):
# the VM's user `tester` lingers, so its systemd instance and user bus are
# up and user@.service delegates the controllers: delegation is ok; a user
# without lingering (and no login) has neither: delegation is not ok, with
# the fix.  Run by tests/vm/run.sh as tester and as root.

check_item() { jq -r --arg n "$2" ".checks[] | select(.name == \$n) | .$3" <<<"$1"; }

test_check_delegation_of_lingering_user() {
  is_root && skip "runs as the VM's lingering user tester (the root stage checks a user without lingering)"
  local out
  out=$(urun check --json) || fail "urun check: exit $?: $out"
  echo "$out" | jq -r '.checks[] | "\(.status) \(.name): \(.found)"'
  assert_eq "$(check_item "$out" linger status)" ok "linger"
  assert_eq "$(check_item "$out" cgroup_v2 status)" ok "cgroup v2"
  assert_eq "$(check_item "$out" delegation status)" ok "delegation"
  assert_contains "$(check_item "$out" delegation found)" "Delegate=yes"
  assert_contains "$(check_item "$out" delegation found)" memory
  assert_contains "$(check_item "$out" delegation found)" pids
}

test_check_delegation_without_lingering() {
  is_root || skip "root makes the second user (without lingering)"
  local user=urun-nolinger out
  id "$user" >/dev/null 2>&1 || useradd --create-home "$user" || fail "useradd $user"
  loginctl disable-linger "$user" 2>/dev/null
  mkdir -m 700 "$T/nl" && chown "$user" "$T/nl"
  out=$(runuser -u "$user" -- env -i PATH=/usr/bin:/bin "$URUN" --root "$T/nl" check --json) ||
    fail "urun check as $user: exit $? (a container can run without delegation): $out"
  echo "$out" | jq -r '.checks[] | "\(.status) \(.name): \(.found)"'
  assert_eq "$(check_item "$out" linger status)" warn "linger"
  assert_contains "$(check_item "$out" linger fix)" "loginctl enable-linger $user"
  assert_ne "$(check_item "$out" delegation status)" ok "delegation without lingering"
  assert_contains "$(check_item "$out" delegation fix)" "loginctl enable-linger $user"
  # root itself: the hierarchy is root's
  out=$(urun check --json) || fail "urun check as root: $out"
  assert_eq "$(check_item "$out" delegation status)" ok "root's delegation"
}
