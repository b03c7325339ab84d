# fuse_podman.sh: rootless podman 4.3 and buildah 1.28 (Debian's) with
# urun-fuse-overlay as containers/storage's overlay mount_program, and each
# scenario again with fuse-overlayfs as the mount program: the same checks,
# and where fuse-overlayfs answers otherwise (fp_opq_hidden) the test says
# so and expects its answer. urun is the OCI runtime (--runtime). The storage is the
# test's own: the overlay driver under $T with the mount program as a
# --storage-opt (podman's exit command gets it too), the --userns=auto sizes
# in $T/storage.conf through CONTAINERS_STORAGE_CONF, podman's test
# environment from tests/podman-lib.sh. /dev/fuse must be usable by the
# user: the suite makes it 0666 as a desktop's udev does (tests/run-suite.sh).
#
# Each test checks what the container saw and what is on disk (the layers'
# ids, whiteouts and opaque markers, read in podman's user namespace), and
# that podman rm and rmi leave no mount (in podman's mount namespace) and no
# mount program running.

# shellcheck source=tests/podman-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../podman-lib.sh"

FP_BASE=localhost/fp-base
FUSE_OVL=$(dirname "$URUN")/urun-fuse-overlay

# fp_setup PROGRAM: podman with PROGRAM as the mount program, the base image imported
fp_setup() {
  local program=$1
  is_root && skip "rootless podman is the caller that needs a mount program (the user stage runs it; podman as root mounts the kernel overlay)"
  command -v podman >/dev/null || skip "podman is not installed (Debian packages podman slirp4netns)"
  [ -x "$program" ] || skip "$program is not installed"
  [ -r /dev/fuse ] && [ -w /dev/fuse ] ||
    skip "/dev/fuse is not usable by $(id -un) (tests/run-suite.sh makes it 0666 as udev does on a desktop)"
  podman_env
  podman_conf >"$T/containers.conf"
  export CONTAINERS_CONF=$T/containers.conf
  # --userns=auto takes ranges from the user's subordinate ids (podman's
  # namespace); the sizes are the test's, not the user's or the system's
  cat >"$T/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$T/runroot"
graphroot = "$T/storage"
rootless_storage_path = "$T/storage"

[storage.options]
auto-userns-min-size = 1024
auto-userns-max-size = 8192
EOF
  export CONTAINERS_STORAGE_CONF=$T/storage.conf PODMAN_DRIVER=overlay PODMAN_STORAGE_OPT=overlay.mount_program=$program
  # buildah keeps RUN --mount=type=cache directories under $TMPDIR (else /var/tmp)
  export TMPDIR=$T/tmp
  mkdir -p "$TMPDIR"
  trap fp_cleanup EXIT
  trap 'exit 143' TERM
  fp_image_tar
  run_rc pm import -q "$T/img.tar" "$FP_BASE"
  [ "$rc" -eq 0 ] || fail "podman import failed: $out"
  PROGRAM=$program
  RTN=urun
}

fp_cleanup() {
  bh rm -a >/dev/null 2>&1
  podman_cleanup
}

# $T/img.tar: podman's test image, and files for the scenarios: owned by
# several ids (--userns=auto), in directories to delete, change, make opaque
fp_image_tar() {
  podman_image_tar
  python3 - "$T/img.tar" <<'EOF' || fail "adding the scenario's files to the image failed"
import io, sys, tarfile
with tarfile.open(sys.argv[1], "a") as t:
    def add(name, uid=0, gid=0, data=None):
        ti = tarfile.TarInfo("./" + name)
        ti.uid, ti.gid = uid, gid
        if data is None:
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            ti.mode, ti.size = 0o644, len(data)
            t.addfile(ti, io.BytesIO(data))
    for d in ("data", "opq", "gonedir", "ids"):
        add(d)
    add("data/keep", data=b"keep\n")
    add("data/gone", data=b"gone\n")
    add("opq/a", data=b"a\n")
    add("opq/b", data=b"b\n")
    add("gonedir/x", data=b"x\n")
    add("ids/u1000", 1000, 1000, b"u1000\n")
    add("ids/u5", 5, 7, b"u5\n")
    add("ids/d2000", 2000, 2000)
    add("ids/d2000/f", 2000, 2001, b"f\n")
EOF
}

