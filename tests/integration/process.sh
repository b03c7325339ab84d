# process.sh: process settings inherited across execve: scheduler, I/O
# priority, CPU affinity, personality, memory policy, time offsets; and
# ping_group_range, keep_original_groups.

test_scheduler_ioprio_affinity_personality_mempolicy() {
  make_bundle b /bin/sh -c '/testprog sched-info; /testprog info | grep -o "\"personality\":[0-9]*"'
  cfg b '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}
    | .process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    | .process.execCPUAffinity = {"initial": "0", "final": "0"}
    | .linux.personality = {"domain": "LINUX32"}
    | .linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
  local out
  out=$(cd b && urun run sp 2>&1) || fail "run failed: $out"
  # SCHED_BATCH is 3, IOPRIO_CLASS_BE 2, MPOL_BIND 2, PER_LINUX32 8
  assert_contains "$out" "policy 3 nice 5 ioprio 2/6 mempolicy 2 nodes 0x1 cpus 0x1"
  assert_contains "$out" '"personality":8'
  # exec applies the same to its process
  cfg b '.process.args = ["/testprog", "sleep", "100"]'
  (cd b && urun run -d sp2 >/dev/null) || fail "run -d failed"
  out=$(urun exec sp2 /testprog sched-info) || fail "exec failed"
  assert_contains "$out" "policy 3 nice 5 ioprio 2/6 mempolicy 2 nodes 0x1 cpus 0x1"
  # exec's initial affinity is urun's until the cgroup move: final replaces
  # it, without final the kernel keeps it; a bad one fails exec by name
  local p='{"args": ["/testprog", "sched-info"], "cwd": "/", "execCPUAffinity": $a}'
  if [ "$(nproc)" -ge 2 ]; then
    jq -n --argjson a '{"initial": "1", "final": "0"}' "$p" >"$T/p.json"
    assert_contains "$(urun exec --process "$T/p.json" sp2)" "cpus 0x1"
    jq -n --argjson a '{"initial": "1"}' "$p" >"$T/p.json"
    assert_contains "$(urun exec --process "$T/p.json" sp2)" "cpus 0x2"
  fi
  jq -n --argjson a '{"initial": "0-x"}' "$p" >"$T/p.json"
  expect_error "$URUN" --root "$STATE" exec --process "$T/p.json" sp2
  assert_contains "$out" ".process.execCPUAffinity.initial: invalid list"
  urun delete -f sp2
  # bad values: clear errors naming the field, nothing left
  cfg b '.process.scheduler = {"policy": "SCHED_NOPE"}'
  expect_error "$URUN" --root "$STATE" run --bundle b sp3
  assert_contains "$out" ".process.scheduler.policy"
  cfg b 'del(.process.scheduler) | .process.execCPUAffinity = {"final": "0-x"}'
  expect_error "$URUN" --root "$STATE" run --bundle b sp3
  assert_contains "$out" ".process.execCPUAffinity.final: invalid list"
  assert_nothing_left sp3 "$T/b"
  if ! is_root; then
    # what a user may not do is refused, not dropped
    cfg b 'del(.process.execCPUAffinity) | .process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}'
    expect_error "$URUN" --root "$STATE" run --bundle b sp4
    assert_contains "$out" ".process.scheduler: sched_setattr SCHED_FIFO"
    assert_nothing_left sp4 "$T/b"
  fi
}

test_scheduler_what_a_user_may_set() {
  make_bundle b /testprog sched-info
  local out
  # SCHED_IDLE, SCHED_BATCH and a higher nice: anyone may
  cfg b '.process.scheduler = {"policy": "SCHED_IDLE"}'
  out=$(cd b && urun run si 2>&1) || fail "run failed: $out"
  assert_contains "$out" "policy 5 nice 0 "
  if is_root; then
    # real-time with a priority and a flag (SCHED_RR | SCHED_RESET_ON_FORK
    # = 0x40000002), the real-time I/O class, deadline's times, a lower nice
    cfg b '.process.scheduler = {"policy": "SCHED_RR", "priority": 3, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}
      | .process.ioPriority = {"class": "IOPRIO_CLASS_RT", "priority": 1}'
    out=$(cd b && urun run si 2>&1) || fail "run failed: $out"
    assert_contains "$out" "policy 1073741826 nice 0 ioprio 1/1 "
    assert_contains "$out" " prio 3"
    cfg b 'del(.process.ioPriority) | .process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 10000000, "deadline": 30000000, "period": 30000000}'
    out=$(cd b && urun run si 2>&1) || fail "run failed: $out"
    assert_contains "$out" "policy 6 "
    cfg b '.process.scheduler = {"policy": "SCHED_OTHER", "nice": -5}'
    out=$(cd b && urun run si 2>&1) || fail "run failed: $out"
    assert_contains "$out" "policy 0 nice -5 "
    return 0
  fi
  # what needs CAP_SYS_NICE on the host is refused, saying so
  local s
  for s in '{"policy": "SCHED_OTHER", "nice": -5}' '{"policy": "SCHED_RR", "priority": 3}' \
    '{"policy": "SCHED_DEADLINE", "runtime": 10000000, "deadline": 30000000, "period": 30000000}'; do
    cfg b --argjson s "$s" '.process.scheduler = $s'
    expect_error "$URUN" --root "$STATE" run --bundle b si2
    assert_contains "$out" ".process.scheduler: sched_setattr"
    assert_contains "$out" "needs CAP_SYS_NICE on the host"
  done
  cfg b 'del(.process.scheduler) | .process.ioPriority = {"class": "IOPRIO_CLASS_RT", "priority": 1}'
  expect_error "$URUN" --root "$STATE" run --bundle b si2
  assert_contains "$out" ".process.ioPriority: ioprio_set IOPRIO_CLASS_RT (the real-time class needs"
  assert_nothing_left si2 "$T/b"
}

