# security.sh: one test per CVE class of runc's and crun's history, each
# written as the attack (issue 15).  A test aims only at files it owns (a copy
# of the binary, a scratch file), never at /proc/sys or the installed urun.


# --- sec2: read-only trees, sysctls, device rules and the other attack tests ---

# The mounts a process can reach at or below path $2, from its mountinfo
# text $1, one "target options" line each.  A mount that a later one covers
# (the later one on the same parent at its place or above it, or on its own
# root), or that lies on a covered one, is left out: nothing reaches it.
sec_mounts_under() {
  awk -v p="$2" '
    function under(a, b) { return a == b || index(a, b == "/" ? "/" : b "/") == 1 }
    { id[NR] = $1; parent[$1] = $2; target[$1] = $5; opts[$1] = $6 }
    END {
      for (j = 1; j <= NR; j++) for (i = 1; i < j; i++) {
        n = id[j]; m = id[i]
        if (parent[m] == parent[n] && under(target[m], target[n])) covered[m] = 1
        if (parent[n] == m && target[n] == target[m]) covered[m] = 1
      }
      for (i = 1; i <= NR; i++) {
        m = id[i]
        if (!under(target[m], p)) continue
        reach = 1
        for (x = m; x in target; x = parent[x]) { if (x in covered) { reach = 0; break }; if (parent[x] == x) break }
        if (reach) print target[m], opts[m]
      }
    }' <<<"$1"
}

# Fail unless every line of sec_mounts_under has each of the given options.
sec_assert_all_have() {
  local lines=$1 opt target opts
  shift
  [ -n "$lines" ] || fail "no mounts to check"
  while read -r target opts; do
    for opt in "$@"; do
      [[ ",$opts," == *",$opt,"* ]] || fail "$target is mounted $opts: \"$opt\" is missing"
    done
  done <<<"$lines"
}

