# interfaces.sh: what urun hands to the programs around it: the console
# socket, the seccomp listener, NOTIFY_SOCKET, the six hooks.

test_console_socket_one_fd() {
  # conmon's side: exactly one fd, the pty master, with consoleSize applied
  make_bundle b /bin/sh -c 'test -t 0 && test -t 1 && echo is-a-tty; stty size; tty'
  cfg b '.process.terminal = true | .process.consoleSize = {"height": 24, "width": 77}'
  "$TESTPROG" console-recv "$T/console.sock" "$T/console.out" &
  local recv=$!
  wait_for test -S "$T/console.sock"
  (cd b && urun create --console-socket "$T/console.sock" cs) || fail "create failed"
  urun start cs || fail "start failed"
  wait "$recv" || fail "the console receiver failed"
  local out
  out=$(tr -d '\r' <"$T/console.out")
  assert_contains "$out" "fds 1" "one fd over the console socket"
  assert_contains "$out" "is-a-tty"
  assert_contains "$out" "24 77" "consoleSize"
  assert_contains "$out" "/dev/pts/0" "the pty is the container's own devpts"
  wait_status cs stopped
  urun delete cs || fail "delete failed"
  assert_nothing_left cs "$T/b"
}

test_detached_runs_and_closed_stdin() {
  # detached with a terminal (console socket) and without; stdin closed
  make_bundle b /bin/sh -c 'read -r x; echo "read:$?:$x" > /out; echo done'
  (cd b && urun run -d dt 0<&- >/dev/null 2>&1) || fail "run -d with stdin closed failed"
  wait_status dt stopped
  assert_contains "$(cat b/rootfs/out)" "read:1:" "the container saw EOF on stdin"
  urun delete dt
  cfg b '.process.terminal = true | .process.args = ["/bin/sh", "-c", "tty; echo on-a-tty"]'
  "$TESTPROG" console-recv "$T/c.sock" "$T/c.out" &
  local recv=$!
  wait_for test -S "$T/c.sock"
  (cd b && urun run -d --console-socket "$T/c.sock" dt2 </dev/null) || fail "run -d --console-socket failed"
  wait "$recv" || fail "the console receiver failed"
  assert_contains "$(cat "$T/c.out")" "on-a-tty"
  wait_status dt2 stopped
  urun delete dt2
  assert_nothing_left dt "$T/b"
  assert_nothing_left dt2 "$T/b"
}

# A seccomp profile that sends mkdir/mkdirat to the agent at $1.
notify_profile() {
  printf '%s' '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
    "listenerMetadata": "test-meta",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
}

test_seccomp_notify_listener() {
  # the agent answers every notified mkdir with success without running it:
  # the container sees mkdir succeed and no directory
  make_bundle b /bin/sh -c 'mkdir /made && echo mkdir-ok; test -d /made || echo no-dir'
  cfg b --arg sock "$T/agent.sock" "$(notify_profile)"
  "$TESTPROG" seccomp-agent "$T/agent.sock" "$T/agent.out" &
  local agent=$!
  wait_for test -S "$T/agent.sock"
  local out
  out=$(cd b && urun run sn 2>&1) || fail "run failed: $out"
  assert_contains "$out" mkdir-ok
  assert_contains "$out" no-dir "the agent, not the kernel, answered mkdir"
  wait "$agent" || fail "the agent failed"
  local doc
  doc=$(head -n 1 "$T/agent.out")
  assert_eq "$(jq -r '.fds | join(",")' <<<"$doc")" seccompFd
  assert_eq "$(jq -r .metadata <<<"$doc")" test-meta
  assert_eq "$(jq -r .state.id <<<"$doc")" sn
  assert_eq "$(jq -r .state.status <<<"$doc")" creating
  [ "$(jq -r .pid <<<"$doc")" -gt 0 ] || fail "no pid: $doc"
  assert_contains "$(cat "$T/agent.out")" "fds 1"
  grep -q '^syscall ' "$T/agent.out" || fail "no notification reached the agent"
  assert_nothing_left sn "$T/b"
}

