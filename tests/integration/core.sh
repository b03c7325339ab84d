# core.sh: build info, spec, the create / exec.fifo / start lifecycle, state.

test_version() {
  local v
  v=$("$URUN" --version) || fail "--version failed"
  assert_contains "$v" "urun version "
  assert_contains "$v" "commit: "
  assert_contains "$v" "spec: 1.3.0"
  assert_contains "$v" "+SECCOMP"
}

test_spec_writes_runnable_config() {
  mkdir b
  (cd b && "$URUN" spec) || fail "spec failed"
  jq -e '.ociVersion == "1.3.0" and .root.path == "rootfs"' b/config.json >/dev/null || fail "bad config"
  if is_root; then
    jq -e '[.linux.namespaces[].type] | index("user") == null' b/config.json >/dev/null || fail "root got a user namespace"
  else
    jq -e --argjson u "$(id -u)" '[.linux.namespaces[].type] | index("user") != null' b/config.json >/dev/null ||
      fail "rootless config has no user namespace"
    jq -e --argjson u "$(id -u)" '.linux.uidMappings[0].hostID == $u' b/config.json >/dev/null || fail "caller not mapped"
  fi
  expect_error "$URUN" spec --bundle b
  assert_contains "$out" "exists"
}

test_run_exit_codes() {
  make_bundle b /testprog exit 0
  (cd b && urun run c0) || fail "exit 0 was not 0"
  cfg b '.process.args = ["/testprog","exit","3"]'
  local rc=0
  (cd b && urun run c3) || rc=$?
  assert_eq "$rc" 3 "exit status"
  cfg b '.process.args = ["/testprog","sleep","100"]'
  (cd b && exec "$URUN" --root "$STATE" run c9) &
  local pid=$!
  wait_status c9 running
  urun kill c9 KILL
  rc=0
  wait "$pid" || rc=$?
  assert_eq "$rc" 137 "killed by SIGKILL"
  assert_nothing_left c0 "$T/b"
  assert_nothing_left c9 "$T/b"
}

test_run_what_the_container_sees() {
  make_bundle b
  cfg b '.hostname = "box" | .process.env = ["A=1","PATH=/bin"] | .process.cwd = "/tmp/work"'
  local j
  j=$(run_info b c1)
  assert_eq "$(jq -r .uid <<<"$j")" 0 "uid inside"
  assert_eq "$(jq -r .hostname <<<"$j")" box "hostname"
  assert_eq "$(jq -r .cwd <<<"$j")" /tmp/work "cwd (created when missing)"
  # HOME is added from /etc/passwd (make_bundle: root's is /), as runc and crun do
  assert_eq "$(jq -c .env <<<"$j")" '["A=1","PATH=/bin","HOME=/"]' "env"
  local own_user own_mnt
  own_mnt=$(readlink /proc/self/ns/mnt)
  assert_ne "$(jq -r .namespaces.mnt <<<"$j")" "$own_mnt" "mount namespace"
  assert_ne "$(jq -r .namespaces.pid <<<"$j")" "$(readlink /proc/self/ns/pid)" "pid namespace"
  assert_eq "$(jq -r .pid <<<"$j")" 1 "pid 1 in its pid namespace"
  jq -e '.mounts | map(select(.target == "/proc" and .fstype == "proc")) | length == 1' <<<"$j" >/dev/null || fail "no /proc"
  jq -e '.mounts | map(select(.target == "/")) | length >= 1' <<<"$j" >/dev/null || fail "no root mount"
  if ! is_root; then
    # the caller is root inside: uid_map maps 0 to our uid
    assert_contains "$(jq -r .uid_map <<<"$j")" " $(id -u) "
  fi
}

test_no_runtime_fd_reaches_container() {
  make_bundle b
  local j
  # fd 7 and 9 are open in urun's caller: they must not reach the container
  j=$( (cd b && urun run fd1) 7</dev/null 9>/dev/null) || fail "run failed"
  assert_eq "$(jq -c '[.fds[].fd]' <<<"$j")" "[0,1,2]" "open fds inside"
}

