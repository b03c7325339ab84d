# errors.sh: bad input gives one clear line, a non-zero exit, and leaves nothing.

test_invalid_ids() {
  make_bundle b
  local long
  long=$(head -c 1025 /dev/zero | tr '\0' a)
  for id in a/b .. . "" "$long" "sp ace"; do
    expect_error "$URUN" --root "$STATE" create --bundle b "$id"
    assert_contains "$out" "container id"
  done
  [ -z "$(ls -A "$STATE" 2>/dev/null)" ] || fail "state root not empty: $(ls -A "$STATE")"
}

test_missing_bundle_and_config() {
  expect_error "$URUN" --root "$STATE" create --bundle "$T/none" x1
  assert_contains "$out" "$T/none"
  mkdir b
  expect_error "$URUN" --root "$STATE" create --bundle b x1
  assert_contains "$out" "config.json"
  assert_contains "$out" "No such file or directory"
  mkdir b/config.json
  expect_error "$URUN" --root "$STATE" create --bundle b x1
  assert_contains "$out" "config.json: is a directory"
  assert_nothing_left x1
}

test_malformed_config() {
  make_bundle b
  cp b/config.json "$T/good.json"
  : >b/config.json
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" "config.json: file is empty"
  head -c 100 "$T/good.json" >b/config.json
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" "truncated"
  printf '{"ociVersion": "1.3.0", "x": "\xff\xfe"}' >b/config.json
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" "invalid UTF-8"
  cp "$T/good.json" b/config.json
  cfg b '.process.args = "/testprog"'
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" "config.json: .process.args: expected an array"
  cp "$T/good.json" b/config.json
  cfg b '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":1,"hard":-1}]'
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" "config.json: .process.rlimits[0].hard: expected an unsigned integer"
  cp "$T/good.json" b/config.json
  cfg b '.process.cwd = "relative"'
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" ".process.cwd: must be an absolute path"
  cp "$T/good.json" b/config.json
  cfg b '.process.user.uid = 4294967296'
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" ".process.user.uid: expected an unsigned 32-bit integer"
  cp "$T/good.json" b/config.json
  cfg b '.linux.namespaces += [{"type":"bogus"}]'
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" 'unknown namespace type "bogus"'
  cp "$T/good.json" b/config.json
  cfg b '.process.capabilities.bounding += ["CAP_NOT_A_CAP"]'
  expect_error "$URUN" --root "$STATE" create --bundle b x2
  assert_contains "$out" 'unknown capability "CAP_NOT_A_CAP"'
  assert_nothing_left x2 "$T/b"
}

test_missing_rootfs() {
  make_bundle b
  rm -rf b/rootfs
  expect_error "$URUN" --root "$STATE" create --bundle b x3
  assert_contains "$out" ".root.path"
  assert_nothing_left x3 "$T/b"
}

test_executable_errors() {
  make_bundle b nosuchprog
  expect_error "$URUN" --root "$STATE" create --bundle b x4
  assert_contains "$out" 'executable file not found in $PATH'
  assert_nothing_left x4 "$T/b"
  cfg b '.process.args = ["/no/such/file"]'
  expect_error "$URUN" --root "$STATE" run --bundle b x4
  assert_contains "$out" "no such file or directory"
  assert_nothing_left x4 "$T/b"
  echo 'not a program' >b/rootfs/notexec
  chmod 644 b/rootfs/notexec
  cfg b '.process.args = ["/notexec"]'
  expect_error "$URUN" --root "$STATE" run --bundle b x4
  assert_contains "$out" "permission denied"
  assert_nothing_left x4 "$T/b"
}

test_limits_refused_without_cgroup() {
  make_bundle b
  cfg b '.linux.resources.memory.limit = 100000000'
  local rc=0
  out=$( (cd b && urun run x5) 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then
    # a cgroup could be had (a delegated v2 hierarchy): the limit must be real
    skip "this host gives the container a cgroup with a memory controller; the refusal is for hosts without"
  fi
  assert_contains "$out" "urun: config.json: .linux.resources.memory.limit"
  assert_contains "$out" "cgroup"
  assert_nothing_left x5 "$T/b"
}

test_unknown_container() {
  for cmd in state start delete kill pause resume ps; do
    expect_error "$URUN" --root "$STATE" $cmd nope
    assert_contains "$out" 'container "nope" does not exist'
  done
  # delete --force of nothing succeeds quietly, as in runc and crun (podman
  # cleans up after a failed create that way)
  out=$("$URUN" --root "$STATE" delete --force nope 2>&1) || fail "delete --force of a missing container failed: $out"
  assert_eq "$out" "" "delete --force says nothing"
}

test_invalid_signal() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d sg) || fail "run -d failed"
  expect_error "$URUN" --root "$STATE" kill sg SIGNOPE
  assert_contains "$out" 'invalid signal "SIGNOPE"'
  assert_eq "$(status_of sg)" running
  urun delete -f sg
}

test_unsupported_fields_refused() {
  make_bundle b
  cfg b '.linux.intelRdt = {"closID": "x"}'
  expect_error "$URUN" --root "$STATE" run --bundle b x6
  assert_contains "$out" ".linux.intelRdt"
  assert_nothing_left x6 "$T/b"
}

test_terminal_without_console_socket() {
  make_bundle b
  cfg b '.process.terminal = true'
  expect_error "$URUN" --root "$STATE" create --bundle b x7
  assert_contains "$out" "--console-socket"
  assert_nothing_left x7 "$T/b"
}

