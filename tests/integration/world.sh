# world.sh: what config.json says of the filesystem and the process.

test_capabilities_and_rlimits() {
  make_bundle b
  cfg b '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000}] | .process.noNewPrivileges = true'
  local j
  j=$(run_info b cr)
  # the default set: CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
  assert_eq "$(jq -r .CapEff <<<"$j")" 0000000020000420 "effective capabilities"
  assert_eq "$(jq -r .CapBnd <<<"$j")" 0000000020000420 "bounding set"
  assert_eq "$(jq -r .NoNewPrivs <<<"$j")" 1 "no_new_privs"
  assert_eq "$(jq -c .rlimits.RLIMIT_NOFILE <<<"$j")" '{"soft":512,"hard":1000}' "RLIMIT_NOFILE"
}

# buildah and `runc spec` list ambient capabilities and no inheritable ones:
# the kernel cannot raise those, and runc and crun leave them out.  urun
# too, with a warning in the log (on stderr only under --debug), and raises
# every ambient capability that is inheritable and permitted as well.
test_ambient_capabilities_not_inheritable() {
  make_bundle b
  cfg b '.process.capabilities.ambient = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    | .process.capabilities.inheritable = ["CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]
    | .process.capabilities.permitted = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    | .process.capabilities.effective = .process.capabilities.permitted'
  local j
  j=$(cd b && urun --log "$T/log" run amb 2>"$T/err") || fail "run failed: $(cat "$T/err")"
  # CAP_NET_BIND_SERVICE (10) is ambient; CAP_KILL is not inheritable, CAP_AUDIT_WRITE not permitted
  assert_eq "$(jq -r .CapAmb <<<"$j")" 0000000000000400 "ambient capabilities"
  assert_eq "$(jq -r .CapInh <<<"$j")" 0000000020000400 "inheritable capabilities"
  assert_eq "$(cat "$T/err")" "" "stderr without --debug"
  assert_contains "$(cat "$T/log")" "ambient[1]: CAP_KILL is left out: it is not inheritable"
  assert_contains "$(cat "$T/log")" "ambient[0]: CAP_AUDIT_WRITE is left out: it is not permitted"
  assert_not_contains "$(cat "$T/log")" CAP_NET_BIND_SERVICE "a raised capability is not warned about"
  # under --debug on stderr; exec takes the same path
  make_bundle b2 /testprog sleep 100
  cfg b2 '.process.capabilities.ambient = ["CAP_KILL"] | .process.capabilities.inheritable = []'
  (cd b2 && urun --debug run -d amb2 >/dev/null 2>"$T/err") || fail "run -d failed: $(cat "$T/err")"
  assert_contains "$(cat "$T/err")" "warning: config.json: .process.capabilities.ambient[0]: CAP_KILL is left out: it is not inheritable"
  jq -n '{args: ["/testprog", "info"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0},
    capabilities: {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL", "CAP_CHOWN"],
      permitted: ["CAP_KILL", "CAP_CHOWN"], inheritable: ["CAP_CHOWN"], ambient: ["CAP_KILL", "CAP_CHOWN"]}}' >"$T/p.json"
  j=$(urun --log "$T/log2" exec --process "$T/p.json" amb2 2>"$T/err") || fail "exec failed: $(cat "$T/err")"
  assert_eq "$(jq -r .CapAmb <<<"$j")" 0000000000000001 "ambient capabilities of exec (CAP_CHOWN)"
  assert_eq "$(cat "$T/err")" "" "stderr of exec without --debug"
  assert_contains "$(cat "$T/log2")" "CAP_KILL is left out: it is not inheritable"
  urun delete -f amb2
}

test_masked_and_readonly_paths() {
  make_bundle b /bin/sh -c 'cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/domainname && echo WRITABLE; true'
  [ -e /proc/keys ] || skip "this kernel has no /proc/keys to mask"
  local out
  out=$(cd b && urun run mp 2>&1) || fail "run failed: $out"
  assert_eq "$(sed -n 1p <<<"$out" | tr -d ' ')" 0 "/proc/keys is masked (a file)"
  assert_eq "$(sed -n 2p <<<"$out" | tr -d ' ')" 0 "/sys/firmware is masked (a directory)"
  assert_not_contains "$out" WRITABLE "/proc/sys is read-only"
  [ -n "$(ls /sys/firmware)" ] || fail "the host's /sys/firmware changed"
}

test_readonly_root_and_mounts() {
  make_bundle b /bin/sh -c 'touch /x 2>/dev/null && echo ROOT-WRITABLE; touch /data/y && echo data-ok; mount | grep " /data "'
  mkdir -p "$T/hostdata"
  cfg b --arg src "$T/hostdata" '.root.readonly = true | .mounts += [{"destination": "/data", "type": "bind", "source": $src, "options": ["rbind", "nosuid", "nodev"]}]'
  local out
  out=$(cd b && urun run ro 2>&1) || fail "run failed: $out"
  assert_not_contains "$out" ROOT-WRITABLE
  assert_contains "$out" data-ok
  assert_contains "$out" nosuid
  [ -e "$T/hostdata/y" ] || fail "bind mount did not reach the host directory"
}

