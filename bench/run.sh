#!/usr/bin/env bash
# bench/run.sh URUN [lifecycle|net|fuse|all]: the benchmarks (make bench runs
# them).  As root: installs the reference runtimes and tools from Debian,
# builds the bench's own small C programs, creates the unprivileged user the
# user-side cases run as, and runs urun beside crun and runc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
urun=$(realpath "${1:?usage: bench/run.sh URUN [lifecycle|net|fuse|all]}")
what=${2:-all}
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root (it installs packages and runs user cases through runuser)" >&2; exit 2; }
bash "$here/../tests/install-deps.sh" crun runc python3 gcc libc6-dev uidmap iperf3 slirp4netns passt iproute2 >/dev/null
# shellcheck source=tests/setup-user.sh
source "$here/../tests/setup-user.sh"
setup_test_user
# the bench's programs, in a directory the user can read
tools=$(mktemp -d /var/tmp/urun-bench-tools.XXXXXX)
trap 'rm -rf "$tools"' EXIT
chmod 755 "$tools"
gcc -O2 -Wall -Wextra -o "$tools/measure" "$here/measure.c"
gcc -O2 -Wall -Wextra -o "$tools/floor" "$here/floor.c"
gcc -O2 -static -o "$tools/true" "$here/true.c"
cp "$urun" "$tools/urun"
[ -x "$(dirname "$urun")/urun-slirp" ] && cp "$(dirname "$urun")/urun-slirp" "$tools/"
chmod -R a+rX "$tools"
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  chmod 0666 /dev/net/tun && echo "/dev/net/tun made 0666, as udev does on a desktop"
fi
case $what in
  lifecycle | all) BENCH_USER=$TEST_USER /usr/bin/python3 "$here/lifecycle.py" "$tools/urun" "$tools" ;;
esac
case $what in
  net | all)
    mkdir -m 1777 "$tools/out"
    as_test_user BENCH_NET_SECONDS="${BENCH_NET_SECONDS:-5}" BENCH_NET_ROUNDS="${BENCH_NET_ROUNDS:-300}" BENCH_NET_REPEAT="${BENCH_NET_REPEAT:-3}" /usr/bin/python3 "$here/net.py" "$tools" "$tools/out"
    as_test_user BENCH_LOAD_CLIENTS="${BENCH_LOAD_CLIENTS:-200}" BENCH_LOAD_SECONDS="${BENCH_LOAD_SECONDS:-10}" /usr/bin/python3 "$here/net_load.py" "$tools" "$tools/out"
    # the same load on a schedule (an open loop: stalls count for every request they delay)
    as_test_user BENCH_LOAD_CLIENTS="${BENCH_LOAD_OPEN_CLIENTS:-10}" BENCH_LOAD_RATE="${BENCH_LOAD_RATE:-2000}" BENCH_LOAD_SECONDS="${BENCH_LOAD_SECONDS:-10}" /usr/bin/python3 "$here/net_load.py" "$tools" "$tools/out"
    mkdir -p "$here/results" && cp "$tools"/out/*.json "$here/results/" && echo "(copied to $here/results)"
    ;;
esac
case $what in
  fuse | all)
    bash "$here/../tests/install-deps.sh" fuse3 fuse-overlayfs >/dev/null
    /usr/bin/python3 "$here/fuse.py" "$(dirname "$urun")/urun-fuse-overlay"
    ;;
esac
