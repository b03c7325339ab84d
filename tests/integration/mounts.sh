# mounts.sh: the mount options that are more than a flag: tmpcopyup and
# idmapped bind mounts (idmap, ridmap, per-mount uid/gid mappings);
# destinations through symlinks of the rootfs; bind mounts in a user
# namespace (flags it cannot drop, sources only the caller can reach).

test_tmpcopyup() {
  make_bundle b /bin/sh -c 'grep " /data " /proc/self/mounts | cut -d" " -f3; cat /data/file /data/sub/inner; readlink /data/link; stat -c "%a" /data/sub; echo new > /data/file && cat /data/file'
  mkdir -p b/rootfs/data/sub
  echo original > b/rootfs/data/file
  echo inner > b/rootfs/data/sub/inner
  chmod 750 b/rootfs/data/sub
  ln -s file b/rootfs/data/link
  cfg b '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}]'
  local out
  out=$(cd b && urun run tc 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf 'tmpfs\noriginal\ninner\nfile\n750\nnew')"
  assert_eq "$(cat b/rootfs/data/file)" original "the write stayed in the tmpfs"
  # tmpcopyup on anything but tmpfs is refused by JSON path
  cfg b '.mounts[-1].type = "bind" | .mounts[-1].source = "/tmp" | .mounts[-1].options = ["bind", "tmpcopyup"]'
  expect_error "$URUN" --root "$STATE" run --bundle b tc2
  assert_contains "$out" "tmpcopyup is for tmpfs mounts"
  assert_nothing_left tc2 "$T/b"
}

test_idmapped_bind_mounts() {
  mkdir -p "$T/src/deep"
  touch "$T/src/f" "$T/src/deep/g"
  make_bundle b /bin/sh -c 'stat -c "%u:%g" /idm/f /idm/deep/g'
  cfg b --arg s "$T/src" '.mounts += [{"destination": "/idm", "type": "bind", "source": $s, "options": ["rbind", "idmap"],
    "uidMappings": [{"containerID": 0, "hostID": 5000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 6000, "size": 65536}]}]'
  if ! is_root; then
    # host ids the container's user namespace does not map cannot be used
    local n
    n=$(jq '.mounts | length - 1' b/config.json)
    expect_error "$URUN" --root "$STATE" run --bundle b im
    assert_contains "$out" ".mounts[$n]: uidMappings[0]: host ids 5000-70535 are not all mapped in the container's"
    # the filesystem is the host's: only its owner may idmap it, and urun says so
    cfg b '.mounts[-1] |= del(.uidMappings, .gidMappings)'
    expect_error "$URUN" --root "$STATE" run --bundle b im
    assert_contains "$out" "only the owner of its filesystem may idmap it"
    assert_nothing_left im "$T/b"
    return 0
  fi
  chown 0:0 "$T/src/f" "$T/src/deep/g"
  local out
  out=$(cd b && urun run im 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf '5000:6000\n5000:6000')" "ids through the mount's mappings"
  assert_eq "$(stat -c %u:%g "$T/src/f")" 0:0 "the files on disk are unchanged"
  # mappings without the idmap option ask for an idmapped mount all the
  # same (runtime-spec 1.2)
  cfg b '.mounts[-1].options = ["rbind"]'
  out=$(cd b && urun run im2 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf '5000:6000\n5000:6000')" "mappings alone idmap the mount"
  assert_nothing_left im2 "$T/b"
  # a container with a user namespace: its root could not idmap the host's
  # filesystem, urun makes the tree on the host; host root's files are the
  # container root's, where a plain bind shows them unmapped (65534)
  local map='[{"containerID": 0, "hostID": 100000, "size": 65536}]'
  cfg b --argjson m "$map" '.mounts[-1].options = ["rbind", "idmap"] | .mounts[-1].uidMappings = $m | .mounts[-1].gidMappings = $m
    | .linux.namespaces += [{"type": "user"}] | .linux.uidMappings = $m | .linux.gidMappings = $m'
  out=$(cd b && urun run im3 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf '0:0\n0:0')" "host root's files through the mount's mappings"
  cfg b '.mounts[-1].options = ["rbind"] | del(.mounts[-1].uidMappings, .mounts[-1].gidMappings)'
  out=$(cd b && urun run im3 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf '65534:65534\n65534:65534')" "a plain bind"
  assert_nothing_left im3 "$T/b"
}