# fp_layer_view DIR...: what is on disk in each layer directory, seen in
# podman's user namespace: "PATH UID:GID" of each entry, whiteouts and
# opaque directories in any form the kernel overlay and fuse-overlayfs
# read (0/0 device or .wh.NAME; the opaque xattrs or .wh..wh..opq), named
# the same whichever program wrote them
fp_layer_view() {
  pm unshare python3 - "$@" <<'EOF'
import os, stat, sys
OPAQUE = ("trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque")
for top in sys.argv[1:]:
    out = []
    for d, dirs, files in os.walk(top):
        rel = os.path.relpath(d, top)
        for x in OPAQUE:
            try:
                if os.getxattr(d, x) == b"y":
                    out.append("opaque /" + rel)
            except OSError:
                pass
        for n in sorted(dirs + files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            name = "/" + os.path.normpath(os.path.join(rel, n))
            if n == ".wh..wh..opq":
                out.append("opaque " + os.path.dirname(name))
            elif n.startswith(".wh."):
                out.append("whiteout " + os.path.join(os.path.dirname(name), n[4:]))
            elif stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                out.append("whiteout " + name)
            else:
                out.append("%s %d:%d" % (name, st.st_uid, st.st_gid))
    print("\n".join(sorted(set(out))))
EOF
}

# No mount of the test's storage in podman's mount namespace, no process of
# the test (the mount program names $T in its command line), no container.
fp_nothing_left() {
  local mounts
  # (storage's own bind mount of its overlay directory, podman's netns directory stay)
  mounts=$(pm unshare grep " $T/" /proc/self/mountinfo | grep -E "/merged | - fuse")
  [ -z "$mounts" ] || fail "mounts left in podman's namespace: $mounts"
  podman_nothing_left
}

# --- a two-stage build whose RUN steps delete, change and add files of the
# lower layers, then podman run of the result

# The built image's /opq (deleted, then made again with a new file): what
# urun-fuse-overlay gives (only the new file), and Debian's fuse-overlayfs
# 1.10 under podman 4.3's containers/storage, whose commit of the build
# stage loses the opaque directory (storage reads the rootless opaque marker
# user.overlay.opaque, fuse-overlayfs writes user.fuseoverlayfs.opaque and
# .wh..wh..opq), so the deleted files come back in the next stage: a known
# difference, kept in sight here (the test fails once fuse-overlayfs gets it right)
fp_opq_hidden() {
  if [ "$(basename "$PROGRAM")" = fuse-overlayfs ]; then
    echo "the recreated directory shows the deleted files (fuse-overlayfs's commit loses the opaque directory)" >&2
    return 1
  fi
}

sc_build() {
  local ctx=$T/ctx opq_view="/opq
/opq/c" opq_layer="
whiteout /opq/a
whiteout /opq/b"
  if ! fp_opq_hidden; then
    opq_view="/opq
/opq/a
/opq/b
/opq/c" opq_layer=
  fi
  mkdir -p "$ctx"
  cat >"$ctx/Containerfile" <<EOF
FROM $FP_BASE AS build
RUN rm /data/gone && rm -r /gonedir && echo changed >>/data/keep && rm -r /opq && mkdir /opq && echo new >/opq/c && echo added >/data/added && mkdir -p /made/sub && echo made >/made/sub/f && grep -c " / fuse" /proc/mounts >/data/fuse-root
RUN rm /made/sub/f && echo again >/data/added

FROM build
COPY --from=build /data /copied
RUN rm /data/added && echo final >/final
EOF
  run_rc bh bud --runtime "$URUN_RT" --isolation oci --network host --pull-never -t localhost/fp-built -f "$ctx/Containerfile" "$ctx"
  assert_eq "$rc" 0 "buildah bud with $PROGRAM (output: $out)"
  assert_contains "$out" "Successfully tagged localhost/fp-built"
  # what a container of the result sees
  run_rc pm run --rm --pull=never --runtime "$URUN_RT" localhost/fp-built sh -c '
    find /data /copied /opq /made /gonedir /final 2>&1 | sort
    cat /data/keep /copied/added /opq/c /final /data/fuse-root
    grep -c " / fuse.$0 " /proc/mounts' "$(basename "$PROGRAM")"
  assert_eq "$rc" 0 "podman run of the built image (output: $out)"
  assert_eq "$out" "/copied
/copied/added
/copied/fuse-root
/copied/keep
/data
/data/fuse-root
/data/keep
/final
/made
/made/sub
$opq_view
find: /gonedir: No such file or directory
keep
changed
again
new
final
1
1" "the built image: deleted files and directory absent, changed and new files, the recreated directory holds only its new file, the copied stage; the RUN steps and the container ran on the mount program"
  # on disk: the build stage's layer holds the whiteouts and the opaque
  # directory, the imported layer below is untouched, the final stage's layer
  # holds the whiteout of the file the build stage added
  local upper lower
  upper=$(pm image inspect --format '{{.GraphDriver.Data.UpperDir}}' localhost/fp-built) || fail "podman image inspect"
  lower=$(pm image inspect --format '{{.GraphDriver.Data.LowerDir}}' localhost/fp-built)
  assert_eq "$(tr ':' '\n' <<<"$lower" | wc -l)" 2 "layers below the final one ($lower)"
  # (buildah made /etc/hostname, hosts, resolv.conf and /run as mount points)
  run_rc fp_layer_view "${lower%%:*}"
  assert_eq "$out" "/data 0:0
/data/added 0:0
/data/fuse-root 0:0
/data/keep 0:0
/etc 0:0
/etc/hostname 0:0
/etc/hosts 0:0
/etc/resolv.conf 0:0
/made 0:0
/made/sub 0:0
/opq 0:0
/opq/c 0:0
/run 0:0
whiteout /data/gone
whiteout /gonedir$opq_layer" "the build stage's layer on disk"
  run_rc fp_layer_view "$upper"
  assert_eq "$out" "/copied 0:0
/copied/added 0:0
/copied/fuse-root 0:0
/copied/keep 0:0
/data 0:0
/final 0:0
whiteout /data/added" "the final stage's layer on disk"
  run_rc fp_layer_view "${lower##*:}"
  assert_contains "$out" "/data/gone 0:0
/data/keep 0:0" "the imported layer on disk"
  assert_contains "$out" "/gonedir/x 0:0
/ids 0:0"
  assert_contains "$out" "/opq/a 0:0
/opq/b 0:0"
  [ "$(pm unshare cat "${lower##*:}/data/keep")" = keep ] || fail "the imported layer's /data/keep changed"
  # a container's own layer, written through the mount program
  run_rc pm run --name fp-w --pull=never --runtime "$URUN_RT" "$FP_BASE" sh -c 'rm /data/gone; rm -r /opq; mkdir /opq; echo y >/opq/y'
  assert_eq "$rc" 0 "podman run (output: $out)"
  upper=$(pm inspect --format '{{.GraphDriver.Data.UpperDir}}' fp-w) || fail "podman inspect"
  run_rc fp_layer_view "$upper"
  assert_contains "$out" "/opq/y 0:0" "the container's layer on disk"
  assert_contains "$out" "opaque /opq" "the container's layer on disk"
  assert_contains "$out" "whiteout /data/gone" "the container's layer on disk"
  assert_not_contains "$out" "/opq/a" "the container's layer on disk"
  pm rm fp-w >/dev/null || fail "podman rm"
  pm rmi localhost/fp-built >/dev/null || fail "podman rmi of the built image"
  fp_rmi_all
}

# podman rmi of every image: no layer left on disk, and nothing else
fp_rmi_all() {
  run_rc pm rmi -a
  assert_eq "$rc" 0 "podman rmi -a (output: $out)"
  run_rc pm unshare ls "$T/storage/overlay"
  assert_eq "$out" "l" "layer directories left after podman rmi"
  run_rc pm unshare ls "$T/storage/overlay/l"
  assert_eq "$out" "" "layer links left after podman rmi"
  fp_nothing_left
}

test_fuse_podman_build_urun_fuse_overlay() {
  fp_setup "$FUSE_OVL"
  sc_build
}

test_fuse_podman_build_fuse_overlayfs() {
  fp_setup "$(command -v fuse-overlayfs || echo /usr/bin/fuse-overlayfs)"
  sc_build
}

# --- podman run --userns=auto: the image's ids shifted by the mount program

# The id on the host (outside podman's namespace) of id $1 in it.
fp_host_id() {
  pm unshare cat /proc/self/uid_map | awk -v id="$1" '$1 <= id && id < $1 + $3 { print $2 + id - $1 }'
}

sc_userns_auto() {
  # two containers at once, each with a range of its own, over one image layer
  local c map size
  for c in fp-a fp-b; do
    run_rc pm run -d --name "$c" --userns=auto --pull=never --runtime "$URUN_RT" "$FP_BASE" sleep 100
    assert_eq "$rc" 0 "podman run -d --userns=auto $c (output: $out)"
  done
  local map_a map_b
  map_a=$(pm exec fp-a cat /proc/self/uid_map | awk '{print $1, $2, $3}')
  map_b=$(pm exec fp-b cat /proc/self/uid_map | awk '{print $1, $2, $3}')
  assert_match "$map_a" "^0 [1-9][0-9]* [0-9]+$" "fp-a's uid map (one range from podman's namespace)"
  assert_ne "$map_a" "$map_b" "the two containers' uid maps"
  # the mount program shifts each container's ids: storage passed it the
  # container's map (no chowned copy of the image's layer, see below)
  for map in "$map_a" "$map_b"; do
    read -r _ host size <<<"$map"
    [ "$(pgrep -c -f "$(basename "$PROGRAM") .*uidmapping=:?0:$host:$size,.*$T/")" = 1 ] ||
      fail "no $(basename "$PROGRAM") with uidmapping=0:$host:$size: $(pgrep -a -f "$(basename "$PROGRAM")")"
  done
  # what the containers see: the image's ids; a chown and a new file in fp-a
  run_rc pm exec fp-a sh -c '
    stat -c "%n %u:%g" /ids/u1000 /ids/u5 /ids/d2000 /ids/d2000/f
    chown 3:4 /ids/u1000 && echo new >/ids/new && chown 1500:1501 /ids/new && mkdir /ids/d2000/sub
    stat -c "%n %u:%g" /ids/u1000 /ids/new /ids/d2000/sub'
  assert_eq "$out" "/ids/u1000 1000:1000
/ids/u5 5:7
/ids/d2000 2000:2000
/ids/d2000/f 2000:2001
/ids/u1000 3:4
/ids/new 1500:1501
/ids/d2000/sub 0:0" "fp-a: the image's ids, then its chown, new file and directory"
  run_rc pm exec fp-b sh -c 'stat -c "%n %u:%g" /ids/u1000 /ids/u5 /ids/d2000/f; ls /ids'
  assert_eq "$out" "/ids/u1000 1000:1000
/ids/u5 5:7
/ids/d2000/f 2000:2001
d2000
u1000
u5" "fp-b: the image's ids, nothing of fp-a's changes"
  # on disk (seen in podman's namespace): fp-a's layer holds the ids fp-a
  # set, as an image layer holds them (what podman commit puts in an image);
  # the image's layer is as imported: nothing was chowned
  local upper lower layers
  upper=$(pm inspect --format '{{.GraphDriver.Data.UpperDir}}' fp-a) || fail "podman inspect"
  lower=$(pm inspect --format '{{.GraphDriver.Data.LowerDir}}' fp-a)
  assert_eq "$(pm inspect --format '{{.GraphDriver.Data.LowerDir}}' fp-b)" "$lower" "the two containers' image layer"
  run_rc fp_layer_view "$upper"
  assert_contains "$out" "/ids 0:0
/ids/d2000 2000:2000
/ids/d2000/sub 0:0
/ids/new 1500:1501
/ids/u1000 3:4" "fp-a's layer on disk"
  run_rc fp_layer_view "$lower"
  assert_contains "$out" "/ids 0:0
/ids/d2000 2000:2000
/ids/d2000/f 2000:2001
/ids/u1000 1000:1000
/ids/u5 5:7" "the image's layer on disk"
  # and on the host: the user's subordinate ids for those
  assert_eq "$(stat -c %u:%g "$upper/ids/u1000")" "$(fp_host_id 3):$(fp_host_id 4)" "fp-a's chowned file, seen from the host"
  assert_eq "$(stat -c %u:%g "$lower/ids/u1000")" "$(fp_host_id 1000):$(fp_host_id 1000)" "the image's file, seen from the host"
  layers=$(pm unshare ls "$T/storage/overlay" | grep -vc '^l$')
  assert_eq "$layers" 3 "layer directories: the image's and one per container (no chowned copy of the image)"
  # podman commit of fp-a, stopped, run without --userns=auto: the ids fp-a
  # set. (Not while it runs: storage's diff then reads the mount that shows
  # fp-a's shifted ids and chowns its root to 0:0, outside the map:
  # urun-fuse-overlay refuses that, fuse-overlayfs stores 65534 there and the
  # image gets every id shifted.)
  run_rc pm stop -t 0 fp-a
  assert_eq "$rc" 0 "podman stop (output: $out)"
  run_rc pm commit -q fp-a localhost/fp-committed
  assert_eq "$rc" 0 "podman commit (output: $out)"
  run_rc pm run --rm --pull=never --runtime "$URUN_RT" localhost/fp-committed stat -c "%n %u:%g" /ids/u1000 /ids/new /ids/u5
  assert_eq "$out" "/ids/u1000 3:4
/ids/new 1500:1501
/ids/u5 5:7" "the committed image"
  run_rc pm rm -f -t 0 fp-a fp-b
  assert_eq "$rc" 0 "podman rm (output: $out)"
  fp_nothing_left
  fp_rmi_all
}

test_fuse_podman_userns_auto_urun_fuse_overlay() {
  fp_setup "$FUSE_OVL"
  sc_userns_auto
}

test_fuse_podman_userns_auto_fuse_overlayfs() {
  fp_setup "$(command -v fuse-overlayfs || echo /usr/bin/fuse-overlayfs)"
  sc_userns_auto
}
