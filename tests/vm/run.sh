#!/usr/bin/env bash
# run.sh WORK: the VM stage of the test command.  Boots ../shared/testvm (a
# Debian 12 VM with systemd as PID 1, cgroup v2 only and a user with
# delegation), gives it what urun links to and the VM lacks, and runs
# tests/vm/*.sh there as the VM's user `tester` (user bus) and as root
# (system bus).  WORK holds urun, testprog and tests/ (run-suite.sh made it);
# the VM sees it at the same path.  Prints the runner's "vm-user: ..." and
# "vm-root: ..." lines; exits non-zero on any failure.
set -uo pipefail
work=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
testvm=${TESTVM:-$top/../shared/testvm/testvm}
[ -x "$testvm" ] || { echo "vm: $testvm not found (../shared must sit beside the checkout)"; echo "vm: 0 passed, 1 failed"; exit 1; }

"$testvm" deps >/dev/null 2>&1 || { echo "vm: testvm deps failed"; echo "vm: 0 passed, 1 failed"; exit 1; }
"$testvm" build >"$work/vm-build.log" 2>&1 || { tail -5 "$work/vm-build.log"; echo "vm: 0 passed, 1 failed"; exit 1; }
# The guest's Debian lacks libyajl2 (urun), apparmor and libapparmor1
# (tests/vm/apparmor.sh): the same packages from the host's archive.
mkdir -p "$work/debs"
debs=(libyajl2 apparmor libapparmor1)
(cd "$work/debs" && { apt-get download -qq "${debs[@]}" 2>/dev/null || { apt-get update -qq && apt-get download -qq "${debs[@]}"; }; }) || { echo "vm: apt-get download ${debs[*]} failed"; echo "vm: 0 passed, 1 failed"; exit 1; }
chmod -R a+rX "$work/debs"
"$testvm" stop >/dev/null 2>&1
TESTVM_SHARE=$work "$testvm" boot >"$work/vm-boot.log" 2>&1 || { tail -5 "$work/vm-boot.log"; echo "vm: 0 passed, 1 failed"; exit 1; }
trap '"$testvm" stop >/dev/null 2>&1' EXIT
"$testvm" root dpkg -i "$work"/debs/*.deb >/dev/null || { echo "vm: installing ${debs[*]} in the guest failed"; echo "vm: 0 passed, 1 failed"; exit 1; }
# the profile apparmor.sh runs containers in, for both runs (loading needs root)
"$testvm" root apparmor_parser -r "$work/tests/vm/urun-test.apparmor" || { echo "vm: loading the AppArmor test profile failed"; echo "vm: 0 passed, 1 failed"; exit 1; }

rc=0
files=("$work"/tests/vm/*.sh)
files=("${files[@]/*\/run.sh/}")
env=(URUN="$work/urun" TESTPROG="$work/testprog" BUSYBOX=/bin/busybox TMPBASE=/tmp WAIT_SCALE=10 ONLY="${ONLY:-}")
"$testvm" run env "${env[@]}" "$work/tests/integration/run-tests.sh" vm-user ${files[@]} || rc=1
"$testvm" root env "${env[@]}" "$work/tests/integration/run-tests.sh" vm-root ${files[@]} || rc=1
exit $rc