test_idmap_of_a_tmpfs_the_container_mounted() {
  # a user may idmap a filesystem its own user namespace mounted: the
  # container's tmpfs (tmpcopyup fills it), bound again from its rootfs path
  make_bundle b /bin/sh -c 'stat -c "%u:%g" /scratch/f /idm/f'
  mkdir b/rootfs/scratch
  touch b/rootfs/scratch/f
  local uid1 gid1 # the host ids of the container's uid and gid 1
  if is_root; then
    uid1=1 gid1=1 # no user namespace: the host's ids
  else
    command -v newuidmap >/dev/null && grep -q "^$(id -un):" /etc/subuid && grep -q "^$(id -un):" /etc/subgid ||
      skip "no subordinate ids for $(id -un) (uidmap package, /etc/subuid, /etc/subgid)"
    uid1=$(grep "^$(id -un):" /etc/subuid | head -n 1 | cut -d: -f2)
    gid1=$(grep "^$(id -un):" /etc/subgid | head -n 1 | cut -d: -f2)
    cfg b --argjson u "$(id -u)" --argjson g "$(id -g)" --argjson su "$uid1" --argjson sg "$gid1" '
      .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $su, "size": 10}]
      | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $sg, "size": 10}]'
  fi
  cfg b --arg root "$T/b/rootfs" --argjson u "$uid1" --argjson g "$gid1" '.mounts += [
    {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]},
    {"destination": "/idm", "type": "bind", "source": ($root + "/scratch"), "options": ["bind", "idmap"],
     "uidMappings": [{"containerID": 0, "hostID": $u, "size": 1}],
     "gidMappings": [{"containerID": 0, "hostID": $g, "size": 1}]}]'
  local out
  out=$(cd b && urun run it 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf '0:0\n1:1')" "root's file through the mount's mappings"
  assert_nothing_left it "$T/b"
}

test_mount_destination_through_symlinks() {
  # what a symlink in the rootfs points at is made inside the rootfs, as
  # runc and crun do: a dangling link as the destination of a file bind
  # (relative), a link to a missing directory as the parent of a bind, a
  # dangling link as a tmpfs destination
  make_bundle b /bin/sh -c 'grep -oE " /(foo|real|tgt)[^ ]*" /proc/self/mountinfo | sort; cat /etc/not-existing; ls /conf/stack'
  ln -s ../foo/bar/not/here b/rootfs/etc/not-existing
  ln -s /real/conf b/rootfs/conf
  ln -s tgt b/rootfs/symlink
  mkdir "$T/dir"
  echo from-host > "$T/dir/file"
  cfg b --arg f "$T/dir/file" --arg d "$T/dir" '.mounts += [
    {"destination": "/etc/not-existing", "type": "bind", "source": $f, "options": ["bind", "ro"]},
    {"destination": "/conf/stack", "type": "bind", "source": $d, "options": ["bind"]},
    {"destination": "/symlink", "type": "tmpfs", "source": "tmpfs"}]'
  local out
  out=$(cd b && urun run sl 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf ' /foo/bar/not/here\n /real/conf/stack\n /tgt\nfrom-host\nfile')"
  [ -f b/rootfs/foo/bar/not/here ] && [ -d b/rootfs/real/conf/stack ] && [ -d b/rootfs/tgt ] ||
    fail "the targets were not made in the rootfs"
  assert_nothing_left sl "$T/b"
}

test_mount_destination_link_cannot_climb_out() {
  # the attack: a link whose target climbs above the rootfs with "..";
  # from /etc of $T/b/rootfs, three levels up is $T on the host
  make_bundle b /bin/true
  ln -s ../../../escape b/rootfs/etc/evil
  ln -s ../../../escape-file b/rootfs/etc/evil-file
  cfg b --arg f "$T/b/config.json" '.mounts += [
    {"destination": "/etc/evil/sub", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/etc/evil-file", "type": "bind", "source": $f, "options": ["bind"]}]'
  local out rc=0
  out=$(cd b && urun run esc 2>&1) || rc=$?
  assert_file_absent "$T/escape" "a directory made outside the rootfs"
  assert_file_absent "$T/escape-file" "a file made outside the rootfs"
  [ $rc -eq 0 ] || fail "run failed: $out"
  [ -d b/rootfs/escape/sub ] && [ -f b/rootfs/escape-file ] || fail "the targets were not made in the rootfs"
  assert_nothing_left esc "$T/b"
}

# A config given a user namespace of its own when run as root (a user's
# config has one already): container root is host uid 100000 and owns
# the rootfs.
with_userns() {
  is_root || return 0
  chown -R 100000:100000 "$1/rootfs"
  local map='[{"containerID": 0, "hostID": 100000, "size": 65536}]'
  cfg "$1" --argjson m "$map" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = $m | .linux.gidMappings = $m'
}

test_bind_in_userns_keeps_locked_flags() {
  # the source's atime setting and nosuid/nodev/noexec are locked in a user
  # namespace: a remount asking for others keeps them instead of failing
  mkdir "$T/dir"
  make_bundle b /bin/sh -c 'grep " /mnt/dir " /proc/self/mountinfo'
  with_userns b
  cfg b --arg d "$T/dir" '.mounts += [
    {"destination": "/mnt/dir", "type": "bind", "source": $d, "options": ["bind", "shared", "nosuid", "strictatime"]}]'
  local out
  out=$(cd b && urun run lf 2>&1) || fail "run failed: $out"
  assert_match "$out" "/mnt/dir rw,nosuid,relatime shared:" "nosuid set, the source's relatime kept"
  assert_nothing_left lf "$T/b"
}

