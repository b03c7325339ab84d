# security.sh: one test per CVE class of runc's and crun's history, each
# written as the attack (issue 15).  A test aims only at files it owns (a copy
# of the binary, a scratch file), never at /proc/sys or the installed urun.

# --- CVE-2019-5736: the container reaches the runtime's own binary --------

# A copy of urun (and its helper) that the test owns: what an attack that
# works would overwrite.  Prints the copy's checksum.
own_urun() {
  cp "$URUN" "$T/urun"
  local slirp
  slirp=$(dirname "$URUN")/urun-slirp
  if [ -x "$slirp" ]; then cp "$slirp" "$T/urun-slirp"; fi
  chmod 755 "$T"/urun*
  sha256sum "$T"/urun* | sha256sum
}
uown() { "$T/urun" --root "$STATE" "$@"; }

# The attacker's tools: a symlink to /proc/self/exe and a script whose
# interpreter it is.
plant_self_exe_links() {
  ln -s /proc/self/exe "$1/rootfs/bin/evil"
  printf '#!/proc/self/exe\n' >"$1/rootfs/bin/evil.sh"
  chmod 755 "$1/rootfs/bin/evil.sh"
}

# What a process in the container got when it executed urun's binary
# through PATH: none of urun's own output may show.
assert_urun_did_not_run() {
  assert_not_contains "$1" "urun version" "$2: urun's binary ran inside the container"
  assert_not_contains "$1" "unknown command" "$2: urun's binary ran inside the container"
}

test_sec_self_exe_through_exec() {
  local sum
  sum=$(own_urun)
  make_bundle "$T/b" /testprog sleep 30
  plant_self_exe_links "$T/b"
  mkfifo -m 666 "$T/b/rootfs/tmp/fifo"
  (cd "$T/b" && uown create c >/dev/null 2>&1) || fail "create failed"
  uown start c || fail "start failed"
  # the attacker: holds the exe of any runtime process it sees, writes it once that is gone
  uown exec -d c /testprog exe-hunt /tmp/fifo 3 >"$T/hunt.out" 2>&1 || fail "exec of the hunter failed"
  local out
  out=$(uown exec c /proc/self/exe --version 2>&1)
  assert_urun_did_not_run "$out" "exec /proc/self/exe"
  out=$(uown exec c /bin/evil --version 2>&1)
  assert_urun_did_not_run "$out" "exec of a symlink to /proc/self/exe"
  out=$(uown exec c /bin/evil.sh 2>&1)
  assert_urun_did_not_run "$out" "exec of a #!/proc/self/exe script"
  # urun's binary, were it run, would wait on the fifo until the hunter holds it
  out=$(uown exec c /proc/self/exe --log /tmp/fifo state x 2>&1)
  WAIT_SCALE=4 wait_for grep -q '^exe-hunt:' "$T/hunt.out"
  out=$(cat "$T/hunt.out")
  ! grep -q '^wrote' "$T/hunt.out" || fail "the container wrote the runtime's binary: $out"
  assert_contains "$out" "exe-hunt: held 0" "the container held an fd on a runtime binary"
  assert_eq "$(sha256sum "$T"/urun* | sha256sum)" "$sum" "urun's binary changed"
  uown delete -f c
}

test_sec_self_exe_as_init() {
  own_urun >/dev/null
  make_bundle "$T/b" /proc/self/exe --version
  plant_self_exe_links "$T/b"
  local out rc=0
  out=$(cd "$T/b" && uown run c1 2>&1) || rc=$?
  assert_ne "$rc" 0 "init /proc/self/exe ran"
  assert_urun_did_not_run "$out" "init /proc/self/exe"
  cfg "$T/b" '.process.args = ["/bin/evil", "--version"]'
  rc=0
  out=$(cd "$T/b" && uown run c2 2>&1) || rc=$?
  assert_ne "$rc" 0 "init /bin/evil ran"
  assert_urun_did_not_run "$out" "init: a symlink to /proc/self/exe"
  cfg "$T/b" '.process.args = ["/bin/evil.sh"]'
  rc=0
  out=$(cd "$T/b" && uown run c3 2>&1) || rc=$?
  assert_ne "$rc" 0 "init /bin/evil.sh ran"
  assert_urun_did_not_run "$out" "init: a #!/proc/self/exe script"
  assert_nothing_left c1 "$T/b"
}

