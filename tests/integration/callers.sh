# callers.sh: Debian's conmon and containerd (ctr, the io.containerd.runc.v2
# shim) driving urun unchanged.

need_conmon() { command -v conmon >/dev/null || skip "conmon is not installed (Debian package conmon)"; }

# conmon ARGS...: conmon for container $CID of bundle $T/b with urun and our
# state root.  conmon's first process returns at once; as podman does, wait
# for the sync pipe's {"data": PID} (or an error), written once the runtime's
# create (or exec) finished.
conmon_run() {
  mkdir -p "$T/exits" "$T/sock"
  : >"$T/sync"
  _OCI_SYNCPIPE=3 conmon --api-version 1 -c "$CID" -n "$CID" -r "$URUN" --runtime-arg "--root=$STATE" -b "$T/b" \
    --exit-dir "$T/exits" --socket-dir-path "$T/sock" "$@" 3>"$T/sync" || return 1
  wait_for test -s "$T/sync"
  SYNC_PID=$(jq -r '.data' "$T/sync" | head -n 1)
  [ "${SYNC_PID:-0}" -gt 0 ] 2>/dev/null || { echo "conmon's sync pipe: $(cat "$T/sync")"; return 1; }
}

test_conmon_create_start_exit() {
  need_conmon
  make_bundle b /bin/sh -c 'echo to-stdout; echo to-stderr >&2; exit 7'
  CID=cm1
  conmon_run -u "$CID" -p "$T/pid" --conmon-pidfile "$T/conmon.pid" -l "k8s-file:$T/ctr.log" ||
    fail "conmon failed to create"
  # conmon returns once the container is created: its pid file names init
  assert_eq "$(status_of cm1)" created
  assert_eq "$(cat "$T/pid")" "$(urun state cm1 | jq -r .pid)" "--pid-file of create"
  assert_eq "$SYNC_PID" "$(cat "$T/pid")" "the pid conmon reports on its sync pipe"
  urun start cm1
  wait_for test -s "$T/exits/cm1"
  assert_eq "$(cat "$T/exits/cm1")" 7 "the exit status file conmon wrote"
  assert_match "$(cat "$T/ctr.log")" "stdout F to-stdout"
  assert_match "$(cat "$T/ctr.log")" "stderr F to-stderr"
  wait_for eval '! kill -0 $(cat "$T/conmon.pid") 2>/dev/null'
  urun delete cm1
  assert_nothing_left cm1 "$T/b"
}