test_bind_source_only_the_caller_can_reach() {
  # $T/closed is closed to the container's root: the runtime, root of the
  # host or (as under rootless podman) of a user namespace with its own
  # mount namespace, opens the source for it, as crun does
  mkdir -p "$T/closed/m"
  echo inside > "$T/closed/m/f"
  chmod 666 "$T/closed/m/f" # only the read-only mount stops a write
  chmod 700 "$T/closed"
  make_bundle b /bin/sh -c 'cat /foo/f; grep -c " /foo " /proc/self/mountinfo'
  cfg b --arg d "$T/closed/m" '.mounts += [{"destination": "/foo", "type": "bind", "source": $d, "options": ["bind", "ro"]}]'
  local wrap=()
  if is_root; then
    with_userns b
  else
    command -v newuidmap >/dev/null && grep -q "^$(id -un):" /etc/subuid && grep -q "^$(id -un):" /etc/subgid ||
      skip "no subordinate ids for $(id -un) (uidmap package, /etc/subuid, /etc/subgid)"
    unshare --help | grep -q -- --map-auto || skip "unshare(1) without --map-auto"
    # urun as root of a podman-like namespace; the container's root is its id 1
    local map='[{"containerID": 0, "hostID": 1, "size": 1000}]'
    cfg b --argjson m "$map" '.linux.uidMappings = $m | .linux.gidMappings = $m'
    unshare --map-root-user --map-auto chown -R 1:1 b/rootfs || fail "chown in the user namespace failed"
    wrap=(unshare --map-root-user --map-auto --mount)
  fi
  local out
  out=$(cd b && "${wrap[@]}" "$URUN" --root "$STATE" run cl 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf 'inside\n1')"
  # still read-only, and the container cannot write through it
  cfg b '.process.args = ["/bin/sh", "-c", "echo x > /foo/f"]'
  out=$(cd b && "${wrap[@]}" "$URUN" --root "$STATE" run cl2 2>&1) && fail "wrote through a read-only bind"
  assert_contains "$out" "Read-only file system"
  assert_eq "$(cat "$T/closed/m/f")" inside
  assert_nothing_left cl "$T/b"
}

test_device_nodes_bound_in_userns_are_nosuid_noexec() {
  # in a user namespace the host's nodes are bound in: nosuid and noexec,
  # as runc and crun make them
  make_bundle b /bin/sh -c 'grep -E " /dev/(null|zero|tty) " /proc/self/mountinfo'
  with_userns b
  local out line
  out=$(cd b && urun run dn 2>&1) || fail "run failed: $out"
  [ "$(grep -c . <<<"$out")" -eq 3 ] || fail "expected 3 bound nodes: $out"
  while read -r line; do
    assert_match "$line" " [^ ]*nosuid[^ ]*noexec" "bound node without nosuid,noexec"
  done <<<"$out"
  assert_nothing_left dn "$T/b"
}

test_device_path_with_trailing_slash() {
  is_root || skip "root only: a user cannot make device nodes, and the host has no /mnt node to bind"
  # "/mnt/" names /mnt: the node is made there with its fileMode and owner
  make_bundle b /bin/sh -c 'stat -c "%n %F %a %u %g %t:%T" /mnt'
  cfg b '.linux.devices = [{"path": "/mnt/", "type": "b", "major": 10, "minor": 229, "fileMode": 416, "uid": 10, "gid": 11}]'
  local out
  out=$(cd b && urun run ts 2>&1) || fail "run failed: $out"
  assert_eq "$out" "/mnt block special file 640 10 11 a:e5"
  assert_nothing_left ts "$T/b"
}
