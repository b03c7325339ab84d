# fuse_overlay.sh: urun-fuse-overlay against the kernel's overlayfs. Each
# case runs the same operations on the same layers under both; what the
# kernel overlay shows is the expected answer. As a user the kernel overlay
# is mounted in `unshare -Urm` with userxattr, and the helper runs there
# too, so both see the same ids. /dev/fuse must be usable by the user: the
# suite makes it 0666 as a desktop's udev does (tests/run-suite.sh).
FUSE_OVL=$(dirname "$URUN")/urun-fuse-overlay
FO_TOOL=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fuse_overlay_tool.py
export FUSE_OVL FO_TOOL

fo_need() {
  [ -x "$FUSE_OVL" ] || skip "urun-fuse-overlay is not built beside urun"
  command -v python3 >/dev/null || skip "python3 is not installed"
  [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not usable by $(id -un) (tests/run-suite.sh makes it 0666 as on a desktop)"
  if ! is_root; then unshare -Urm true 2>/dev/null || skip "user namespaces are not available to $(id -un)"; fi
}

# Run a command where both overlays can be mounted: as root here, as a
# user in a new user and mount namespace (the kernel overlay's userxattr mode).
fo_ns() {
  if is_root; then "$@"; else unshare -Urm -- "$@"; fi
}

fo_prefix() { if is_root; then echo trusted.overlay; else echo user.overlay; fi; }

# In the namespace: is it the initial one (the kernel overlay then takes trusted.*)?
fo_initial_ns() { [ "$(awk '{print $3}' /proc/self/uid_map)" = 4294967295 ]; }

# fo_mount kernel|fuse BASE UPPER WORK MNT [EXTRA_OPTS]: mount the layers BASE/l1:BASE/l2.
fo_mount() {
  local kind=$1 base=$2 upper=$3 work=$4 mnt=$5 extra=${6:-}
  mkdir -p "$upper" "$work" "$mnt"
  local opts="lowerdir=$base/l1:$base/l2,upperdir=$upper,workdir=$work$extra"
  if [ "$kind" = kernel ]; then
    fo_initial_ns || opts="$opts,userxattr"
    mount -t overlay overlay -o "$opts" "$mnt"
  else
    "$FUSE_OVL" -o "$opts" "$mnt"
  fi
}

# fo_case kernel|fuse BASE SCENARIO: mount, run the scenario, show the tree, unmount.
fo_case() {
  local kind=$1 base=$2 scn=$3
  fo_mount "$kind" "$base" "$base/u" "$base/w" "$base/m" || { echo "mount failed"; return 1; }
  [ -n "$scn" ] && python3 "$FO_TOOL" ops "$base/m" "$scn"
  echo "--- view"
  python3 "$FO_TOOL" view "$base/m"
  umount "$base/m" || echo "umount failed"
}

# fo_view kernel|fuse BASE UPPER WORK: what a mount of existing layers shows.
fo_view() {
  fo_mount "$1" "$2" "$3" "$4" "$2/m2" || { echo "mount failed"; return 1; }
  python3 "$FO_TOOL" view "$2/m2"
  umount "$2/m2" || echo "umount failed"
}
export -f fo_mount fo_case fo_view fo_initial_ns

fo_layers() {
  mkdir -p "$1"
  python3 "$FO_TOOL" layers "$1" "$(fo_prefix)" || fail "cannot build the layers"
}

fo_nothing_mounted() {
  local left
  left=$(fo_ns grep -c " $T" /proc/self/mounts || true)
  [ "${left:-0}" = 0 ] || fail "mounts left under $T: $(grep " $T" /proc/self/mounts)"
  # a helper ends once the kernel tells it of the unmount, which can take
  # seconds on a loaded machine (fuse-overlayfs alike)
  local i
  for i in $(seq 300); do pgrep -f "urun-fuse-overlay.*$T" >/dev/null || return 0; sleep 0.05; done
  fail "a helper is still running for $T"
  return 0
}

# fo_same WANT GOT WHAT: the two views agree, else fail showing the difference.
fo_same() {
  [ "$1" = "$2" ] && return 0
  diff <(echo "$1") <(echo "$2") | head -40 >&2
  fail "$3"
}

# fo_script DIR SCRIPT: new layers in DIR, the helper mounted on DIR/m, then
# SCRIPT (bash; $1 is DIR, $pid the helper's) in the namespace; its output.
fo_script() {
  fo_layers "$1"
  fo_ns bash -c 'fo_mount fuse "$1" "$1/u" "$1/w" "$1/m" || exit 1
    pid=$(pgrep -n -f "urun-fuse-overlay.*$1/m")
    eval "$2"' _ "$1" "$2" 2>&1
}

# The kernel's answer and the helper's for SCENARIO must be the same.
fo_compare() {
  local scn=$1
  fo_need
  fo_layers "$T/k"
  fo_layers "$T/f"
  local want got
  want=$(fo_ns bash -c 'fo_case kernel "$1" "$2"' _ "$T/k" "$scn" 2>&1)
  case "$want" in *"mount failed"*) skip "the kernel overlay cannot be mounted here: $want" ;; esac
  got=$(fo_ns bash -c 'fo_case fuse "$1" "$2"' _ "$T/f" "$scn" 2>&1)
  fo_same "$want" "$got" "urun-fuse-overlay differs from the kernel overlay in scenario '$scn' (< kernel, > helper)"
  fo_nothing_mounted
}

