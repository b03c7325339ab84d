# lib.sh: helpers for urun's integration tests (sourced by each test run).
#
# Every test runs in its own bash process with a private temp dir $T, a
# private state root $STATE, and `urun` already pointing at both.  A test
# fails by exiting non-zero (the assertions below do), skips with exit 77
# after saying why on stdout.

: "${URUN:?URUN must name the urun binary}"
: "${TESTPROG:?TESTPROG must name the static test program}"
: "${BUSYBOX:=/bin/busybox}"

urun() { "$URUN" --root "$STATE" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: expected [$2], got [$1]"; }
assert_ne() { [ "$1" != "$2" ] || fail "${3:-values equal}: both are [$1]"; }
assert_contains() { case "$1" in *"$2"*) ;; *) fail "${3:-missing text}: [$2] not in [$1]" ;; esac; }
assert_not_contains() { case "$1" in *"$2"*) fail "${3:-unexpected text}: [$2] in [$1]" ;; esac; }
assert_match() { [[ $1 =~ $2 ]] || fail "${3:-no match}: /$2/ not in [$1]"; }
assert_file_absent() { [ ! -e "$1" ] || fail "${2:-file left behind}: $1"; }

# Run urun expecting failure: sets $out (stderr+stdout) and checks the
# error is one line starting with "urun: " and containing each argument.
expect_error() {
  local rc=0
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] || fail "expected failure from: $* (got: $out)"
  local lines
  lines=$(printf '%s\n' "$out" | grep -c .)
  [ "$lines" -eq 1 ] || fail "expected one line of error, got $lines: $out"
  case "$out" in urun:\ *) ;; *) fail "error does not start with 'urun: ': $out" ;; esac
}

# A bundle: busybox rootfs + /testprog, config from `urun spec` (rootless
# for a user), args set to the given command (default: /testprog info).
make_bundle() {
  local dir=$1
  shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/tmp"
  cp "$BUSYBOX" "$dir/rootfs/bin/busybox"
  local c
  for c in sh cat ls id echo sleep true false env hostname mount touch mkdir kill ps stat test readlink; do
    ln -sf busybox "$dir/rootfs/bin/$c"
  done
  cp "$TESTPROG" "$dir/rootfs/testprog"
  echo "root:x:0:0:root:/:/bin/sh" > "$dir/rootfs/etc/passwd"
  "$URUN" spec --bundle "$dir" >/dev/null || fail "urun spec failed"
  if [ $# -eq 0 ]; then set -- /testprog info; fi
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
  cfg "$dir" ".process.args = $args | .root.readonly = false"
  # valgrind refuses rlimits above its own; the other stages cover them
  if [ -n "${URUN_UNDER_VALGRIND:-}" ]; then cfg "$dir" 'del(.process.rlimits)'; fi
}

# Edit a bundle's config.json with a jq filter.
# Extra jq options (--arg name value) may come between DIR and FILTER.
cfg() {
  local dir=$1
  shift
  jq "$@" "$dir/config.json" > "$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json" ||
    fail "jq filter failed: $*"
}

# What the container saw (testprog info) as JSON: run BUNDLE ID.
run_info() {
  (cd "$1" && urun run "$2") || fail "urun run $2 failed"
}

# Nothing of container ID is left: no state dir, no process in its rootfs,
# no mount of the bundle on the host.
assert_nothing_left() {
  local id=$1 bundle=${2:-}
  assert_file_absent "$STATE/$id" "state directory left behind"
  if [ -n "$bundle" ]; then
    ! grep -q " $bundle" /proc/self/mountinfo || fail "mount of $bundle left on the host"
    local p args
    # builtins only: a fork per process made this a second per call
    for p in /proc/[0-9]*; do
      [ "$p/root" -ef "$bundle/rootfs" ] && fail "process ${p#/proc/} left in $bundle"
      # a created init is non-dumpable: its root cannot be read, its command line can
      mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
      case " ${args[*]}" in *" --root $STATE "*" $id") fail "urun process ${p#/proc/} left for $id" ;; esac
    done
  fi
  return 0
}

# Wait until a condition command succeeds (max ~5 s, times WAIT_SCALE:
# the VM's software emulation is about 20x slower).
wait_for() {
  local i
  for i in $(seq 1 $((100 * ${WAIT_SCALE:-1}))); do
    "$@" && return 0
    sleep 0.05
  done
  fail "timed out waiting for: $*"
}

status_of() { urun state "$1" 2>/dev/null | jq -r .status; }
has_status() { [ "$(status_of "$1")" = "$2" ]; }
# Wait until container ID has STATUS (re-read each time).
wait_status() { wait_for has_status "$1" "$2"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