test_conmon_exec_detach() {
  need_conmon
  make_bundle b /testprog sleep 100
  (cd b && urun run -d cm2) || fail "run -d failed"
  cat >"$T/process.json" <<'EOF'
{"args": ["/bin/sh", "-c", "echo exec-out; exit 5"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}
EOF
  CID=cm2
  # conmon runs `exec --process FILE --detach --pid-file FILE` and waits for the process
  conmon_run -u cm2-exec -p "$T/execpid" -l "k8s-file:$T/exec.log" -e --exec-process-spec "$T/process.json" ||
    fail "conmon exec failed"
  wait_for test -s "$T/exits/cm2"
  assert_eq "$(cat "$T/exits/cm2")" 5 "the exec's exit status"
  assert_match "$(cat "$T/exec.log")" "stdout F exec-out"
  [ -s "$T/execpid" ] || fail "no --pid-file from exec"
  assert_eq "$(status_of cm2)" running "the container runs on"
  urun delete -f cm2
  assert_nothing_left cm2 "$T/b"
}

test_conmon_terminal() {
  need_conmon
  make_bundle b /bin/sh -c 'tty; exit 3'
  cfg b '.process.terminal = true'
  CID=cm3
  # -t: conmon listens on a console socket and passes --console-socket to create
  conmon_run -u cm3 -t -p "$T/pid" -l "k8s-file:$T/tty.log" || fail "conmon -t failed to create"
  urun start cm3
  wait_for test -s "$T/exits/cm3"
  assert_eq "$(cat "$T/exits/cm3")" 3
  assert_match "$(cat "$T/tty.log")" "/dev/pts/[0-9]+"
  urun delete cm3
  assert_nothing_left cm3 "$T/b"
}

# An OCI image layout with one layer (busybox and the test program), as a
# tarball `ctr image import` takes.
make_oci_image() {
  local dir=$T/img r=$T/img/rootfs
  mkdir -p "$r/bin" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/etc" "$dir/layout/blobs/sha256"
  cp "$BUSYBOX" "$r/bin/busybox"
  local c
  for c in sh echo sleep cat true ls id; do ln -s busybox "$r/bin/$c"; done
  cp "$TESTPROG" "$r/testprog"
  tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$dir/layer.tar" .
  blob() {
    local h
    h=$(sha256sum "$1" | cut -d' ' -f1)
    cp "$1" "$dir/layout/blobs/sha256/$h"
    echo "$h $(stat -c %s "$1")"
  }
  local l c m
  read -r l ls <<<"$(blob "$dir/layer.tar")"
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$l" >"$dir/config.json"
  read -r c cs <<<"$(blob "$dir/config.json")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$c" "$cs" "$l" "$ls" >"$dir/manifest.json"
  read -r m ms <<<"$(blob "$dir/manifest.json")"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"localhost/urun-test:1","org.opencontainers.image.ref.name":"1"}}]}' \
    "$m" "$ms" >"$dir/layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/layout/oci-layout"
  tar -C "$dir/layout" -cf "$T/image.tar" .
}

# The config of a containerd of the test's own: its root, state and socket under $T.
containerd_config() {
  mkdir -p "$T/cd"
  cat >"$T/cd/config.toml" <<EOF
version = 2
root = "$T/cd/root"
state = "$T/cd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/cd/containerd.sock"
[ttrpc]
  address = "$T/cd/containerd.sock.ttrpc"
EOF
}

start_containerd() {
  containerd_config
  containerd --config "$T/cd/config.toml" >"$T/cd/log" 2>&1 &
  CD_PID=$!
  trap 'ctr_ -n default task ls -q 2>/dev/null | while read -r t; do ctr_ task kill -s KILL "$t"; done; kill $CD_PID 2>/dev/null; wait $CD_PID 2>/dev/null; pkill -f "containerd-shim-runc-v2 .*-address $T/cd/" 2>/dev/null; umount -R "$T/cd/state" "$T/cd/root" 2>/dev/null; true' EXIT
  wait_for test -S "$T/cd/containerd.sock"
  wait_for eval 'ctr_ version >/dev/null'
}
# ctr in containerd's namespaces ($CTR_NS: the command that enters them, if any)
ctr_() { "${CTR_NS[@]}" ctr -a "$T/cd/containerd.sock" "$@" 2>&1; }
# ctr with its own stdout and stderr, a time limit
ctrx() { timeout 60 "${CTR_NS[@]}" ctr -a "$T/cd/containerd.sock" "$@"; }
CTR_NS=()

