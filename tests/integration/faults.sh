# faults.sh: urun killed (SIGKILL) at any instant of create, start and
# delete, a damaged state.json, garbage on urun-slirp's API socket: each
# followed by `delete --force`, after which nothing of the container is left
# (state directory, processes, mounts, cgroup or scope, helper).

# shellcheck source=tests/faults-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../faults-lib.sh"

# Delays that land in each phase of create (urun --debug on this 2-core
# machine: config read and cgroup made ~3 ms, init cloned ~4 ms, init ready
# and state written ~5.5 ms; a slower machine shifts them, the wide tail
# still covers every phase).
KILL_DELAYS="0.001 0.002 0.003 0.0035 0.004 0.0045 0.005 0.006 0.008 0.012 0.025"
# --net slirp adds the helper's start (~10-30 ms)
SLIRP_KILL_DELAYS="0.004 0.006 0.008 0.010 0.015 0.020 0.030 0.050"

# ids of this test's own: other tests (other users of the machine) make
# groups named by their ids in the same /urun parent
P=f$$-

slirp_usable() {
  [ -x "$(dirname "$URUN")/urun-slirp" ] || skip "urun-slirp is not built beside urun"
  [ -r /dev/net/tun ] && [ -w /dev/net/tun ] ||
    skip "/dev/net/tun is not usable by $(id -un) (the test command makes it 0666, as udev does on a desktop)"
}

kill_sweep_create() {
  local net=$1 delays=$2 i=0 d
  for d in $delays; do
    i=$((i + 1))
    timeout -s KILL "$d" "$URUN" --root "$STATE" create $net --bundle "$T/b" "${P}k$i" </dev/null >/dev/null 2>&1
    delete_clean "${P}k$i" "$T/b"
  done
  # the id is usable again, and a create over a leftover directory undoes it too
  for d in 0.002 0.003 0.004; do
    timeout -s KILL "$d" "$URUN" --root "$STATE" create $net --bundle "$T/b" "${P}again" </dev/null >/dev/null 2>&1
    [ -e "$STATE/${P}again/state.json" ] && urun delete -f "${P}again" # it finished: not the case here
    urun create $net --bundle "$T/b" "${P}again" </dev/null >/dev/null 2>"$T/err" ||
      fail "create over a killed create's id failed: $(cat "$T/err")"
    urun delete -f "${P}again"
  done
  timeout -s KILL 0.003 "$URUN" --root "$STATE" create $net --bundle "$T/b" "${P}again" </dev/null >/dev/null 2>&1
  delete_clean "${P}again" "$T/b"
}

test_kill_create_sweep() {
  make_bundle b sleep 100
  kill_sweep_create "" "$KILL_DELAYS"
}

test_kill_create_with_limits_sweep() {
  # a memory limit: a cgroup of its own (cgroupfs as root, the user's
  # delegated subtree or systemd scope as a user)
  make_bundle b sleep 100
  cfg b '.linux.resources.pids = {"limit": 100}'
  urun create --bundle b "${P}probe" </dev/null >/dev/null 2>"$T/err" || skip "no cgroup for this user here: $(cat "$T/err")"
  delete_clean "${P}probe" "$T/b"
  kill_sweep_create "" "$KILL_DELAYS"
}

test_kill_create_slirp_sweep() {
  slirp_usable
  make_bundle b sleep 100
  kill_sweep_create "--net slirp" "$SLIRP_KILL_DELAYS"
}

test_kill_start_sweep() {
  make_bundle b sleep 100
  local i=0 d
  for d in 0.001 0.002 0.003 0.005 0.01; do
    i=$((i + 1))
    urun create --bundle b "${P}s$i" </dev/null >/dev/null 2>&1 || fail "create s$i failed"
    timeout -s KILL "$d" "$URUN" --root "$STATE" start "${P}s$i" </dev/null >/dev/null 2>&1
    delete_clean "${P}s$i" "$T/b"
  done
}

