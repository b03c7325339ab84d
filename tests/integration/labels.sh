# labels.sh: security labels.  SELinux labels are ignored where SELinux is
# not enabled (as crun does); an AppArmor profile where AppArmor is not
# enabled is refused (as runc refuses it).  Where AppArmor is enabled,
# tests/vm/apparmor.sh loads a profile and checks the process runs in it.

selinux_enabled() { [ -e /sys/fs/selinux/enforce ]; }
apparmor_enabled() { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; }

test_selinux_labels_ignored_where_selinux_is_off() {
  selinux_enabled && skip "SELinux is enabled here: the labels apply"
  # what rootless podman on Fedora sets on every container
  make_bundle b /bin/sh -c 'grep " /dev/shm " /proc/self/mountinfo; echo ran'
  cfg b '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
    | .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
    | .mounts += [{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "nodev"]}]'
  local out
  out=$(cd b && urun run sl 2>&1) || fail "run failed: $out"
  assert_contains "$out" ran
  assert_not_contains "$out" "context=" "a mount label on a host without SELinux"
  assert_nothing_left sl "$T/b"
}

test_apparmor_profile_refused_where_apparmor_is_off() {
  apparmor_enabled && skip "AppArmor is enabled here: tests/vm/apparmor.sh checks the profile applies"
  make_bundle b /bin/true
  cfg b '.process.apparmorProfile = "urun-test-profile"'
  expect_error "$URUN" --root "$STATE" run --bundle b ap
  assert_contains "$out" "config.json: .process.apparmorProfile: AppArmor is not enabled on this host"
  assert_nothing_left ap "$T/b"
}
