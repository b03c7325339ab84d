# check.sh: `urun check` on this machine, and against cases made wrong on
# purpose in a private mount namespace (root makes them, then runs the
# check as itself or as the test user): each wrong case is reported `fail`
# with its fix, and nothing else turns red.

# shellcheck source=tests/setup-user.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup-user.sh"

# Each line: ok|warn|fail, a name, what was found; a fix under anything not ok.
test_check_text_and_json() {
  local rc=0 text json start end
  start=$(date +%s%N)
  text=$(urun check) || rc=$?
  end=$(date +%s%N)
  echo "$text"
  [ $(((end - start) / 1000000)) -lt 1000 ] || fail "urun check took $(((end - start) / 1000000)) ms"
  json=$(urun check --json) || true
  assert_eq "$rc" "$(jq -r 'if .canRun then 0 else 1 end' <<<"$json")" "exit status and canRun"
  assert_eq "$rc" 0 "no container can run here"
  while IFS= read -r line; do
    [[ $line =~ ^(ok|warn|fail)\ +[a-z_0-9-]+\ + ]] || [[ $line =~ ^\ +fix:\  ]] ||
      [[ $line =~ ^a\ container\ can\ run:\ [0-9]+\ ok,\ [0-9]+\ warn,\ [0-9]+\ fail$ ]] || fail "bad line: [$line]"
  done <<<"$text"
  # the same checks in both forms, and a fix for each one not ok
  assert_eq "$(grep -E '^(ok|warn|fail) ' <<<"$text" | awk '{print $2}' | tr '\n' ' ')" \
    "$(jq -r '.checks[].name' <<<"$json" | tr '\n' ' ')" "text and JSON list other checks"
  assert_eq "$(jq '[.checks[] | select(.status != "ok" and (.fix // "") == "")] | length' <<<"$json")" 0 \
    "a check not ok without a fix"
  for name in userns state_root cgroup_v2 tun fuse overlayfs pidfd clone3 urun-slirp; do
    jq -e --arg n "$name" '.checks[] | select(.name == $n)' <<<"$json" >/dev/null || fail "no $name check"
  done
}

# Nothing left behind: no state root made, no mount, no process.
test_check_leaves_nothing() {
  local before after
  before=$(cut -d' ' -f5- /proc/self/mountinfo | sort)
  "$URUN" --root "$T/never" check >/dev/null || true
  assert_file_absent "$T/never" "check made the state root"
  mkdir -m 700 "$T/root"
  urun_check_root() { "$URUN" --root "$T/root" check >/dev/null; }
  urun_check_root || true
  assert_eq "$(ls -A "$T/root")" "" "check left something in the state root"
  # (other programs may mount meanwhile: the trials' kinds of mount count)
  after=$(cut -d' ' -f5- /proc/self/mountinfo | sort)
  assert_eq "$(comm -13 <(echo "$before") <(echo "$after") | grep -E " - (tmpfs|overlay) |$T" || true)" "" \
    "mounts left"
  # the trials' children are forks of urun: they carry its command line
  assert_eq "$(pgrep -f -- "--root $T/root check" || true)" "" "processes left"
}

# --- cases made wrong on purpose (root makes them) ---

check_needs_root() {
  is_root || skip "root makes the wrong cases (a private mount namespace); the root stage runs them as $TEST_USER too"
  command -v unshare >/dev/null || skip "no unshare (util-linux)"
}

check_needs_user() {
  id "$TEST_USER" >/dev/null 2>&1 || skip "no test user $TEST_USER (tests/setup-user.sh)"
  TEST_UID=$(id -u "$TEST_USER")
  TEST_RUNTIME_DIR=/run/user/$TEST_UID
  runuser -u "$TEST_USER" -- test -x "$URUN" || skip "$URUN is not readable by $TEST_USER (the suite copies it)"
  [ -d "$TEST_RUNTIME_DIR" ] || skip "no $TEST_RUNTIME_DIR (setup_test_user)"
  [ -c /dev/net/tun ] || skip "no /dev/net/tun to bind a wrong one over"
}

# check_json WHO SETUP [urun options]: `urun [options] check --json` as WHO
# (root or user) after the shell commands SETUP ran as root in a private
# mount namespace.  The user's environment is a login's (as_test_user),
# unless SETUP unsets XDG_RUNTIME_DIR (exported as XDG).
check_json() {
  local who=$1 setup=$2
  shift 2
  local run="\"$URUN\" $* check --json"
  if [ "$who" = user ]; then
    run="runuser -u $TEST_USER -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/ USER=$TEST_USER \${XDG:+XDG_RUNTIME_DIR=\$XDG} $run"
  fi
  XDG=$TEST_RUNTIME_DIR unshare -m --propagation private bash -c "set -e; ${setup:-:}; $run" || true
}

# A tun node of the given mode over /dev/net/tun (on a tmpfs: $T may be nodev).
tun_setup() {
  echo "mkdir -p $T/devs && mount -t tmpfs -o mode=755 tmpfs $T/devs && mknod -m $1 $T/devs/tun c 10 200 &&
    mount --bind $T/devs/tun /dev/net/tun"
}

# The checks that fail in the JSON report BAD and did not in BASE (sorted).
new_fails() {
  jq -r --argjson base "$1" '
    [$base.checks[] | select(.status == "fail") | .name] as $was |
    [.checks[] | select(.status == "fail" and ((.name | IN($was[])) | not)) | .name] | sort | join(" ")' <<<"$2"
}