# CVE-2023-25809 class: `runc spec --rootless` binds /sys with "rbind,ro"
# and mounts no cgroup namespace; the host's cgroup mounts under /sys come
# along.  "ro" on the top mount alone left them writable: every submount of
# the tree must be read-only (and nosuid, nodev, noexec, as asked).
test_sec_ro_rbind_sys_submounts() {
  make_bundle b /bin/cat /proc/self/mountinfo
  cfg b '.mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))
    | .mounts += [{"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}]
    | .linux.namespaces |= map(select(.type != "cgroup" and .type != "network"))'
  local mi sys
  mi=$(cd b && urun run rs) || fail "run failed"
  sys=$(sec_mounts_under "$mi" /sys)
  [ "$(wc -l <<<"$sys")" -gt 1 ] || skip "the host has no mount below /sys to inherit"
  sec_assert_all_have "$sys" ro nosuid nodev noexec
  # runc spec --rootless as it is: a read-only cgroup mount over them too
  cfg b '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
  mi=$(cd b && urun run rs2) || fail "run with the cgroup mount failed"
  sec_assert_all_have "$(sec_mounts_under "$mi" /sys)" ro nosuid nodev noexec
  assert_nothing_left rs "$T/b"
}

# The same as a write: a tree whose lower mount (a tmpfs the container's
# config made, so the test owns it) is reached through an "rbind,ro" bind.
test_sec_ro_rbind_write_into_submount() {
  make_bundle b /bin/sh -c 'echo attack > /view/sub/planted && echo WROTE; echo attack > /view/top && echo WROTE-TOP; grep -c " /view" /proc/self/mountinfo'
  mkdir -p b/rootfs/tree/sub
  cfg b '.mounts += [{"destination": "/tree/sub", "type": "tmpfs", "source": "tmpfs", "options": ["mode=777"]},
                     {"destination": "/view", "type": "bind", "source": "rootfs/tree", "options": ["rbind", "ro"]}]'
  local out
  out=$(cd b && urun run rw 2>&1) || true
  assert_contains "$out" "Read-only file system" "the write was not refused by a read-only mount"
  assert_not_contains "$out" WROTE "a write through an rbind,ro tree"
  assert_match "$out" $'\n2$' "both mounts of the tree are in the container"
  assert_file_absent b/rootfs/tree/top
  assert_nothing_left rw "$T/b"
}

# readonlyPaths: read-only for every mount below the path, and each keeps the
# flags it had: /proc mounted nosuid,nodev,noexec stays so under /proc/bus
# (a remount with MS_RDONLY alone dropped them, "/proc/bus ro,relatime").
test_sec_readonly_paths_recursive_keep_flags() {
  make_bundle b /bin/sh -c 'echo attack > /guarded/sub/planted && echo WROTE; cat /proc/self/mountinfo'
  mkdir -p b/rootfs/guarded/sub
  cfg b '.mounts |= map(if .destination == "/proc" then .options = ["nosuid", "nodev", "noexec"] else . end)
    | .mounts += [{"destination": "/guarded/sub", "type": "tmpfs", "source": "tmpfs", "options": ["mode=777", "nosuid", "noatime"]}]
    | .linux.readonlyPaths = ["/guarded", "/proc/bus", "/proc/sys"]'
  local out mi
  out=$(cd b && urun run rp 2>&1) || fail "run failed: $out"
  assert_not_contains "$out" WROTE "a write below a read-only path"
  assert_contains "$out" "Read-only file system"
  mi=$(grep -v 'Read-only' <<<"$out")
  sec_assert_all_have "$(sec_mounts_under "$mi" /guarded/sub)" ro nosuid noatime
  sec_assert_all_have "$(sec_mounts_under "$mi" /proc/bus)" ro nosuid nodev noexec
  sec_assert_all_have "$(sec_mounts_under "$mi" /proc/sys)" ro nosuid nodev noexec
  assert_nothing_left rp "$T/b"
}

# Runs bundle $1 as container $3 in scratch network, ipc and uts namespaces
# the test made (root: new ones; a user: in a user namespace of its own, as
# its root), so that a sysctl written where it should not be lands there,
# never in the host's.  Prints the value of /proc/sys file $2 there before
# and after, urun's exit code, and urun's output, one per line.
sec_sysctl_attempt() {
  local -a ns=(--net --ipc --uts)
  command -v unshare >/dev/null || skip "unshare(1) missing"
  is_root || ns=(--user --map-root-user "${ns[@]}")
  unshare "${ns[@]}" bash -c 'before=$(cat "$1"); rc=0; out=$(cd "$2" && "$URUN" --root "$STATE" run "$3" 2>&1) || rc=$?
    printf "%s\n%s\n%s\n%s\n" "$before" "$(cat "$1")" "$rc" "$out"' _ "/proc/sys/$2" "$1" "$3"
}

# A bundle for sec_sysctl_attempt: a user's container runs as root of the
# scratch user namespace, without one of its own (its config is root's).
sec_sysctl_bundle() {
  make_bundle "$@"
  is_root || cfg "$1" 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
}

# Asserts what sec_sysctl_attempt printed ($1): urun refused with each of the
# texts given, and the value ($2 the key) did not change where it ran.
sec_assert_sysctl_refused() {
  local res=$1 key=$2
  shift 2
  local before after rc msg
  { read -r before; read -r after; read -r rc; msg=$(cat); } <<<"$res"
  assert_ne "$rc" 0 "urun ran a container with $key (output: $msg)"
  assert_eq "$after" "$before" "$key changed in the caller's namespace"
  assert_eq "$(grep -c . <<<"$msg")" 1 "a one-line error"
  assert_contains "$msg" "urun: "
  local text
  for text in "$@"; do assert_contains "$msg" "$text"; done
}

# Issue 15 item 4: fs.mqueue.queues_max with no ipc namespace of the
# container's own set the host's.  The value asked for differs from the
# scratch namespace's, so a write there would show; the host's own value is
# read before and after as well.
test_sec_sysctl_ipc_without_ipc_namespace() {
  local host_before
  host_before=$(cat /proc/sys/fs/mqueue/queues_max)
  sec_sysctl_bundle b /bin/cat /proc/sys/fs/mqueue/queues_max
  cfg b '.linux.namespaces |= map(select(.type != "ipc")) | del(.mounts[] | select(.destination == "/dev/mqueue"))
    | .linux.sysctl = {"fs.mqueue.queues_max": "123"}'
  local res
  res=$(sec_sysctl_attempt b fs/mqueue/queues_max sq)
  sec_assert_sysctl_refused "$res" fs.mqueue.queues_max '.linux.sysctl["fs.mqueue.queues_max"]' "belongs to the ipc namespace, and .linux.namespaces gives the container none"
  # kernel.shm* and kernel.msg* are the ipc namespace's too
  cfg b '.linux.sysctl = {"kernel.shmmni": "4095"}'
  sec_assert_sysctl_refused "$(sec_sysctl_attempt b kernel/shmmni sq2)" kernel.shmmni '.linux.sysctl["kernel.shmmni"]'
  # with an ipc namespace of its own the container gets its value
  cfg b '.linux.namespaces += [{"type": "ipc"}] | .linux.sysctl = {"fs.mqueue.queues_max": "123"}'
  res=$(sec_sysctl_attempt b fs/mqueue/queues_max sq3)
  assert_eq "$(sed -n 3p <<<"$res")" 0 "run with an ipc namespace failed: $res"
  assert_eq "$(sed -n 4p <<<"$res")" 123 "the container's own value"
  assert_eq "$(sed -n 2p <<<"$res")" "$(sed -n 1p <<<"$res")" "the caller's value"
  assert_eq "$(cat /proc/sys/fs/mqueue/queues_max)" "$host_before" "the host's value"
  assert_nothing_left sq "$T/b"
  assert_nothing_left sq3 "$T/b"
}

test_sec_sysctl_net_without_network_namespace() {
  local host_before
  host_before=$(cat /proc/sys/net/ipv4/ping_group_range)
  sec_sysctl_bundle b /bin/cat /proc/sys/net/ipv4/ping_group_range
  cfg b '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
  sec_assert_sysctl_refused "$(sec_sysctl_attempt b net/ipv4/ping_group_range sn)" net.ipv4.ping_group_range \
    '.linux.sysctl["net.ipv4.ping_group_range"]' "belongs to the network namespace"
  # --net host takes the namespace away: the same refusal
  cfg b '.linux.namespaces += [{"type": "network"}] | .annotations["run.urun.network"] = "host"'
  sec_assert_sysctl_refused "$(sec_sysctl_attempt b net/ipv4/ping_group_range sn2)" net.ipv4.ping_group_range \
    "belongs to the network namespace"
  # a network namespace joined by path that is the caller's own is the host's
  cfg b 'del(.annotations["run.urun.network"]) | .linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/net" else . end)'
  sec_assert_sysctl_refused "$(sec_sysctl_attempt b net/ipv4/ping_group_range sn3)" net.ipv4.ping_group_range \
    "the network namespace joined by path (/proc/self/ns/net) is the runtime's own"
  assert_eq "$(cat /proc/sys/net/ipv4/ping_group_range)" "$host_before" "the host's value"
  assert_nothing_left sn "$T/b"
}

test_sec_sysctl_uts_without_uts_namespace() {
  sec_sysctl_bundle b /bin/cat /proc/sys/kernel/hostname
  cfg b '.linux.namespaces |= map(select(.type != "uts")) | del(.hostname) | .linux.sysctl = {"kernel.hostname": "sec-attack"}'
  sec_assert_sysctl_refused "$(sec_sysctl_attempt b kernel/hostname su)" kernel.hostname \
    '.linux.sysctl["kernel.hostname"]' "belongs to the uts namespace"
  assert_ne "$(hostname)" sec-attack "the host's name"
  assert_nothing_left su "$T/b"
}

# A setting no namespace holds is the host's for every container: refused
# even with every namespace.  No scratch namespace can hold it, so the value
# asked for is the host's current one: a wrong write changes nothing, and
# the refusal is what is asserted.
test_sec_sysctl_not_namespaced() {
  local key=vm.swappiness file=/proc/sys/vm/swappiness before
  before=$(cat $file)
  make_bundle b /bin/cat $file
  cfg b --arg v "$before" '.linux.namespaces |= (map(select(.type != "network" and .type != "ipc")) + [{"type": "network"}, {"type": "ipc"}])
    | .linux.sysctl = {"vm.swappiness": $v}'
  expect_error "$URUN" --root "$STATE" run --bundle b sv
  assert_contains "$out" ".linux.sysctl[\"$key\"]: not a namespaced sysctl"
  assert_eq "$(cat $file)" "$before" "the host's value"
  # kernel.* beyond the ipc and uts ones too (a lookalike prefix)
  cfg b '.linux.sysctl = {"kernel.msgmax_x": "1"}'
  expect_error "$URUN" --root "$STATE" run --bundle b sv
  assert_contains "$out" 'not a namespaced sysctl'
  assert_nothing_left sv "$T/b"
}

# urun's own net.ipv4.ping_group_range (every gid of the container may
# ping) is written in a network namespace of the container's own only: a
# container sharing the caller's leaves the caller's value alone.
test_sec_ping_group_range_not_in_shared_netns() {
  sec_sysctl_bundle b /bin/cat /proc/sys/net/ipv4/ping_group_range
  cfg b '.linux.namespaces |= map(select(.type != "network"))'
  local res before after rc
  res=$(sec_sysctl_attempt b net/ipv4/ping_group_range pg)
  { read -r before; read -r after; read -r rc; } <<<"$res"
  assert_eq "$rc" 0 "run failed: $res"
  assert_eq "$after" "$before" "urun widened the caller's ping_group_range"
  assert_nothing_left pg "$T/b"
}

# Issue 15 item 5: a deny-all device rule covers the nodes of linux.devices
# too; they are made in the container, and opened only where a rule allows.
# The device is a loop device over a file the test owns, so a read shows
# the file and a write lands in it, nowhere else.  Init and exec alike.
test_sec_device_rules_cover_linux_devices() {
  is_root || skip "device rules are an eBPF program only root may load; a user's container gets host nodes bind-mounted, under the kernel's own checks"
  command -v losetup >/dev/null || skip "losetup(8) missing"
  truncate -s 4096 "$T/disk"
  printf original | dd of="$T/disk" conv=notrunc status=none
  local loop
  loop=$(losetup --find --show "$T/disk" 2>/dev/null) || skip "no loop device to attach here"
  # expanded now: the function's locals are gone by the time bash exits
  trap "losetup -d $loop" EXIT
  local major minor
  major=$((16#$(stat -c %t "$loop"))) minor=$((16#$(stat -c %T "$loop")))
  make_bundle b /bin/sh -c 'test -b /dev/sec-disk && echo EXISTS; head -c 8 /dev/sec-disk && echo " READ"; echo -n attacked 1<>/dev/sec-disk && echo WROTE; true'
  cfg b --argjson ma "$major" --argjson mi "$minor" '.linux.devices = [{"path": "/dev/sec-disk", "type": "b", "major": $ma, "minor": $mi}]
    | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  local out
  out=$(cd b && urun run dv 2>&1) || fail "run failed: $out"
  assert_contains "$out" EXISTS "the node of linux.devices is made"
  assert_contains "$out" "head: /dev/sec-disk: Operation not permitted" "deny-all let init open it"
  assert_not_contains "$out" READ "deny-all let init read it"
  assert_not_contains "$out" WROTE "deny-all let init write it"
  # exec'd processes obey the same program
  cfg b '.process.args = ["/bin/sleep", "100"]'
  (cd b && urun run -d dv2) || fail "run -d failed"
  out=$(urun exec dv2 /bin/sh -c 'head -c 8 /dev/sec-disk && echo " READ"; echo -n attacked 1<>/dev/sec-disk && echo WROTE; true' 2>&1)
  assert_contains "$out" "Operation not permitted" "deny-all let exec open it"
  assert_not_contains "$out" READ
  assert_not_contains "$out" WROTE
  urun delete -f dv2
  assert_eq "$(head -c 8 "$T/disk")" original "the file under the device was written"
  # an allow rule for reading: read, not written
  cfg b --argjson ma "$major" --argjson mi "$minor" '.process.args = ["/bin/sh", "-c", "head -c 8 /dev/sec-disk && echo \" READ\"; echo -n attacked 1<>/dev/sec-disk && echo WROTE; true"]
    | .linux.resources.devices += [{"allow": true, "type": "b", "major": $ma, "minor": $mi, "access": "r"}]'
  out=$(cd b && urun run dv3 2>&1) || fail "run failed: $out"
  assert_contains "$out" "original READ" "an allow rule for reading"
  assert_not_contains "$out" WROTE "read-only access wrote"
  # and for writing too: the write lands in the test's file
  cfg b '.linux.resources.devices[-1].access = "rw"'
  out=$(cd b && urun run dv4 2>&1) || fail "run failed: $out"
  assert_contains "$out" WROTE "an allow rule for reading and writing"
  assert_eq "$(head -c 8 "$T/disk")" attacked "the write went through the device"
  assert_nothing_left dv4 "$T/b"
}

# A directory the container shares with the host ($T/shared, bound last and
# recursively): a mount of the config that escaped the rootfs onto a host
# path under it shows up there, in the container's own mountinfo.
sec_shared_view() {
  mkdir -p "$T/shared"
  cfg "$1" --arg s "$T/shared" '.mounts += [{"destination": "/shared", "type": "bind", "source": $s, "options": ["rbind"]}]'
}

# CVE-2015-1328-style and runc's symlink classes: mount destinations that are
# symlinks in the rootfs, absolute and relative (../../), pointing at host
# paths, and a destination that climbs out by itself.  Each must land inside
# the rootfs (resolved as if the rootfs were /), never on the host.
test_sec_mount_destination_symlinks_stay_in_rootfs() {
  mkdir -p "$T/src" "$T/shared/abs" "$T/shared/rel" "$T/shared/dotdot"
  echo secret-of-src > "$T/src/file"
  make_bundle b /bin/cat /proc/self/mountinfo
  ln -s "$T/shared/abs" b/rootfs/evil-abs
  ln -s "../../../../../../../../../../../../../../..$T/shared/rel" b/rootfs/evil-rel
  cfg b --arg s "$T/src" --arg d "/../../../../../../../../../../../../..$T/shared/dotdot" \
    '.mounts += [{"destination": "/evil-abs", "type": "tmpfs", "source": "tmpfs"},
                 {"destination": "/evil-rel", "type": "bind", "source": $s, "options": ["bind"]},
                 {"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
  sec_shared_view b
  local mi
  mi=$(cd b && urun run sl 2>&1) || fail "run failed: $mi"
  assert_eq "$(sec_mounts_under "$mi" /shared | cut -d' ' -f1)" /shared "a mount escaped onto the host's $T/shared"
  # where they landed instead: the same paths inside the rootfs
  local where
  for where in abs rel dotdot; do
    sec_mounts_under "$mi" "$T/shared/$where" | grep -q . || fail "no mount at $T/shared/$where inside the rootfs"
  done
  [ -z "$(find "$T/shared" -mindepth 2)" ] || fail "something was made on the host side: $(find "$T/shared" -mindepth 2)"
  assert_nothing_left sl "$T/b"
}

# CVE-2019-19921 / CVE-2019-16884 class: a volume or tmpfs whose destination
# is a symlink to /proc would cover the container's procfs with a directory
# the image controls (a fake /proc/self/attr defeats the LSM label, and the
# masked and read-only paths are then set on the fake).  Refused, as runc
# does: only procfs is mounted on /proc.
test_sec_mount_over_proc_through_symlink() {
  mkdir -p "$T/fakeproc/self"
  make_bundle b /bin/sh -c 'stat -f -c %T /proc; cat /proc/self/mountinfo'
  ln -s /proc b/rootfs/evil
  ln -s ../proc/self b/rootfs/evil-self
  local n
  n=$(jq '.mounts | length' b/config.json)
  # no masked paths: unprotected, the container would run, on a fake /proc
  cfg b '.mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs"}] | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
  expect_error "$URUN" --root "$STATE" run --bundle b pr
  assert_contains "$out" ".mounts[$n].destination: /evil is inside /proc"
  assert_nothing_left pr "$T/b"
  cfg b --arg s "$T/fakeproc" '.mounts[-1] = {"destination": "/evil", "type": "bind", "source": $s, "options": ["rbind"]}'
  expect_error "$URUN" --root "$STATE" run --bundle b pr
  assert_contains "$out" ".mounts[$n].destination: /evil is inside /proc"
  cfg b --arg s "$T/fakeproc" '.mounts[-1] = {"destination": "/evil-self/attr", "type": "bind", "source": $s, "options": ["rbind"]}'
  expect_error "$URUN" --root "$STATE" run --bundle b pr
  assert_contains "$out" ".mounts[$n].destination: /evil-self/attr is inside /proc"
  assert_nothing_left pr "$T/b"
  # what lxcfs does stays possible: a regular file over one of /proc's
  # statistics files, and procfs itself
  echo "fake uptime" > "$T/uptime"
  cfg b --arg s "$T/uptime" '.mounts[-1] = {"destination": "/proc/uptime", "type": "bind", "source": $s, "options": ["bind"]}
    | .process.args = ["/bin/cat", "/proc/uptime"]'
  local up
  up=$(cd b && urun run pr2 2>&1) || fail "run with a bind over /proc/uptime failed: $up"
  assert_eq "$up" "fake uptime"
  assert_nothing_left pr2 "$T/b"
}

# Every capability the kernel knows, as config.json names them.
sec_all_caps() {
  capsh --print 2>/dev/null | sed -n 's/^Bounding set =//p' | tr ',' '\n' | tr a-z A-Z | jq -R . | jq -s -c .
}

# CVE-2016-9962 class: a process `urun exec` brings into the container is
# the runtime until its execve, holding the runtime's fds and memory; a
# process of the container that stops it in that window (kill needs no
# more than the same uid) must find it closed: no fd links, no executable,
# environment or memory to open, no ptrace attach.  The container has every
# capability in a user namespace of its own (rootless podman's
# --privileged), so the kernel's other checks (the tracer's capabilities a
# superset of the tracee's, the same uid) all pass: only the exec'd
# process's being non-dumpable stands in the way.  The container's init is
# the watcher (testprog catch-exec); exec runs /bin/true until the watcher
# has caught a few.
test_sec_exec_not_ptraceable_before_entering() {
  command -v capsh >/dev/null || skip "capsh(1) missing (libcap2-bin)"
  make_bundle b /testprog catch-exec true 60
  local map='[{"containerID": 0, "hostID": 100000, "size": 65536}]'
  if is_root; then
    cfg b --argjson m "$map" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = $m | .linux.gidMappings = $m'
    chown -R 100000:100000 b/rootfs
  fi
  cfg b --argjson c "$(sec_all_caps)" '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}'
  local log=$T/catch.out i caught=0
  (cd b && urun run -d ce >"$log" 2>&1 </dev/null) || fail "run -d failed: $(cat "$log")"
  wait_for grep -q watching "$log"
  for i in $(seq 1 60); do
    urun exec ce /bin/true || fail "exec $i failed"
    caught=$(grep -c '^caught' "$log")
    [ "$caught" -ge 3 ] && break
  done
  urun delete -f ce
  cat "$log"
  [ "$caught" -ge 1 ] || skip "the watcher never caught an exec'd process before its execve in 60 tries (a slow /proc scan here)"
  local line
  while read -r line; do
    assert_match "$line" ": fds 0, exe denied, environ denied, mem denied, ptrace denied$" "an exec'd process was open to the container before its execve"
  done < <(grep '^caught' "$log")
  assert_nothing_left ce "$T/b"
}

# CVE-2022-29162 class: inheritable capabilities are empty unless the config
# lists them, for init, exec and exec --cap, whatever the caller's own
# inheritable set holds; a config without capabilities gets none at all (as
# with runc), not the runtime's.  The attack: a program with file
# capabilities cap_net_raw+ei, run by a non-root user of the container whose
# bounding set allows NET_RAW: it gains the capability exactly when its
# inheritable set holds it.
test_sec_inheritable_caps_empty_unless_asked() {
  command -v capsh >/dev/null || skip "capsh(1) missing (libcap2-bin)"
  make_bundle b /testprog sleep 100
  local raw=0000000000002000 zero=0000000000000000
  cfg b '.process.capabilities.bounding += ["CAP_NET_RAW"]'
  # a caller holding NET_RAW in its inheritable set (root only may raise it)
  local -a caller=()
  is_root && caller=(capsh --inh=cap_net_raw --)
  sec_urun() { if [ ${#caller[@]} -gt 0 ]; then "${caller[@]}" -c '"$@"' _ "$URUN" --root "$STATE" "$@"; else urun "$@"; fi; }
  (cd b && sec_urun run -d ic >/dev/null) || fail "run -d failed"
  local st
  st=$(urun exec ic /bin/cat /proc/1/status)
  assert_eq "$(awk '/^CapInh:/ {print $2}' <<<"$st")" $zero "init's inheritable set"
  assert_eq "$(awk '/^CapAmb:/ {print $2}' <<<"$st")" $zero "init's ambient set"
  st=$(sec_urun exec ic /bin/cat /proc/self/status)
  assert_eq "$(awk '/^CapInh:/ {print $2}' <<<"$st")" $zero "exec's inheritable set"
  st=$(sec_urun exec --cap CAP_NET_RAW ic /bin/cat /proc/self/status)
  assert_eq "$(awk '/^CapInh:/ {print $2}' <<<"$st")" $zero "exec --cap's inheritable set"
  assert_eq "$(( 16#$(awk '/^CapEff:/ {print $2}' <<<"$st") & 16#2000 ))" $((16#2000)) "exec --cap's effective set"
  urun delete -f ic
  # no capabilities in the config: none, not the runtime's
  cfg b 'del(.process.capabilities) | .process.args = ["/bin/cat", "/proc/self/status"]'
  st=$(cd b && sec_urun run ic2) || fail "run without capabilities failed"
  assert_eq "$(awk '/^CapInh:/ {print $2}' <<<"$st")" $zero "inheritable without capabilities"
  assert_eq "$(awk '/^CapEff:/ {print $2}' <<<"$st")" $zero "effective without capabilities"
  assert_eq "$(awk '/^CapBnd:/ {print $2}' <<<"$st")" $zero "bounding without capabilities"
  # asked for: there
  cfg b '.process.capabilities = {"bounding": ["CAP_NET_RAW"], "permitted": ["CAP_NET_RAW"], "inheritable": ["CAP_NET_RAW"]}'
  st=$(cd b && sec_urun run ic3) || fail "run with inheritable failed"
  assert_eq "$(awk '/^CapInh:/ {print $2}' <<<"$st")" $raw "the inheritable set asked for"
  if is_root; then
    # file capabilities need a real root to set
    cp "$TESTPROG" b/rootfs/capprog
    setcap cap_net_raw+ei b/rootfs/capprog || fail "setcap failed"
    # (no_new_privs would ignore file capabilities: the attack needs it off)
    cfg b '.process.user = {"uid": 1000, "gid": 1000} | .process.args = ["/capprog", "info"] | .process.noNewPrivileges = false
      | .process.capabilities = {"bounding": ["CAP_NET_RAW", "CAP_KILL"], "effective": [], "permitted": []}'
    local j
    j=$(cd b && sec_urun run ic4) || fail "run of the file-capability program failed"
    assert_eq "$(jq -r .CapInh <<<"$j")" $zero "the user's inheritable set"
    assert_eq "$(jq -r .CapEff <<<"$j")" $zero "the program gained capabilities through its inheritable file capabilities"
  fi
  assert_nothing_left ic4 "$T/b"
}

# Id maps are the caller's to give only as far as /etc/subuid and
# /etc/subgid say: a user's config that maps the host's root, or runs past
# the end of its range into another user's, is refused by name before any
# process exists (newuidmap, setuid, would refuse it too: urun does not lean
# on it).  Root may map any range.
test_sec_id_maps_beyond_subuid_refused() {
  is_root && skip "root may map any range; the check is for users"
  local me start count
  me=$(id -un)
  grep -q "^$me:" /etc/subuid && grep -q "^$me:" /etc/subgid || skip "no subordinate ids for $me"
  start=$(grep "^$me:" /etc/subuid | head -n 1 | cut -d: -f2)
  count=$(grep "^$me:" /etc/subuid | head -n 1 | cut -d: -f3)
  make_bundle b /testprog info
  local own_uid own_gid
  own_uid=$(id -u) own_gid=$(id -g)
  # the host's root as the container's root
  cfg b '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
  expect_error "$URUN" --root "$STATE" run --bundle b im
  assert_contains "$out" "linux.uidMappings[0]: host ids 0-0 are not yours"
  # the host's root group
  cfg b --argjson u "$own_uid" '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
  expect_error "$URUN" --root "$STATE" run --bundle b im
  assert_contains "$out" "linux.gidMappings[0]: host ids 0-0 are not yours"
  # the own id plus a range running 10 ids past the end of the allocation
  cfg b --argjson u "$own_uid" --argjson g "$own_gid" --argjson s $((start + count - 10)) \
    '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 20}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}]'
  expect_error "$URUN" --root "$STATE" run --bundle b im
  assert_contains "$out" "linux.uidMappings[1]: host ids $((start + count - 10))-$((start + count + 9)) are not yours"
  assert_contains "$out" /etc/subuid
  assert_nothing_left im "$T/b"
}

# Another user's containers are out of reach: root's state root (0700) lets
# nobody else read a state, start a container through its exec.fifo, kill,
# exec or delete it; and a state root another user can write is refused
# (root would otherwise act on a state.json that user planted: a pid to
# kill, a cgroup to remove), whoever the caller is.
test_sec_state_root_of_another_user() {
  make_bundle b /testprog sleep 100
  (cd b && urun create sr >/dev/null 2>&1 </dev/null) || fail "create failed"
  cfg b '.process.args = ["/bin/true"]'
  if is_root; then
    command -v setpriv >/dev/null || skip "setpriv(1) missing"
    # nobody, with urun itself readable to it
    cp "$URUN" "$T/urun-copy" && chmod 755 "$T/urun-copy" "$T"
    local -a nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups --)
    local cmd
    for cmd in "state sr" "start sr" "kill sr KILL" "exec sr /bin/true" "delete -f sr" "list"; do
      # shellcheck disable=SC2086
      expect_error "${nobody[@]}" "$T/urun-copy" --root "$STATE" $cmd
    done
    "${nobody[@]}" sh -c "exec 3<'$STATE/sr/exec.fifo'" 2>/dev/null && fail "nobody opened the exec fifo"
    assert_eq "$(status_of sr)" created "the container, after the attempts"
    assert_eq "$(stat -c %a "$STATE")" 700 "the state root's mode"
    # the other way round: a state root nobody owns, or anyone may write
    mkdir "$T/theirs" && chown 65534:65534 "$T/theirs" && chmod 700 "$T/theirs"
    expect_error "$URUN" --root "$T/theirs" list
    assert_contains "$out" "state root $T/theirs belongs to uid 65534, not to you (uid 0)"
    # writable by a group that is not the caller's
    mkdir -m 770 "$T/group-root" && chgrp 65534 "$T/group-root"
    expect_error "$URUN" --root "$T/group-root" list
    assert_contains "$out" "state root $T/group-root is writable by other users (mode 770)"
  fi
  mkdir -m 777 "$T/shared-root"
  chmod 777 "$T/shared-root"
  expect_error "$URUN" --root "$T/shared-root" run --bundle b sr2
  assert_contains "$out" "state root $T/shared-root is writable by other users (mode 777)"
  assert_file_absent "$T/shared-root/sr2"
  urun delete -f sr
  assert_nothing_left sr "$T/b"
}

# CVE-2021-30465 class: the image's side swaps a mount destination's
# directory with a symlink to a host path (renameat2 RENAME_EXCHANGE in a
# loop, testprog swap-loop) while containers are created: whichever the
# runtime meets, the mount stays in the rootfs.  An escape would show at
# /shared/target in the container (the host's $T/shared, bound last).
test_sec_mount_destination_swapped_during_create() {
  mkdir -p "$T/shared/target" b
  make_bundle b /bin/cat /proc/self/mountinfo
  mkdir -p b/rootfs/mnt/dir
  ln -s "$T/shared/target" b/rootfs/mnt/link
  cfg b '.mounts += [{"destination": "/mnt/dir", "type": "tmpfs", "source": "tmpfs"}]'
  sec_shared_view b
  "$TESTPROG" swap-loop b/rootfs/mnt/dir b/rootfs/mnt/link 60 >/dev/null &
  local swapper=$!
  trap "kill $swapper 2>/dev/null" EXIT
  local i mi ran=0 refused=0
  for i in $(seq 1 30); do
    if mi=$(cd b && urun run "sw$i" 2>&1); then
      ran=$((ran + 1))
      assert_eq "$(sec_mounts_under "$mi" /shared | cut -d' ' -f1)" /shared "run $i: the tmpfs escaped onto the host's $T/shared/target"
    else
      refused=$((refused + 1)) # meeting a moving target may fail; landing outside may not
      assert_nothing_left "sw$i" "$T/b"
    fi
  done
  kill $swapper
  wait $swapper 2>/dev/null
  echo "$ran runs, $refused refused"
  [ "$ran" -gt 0 ] || fail "no run got through the swaps: nothing was shown"
  [ -z "$(find "$T/shared" -mindepth 2)" ] || fail "something was made on the host side: $(find "$T/shared" -mindepth 2)"
}

# The container's terminal (the pty master sent to --console-socket) and its
# seccomp listener go to a listener of the caller's own or root's only: a
# socket another user listens on at the path (planted in a shared
# directory) gets nothing, and create says why.
test_sec_console_socket_of_another_user() {
  is_root || skip "needs a second user to listen (root runs the listener as nobody)"
  command -v setpriv >/dev/null || skip "setpriv(1) missing"
  mkdir -m 777 "$T/shared-dir" && chmod 1777 "$T/shared-dir"
  cp "$TESTPROG" "$T/testprog-copy" && chmod 755 "$T/testprog-copy"
  setpriv --reuid 65534 --regid 65534 --clear-groups -- "$T/testprog-copy" console-recv "$T/shared-dir/console.sock" "$T/shared-dir/console.out" &
  local listener=$!
  trap "kill $listener 2>/dev/null" EXIT
  wait_for test -S "$T/shared-dir/console.sock"
  make_bundle b /bin/sh -c 'echo secret-on-the-terminal; sleep 5'
  cfg b '.process.terminal = true'
  expect_error "$URUN" --root "$STATE" create --bundle b --console-socket "$T/shared-dir/console.sock" cs
  assert_contains "$out" "--console-socket $T/shared-dir/console.sock: its listener runs as uid 65534, not as you (uid 0) or root"
  sleep 0.2
  ! grep -qs "^fds [1-9]" "$T/shared-dir/console.out" || fail "the other user's listener received the terminal: $(cat "$T/shared-dir/console.out")"
  kill $listener 2>/dev/null
  assert_nothing_left cs "$T/b"
}

# --- lead: the runtime binary, the cwd, /dev/null and /dev/console ---
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

# The CVE-2019-5736 attack through exec: $1, a jq filter for the config
# (capabilities); $2 "privileged" when the container may open what
# non-dumpable runtime processes map (it holds the sealed copy then, and
# must not get further).
self_exe_hunt() {
  local sum
  sum=$(own_urun)
  make_bundle "$T/b" /testprog sleep 30
  cfg "$T/b" "$1"
  plant_self_exe_links "$T/b"
  mkfifo -m 666 "$T/b/rootfs/tmp/fifo"
  (cd "$T/b" && uown create c >/dev/null 2>&1) || fail "create failed"
  uown start c || fail "start failed"
  # the attacker: holds the exe of any runtime process it sees, writes it once that is gone
  uown exec -d c /testprog exe-hunt /tmp/fifo 3 >"$T/hunt.out" 2>&1 || fail "exec of the hunter failed: $(cat "$T/hunt.out")"
  local out
  out=$(uown exec c /proc/self/exe --version 2>&1)
  assert_urun_did_not_run "$out" "exec /proc/self/exe"
  out=$(uown exec c /bin/evil --version 2>&1)
  assert_urun_did_not_run "$out" "exec of a symlink to /proc/self/exe"
  out=$(uown exec c /bin/evil.sh 2>&1)
  assert_urun_did_not_run "$out" "exec of a #!/proc/self/exe script"
  # urun's binary, were it run, would wait on the fifo until the hunter holds it
  out=$(uown exec c /proc/self/exe --log /tmp/fifo state x 2>&1)
  local i
  for i in $(seq 1 200); do grep -q '^exe-hunt:' "$T/hunt.out" && break; sleep 0.05; done
  grep -q '^exe-hunt:' "$T/hunt.out" || fail "the hunter did not finish: $(cat "$T/hunt.out"); $(uown ps c 2>&1)"
  out=$(cat "$T/hunt.out")
  ! grep -q '^wrote' "$T/hunt.out" || fail "the container wrote the runtime's binary: $out"
  [ "${2:-}" = privileged ] || assert_contains "$out" "exe-hunt: held 0" "the container held an fd on a runtime binary"
  assert_eq "$(sha256sum "$T"/urun* | sha256sum)" "$sum" "urun's binary changed"
  uown delete -f c
}

test_sec_self_exe_through_exec() {
  self_exe_hunt .
}

# A root container with CAP_SYS_PTRACE and CAP_SYS_ADMIN may open the exe
# and the mapped files (/proc/PID/map_files) of the runtime's processes:
# what they map must be the sealed copy then, not the host's binary (a
# user's containers, which never hold such capabilities on the host, run
# urun's code from the host's file behind a sealed stub instead).
test_sec_self_exe_privileged_container() {
  is_root || skip "only root's containers can hold capabilities in the host's user namespace"
  local caps='["CAP_SYS_ADMIN","CAP_SYS_PTRACE","CAP_CHECKPOINT_RESTORE","CAP_DAC_OVERRIDE"]'
  self_exe_hunt ".process.capabilities |= with_entries(.value = $caps)" privileged
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

# A bundle ($T/b, sleeping) with an overlay on /data of $T/l, $T/u and $T/w
# that urun-fuse-overlay serves (the annotation makes it skip the kernel's).
sec_fuse_overlay_bundle() {
  make_bundle "$T/b" /testprog sleep 30
  mkdir -p "$T/l" "$T/u" "$T/w"
  cfg "$T/b" --arg l "$T/l" --arg u "$T/u" --arg w "$T/w" \
    '.mounts += [{"destination": "/data", "type": "overlay", "source": "overlay",
                  "options": ["lowerdir=\($l)", "upperdir=\($u)", "workdir=\($w)"]}]
     | .annotations["run.urun.overlay.driver"] = "fuse"'
}

# The helpers too: urun-slirp sits in the container's network namespace,
# urun-fuse-overlay in its pid namespace.  (A helper is non-dumpable: only
# root reads its exe link, and so only root's stage looks.)
test_sec_helpers_run_from_sealed_copies() {
  is_root || skip "a helper is non-dumpable: only root may read its /proc/PID/exe (the root stage checks both helpers)"
  own_urun >/dev/null
  [ -x "$T/urun-slirp" ] || skip "no urun-slirp beside $URUN"
  cp "$(dirname "$URUN")/urun-fuse-overlay" "$T/" 2>/dev/null || skip "no urun-fuse-overlay beside $URUN"
  sec_fuse_overlay_bundle
  (cd "$T/b" && uown create --net slirp c >/dev/null 2>&1) || fail "create with --net slirp and a FUSE overlay failed"
  local pid exe
  for pid in $(pgrep -f "$STATE/c/slirp.sock") $(pgrep -f "urun-fuse-overlay -o lowerdir=$T/l"); do
    exe=$(readlink "/proc/$pid/exe") || fail "cannot read the exe of helper $pid"
    case "$exe" in "/memfd:urun-slirp (deleted)" | "/memfd:urun-fuse-overlay (deleted)") ;;
      *) fail "helper $pid runs from $exe, not a sealed copy" ;; esac
  done
  [ -n "$(pgrep -f "urun-fuse-overlay -o lowerdir=$T/l")" ] || fail "no urun-fuse-overlay for the mount"
  [ -n "$(pgrep -f "$STATE/c/slirp.sock")" ] || fail "no urun-slirp for the container"
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
  # unattacked, the masks work (so that refusals below are the attack's)
  local out
  out=$(cd "$T/b" && urun run m0 2>&1) || fail "run without the attack failed: $out"
  assert_contains "$out" "character special file 1:3" "a masked path is the null device"
  "$TESTPROG" swap-loop "$T/b/rootfs/dev/null" "$T/b/rootfs/dev/evil" 4 /scratch-target >"$T/swap.out" &
  local swapper=$! i ok=0
  for i in $(seq 1 20); do
    out=$(cd "$T/b" && urun run "m$i" 2>&1) && ok=$((ok + 1))
    assert_not_contains "$out" "SCRATCH" "run $i: a masked path showed the file the swapped /dev/null led to"
    assert_not_contains "$out" "regular file" "run $i: a masked path is a regular file"
    assert_nothing_left "m$i"
  done
  wait "$swapper"
  # (refusing, as runc and crun do, is as good as masking with 1:3)
  echo "$ok of 20 ran, the others refused; $(cat "$T/swap.out")"
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
  echo "$ok of 15 ran, the others refused; $(cat "$T/swap.out")"
}

# urun-fuse-overlay, where the kernel refuses an overlay, runs in the
# container's user and pid namespaces: a process there with CAP_SYS_PTRACE
# could trace it (non-dumpable or not: the kernel asks for the capability in
# the namespace the helper was executed in, the container's) and turn its
# fds on the host's layer directories into a way out.  Neither create nor
# exec lets CAP_SYS_PTRACE near it.
test_sec_fuse_overlay_helper_out_of_ptrace_reach() {
  [ -x "$(dirname "$URUN")/urun-fuse-overlay" ] || skip "no urun-fuse-overlay beside $URUN"
  [ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not usable by $(id -un)"
  sec_fuse_overlay_bundle
  cp "$T/b/config.json" "$T/plain.json"
  cfg "$T/b" '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  # (output through a file: a created init would hold a pipe open)
  expect_error sh -c "cd '$T/b' && '$URUN' --root '$STATE' create pt >'$T/pt.out' 2>&1; rc=\$?; cat '$T/pt.out'; exit \$rc"
  assert_contains "$out" "CAP_SYS_PTRACE" "the refusal names the capability"
  assert_nothing_left pt "$T/b"
  [ -z "$(pgrep -f "urun-fuse-overlay -o lowerdir=$T/l")" ] || fail "a helper was left running"
  # without it the container runs, and exec may not add it
  cp "$T/plain.json" "$T/b/config.json"
  (cd "$T/b" && urun create ok >/dev/null 2>&1) || fail "create with a FUSE overlay failed"
  urun start ok
  expect_error urun exec --cap CAP_SYS_PTRACE ok /bin/true
  assert_contains "$out" "CAP_SYS_PTRACE"
  urun exec ok /bin/true || fail "a plain exec failed"
  urun delete -f ok
}

# An older profile (runtime-tools' and Docker's of a few years ago) names
# epoll_pwait2 but not openat2 or close_range: under it those get its
# default EPERM.  The cwd and fd protections must not depend on them being
# allowed, nor fail the container (init installs such a filter before it
# sets the user, without no_new_privs).
test_sec_cwd_and_fds_under_a_profile_without_openat2() {
  local profile
  profile=$(dirname "${BASH_SOURCE[0]}")/../fixtures/seccomp/default.json
  touch "$T/hostmark"
  mkdir -p -m 0700 "$STATE" # with_leaked_dirs opens it
  make_bundle "$T/b" /bin/sh -c "$look"
  cfg "$T/b" --slurpfile p "$profile" '.linux.seccomp = ($p[0] | .syscalls |= map(.names -= ["openat2", "close_range"]))
    | .process.noNewPrivileges = false | .process.cwd = "/tmp"'
  local out
  out=$(cd "$T/b" && with_leaked_dirs urun run o1 2>&1) || fail "run under a profile without openat2 failed: $out"
  assert_cwd_inside "$out" "init under a profile without openat2"
  assert_contains "$out" "INSIDE"
  cfg "$T/b" '.process.args = ["/testprog", "sleep", "30"]'
  (cd "$T/b" && urun create o2 >/dev/null 2>&1) || fail "create failed"
  urun start o2
  out=$(with_leaked_dirs urun exec --cwd /tmp o2 /testprog info) || fail "exec under a profile without openat2 failed"
  assert_eq "$(jq -c '[.fds[].fd]' <<<"$out")" "[0,1,2]" "fds open in the exec'd process"
  assert_eq "$(jq -r .cwd <<<"$out" 2>/dev/null || echo /tmp)" /tmp "cwd"
  urun delete -f o2
  # and one that refuses getcwd (runtime-tools' linux_seccomp): urun checks
  # the cwd before the filter
  cfg "$T/b" --slurpfile p "$profile" '.linux.seccomp = ($p[0] | .syscalls |= map(.names -= ["openat2", "close_range", "getcwd"]))
    | .process.args = ["/bin/true"]'
  out=$(cd "$T/b" && urun run o3 2>&1) || fail "run under a profile without getcwd failed: $out"
}