# The processes urun leaves beside a container (run waiting, exec waiting,
# init before start) and its helper run from sealed copies: their exe is
# no file of the host's.
test_sec_runtime_processes_run_from_sealed_copies() {
  own_urun >/dev/null
  make_bundle "$T/b" /testprog sleep 30
  (cd "$T/b" && uown create c >/dev/null 2>&1) || fail "create failed"
  local pid exe
  pid=$(uown state c | jq -r .pid)
  # a created init is urun's code: non-dumpable, its exe unreadable even to us
  if exe=$(readlink "/proc/$pid/exe" 2>/dev/null); then
    assert_match "$exe" '^/memfd:urun' "a created init's executable"
  fi
  uown start c
  uown exec c /testprog sleep 5 &
  local waiter=$!
  wait_for pgrep -f "^$T/urun --root $STATE exec c" >/dev/null
  exe=$(readlink "/proc/$(pgrep -f "^$T/urun --root $STATE exec c" | head -1)/exe")
  assert_match "$exe" '^/memfd:urun \(deleted\)$' "the waiting exec's executable"
  kill "$waiter" 2>/dev/null
  wait "$waiter" 2>/dev/null
  uown delete -f c
}

# --- CVE-2024-21626: a cwd through an fd the runtime or its caller holds ---

# Whatever directory a process got, nothing of the host shows in it.
assert_cwd_inside() {
  assert_not_contains "$1" "OUTSIDE" "$2: the process's cwd was outside the container's root"
  assert_not_contains "$1" "hostmark" "$2: the process saw the test's host directory"
  assert_not_contains "$1" "state.json" "$2: the process saw urun's state directory"
  assert_not_contains "$1" "exec.fifo" "$2: the process saw urun's state directory"
}

# What a process sees from its cwd: the container's root is four levels up
# from anywhere inside it (it holds /testprog); the host's is not.
look='pwd; ls -a; ls -a ..; ls -a ../../../.. | grep -qx testprog && echo INSIDE || echo OUTSIDE'

# The caller leaks directory fds 3-10 (the state root's parent among them).
with_leaked_dirs() { "$@" 3<"$T" 4<"$T" 5<"$T/state" 6<"$T" 7<"$T" 8<"$T" 9<"$T" 10<"$T"; }

test_sec_exec_cwd_through_fds() {
  touch "$T/hostmark"
  make_bundle "$T/b" /testprog sleep 30
  ln -s /proc/self/fd/3 "$T/b/rootfs/evilcwd"
  (cd "$T/b" && urun create c >/dev/null 2>&1) || fail "create failed"
  urun start c
  local n out
  for n in 3 4 5 6 7 8 9 10 11 12; do
    out=$(with_leaked_dirs urun exec --cwd "/proc/self/fd/$n" c /bin/sh -c "$look" 2>&1)
    assert_cwd_inside "$out" "exec --cwd /proc/self/fd/$n"
  done
  out=$(with_leaked_dirs urun exec --cwd /evilcwd c /bin/sh -c "$look" 2>&1)
  assert_cwd_inside "$out" "exec --cwd of a symlink to /proc/self/fd/3"
  out=$(with_leaked_dirs urun exec --cwd /proc/self/fd/3 c /bin/true 2>&1) && fail "exec with a cwd through a magic link ran"
  assert_contains "$out" "cwd" "the error names the cwd"
  # and nothing of the caller's or urun's is open when the process starts
  out=$(with_leaked_dirs urun exec c /testprog info) || fail "exec failed"
  assert_eq "$(jq -c '[.fds[].fd]' <<<"$out")" "[0,1,2]" "fds open in the exec'd process"
  urun delete -f c
}

test_sec_init_cwd_through_fds() {
  touch "$T/hostmark"
  make_bundle "$T/b" /bin/sh -c "$look"
  ln -s /proc/self/fd/3 "$T/b/rootfs/evilcwd"
  local n out
  for n in 3 4 5 6 7 8 9 10 11 12 13; do
    cfg "$T/b" --arg cwd "/proc/self/fd/$n" '.process.cwd = $cwd'
    out=$(cd "$T/b" && with_leaked_dirs urun run "c$n" 2>&1)
    assert_cwd_inside "$out" "init cwd /proc/self/fd/$n"
    urun delete -f "c$n" >/dev/null 2>&1
  done
  cfg "$T/b" '.process.cwd = "/evilcwd"'
  out=$(cd "$T/b" && with_leaked_dirs urun run cs 2>&1)
  assert_cwd_inside "$out" "init cwd of a symlink to /proc/self/fd/3"
  assert_nothing_left cs "$T/b"
}

