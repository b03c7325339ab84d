# limits.sh: cgroup v2 limits with systemd, in ../shared/testvm (systemd as
# PID 1, cgroup v2 only, a user with delegation).  Run by tests/vm/run.sh as
# the VM's user `tester` (user bus) and as root (system bus).

# systemctl for the bus the container's scope is on
sysctl_bus() { if is_root; then systemctl "$@"; else systemctl --user "$@"; fi; }

# A bundle asking for limits; the cgroup driver is systemd unless said.
limits_bundle() {
  make_bundle "$@"
  cfg b '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 40},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000}, "blockIO": {"weight": 300}}'
}

private() { jq -r ".urun.$2" "$STATE/$1/state.json"; }

test_systemd_scope_with_limits() {
  limits_bundle b /testprog sleep 100
  (cd b && urun --systemd-cgroup run -d sl >/dev/null) || fail "run -d failed"
  local unit path pid
  unit=$(private sl cgroupUnit)
  path=$(private sl cgroupPath)
  pid=$(urun state sl | jq -r .pid)
  assert_eq "$unit" urun-sl.scope
  # init is in the scope's leaf, as systemd and the kernel both say
  assert_eq "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/"$pid"/cgroup)" "$path"
  assert_eq "$(basename "$path")" container
  assert_eq "$(basename "$(dirname "$path")")" "$unit"
  # systemd knows the limits (properties of the scope, Delegate=yes)
  local props
  props=$(sysctl_bus show "$unit" -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec -p CPUWeight -p IOWeight -p Delegate)
  assert_contains "$props" "MemoryMax=67108864"
  assert_contains "$props" "TasksMax=40"
  assert_contains "$props" "CPUQuotaPerSecUSec=500ms"
  assert_contains "$props" "CPUWeight=20" "shares 512 as runc converts them"
  assert_contains "$props" "IOWeight=2930"
  assert_contains "$props" "Delegate=yes"
  # the kernel enforces them: the scope's files and the leaf's
  local d
  for d in "$(dirname "$path")" "$path"; do
    assert_eq "$(cat "$d/memory.max")" 67108864 "$d/memory.max"
    assert_eq "$(cat "$d/pids.max")" 40 "$d/pids.max"
    assert_eq "$(cat "$d/cpu.max")" "50000 100000" "$d/cpu.max"
    assert_eq "$(cat "$d/cpu.weight")" 20 "$d/cpu.weight"
    assert_eq "$(cat "$d/io.weight")" "default 2930" "$d/io.weight"
  done
  # the container sees its own group at /sys/fs/cgroup (cgroup namespace)
  local inside
  inside=$(urun exec sl /bin/sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max')
  assert_eq "$inside" "$(printf '0::/\n67108864\n40\n50000 100000')"
  urun delete -f sl
  # nothing left: no unit, no group
  [ ! -d "$(dirname "$path")" ] || fail "scope cgroup left: $(dirname "$path")"
  assert_contains "$(sysctl_bus show "$unit" -p LoadState -p ActiveState)" "ActiveState=inactive"
  sysctl_bus list-units --all --no-legend | grep -q "$unit" && fail "unit $unit left"
  assert_nothing_left sl "$T/b"
}

test_systemd_is_the_default_driver() {
  # a user whose systemd is reachable gets a scope without asking; root
  # keeps cgroupfs unless --systemd-cgroup, as runc
  limits_bundle b /testprog sleep 100
  (cd b && urun run -d dd >/dev/null) || fail "run -d failed"
  if is_root; then
    assert_eq "$(private dd cgroupUnit)" null
  else
    assert_eq "$(private dd cgroupUnit)" urun-dd.scope
  fi
  assert_eq "$(cat "$(private dd cgroupPath)/memory.max")" 67108864
  urun delete -f dd
  assert_nothing_left dd "$T/b"
}

# The same id under another --root names the same scope: the second create
# is refused by name and leaves nothing, and the first container's scope is
# not stopped by the failed one's clean-up.
test_scope_in_use_refused() {
  limits_bundle b /testprog sleep 100
  (cd b && urun --systemd-cgroup run -d su >/dev/null) || fail "run -d failed"
  local unit path pid out
  unit=$(private su cgroupUnit)
  path=$(private su cgroupPath)
  pid=$(urun state su | jq -r .pid)
  mkdir "$T/root2"
  out=$(cd b && "$URUN" --root "$T/root2" --systemd-cgroup run -d su 2>&1) && fail "a second scope of the same name was had"
  assert_eq "$(status_of su)" running "the first container runs on"
  assert_contains "$(sysctl_bus show "$unit" -p ActiveState)" "ActiveState=active"
  assert_eq "$(cat "$path/cgroup.procs")" "$pid" "only the first container's init in its group"
  assert_eq "$out" "urun: create \"su\": systemd: $unit exists already (another container's?): give this one another id or .linux.cgroupsPath"
  assert_file_absent "$T/root2/su" "state directory left behind"
  urun delete -f su
  assert_nothing_left su "$T/b"
}

test_podman_style_cgroups_path() {
  limits_bundle b /testprog sleep 100
  local slice=user.slice
  cfg b --arg s "$slice" '.linux.cgroupsPath = ($s + ":libpod:pcp")'
  (cd b && urun --systemd-cgroup run -d pcp >/dev/null) || fail "run -d failed"
  assert_eq "$(private pcp cgroupUnit)" libpod-pcp.scope
  assert_contains "$(private pcp cgroupPath)" "/$slice/libpod-pcp.scope/container"
  urun delete -f pcp
  assert_nothing_left pcp "$T/b"
}

test_oom_kill_and_events() {
  make_bundle b /testprog alloc 200
  cfg b '.linux.resources = {"memory": {"limit": 33554432, "swap": 33554432}}'
  (cd b && urun --systemd-cgroup create om) || fail "create failed"
  urun events --interval 10s om >"$T/events" &
  local ev=$!
  # its first stats event comes after it has read the counters it counts from
  wait_for grep -q '"type":"stats"' "$T/events"
  urun start om || fail "start failed"
  wait_status om stopped
  wait $ev
  grep -q '"type":"oom"' "$T/events" || fail "no oom event: $(cat "$T/events")"
  assert_eq "$(jq -r 'select(.type == "oom") | .id' "$T/events" | head -n 1)" om
  urun delete om
  assert_nothing_left om "$T/b"
  # run reports the kill as 128+9
  local rc=0
  (cd b && urun --systemd-cgroup run om2 >/dev/null 2>&1) || rc=$?
  assert_eq "$rc" 137 "exit status of an OOM-killed container"
  assert_nothing_left om2 "$T/b"
}

# systemd removes a scope's groups as soon as init is gone, and urun events
# may not have read the kill yet: it is still reported (from the group's
# lasting ancestor), and a plain exit is not taken for one.  The stream is
# stopped (SIGSTOP) until systemd is done, so the test is not a race.
test_oom_kill_seen_after_systemd_removed_the_group() {
  local case id n
  for case in oom exit; do
    id=rg-$case
    rm -rf b
    if [ $case = oom ]; then make_bundle b /testprog alloc 200; else make_bundle b /testprog exit 0; fi
    cfg b '.linux.resources = {"memory": {"limit": 33554432, "swap": 33554432}}'
    (cd b && urun --systemd-cgroup create $id) || fail "create failed"
    local path
    path=$(private $id cgroupPath)
    "$URUN" --root "$STATE" events --interval 1h $id >"$T/events" &
    local ev=$!
    wait_for grep -q '"type":"stats"' "$T/events"
    kill -STOP $ev
    urun start $id || fail "start failed"
    wait_status $id stopped
    wait_for test ! -d "$(dirname "$path")"
    kill -CONT $ev
    wait $ev || fail "events failed after the group went"
    n=$(grep -c '"type":"oom"' "$T/events")
    if [ $case = oom ]; then
      assert_eq "$n" 1 "one oom event for init's OOM kill"
    else
      assert_eq "$n" 0 "no oom event for a plain exit"
    fi
    urun delete $id
    assert_nothing_left $id "$T/b"
  done
}

# cpu ticks (user+sys) a process has used
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The OOM killer takes a child and the container runs on: events reports the
# kill as it happens, once, and then sleeps (memory.events stays changed, so
# a watcher that never re-reads it through the fd it polls would spin).
test_oom_kill_of_a_child_while_running() {
  make_bundle b /bin/sh -c 'read go; /testprog alloc 200; echo survived; exec /testprog sleep 100'
  cfg b '.process.terminal = false | .linux.resources = {"memory": {"limit": 33554432, "swap": 33554432}}'
  mkfifo "$T/go"
  (cd b && urun --systemd-cgroup run -d oc <"$T/go" >"$T/oc.out" 2>&1) &
  exec {go}>"$T/go"
  wait_status oc running
  # not through the urun function: $! is then urun itself
  "$URUN" --root "$STATE" events --interval 1h oc >"$T/events" &
  local ev=$!
  wait_for grep -q '"type":"stats"' "$T/events"
  echo >&$go
  wait_for grep -q survived "$T/oc.out"
  wait_for grep -q '"type":"oom"' "$T/events"
  assert_eq "$(status_of oc)" running "the container outlives its child's OOM kill"
  local before after
  before=$(cpu_ticks $ev)
  sleep 1
  after=$(cpu_ticks $ev)
  [ $((after - before)) -le 5 ] || fail "urun events used $((after - before)) ticks in a second after the kill"
  urun delete -f oc
  wait $ev
  exec {go}>&-
  assert_eq "$(grep -c '"type":"oom"' "$T/events")" 1 "one oom event for one kill"
  assert_nothing_left oc "$T/b"
}

test_fork_bomb_stops_at_pids_max() {
  make_bundle b /testprog forks 60 100
  cfg b '.linux.resources = {"pids": {"limit": 20}}'
  (cd b && urun --systemd-cgroup run -d fb >"$T/fb.out") || fail "run -d failed"
  local path
  path=$(private fb cgroupPath)
  wait_for grep -q forked "$T/fb.out"
  assert_eq "$(cat "$T/fb.out")" "forked 19 of 60" "forks stopped at pids.max (init is the 20th)"
  grep -q '^max [1-9]' "$path/pids.events" || fail "pids.events: $(cat "$path/pids.events")"
  local n
  n=$(cat "$path/pids.current")
  [ "$n" -le 20 ] || fail "pids.current $n above pids.max 20"
  [ "$n" -ge 15 ] || fail "only $n processes: the bomb did not reach the limit"
  urun delete -f fb
  assert_nothing_left fb "$T/b"
}

test_pause_resume_update() {
  limits_bundle b /testprog sleep 100
  (cd b && urun --systemd-cgroup run -d pu >/dev/null) || fail "run -d failed"
  local path unit
  path=$(private pu cgroupPath)
  unit=$(private pu cgroupUnit)
  urun pause pu || fail "pause failed"
  assert_eq "$(status_of pu)" paused
  assert_eq "$(sed -n 's/^frozen //p' "$path/cgroup.events")" 1
  urun resume pu || fail "resume failed"
  assert_eq "$(status_of pu)" running
  assert_eq "$(sed -n 's/^frozen //p' "$path/cgroup.events")" 0
  urun update --memory 100m --pids-limit 30 --cpu-quota 20000 pu || fail "update failed"
  assert_eq "$(cat "$path/memory.max")" 104857600
  assert_eq "$(cat "$path/pids.max")" 30
  assert_eq "$(cat "$path/cpu.max")" "20000 100000"
  local props
  props=$(sysctl_bus show "$unit" -p MemoryMax -p TasksMax)
  assert_contains "$props" "MemoryMax=104857600" "systemd knows the new limit"
  assert_contains "$props" "TasksMax=30"
  out=$(urun events --stats pu) || fail "events --stats failed"
  assert_eq "$(jq .data.memory.usage.limit <<<"$out")" 104857600
  assert_eq "$(jq .data.pids.limit <<<"$out")" 30
  [ "$(jq .data.pids.current <<<"$out")" -ge 1 ] || fail "no pids in stats: $out"
  assert_eq "$(urun ps --format json pu | jq length)" 1
  urun delete -f pu
  [ ! -d "$path" ] || fail "cgroup left: $path"
  assert_nothing_left pu "$T/b"
}

test_same_limits_as_crun() {
  # the in-container view of the same limits under crun and urun
  command -v crun >/dev/null || fail "crun is missing in the VM"
  limits_bundle b /bin/sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max /proc/self/cgroup'
  local u c
  u=$(cd b && urun --systemd-cgroup run cu 2>&1) || fail "urun failed: $u"
  # crun 1.8 knows runtime-spec versions up to 1.0.x
  cfg b '.ociVersion = "1.0.2"'
  c=$(cd b && crun --root "$T/crun" --systemd-cgroup run cc 2>&1) || fail "crun failed: $c"
  assert_eq "$u" "$c" "urun and crun show the container the same limits"
  assert_nothing_left cu "$T/b"
}

test_cgroupfs_on_a_delegated_tree() {
  # cgroupfs driver where the caller may write (root, or the user's
  # delegated subtree under user@.service)
  limits_bundle b /testprog sleep 100
  if ! is_root; then
    # a user's login session scope is not delegated: cgroupfs cannot make a
    # group, and the limits are refused clearly, never dropped
    expect_error "$URUN" --root "$STATE" --cgroup-manager cgroupfs run --bundle b cf
    assert_contains "$out" "not delegated to you"
    assert_nothing_left cf "$T/b"
    expect_error "$URUN" --root "$STATE" --cgroup-manager disabled run --bundle b cf
    assert_contains "$out" ".linux.resources.memory.limit: resource limits need a cgroup"
    assert_nothing_left cf "$T/b"
    return 0
  fi
  (cd b && urun --cgroup-manager cgroupfs run -d cf >/dev/null) || fail "run -d failed"
  local path
  path=$(private cf cgroupPath)
  assert_eq "$(private cf cgroupUnit)" null
  assert_eq "$(cat "$path/memory.max")" 67108864
  urun delete -f cf
  [ ! -d "$path" ] || fail "cgroup left: $path"
  assert_nothing_left cf "$T/b"
}