test_containerd_ctr() {
  command -v containerd >/dev/null || skip "containerd is not installed (Debian package containerd)"
  is_root || skip "containerd as root; the user's containerd (under rootlesskit) is test_containerd_rootless_ctr"
  start_containerd
  make_oci_image
  local out rc
  out=$(ctr_ image import "$T/image.tar") || fail "image import failed: $out"
  # run --rm: output and exit status through the runc v2 shim
  rc=0
  out=$(timeout 60 ctr -a "$T/cd/containerd.sock" run --rm --runc-binary "$URUN" localhost/urun-test:1 c1 \
    sh -c 'echo hello from urun; exit 3' 2>&1) || rc=$?
  assert_eq "$rc" 3 "exit status through ctr: $out"
  assert_contains "$out" "hello from urun"
  # run -d, exec, pause/resume, kill, delete
  out=$(timeout 60 ctr -a "$T/cd/containerd.sock" run -d --runc-binary "$URUN" localhost/urun-test:1 c2 /testprog sleep 100) || fail "run -d failed: $out"
  assert_match "$(ctr_ task ls)" "c2 +[0-9]+ +RUNNING"
  local pid
  pid=$(ctr_ task ls | awk '$1 == "c2" {print $2}')
  assert_eq "$(cat /proc/"$pid"/cmdline | tr '\0' ' ')" "/testprog sleep 100 " "the task's pid is the container's process"
  rc=0
  out=$(timeout 30 ctr -a "$T/cd/containerd.sock" task exec --exec-id e1 c2 sh -c 'echo exec ok; exit 4' 2>&1) || rc=$?
  assert_eq "$rc" 4 "exec's exit status: $out"
  assert_contains "$out" "exec ok"
  out=$(ctr_ task pause c2) || fail "pause failed: $out"
  assert_match "$(ctr_ task ls)" "c2 +[0-9]+ +PAUSED"
  assert_eq "$(awk '/^State:/ {print $2}' /proc/"$pid"/status)" S "frozen: the process sleeps"
  out=$(ctr_ task resume c2) || fail "resume failed: $out"
  assert_match "$(ctr_ task ls)" "c2 +[0-9]+ +RUNNING"
  out=$(ctr_ task metrics c2) || echo "metrics (not asserted: the shim reads cgroup v1 on a hybrid host): $out"
  ctr_ task kill -s KILL c2 >/dev/null
  wait_for eval 'ctr_ task ls | grep -Eq "c2 +[0-9]+ +STOPPED"'
  out=$(ctr_ task delete c2) || fail "task delete failed: $out"
  out=$(ctr_ container delete c2) || fail "container delete failed: $out"
  ! kill -0 "$pid" 2>/dev/null || fail "the container's process is still there"
  assert_eq "$(ctr_ task ls -q)" "" "no task left"
}

# Rootless containerd, as rootless Kubernetes nodes run containers (the
# "hard way" of Debian's /usr/share/doc/containerd/rootless.md): the user's
# containerd in rootlesskit's user, mount and pid namespaces, with the
# host's network; /run is rootlesskit's tmpfs there, so the shim's state
# root for urun (/run/containerd/runc) is the user's and goes with it.  ctr
# enters those namespaces.
start_rootless_containerd() {
  containerd_config
  rootlesskit --net=host --copy-up=/run --pidns --state-dir="$T/rk" \
    sh -c 'rm -f /run/containerd; exec containerd --config "$1"' sh "$T/cd/config.toml" >"$T/cd/log" 2>&1 &
  RK_PID=$!
  trap stop_rootless_containerd EXIT
  trap 'exit 143' TERM
  wait_for test -s "$T/rk/child_pid"
  CTR_NS=(nsenter -U --preserve-credentials -m -p -t "$(cat "$T/rk/child_pid")")
  wait_for test -S "$T/cd/containerd.sock"
  wait_for eval 'ctr_ version >/dev/null'
}

# Tasks killed, containerd and rootlesskit stopped: with the pid namespace
# gone, every process of it (shims, containers) is gone too.
stop_rootless_containerd() {
  [ -n "${RK_PID:-}" ] || return 0
  local t
  for t in $(ctr_ task ls -q 2>/dev/null); do ctr_ task kill -s KILL "$t" >/dev/null; done
  kill "$RK_PID" 2>/dev/null
  wait "$RK_PID" 2>/dev/null
  RK_PID=
  return 0
}

# Processes whose command line names $T (containerd, its shims, rootlesskit)
test_processes() {
  local p
  for p in /proc/[0-9]*; do
    case "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
      *"$T/"*) echo "${p#/proc/} $(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" ;;
    esac
  done
}

