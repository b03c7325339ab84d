#!/usr/bin/env bash
# install-deps.sh [PACKAGE...]: every Debian package urun's build, tests and
# demo need, or only the packages named (bench/run.sh's).  Idempotent; run
# as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ $# -gt 0 ]; then packages=("$@"); else packages=(
  # build
  gcc make autoconf automake pkg-config libc6-dev git ca-certificates
  libyajl-dev libseccomp-dev libcap-dev libsubid-dev libsystemd-dev libslirp-dev libglib2.0-dev libfuse3-dev
  libapparmor-dev libselinux1-dev
  # the overlay helper: fusermount3, and fuse-overlayfs to compare with (tests, bench/fuse)
  fuse3 fuse-overlayfs
  # run: newuidmap/newgidmap
  uidmap
  # tests
  busybox-static jq bc valgrind procps util-linux psmisc passwd python3 iproute2
  # security.sh: capsh and setcap (file capabilities, every capability by name)
  libcap2-bin
  # runtime-spec JSON schemas and a validator (commands.sh checks state and spec output)
  golang-github-opencontainers-specs-dev python3-jsonschema
  # apparmor_parser checks urun's AppArmor profile (make check)
  apparmor
  # real callers (tests/integration/podman.sh, buildah.sh, callers.sh, fuse_podman.sh) and the references they compare with
  podman conmon crun runc slirp4netns catatonit containerd buildah rootlesskit
); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: ${#packages[@]} packages present"