test_dev_nodes_and_links() {
  make_bundle b /bin/sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c; for l in /dev/fd /dev/stdin /dev/ptmx; do readlink $l; done; test -c /dev/tty && echo tty-ok'
  local out
  out=$(cd b && urun run dv 2>&1) || fail "run failed: $out"
  assert_eq "$(sed -n 1p <<<"$out" | tr -d ' ')" 4 "/dev/zero"
  assert_contains "$out" "/proc/self/fd"
  assert_contains "$out" "pts/ptmx"
  assert_contains "$out" "tty-ok"
  # the nodes' modes and owners are exact whatever the umask; a config's
  # device gets its fileMode, uid and gid
  make_bundle b2 /bin/sh -c 'stat -c "%n %a %u %g %t:%T" /dev/null /dev/urandom /dev/tty /dev/xnull'
  # (a user binds the host's nodes: no such path on the host, no node)
  is_root || return 0
  cfg b2 '.linux.devices = [{"path": "/dev/xnull", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 1000, "gid": 1000}]'
  out=$( (umask 077; cd b2 && urun run dv2) 2>&1) || fail "run failed: $out"
  assert_contains "$out" "/dev/null 666 0 0 1:3"
  assert_contains "$out" "/dev/urandom 666 0 0 1:9"
  assert_contains "$out" "/dev/tty 666 0 0 5:0"
  assert_contains "$out" "/dev/xnull 600 1000 1000 1:3"
}

test_symlinks_never_escape_rootfs() {
  local outside="$T/outside"
  mkdir -p "$outside"
  make_bundle b /bin/sh -c 'ls /dev/null >/dev/null && echo ran'
  # hostile layout: /dev an absolute symlink to a host path, a mount target
  # reached through a ".." chain
  rm -rf b/rootfs/dev
  ln -s "$outside" b/rootfs/dev
  ln -s ../../../../../../../.. b/rootfs/up
  cfg b '.mounts += [{"destination": "/up/escape", "type": "tmpfs", "source": "tmpfs"}]'
  local out
  out=$(cd b && urun run esc 2>&1) || fail "run failed: $out"
  assert_contains "$out" ran
  [ -z "$(ls -A "$outside")" ] || fail "urun wrote into the host directory the symlink named: $(ls -A "$outside")"
  ! grep -q "$outside" /proc/self/mountinfo || fail "mount on the host"
  [ ! -e /escape ] || fail "a mount target was created at the host's /escape"
  [ -d "b/rootfs$outside" ] || fail "the /dev symlink was not resolved inside the rootfs"
}

test_seccomp_errno() {
  make_bundle b /bin/sh -c 'mkdir /tmp/blocked; echo "rc=$?"'
  cfg b '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": ["mkdir", "mkdirat", "not_a_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  local out
  out=$(cd b && urun run sc 2>&1) || fail "run failed: $out"
  assert_contains "$out" "Permission denied" "errno 13 from the blocked syscall"
  assert_contains "$out" "rc=1"
  [ ! -e b/rootfs/tmp/blocked ] || fail "mkdir went through"
  cfg b '.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOPE"'
  expect_error "$URUN" --root "$STATE" run --bundle b sc2
  assert_contains "$out" 'unknown seccomp action "SCMP_ACT_NOPE"'
  cfg b '.linux.seccomp.syscalls[0] = {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_NOPE"}]}'
  expect_error "$URUN" --root "$STATE" run --bundle b sc3
  assert_contains "$out" 'unknown operator "SCMP_CMP_NOPE"'
  assert_nothing_left sc2 "$T/b"
}

test_hooks() {
  make_bundle b /testprog exit 0
  cfg b --arg d "$T" '.hooks = {
    "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($d)/createRuntime.json"]}],
    "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($d)/poststart.json"]}],
    "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "echo $HOOKVAR > \($d)/poststop.txt"], "env": ["HOOKVAR=ok"]}]}'
  (cd b && urun run hk) || fail "run failed"
  assert_eq "$(jq -r .id "$T/createRuntime.json")" hk "createRuntime got the state"
  assert_eq "$(jq -r .status "$T/createRuntime.json")" created
  [ "$(jq -r .pid "$T/createRuntime.json")" -gt 0 ] || fail "no pid in the state"
  assert_eq "$(jq -r .status "$T/poststart.json")" running
  assert_eq "$(cat "$T/poststop.txt")" ok "poststop ran with its env"
  cfg b '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
  expect_error "$URUN" --root "$STATE" run --bundle b hk2
  assert_contains "$out" ".hooks.createRuntime[0]"
  assert_nothing_left hk2 "$T/b"
  cfg b '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
  expect_error "$URUN" --root "$STATE" run --bundle b hk3
  assert_contains "$out" "timed out"
  assert_nothing_left hk3 "$T/b"
}