test_containerd_rootless_ctr() {
  command -v containerd >/dev/null || skip "containerd is not installed (Debian package containerd)"
  command -v rootlesskit >/dev/null || skip "rootlesskit is not installed (Debian package rootlesskit)"
  is_root && skip "rootless containerd is the unprivileged user's (as root: test_containerd_ctr)"
  command -v script >/dev/null || fail "script(1) is missing (Debian package bsdutils)"
  # the native snapshotter copies: nothing to mount in the user namespace
  export CONTAINERD_SNAPSHOTTER=native
  start_rootless_containerd
  make_oci_image
  local out rc
  out=$(ctr_ image import "$T/image.tar") || fail "image import failed: $out"
  # run --rm: output and exit status through the runc v2 shim; the
  # container's root is the user (rootlesskit's map, then the user's range)
  rc=0
  out=$(ctrx run --rm --runc-binary "$URUN" localhost/urun-test:1 r1 \
    sh -c 'echo hello from urun; cat /proc/self/uid_map; exit 3' 2>&1) || rc=$?
  assert_eq "$rc" 3 "exit status through ctr: $out"
  assert_contains "$out" "hello from urun"
  assert_match "$out" "^hello from urun
 +0 +$(id -u) +1" "the container's root is the user"
  # run -t: a terminal from the container's devpts, the exit status
  rc=0
  out=$(script -qec "$(printf '%q ' "${CTR_NS[@]}" ctr -a "$T/cd/containerd.sock" run -t --rm --runc-binary "$URUN" \
    localhost/urun-test:1 r2 sh -c 'tty; test -t 0 && echo on-a-tty; exit 6')" /dev/null 2>&1) || rc=$?
  assert_eq "$rc" 6 "exit status of run -t: $out"
  assert_match "$out" "/dev/pts/[0-9]+"
  assert_contains "$out" on-a-tty
  # run -d, exec (with and without a terminal), kill, delete
  out=$(ctrx run -d --runc-binary "$URUN" localhost/urun-test:1 r3 /testprog sleep 100 2>&1) || fail "run -d failed: $out"
  assert_match "$(ctr_ task ls)" "r3 +[0-9]+ +RUNNING"
  # (the shim's state root for urun, in rootlesskit's /run)
  assert_eq "$("${CTR_NS[@]}" "$URUN" --root /run/containerd/runc/default list -q 2>&1)" r3 "urun's containers"
  rc=0
  out=$(ctrx task exec --exec-id e1 r3 sh -c 'echo exec ok; exit 4' 2>&1) || rc=$?
  assert_eq "$rc" 4 "exec's exit status: $out"
  assert_contains "$out" "exec ok"
  rc=0
  out=$(script -qec "$(printf '%q ' "${CTR_NS[@]}" ctr -a "$T/cd/containerd.sock" task exec -t --exec-id e2 r3 \
    sh -c 'tty; exit 5')" /dev/null 2>&1) || rc=$?
  assert_eq "$rc" 5 "exit status of exec -t: $out"
  assert_match "$out" "/dev/pts/[0-9]+"
  out=$(ctr_ task kill -s KILL r3) || fail "kill failed: $out"
  wait_for eval 'ctr_ task ls | grep -Eq "r3 +[0-9]+ +STOPPED"'
  out=$(ctr_ task delete r3) || fail "task delete failed: $out"
  out=$(ctr_ container delete r3) || fail "container delete failed: $out"
  # nothing left: no task, no container, no state in urun's root, no shim
  assert_eq "$(ctr_ task ls -q)" "" "tasks left"
  assert_eq "$(ctr_ container ls -q)" "" "containers left"
  assert_eq "$("${CTR_NS[@]}" "$URUN" --root /run/containerd/runc/default list -q 2>&1)" "" "urun's state left"
  wait_for eval '! test_processes | grep -q containerd-shim'
  stop_rootless_containerd
  out=$(test_processes)
  assert_eq "$out" "" "processes left after containerd and rootlesskit stopped"
}
