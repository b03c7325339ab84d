# setup-user.sh (sourced): the unprivileged user the tests and the demo run
# as, with subordinate id ranges and a runtime directory, as a desktop login
# would give it.  Needs root.
TEST_USER=${TEST_USER:-uruntest}

setup_test_user() {
  id "$TEST_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$TEST_USER"
  local file
  for file in /etc/subuid /etc/subgid; do
    grep -q "^$TEST_USER:" "$file" 2>/dev/null || echo "$TEST_USER:200000:65536" >>"$file"
  done
  TEST_UID=$(id -u "$TEST_USER")
  TEST_RUNTIME_DIR=/run/user/$TEST_UID
  mkdir -p "$TEST_RUNTIME_DIR"
  chown "$TEST_USER:" "$TEST_RUNTIME_DIR"
  chmod 0700 "$TEST_RUNTIME_DIR"
}

# Run a command as the test user with a login-like environment.
as_test_user() {
  runuser -u "$TEST_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" USER="$TEST_USER" LANG=C.UTF-8 \
    XDG_RUNTIME_DIR="$TEST_RUNTIME_DIR" "$@"
}