test_seccomp_notify_exec() {
  # an exec'd process's listener goes to the agent too, with its own pid
  make_bundle b /testprog sleep 100
  cfg b --arg sock "$T/agent.sock" "$(notify_profile)"
  "$TESTPROG" seccomp-agent "$T/agent.sock" "$T/agent1.out" &
  local agent1=$!
  wait_for test -S "$T/agent.sock"
  (cd b && urun run -d ne >/dev/null) || fail "run -d failed"
  wait_for test -s "$T/agent1.out"
  rm -f "$T/agent.sock"
  "$TESTPROG" seccomp-agent "$T/agent.sock" "$T/agent2.out" &
  local agent2=$!
  wait_for test -S "$T/agent.sock"
  local out
  out=$(urun exec ne /bin/sh -c 'mkdir /x && echo mkdir-ok; test -d /x || echo no-dir') || fail "exec failed: $out"
  assert_contains "$out" no-dir
  wait "$agent2" || fail "agent 2 failed"
  assert_eq "$(head -n 1 "$T/agent2.out" | jq -r .state.status)" running
  urun delete -f ne
  wait "$agent1"
  assert_nothing_left ne "$T/b"
}

test_seccomp_notify_without_agent() {
  make_bundle b /testprog exit 0
  cfg b --arg sock "$T/nobody.sock" "$(notify_profile)"
  expect_error "$URUN" --root "$STATE" run --bundle b nn
  assert_contains "$out" "listenerPath $T/nobody.sock"
  assert_nothing_left nn "$T/b"
  cfg b '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  expect_error "$URUN" --root "$STATE" run --bundle b nn
  assert_contains "$out" ".linux.seccomp.listenerPath: required"
  assert_nothing_left nn "$T/b"
}

test_notify_socket_passed_through() {
  # sd_notify in the container reaches the caller's NOTIFY_SOCKET
  make_bundle b /bin/sh -c 'echo "env:$NOTIFY_SOCKET"; /testprog sd-notify "READY=1"'
  "$TESTPROG" dgram-recv "$T/notify.sock" >"$T/notify.out" &
  local recv=$!
  wait_for test -S "$T/notify.sock"
  local out
  out=$(cd b && NOTIFY_SOCKET=$T/notify.sock urun run nt 2>&1) || fail "run failed: $out"
  assert_contains "$out" "env:/run/notify/notify.sock"
  wait "$recv" || fail "nothing reached the socket"
  assert_eq "$(cat "$T/notify.out")" "READY=1"
  assert_nothing_left nt "$T/b"
  # with a read-only root too; a NOTIFY_SOCKET that is no socket is an error
  cfg b '.root.readonly = true'
  "$TESTPROG" dgram-recv "$T/notify.sock2" >"$T/notify2.out" &
  recv=$!
  wait_for test -S "$T/notify.sock2"
  out=$(cd b && NOTIFY_SOCKET=$T/notify.sock2 urun run nt 2>&1) || fail "run with a read-only root failed: $out"
  wait "$recv" || fail "nothing reached the socket"
  assert_eq "$(cat "$T/notify2.out")" "READY=1"
  touch "$T/plain"
  NOTIFY_SOCKET=$T/plain expect_error "$URUN" --root "$STATE" run --bundle b nt
  assert_contains "$out" "NOTIFY_SOCKET $T/plain: not a socket"
  assert_nothing_left nt "$T/b"
}

