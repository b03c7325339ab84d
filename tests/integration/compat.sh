# compat.sh: what runc and crun accept and urun must too (issue 16): a
# cgroup manager that cannot be used, user namespaces without mappings,
# hooks' environment and state, the process's environment, exec's process
# group and options, stdio ownership, the ENOSYS stub under seccomp, and
# `features` against what urun really accepts.


test_unusable_cgroup_manager_runs_without_a_group() {
  make_bundle b /bin/true
  local in_userns=() manager
  if is_root; then
    # root of a user namespace is a user to systemd: its user bus is not
    # there (what rootless podman's callers see without lingering)
    command -v unshare >/dev/null || skip "no unshare"
    in_userns=(unshare -Ur)
    manager=systemd
  else
    # a user's login scope is not delegated here: cgroupfs cannot make a group
    manager=cgroupfs
    [ -w "$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)/cgroup.procs" ] &&
      skip "the cgroup v2 root is writable by this user"
  fi
  local out
  out=$("${in_userns[@]}" "$URUN" --root "$STATE" --debug --cgroup-manager "$manager" run --bundle b nl 2>&1) ||
    fail "no limit asked for, but the unusable $manager driver failed the container: $out"
  assert_contains "$out" "cgroup: none" "the fallback is said under --debug"
  assert_nothing_left nl "$T/b"
  # without --debug: not a word
  out=$("${in_userns[@]}" "$URUN" --root "$STATE" --cgroup-manager "$manager" run --bundle b nl2 2>&1) ||
    fail "run failed: $out"
  assert_eq "$out" "" "no warning without --debug"
  # "unlimited" pids is no limit either
  cfg b '.linux.resources = {"pids": {"limit": -1}}'
  out=$("${in_userns[@]}" "$URUN" --root "$STATE" --cgroup-manager "$manager" run --bundle b nl3 2>&1) ||
    fail "pids.limit -1 failed: $out"
  # a limit keeps the clear refusal, and nothing is left
  cfg b '.linux.resources = {"memory": {"limit": 67108864}}'
  expect_error "${in_userns[@]}" "$URUN" --root "$STATE" --cgroup-manager "$manager" run --bundle b nl4
  if [ "$manager" = systemd ]; then
    assert_contains "$out" "systemd's user bus is not reachable"
  else
    # (on a hybrid host the controller itself is missing: said first)
    assert_match "$out" "not delegated to you|memory controller is not available"
  fi
  assert_nothing_left nl4 "$T/b"
}

test_pids_unlimited_needs_no_pids_controller() {
  local mount
  mount=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
  [ -n "$mount" ] || skip "no cgroup v2 hierarchy"
  make_bundle b /testprog sleep 100
  local limit
  for limit in 0 -1; do
    cfg b --argjson l "$limit" '.linux.resources = {"pids": {"limit": $l}}'
    (cd b && urun run -d "p$limit" >/dev/null 2>"$T/err") || fail "pids.limit $limit failed: $(cat "$T/err")"
    if ! is_root; then
      urun delete -f "p$limit"
      continue
    fi
    # root gets a group of its own; where it has a pids controller it says "max"
    local dir
    dir=$(jq -r .urun.cgroupPath "$STATE/p$limit/state.json" 2>/dev/null)
    if [ -n "$dir" ] && [ "$dir" != null ] && [ -e "$dir/pids.max" ]; then
      assert_eq "$(cat "$dir/pids.max")" max
    fi
    urun delete -f "p$limit"
    assert_nothing_left "p$limit" "$T/b"
  done
  # --cgroup-manager cgroupfs as root: the group is made, without pids
  if is_root; then
    (cd b && "$URUN" --root "$STATE" --cgroup-manager cgroupfs run -d pc >/dev/null 2>"$T/err") ||
      fail "cgroupfs with pids -1 failed: $(cat "$T/err")"
    urun delete -f pc
    assert_nothing_left pc "$T/b"
  fi
}

