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
  wait_for grep -q '^exe-hunt:' "$T/hunt.out"
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