# runc's order: the cwd is entered with the runtime's privileges, before the
# user switch, so root without capabilities still gets a directory of
# another uid that it could not enter by itself.
test_exec_cwd_entered_before_the_user_switch() {
  make_bundle "$T/b" /bin/sh -c 'mkdir -m 0700 /private && busybox chown 1:1 /private && exec sleep 30'
  if ! is_root; then
    command -v newuidmap >/dev/null && grep -q "^$(id -un):" /etc/subuid ||
      skip "needs a subordinate uid range for $(id -un) (uid 1 in the container)"
    # no user namespace in the config: urun maps the caller and its range
    cfg "$T/b" 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
  fi
  cfg "$T/b" '.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
  (cd "$T/b" && urun create c >/dev/null 2>&1) || fail "create failed"
  urun start c
  wait_for urun exec c /bin/test -d /private
  jq '.process | .args = ["/bin/sh", "-c", "pwd"] | .cwd = "/private" | .user = {"uid": 0, "gid": 0}
      | .capabilities = {"bounding": [], "effective": [], "permitted": []}' "$T/b/config.json" >"$T/proc.json"
  local out
  out=$(urun exec --process "$T/proc.json" c 2>&1) || fail "exec as root without capabilities into uid 1's 0700 cwd: $out"
  assert_eq "$out" "/private" "cwd"
  # the process itself has no way in
  jq '.args = ["/bin/sh", "-c", "cd /private && echo in"] | .cwd = "/"' "$T/proc.json" >"$T/proc2.json"
  out=$(urun exec --process "$T/proc2.json" c 2>&1) && fail "the test's premise: root without capabilities entered /private: $out"
  urun delete -f c
}

# --- CVE-2025-31133, CVE-2025-52565: /dev/null and /dev/console swapped ---
# Without a /dev tmpfs the rootfs's own /dev is used; another container
# sharing the rootfs (here the test itself) exchanges /dev/NAME with a
# symlink to a scratch file of the rootfs, again and again, while urun
# creates containers.  A masked path must show the null device, the console
# a pty, and the scratch file must stay what it is; or create refuses.
rootfs_dev_bundle() {
  make_bundle "$T/b" "$@"
  cfg "$T/b" '.mounts |= map(select(.destination != "/dev" and .destination != "/dev/shm" and .destination != "/dev/mqueue"))'
  mkdir -p "$T/b/rootfs/dev"
  echo SCRATCH >"$T/b/rootfs/scratch-target"
  ln -s /scratch-target "$T/b/rootfs/dev/evil"
}

test_sec_masked_path_from_swapped_dev_null() {
  rootfs_dev_bundle /bin/sh -c 'cat /proc/keys; stat -L -c "%F %t:%T" /proc/keys'
  cfg "$T/b" '.linux.maskedPaths = ["/proc/keys", "/proc/timer_list"]'
  if is_root; then mknod "$T/b/rootfs/dev/null" c 1 3; else : >"$T/b/rootfs/dev/null"; fi
  "$TESTPROG" swap-loop "$T/b/rootfs/dev/null" "$T/b/rootfs/dev/evil" 4 /scratch-target >"$T/swap.out" &
  local swapper=$! i out ok=0
  for i in $(seq 1 20); do
    out=$(cd "$T/b" && urun run "m$i" 2>&1) && ok=$((ok + 1))
    assert_not_contains "$out" "SCRATCH" "run $i: a masked path showed the file the swapped /dev/null led to"
    assert_not_contains "$out" "regular file" "run $i: a masked path is a regular file"
    assert_nothing_left "m$i"
  done
  wait "$swapper"
  [ "$ok" -gt 0 ] || fail "no container ran: nothing was shown"
  echo "$ok of 20 ran; $(cat "$T/swap.out")"
}

test_sec_console_onto_swapped_dev_console() {
  rootfs_dev_bundle /bin/sh -c 'stat -c "console %F %t" /dev/console; stat -c "scratch %F" /scratch-target'
  cfg "$T/b" '.process.terminal = true'
  : >"$T/b/rootfs/dev/console"
  local out
  out=$(cd "$T/b" && urun run t0 </dev/null 2>&1) || fail "run with a terminal failed: $out"
  assert_contains "$out" "console character special file 88" "/dev/console is the pty (as runc makes it)"
  "$TESTPROG" swap-loop "$T/b/rootfs/dev/console" "$T/b/rootfs/dev/evil" 4 /scratch-target >"$T/swap.out" &
  local swapper=$! i ok=0
  for i in $(seq 1 15); do
    # (what /dev/console names once the container runs is the swapper's)
    out=$(cd "$T/b" && urun run "t$i" </dev/null 2>&1) && ok=$((ok + 1))
    assert_not_contains "$out" "scratch character" "run $i: the pty was bound onto a file the swapped /dev/console led to"
    assert_nothing_left "t$i"
  done
  wait "$swapper"
  assert_eq "$(cat "$T/b/rootfs/scratch-target")" SCRATCH "the scratch file"
  [ "$ok" -gt 0 ] || fail "no container ran: nothing was shown"
  echo "$ok of 15 ran; $(cat "$T/swap.out")"
}
