# nested.sh: urun inside a container that urun started, as a CI job sees
# it: a user namespace, its own /proc with the usual masked and read-only
# paths, no cgroup delegation, no newuidmap, no /dev/net/tun; the job runs
# as root of that container (with the capabilities docker and podman give
# by default) or as a user in it.  The inner container runs, exits with its
# status, and is deleted with nothing left.

# shellcheck source=tests/podman-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../podman-lib.sh"

# The capabilities docker and podman give a container by default.
CI_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]'

# The inner script (runs in the outer container, as uid $1): each inner
# config in /configs is run from a fresh copy of /inner; what happened is
# printed as tagged lines for the test to read.
nested_script() {
  cat <<'EOF'
set -u
run_one() { # NAME CONFIG [urun run options]: run /configs/CONFIG.json as container NAME
  name=$1 config=$2
  shift 2
  rm -rf /tmp/in && cp -r /inner /tmp/in || { echo "ERR copy"; return; }
  out=$(urun --root /tmp/st run -b /tmp/in --config "/configs/$config.json" "$@" "$name" </dev/null 2>&1)
  echo "RC $name $?"
  printf '%s\n' "$out" | sed "s/^/OUT $name /"
  # nothing left: no state, no mount of the bundle, no process but ours
  left=0
  for p in /proc/[0-9]*; do
    case "$(cat "$p/comm" 2>/dev/null)" in urun | urun-slirp | testprog) left=$((left + 1)) ;; esac
  done
  echo "LEFT $name state=[$(ls -A /tmp/st 2>/dev/null)] mounts=[$(grep -c /tmp/in /proc/self/mountinfo)] procs=[$left]"
}
for c in $(ls /configs); do
  case $c in *.json) run_one "${c%.json}" "${c%.json}" ;; esac
done
[ -e /configs/slirp ] && run_one slirp info --net slirp
urun --root /tmp/st check >/tmp/check.txt 2>&1
echo "RC check $?"
sed 's/^/OUT check /' /tmp/check.txt
EOF
}

# An outer bundle in $T/outer: busybox, urun, urun-slirp and testprog, an
# inner bundle's rootfs at /inner, inner configs at /configs; run as
# container uid OUTER_UID (0 or 1000).
nested_setup() {
  OUTER_UID=$1
  local o=$T/outer r=$T/outer/rootfs c
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/configs" "$r/inner/rootfs/bin"
  cp "$BUSYBOX" "$r/bin/busybox"
  for c in $("$BUSYBOX" --list); do [ "$c" = busybox ] || ln -sf busybox "$r/bin/$c"; done
  cp "$URUN" "$r/bin/urun"
  local slirp lib
  slirp=$(dirname "$URUN")/urun-slirp
  if [ -x "$slirp" ]; then
    # the helper and the shared libraries it needs, as in a CI image
    cp "$slirp" "$r/bin/"
    for lib in $(ldd "$slirp" | grep -o '/[^ ]*'); do cp --parents -L "$lib" "$r/"; done
  fi
  printf 'root:x:0:0:root:/:/bin/sh\nci:x:1000:1000:ci:/tmp:/bin/sh\n' >"$r/etc/passwd"
  cp "$BUSYBOX" "$r/inner/rootfs/bin/busybox"
  ln -s busybox "$r/inner/rootfs/bin/sh"
  cp "$TESTPROG" "$r/inner/rootfs/testprog"
  nested_script >"$r/nested.sh"
  chmod -R a+rX "$r"
  # the inner configs: what `urun spec --rootless` gives the outer's uid
  "$URUN" spec --rootless --bundle "$T" >/dev/null || fail "urun spec failed"
  jq --argjson u "$OUTER_UID" '.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $u |
    .root.path = "rootfs" | .root.readonly = false | .process.args = ["/testprog", "info"]' \
    "$T/config.json" >"$r/configs/info.json"
  rm "$T/config.json"
  # the outer: a user namespace, the CI capabilities, its own /proc with
  # the default masked and read-only paths, a tmpfs /tmp, no cgroup of its
  # own to give
  mkdir -p "$o"
  "$URUN" spec --bundle "$o" >/dev/null || fail "urun spec failed"
  cfg "$o" --argjson caps "$CI_CAPS" --argjson u "$OUTER_UID" '
    .process.args = ["sh", "/nested.sh"] | .process.user = {uid: $u, gid: $u} | .root.readonly = false |
    .process.env += ["HOME=/tmp"] |
    .process.capabilities = {bounding: $caps, effective: (if $u == 0 then $caps else [] end),
                             permitted: (if $u == 0 then $caps else [] end)} |
    .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]}]'
  if is_root; then
    # root: a user namespace mapping 65536 ids from 100000
    cfg "$o" '.linux.namespaces |= (map(select(.type != "user")) + [{type: "user"}]) |
      .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
      .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  else
    # a user: its own id as root, its subordinate ids from 1 (urun's default maps)
    cfg "$o" 'del(.linux.uidMappings, .linux.gidMappings)'
  fi
}

