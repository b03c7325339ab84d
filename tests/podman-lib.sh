# podman-lib.sh (sourced): rootless podman with urun as its runtime, beside
# crun, for tests/integration/podman.sh (on the host) and tests/vm/podman.sh
# (in ../shared/testvm, with systemd's cgroup manager).
# PODMAN_CGROUP_MANAGER: cgroupfs (default) or systemd.

PODMAN_IMG=localhost/urun-podman-test

# podman with the test's private storage (flags, so that the exit command
# conmon runs gets them too); PODMAN_DRIVER: vfs (default) or overlay, and
# PODMAN_STORAGE_OPT a driver option (overlay.mount_program=...): podman and
# buildah drop storage.conf's driver options once --storage-driver is given
pm() { with_storage podman "$@"; }

# buildah with the same storage (pm sees its images)
bh() { with_storage buildah "$@"; }

with_storage() {
  local prog=$1
  shift
  "$prog" --root "$T/storage" --runroot "$T/runroot" --storage-driver "${PODMAN_DRIVER:-vfs}" \
    ${PODMAN_STORAGE_OPT:+--storage-opt "$PODMAN_STORAGE_OPT"} "$@"
}

# podman run --rm with the runtime of the scenario ($RT)
prun() { pm run --rm --pull=never --runtime "$RT" "$@"; }

# Run a command: its output (stdout+stderr) in $out, its exit code in $rc.
run_rc() {
  rc=0
  out=$("$@" 2>&1) || rc=$?
}

podman_setup() {
  is_root && skip "podman scenarios run as the unprivileged user (rootless podman)"
  command -v podman >/dev/null || skip "podman is not installed (Debian packages podman slirp4netns)"
  podman_env
  podman_crun
  podman_conf >"$T/containers.conf"
  export CONTAINERS_CONF=$T/containers.conf
  trap podman_cleanup EXIT
  trap 'exit 143' TERM
  podman_image
  if [ -n "$CRUN" ]; then
    RT=$CRUN run_rc prun "$PODMAN_IMG" true
    if [ "$rc" -ne 0 ]; then
      echo "crun cannot run here (the crun side of each scenario is not run): $out"
      CRUN=
    fi
  fi
  FAILED=()
}

# The environment of podman (and buildah) in a test: nothing of theirs in
# the user's home or runtime directory; $URUN_RT: urun under its own name.
podman_env() {
  # with systemd's cgroup manager the runtime directory stays the login's
  # (podman and the runtimes reach the user's systemd through it: a private
  # one makes crun fail too)
  export XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data XDG_CACHE_HOME=$T/cache
  mkdir -m 700 "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
  if [ "${PODMAN_CGROUP_MANAGER:-cgroupfs}" = cgroupfs ]; then
    export XDG_RUNTIME_DIR=$T/run
    mkdir -m 700 "$XDG_RUNTIME_DIR"
  fi
  # podman names a runtime given as a path by its file name
  mkdir "$T/rt"
  ln -s "$URUN" "$T/rt/urun"
  URUN_RT=$T/rt/urun
}

# podman_conf [noruntimes]: the test's containers.conf on stdout: the test
# environment (no systemd, no journal) and, unless noruntimes, urun (and
# crun when $CRUN is set) as named runtimes.
podman_conf() {
  cat <<EOF
[containers]
log_driver = "k8s-file"

[engine]
cgroup_manager = "${PODMAN_CGROUP_MANAGER:-cgroupfs}"
events_logger = "file"
EOF
  [ "${1:-}" = noruntimes ] && return 0
  # (containers.conf(5) says runtime_supports_nocgroups; podman 4.3 reads
  # runtime_supports_nocgroup, and ignores the other)
  cat <<EOF
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "urun"]
runtime_supports_nocgroup = ["crun", "krun", "urun"]

[engine.runtimes]
urun = ["$URUN_RT"]
EOF
  [ -n "${CRUN:-}" ] && echo "crun = [\"$CRUN\"]"
  return 0
}

