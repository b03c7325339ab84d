# cgroups.sh: update, events, the cgroup a container gets on this host.  The
# limits themselves (memory, pids, cpu, io with systemd) are tested in the
# VM (tests/vm); here: what works on any host and the clear refusals.

# The container's cgroup directory on the host, or empty when it has none.
cgroup_dir() {
  local id=$1 pid
  pid=$(urun state "$id" | jq -r .pid)
  local rel mount
  rel=$(sed -n 's/^0:://p' /proc/"$pid"/cgroup)
  mount=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
  local own
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  [ "$rel" != "$own" ] && echo "$mount$rel"
  return 0
}

test_update_and_events() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d ue >/dev/null) || fail "run -d failed"
  local dir
  dir=$(cgroup_dir ue)
  # bad input first: clear errors naming the flag or the JSON path
  expect_error "$URUN" --root "$STATE" update --memory 12x ue
  assert_contains "$out" '--memory: "12x" is not a size'
  out=$(echo '{"memory": {"limit": "x"}}' | urun update -r - ue 2>&1) && fail "bad resources accepted"
  assert_contains "$out" ".memory.limit: expected an integer"
  expect_error "$URUN" --root "$STATE" update ue
  assert_contains "$out" "nothing to change"
  local bad
  for bad in 0s nan 0x10s 5x -1s 1d; do
    expect_error "$URUN" --root "$STATE" events --interval "$bad" ue
    assert_contains "$out" "--interval: \"$bad\" is not a duration"
  done
  # runc's (Go's) durations: units in sequence
  out=$(urun events --interval 1h30m --stats ue 2>&1)
  assert_not_contains "$out" "--interval"
  if [ -z "$dir" ]; then
    # no cgroup of its own (a user on a host without delegation)
    expect_error "$URUN" --root "$STATE" update --pids-limit 10 ue
    assert_contains "$out" "no cgroup of its own"
    expect_error "$URUN" --root "$STATE" events --stats ue
    assert_contains "$out" "no cgroup of its own"
    urun delete -f ue
    return 0
  fi
  # stats: runc's shape, cpu time of what ran in the group
  out=$(urun events --stats ue) || fail "events --stats failed"
  assert_eq "$(jq -r .type <<<"$out")" stats
  assert_eq "$(jq -r .id <<<"$out")" ue
  jq -e '.data.cpu.usage.total > 0 and (.data.memory | has("usage")) and (.data.pids | has("current"))' <<<"$out" >/dev/null ||
    fail "stats lack fields: $out"
  assert_eq "$(jq .data.cpu.usage.total <<<"$out")" "$(( $(sed -n 's/^usage_usec //p' "$dir/cpu.stat") * 1000 ))" \
    "cpu usage is the group's cpu.stat"
  # an update through a resources file, read back from the group
  local mount
  mount=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
  if grep -qw hugetlb "$mount/cgroup.controllers" && [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
    echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' >"$T/res.json"
    urun update --resources "$T/res.json" ue || fail "update --resources failed"
    assert_eq "$(cat "$dir/hugetlb.2MB.max")" 4194304 "hugetlb.2MB.max after update"
  fi
  if ! grep -qw pids "$mount/cgroup.controllers"; then
    # a hybrid host: the controller is bound to cgroup v1
    expect_error "$URUN" --root "$STATE" update --pids-limit 10 ue
    assert_contains "$out" "no pids controller"
  else
    urun update --pids-limit 10 ue || fail "update --pids-limit failed"
    assert_eq "$(cat "$dir/pids.max")" 10
  fi
  # the event stream: stats every interval until the container stops
  urun events --interval 200ms ue >"$T/events" &
  local ev=$!
  wait_for eval '[ "$(grep -c stats "$T/events")" -ge 2 ]'
  urun kill ue KILL
  wait_for eval '! kill -0 '$ev' 2>/dev/null'
  wait $ev || fail "events did not end cleanly when the container stopped"
  jq -e 'select(.type == "stats") | .id == "ue"' "$T/events" >/dev/null || fail "bad event lines"
  urun delete ue
  [ ! -d "$dir" ] || fail "cgroup $dir left behind"
  assert_nothing_left ue "$T/b"
}

# The same id under another --root means the same default group: the second
# create is refused by name, leaves nothing, and the first runs on in it.
test_group_in_use_refused() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d gu >/dev/null) || fail "run -d failed"
  local dir pid
  dir=$(cgroup_dir gu)
  if [ -z "$dir" ]; then
    urun delete -f gu
    skip "no cgroup of its own for a container here (a user without delegation), so none to share"
  fi
  pid=$(urun state gu | jq -r .pid)
  mkdir "$T/root2"
  out=$(cd b && "$URUN" --root "$T/root2" run -d gu 2>&1) && fail "a second container in a group in use was created"
  assert_contains "$out" "cgroup: $dir already has processes"
  assert_eq "$(echo "$out" | wc -l)" 1 "one line"
  assert_file_absent "$T/root2/gu" "state directory left behind"
  [ -d "$dir" ] || fail "the first container's group was removed"
  assert_eq "$(cat "$dir/cgroup.procs")" "$pid" "only the first container's init in the group"
  assert_eq "$(status_of gu)" running
  urun delete -f gu
  assert_nothing_left gu "$T/b"
}

test_device_rules() {
  # linux.resources.devices: an eBPF program on the container's cgroup (root);
  # the default nodes stay usable, as runc adds them after the config's rules
  make_bundle b /bin/sh -c '(exec 3</fuse) && echo opened-fuse; echo x > /dev/null && echo null-ok; head -c 1 /dev/urandom >/dev/null && echo urandom-ok'
  cfg b '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  if ! is_root; then
    # a user cannot load the program; the container has only the host's
    # nodes bind-mounted, under the kernel's own checks
    local out
    out=$(cd b && urun run dv 2>&1) || fail "run with device rules failed: $out"
    assert_contains "$out" null-ok
    assert_contains "$out" urandom-ok
    assert_nothing_left dv "$T/b"
    return 0
  fi
  mknod b/rootfs/fuse c 10 229
  local out
  out=$(cd b && urun run dv 2>&1) || true
  assert_contains "$out" "can't open /fuse: Operation not permitted" "deny-all reached a device node"
  assert_contains "$out" null-ok
  assert_contains "$out" urandom-ok
  cfg b '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
  out=$(cd b && urun run dv2 2>&1) || fail "run failed: $out"
  assert_contains "$out" opened-fuse "an allow rule after deny-all"
  cfg b '.linux.resources.devices += [{"allow": false, "type": "c", "major": 10, "access": "r"}]'
  out=$(cd b && urun run dv3 2>&1) || true
  assert_contains "$out" "can't open /fuse" "a later rule overrides an earlier one"
  assert_nothing_left dv3 "$T/b"
}
