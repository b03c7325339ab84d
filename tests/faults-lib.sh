# faults-lib.sh (sourced): what tests/integration/faults.sh and
# tests/vm/faults.sh check after a kill and a delete --force: nothing of the
# container is left.

# The cgroup2 mount (unified, or a hybrid host's "unified").
cgroup2_mount() {
  local m
  for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
    [ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ] && { echo "$m"; return; }
  done
}

# Any process urun made for ID: urun itself (its command line names the
# state root and the id), the helper (its API socket is in the state
# directory), the container's processes (their root is the bundle's rootfs).
procs_of() {
  local id=$1 bundle=$2 p args
  for p in /proc/[0-9]*; do
    [ -n "$bundle" ] && [ "$p/root" -ef "$bundle/rootfs" ] && { echo "${p#/proc/}"; continue; }
    mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
    case " ${args[*]} " in
    *" --root $STATE "*" $id "*) echo "${p#/proc/}" ;;
    *"$STATE/$id/slirp.sock"*) echo "${p#/proc/}" ;;
    esac
  done
}
no_procs_of() { [ -z "$(procs_of "$@")" ]; }

# Nothing of container ID is left.  The helper and an init whose create
# died before it was recorded go by themselves (init's parent-death
# signal, the helper's watch on init): waited for, a few ms.
assert_clean() {
  local id=$1 bundle=$2 cg left
  assert_file_absent "$STATE/$id" "state directory of $id left behind"
  for _ in $(seq 1 100); do no_procs_of "$id" "$bundle" && break; sleep 0.02; done
  left=$(procs_of "$id" "$bundle")
  [ -z "$left" ] || fail "processes of $id left: $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
  ! grep -q " $bundle/" /proc/self/mountinfo || fail "mount of $bundle left on the host"
  cg=$(cgroup2_mount)
  if [ -n "$cg" ]; then
    for _ in $(seq 1 $((50 * ${WAIT_SCALE:-1}))); do
      left=$(find "$cg" -maxdepth 8 -type d \( -name "$id" -o -name "urun-$id.scope" \) 2>/dev/null)
      [ -z "$left" ] && break
      sleep 0.02
    done
    [ -z "$left" ] || fail "cgroup of $id left: $left"
  fi
}

# delete --force exits 0 and leaves nothing.
delete_clean() {
  local id=$1 bundle=$2 out
  out=$(urun delete -f "$id" 2>&1) || fail "delete -f $id after the kill failed: $out"
  assert_clean "$id" "$bundle"
}

# No process, or a zombie its (re)parent has yet to reap.
process_gone() {
  local st
  st=$(awk '/^State:/ {print $2}' /proc/"$1"/status 2>/dev/null)
  [ -z "$st" ] || [ "$st" = Z ]
}

