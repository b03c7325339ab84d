# mounts.sh: the mount options that are more than a flag: tmpcopyup and
# idmapped bind mounts (idmap, ridmap, per-mount uid/gid mappings).

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
    # the filesystem is the host's: only its owner's root may idmap it
    expect_error "$URUN" --root "$STATE" run --bundle b im
    assert_contains "$out" "an idmapped mount needs root on the host"
    assert_nothing_left im "$T/b"
    return 0
  fi
  chown 0:0 "$T/src/f" "$T/src/deep/g"
  local out
  out=$(cd b && urun run im 2>&1) || fail "run failed: $out"
  assert_eq "$out" "$(printf '5000:6000\n5000:6000')" "ids through the mount's mappings"
  assert_eq "$(stat -c %u:%g "$T/src/f")" 0:0 "the files on disk are unchanged"
  # without mappings of its own an idmap mount needs the container's, and
  # mappings without idmap are refused
  cfg b '.mounts[-1].options = ["rbind"]'
  expect_error "$URUN" --root "$STATE" run --bundle b im2
  assert_contains "$out" "without the idmap or ridmap option"
  assert_nothing_left im2 "$T/b"
}