test_time_offsets() {
  make_bundle b /bin/sh -c 'cat /proc/uptime; cat /proc/self/timens_offsets'
  cfg b '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400}, "monotonic": {"secs": 3600, "nanosecs": 5}}'
  local out host
  host=$(cut -d. -f1 /proc/uptime)
  out=$(cd b && urun run to 2>&1) || fail "run failed: $out"
  local up
  up=$(head -n 1 <<<"$out" | cut -d. -f1)
  [ "$up" -ge $((host + 86400)) ] && [ "$up" -lt $((host + 86400 + 60)) ] || fail "uptime $up is not the host's $host + 1 day"
  assert_contains "$(tr -s ' ' <<<"$out")" "monotonic 3600 5"
  # exec joins the container's time namespace
  cfg b '.process.args = ["/testprog", "sleep", "100"]'
  (cd b && urun run -d to3 >/dev/null) || fail "run -d failed"
  out=$(urun exec to3 /bin/cat /proc/uptime) || fail "exec failed"
  [ "${out%%.*}" -ge $((host + 86400)) ] || fail "exec's uptime $out is not the host's $host + 1 day"
  urun delete -f to3
  cfg b '.linux.namespaces |= map(select(.type != "time"))'
  expect_error "$URUN" --root "$STATE" run --bundle b to2
  assert_contains "$out" ".linux.timeOffsets: needs a time namespace"
  assert_nothing_left to "$T/b"
}

test_ping_group_range() {
  # a new network namespace lets every gid of the container ping
  make_bundle b /bin/sh -c 'cat /proc/sys/net/ipv4/ping_group_range; cat /proc/self/gid_map'
  cfg b '.linux.namespaces |= (map(select(.type != "network")) + [{"type": "network"}])'
  local out max
  out=$(cd b && urun run pg 2>&1) || fail "run failed: $out"
  # the highest gid of the container's map (root without a user namespace: all)
  max=$(tail -n +2 <<<"$out" | awk 'BEGIN {x = 0} {m = $1 + $3 - 1; if (m > x) x = m} END {if (x > 2147483647) x = 2147483647; print x}')
  assert_eq "$(head -n 1 <<<"$out" | tr -s ' \t' ' ')" "0 $max"
  # the config's own value wins
  cfg b '.process.args = ["/bin/cat", "/proc/sys/net/ipv4/ping_group_range"] | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
  out=$(cd b && urun run pg4 2>&1) || fail "run failed: $out"
  assert_eq "$(tr -s ' \t' ' ' <<<"$out")" "0 0"
  assert_nothing_left pg4 "$T/b"
}

test_keep_original_groups() {
  # run.oci.keep_original_groups=1: the caller's supplementary groups stay
  # (podman's --group-add keep-groups); without it, only additionalGids
  is_root || skip "a user's supplementary groups are not mapped in its user namespace; this is root's case (setpriv gives root extra groups)"
  make_bundle b /bin/sh -c 'grep ^Groups: /proc/self/status'
  cfg b '.process.user.additionalGids = [7]'
  local out
  out=$(cd b && setpriv --groups=4242,4243 --reuid 0 --regid 0 -- "$URUN" --root "$STATE" run kg 2>&1) || fail "run failed: $out"
  assert_eq "$(tr -s ' \t' ' ' <<<"$out")" "Groups: 7 "
  cfg b '.annotations["run.oci.keep_original_groups"] = "1"'
  out=$(cd b && setpriv --groups=4242,4243 --reuid 0 --regid 0 -- "$URUN" --root "$STATE" run kg 2>&1) || fail "run failed: $out"
  assert_contains "$out" 4242
  assert_contains "$out" 4243
  assert_nothing_left kg "$T/b"
}