test_preserve_fds() {
  make_bundle b
  local j
  j=$( (cd b && exec 3</dev/null && urun run --preserve-fds 1 pf) ) || fail "run failed"
  assert_eq "$(jq -c '[.fds[].fd]' <<<"$j")" "[0,1,2,3]" "fd 3 preserved"
}

test_create_start_kill_delete() {
  make_bundle b /testprog write /tmp/started yes
  (cd b && urun create --pid-file "$T/pid" life) || fail "create failed"
  assert_eq "$(status_of life)" created
  local pid
  pid=$(urun state life | jq -r .pid)
  [ "$pid" -gt 0 ] || fail "no pid"
  assert_eq "$(cat "$T/pid")" "$pid" "pid file"
  # created: init has run no user code
  assert_file_absent "$T/b/rootfs/tmp/started" "user code ran before start"
  assert_contains "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "urun" "init is still urun before start"
  urun start life || fail "start failed"
  wait_for test -e "$T/b/rootfs/tmp/started"
  wait_status life stopped
  urun delete life || fail "delete failed"
  expect_error "$URUN" --root "$STATE" state life
  assert_contains "$out" "does not exist"
  assert_nothing_left life "$T/b"
}

test_kill_signal_names() {
  # init is pid 1 of its namespace: only signals it handles reach it
  make_bundle b /testprog signal-wait
  local sig
  for sig in TERM SIGTERM 15 USR1; do
    (cd b && urun create k) || fail "create failed"
    urun start k >"$T/out" || fail "start failed"
    assert_eq "$(status_of k)" running
    sleep 0.1
    urun kill k "$sig" || fail "kill $sig failed"
    wait_status k stopped
    urun delete k || fail "delete failed"
  done
  assert_nothing_left k "$T/b"
}

test_state_document() {
  make_bundle b /testprog sleep 100
  cfg b '.annotations = {"org.example.key": "value"}'
  (cd b && urun create st1) || fail "create failed"
  local s
  s=$(urun state st1)
  assert_eq "$(jq -r .ociVersion <<<"$s")" 1.3.0
  assert_eq "$(jq -r .id <<<"$s")" st1
  assert_eq "$(jq -r .status <<<"$s")" created
  assert_eq "$(jq -r .bundle <<<"$s")" "$T/b"
  assert_eq "$(jq -r .rootfs <<<"$s")" "$T/b/rootfs"
  assert_eq "$(jq -r '.annotations["org.example.key"]' <<<"$s")" value
  jq -r .created <<<"$s" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' || fail "created is not RFC 3339"
  assert_eq "$(jq -r .owner <<<"$s")" "$(id -un)"
  urun delete -f st1 || fail "delete failed"
  assert_nothing_left st1 "$T/b"
}

test_list() {
  make_bundle b /testprog sleep 100
  (cd b && urun create l1 && urun create l2) || fail "create failed"
  assert_eq "$(urun list -q | tr '\n' ' ')" "l1 l2 "
  assert_eq "$(urun list --format json | jq -r '[.[].id] | join(",")')" "l1,l2"
  assert_eq "$(urun list --format json | jq -r '.[0].status')" created
  assert_contains "$(urun list)" "ID"
  urun delete -f l1 && urun delete -f l2 || fail "delete failed"
  assert_eq "$(urun list -q)" ""
}

test_run_detach_and_delete_force() {
  make_bundle b /testprog sleep 100
  (cd b && urun run -d d1) || fail "run -d failed"
  assert_eq "$(status_of d1)" running
  expect_error "$URUN" --root "$STATE" delete d1
  assert_contains "$out" "not stopped"
  urun delete --force d1 || fail "delete --force failed"
  assert_nothing_left d1 "$T/b"
}

test_kill_all() {
  make_bundle b /bin/sh -c '/testprog sleep 100 & /testprog sleep 100 & wait'
  (cd b && urun run -d ka) || fail "run -d failed"
  wait_for eval '[ "$(urun ps --format json ka 2>/dev/null | jq length)" -ge 3 ]'
  urun kill --all ka KILL || fail "kill --all failed"
  wait_status ka stopped
  urun delete ka || fail "delete failed"
  assert_nothing_left ka "$T/b"
}

