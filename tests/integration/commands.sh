# commands.sh: exec, ps, pause/resume, features, terminals.

test_exec() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d ex) || fail "run -d failed"
  local pid j
  pid=$(urun state ex | jq -r .pid)
  j=$(urun exec ex /testprog info) || fail "exec failed"
  local ns
  for ns in mnt pid uts ipc user; do
    assert_eq "$(jq -r ".namespaces.$ns" <<<"$j")" "$(readlink /proc/"$pid"/ns/$ns)" "exec joined the $ns namespace"
  done
  assert_eq "$(jq -r .CapEff <<<"$j")" 0000000020000420 "exec has the container's capabilities"
  local rc=0
  urun exec ex /testprog exit 7 || rc=$?
  assert_eq "$rc" 7 "exec passes the exit status"
  j=$(urun exec --env EXTRA=1 --cwd /tmp ex /testprog info) || fail "exec with options failed"
  assert_eq "$(jq -r .cwd <<<"$j")" /tmp
  assert_contains "$(jq -c .env <<<"$j")" '"EXTRA=1"'
  expect_error "$URUN" --root "$STATE" exec ex /nope
  assert_contains "$out" "no such file or directory"
  # a foreground exec holds no lock while its process runs: delete -f goes through
  urun exec ex /testprog sleep 100 &
  local xpid=$!
  wait_for eval 'urun ps --format json ex | jq -e "length == 2" >/dev/null'
  timeout 10 "$URUN" --root "$STATE" delete -f ex || fail "delete -f blocked by a running exec"
  rc=0
  timeout 10 tail --pid=$xpid -f /dev/null || rc=$?
  assert_eq "$rc" 0 "exec returned once the container was deleted"
  rc=0
  wait $xpid || rc=$?
  assert_eq "$rc" 137 "exec reports its process killed by SIGKILL"
}

test_ps_and_features() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d ps1) || fail "run -d failed"
  local pid
  pid=$(urun state ps1 | jq -r .pid)
  assert_eq "$(urun ps --format json ps1)" "[$pid]" "ps lists init"
  assert_contains "$(urun ps ps1)" "PID"
  urun delete -f ps1
  local f
  f=$("$URUN" features) || fail "features failed"
  assert_eq "$(jq -r .ociVersionMax <<<"$f")" 1.3.0
  jq -e '.linux.namespaces | index("user")' <<<"$f" >/dev/null || fail "no user namespace in features"
  jq -e '.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_ERRNO"))' <<<"$f" >/dev/null || fail "seccomp"
  jq -e '.mountOptions | index("rbind")' <<<"$f" >/dev/null || fail "mount options"
  jq -e '.linux.mountExtensions.idmap.enabled == true and (.mountOptions | index("tmpcopyup") and index("ridmap"))' <<<"$f" >/dev/null ||
    fail "idmap and tmpcopyup must be reported: this kernel has mount_setattr"
}

test_pause_resume() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d pz) || fail "run -d failed"
  if [ "$(urun state pz | jq -r .status)" = running ] && ! is_root; then
    expect_error "$URUN" --root "$STATE" pause pz
    assert_contains "$out" "cgroup"
    urun delete -f pz
    return 0
  fi
  urun pause pz || fail "pause failed"
  assert_eq "$(status_of pz)" paused
  local pid
  pid=$(urun state pz | jq -r .pid)
  grep -q '^State:.*(stopped)\|^State:.*S' /proc/"$pid"/status || true
  urun resume pz || fail "resume failed"
  assert_eq "$(status_of pz)" running
  urun delete -f pz
  assert_nothing_left pz "$T/b"
}

test_terminal_run_foreground() {
  make_bundle b /bin/sh -c 'test -t 0 && test -t 1 && echo is-a-tty; stty size'
  cfg b '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 101}'
  local out
  out=$(cd b && urun run tty </dev/null 2>&1) || fail "run failed: $out"
  assert_contains "$out" "is-a-tty"
  assert_contains "$out" "30 101"
  assert_nothing_left tty "$T/b"
}

