# compat.sh: what runc and crun accept and urun must too (issue 16): a
# cgroup manager that cannot be used, user namespaces without mappings,
# hooks' environment and state, the process's environment, exec's process
# group and options, stdio ownership, the ENOSYS stub under seccomp, and
# `features` against what urun really accepts.


# As a user: drop `urun spec`'s own-id-only maps, so that the default ones
# (the caller, then its subordinate range) give the container more ids.
wide_maps() { is_root || cfg "$1" 'del(.linux.uidMappings, .linux.gidMappings)'; }

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

# Apply jq filter $1 to bundle b, run it as $2: its output has $3.
sees() {
  cfg b "$1"
  local out
  out=$(cd b && urun run "$2" 2>&1) || fail "run $2 ($1) failed: $out"
  assert_contains "$out" "$3"
}

test_process_home_and_socket_activation() {
  make_bundle b /bin/sh -c 'echo "home=$HOME listen=$LISTEN_FDS/$LISTEN_PID"; test -e /proc/self/fd/3 && echo fd3; true'
  printf 'root:x:0:0:root:/root:/bin/sh\nsvc:x:1000:1000::/home/svc:/bin/sh\n' >b/rootfs/etc/passwd
  wide_maps b
  local out
  # HOME from the container's /etc/passwd for the process's uid (runc, crun);
  # no entry: "/"; an env that has HOME keeps it
  sees '.' h1 "home=/root listen=/"
  sees '.process.user = {"uid": 1000, "gid": 1000}' h2 "home=/home/svc "
  sees '.process.user = {"uid": 1234, "gid": 1234}' h3 "home=/ "
  sees '.process.user = {"uid": 0, "gid": 0} | .process.env += ["HOME=/set"]' h4 "home=/set "
  cfg b '.process.env -= ["HOME=/set"]'
  # socket activation of urun: its fds follow stdio, LISTEN_FDS and
  # LISTEN_PID (the process's own pid, 1) come with them
  out=$(cd b && sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$1" --root "$2" run h5' _ "$URUN" "$STATE" 3</dev/null 2>&1) ||
    fail "run failed: $out"
  assert_contains "$out" "listen=1/1"
  assert_contains "$out" "fd3"
  # fds meant for another process (LISTEN_PID not urun's), or for nobody
  # named, are not taken: fd 3 on could be anything (runc's rule)
  out=$(cd b && LISTEN_FDS=1 LISTEN_PID=1 "$URUN" --root "$STATE" run h6 3</dev/null 2>&1) || fail "run failed: $out"
  assert_contains "$out" "listen=/"
  assert_not_contains "$out" "fd3"
  out=$(cd b && LISTEN_FDS=1 "$URUN" --root "$STATE" run h6 3</dev/null 2>&1) || fail "run failed: $out"
  assert_not_contains "$out" "fd3"
  # LISTEN_FDS in the config (fds passed with --preserve-fds): LISTEN_PID is added
  cfg b '.process.env += ["LISTEN_FDS=1"]'
  out=$(cd b && "$URUN" --root "$STATE" run --preserve-fds 1 h7 3</dev/null 2>&1) || fail "run failed: $out"
  assert_contains "$out" "listen=1/1"
  assert_contains "$out" "fd3"
  assert_nothing_left h7 "$T/b"
}

test_exec_process_group_home_gids_and_paused() {
  make_bundle b /testprog sleep 100
  printf 'root:x:0:0:root:/root:/bin/sh\n' >b/rootfs/etc/passwd
  wide_maps b
  (cd b && urun run -d ex >/dev/null) || fail "run -d failed"
  local out
  # exec's process leads a process group (and session) of its own (runc)
  out=$(urun exec ex /bin/sh -c 'set -- $(cat /proc/$$/stat); echo "$1 $5 $6"') || fail "exec failed"
  local pid pgrp sid
  read -r pid pgrp sid <<<"$out"
  assert_eq "$pgrp" "$pid" "exec's process is its group's leader"
  assert_eq "$sid" "$pid" "exec's process leads its session"
  # HOME from /etc/passwd, as for the container's process
  assert_eq "$(urun exec ex /bin/sh -c 'echo $HOME')" /root
  # --additional-gids (runc's -g, repeated or a list)
  out=$(urun exec --additional-gids 10 -g 20,30 ex /testprog info) || fail "exec -g failed"
  assert_eq "$(jq -c .groups <<<"$out")" "[10,20,30]"
  expect_error "$URUN" --root "$STATE" exec -g x ex /bin/true
  assert_contains "$out" "--additional-gids"
  # a paused container: refused unless --ignore-paused (runc)
  if ! urun pause ex 2>"$T/err"; then
    is_root && fail "pause failed: $(cat "$T/err")"
    # a user without a cgroup of the container's own cannot pause
    assert_contains "$(cat "$T/err")" "cgroup"
    urun delete -f ex
    return 0
  fi
  expect_error "$URUN" --root "$STATE" exec ex /bin/true
  assert_contains "$out" "--ignore-paused"
  # the process joins the frozen group: it runs once the container resumes
  urun exec --ignore-paused ex /bin/sh -c 'echo ran > /tmp/paused-exec' &
  local ex=$!
  sleep 0.3
  [ ! -e b/rootfs/tmp/paused-exec ] || fail "the process ran in a paused container"
  urun resume ex
  wait "$ex" || fail "exec --ignore-paused failed"
  assert_eq "$(cat b/rootfs/tmp/paused-exec)" ran
  urun delete -f ex
  assert_nothing_left ex "$T/b"
}

test_stdio_files_belong_to_the_container() {
  make_bundle b /bin/sh -c 'echo reopened > /proc/self/fd/1; echo err > /proc/self/fd/2'
  # the process is not the caller: root's mapped range (as root), or a
  # subordinate id (as a user); it must still reopen its stdout (crun)
  if is_root; then
    cfg b '.linux.namespaces += [{"type": "user"}]
      | .linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]
      | .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]
      | .mounts |= map(select(.type != "sysfs" and .type != "cgroup"))'
    chown -R 300000:300000 b/rootfs
  else
    wide_maps b
    cfg b '.process.user = {"uid": 1, "gid": 1}'
  fi
  : >"$T/out"
  : >"$T/err"
  (cd b && urun create so >"$T/out" 2>"$T/err") || fail "create failed: $(cat "$T/err")"
  if is_root; then
    # after create: the container's root's (host 300000)
    assert_eq "$(stat -c %u:%g "$T/out")" 300000:300000 "stdout after create"
  fi
  urun start so
  wait_status so stopped
  urun delete so
  assert_eq "$(cat "$T/out")" reopened "the process reopened its stdout"
  assert_eq "$(cat "$T/err")" err "the process reopened its stderr"
  assert_nothing_left so "$T/b"
}