# check_case WHO BASE_SETUP BAD_SETUP EXPECTED_FAILS FIX_TEXT [urun options]
# The names that fail with the bad setup and did not without it must be
# exactly EXPECTED_FAILS (sorted, space separated; empty: none), and each
# of their fixes must contain FIX_TEXT.
check_case() {
  local who=$1 base_setup=$2 bad_setup=$3 want=$4 fix=$5
  shift 5
  local base bad new
  base=$(check_json "$who" "$base_setup" "$@")
  bad=$(check_json "$who" "$bad_setup" "$@")
  jq -e .checks <<<"$base" >/dev/null || fail "no JSON from the baseline: $base"
  jq -e .checks <<<"$bad" >/dev/null || fail "no JSON from the wrong case: $bad"
  new=$(new_fails "$base" "$bad")
  jq -r '.checks[] | select(.status != "ok") | "\(.status) \(.name): \(.found) -- fix: \(.fix)"' <<<"$bad"
  assert_eq "$new" "$want" "checks that turned to fail"
  local n
  for n in $want; do
    assert_contains "$(jq -r --arg n "$n" '.checks[] | select(.name == $n) | .fix' <<<"$bad")" "$fix" "fix of $n"
  done
}

test_check_no_subuid_entry() {
  check_needs_root
  check_needs_user
  grep -q "^$TEST_USER:" /etc/subuid || skip "$TEST_USER has no /etc/subuid entry to take away"
  local base bad f
  base="$(tun_setup 666)"
  bad="$base"
  for f in subuid subgid; do
    grep -v "^$TEST_USER:" /etc/$f >"$T/$f"
    bad="$bad; mount --bind $T/$f /etc/$f"
  done
  check_case user "$base" "$bad" "subgid subuid" "usermod --add-sub"
  # root needs no subordinate ids: nothing turns red
  check_case root "$base" "$bad" "" ""
}

test_check_newuidmap_without_setuid() {
  check_needs_root
  check_needs_user
  [ -u /usr/bin/newuidmap ] || skip "/usr/bin/newuidmap is not setuid here"
  cp /usr/bin/newuidmap "$T/newuidmap"
  chmod 0755 "$T/newuidmap"
  local base bad
  base="$(tun_setup 666)"
  bad="$base; mount --bind $T/newuidmap /usr/bin/newuidmap"
  check_case user "$base" "$bad" "newuidmap" "chmod u+s /usr/bin/newuidmap"
  check_case root "$base" "$bad" "" ""
}

test_check_tun_0600() {
  check_needs_root
  check_needs_user
  check_case user "$(tun_setup 666)" "$(tun_setup 600)" "tun" "chmod 0666 /dev/net/tun"
  # root opens a 0600 node: nothing turns red
  check_case root "$(tun_setup 666)" "$(tun_setup 600)" "" ""
}

test_check_xdg_runtime_dir_unset() {
  check_needs_root
  check_needs_user
  local out
  check_case user "$(tun_setup 666)" "$(tun_setup 666); unset XDG" "xdg_runtime_dir" \
    "export XDG_RUNTIME_DIR=/run/user/$TEST_UID"
  out=$(check_json user "$(tun_setup 666); unset XDG")
  assert_eq "$(jq .canRun <<<"$out")" false "a user without XDG_RUNTIME_DIR has no state root"
}

test_check_state_root_of_someone_else() {
  check_needs_root
  check_needs_user
  mkdir -m 700 "$T/mine-user" "$T/mine-root" "$T/roots"
  chown "$TEST_USER" "$T/mine-user" "$T/roots"
  mkdir -m 755 "$T/roots/user-of-root"
  chown root "$T/roots/user-of-root"
  mkdir -m 700 "$T/roots/root-of-user"
  chown "$TEST_USER" "$T/roots/root-of-user"
  local base bad
  base=$(check_json user "$(tun_setup 666)" --root "$T/mine-user")
  bad=$(check_json user "$(tun_setup 666)" --root "$T/roots/user-of-root")
  assert_eq "$(new_fails "$base" "$bad")" state_root "user: checks that turned to fail"
  assert_contains "$(jq -r '.checks[] | select(.name == "state_root") | .found' <<<"$bad")" "owned by uid 0"
  assert_contains "$(jq -r '.checks[] | select(.name == "state_root") | .fix' <<<"$bad")" "pass --root"
  assert_eq "$(jq .canRun <<<"$bad")" false "a state root of someone else's"
  base=$(check_json root "" --root "$T/mine-root")
  bad=$(check_json root "" --root "$T/roots/root-of-user")
  assert_eq "$(new_fails "$base" "$bad")" state_root "root: checks that turned to fail"
  assert_contains "$(jq -r '.checks[] | select(.name == "state_root") | .found' <<<"$bad")" "owned by uid $TEST_UID"
}

test_check_subuid_overlap() {
  check_needs_root
  check_needs_user
  local range start
  range=$(grep -m1 "^$TEST_USER:" /etc/subuid) || skip "$TEST_USER has no /etc/subuid entry"
  start=$(cut -d: -f2 <<<"$range")
  # root gets ten ids in the middle of the test user's range
  { cat /etc/subuid; echo "root:$((start + 1000)):10"; } >"$T/subuid"
  check_case user "$(tun_setup 666)" "$(tun_setup 666); mount --bind $T/subuid /etc/subuid" "subuid" \
    "--del-subuids"
}
