#!/usr/bin/env bash
# demo.sh: Quick start, as root on a fresh Debian 12 machine: install what is
# needed, build urun, make a default bundle (a busybox rootfs and `urun
# spec`), and run a container as an unprivileged user.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it installs packages and creates a user)" >&2; exit 2; }
bash tests/install-deps.sh
./autogen.sh >/dev/null 2>&1
mkdir -p _build
(cd _build && ../configure >/dev/null && make -j2 >/dev/null)
source tests/setup-user.sh
setup_test_user
demo=/var/tmp/urun-demo
rm -rf "$demo"
mkdir -p "$demo/bundle/rootfs/bin"
install -m 755 _build/urun "$demo/urun"
cp /bin/busybox "$demo/bundle/rootfs/bin/"
for c in sh id cat ls echo hostname; do ln -sf busybox "$demo/bundle/rootfs/bin/$c"; done
chown -R "$TEST_USER:" "$demo/bundle"
chmod 755 "$demo"
cd "$demo/bundle"
as_test_user "$demo/urun" spec
as_test_user sh -c "jq '.process.args = [\"sh\", \"-c\", \"echo hello from urun; id; hostname; cat /proc/self/uid_map\"]' config.json > c && mv c config.json"
echo "running a container as $TEST_USER (uid $TEST_UID):"
as_test_user "$demo/urun" run demo