test_notify_socket_missing_at_create() {
  make_bundle b /bin/true
  NOTIFY_SOCKET=$T/not-yet.sock expect_error "$URUN" --root "$STATE" run --bundle b ns
  assert_contains "$out" "NOTIFY_SOCKET $T/not-yet.sock: no such socket"
  assert_contains "$out" "must exist before create"
  assert_nothing_left ns "$T/b"
}

# The uid_map a container's process saw, one "inside outside count" a line.
uid_map_of() { jq -r .uid_map <<<"$1" | awk 'NF == 3 {print $1, $2, $3}'; }

test_user_namespace_without_mappings() {
  # crun's default: the caller is the process's id; the caller's first
  # subordinate range (if any) fills the ids below it, then those above
  make_bundle b
  cfg b 'del(.linux.uidMappings, .linux.gidMappings)
    | .linux.namespaces = (.linux.namespaces | map(select(.type != "user"))) + [{"type": "user"}]'
  local me sub_start="" sub_count="" out map
  me=$(id -u)
  if [ -x /usr/bin/newuidmap ] || is_root; then
    read -r sub_start sub_count < <(awk -F: -v u="$(id -un)" '$1 == u {print $2, $3; exit}' /etc/subuid)
  fi
  out=$(cd b && urun run un 2>&1) || fail "a user namespace without mappings failed: $out"
  map=$(uid_map_of "$out")
  assert_eq "$(jq .uid <<<"$out")" 0
  if [ -n "$sub_start" ]; then
    assert_eq "$map" "0 $me 1
1 $sub_start $sub_count" "root is the caller, the subordinate range follows"
  else
    assert_eq "$map" "0 $me 1" "root is the caller"
  fi
  # a process running as 1000: 1000 is the caller
  cfg b '.process.user = {"uid": 1000, "gid": 1000} | .process.args = ["/testprog", "info"]'
  out=$(cd b && urun run un2 2>&1) || fail "run as 1000 failed: $out"
  map=$(uid_map_of "$out")
  assert_eq "$(jq .uid <<<"$out")" 1000
  if [ -n "$sub_start" ]; then
    assert_eq "$map" "0 $sub_start 1000
1000 $me 1
1001 $((sub_start + 1000)) $((sub_count - 1000))" "the range around the caller"
  else
    assert_eq "$map" "1000 $me 1" "the process's id is the caller"
  fi
  # one kind given: that one is used, the other is the default (crun)
  cfg b --argjson me "$me" '.process.user = {"uid": 0, "gid": 0} | .linux.uidMappings = [{"containerID": 0, "hostID": $me, "size": 1}]'
  out=$(cd b && urun run un3 2>&1) || fail "uidMappings alone failed: $out"
  assert_eq "$(uid_map_of "$out")" "0 $me 1"
  assert_nothing_left un3 "$T/b"
}