test_all_six_hooks() {
  # each hook appends "name status mntns" to one log (the container reaches
  # it through a bind mount), so order, state and namespace are all checked
  make_bundle b /bin/sh -c 'echo "process - $(readlink /proc/self/ns/mnt)" >> /hooklog/order'
  mkdir "$T/log"
  local hook='{"path": "/bin/sh", "args": ["sh", "-c", "s=$(cat); echo \"$HOOK $(echo \"$s\" | sed -n \"s/.*\\\"status\\\":\\\"\\([a-z]*\\)\\\".*/\\1/p\") $(readlink /proc/self/ns/mnt)\" >> $LOG"]}'
  cfg b --arg log "$T/log" --argjson h "$hook" '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $log, "options": ["bind"]}]
    | .hooks = ({} | reduce ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop") as $n
        (.; .[$n] = [$h | .env = ["HOOK=\($n)", "LOG=" + (if $n == "startContainer" then "/hooklog/order" else "\($log)/order" end)]]))'
  (cd b && urun create h6) || fail "create failed"
  urun start h6 || fail "start failed"
  wait_status h6 stopped
  urun delete h6 || fail "delete failed"
  local host_ns order
  host_ns=$(readlink /proc/self/ns/mnt)
  order=$(cat "$T/log/order")
  local want
  for want in "prestart created $host_ns" "createRuntime created $host_ns" "poststart running $host_ns" "poststop stopped $host_ns"; do
    grep -qxF "$want" <<<"$order" || fail "no line [$want] in: $order"
  done
  local cns
  cns=$(awk '$1 == "process" {print $3}' <<<"$order")
  assert_ne "$cns" "$host_ns" "the process has its own mount namespace"
  grep -qxF "createContainer created $cns" <<<"$order" || fail "createContainer not in the container's mount namespace: $order"
  grep -qxF "startContainer created $cns" <<<"$order" || fail "startContainer not in the container's mount namespace: $order"
  # the order of the lines: everything before the process, then poststart, poststop last
  assert_eq "$(head -n 4 <<<"$order" | awk '{print $1}' | tr '\n' ' ')" "prestart createRuntime createContainer startContainer "
  assert_eq "$(tail -n 1 <<<"$order" | awk '{print $1}')" poststop
  assert_nothing_left h6 "$T/b"
  # run starts the container it created without reading its state back:
  # the same hooks, in the same order
  : > "$T/log/order"
  (cd b && urun run h7) || fail "run failed"
  order=$(cat "$T/log/order")
  assert_eq "$(head -n 4 <<<"$order" | awk '{print $1}' | tr '\n' ' ')" \
    "prestart createRuntime createContainer startContainer " "hooks before the process under run"
  assert_eq "$(tail -n 1 <<<"$order" | awk '{print $1}')" poststop
  grep -qxF "poststart running $host_ns" <<<"$order" || fail "run: no poststart line in: $order"
  assert_nothing_left h7 "$T/b"
}

test_failing_hooks() {
  make_bundle b /testprog sleep 100
  # poststart failing is an error of start (runtime-spec 1.3), and the
  # container is destroyed, its poststop hooks run (runc)
  cfg b --arg d "$T" '.hooks = {"poststart": [{"path": "/bin/false"}],
    "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($d)/poststop.json"]}]}'
  (cd b && urun create pf) || fail "create failed"
  expect_error "$URUN" --root "$STATE" start pf
  assert_contains "$out" "poststart"
  assert_nothing_left pf "$T/b"
  assert_eq "$(jq -r .status "$T/poststop.json")" stopped "the poststop hooks ran"
  expect_error "$URUN" --root "$STATE" state pf
  rm -f "$T/poststop.json"
  expect_error "$URUN" --root "$STATE" run --bundle b pr
  assert_contains "$out" "poststart"
  assert_nothing_left pr "$T/b"
  # createContainer and startContainer failures: nothing left behind
  cfg b '.hooks = {"createContainer": [{"path": "/bin/false"}]}'
  expect_error "$URUN" --root "$STATE" run --bundle b cc
  assert_contains "$out" ".hooks.createContainer[0]"
  assert_nothing_left cc "$T/b"
  cfg b '.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}'
  local rc=0
  out=$(cd b && urun run sc 2>&1) || rc=$?
  [ $rc -ne 0 ] || fail "a failing startContainer hook did not fail run"
  assert_contains "$out" "startContainer"
  urun delete -f sc 2>/dev/null
  assert_nothing_left sc "$T/b"
  # a poststop hook that fails only warns: delete still removes everything
  # and the remaining poststop hooks still run (runtime-spec)
  cfg b --arg d "$T" '.hooks = {"poststop": [{"path": "/bin/false"}, {"path": "/bin/sh", "args": ["sh", "-c", "touch \($d)/second-poststop"]}]}'
  (cd b && urun run -d ps1 >/dev/null) || fail "run -d failed"
  urun delete -f ps1 || fail "delete with a failing poststop hook failed"
  assert_nothing_left ps1 "$T/b"
  [ -e "$T/second-poststop" ] || fail "the poststop hook after the failing one did not run"
}