# Found by runtime-tools' validation suite: no mount namespace in the config
# means the runtime's own (runtime-spec); the config's mounts would be made
# in the caller's namespace: refused by field, with the fix.
test_no_mount_namespace_with_mounts_refused() {
  make_bundle b /testprog exit 0
  cfg b '.linux.namespaces |= map(select(.type != "mount"))'
  expect_error "$URUN" --root "$STATE" run --bundle b nm
  assert_contains "$out" 'config.json: .mounts: needs a mount namespace of the container'"'"'s own'
  assert_nothing_left nm "$T/b"
}

# runtime-tools' linux_ns_path_type: a namespace path of another type (or
# not a namespace at all) is refused by name before anything starts.
test_namespace_path_of_wrong_type_refused() {
  make_bundle b /testprog exit 0
  cfg b '.linux.namespaces |= map(if .type == "uts" then .path = "/proc/self/ns/net" else . end)'
  expect_error "$URUN" --root "$STATE" run --bundle b wt
  assert_contains "$out" 'config.json: .linux.namespaces['
  assert_contains "$out" '].path: /proc/self/ns/net is not a uts namespace'
  assert_nothing_left wt "$T/b"
  cfg b '.linux.namespaces |= map(if .type == "uts" then .path = "/etc/hostname" else . end)'
  expect_error "$URUN" --root "$STATE" run --bundle b wt
  assert_contains "$out" '].path: /etc/hostname is not a uts namespace'
  assert_nothing_left wt "$T/b"
}

# A user's container without an ipc namespace cannot mount mqueue; urun binds
# the host's /dev/mqueue instead, and where that is missing too the error
# names the mount asked for and its own errno, then the fallback's.
test_mqueue_without_ipc_namespace() {
  is_root && skip "root mounts mqueue in any ipc namespace; the fallback is a user's"
  make_bundle b /bin/sh -c 'grep -c " /dev/mqueue " /proc/self/mountinfo'
  cfg b '.linux.namespaces |= map(select(.type != "ipc"))'
  if [ -d /dev/mqueue ]; then
    local out
    out=$(cd b && urun run mq 2>&1) || fail "run failed: $out"
    assert_eq "$out" 1 "the host's /dev/mqueue bound"
  else
    expect_error "$URUN" --root "$STATE" run --bundle b mq
    assert_contains "$out" "mount mqueue on /dev/mqueue (binding the host's /dev/mqueue instead failed too: No such file or directory): Operation not permitted"
    assert_nothing_left mq "$T/b"
  fi
}

# A create that fails leaves a pid file that was already there alone (it is
# somebody else's), and writes none of its own.
test_failed_create_keeps_a_foreign_pid_file() {
  make_bundle b /testprog exit 0
  cfg b '.hooks.createRuntime = [{"path": "/bin/false"}]'
  echo 4242 >"$T/other.pid"
  expect_error "$URUN" --root "$STATE" create --bundle b --pid-file "$T/other.pid" pf
  assert_contains "$out" "createRuntime"
  assert_eq "$(cat "$T/other.pid" 2>&1)" 4242 "the pid file that was there"
  expect_error "$URUN" --root "$STATE" create --bundle b --pid-file "$T/new.pid" pf
  assert_file_absent "$T/new.pid" "pid file of a failed create"
  assert_nothing_left pf "$T/b"
}

# Bad input of every shape at the places config.json has: a value of the
# wrong type, out of range, empty, or nested wrongly, one field at a time.
# Whatever create makes of it, it never crashes (CI runs this test with the
# ASan/UBSan build too), an error is one line, and nothing is left.
test_mutated_configs_fail_cleanly() {
  make_bundle b /testprog exit 0
  cp b/config.json "$T/config.orig"
  local paths=(.ociVersion .process .process.args '.process.args[0]' .process.env '.process.env[0]' .process.cwd
    .process.user .process.user.uid .process.user.additionalGids .process.capabilities
    .process.capabilities.bounding .process.rlimits .process.terminal .process.noNewPrivileges
    .process.oomScoreAdj .process.consoleSize .process.scheduler .process.ioPriority .root .root.path
    .root.readonly .hostname .domainname .mounts '.mounts[0]' '.mounts[0].destination' '.mounts[0].options'
    '.mounts[0].uidMappings' .linux .linux.namespaces '.linux.namespaces[0]' '.linux.namespaces[0].type'
    .linux.uidMappings .linux.resources .linux.resources.memory .linux.resources.devices .linux.seccomp
    .linux.devices .linux.sysctl .linux.maskedPaths .linux.cgroupsPath .linux.personality .linux.timeOffsets
    .hooks .hooks.prestart .annotations)
  local values=(null true -1 4294967296 '""' '[]' '{}' '[{}]')
  local p v rc bad=()
  for p in "${paths[@]}"; do
    for v in "${values[@]}"; do
      jq "$p = $v" "$T/config.orig" >b/config.json || fail "jq: $p = $v"
      rc=0
      # to a file: a created init holds its stdio open until it is deleted
      "$URUN" --root "$STATE" create --bundle b mc >"$T/out" 2>&1 </dev/null || rc=$?
      out=$(<"$T/out")
      if [ $rc -eq 0 ]; then
        urun delete -f mc || fail "delete after $p = $v"
        continue
      fi
      [ $rc -lt 128 ] || bad+=("$p = $v: exit $rc: $out")
      case "$out" in
        urun:\ *) [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || bad+=("$p = $v: not one line: $out") ;;
        *) bad+=("$p = $v: not urun's error: $out") ;;
      esac
      [ ! -e "$STATE/mc" ] || { bad+=("$p = $v: state left"); urun delete -f mc; }
    done
  done
  [ ${#bad[@]} -eq 0 ] || fail "$(printf '%s\n' "${bad[@]}" | head -n 5)"
  assert_nothing_left mc "$T/b"
}
