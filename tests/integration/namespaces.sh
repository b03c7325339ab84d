# namespaces.sh: joining namespaces by path, root of an existing user
# namespace, id ranges, --no-pivot.

test_join_namespaces_by_path() {
  make_bundle b /testprog sleep 100
  is_root || cfg b '.linux.namespaces += [{"type": "network"}]'
  (cd b && urun run -d first) || fail "run -d failed"
  local pid
  pid=$(urun state first | jq -r .pid)
  make_bundle c
  cfg c --arg p "/proc/$pid/ns" '.linux.namespaces |= map(if .type == "network" or .type == "uts" then .path = ($p + "/" + (if .type == "network" then "net" else "uts" end)) else . end)'
  # a hostname with a joined uts namespace is set there, as runc does
  cfg c '.hostname = "joined-host"'
  is_root || cfg c --arg p "/proc/$pid/ns" '.linux.namespaces |= map(if .type == "user" then .path = ($p + "/user") else . end) | .linux.namespaces += [{"type": "network", "path": ($p + "/net")}] | del(.linux.uidMappings, .linux.gidMappings)'
  local j
  j=$(run_info c second)
  assert_eq "$(jq -r .namespaces.net <<<"$j")" "$(readlink /proc/"$pid"/ns/net)" "joined network namespace"
  is_root || assert_eq "$(jq -r .namespaces.user <<<"$j")" "$(readlink /proc/"$pid"/ns/user)" "joined user namespace"
  assert_ne "$(jq -r .namespaces.mnt <<<"$j")" "$(readlink /proc/"$pid"/ns/mnt)" "own mount namespace"
  assert_eq "$(urun exec first /bin/hostname)" joined-host "the hostname, set in the joined uts namespace"
  urun delete -f first
  assert_nothing_left second "$T/c"
}

# runtime-tools' linux_ns_path: a mount namespace joined by path is where the
# container's root is set up (runc does the same); a user joins the holder's
# user namespace with it, since a mount namespace belongs to one.
test_join_mount_namespace_by_path() {
  command -v unshare >/dev/null || skip "unshare(1) missing"
  make_bundle b
  local holder
  if is_root; then
    unshare --mount --propagation private sleep 100 &
  else
    unshare --user --map-root-user --mount --propagation private sleep 100 &
  fi
  holder=$!
  holder_unshared() { [ "$(readlink /proc/$holder/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]; }
  wait_for holder_unshared
  cfg b --arg p "/proc/$holder/ns" '.linux.namespaces |= map(if .type == "mount" then .path = ($p + "/mnt") else . end)'
  is_root || cfg b --arg p "/proc/$holder/ns" '.linux.namespaces |= map(if .type == "user" then .path = ($p + "/user") else . end) | del(.linux.uidMappings, .linux.gidMappings)'
  local j
  j=$(run_info b jm)
  assert_eq "$(jq -r .namespaces.mnt <<<"$j")" "$(readlink /proc/$holder/ns/mnt)" "the container ran in the joined mount namespace"
  assert_eq "$(jq -r .uid <<<"$j")" 0 "root inside"
  # nothing of it leaked into ours
  ! grep -q " $T/b" /proc/self/mountinfo || fail "the container's mounts reached the caller's mount namespace"
  kill $holder; wait $holder 2>/dev/null
  assert_nothing_left jm "$T/b"
}

test_root_of_existing_user_namespace() {
  is_root && skip "needs an unprivileged caller (runs urun as root of a user namespace it made)"
  command -v unshare >/dev/null || skip "unshare(1) missing"
  make_bundle b
  # a config written for root: no user namespace of its own
  cfg b 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
  local j
  j=$(cd b && unshare --user --map-root-user "$URUN" --root "$STATE" run inner) || fail "run as root of a user namespace failed"
  assert_eq "$(jq -r .uid <<<"$j")" 0 "root inside"
  assert_eq "$(jq -r .namespaces.user <<<"$j" | cut -c1-5)" "user:" "user namespace"
  assert_ne "$(jq -r .namespaces.user <<<"$j")" "$(readlink /proc/self/ns/user)" "not the caller's user namespace"
  assert_contains "$(jq -r .uid_map <<<"$j")" " $(id -u) " "mapped to the caller"
  assert_nothing_left inner "$T/b"
}

test_unowned_id_range_refused() {
  is_root && skip "root may map any range"
  make_bundle b
  cfg b '.linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 1000}]'
  expect_error "$URUN" --root "$STATE" run --bundle b rng
  assert_contains "$out" "/etc/subuid"
  assert_contains "$out" "linux.uidMappings[0]"
  assert_nothing_left rng "$T/b"
}

test_user_and_groups() {
  make_bundle b
  if ! is_root; then
    grep -q "^$(id -un):" /etc/subuid || skip "no subordinate range for $(id -un)"
    cfg b 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
  fi
  cfg b '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [100, 200], "umask": 63}'
  local j
  j=$(run_info b ug)
  assert_eq "$(jq -r .uid <<<"$j")" 1000 "uid"
  assert_eq "$(jq -r .gid <<<"$j")" 1000 "gid"
  assert_eq "$(jq -c .groups <<<"$j")" "[100,200]" "supplementary groups"
  assert_eq "$(jq -r .umask <<<"$j")" 63 "umask"
}

test_no_pivot() {
  make_bundle b
  local j
  j=$(cd b && urun run --no-pivot np) || fail "run --no-pivot failed"
  assert_eq "$(jq -r .uid <<<"$j")" 0
  assert_nothing_left np "$T/b"
}

# Found by podman's scenarios: a new network namespace has lo up with
# 127.0.0.1, as runc and crun leave it.
test_new_network_namespace_has_loopback_up() {
  make_bundle b /bin/sh -c 'cat /sys/class/net/lo/operstate /sys/class/net/lo/flags; ls /sys/class/net'
  cfg b '.linux.namespaces |= (if map(.type) | index("network") then . else . + [{"type": "network"}] end)
    | .mounts |= map(if .destination == "/sys" then {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]} else . end)'
  local out
  out=$(cd b && urun run lo1 2>&1) || fail "run failed: $out"
  # flags: IFF_UP (0x1) set; the namespace has lo only
  local flags
  flags=$(sed -n 2p <<<"$out")
  [ $((flags & 1)) -eq 1 ] || fail "lo is not up: $out"
  assert_eq "$(sed -n '3,$p' <<<"$out" | tr '\n' ' ')" "lo " "only lo in the new namespace's sysfs"
}

# A joined network namespace that the container's user namespace owns (as
# podman runs urun): sysfs is mounted fresh and shows that namespace, not
# the host's interfaces.
test_sysfs_of_a_joined_network_namespace() {
  make_bundle b /bin/ls /sys/class/net
  unshare --user --map-root-user --net sleep 100 &
  local holder=$!
  wait_for eval '[ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
  cfg b --arg p "/proc/$holder/ns" '.linux.namespaces |= map(select(.type != "user" and .type != "network"))
    | .linux.namespaces += [{"type": "user", "path": ($p + "/user")}, {"type": "network", "path": ($p + "/net")}]
    | del(.linux.uidMappings, .linux.gidMappings)
    | .mounts |= map(if .destination == "/sys" then {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]} else . end)'
  local out
  out=$(cd b && urun run sn 2>&1) || { kill $holder; fail "run failed: $out"; }
  kill $holder
  assert_eq "$(tr '\n' ' ' <<<"$out")" "lo " "the joined namespace's interfaces only"
}