test_kill_delete_sweep() {
  make_bundle b sleep 100
  local i=0 d
  for d in 0.001 0.002 0.003 0.004 0.006 0.01 0.02; do
    i=$((i + 1))
    urun run -d --bundle b "${P}d$i" </dev/null >/dev/null 2>&1 || fail "run -d d$i failed"
    timeout -s KILL "$d" "$URUN" --root "$STATE" delete -f "${P}d$i" </dev/null >/dev/null 2>&1
    delete_clean "${P}d$i" "$T/b"
  done
}

# Damage state.json of a created container in one way; $victim is a live
# process of the caller that is not the container's.
damage() {
  local kind=$1 f=$STATE/${P}c/state.json
  case $kind in
  empty) : >"$f" ;;
  truncated) head -c 60 "$f" >"$f.x" && mv "$f.x" "$f" ;;
  random) head -c 300 /dev/urandom >"$f" ;;
  nul) jq -c . "$f" | head -c 40 >"$f.x" && printf '\0"}' >>"$f.x" && mv "$f.x" "$f" ;;
  pid-string) jq -c '.pid = "1234"' "$f" >"$f.x" && mv "$f.x" "$f" ;;
  other-pid)
    # pid and start time both rewritten to another live process of the user
    local st
    st=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$victim/stat")
    jq -c --argjson p "$victim" --argjson s "$st" '.pid = $p | .urun.startTime = $s' "$f" >"$f.x" && mv "$f.x" "$f" ;;
  esac
}

test_damaged_state() {
  make_bundle b sleep 100
  sleep 100 &
  victim=$!
  local kind out init
  for kind in empty truncated random nul pid-string other-pid; do
    urun create --bundle b "${P}c" </dev/null >/dev/null 2>&1 || fail "create failed"
    init=$(urun state "${P}c" | jq -r .pid)
    damage "$kind"
    out=$(urun list 2>&1) || fail "list failed ($kind): $out"
    assert_match "$out" $'\n'"${P}c"' +[0-9]+ +unknown ' "list shows the damaged container ($kind)"
    assert_contains "$out" "container \"${P}c\": " "list says why ($kind)"
    assert_eq "$(urun list --format json 2>/dev/null | jq -r '.[0].status')" unknown "list --format json ($kind)"
    [ -n "$(urun list --format json 2>/dev/null | jq -r '.[0].reason')" ] || fail "no reason in list's JSON ($kind)"
    expect_error "$URUN" --root "$STATE" state "${P}c"
    assert_contains "$out" "state is damaged" "state says what is wrong ($kind)"
    expect_error "$URUN" --root "$STATE" delete "${P}c"
    assert_contains "$out" "delete --force" "plain delete ($kind)"
    kill -0 "$init" 2>/dev/null || fail "init went away before delete -f ($kind)"
    delete_clean "${P}c" "$T/b"
    process_gone "$init" || fail "init $init of the damaged container left running ($kind)"
    kill -0 "$victim" 2>/dev/null || fail "delete -f killed process $victim, which is not the container's ($kind)"
  done
  kill "$victim"
}

# state.json and create's journal both gone: init is still found, as the
# process that holds the container's exec.fifo open (O_PATH, as only init
# does), and killed through a pidfd; its cgroup, named after the container,
# is removed.
test_damaged_state_and_journal() {
  is_root || skip "a user cannot read the descriptors of a created init (non-dumpable until it execs)"
  make_bundle b sleep 100
  urun create --bundle b "${P}j" </dev/null >/dev/null 2>&1 || fail "create failed"
  local init
  init=$(urun state "${P}j" | jq -r .pid)
  head -c 100 /dev/urandom >"$STATE/${P}j/state.json"
  rm "$STATE/${P}j/journal"
  delete_clean "${P}j" "$T/b"
  process_gone "$init" || fail "init $init left running"
}

# A create killed before state.json: list names it, delete -f undoes it.
test_list_shows_unfinished_create() {
  make_bundle b sleep 100
  urun create --bundle b "${P}u" </dev/null >/dev/null 2>&1 || fail "create failed"
  # what a create killed after the journal and before state.json leaves
  rm "$STATE/${P}u/state.json"
  local out
  out=$(urun list 2>&1)
  assert_match "$out" $'\n'"${P}u"' +[0-9]+ +unknown ' "list shows the unfinished create"
  assert_contains "$out" "create did not finish"
  delete_clean "${P}u" "$T/b"
}