test_fuse_overlay_lookup_and_readdir() { fo_compare ""; }
test_fuse_overlay_copyup() { fo_compare copyup; }
test_fuse_overlay_rename() { fo_compare rename; }
test_fuse_overlay_hardlinks() { fo_compare links; }
test_fuse_overlay_whiteouts() { fo_compare delete; }
test_fuse_overlay_special_files() { fo_compare special; }
test_fuse_overlay_file_io() { fo_compare io; }

# The helper writes what the kernel overlay reads: whiteouts, opaque
# directories, copied-up files; and the reverse.
fo_roundtrip() {
  local writer=$1 reader=$2
  fo_need
  fo_layers "$T/r"
  local written read
  written=$(fo_ns bash -c 'fo_case "$1" "$2" delete >/dev/null && fo_case "$1" "$2" rename | sed "1,/^--- view/d"' _ "$writer" "$T/r" 2>&1)
  case "$written" in *"mount failed"*) skip "the $writer overlay cannot be mounted here: $written" ;; esac
  read=$(fo_ns bash -c 'fo_view "$1" "$2" "$2/u" "$2/w2"' _ "$reader" "$T/r" 2>&1)
  fo_same "$written" "$read" "layers written through the $writer overlay read differently through the $reader overlay (< $writer, > $reader)"
  fo_nothing_mounted
}

test_fuse_overlay_layers_read_by_kernel() { fo_roundtrip fuse kernel; }
test_fuse_overlay_reads_kernel_layers() { fo_roundtrip kernel fuse; }

test_fuse_overlay_inode_numbers_stable() {
  fo_need
  fo_layers "$T/i"
  out=$(fo_ns bash -c '
    fo_mount fuse "$1" "$1/u" "$1/w" "$1/m" || exit 1
    a=$(stat -c %i "$1/m/a"); d=$(stat -c %i "$1/m/dir")
    chmod 600 "$1/m/a"; touch "$1/m/dir/new"
    b=$(stat -c %i "$1/m/a"); e=$(stat -c %i "$1/m/dir")
    echo 2 >/proc/sys/vm/drop_caches 2>/dev/null # the kernel forgets the inodes, if allowed
    c=$(stat -c %i "$1/m/a"); f=$(stat -c %i "$1/m/dir")
    umount "$1/m"
    echo "$a $b $c $d $e $f"' _ "$T/i")
  read -r a b c d e f <<<"$out"
  [ -n "$f" ] || fail "no inode numbers: $out"
  assert_eq "$b" "$a" "inode number of a file after its copy-up"
  assert_eq "$c" "$a" "inode number of a copied-up file after the kernel dropped its inode"
  assert_eq "$e" "$d" "inode number of a directory after its copy-up"
  assert_eq "$f" "$d" "inode number of a copied-up directory after the kernel dropped its inode"
  fo_nothing_mounted
}

# Long requests (fsync, fallocate, copy_file_range, large writes while
# others wait) go to worker threads (helpers/urun-fuse-overlay/loop.c):
# files written by four processes at once, each write followed by fsync,
# read back whole, in the mount and in the upper layer; the workers exist
# with the default (threaded=1) and not with threaded=0.
test_fuse_overlay_concurrent_writes_on_workers() {
  fo_need
  local extra out
  for extra in "" ",threaded=0"; do
    rm -rf "$T/cw"
    fo_layers "$T/cw"
    head -c 3M /dev/urandom >"$T/cw/src"
    out=$(fo_ns bash -c '
      fo_mount fuse "$1" "$1/u" "$1/w" "$1/m" "$2" || exit 1
      pid=$(pgrep -n -f "urun-fuse-overlay.*$1/m")
      for i in 1 2 3 4; do dd if="$1/src" of="$1/m/out$i" bs=1M oflag=sync status=none & done
      find "$1/m" -printf "%s %m\n" >/dev/null
      wait
      for i in 1 2 3 4; do cmp -s "$1/src" "$1/m/out$i" && cmp -s "$1/src" "$1/u/out$i" || echo "out$i differs"; done
      echo "threads $(ls /proc/$pid/task | wc -l)"
      umount "$1/m"' _ "$T/cw" "$extra" 2>&1)
    case "$extra" in
    "") [[ "$out" =~ ^threads\ ([2-9]|[1-9][0-9])$ ]] || fail "threaded (default): want whole files and worker threads, got: $out" ;;
    *) assert_eq "$out" "threads 1" "threaded=0: whole files on one thread" ;;
    esac
    fo_nothing_mounted
  done
}