test_seccomp_enosys_for_syscalls_newer_than_the_profile() {
  [ "$(uname -m)" = x86_64 ] || skip "the syscall numbers below are x86_64's"
  # the default profile without anything from clone3 (435) on: to it,
  # clone3 is newer than every syscall it names
  local new='["clone3","close_range","openat2","pidfd_getfd","faccessat2","process_madvise","epoll_pwait2",
    "mount_setattr","quotactl_fd","landlock_create_ruleset","landlock_add_rule","landlock_restrict_self",
    "memfd_secret","process_mrelease","futex_waitv","set_mempolicy_home_node","cachestat","fchmodat2",
    "map_shadow_stack","futex_wake","futex_wait","futex_requeue","statmount","listmount","lsm_get_self_attr",
    "lsm_set_self_attr","lsm_list_modules","mseal","setxattrat","getxattrat","listxattrat","removexattrat",
    "open_tree_attr","uretprobe","no_such_syscall_urun_test"]'
  make_bundle b /testprog try-syscalls
  cfg b --slurpfile p "$(dirname "${BASH_SOURCE[0]}")/../fixtures/seccomp/default.json" --argjson new "$new" \
    '.linux.seccomp = ($p[0] | .syscalls |= map(.names -= $new | select(.names | length > 0)))'
  local out
  out=$(cd b && urun run se 2>&1) || fail "run failed: $out"
  # runc's stub: ENOSYS above the largest syscall the profile names, so
  # glibc falls back to the older call; below it the default action stays
  assert_contains "$out" "clone3=ENOSYS" "a syscall newer than the profile"
  assert_contains "$out" "keyctl=EPERM" "a syscall the profile knows and does not allow"
  assert_contains "$out" "getpid=ok"
  # exec's process gets the same filter
  cfg b '.process.args = ["/testprog", "sleep", "100"]'
  (cd b && urun run -d se2 >/dev/null) || fail "run -d failed"
  out=$(urun exec se2 /testprog try-syscalls) || fail "exec failed"
  assert_contains "$out" "clone3=ENOSYS"
  assert_contains "$out" "keyctl=EPERM"
  urun delete -f se2
  # a default that lets syscalls through gets no stub (nothing to fall back from)
  cfg b '.process.args = ["/testprog", "try-syscalls"]
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"}]}'
  out=$(cd b && urun run se3 2>&1) || fail "run failed: $out"
  assert_contains "$out" "keyctl=EPERM"
  assert_contains "$out" "clone3=EINVAL" "clone3 reached the kernel"
  assert_nothing_left se3 "$T/b"
}

# Run bundle b with the jq filter $1 applied to its base config: "ok", or the error.
accepts() {
  jq "$@" "$T/base.json" >b/config.json || fail "jq filter failed: $*"
  local out
  if out=$(cd b && "$URUN" --root "$STATE" run fx 2>&1); then echo ok; else echo "$out"; fi
  "$URUN" --root "$STATE" delete -f fx >/dev/null 2>&1
  return 0
}

