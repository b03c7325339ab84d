# podman.sh (VM): rootless podman with --cgroup-manager=systemd in
# ../shared/testvm (systemd as PID 1, cgroup v2, delegation), urun beside the
# VM's crun: limits applied and read back inside, stats, update,
# pause/unpause.  Run by tests/vm/run.sh as the VM's user (root: skipped,
# the scenarios are rootless podman's).
PODMAN_CGROUP_MANAGER=systemd
# shellcheck source=tests/podman-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../podman-lib.sh"

# what the container's own cgroup says (its namespace root)
cg_inside() { echo "$(cat /sys/fs/cgroup/memory.max) $(cat /sys/fs/cgroup/pids.max) $(cat /sys/fs/cgroup/cpu.max)"; }

sc_limits_applied() {
  run_rc prun --memory 64m --pids-limit 40 --cpus 0.5 "$PODMAN_IMG" sh -c \
    'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max; cat /proc/self/cgroup'
  assert_eq "$rc" 0 "run with limits (output: $out)"
  assert_eq "$(sed -n 1,3p <<<"$out" | tr '\n' '|')" "67108864|40|50000 100000|" "limits seen inside"
  assert_eq "$(sed -n 4p <<<"$out")" "0::/" "a cgroup namespace rooted at the container's group"
  podman_nothing_left
}

sc_stats_update_pause() {
  local c=$RTN-upd pid unit
  run_rc pm run -d --pull=never --runtime "$RT" --name "$c" --memory 64m "$PODMAN_IMG" sleep 1000
  assert_eq "$rc" 0 "run -d (output: $out)"
  pid=$(pm inspect -f '{{.State.Pid}}' "$c")
  # the scope systemd made for it, with the limit on the host side too
  assert_match "$(cat /proc/"$pid"/cgroup)" "0::/user.slice/.*libpod.*\\.scope"
  local d
  d=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/"$pid"/cgroup)
  [ "$(cat "$d/memory.max")" = 67108864 ] || [ "$(cat "$(dirname "$d")/memory.max")" = 67108864 ] ||
    fail "memory.max not 64m at $d or above"
  run_rc pm stats --no-stream --format '{{.Name}} {{.MemUsage}}' "$c"
  assert_eq "$rc" 0 "stats (output: $out)"
  assert_match "$out" "^$c [0-9.]+[kKMG]i?B / 67\\.1[0-9]*MB"
  run_rc pm update --memory 128m "$c"
  assert_eq "$rc" 0 "update (output: $out)"
  assert_eq "$(pm exec "$c" cat /sys/fs/cgroup/memory.max)" 134217728 "memory.max after update"
  run_rc pm pause "$c"
  assert_eq "$rc" 0 "pause (output: $out)"
  assert_eq "$(pm inspect -f '{{.State.Status}}' "$c")" paused
  assert_eq "$(awk '/^State:/ {print $2}' /proc/"$pid"/status)" S "frozen"
  assert_eq "$(cat "$d/cgroup.freeze" 2>/dev/null || cat "$(dirname "$d")/cgroup.freeze")" 1 "cgroup.freeze"
  run_rc pm unpause "$c"
  assert_eq "$rc" 0 "unpause (output: $out)"
  assert_eq "$(pm inspect -f '{{.State.Status}}' "$c")" running
  run_rc pm rm -f -t 0 "$c"
  podman_nothing_left
}

# (one scenario a test: podman under emulation is slow, a test has 120 s)
test_podman_systemd_limits() {
  podman_setup
  both sc_limits_applied
  podman_finish
}

test_podman_systemd_stats_update_pause() {
  podman_setup
  both sc_stats_update_pause
  podman_finish
}

# --sdnotify=container: the container's READY=1 reaches the caller's
# NOTIFY_SOCKET through podman (urun passes the socket into the container).
sc_sdnotify_container() {
  local c=$RTN-notify sock=$T/notify-$RTN.sock
  "$TESTPROG" dgram-recv "$sock" 2 >"$T/notify-$RTN.out" &
  local recv=$!
  wait_for test -S "$sock"
  run_rc env NOTIFY_SOCKET="$sock" timeout 300 podman --root "$T/storage" --runroot "$T/runroot" --storage-driver vfs \
    run -d --pull=never --runtime "$RT" --name "$c" --sdnotify=container "$PODMAN_IMG" \
    sh -c '/testprog sd-notify READY=1; sleep 1000'
  assert_eq "$rc" 0 "run -d --sdnotify=container (output: $out)"
  wait_for eval 'grep -q READY=1 "$T/notify-$RTN.out"'
  kill $recv 2>/dev/null
  assert_eq "$(pm inspect -f '{{.State.Status}}' "$c")" running
  run_rc pm rm -f -t 0 "$c"
  podman_nothing_left
}

test_podman_sdnotify() {
  podman_setup
  both sc_sdnotify_container
  podman_finish
}