# As root the helper widens its mount's readahead window to 512 KiB (the
# kernel's FUSE default is 128 KiB, one READ request per window), on a
# mount point whose path mountinfo must escape too.
test_fuse_overlay_readahead_window_as_root() {
  fo_need
  is_root || skip "only root may change a mount's readahead window (sysfs)"
  [ -d /sys/class/bdi ] || skip "no /sys/class/bdi"
  fo_layers "$T/ra"
  local mnt="$T/ra/m n" out
  fo_mount fuse "$T/ra" "$T/ra/u" "$T/ra/w" "$mnt" || fail "mount failed"
  out=$(cat "/sys/class/bdi/$(mountpoint -d "$mnt")/read_ahead_kb")
  cat "$mnt/a" >/dev/null
  umount "$mnt"
  assert_eq "$out" 512 "read_ahead_kb of the helper's mount"
  fo_nothing_mounted
}

test_fuse_overlay_readonly_without_upper() {
  fo_need
  fo_layers "$T/ro"
  out=$(fo_ns bash -c '
    mkdir -p "$1/m"
    "$FUSE_OVL" -o lowerdir="$1/l1:$1/l2" "$1/m" || exit 1
    cat "$1/m/a"; cat "$1/m/dir/x"
    touch "$1/m/new" 2>&1 | sed "s/.*: //"
    rm "$1/m/a" 2>&1 | sed "s/.*: //"
    umount "$1/m"' _ "$T/ro" 2>&1)
  assert_eq "$out" "lower a
x in l1
Read-only file system
Read-only file system" "a mount without upperdir"
  fo_nothing_mounted
}

# uidmapping/gidmapping with two ranges, in fuse-overlayfs's sense (what
# containers/storage passes): a file stored as C+i shows as H+i, chown
# inside stores C+i, stored ids outside the map show as the overflow id, an
# entry made by an id the map leaves out is stored as the overflow id (podman
# makes /etc/mtab so, then chowns it). fuse-overlayfs, where installed, is
# the reference: the same script gives the same answer. As a user: in a user
# namespace with the user's subordinate ids (unshare --map-auto).
fo_id_shifting() {
  local program=$1
  mkdir -p "$T/$2/l" "$T/$2/u" "$T/$2/w" "$T/$2/m"
  "${ns[@]}" bash -c '
    T=$1 program=$2
    for spec in a:1000 b:1005 c:3002 d:5; do
      touch "$T/l/${spec%%:*}"
      chown "${spec#*:}:${spec#*:}" "$T/l/${spec%%:*}" || exit 1
    done
    "$program" -o "lowerdir=$T/l,upperdir=$T/u,workdir=$T/w,uidmapping=:0:1000:10:1000:3000:10,gidmapping=0:1000:10:1000:3000:10" "$T/m" 2>/dev/null || exit 1
    stat -c "%n %u %g" "$T"/m/{a,b,c,d} | sed "s|$T/m/||" | tr "\n" " "; echo
    chown 3003:3004 "$T/m/a"
    touch "$T/m/new"
    stat -c "%u %g" "$T/u/new"
    chown 1007:1007 "$T/m/new"
    stat -c "%u %g" "$T/m/a" "$T/u/a" "$T/l/a" "$T/u/new"
    umount "$T/m"' _ "$T/$2" "$program" 2>&1
}

test_fuse_overlay_id_shifting() {
  fo_need
  ns=()
  if ! is_root; then
    ns=(unshare --map-auto --map-root-user --mount --)
    "${ns[@]}" true 2>/dev/null || skip "no user namespace with subordinate ids for $(id -un) (newuidmap, /etc/subuid)"
  fi
  out=$(fo_id_shifting "$FUSE_OVL" urun) || fail "the id-mapped mount: $out"
  assert_eq "$out" "a 3000 3000 b 3005 3005 c 65534 65534 d 1005 1005 
65534 65534
3003 3004
1003 1004
1000 1000
7 7" "ids shown through the maps; an entry made by an id outside the map; chown inside (shown, stored); the lower file; the new file's stored ids"
  if command -v fuse-overlayfs >/dev/null; then
    want=$(fo_id_shifting fuse-overlayfs ref) || fail "fuse-overlayfs's id-mapped mount: $want"
    assert_eq "$out" "$want" "urun-fuse-overlay against fuse-overlayfs"
  fi
  # chown to an id outside the map: refused (fuse-overlayfs stores the overflow id)
  out=$("${ns[@]}" bash -c '
    T=$1
    "$FUSE_OVL" -o "lowerdir=$T/l,upperdir=$T/u,workdir=$T/w,uidmapping=0:1000:10" "$T/m" || exit 1
    chown 50000 "$T/m/b" 2>&1 | sed "s/.*: //"
    umount "$T/m"' _ "$T/urun" 2>&1)
  assert_eq "$out" "Invalid argument" "chown to an id outside the map"
  fo_nothing_mounted
}

# Root of a user namespace mounts for every id in it (allow_other, as
# fuse-overlayfs does): podman's --userns=auto container runs under other
# ids of podman's namespace and must reach its root; modes still apply.
test_fuse_overlay_root_mounts_for_all_ids() {
  fo_need
  local ns=()
  if ! is_root; then
    ns=(unshare --map-auto --map-root-user --mount --)
    "${ns[@]}" true 2>/dev/null || skip "no user namespace with subordinate ids for $(id -un) (newuidmap, /etc/subuid)"
  fi
  mkdir -p "$T/l/d" "$T/u" "$T/w" "$T/m"
  chmod 755 "$T/l" "$T/l/d"
  echo readable >"$T/l/d/f"
  echo private >"$T/l/p"
  chmod 644 "$T/l/d/f"
  chmod 600 "$T/l/p"
  out=$("${ns[@]}" bash -c '
    T=$1
    "$FUSE_OVL" -o "lowerdir=$T/l,upperdir=$T/u,workdir=$T/w" "$T/m" || exit 1
    grep -c "$T/m .*allow_other" /proc/self/mounts
    setpriv --reuid=5 --regid=5 --clear-groups cat "$T/m/d/f" 2>&1
    setpriv --reuid=5 --regid=5 --clear-groups cat "$T/m/p" 2>&1 | sed "s/.*: //"
    umount "$T/m"' _ "$T" 2>&1)
  assert_eq "$out" "1
readable
Permission denied" "another id of the namespace: a readable file, a file of mode 600"
  fo_nothing_mounted
}

test_fuse_overlay_survives_kill_9_cleanly() {
  fo_need
  out=$(fo_script "$T/c" '
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    stat "$1/m/a" 2>&1 | sed "s/.*: //"
    umount "$1/m" && echo unmounted
    grep -c " $1/m " /proc/self/mounts')
  assert_eq "$out" "Transport endpoint is not connected
unmounted
0" "access after kill -9 of the helper, then umount"
  fo_nothing_mounted
}

# containers/storage reads the helper's output to its end: the helper in the
# background must let go of the caller's stdout and stderr.
test_fuse_overlay_returns_with_output_captured() {
  fo_need
  fo_layers "$T/o"
  out=$(fo_ns timeout 20 bash -c 'mkdir -p "$1/u" "$1/w" "$1/m"
    out=$("$FUSE_OVL" -o "lowerdir=$1/l1:$1/l2,upperdir=$1/u,workdir=$1/w" "$1/m" 2>&1); echo "rc=$? [$out]"
    cat "$1/m/a"; umount "$1/m"' _ "$T/o" 2>&1) || fail "the helper kept the caller's output open: $out"
  assert_eq "$out" "rc=0 []
lower a" "the helper's run with its output captured"
  fo_nothing_mounted
}

test_fuse_overlay_ends_on_unmount_and_sigterm() {
  fo_need
  out=$(fo_script "$T/e" '
    umount "$1/m"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && echo "still running after umount"
    fo_mount fuse "$1" "$1/u" "$1/w" "$1/m" || exit 1
    pid=$(pgrep -n -f "urun-fuse-overlay.*$1/m")
    kill -TERM "$pid"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && echo "still running after SIGTERM"
    grep -c " $1/m " /proc/self/mounts')
  assert_eq "$out" "0" "the helper ends on umount and on SIGTERM, unmounting"
  fo_nothing_mounted
}

test_fuse_overlay_bad_options() {
  fo_need
  mkdir -p "$T/l" "$T/u" "$T/w" "$T/m"
  local ok="lowerdir=$T/l,upperdir=$T/u,workdir=$T/w"
  check() {
    local want=$1 rc=0
    shift
    out=$("$FUSE_OVL" "$@" 2>&1) || rc=$?
    [ "$rc" -ne 0 ] || { umount "$T/m" 2>/dev/null; fail "accepted: $*"; }
    [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || fail "expected one line of error for $*, got: $out"
    assert_contains "$out" "urun-fuse-overlay: "
    assert_contains "$out" "$want"
  }
  check "-o frobnicate: unknown option" -o "$ok,frobnicate" "$T/m"
  check "-o redirect_dir=on: unknown option" -o "$ok,redirect_dir=on" "$T/m"
  check "lowerdir=: required" -o "upperdir=$T/u,workdir=$T/w" "$T/m"
  check "lowerdir $T/nope: No such file or directory" -o "lowerdir=$T/nope" "$T/m"
  check "upperdir= and workdir= go together" -o "lowerdir=$T/l,upperdir=$T/u" "$T/m"
  check "uidmapping=0:1: expected CONTAINER:HOST:LENGTH" -o "$ok,uidmapping=0:1" "$T/m"
  check "timeout: expected seconds" -o "$ok,timeout=soon" "$T/m"
  check "expected one MOUNTPOINT" -o "$ok"
  check "unknown option -z" -z -o "$ok" "$T/m"
  fo_nothing_mounted
}

# The protection: a lower layer's symlink where an upper layer has a
# directory of that name is not followed (the merge stops at a
# non-directory), so no layer leads outside itself.
test_fuse_overlay_symlink_in_lower_does_not_escape() {
  fo_need
  mkdir -p "$T/secret" "$T/l1/d" "$T/l2" "$T/m"
  echo secret >"$T/secret/key"
  ln -s "$T/secret" "$T/l2/d"
  out=$(fo_ns bash -c '"$FUSE_OVL" -o "lowerdir=$1/l1:$1/l2" "$1/m" && ls "$1/m/d"; cat "$1/m/d/key" 2>&1 | sed "s/.*: //"; umount "$1/m"' _ "$T" 2>&1)
  assert_eq "$out" "No such file or directory" "a lower symlink under an upper directory"
  fo_nothing_mounted
}

test_fuse_overlay_sandboxed() {
  fo_need
  out=$(fo_script "$T/s" '
    grep -E "^(NoNewPrivs|Seccomp|CapEff|CapBnd):" /proc/$pid/status
    ls -l /proc/$pid/fd 2>/dev/null | grep -c socket
    umount "$1/m"')
  assert_contains "$out" "NoNewPrivs:	1"
  assert_contains "$out" "Seccomp:	2"
  eff=$(awk '/^CapEff:/ {print $2}' <<<"$out")
  # nothing beyond chown, dac_override, dac_read_search, fowner, fsetid,
  # linux_immutable, mknod, setfcap, sys_admin
  (((0x$eff & ~0x8820021f) == 0)) || fail "capabilities kept beyond a file server's: $eff"
  assert_eq "$(tail -n 1 <<<"$out")" "0" "sockets open in the helper"
  fo_nothing_mounted
}

# --- urun: overlay mounts of config.json, and --overlay over the rootfs ---

# A bundle whose /data is an overlay of $T/l (lower) and $T/u (upper);
# DRIVER: the annotation run.urun.overlay.driver (auto: none).
fo_bundle() {
  local driver=$1
  shift
  make_bundle "$T/b" "$@"
  mkdir -p "$T/l/sub" "$T/u" "$T/w"
  echo lower >"$T/l/file"
  echo gone >"$T/l/sub/gone"
  cfg "$T/b" --arg l "$T/l" --arg u "$T/u" --arg w "$T/w" \
    '.mounts += [{"destination": "/data", "type": "overlay", "source": "overlay",
                  "options": ["lowerdir=\($l)", "upperdir=\($u)", "workdir=\($w)"]}]'
  [ "$driver" = auto ] || cfg "$T/b" --arg d "$driver" '.annotations["run.urun.overlay.driver"] = $d'
}

fo_urun_overlay_mount() {
  local driver=$1 want=$2
  fo_need
  fo_bundle "$driver" sh -c 'cat /data/file; echo new >/data/new; rm /data/sub/gone; ls /data /data/sub'
  out=$(cd "$T/b" && "$URUN" --root "$STATE" --debug run c 2>&1) || fail "urun run with an overlay mount: $out"
  assert_contains "$out" "mount overlay on /data: $want"
  assert_contains "$out" "lower"
  assert_eq "$(cat "$T/u/new")" "new" "the container's new file in the upper directory"
  assert_eq "$(cat "$T/l/file")" "lower" "the lower layer"
  [ -e "$T/l/sub/gone" ] || fail "the lower layer lost a file"
  [ "$(stat -c %F "$T/u/sub/gone")" = "character special file" ] || fail "no whiteout in the upper directory"
  assert_nothing_left c "$T/b"
  ! grep -q " $T/" /proc/self/mountinfo || fail "a mount left under $T"
  ! pgrep -f "urun-fuse-overlay.*$T/" >/dev/null || fail "urun-fuse-overlay still running"
}

test_urun_overlay_mount_kernel() { fo_urun_overlay_mount auto "the kernel's overlayfs"; }
test_urun_overlay_mount_fuse() { fo_urun_overlay_mount fuse "urun-fuse-overlay"; }

test_urun_overlay_mount_bad_driver() {
  fo_bundle fast
  expect_error sh -c "cd '$T/b' && '$URUN' --root '$STATE' run c"
  assert_contains "$out" "run.urun.overlay.driver: expected kernel, fuse or auto, got 'fast'"
  assert_nothing_left c "$T/b"
}

# kill -9 of the helper: the container sees ENOTCONN, delete still cleans up.
test_urun_overlay_helper_killed() {
  fo_need
  fo_bundle fuse sleep 60
  (cd "$T/b" && urun run -d c >/dev/null) || fail "urun run -d"
  pid=$(pgrep -f "urun-fuse-overlay.*upperdir=$T/u") || fail "no urun-fuse-overlay for the container"
  assert_eq "$(urun exec c cat /data/file)" "lower" "the overlay before the kill"
  kill -9 "$pid"
  out=$(urun exec c cat /data/file 2>&1 || true)
  assert_contains "$out" "Transport endpoint is not connected" "the overlay after kill -9 of its helper"
  urun delete -f c || fail "delete after the helper was killed"
  assert_nothing_left c "$T/b"
  ! grep -q " $T/" /proc/self/mountinfo || fail "a mount left under $T"
}

fo_urun_rootfs_overlay() {
  local driver=$1
  fo_need
  make_bundle "$T/b" sh -c 'echo changed >/etc/passwd; rm /bin/ls; touch /made; cat /etc/passwd'
  [ "$driver" = auto ] || cfg "$T/b" --arg d "$driver" '.annotations["run.urun.overlay.driver"] = $d'
  before=$(cd "$T/b/rootfs" && find . | sort | md5sum)
  out=$(cd "$T/b" && urun run --overlay c 2>&1) || fail "urun run --overlay: $out"
  assert_eq "$out" "changed" "the container wrote its rootfs"
  assert_eq "$(cd "$T/b/rootfs" && find . | sort | md5sum)" "$before" "the rootfs after a run with --overlay"
  assert_eq "$(cat "$T/b/rootfs/etc/passwd")" "root:x:0:0:root:/:/bin/sh" "the rootfs's /etc/passwd"
  # a named upper directory keeps the changes, and a second run sees them
  out=$(cd "$T/b" && urun run --overlay="$T/keep" c 2>&1) || fail "urun run --overlay=DIR: $out"
  [ -e "$T/keep/upper/made" ] || fail "--overlay=DIR: the change is not in DIR/upper"
  cfg "$T/b" '.process.args = ["sh", "-c", "cat /etc/passwd; test -e /made && echo made"]'
  out=$(cd "$T/b" && urun run --overlay="$T/keep" c 2>&1) || fail "second urun run --overlay=DIR: $out"
  assert_eq "$out" "changed
made" "a second run over the kept upper directory"
  # the annotation does the same for configs written by other tools
  cfg "$T/b" '.annotations["run.urun.rootfs.overlay"] = "1" | .process.args = ["sh", "-c", "touch /by-annotation"]'
  (cd "$T/b" && urun run c) || fail "urun run with the annotation"
  [ ! -e "$T/b/rootfs/by-annotation" ] || fail "the annotation's overlay wrote to the rootfs"
  assert_nothing_left c "$T/b"
  ! grep -q " $T/" /proc/self/mountinfo || fail "a mount left under $T"
}

test_urun_run_overlay_rootfs_kernel() { fo_urun_rootfs_overlay auto; }
test_urun_run_overlay_rootfs_fuse() { fo_urun_rootfs_overlay fuse; }

# The container's process under another id than the helper's (root): the
# helper mounts for every id (allow_other), so the process reaches its root;
# modes still apply. Before, exec failed with "permission denied".
test_urun_run_overlay_rootfs_fuse_other_user() {
  fo_need
  is_root || skip "a rootless bundle maps the user's id only: no other id to run the process as"
  make_bundle "$T/b" sh -c 'id -u; cat /etc/passwd; cat /secret 2>&1 | sed "s/.*: //"; touch /made 2>&1 | sed "s/.*: //"'
  echo private >"$T/b/rootfs/secret"
  chmod 600 "$T/b/rootfs/secret"
  cfg "$T/b" '.annotations["run.urun.overlay.driver"] = "fuse" | .process.user.uid = 1000 | .process.user.gid = 1000'
  out=$(cd "$T/b" && urun run --overlay c 2>&1) || fail "urun run --overlay as uid 1000: $out"
  assert_eq "$out" "1000
root:x:0:0:root:/:/bin/sh
Permission denied
Permission denied" "uid 1000 in the container: a readable file, a file of mode 600, a directory of root's"
  assert_nothing_left c "$T/b"
  fo_nothing_mounted
}

# Layers in fuse-overlayfs's own forms (.wh.NAME files, its opaque xattr,
# .wh..wh..opq) read as fuse-overlayfs reads them: it is the expected answer.
test_fuse_overlay_reads_fuse_overlayfs_forms() {
  fo_need
  command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed"
  mkdir -p "$T/x"
  python3 "$FO_TOOL" fo-layers "$T/x" || fail "cannot build the layers"
  view() {
    fo_ns bash -c 'mkdir -p "$2/m"; "$1" -o "lowerdir=$2/l1:$2/l2" "$2/m" 2>/dev/null && python3 "$FO_TOOL" view "$2/m"; umount "$2/m"' _ "$1" "$T/x" 2>&1
  }
  want=$(view "$(command -v fuse-overlayfs)")
  got=$(view "$FUSE_OVL")
  assert_contains "$want" "d2/shown" "fuse-overlayfs's view"
  fo_same "$want" "$got" "urun-fuse-overlay reads fuse-overlayfs's layers differently (< fuse-overlayfs, > urun-fuse-overlay)"
  assert_not_contains "$got" "d2/z"
  assert_not_contains "$got" "o/y"
  fo_nothing_mounted
}

# The protection: a write by a user without CAP_FSETID clears the set-user-id
# bit of the file (as the kernel overlay and every local filesystem do), so
# nobody can plant code in a set-user-id program and keep the bit.
test_fuse_overlay_write_clears_setuid() {
  fo_need
  is_root || skip "needs a second user to write the file"
  mkdir -p "$T/l" "$T/u" "$T/w" "$T/m" "$T/k" "$T/ku" "$T/kw"
  chmod 755 "$T"
  printf 'prog' >"$T/l/suid"
  chmod 4777 "$T/l/suid"
  "$FUSE_OVL" -o "lowerdir=$T/l,upperdir=$T/u,workdir=$T/w,allow_other" "$T/m" || fail "mount"
  setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "printf x >>'$T/m/suid'" || { umount "$T/m"; fail "write as nobody"; }
  got=$(stat -c %a "$T/m/suid")
  umount "$T/m"
  mount -t overlay overlay -o "lowerdir=$T/l,upperdir=$T/ku,workdir=$T/kw" "$T/k" || skip "no kernel overlay here"
  setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "printf x >>'$T/k/suid'"
  want=$(stat -c %a "$T/k/suid")
  umount "$T/k"
  assert_eq "$want" "777" "the kernel overlay's mode after the write"
  assert_eq "$got" "$want" "mode after a write by another user"
  fo_nothing_mounted
}

# A small lower file's data goes into the kernel's cache with its first
# open (helpers/urun-fuse-overlay/ops_file.c, give_data), so reading it
# sends no READ request: the debug log (-d) lists what the kernel sent.
# Files of the edge sizes read back the same as in the layer, twice, and a
# file appended to after it was read shows the new data, not the cached.
test_fuse_overlay_small_files_read_without_requests() {
  fo_need
  mkdir -p "$T/g/l1" "$T/g/l2"
  local s
  for s in 0 1 4095 4096 4097 32767 32768 100000; do head -c "$s" /dev/urandom >"$T/g/l1/f$s"; done
  out=$(fo_ns bash -c '
    cd "$1" || exit 1
    mkdir -p u w m
    "$2" -f -d -o lowerdir=l1:l2,upperdir=u,workdir=w m 2>log &
    for i in $(seq 100); do mountpoint -q m && break; sleep 0.05; done
    small="f0 f1 f4095 f4096 f4097 f32767"
    for f in $small; do cmp -s "m/$f" "l1/$f" && cmp -s "m/$f" "l1/$f" || echo "$f differs"; done
    sleep 0.2
    echo "small: $(grep -c "opcode: READ " log) READ"
    for f in f32768 f100000; do cmp -s "m/$f" "l1/$f" || echo "$f differs"; done
    sleep 0.2
    [ "$(grep -c "opcode: READ " log)" -gt 0 ] && echo "big: read by request"
    printf more >>m/f4096
    [ "$(tail -c 4 m/f4096)" = more ] && [ "$(stat -c %s m/f4096)" = 4100 ] && echo "appended: seen"
    umount m; wait' _ "$T/g" "$FUSE_OVL" 2>&1)
  assert_eq "$out" "small: 0 READ
big: read by request
appended: seen" "small lower files read from what was given at open"
  fo_nothing_mounted
}

# Between requests the helper asks for the next one for a moment before it
# sleeps (helpers/urun-fuse-overlay/loop.c): after work, an idle mount
# costs no CPU, and its reader sleeps in the kernel.
test_fuse_overlay_sleeps_when_idle() {
  fo_need
  out=$(fo_script "$T/i" '
    find "$1/m" >/dev/null; cat "$1/m/a" >/dev/null
    sleep 0.5
    cpu() { awk "{print \$14 + \$15}" "/proc/$pid/stat"; }
    t0=$(cpu); sleep 1; t1=$(cpu)
    echo "cpu ticks while idle: $((t1 - t0)), state $(awk "{print \$3}" "/proc/$pid/stat")"
    umount "$1/m"')
  assert_eq "$out" "cpu ticks while idle: 0, state S" "an idle helper sleeps"
  fo_nothing_mounted
}