test_hooks_environment_and_state() {
  # each hook saves its environment (less the PWD sh adds) and its stdin; the
  # container's hooks write into a bind mount of $T/log
  make_bundle b /bin/true
  mkdir "$T/log"
  local save='cat /proc/self/environ | tr "\\0" "\\n" | grep -v "^PWD=" > DIR/env-NAME; cat > DIR/state-NAME'
  cfg b --arg log "$T/log" --arg save "$save" '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $log, "options": ["bind"]}]
    | .hooks = ({} | reduce ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop") as $n
        (.; .[$n] = [{"path": "/bin/sh", "args": ["sh", "-c",
          ($save | gsub("NAME"; $n) | gsub("DIR"; (if $n == "startContainer" then "/hooklog" else $log end)))]}]))
    | .hooks.poststop[0].env = ["ONLY=this"]'
  export HOOK_MARK=urun-env
  (cd b && urun create hk) || fail "create failed"
  local pid
  pid=$(urun state hk | jq .pid)
  urun start hk || fail "start failed"
  wait_status hk stopped
  urun delete hk || fail "delete failed"
  local n
  # without env: the runtime's environment, PATH and all (runc, crun)
  for n in prestart createRuntime createContainer poststart; do
    grep -qx "HOOK_MARK=urun-env" "$T/log/env-$n" || fail "$n did not get urun's environment: $(cat "$T/log/env-$n")"
    grep -q "^PATH=" "$T/log/env-$n" || fail "$n has no PATH"
  done
  # with env: exactly that
  assert_eq "$(cat "$T/log/env-poststop")" "ONLY=this" "a hook's own env is all it gets"
  # startContainer is a program of the container: the process's environment
  grep -qx "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$T/log/env-startContainer" ||
    fail "startContainer lacks the process's PATH: $(cat "$T/log/env-startContainer")"
  grep -qx "HOME=/" "$T/log/env-startContainer" || fail "startContainer lacks the process's HOME"
  ! grep -q HOOK_MARK "$T/log/env-startContainer" || fail "urun's environment reached the container"
  # the state on stdin: "created" until the process runs (runtime-spec,
  # crun; runtime-tools' hooks_stdin), the pid as seen where the hook runs
  for n in prestart createRuntime; do
    assert_eq "$(jq -r .status "$T/log/state-$n")" created "$n status"
    assert_eq "$(jq -r .pid "$T/log/state-$n")" "$pid" "$n pid"
  done
  for n in createContainer startContainer; do
    assert_eq "$(jq -r .status "$T/log/state-$n")" created "$n status"
    assert_eq "$(jq -r .pid "$T/log/state-$n")" 1 "$n pid (in the container's pid namespace)"
  done
  assert_eq "$(jq -r .status "$T/log/state-poststart")" running
  assert_eq "$(jq -r .pid "$T/log/state-poststart")" "$pid"
  assert_eq "$(jq -r .status "$T/log/state-poststop")" stopped
  assert_nothing_left hk "$T/b"
}

test_failing_poststart_leaves_nothing() {
  # runc's way (runtime-spec 1.3: error, stop, destroy): start fails, the
  # container is gone, its poststop hooks ran; never a half-gone container
  make_bundle b /testprog sleep 100
  cfg b --arg d "$T" '.hooks = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 7"]}],
    "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($d)/poststop.json"]}]}'
  (cd b && urun create ps) || fail "create failed"
  expect_error "$URUN" --root "$STATE" start ps
  assert_contains "$out" ".hooks.poststart[0]"
  assert_contains "$out" "exit status 7"
  expect_error "$URUN" --root "$STATE" state ps
  assert_contains "$out" "does not exist"
  assert_eq "$(jq -r .status "$T/poststop.json")" stopped "the poststop hooks ran"
  assert_nothing_left ps "$T/b"
  rm -f "$T/poststop.json"
  expect_error "$URUN" --root "$STATE" run --bundle b ps2
  assert_contains "$out" ".hooks.poststart[0]"
  assert_eq "$(jq -r .status "$T/poststop.json")" stopped "run: the poststop hooks ran"
  assert_nothing_left ps2 "$T/b"
}