test_default_seccomp_profile() {
  # the profile podman and docker ship, as a fixture of ours: busybox works
  # under it, the syscalls it leaves out fail with EPERM, clone3 with ENOSYS
  local profile
  profile=$(dirname "${BASH_SOURCE[0]}")/../fixtures/seccomp/default.json
  make_bundle b /bin/sh -c '/testprog try-syscalls; mkdir /d && ls / >/dev/null && echo busybox-ok'
  local out
  out=$(cd b && urun run s0 2>&1) || fail "run without a profile failed: $out"
  assert_contains "$out" "unshare=ok" "unshare(0) works without a filter"
  assert_contains "$out" "clone3=EINVAL"
  cfg b --slurpfile p "$profile" '.linux.seccomp = $p[0]'
  rm -rf b/rootfs/d
  out=$(cd b && urun run s1 2>&1) || fail "run with the default profile failed: $out"
  assert_contains "$out" "busybox-ok"
  assert_contains "$out" "getpid=ok"
  assert_contains "$out" "personality=ok"
  assert_contains "$out" "unshare=EPERM"
  assert_contains "$out" "keyctl=EPERM"
  assert_contains "$out" "clone3=ENOSYS"
  assert_contains "$out" "vsock=EPERM"
  # an exec'd process gets the same filter
  cfg b '.process.args = ["/testprog", "sleep", "100"]'
  (cd b && urun run -d s2 >/dev/null) || fail "run -d failed"
  out=$(urun exec s2 /testprog try-syscalls) || fail "exec failed"
  assert_contains "$out" "unshare=EPERM"
  urun delete -f s2
  assert_nothing_left s2 "$T/b"
}

test_terminal_resize_and_restore() {
  # run attached to the caller's terminal (a pty from script(1)): the
  # caller's size is copied, SIGWINCH to urun resizes the container's pty,
  # and the caller's terminal is back in canonical mode afterwards
  command -v script >/dev/null || fail "script(1) is missing (bsdutils)"
  make_bundle b /bin/sh -c 'trap "echo size \$(stty size); exit 0" WINCH; echo start $(stty size); i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
  cfg b '.process.terminal = true'
  local cmd="stty rows 20 cols 70; $URUN --root $STATE run --bundle $T/b tw; stty -a | grep -Eo -- '-?icanon' | head -n 1 > $T/after"
  script -qfec "$cmd" /dev/null >"$T/out" 2>&1 </dev/null &
  local sc=$! pid="" i
  for i in $(seq 1 200); do
    grep -q "start 20 70" "$T/out" && break
    kill -0 "$sc" 2>/dev/null || fail "script ended early: $(cat "$T/out")"
    sleep 0.05
  done
  grep -q "start 20 70" "$T/out" || fail "no start line: $(cat "$T/out")"
  pid=$(pgrep -f -- "^$URUN --root $STATE run --bundle $T/b tw" | head -n 1)
  [ -n "$pid" ] || fail "no urun run process"
  stty -F "$(readlink /proc/"$pid"/fd/0)" rows 33 cols 99
  kill -WINCH "$pid"
  wait "$sc" || fail "script failed: $(cat "$T/out")"
  assert_contains "$(tr -d '\r' <"$T/out")" "size 33 99" "the container saw the new size"
  assert_eq "$(cat "$T/after")" icanon "the caller's terminal was restored"
  assert_nothing_left tw "$T/b"
}