# Run the outer container; its output in $out, its status in $rc.
nested_run() {
  rc=0
  out=$(cd "$T/outer" && urun run outer </dev/null 2>&1) || rc=$?
  echo "$out"
}

# The value of a tagged line: nested_line TAG NAME
nested_line() { printf '%s\n' "$out" | sed -n "s/^$1 $2 //p"; }

nested_assert_clean() { # NAME
  assert_eq "$(nested_line LEFT "$1")" "state=[] mounts=[0] procs=[0]" "$1: something of the inner container left"
}

nested_need_ids() {
  [ "$OUTER_UID" = 0 ] && return 0
  is_root && return 0
  # a user's outer container maps uid 1000 only from subordinate ids
  grep -q "^$(id -un):" /etc/subuid 2>/dev/null && [ -x /usr/bin/newuidmap ] ||
    skip "no subordinate ids for $(id -un): the outer container has no uid 1000"
}

# What the inner container saw: it ran, in a user namespace mapping only
# the outer uid (no newuidmap inside), with /proc masked as outside.
nested_assert_info() {
  local info
  assert_eq "$(nested_line RC info)" 0 "inner run failed: $(nested_line OUT info)"
  info=$(nested_line OUT info)
  assert_eq "$(jq -r .uid_map <<<"$info" | tr -s ' ' | sed 's/^ //')" "0 $OUTER_UID 1" "inner uid map"
  assert_eq "$(jq -r .uid <<<"$info")" 0 "inner uid"
  assert_eq "$(jq -r '.mounts[] | select(.target == "/proc/timer_list") | .target' <<<"$info" | head -1)" \
    /proc/timer_list "/proc/timer_list is not masked in the inner container"
  assert_eq "$(jq -r '[.mounts[] | select(.target == "/proc/sys")][-1].options' <<<"$info" | cut -d, -f1)" ro \
    "/proc/sys is not read-only in the inner container"
  nested_assert_clean info
}

test_nested_as_root_of_outer() {
  nested_setup 0
  nested_need_ids
  nested_run
  assert_eq "$rc" 0 "outer container"
  nested_assert_info
  assert_nothing_left outer "$T/outer"
}

test_nested_as_user_in_outer() {
  nested_setup 1000
  nested_need_ids
  nested_run
  assert_eq "$rc" 0 "outer container"
  nested_assert_info
  assert_nothing_left outer "$T/outer"
}

# The inner container's exit status comes out of `urun run`.
test_nested_exit_status() {
  nested_setup 1000
  nested_need_ids
  jq '.process.args = ["sh", "-c", "exit 7"]' "$T/outer/rootfs/configs/info.json" >"$T/outer/rootfs/configs/exit7.json"
  rm "$T/outer/rootfs/configs/info.json"
  nested_run
  assert_eq "$(nested_line RC exit7)" 7 "inner exit status"
  nested_assert_clean exit7
}

# The attack: an inner config without masked or read-only paths still sees
# /proc as the outer container masked it (the outer /proc is bound with
# its masks, which a fresh proc mount would drop).
test_nested_proc_masks_kept() {
  nested_setup 1000
  nested_need_ids
  jq '.linux.maskedPaths = [] | .linux.readonlyPaths = [] |
      .process.args = ["sh", "-c", "echo timer_list=$(wc -c </proc/timer_list); echo x >/proc/sys/kernel/domainname && echo wrote-sys; true"]' \
    "$T/outer/rootfs/configs/info.json" >"$T/outer/rootfs/configs/unmasked.json"
  rm "$T/outer/rootfs/configs/info.json"
  nested_run
  assert_eq "$(nested_line RC unmasked)" 0 "inner run failed: $(nested_line OUT unmasked)"
  assert_contains "$(nested_line OUT unmasked)" "timer_list=0" "the inner container read /proc/timer_list"
  assert_not_contains "$(nested_line OUT unmasked)" "wrote-sys" "the inner container wrote /proc/sys"
  nested_assert_clean unmasked
}

# sysfs cannot be mounted without owning the network namespace above: a
# config asking for a read-write sysfs with a network namespace of its own
# gets the outer /sys bound read-only.
test_nested_sysfs_bound_read_only() {
  nested_setup 1000
  nested_need_ids
  jq '.linux.namespaces += [{type: "network"}] |
      .mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "sysfs", source: "sysfs",
                                                     options: ["nosuid", "noexec", "nodev"]} else . end)' \
    "$T/outer/rootfs/configs/info.json" >"$T/outer/rootfs/configs/sysfs.json"
  rm "$T/outer/rootfs/configs/info.json"
  nested_run
  assert_eq "$(nested_line RC sysfs)" 0 "inner run failed: $(nested_line OUT sysfs)"
  assert_eq "$(nested_line OUT sysfs | jq -r '.mounts[] | select(.target == "/sys") | .options' | cut -d, -f1)" ro \
    "inner /sys is not read-only"
  nested_assert_clean sysfs
}