# runtime-spec: a namespace type the config does not list is the runtime's.
# Without a mount namespace the container runs in the caller's, chrooted
# into its root; a config that asks for mounts there is refused by field.
test_no_mount_namespace() {
  make_bundle b /testprog sleep 100
  cfg b '.linux.namespaces |= map(select(.type != "mount")) | .process.terminal = false
    | del(.linux.maskedPaths, .linux.readonlyPaths, .linux.rootfsPropagation) | .root.readonly = false'
  cp b/config.json "$T/plain.json"
  # each field that would mount in the caller's namespace, named
  local field
  for field in .mounts .linux.maskedPaths .root.readonly; do
    cp "$T/plain.json" b/config.json
    case $field in
    .mounts) cfg b '.mounts = [{"destination": "/proc", "type": "proc", "source": "proc"}]' ;;
    .linux.maskedPaths) cfg b '.mounts = [] | .linux.maskedPaths = ["/x"]' ;;
    .root.readonly) cfg b '.mounts = [] | .root.readonly = true' ;;
    esac
    expect_error "$URUN" --root "$STATE" create --bundle b nm
    assert_contains "$out" "config.json: $field: needs a mount namespace of the container's own"
    assert_contains "$out" 'add {"type": "mount"} to .linux.namespaces'
    assert_nothing_left nm "$T/b"
  done
  cp "$T/plain.json" b/config.json
  cfg b '.mounts = []'
  local before
  before=$(grep -c . /proc/self/mountinfo)
  (cd b && urun run -d nm) || fail "run -d without a mount namespace failed"
  local pid
  pid=$(urun state nm | jq -r .pid)
  assert_eq "$(readlink /proc/"$pid"/ns/mnt)" "$(readlink /proc/self/ns/mnt)" "the caller's mount namespace"
  [ /proc/"$pid"/root -ef b/rootfs ] || fail "init is not chrooted into its rootfs"
  # exec enters the container's root too
  assert_eq "$(urun exec nm /bin/ls /)" "$(ls b/rootfs)" "exec sees the container's root"
  urun delete -f nm
  assert_eq "$(grep -c . /proc/self/mountinfo)" "$before" "no mount made in the caller's namespace"
  assert_nothing_left nm "$T/b"
}
