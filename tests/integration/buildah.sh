# buildah.sh: Debian's buildah with urun as its OCI runtime (--runtime),
# with --isolation oci and --isolation rootless, as the unprivileged user
# (the CI path: rootless builds) and as root.
#
# Each test builds a base image with buildah itself (from scratch, the
# tarball of busybox-static's applets and the test program, commit: no
# registry) in a private storage under $T, with podman's test environment
# (tests/podman-lib.sh: private XDG directories, containers.conf naming
# urun).  buildah writes ambient capabilities and no inheritable ones: urun
# leaves those out (caps.c) where it used to fail at the first RUN.

# shellcheck source=tests/podman-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../podman-lib.sh"

BASE_IMG=localhost/urun-buildah-base

# buildah run with urun, the isolation of the scenario ($ISO), the host's
# network (a user cannot make buildah's CNI bridge)
brun() { bh run --runtime "$URUN_RT" --isolation "$ISO" --network host "$@"; }

buildah_setup() {
  command -v buildah >/dev/null || skip "buildah is not installed (Debian package buildah)"
  podman_env
  podman_conf >"$T/containers.conf"
  export CONTAINERS_CONF=$T/containers.conf
  # buildah keeps RUN --mount=type=cache directories under $TMPDIR (else /var/tmp)
  export TMPDIR=$T/tmp
  mkdir -p "$TMPDIR"
  trap buildah_cleanup EXIT
  trap 'exit 143' TERM
  podman_image_tar
  local c
  c=$(bh from scratch) || fail "buildah from scratch failed"
  run_rc bh add "$c" "$T/img.tar" /
  [ "$rc" -eq 0 ] || fail "buildah add of the image tarball failed: $out"
  run_rc bh commit -q "$c" "$BASE_IMG"
  [ "$rc" -eq 0 ] || fail "buildah commit of the base image failed: $out"
  bh rm "$c" >/dev/null || fail "buildah rm failed"
}

buildah_cleanup() {
  bh rm -a >/dev/null 2>&1
  if is_root; then
    rm -rf "$T/storage" "$T/runroot"
  else
    # podman_cleanup: podman's containers, the storage in the user namespace, podman's pause process
    podman_cleanup
  fi
  return 0
}

# urun's state root under buildah: --root is not passed, so urun's default
urun_default_root() {
  if is_root; then echo /run/urun; else echo "$XDG_RUNTIME_DIR/urun"; fi
}

# Nothing of the scenario left: no buildah container, no process of the
# test, no container in urun's state that buildah made.
buildah_nothing_left() {
  local left
  left=$(bh containers -q 2>&1)
  [ -z "$left" ] || fail "buildah still lists containers: $left"
  podman_no_processes_left "buildah ($ISO)"
  left=$("$URUN" --root "$(urun_default_root)" list -q 2>/dev/null | grep '^buildah-' || true)
  [ -z "$left" ] || fail "urun's state still holds buildah's containers: $left"
}

# --- bud: RUN steps that write, change, delete; cache and bind mounts; a failing RUN

