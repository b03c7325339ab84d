# network.sh: urun's --net slirp|host and -p, with the urun-slirp helper
# (the helper's own tests are in net.sh).

slirp_ready() {
  [ -e /dev/net/tun ] || fail "/dev/net/tun is missing"
  [ -r /dev/net/tun ] && [ -w /dev/net/tun ] ||
    skip "/dev/net/tun is not usable by $(id -un) (the test command makes it 0666, as udev does on a desktop)"
}

# No process, or a zombie its (re)parent has yet to reap.
process_gone() {
  local st
  st=$(awk '/^State:/ {print $2}' /proc/"$1"/status 2>/dev/null)
  [ -z "$st" ] || [ "$st" = Z ]
}

free_port() {
  local p
  for p in $(seq $((20000 + RANDOM % 20000)) 65000); do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}

test_net_slirp_and_port_forward() {
  slirp_ready
  local port
  port=$(free_port)
  make_bundle b /bin/sh -c 'ip -4 addr show tap0 | grep -o "inet [0-9./]*"; ip route | grep default; cat /etc/resolv.conf | grep nameserver; echo hello-from-container > /tmp/index.html; nc -l -p 8080 < /tmp/index.html'
  cfg b '.root.readonly = false'
  (cd b && urun run -d --net slirp -p "127.0.0.1:$port:8080" ns >"$T/out") || fail "run --net slirp failed"
  local reply="" i
  for i in $(seq 1 100); do
    reply=$(exec 3<>/dev/tcp/127.0.0.1/"$port" && cat <&3) 2>/dev/null && [ -n "$reply" ] && break
    sleep 0.1
  done
  assert_eq "$reply" hello-from-container "through the port forward"
  local out
  out=$(cat "$T/out")
  assert_contains "$out" "inet 10.0.2.100/24"
  assert_contains "$out" "default via 10.0.2.2 dev tap0"
  assert_contains "$out" "nameserver 10.0.2.3"
  local helper
  helper=$(jq -r .urun.netHelperPid "$STATE/ns/state.json")
  [ "$helper" -gt 0 ] && kill -0 "$helper" || fail "no urun-slirp beside the container"
  urun delete -f ns
  process_gone "$helper" || fail "urun-slirp $helper left after delete"
  assert_nothing_left ns "$T/b"
}

# The helper holds the network namespace open, so it cannot wait for the
# namespace to go: it goes with the container's init, deleted or not.
test_net_slirp_helper_goes_with_init() {
  slirp_ready
  make_bundle b /testprog sleep 100
  cfg b '.root.readonly = false'
  (cd b && urun run -d --net slirp ng) || fail "run --net slirp failed"
  local helper pid
  helper=$(jq -r .urun.netHelperPid "$STATE/ng/state.json")
  pid=$(urun state ng | jq -r .pid)
  [ "$helper" -gt 0 ] && kill -0 "$helper" || fail "no urun-slirp beside the container"
  kill -9 "$pid"
  wait_for process_gone "$helper"
  assert_eq "$(urun state ng | jq -r .status)" stopped
  urun delete ng
  assert_nothing_left ng "$T/b"
}

test_net_host_and_bad_options() {
  make_bundle b /bin/sh -c 'readlink /proc/self/ns/net'
  cfg b '.linux.namespaces |= (map(select(.type != "network")) + [{"type": "network"}])'
  local out
  out=$(cd b && urun run --net host nh 2>&1) || fail "run --net host failed: $out"
  assert_eq "$out" "$(readlink /proc/self/ns/net)" "--net host keeps the caller's network namespace"
  expect_error "$URUN" --root "$STATE" run --bundle b --net bogus nh2
  assert_contains "$out" 'unknown network "bogus"'
  expect_error "$URUN" --root "$STATE" run --bundle b -p 8080:80 nh3
  assert_contains "$out" "need --net slirp"
  cfg b '.annotations["run.urun.network"] = "slirp" | .annotations["run.urun.ports"] = "99999:80"'
  if [ -w /dev/net/tun ]; then
    expect_error "$URUN" --root "$STATE" run --bundle b nh4
    assert_contains "$out" "urun-slirp"
  fi
  assert_nothing_left nh4 "$T/b"
}