test_proc_self_exe_protected() {
  # Until start, init is urun's binary: nothing in the container may open it
  # through /proc/1/exe (CVE-2019-5736).  A startContainer hook runs in the
  # container just before the process, while init is still urun; as a user
  # it holds CAP_SYS_PTRACE in the container's user namespace, which must
  # not be enough.  (A root container given CAP_SYS_PTRACE is privileged.)
  make_bundle b /testprog exit 0
  local caps='.'
  is_root || caps='.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  cfg b "$caps"' | .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c",
    "{ tr \"\\0\" \" \" </proc/1/cmdline; echo; cat /proc/1/exe >/dev/null && echo READ-EXE; cat /proc/1/environ >/dev/null && echo READ-ENVIRON; grep CapEff /proc/self/status; echo done; } >/hook.out 2>&1"]}]'
  (cd b && urun run px) || fail "run failed"
  local out
  out=$(cat b/rootfs/hook.out)
  assert_contains "$out" done
  assert_contains "$out" " run px" "init was still urun when the hook ran"
  assert_not_contains "$out" READ-EXE "the container read urun's binary through /proc/1/exe"
  assert_not_contains "$out" READ-ENVIRON "the container read urun's environment"
  is_root || [ $(( 0x$(sed -n 's/CapEff:\t*//p' <<<"$out") >> 19 & 1 )) -eq 1 ] || fail "the hook lacked CAP_SYS_PTRACE: $out"
  # once started, init is the container's program, dumpable again: the host
  # user owns its /proc files
  make_bundle c /testprog sleep 100
  (cd c && urun create px2) || fail "create failed"
  local pid
  pid=$(urun state px2 | jq -r .pid)
  if is_root; then
    out=$(urun exec px2 /bin/sh -c 'cat /proc/1/exe >/dev/null && echo READ-EXE; echo done' 2>&1) || fail "exec failed: $out"
    assert_not_contains "$out" READ-EXE "an exec'd process read urun's binary"
  else
    expect_error "$URUN" --root "$STATE" exec px2 /bin/true
    assert_contains "$out" "protected until the container starts"
  fi
  urun start px2 || fail "start failed"
  wait_for eval 'tr "\0" " " </proc/'"$pid"'/cmdline | grep -q "^/testprog sleep"'
  assert_eq "$(stat -c %u /proc/"$pid"/environ)" "$(id -u)" "owner of /proc/<init>/environ after start"
  urun exec px2 /testprog exit 0 || fail "exec after start failed"
  urun delete -f px2
}

# Found by podman's scenarios: the pty of exec -t reached urun before the
# process's pid (one socket for both) now and then: "sync: unexpected message".
test_exec_tty_repeated() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d et) || fail "run -d failed"
  local i out
  for i in $(seq 1 40); do
    out=$(urun exec -t et /bin/true </dev/null 2>&1) || fail "exec -t failed on round $i: $out"
  done
  urun delete -f et
}

# What clients read from urun, checked as a client would: state and the
# configs `spec` writes against the runtime-spec's JSON schemas (Debian's
# golang-github-opencontainers-specs-dev ships them), `features` against the
# structure runtime-spec's features.md gives (no schema for it in Debian 12).
test_outputs_against_runtime_spec_schemas() {
  local schemas=/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema
  [ -r "$schemas/state-schema.json" ] || skip "no runtime-spec schemas (Debian package golang-github-opencontainers-specs-dev)"
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null || skip "no python3-jsonschema"
  cat >"$T/validate.py" <<'PYEOF'
import json, os, sys, jsonschema
schemas, name, path = sys.argv[1:4]
schema = json.load(open(os.path.join(schemas, name)))
resolver = jsonschema.RefResolver(base_uri="file://" + schemas + "/", referrer=schema)
errors = list(jsonschema.Draft4Validator(schema, resolver=resolver).iter_errors(json.load(open(path))))
for e in errors:
    print("%s: %s: %s" % (path, "/".join(map(str, e.path)), e.message[:200]))
sys.exit(1 if errors else 0)
PYEOF
  validate() { /usr/bin/python3 "$T/validate.py" "$schemas" "$1" "$2" || fail "$2 does not validate against $1"; }
  make_bundle b /testprog sleep 100
  (cd b && urun create sv) || fail "create failed"
  urun state sv >"$T/created.json"
  validate state-schema.json "$T/created.json"
  urun start sv
  urun state sv >"$T/running.json"
  validate state-schema.json "$T/running.json"
  urun kill sv KILL
  wait_status sv stopped
  urun state sv >"$T/stopped.json"
  validate state-schema.json "$T/stopped.json"
  urun delete sv
  mkdir "$T/s1" "$T/s2"
  "$URUN" spec --bundle "$T/s1" || fail "spec failed"
  "$URUN" spec --rootless --bundle "$T/s2" || fail "spec --rootless failed"
  validate config-schema.json "$T/s1/config.json"
  validate config-schema.json "$T/s2/config.json"
  # features: every member features.md names, with its type
  "$URUN" features >"$T/features.json" || fail "features failed"
  jq -e '
    (.ociVersionMin | type == "string") and (.ociVersionMax | type == "string")
    and (.hooks | type == "array" and all(type == "string"))
    and (.mountOptions | type == "array" and all(type == "string"))
    and (.annotations | type == "object" and (to_entries | all(.value | type == "string")))
    and (.linux.namespaces - ["cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"] == [])
    and (.linux.capabilities | all(test("^CAP_[A-Z_]+$")))
    and (.linux.cgroup | [.v1, .v2, .systemd, .systemdUser, .rdma] | all(type == "boolean"))
    and (.linux.seccomp.enabled | type == "boolean")
    and (.linux.seccomp | [.actions, .operators, .archs, .knownFlags, .supportedFlags] | all(type == "array"))
    and (.linux.seccomp.actions | all(test("^SCMP_ACT_")))
    and (.linux.seccomp.archs | all(test("^SCMP_ARCH_")))
    and (.linux.apparmor.enabled | type == "boolean") and (.linux.selinux.enabled | type == "boolean")
    and (.linux.intelRdt.enabled | type == "boolean")
    and (.linux.mountExtensions.idmap.enabled | type == "boolean")
    and ((.hooks | sort) == ["createContainer", "createRuntime", "poststart", "poststop", "prestart", "startContainer"])
  ' "$T/features.json" >/dev/null || fail "features does not have the runtime-spec's structure: $(cat "$T/features.json")"
}
