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