# Found by runtime-tools' validation suite: a profile that does not list
# faccessat2 (written before it existed) must not stop the program's lookup,
# which runs after the filter is loaded when no_new_privs is off.
test_seccomp_profile_without_faccessat2() {
  make_bundle b /testprog exit 0
  cfg b '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": ["faccessat2", "faccessat", "access"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  local out
  out=$(cd b && urun run fa 2>&1) || fail "run failed: $out"
  cfg b '.process.args = ["testprog", "exit", "0"] | .process.env = ["PATH=/bin:/"]'
  out=$(cd b && urun run fa 2>&1) || fail "run through PATH failed: $out"
  # a file without execute bits is still refused clearly
  chmod 644 b/rootfs/testprog
  cfg b '.process.args = ["/testprog"]'
  expect_error "$URUN" --root "$STATE" run --bundle b fa2
  assert_contains "$out" "permission denied"
  assert_nothing_left fa2 "$T/b"
}

# rootfsPropagation "shared" (pivot_root refuses a shared new root: applied
# after it) and a bind mount with "shared" stay shared inside.
test_shared_propagation() {
  mkdir -p "$T/src"
  make_bundle b /bin/cat /proc/self/mountinfo
  cfg b --arg src "$T/src" '.linux.rootfsPropagation = "shared"
    | .mounts += [{"destination": "/shared", "type": "bind", "source": $src, "options": ["rbind", "shared"]}]'
  local out
  out=$(cd b && urun run sp 2>&1) || fail "run failed: $out"
  assert_match "$(awk '$5 == "/"' <<<"$out")" "shared:[0-9]+" "the root is shared"
  assert_match "$(awk '$5 == "/shared"' <<<"$out")" "shared:[0-9]+" "the bind mount is shared"
}

# oomScoreAdj is written while /proc/self is still init's own (a user's
# non-dumpable process could not open it).
test_oom_score_adj() {
  make_bundle b /bin/cat /proc/self/oom_score_adj
  cfg b '.process.oomScoreAdj = 500'
  local out
  out=$(cd b && urun run oom 2>&1) || fail "run failed: $out"
  assert_eq "$out" 500
}

# The compiled filter is kept in the state root, keyed by the whole profile:
# the second start loads it; a file that is not ours alone, or whose key
# differs, is not used; the filter from the cache filters the same.
test_seccomp_filter_cache() {
  make_bundle b /bin/sh -c 'mkdir /tmp/blocked; echo "rc=$?"'
  cfg b '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  local out f
  out=$(cd b && urun --debug run c1 2>&1) || fail "run failed: $out"
  assert_contains "$out" "rc=1"
  assert_not_contains "$out" "from the cache"
  f=$(ls "$STATE"/.seccomp-cache/)
  [ "$(wc -w <<<"$f")" -eq 1 ] || fail "one cache entry expected: $f"
  assert_eq "$(stat -c %a "$STATE/.seccomp-cache/$f")" 600 "the entry is private"
  assert_eq "$(stat -c %a "$STATE/.seccomp-cache")" 700 "the cache directory is private"
  out=$(cd b && urun --debug run c2 2>&1) || fail "run failed: $out"
  assert_contains "$out" "seccomp: filter $f from the cache"
  assert_contains "$out" "rc=1" "the cached filter denies mkdir"
  # not ours alone: compiled afresh
  chmod 0666 "$STATE/.seccomp-cache/$f"
  out=$(cd b && urun --debug run c3 2>&1) || fail "run failed: $out"
  assert_not_contains "$out" "from the cache"
  assert_contains "$out" "rc=1"
  # another profile: another entry; the list of containers does not show the cache
  cfg b '.linux.seccomp.syscalls[0].errnoRet = 1'
  out=$(cd b && urun --debug run c4 2>&1) || fail "run failed: $out"
  assert_contains "$out" "Operation not permitted"
  assert_eq "$(ls "$STATE"/.seccomp-cache/ | wc -l)" 2 "an entry per profile"
  assert_eq "$(urun list -q)" "" "the cache is not a container"
  # a corrupted entry (its key no longer matches) is not used
  local g
  for g in "$STATE"/.seccomp-cache/*; do printf 'garbage' | dd of="$g" bs=1 seek=40 conv=notrunc 2>/dev/null; done
  out=$(cd b && urun --debug run c5 2>&1) || fail "run failed: $out"
  assert_not_contains "$out" "from the cache"
  assert_contains "$out" "Operation not permitted"
}
