#!/usr/bin/env bash
# run-suite.sh: THE test command (README, .ci/run).  As root on Debian 12:
# installs what is needed, builds (warnings are errors), runs the unit tests
# under ASan/UBSan, the integration tests as root and as an unprivileged
# user, the lifecycle tests once more under valgrind, and prints one line
# "N passed, N failed, N skipped".  Exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(id -u)" -ne 0 ]; then
  echo "run-suite.sh: run as root (it installs packages and creates the test user)" >&2
  exit 2
fi
total_pass=0 total_fail=0 total_skip=0
stage() { echo; echo "=== $*"; }
# Add the counts of a "…: N passed, N failed, N skipped" line to the totals.
count() {
  local line
  line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' <<<"$1" | tail -n 1)
  [ -n "$line" ] || { total_fail=$((total_fail + 1)); echo "(no result line: counted as a failure)"; return; }
  local p f s
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  s=$(grep -Eo '[0-9]+ skipped' <<<"$line" | cut -d' ' -f1)
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + ${s:-0}))
}

stage "dependencies"
bash tests/install-deps.sh || exit 1

stage "build"
./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
mkdir -p _build
(cd _build && ../configure --enable-werror >/dev/null && make -j2 >/dev/null && make testprog >/dev/null) ||
  { echo "build failed"; total_fail=$((total_fail + 1)); echo "0 passed, $total_fail failed"; exit 1; }
echo "built $(_build/urun --version | head -1) ($(readelf -d _build/urun | grep -q NEEDED && echo dynamically linked || echo static PIE))"
# valgrind replaces malloc only in a dynamically linked program: its stage
# runs this build of urun, linked the other way
mkdir -p _build-dyn
(cd _build-dyn && ../configure --enable-werror --disable-static-pie >/dev/null && make -j2 urun >/dev/null) ||
  { echo "dynamic build failed"; total_fail=$((total_fail + 1)); }

stage "unit tests (ASan, UBSan)"
mkdir -p _build-asan
if (cd _build-asan && ../configure --enable-werror CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" >/dev/null &&
    make -j2 >/dev/null && make check >/dev/null 2>&1); then :; fi
for log in _build-asan/tests/unit/test-*.log; do
  [ -e "$log" ] || { echo "no unit test logs"; total_fail=$((total_fail + 1)); break; }
  r=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  echo "$(basename "$log" .log): ${r:-no result line}"
  grep -E '^(FAIL|  error)|ERROR: (Address|Leak)|runtime error' "$log" | head -20
  count "$r"
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$log"; then total_fail=$((total_fail + 1)); fi
done