test_exec_options() {
  make_bundle b /testprog sleep 100
  # no user namespace in the config: a user gets one with its subordinate
  # range too, so uid 1000 exists in the container either way
  cfg b '.process.noNewPrivileges = false | del(.linux.uidMappings, .linux.gidMappings)
    | .linux.namespaces |= map(select(.type != "user"))'
  (cd b && urun run -d eo >/dev/null) || fail "run -d failed"
  local j
  # --user, --cap, --no-new-privs
  j=$(urun exec --user 1000:1000 --cap CAP_SYS_PTRACE --no-new-privs eo /testprog info) || fail "exec --user failed: $j"
  assert_eq "$(jq -r .uid <<<"$j")" 1000
  assert_eq "$(jq -r .gid <<<"$j")" 1000
  assert_eq "$(jq -r .NoNewPrivs <<<"$j")" 1
  [ $(( 0x$(jq -r .CapBnd <<<"$j") >> 19 & 1 )) -eq 1 ] || fail "--cap CAP_SYS_PTRACE not in the bounding set: $j"
  j=$(urun exec eo /testprog info)
  assert_eq "$(jq -r .NoNewPrivs <<<"$j")" 0 "no_new_privs only where asked"
  # --process: a process.json
  jq -n '{"args": ["/testprog", "info"], "cwd": "/tmp", "env": ["FROM=process.json"], "user": {"uid": 7, "gid": 8}}' >"$T/process.json"
  j=$(urun exec --process "$T/process.json" eo) || fail "exec --process failed"
  assert_eq "$(jq -r '.uid, .gid, .cwd' <<<"$j" | tr '\n' ' ')" "7 8 /tmp "
  assert_contains "$(jq -c .env <<<"$j")" FROM=process.json
  echo '{"args": "no"}' >"$T/bad.json"
  expect_error "$URUN" --root "$STATE" exec --process "$T/bad.json" eo
  assert_contains "$out" ".args"
  # --preserve-fds: fd 3 and 4 go in, nothing else of the caller's
  j=$(urun exec --preserve-fds 2 eo /testprog info 3</dev/null 4</dev/null 5</dev/null) || fail "exec --preserve-fds failed"
  assert_eq "$(jq -c '[.fds[] | select(.fd > 2) | .fd]' <<<"$j")" "[3,4]" "preserved fds"
  # --detach with --pid-file: the pid is the exec'd process's, in the host's view
  urun exec --detach --pid-file "$T/exec.pid" eo /testprog sleep 100 || fail "exec --detach failed"
  local epid
  epid=$(cat "$T/exec.pid")
  tr '\0' ' ' </proc/"$epid"/cmdline | grep -q "^/testprog sleep 100" || fail "pid file $epid is not the exec'd process"
  assert_eq "$(readlink /proc/"$epid"/ns/pid)" "$(readlink /proc/"$(urun state eo | jq -r .pid)"/ns/pid)"
  # --tty with --console-socket (detached, as conmon does it)
  "$TESTPROG" console-recv "$T/ec.sock" "$T/ec.out" &
  local recv=$!
  wait_for test -S "$T/ec.sock"
  urun exec --tty --detach --console-socket "$T/ec.sock" eo /bin/sh -c 'tty; echo exec-tty' || fail "exec --tty failed"
  wait "$recv" || fail "the console receiver failed"
  assert_contains "$(cat "$T/ec.out")" "fds 1"
  assert_contains "$(cat "$T/ec.out")" "exec-tty"
  # --cgroup: a sub-cgroup of the container's (where it has one)
  local cg
  cg=$(jq -r '.urun.cgroupPath // empty' "$STATE/eo/state.json")
  if [ -n "$cg" ]; then
    mkdir "$cg/sub"
    j=$(urun exec --cgroup sub eo /testprog info) || fail "exec --cgroup failed"
    assert_contains "$(jq -r .cgroup <<<"$j")" "0::/sub"
  else
    expect_error "$URUN" --root "$STATE" exec --cgroup sub eo /testprog info
  fi
  urun delete -f eo
  assert_nothing_left eo "$T/b"
}