test_features_lists_what_urun_accepts() {
  make_bundle b /bin/true
  mkdir -p b/rootfs/scratch b/rootfs/mnt
  wide_maps b
  cp b/config.json "$T/base.json"
  local f r x
  f=$(urun features) || fail "features failed"
  # SCMP_ACT_NOTIFY is there (listenerPath works)
  jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' <<<"$f" >/dev/null || fail "no SCMP_ACT_NOTIFY: $f"
  # every action listed is taken in a rule, every other refused
  local allow='.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"], "action": $x}]}'
  "$TESTPROG" seccomp-agent "$T/agent.sock" "$T/agent.out" &
  local agent=$!
  wait_for test -S "$T/agent.sock"
  for x in $(jq -r '.linux.seccomp.actions[]' <<<"$f"); do
    r=$(accepts --arg x "$x" --arg l "$T/agent.sock" "$allow | .linux.seccomp.listenerPath = \$l")
    assert_eq "$r" ok "action $x is listed"
  done
  kill "$agent" 2>/dev/null
  wait "$agent" 2>/dev/null
  r=$(accepts --arg x SCMP_ACT_NOPE "$allow")
  assert_contains "$r" 'unknown seccomp action "SCMP_ACT_NOPE"'
  # operators
  for x in $(jq -r '.linux.seccomp.operators[]' <<<"$f"); do
    r=$(accepts --arg x "$x" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"],
      "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "valueTwo": 1, "op": $x}]}]}')
    assert_eq "$r" ok "operator $x is listed"
  done
  # architectures: the runtime-spec's, listed where this build takes them
  for x in X86 X86_64 X32 ARM AARCH64 MIPS MIPS64 MIPS64N32 MIPSEL MIPSEL64 MIPSEL64N32 PPC PPC64 PPC64LE S390 S390X \
    PARISC PARISC64 RISCV64 LOONGARCH64 M68K SH SHEB; do
    r=$(accepts --arg x "SCMP_ARCH_$x" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": [$x],
      "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}')
    if jq -e --arg x "SCMP_ARCH_$x" '.linux.seccomp.archs | index($x)' <<<"$f" >/dev/null; then
      assert_eq "$r" ok "SCMP_ARCH_$x is listed"
    else
      assert_ne "$r" ok "SCMP_ARCH_$x is not listed"
      assert_match "$r" "architectures\[0\]: (unknown architecture|\"SCMP_ARCH_$x\" cannot be filtered)"
    fi
  done
  # flags: supported ones taken; known but unsupported, or unknown, refused
  for x in $(jq -r '.linux.seccomp.knownFlags[]' <<<"$f") SECCOMP_FILTER_FLAG_NOPE; do
    r=$(accepts --arg x "$x" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": [$x],
      "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}')
    if jq -e --arg x "$x" '.linux.seccomp.supportedFlags | index($x)' <<<"$f" >/dev/null; then
      assert_eq "$r" ok "$x is supported"
    else
      assert_contains "$r" ".linux.seccomp.flags[0]" "$x is not supported"
    fi
  done
  # namespaces
  for x in $(jq -r '.linux.namespaces[]' <<<"$f"); do
    r=$(accepts --arg x "$x" '.linux.namespaces = ((.linux.namespaces | map(select(.type != $x))) + [{"type": $x}])')
    assert_eq "$r" ok "namespace $x is listed"
  done
  # hooks
  for x in $(jq -r '.hooks[]' <<<"$f"); do
    r=$(accepts --arg x "$x" '.hooks[$x] = [{"path": "/bin/true"}]')
    assert_eq "$r" ok "hook $x is listed"
  done
  # mount options: a tmpfs, or for those of binds a bind of a tmpfs the
  # container mounted (a user may idmap it, and change its atime flags)
  local host1=1
  is_root || host1=$(awk -F: -v u="$(id -un)" '$1 == u {print $2; exit}' /etc/subuid)
  for x in $(jq -r '.mountOptions[]' <<<"$f"); do
    case $x in
    idmap | ridmap)
      r=$(accepts --arg x "$x" --arg root "$T/b/rootfs" --argjson h "${host1:-1}" '.mounts += [
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/mnt", "type": "bind", "source": ($root + "/scratch"), "options": ["bind", $x],
         "uidMappings": [{"containerID": 0, "hostID": $h, "size": 1}],
         "gidMappings": [{"containerID": 0, "hostID": $h, "size": 1}]}]') ;;
    bind | rbind | r*)
      # (the host's mounts lock their atime flags for a user: a bind of the container's own tmpfs)
      r=$(accepts --arg x "$x" --arg root "$T/b/rootfs" '.mounts += [
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/mnt", "type": "bind", "source": ($root + "/scratch"), "options": ["rbind", $x]}]') ;;
    *)
      r=$(accepts --arg x "$x" '.mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": [$x]}]') ;;
    esac
    assert_eq "$r" ok "mount option $x is listed"
  done
  assert_nothing_left fx "$T/b"
}