# script tests of make check (the AppArmor profile's syntax): one result each
for trs in _build-asan/tests/unit/*.sh.trs; do
  [ -e "$trs" ] || continue
  name=$(basename "$trs" .trs)
  case "$(sed -n 's/^:test-result: //p' "$trs")" in
    PASS) echo "$name: passed"; total_pass=$((total_pass + 1)) ;;
    SKIP) echo "$name: skipped: $(tail -n 1 "${trs%.trs}.log")"; total_skip=$((total_skip + 1)) ;;
    *) echo "$name: FAILED"; sed 's/^/  | /' "${trs%.trs}.log" | tail -10; total_fail=$((total_fail + 1)) ;;
  esac
done

stage "test user"
# shellcheck source=tests/setup-user.sh
source tests/setup-user.sh
setup_test_user
echo "user $TEST_USER (uid $TEST_UID), runtime dir $TEST_RUNTIME_DIR"
# A desktop's udev makes /dev/net/tun 0666; here it may be root's only.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  chmod 0666 /dev/net/tun && echo "/dev/net/tun made 0666, as udev does on a desktop (rootless networking tests)"
fi
# Likewise /dev/fuse: a desktop's is 0666 (the rootless overlay tests mount FUSE in a user namespace).
if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" != 666 ]; then
  chmod 0666 /dev/fuse && echo "/dev/fuse made 0666, as udev does on a desktop (rootless urun-fuse-overlay tests)"
fi
# A copy the test user can read: the checkout may sit under /root.
work=$(mktemp -d /var/tmp/urun-suite.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cp _build/urun _build/urun-slirp _build/urun-fuse-overlay _build/tests/testprog/testprog "$work/"
[ -x _build-asan/urun ] && cp _build-asan/urun "$work/urun-asan"
[ -x _build-dyn/urun ] && cp _build-dyn/urun "$work/urun-dyn"
cp -r tests "$work/tests"
chmod -R a+rX "$work"
# valgrind writes to its own files (one per process, init included), read after the stage
mkdir -m 1777 "$work/vg"
cat >"$work/urun-valgrind" <<VG
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=99 --trace-children=no --log-file=$work/vg/%p.log "$work/urun-dyn" "\$@"
VG
chmod 755 "$work/urun-valgrind"
mkdir -m 1777 "$work/tmp"
files=("$work"/tests/integration/*.sh)
files=("${files[@]/*run-tests.sh/}")

stage "integration tests as root"
out=$(URUN="$work/urun" TESTPROG="$work/testprog" TMPBASE="$work/tmp" \
  "$work/tests/integration/run-tests.sh" root ${files[@]} 2>&1)
echo "$out"
count "$out"

stage "integration tests as $TEST_USER"
out=$(as_test_user URUN="$work/urun" TESTPROG="$work/testprog" TMPBASE="$work/tmp" \
  "$work/tests/integration/run-tests.sh" user ${files[@]} 2>&1)
echo "$out"
count "$out"

stage "bad configs with the ASan/UBSan build (root, then $TEST_USER)"
# leaks are the valgrind stage's: libsubid keeps what subid_init allocates
if [ -x "$work/urun-asan" ]; then
  asan=(URUN="$work/urun-asan" ASAN_OPTIONS=detect_leaks=0 TESTPROG="$work/testprog" TMPBASE="$work/tmp"
    ONLY='test_mutated_configs_fail_cleanly')
  out=$(env "${asan[@]}" "$work/tests/integration/run-tests.sh" asan-root "$work/tests/integration/errors.sh" 2>&1)
  echo "$out"
  count "$out"
  out=$(as_test_user "${asan[@]}" "$work/tests/integration/run-tests.sh" asan-user "$work/tests/integration/errors.sh" 2>&1)
  echo "$out"
  count "$out"
else
  echo "no ASan build of urun (_build-asan/urun): its build failed above"
  total_fail=$((total_fail + 1))
fi

stage "lifecycle tests under valgrind (root)"
# a static urun would pass here unseen: valgrind's leak check needs the malloc it replaces
if ! readelf -d "$work/urun-dyn" 2>/dev/null | grep -q NEEDED; then
  echo "no dynamically linked urun for valgrind ($work/urun-dyn)"
  total_fail=$((total_fail + 1))
fi
out=$(URUN="$work/urun-valgrind" URUN_UNDER_VALGRIND=1 TESTPROG="$work/testprog" TMPBASE="$work/tmp" ONLY='test_(create_start|run_exit|state_doc|list|run_detach|malformed|missing_bundle|executable)' \
  "$work/tests/integration/run-tests.sh" valgrind "$work/tests/integration/core.sh" "$work/tests/integration/errors.sh" 2>&1)
echo "$out"
count "$out"
vg_logs=$(ls "$work"/vg/*.log 2>/dev/null | wc -l)
vg_bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid (read|write)|uninitialised' "$work"/vg/*.log 2>/dev/null)
if [ -n "$vg_bad" ]; then
  echo "valgrind found errors or leaks:"
  for f in $vg_bad; do sed 's/^/  | /' "$f" | head -40; done
  total_fail=$((total_fail + 1))
else
  echo "valgrind: $vg_logs process logs, no errors and no definite leaks"
fi

stage "cgroup v2 and systemd tests in ../shared/testvm (as its user, then as root)"
out=$(bash tests/vm/run.sh "$work" 2>&1)
echo "$out"
for who in vm-user vm-root; do
  count "$(grep "^$who: " <<<"$out")"
done

echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