# $CRUN: crun as podman runs it here, or empty (said why)
podman_crun() {
  CRUN=
  if [ ! -x /usr/bin/crun ]; then
    echo "crun is not installed (Debian package crun): the crun side of each scenario is not run"
    return 0
  fi
  mkdir "$T/crun"
  CRUN=$T/crun/crun
  if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    # crun 1.8 refuses a hybrid host ("cgroups in hybrid mode not supported,
    # drop all controllers from cgroupv2"): it runs with the cgroup2 mount
    # hidden in a mount namespace of its own (podman's user namespace allows it)
    echo "crun: hybrid cgroup host: crun runs with /sys/fs/cgroup/unified hidden"
    cat >"$CRUN" <<'EOF'
#!/bin/sh
exec unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified && exec /usr/bin/crun "$@"' crun "$@"
EOF
    chmod 755 "$CRUN"
  else
    ln -s /usr/bin/crun "$CRUN"
  fi
}

# $T/img.tar: a root filesystem of busybox-static's applets and the test
# program, as an image's single layer
podman_image_tar() {
  local r=$T/img c
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev"
  chmod 1777 "$r/tmp"
  cp "$BUSYBOX" "$r/bin/busybox"
  for c in $("$BUSYBOX" --list); do
    [ "$c" = busybox ] || ln -s busybox "$r/bin/$c"
  done
  cp "$TESTPROG" "$r/testprog"
  echo "root:x:0:0:root:/:/bin/sh" >"$r/etc/passwd"
  echo "root:x:0:" >"$r/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$T/img.tar" . || fail "tar of the image failed"
}

podman_image() {
  podman_image_tar
  run_rc pm import -q "$T/img.tar" "$PODMAN_IMG"
  [ "$rc" -eq 0 ] || fail "podman import failed: $out"
}

podman_cleanup() {
  pm rm -a -f -t 0 >/dev/null 2>&1
  pm unshare rm -rf "$T/storage" "$T/runroot" >/dev/null 2>&1
  local pause
  pause=$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2>/dev/null)
  [ -n "$pause" ] && kill "$pause" 2>/dev/null
  return 0
}

# Processes of this test other than podman's pause process: a conmon,
# slirp4netns or runtime naming $T, a process with its root in $T.
podman_processes() {
  local p pause
  pause=$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2>/dev/null)
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$pause" ] && continue
    case "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
      *"$T/"*) echo "${p#/proc/} $(tr '\0' ' ' 2>/dev/null <"$p/cmdline")"; continue ;;
    esac
    case "$(readlink "$p/root" 2>/dev/null)" in
      "$T"/*) echo "${p#/proc/} $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") (root in $T)" ;;
    esac
  done
}

# No process of the test runs (after a few seconds); LABEL names the scenario.
podman_no_processes_left() {
  local left i
  for i in $(seq 1 $((50 * ${WAIT_SCALE:-1}))); do
    left=$(podman_processes)
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  fail "$1: processes left: $left"
}

# Nothing of the scenario left: podman lists no container, no process of
# the test runs, the runtime keeps no state.
podman_nothing_left() {
  local ids left
  ids=$(pm ps -aq 2>&1)
  [ -z "$ids" ] || fail "$RTN: podman still lists containers: $ids"
  podman_no_processes_left "$RTN"
  # (hidden entries are no containers: urun keeps compiled seccomp filters there)
  left=$(ls "$XDG_RUNTIME_DIR/$RTN" 2>/dev/null)
  [ -z "$left" ] || fail "$RTN: state left in $XDG_RUNTIME_DIR/$RTN: $left"
}

# both SCENARIO: run the function with crun (when it runs here), then urun,
# each in a subshell with RT (runtime path) and RTN (its name); what a
# failed one left is removed.  urun failing is recorded in FAILED.
both() {
  local s=$1 crun=not-run urc=0
  if [ -n "$CRUN" ]; then
    if (RT=$CRUN RTN=crun "$s") >"$T/crun.out" 2>&1; then crun=passes; else
      crun=fails
      pm rm -a -f -t 0 >/dev/null 2>&1
    fi
  fi
  (RT=$URUN_RT RTN=urun "$s") >"$T/urun.out" 2>&1 || urc=$?
  [ "$urc" -eq 0 ] || pm rm -a -f -t 0 >/dev/null 2>&1
  if [ "$urc" -ne 0 ]; then
    FAILED+=("$s")
    echo "URUN FAILS $s (crun $crun):"
    sed 's/^/    urun| /' "$T/urun.out"
  else
    echo "urun passes $s (crun $crun)"
  fi
  if [ "$crun" = fails ]; then
    sed 's/^/    crun| /' "$T/crun.out"
  fi
  return 0
}

podman_finish() {
  [ ${#FAILED[@]} -eq 0 ] || fail "scenarios urun fails under podman: ${FAILED[*]}"
}