test_concurrent_create_one_wins() {
  make_bundle b /testprog sleep 100
  local i
  for i in 1 2 3 4 5; do (cd b && urun create same >"$T/out.$i" 2>&1; echo $? >"$T/rc.$i") & done
  wait
  local ok=0
  for i in 1 2 3 4 5; do [ "$(cat "$T/rc.$i")" -eq 0 ] && ok=$((ok + 1)); done
  assert_eq "$ok" 1 "creates that succeeded"
  cat "$T"/out.* | grep -q "already exists" || fail "losers did not say 'already exists'"
  urun delete -f same || fail "delete failed"
  assert_nothing_left same "$T/b"
}

test_killed_create_does_not_block_id() {
  make_bundle b /testprog sleep 100
  # a createRuntime hook that hangs lets us kill create half-way
  cfg b '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"]}]'
  (cd b && exec "$URUN" --root "$STATE" create half) &
  local pid=$!
  wait_for test -d "$STATE/half"
  sleep 0.3
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  pkill -KILL -f "sleep 30" 2>/dev/null || true
  # the id is reusable: directly, and delete --force clears it too
  cfg b 'del(.hooks)'
  (cd b && urun create half) || fail "create after a killed create failed"
  urun delete -f half || fail "delete failed"
  mkdir -p "$STATE/half2"
  urun delete --force half2 || fail "delete --force of a stale dir failed"
  assert_nothing_left half "$T/b"
  assert_nothing_left half2
}

test_start_twice_fails() {
  make_bundle b /testprog sleep 100
  (cd b && urun create s2) || fail "create failed"
  urun start s2 || fail "start failed"
  expect_error "$URUN" --root "$STATE" start s2
  assert_contains "$out" "not created"
  urun delete -f s2
}

test_run_forwards_signals() {
  make_bundle b /testprog signal-wait
  (cd b && exec "$URUN" --root "$STATE" run sig >"$T/out" 2>&1) &
  local pid=$!
  wait_for grep -q ready "$T/out"
  kill -USR1 "$pid"
  local rc=0
  wait "$pid" || rc=$?
  assert_contains "$(cat "$T/out")" "signal 10"
  assert_eq "$rc" $((128 + 10)) "exit status after SIGUSR1"
  assert_nothing_left sig "$T/b"
}

test_log_json() {
  expect_error "$URUN" --root "$STATE" --log "$T/log" --log-format json state nope
  jq -e 'select(.level == "error") | .msg | contains("does not exist")' "$T/log" >/dev/null || fail "no JSON error in the log"
  jq -e '.time' "$T/log" >/dev/null || fail "no time"
}

test_default_state_root() {
  if is_root; then
    make_bundle b /testprog sleep 100
    local id=urun-default-root-$$
    (cd b && "$URUN" create "$id") || fail "create failed"
    [ -f "/run/urun/$id/state.json" ] || fail "no state under /run/urun"
    "$URUN" delete -f "$id"
  else
    expect_error env -u XDG_RUNTIME_DIR "$URUN" list
    assert_contains "$out" "XDG_RUNTIME_DIR"
    expect_error env XDG_RUNTIME_DIR=/nonexistent "$URUN" list
    assert_contains "$out" "XDG_RUNTIME_DIR"
    "$URUN" list >/dev/null || fail "list with a good XDG_RUNTIME_DIR failed"
    [ -d "$XDG_RUNTIME_DIR/urun" ] || fail "no state root under XDG_RUNTIME_DIR"
  fi
}

test_rootless_auto_user_namespace() {
  is_root && skip "needs an unprivileged caller"
  make_bundle b
  # a config written for root: no user namespace
  cfg b 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
  local j
  j=$(run_info b auto)
  assert_eq "$(jq -r .uid <<<"$j")" 0 "root inside"
  assert_contains "$(jq -r .uid_map <<<"$j")" " $(id -u) "
  if command -v newuidmap >/dev/null && grep -q "^$(id -un):" /etc/subuid; then
    assert_eq "$(jq -r '.uid_map | split("\n") | map(select(length > 0)) | length' <<<"$j")" 2 "caller + subordinate range"
  fi
}