test_state_written_atomically() {
  make_bundle b sleep 100
  urun create --bundle b "${P}a" </dev/null >/dev/null 2>&1 || fail "create failed"
  # written beside and renamed over: no temporary left, a complete file
  assert_file_absent "$STATE/${P}a/.state.json.tmp"
  jq -e .urun.startTime "$STATE/${P}a/state.json" >/dev/null || fail "state.json incomplete"
  delete_clean "${P}a" "$T/b"
}

# urun-slirp's API: every request one answer, whatever bytes it holds.
api_talk() {
  python3 - "$@" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
f = s.makefile("rb")
for req in sys.argv[2:]:
    s.sendall(req.encode().decode("unicode_escape").encode("latin-1") + b"\n")
    line = f.readline()
    if not line: sys.exit("no answer to %r" % req[:40])
    sys.stdout.write(line.decode(errors="replace"))
big = b'{"execute":"' + b"x" * 70000
s.sendall(big)
sys.stdout.write(f.readline().decode(errors="replace"))
EOF
}

test_slirp_api_nul_request() {
  slirp_usable
  make_bundle b sleep 100
  urun run -d --net slirp --bundle b "${P}n" </dev/null >/dev/null 2>&1 || fail "run --net slirp failed"
  local out
  out=$(api_talk "$STATE/${P}n/slirp.sock" '{"execute":\x00"list_hostfwd"}' '\x00' '{"execute":"list_hostfwd"}' '\xff\xfe{' 2>&1) ||
    fail "API: $out"
  assert_eq "$(grep -c . <<<"$out")" 5 "one answer a request: $out"
  assert_contains "$(sed -n 1p <<<"$out")" "NUL byte"
  assert_contains "$(sed -n 2p <<<"$out")" "NUL byte"
  assert_contains "$(sed -n 3p <<<"$out")" '"entries"'
  assert_contains "$(sed -n 4p <<<"$out")" '"error"'
  assert_contains "$(sed -n 5p <<<"$out")" "request too long"
  delete_clean "${P}n" "$T/b"
}

# The helper's pid (state.json) and its watchdog's (its child of that name).
helper_of() { jq -r .urun.netHelperPid "$STATE/$1/state.json"; }
watchdog_of() { pgrep -P "$1" -x slirp-watchdog; }

# kill -9 of urun-slirp: its watchdog stops the container (bounded: polled
# for 5 s), state says why, plain delete works and leaves nothing.
helper_killed_stops() {
  local id=$1 helper watchdog
  helper=$(helper_of "$id")
  watchdog=$(watchdog_of "$helper")
  kill -9 "$helper"
  wait_status "$id" stopped
  [ -n "$watchdog" ] || fail "no watchdog was beside the helper $helper"
  assert_eq "$(urun state "$id" | jq -r '.annotations["run.urun.network.helper"]')" \
    "exited: the container was stopped" "state of $id after kill -9 of its helper (log: $(cat "$STATE/$id/slirp.log"))"
  wait_for process_gone "$watchdog"
  out=$(urun delete "$id" 2>&1) || fail "plain delete of $id after its helper died: $out"
  assert_clean "$id" "$T/b"
}

test_slirp_helper_killed_run_detached() {
  slirp_usable
  make_bundle b sleep 100
  urun run -d --net slirp --bundle b "${P}h" </dev/null >/dev/null 2>&1 || fail "run --net slirp failed"
  helper_killed_stops "${P}h"
  # init as another user (a subordinate id when rootless): still stopped
  cfg b '.process.user = {"uid": 2, "gid": 2}'
  if ! is_root; then # uid 2 from the subordinate range (urun's default maps would make it ours)
    local subu subg
    subu=$(awk -F: -v u="$(id -un)" '$1 == u {print $2; exit}' /etc/subuid)
    subg=$(awk -F: -v u="$(id -un)" '$1 == u {print $2; exit}' /etc/subgid)
    [ -n "$subu" ] && [ -n "$subg" ] || skip "$(id -un) has no /etc/subuid and /etc/subgid range"
    cfg b '.linux.uidMappings = [{"containerID":0,"hostID":'"$(id -u)"',"size":1},{"containerID":1,"hostID":'"$subu"',"size":10}]
           | .linux.gidMappings = [{"containerID":0,"hostID":'"$(id -g)"',"size":1},{"containerID":1,"hostID":'"$subg"',"size":10}]'
  fi
  urun run -d --net slirp --bundle b "${P}h" </dev/null >/dev/null 2>"$T/err" || fail "run as uid 2: $(cat "$T/err")"
  assert_ne "$(awk '/^Uid:/ {print $2}' "/proc/$(jq -r .pid "$STATE/${P}h/state.json")/status")" "$(id -u)" "init's uid"
  helper_killed_stops "${P}h"
}

