# faults.sh (VM): create killed (SIGKILL) at instants through each of its
# phases with the systemd cgroup driver (a transient scope: the user's
# systemd for `tester`, the system's for root), then delete --force: no
# scope, group, process or state is left.  The delays come from create's own
# phase times (--debug) here: the VM's software emulation is ~20x slower.

# shellcheck source=tests/faults-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../faults-lib.sh"

P=f$$-

# create's time to "created" with these flags, in ms (from --debug).
create_ms() {
  urun --debug "$@" create --bundle "$T/b" "${P}probe" </dev/null >/dev/null 2>"$T/dbg" ||
    fail "create failed: $(cat "$T/dbg")"
  urun delete -f "${P}probe"
  sed -n 's/.*phase init ready.* at +\([0-9.]*\) ms.*/\1/p' "$T/dbg" | cut -d. -f1
}

kill_sweep() {
  local total i=0 pct d
  total=$(create_ms "$@")
  [ -n "$total" ] || fail "no phase times in: $(cat "$T/dbg")"
  for pct in 3 10 20 30 40 50 60 70 80 90 100 120; do
    i=$((i + 1))
    d=$(awk -v t="$total" -v p="$pct" 'BEGIN { printf "%.3f", t * p / 100000 }')
    timeout -s KILL "$d" "$URUN" --root "$STATE" "$@" create --bundle "$T/b" "${P}k$i" </dev/null >/dev/null 2>&1
    delete_clean "${P}k$i" "$T/b"
  done
}

test_kill_create_systemd_scope_sweep() {
  make_bundle b sleep 100
  cfg b '.linux.resources = {"pids": {"limit": 100}}'
  kill_sweep --systemd-cgroup
}

test_kill_create_cgroupfs_sweep() {
  is_root || skip "cgroupfs groups of its own: root (a user's go through systemd here)"
  make_bundle b sleep 100
  cfg b '.linux.resources = {"pids": {"limit": 100}}'
  kill_sweep --cgroup-manager=cgroupfs
}