# No writable cgroup: a config without limits runs, one with limits is
# refused by name, pointing at urun check.
test_nested_limits_refused() {
  nested_setup 1000
  nested_need_ids
  jq '.linux.resources = {memory: {limit: 67108864}}' "$T/outer/rootfs/configs/info.json" \
    >"$T/outer/rootfs/configs/limits.json"
  nested_run
  assert_eq "$(nested_line RC info)" 0 "inner run without limits: $(nested_line OUT info)"
  assert_eq "$(nested_line RC limits)" 1 "inner run with limits"
  assert_contains "$(nested_line OUT limits)" ".linux.resources.memory.limit: resource limits need a cgroup"
  assert_contains "$(nested_line OUT limits)" "(run 'urun check')"
  nested_assert_clean limits
}

# No /dev/net/tun in the outer container: --net slirp says so, and names
# the option that gives it; urun check says the same and exits 0.
test_nested_no_tun_and_check() {
  nested_setup 1000
  nested_need_ids
  [ -x "$T/outer/rootfs/bin/urun-slirp" ] || skip "no urun-slirp beside $URUN"
  touch "$T/outer/rootfs/configs/slirp"
  nested_run
  assert_ne "$(nested_line RC slirp)" 0 "--net slirp without /dev/net/tun"
  assert_contains "$(nested_line OUT slirp)" "/dev/net/tun"
  assert_contains "$(nested_line OUT slirp)" "--device /dev/net/tun"
  nested_assert_clean slirp
  assert_eq "$(nested_line RC check)" 0 "urun check in the outer container: $(nested_line OUT check)"
  assert_match "$(nested_line OUT check)" "fail +tun +/dev/net/tun is missing"
  assert_contains "$(nested_line OUT check)" "fix: start the outer container with --device /dev/net/tun"
  assert_match "$(nested_line OUT check)" "warn +delegation"
  assert_match "$(nested_line OUT check)" "ok +userns"
}

# --- inside rootless podman (urun as its runtime, no --privileged) ---

# Run the nested script in a podman container with the given options; its
# output in $out, its status in $rc.
nested_podman() {
  local r=$T/outer/rootfs
  rc=0
  out=$(RT=$URUN_RT prun -v "$URUN:/usr/local/bin/urun:ro" -v "$r/inner:/inner:ro" -v "$r/configs:/configs:ro" \
    -v "$r/nested.sh:/nested.sh:ro" "$@" "$PODMAN_IMG" sh /nested.sh 2>&1) || rc=$?
  echo "$out"
}

# What a CI job in rootless podman needs: podman's seccomp profile refuses
# sethostname in a new UTS namespace (it allows namespaces only with
# CAP_SYS_ADMIN), and urun's error names the option; with it the inner
# container runs, exits with its status, leaves nothing.  /proc needs no
# unmask (urun binds podman's with its masks), /dev/net/tun comes with
# --device.
test_nested_in_rootless_podman() {
  podman_setup
  nested_setup 0
  jq '.process.args = ["sh", "-c", "exit 7"]' "$T/outer/rootfs/configs/info.json" >"$T/outer/rootfs/configs/exit7.json"
  nested_podman
  assert_eq "$rc" 0 "podman run"
  assert_eq "$(nested_line RC info)" 1 "inner run under podman's seccomp profile"
  assert_contains "$(nested_line OUT info)" "sethostname: Operation not permitted: a seccomp filter around urun refuses it"
  assert_contains "$(nested_line OUT info)" "--security-opt seccomp=unconfined"
  assert_eq "$(nested_line RC check)" 1 "urun check: no container can run"
  assert_match "$(nested_line OUT check)" "fail +hostname"
  local dev=()
  [ -r /dev/net/tun ] && [ -w /dev/net/tun ] && dev=(--device /dev/net/tun)
  nested_podman --security-opt seccomp=unconfined "${dev[@]}"
  assert_eq "$rc" 0 "podman run"
  nested_assert_info
  assert_eq "$(nested_line RC exit7)" 7 "inner exit status"
  nested_assert_clean exit7
  assert_eq "$(nested_line RC check)" 0 "urun check: $(nested_line OUT check)"
  assert_match "$(nested_line OUT check)" "ok +hostname"
  if [ ${#dev[@]} -gt 0 ]; then
    assert_match "$(nested_line OUT check)" "ok +tun"
  fi
  RTN=urun podman_nothing_left
}