test_slirp_helper_killed_create_start() {
  slirp_usable
  make_bundle b sleep 100
  urun create --net slirp --bundle b "${P}h" </dev/null >/dev/null 2>&1 || fail "create --net slirp failed"
  helper_killed_stops "${P}h" # stopped while created, before start
  urun create --net slirp --bundle b "${P}h" </dev/null >/dev/null 2>&1 || fail "create --net slirp failed"
  urun start "${P}h" || fail "start failed"
  helper_killed_stops "${P}h"
}

test_slirp_helper_killed_run_foreground() {
  slirp_usable
  make_bundle b sleep 100
  urun run --net slirp --bundle b "${P}h" </dev/null >/dev/null 2>&1 &
  local run=$! rc=0
  wait_status "${P}h" running
  kill -9 "$(helper_of "${P}h")"
  for _ in $(seq 1 100); do kill -0 "$run" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$run" 2>/dev/null && { kill "$run"; fail "run still waits 5 s after its helper died"; }
  wait "$run" || rc=$?
  assert_eq "$rc" 137 "run's exit status when its helper died (init killed)"
  assert_clean "${P}h" "$T/b"
}

# The watchdog kills nothing when the helper ends in order: the container
# exits by itself, or the helper is told to stop (SIGTERM, as delete does).
test_slirp_watchdog_quiet() {
  slirp_usable
  make_bundle b sh -c 'sleep 0.3; exit 3'
  local rc=0
  urun run --net slirp --bundle b "${P}q" </dev/null >/dev/null 2>&1 || rc=$?
  assert_eq "$rc" 3 "exit status of a container that ended by itself"
  assert_clean "${P}q" "$T/b"
  cfg b '.process.args = ["sleep", "100"]'
  urun run -d --net slirp --bundle b "${P}q" </dev/null >/dev/null 2>&1 || fail "run --net slirp failed"
  local helper watchdog
  helper=$(helper_of "${P}q")
  watchdog=$(watchdog_of "$helper") || fail "no watchdog beside the helper $helper"
  kill -TERM "$helper"
  wait_for process_gone "$helper"
  wait_for process_gone "$watchdog"
  sleep 0.2
  assert_eq "$(status_of "${P}q")" running "the container after its helper ended in order"
  assert_not_contains "$(cat "$STATE/${P}q/slirp.log")" "stopped" "the helper's log"
  expect_error "$URUN" --root "$STATE" delete "${P}q"
  assert_contains "$out" "urun-slirp has exited"
  urun kill "${P}q" KILL
  wait_status "${P}q" stopped
  out=$(urun delete "${P}q" 2>&1) || fail "delete: $out"
  assert_clean "${P}q" "$T/b"
}

test_overlapping_id_mappings() {
  make_bundle b true
  cfg b '.linux.namespaces |= (if any(.type == "user") then . else . + [{"type":"user"}] end) | .linux.uidMappings = [{"containerID":0,"hostID":'"$(id -u)"',"size":1}]
         | .linux.gidMappings = [{"containerID":0,"hostID":'"$(id -g)"',"size":1},{"containerID":0,"hostID":100000,"size":10}]'
  expect_error "$URUN" --root "$STATE" create --bundle b "${P}o"
  assert_contains "$out" "config.json: .linux.gidMappings[1]: containerID range overlaps .linux.gidMappings[0]"
  assert_not_contains "$out" "/etc/subgid"
  assert_nothing_left "${P}o"
}