sc_bud() {
  local ctx=$T/ctx
  mkdir -p "$ctx"
  echo from-the-context >"$ctx/bound.txt"
  cat >"$ctx/Containerfile" <<EOF
FROM $BASE_IMG
RUN echo one >/written && echo two >/changed && echo gone >/deleted && mkdir /dir && echo in-dir >/dir/f && id -u
RUN echo three >>/changed && rm /deleted /dir/f && chmod 600 /written && ls -A /dir | wc -l >/dir-count
RUN --mount=type=cache,id=urun-test,target=/cache ls /cache | wc -l >/cache-count && touch /cache/build-\$\$
RUN --mount=type=bind,source=bound.txt,target=/mnt/bound.txt cat /mnt/bound.txt >/copied
EOF
  run_rc bh bud --runtime "$URUN_RT" --isolation "$ISO" --network host --pull-never -t localhost/urun-built:1 -f "$ctx/Containerfile" "$ctx"
  assert_eq "$rc" 0 "buildah bud (output: $out)"
  assert_contains "$out" "Successfully tagged localhost/urun-built:1"
  # a second build: the cache directory kept what the first one wrote
  run_rc bh bud --runtime "$URUN_RT" --isolation "$ISO" --network host --pull-never -t localhost/urun-built:2 -f "$ctx/Containerfile" "$ctx"
  assert_eq "$rc" 0 "second buildah bud (output: $out)"
  local c
  c=$(bh from --pull-never localhost/urun-built:1) || fail "buildah from the built image failed"
  run_rc brun "$c" -- sh -c 'cat /written /changed /copied /dir-count /cache-count; stat -c "%a %n" /written; ls /deleted /dir/f 2>&1; ls -A /cache 2>/dev/null | wc -l'
  assert_eq "$rc" 0 "buildah run in the built image (output: $out)"
  assert_eq "$out" "one
two
three
from-the-context
0
0
600 /written
ls: /deleted: No such file or directory
ls: /dir/f: No such file or directory
0" "what the RUN steps left in the image (the cache's content is not in it)"
  bh rm "$c" >/dev/null
  c=$(bh from --pull-never localhost/urun-built:2) || fail "buildah from the second image failed"
  run_rc brun "$c" -- cat /cache-count
  assert_eq "$out" 1 "the second build saw the first one's file in the cache"
  bh rm "$c" >/dev/null
  # a failing RUN: buildah reports its exit code and exits with it
  printf 'FROM %s\nRUN echo before-failure && exit 7\nRUN echo never-here\n' "$BASE_IMG" >"$ctx/Failing"
  run_rc bh bud --runtime "$URUN_RT" --isolation "$ISO" --network host --pull-never -t localhost/urun-failed -f "$ctx/Failing" "$ctx"
  assert_eq "$rc" 7 "exit code of buildah bud with a failing RUN (output: $out)"
  assert_contains "$out" "before-failure"
  assert_contains "$out" "exit status 7"
  assert_not_contains "$out" never-here
  assert_not_contains "$out" "urun:" "urun said nothing (no error, no warning)"
  buildah_nothing_left
}

test_buildah_bud_oci() {
  buildah_setup
  ISO=oci sc_bud
}

test_buildah_bud_rootless() {
  buildah_setup
  ISO=rootless sc_bud
}

# --- run -t, --user, -v, commit, then podman run of the result ------------------

sc_run_commit() {
  local c
  c=$(bh from --pull-never "$BASE_IMG") || fail "buildah from failed"
  # -t: a terminal from urun's devpts, the exit code comes back
  run_rc brun -t "$c" -- sh -c 'tty; test -t 0 && test -t 1 && echo on-a-tty; exit 3'
  assert_eq "$rc" 3 "exit code of buildah run -t (output: $out)"
  assert_match "$out" "/dev/pts/[0-9]+"
  assert_contains "$out" on-a-tty
  assert_contains "$out" "exit status 3"
  # --user
  run_rc brun --user 1000:1000 "$c" -- sh -c 'echo "$(id -u):$(id -g)"; touch /not-mine 2>/dev/null || echo refused'
  assert_eq "$rc" 0 "buildah run --user (output: $out)"
  assert_eq "$out" "1000:1000
refused" "--user 1000:1000 (and root's / is not writable by it)"
  # -v: a host directory, written from the container (as the caller outside)
  mkdir "$T/host"
  echo from-the-host >"$T/host/in"
  run_rc brun -v "$T/host:/data" "$c" -- sh -c 'cat /data/in && echo from-the-container >/data/out'
  assert_eq "$rc" 0 "buildah run -v (output: $out)"
  assert_eq "$out" from-the-host
  assert_eq "$(cat "$T/host/out")" from-the-container "the file the container wrote"
  assert_eq "$(stat -c %u "$T/host/out")" "$(id -u)" "its owner on the host (root in the container is the caller)"
  # commit what a RUN changed
  run_rc brun "$c" -- sh -c 'echo committed >/committed && rm /testprog'
  assert_eq "$rc" 0 "buildah run (output: $out)"
  run_rc bh commit -q "$c" localhost/urun-committed
  assert_eq "$rc" 0 "buildah commit (output: $out)"
  bh rm "$c" >/dev/null
  if is_root; then
    # (podman's scenarios are the user's: see podman.sh)
    c=$(bh from --pull-never localhost/urun-committed) || fail "buildah from the committed image failed"
    run_rc brun "$c" -- sh -c 'cat /committed; test -e /testprog || echo no-testprog'
    bh rm "$c" >/dev/null
  else
    RT=$URUN_RT run_rc prun localhost/urun-committed sh -c 'cat /committed; test -e /testprog || echo no-testprog'
    # (podman warns that / is not a shared mount here)
    out=$(grep -v 'level=warning' <<<"$out")
  fi
  assert_eq "$rc" 0 "a container of the committed image (output: $out)"
  assert_eq "$out" "committed
no-testprog" "the committed image"
  buildah_nothing_left
  if ! is_root; then
    RTN=urun podman_nothing_left
  fi
}

test_buildah_run_commit_oci() {
  buildah_setup
  ISO=oci sc_run_commit
}

test_buildah_run_commit_rootless() {
  buildah_setup
  ISO=rootless sc_run_commit
}

# --- urun by name: the containers.conf lines of README.md ------------------------

# The README's lines, for the user's ~/.config/containers/containers.conf.d
readme_containers_conf() {
  cat <<EOF
[engine]
runtime = "urun"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "urun"]
runtime_supports_nocgroup = ["crun", "krun", "urun"]

[engine.runtimes]
urun = ["$URUN_RT"]
EOF
}

test_containers_conf_runtime_by_name() {
  is_root && skip "the user's containers.conf (root's is /etc/containers, which a test does not write)"
  command -v buildah >/dev/null || skip "buildah is not installed (Debian package buildah)"
  command -v podman >/dev/null || skip "podman is not installed (Debian packages podman slirp4netns)"
  podman_env
  export TMPDIR=$T/tmp
  # where podman and buildah look when CONTAINERS_CONF is not set (the one
  # podman's exit command, run by conmon, reads too: conmon passes HOME on,
  # not XDG_CONFIG_HOME): the test environment in the user's
  # containers.conf, urun in a drop-in
  export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config
  mkdir -p "$TMPDIR" "$XDG_CONFIG_HOME/containers/containers.conf.d"
  podman_conf noruntimes >"$XDG_CONFIG_HOME/containers/containers.conf"
  readme_containers_conf >"$XDG_CONFIG_HOME/containers/containers.conf.d/urun.conf"
  unset CONTAINERS_CONF BUILDAH_RUNTIME
  trap buildah_cleanup EXIT
  trap 'exit 143' TERM
  local state=$XDG_RUNTIME_DIR/urun c
  # buildah: its default runtime is urun (urun's state root appears)
  podman_image_tar
  c=$(bh from scratch) && bh add "$c" "$T/img.tar" / >/dev/null && bh commit -q "$c" "$BASE_IMG" >/dev/null &&
    bh rm "$c" >/dev/null || fail "base image"
  assert_file_absent "$state" "urun's state root before any container"
  printf 'FROM %s\nRUN echo built-by-name >/by-name\n' "$BASE_IMG" >"$T/Containerfile"
  run_rc bh bud --isolation oci --network host --pull-never -t localhost/urun-by-name -f "$T/Containerfile" "$T"
  assert_eq "$rc" 0 "buildah bud without --runtime (output: $out)"
  [ -d "$state" ] || fail "buildah did not run urun (no $state)"
  # podman: the default runtime, and --runtime by name
  assert_eq "$(pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}' 2>/dev/null)" "urun $URUN_RT" "podman info"
  run_rc pm run --rm --pull=never localhost/urun-by-name cat /by-name
  assert_eq "$rc" 0 "podman run without --runtime (output: $out)"
  assert_contains "$out" built-by-name
  pm run -d --name by-name --pull=never localhost/urun-by-name sleep 100 >/dev/null || fail "podman run -d failed"
  assert_eq "$(pm inspect --format '{{.OCIRuntime}}' by-name)" urun "the container's runtime"
  assert_eq "$("$URUN" --root "$state" list -q)" "$(pm inspect --format '{{.ID}}' by-name)" "urun's containers"
  pm rm -f -t 0 by-name >/dev/null || fail "podman rm failed"
  # --cgroups=disabled: podman allows it only for the runtimes it lists in runtime_supports_nocgroup
  run_rc pm run --rm --pull=never --runtime urun --cgroups=disabled localhost/urun-by-name cat /by-name
  assert_eq "$rc" 0 "podman run --runtime urun --cgroups=disabled (output: $out)"
  assert_contains "$out" built-by-name
  sed -i '/^runtime_supports_nocgroup /d' "$XDG_CONFIG_HOME/containers/containers.conf.d/urun.conf"
  run_rc pm run --rm --pull=never --cgroups=disabled localhost/urun-by-name true
  [ "$rc" -ne 0 ] || fail "podman ran urun with --cgroups=disabled without the list (podman's rule changed: README.md)"
  assert_contains "$out" "not compatible with NoCgroups" "podman's refusal"
  assert_eq "$("$URUN" --root "$state" list -q)" "" "urun's containers at the end"
}
