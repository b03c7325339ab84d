# net.sh: the urun-slirp networking helper against a container's network
# namespace: setup, host loopback, DNS, port forwards, the API, exit.
# Only loopback and the namespaces the tests create see traffic.

SLIRP=$(dirname "$URUN")/urun-slirp
PY=/usr/bin/python3

need_slirp() {
  [ -x "$SLIRP" ] || skip "urun-slirp is not built beside urun"
  [ -r /dev/net/tun ] && [ -w /dev/net/tun ] || skip "/dev/net/tun is not usable by $(id -un)"
  [ -x "$PY" ] || skip "no $PY"
  write_nettool
}

# Background processes of a test: gone when it ends, whatever happens.
BG_PIDS=()
bg() {
  "$@" &
  BG_PIDS+=($!)
}
cleanup_bg() {
  local p
  # a backgrounded shell function is a subshell: its children first
  for p in "${BG_PIDS[@]}"; do
    pkill -P "$p" 2>/dev/null
    kill "$p" 2>/dev/null
  done
  return 0
}
trap cleanup_bg EXIT

# Servers and clients for both sides (python3: busybox has no UDP client).
write_nettool() {
  cat >"$T/nettool.py" <<'PYEOF'
import os, socket, struct, sys, time

def ready(path):
    open(path, "w").write("1")

def tcp_serve(addr, port, readyfile):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port))); s.listen(16); ready(readyfile)
    while True:
        c, a = s.accept()
        c.sendall(b"peer %s\n" % a[0].encode()); c.close()

def tcp_sink_serve(addr, port, readyfile):
    # counts what one client sends, then answers with the count and a digest
    import hashlib
    s = socket.socket(socket.AF_INET); s.bind((addr, int(port))); s.listen(1); ready(readyfile)
    c, a = s.accept(); h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        h.update(d); n += len(d)
    c.sendall(b"got %d %s\n" % (n, h.hexdigest()[:16].encode())); c.close()

def tcp_slow_sink_serve(addr, port, readyfile, outfile, gofile):
    # says hello and closes its side first, reads nothing until GOFILE
    # exists (the container's data piles up in the helper, and is still
    # there when the container's FIN comes), then counts what came
    import hashlib
    s = socket.socket(socket.AF_INET); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.bind((addr, int(port))); s.listen(1); ready(readyfile)
    c, a = s.accept(); c.sendall(b"hello\n"); c.shutdown(socket.SHUT_WR)
    while not os.path.exists(gofile): time.sleep(0.01)
    h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(65536)
        if not d: break
        h.update(d); n += len(d)
    open(outfile + ".tmp", "w").write("got %d %s\n" % (n, h.hexdigest()[:16])); os.rename(outfile + ".tmp", outfile)
def tcp_push(host, port, nbytes):
    # the send MSS the connection settled on, then NBYTES of a known pattern
    import hashlib
    s = socket.create_connection((host, int(port)), timeout=10)
    print("mss %d" % s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))
    data = bytes(range(256)) * (int(nbytes) // 256)
    s.sendall(data); s.shutdown(socket.SHUT_WR)
    print("sent %d %s" % (len(data), hashlib.sha256(data).hexdigest()[:16]))
    sys.stdout.write(s.makefile().read())

def udp_serve(addr, port, readyfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port))); ready(readyfile)
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(b"udp peer %s got %s" % (a[0].encode(), d), a)

def dns_serve(port, readyfile, answer="192.0.2.77", addr="127.0.0.1"):
    # answers every A query with ANSWER
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port))); ready(readyfile)
    while True:
        q, a = s.recvfrom(4096)
        i = 12
        while q[i] != 0: i += q[i] + 1
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
        ans = b""
        if qtype == 1:
            ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(answer)
        s.sendto(q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if ans else 0, 0, 0) + q[12:i + 5] + ans, a)

def tcp_get(host, port, src=None):
    s = socket.create_connection((host, int(port)), timeout=3, source_address=(src, 0) if src else None)
    sys.stdout.write(s.makefile().read())

def tcp_get_many(host, port, n):
    # N connections one after another, each read to its end (the server closes first)
    got = set()
    for _ in range(int(n)):
        s = socket.create_connection((host, int(port)), timeout=3)
        got.add(s.makefile().read()); s.close()
    print("%s connections: %s" % (n, " ".join(sorted(g.strip() for g in got))))
def udp_get(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(b"ping", (host, int(port)))
    sys.stdout.write(s.recv(2048).decode() + "\n")

def exit_fd_run(slirp, pid):
    # the helper with --exit-fd 9 and --ready-fd 8; close 9 once it is ready
    er, ew = os.pipe(); rr, rw = os.pipe()
    child = os.fork()
    if child == 0:
        os.dup2(er, 9); os.dup2(rw, 8)
        os.execv(slirp, [slirp, "--exit-fd", "9", "--ready-fd", "8", pid])
    os.close(er); os.close(rw)
    if os.read(rr, 1) != b"1": sys.exit("helper not ready")
    os.close(ew)
    _, status = os.waitpid(child, 0)
    print("exit status %d" % os.waitstatus_to_exitcode(status))

def api(path, *requests):
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall("".join(r + "\n" for r in requests).encode()); s.shutdown(socket.SHUT_WR)
    sys.stdout.write(s.makefile().read())

cmds = {"tcp-serve": tcp_serve, "tcp-sink-serve": tcp_sink_serve, "tcp-slow-sink-serve": tcp_slow_sink_serve, "tcp-push": tcp_push, "udp-serve": udp_serve, "dns-serve": dns_serve,
        "tcp-get": tcp_get, "tcp-get-many": tcp_get_many, "udp-get": udp_get, "api": api, "exit-fd-run": exit_fd_run}
try:
    cmds[sys.argv[1]](*sys.argv[2:])
except (OSError, socket.timeout) as e:
    sys.stderr.write("nettool: %s\n" % e); sys.exit(1)
PYEOF
}
nettool() { "$PY" "$T/nettool.py" "$@"; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Container ID running sleep with its own network namespace and the host's
# /usr (python3 inside); sets $CPID.
net_container() {
  local id=$1
  if [ ! -d b ]; then
    make_bundle b /testprog sleep 1000
    cfg b '.linux.namespaces |= (if map(.type) | index("network") then . else . + [{"type": "network"}] end)'
    cfg b '.mounts += [{"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]}]'
    ln -s usr/lib b/rootfs/lib
    ln -s usr/lib64 b/rootfs/lib64
    cp "$T/nettool.py" b/rootfs/nettool.py
  fi
  (cd b && urun run -d "$id") || fail "run -d $id failed"
  CPID=$(urun state "$id" | jq -r .pid)
}

# In container ID: a shell command line.
in_ctr() {
  local id=$1
  shift
  urun exec "$id" /bin/sh -c "$*"
}

# A network namespace (with -m, a mount namespace too) standing in for the
# host's, for what a test must not do to the host: add an address, bind port
# 53, mount over /etc/resolv.conf. As a user it belongs to the container's
# user namespace (uid 0 there), from which the helper can still join the
# container. Sets $HNS (a process in it) and HNS_IN (a command prefix).
private_host_ns() {
  local mine
  mine=$(readlink /proc/self/ns/net)
  if is_root; then
    bg unshare "$@" sleep 1000
  else
    bg nsenter -t "$CPID" -U --preserve-credentials unshare "$@" sleep 1000
  fi
  HNS=${BG_PIDS[-1]}
  wait_for eval '[ "$(readlink /proc/$HNS/ns/net)" != "$mine" ]'
  HNS_IN=(nsenter -t "$HNS" -n)
  [ "${1:-}" = -m ] && HNS_IN+=(-m)
  is_root || HNS_IN+=(-U --preserve-credentials)
  "${HNS_IN[@]}" ip link set lo up || fail "cannot set up the private namespace"
}

# Start the helper (its arguments as given), through the command prefix
# SLIRP_IN if a test set one; sets $SPID once it is ready.
SLIRP_IN=()
start_slirp() {
  rm -f "$T/ready"
  bg "${SLIRP_IN[@]}" "$SLIRP" --ready-fd 3 "$@" 3>"$T/ready" 2>"$T/slirp.err"
  SPID=${BG_PIDS[-1]}
  wait_for eval '[ -s "$T/ready" ] || ! kill -0 $SPID 2>/dev/null'
  [ -s "$T/ready" ] || fail "urun-slirp did not start: $(cat "$T/slirp.err")"
}

# Stop the helper start_slirp started, and wait until it is gone.
stop_slirp() {
  kill "$SPID"
  wait_for eval '! kill -0 $SPID 2>/dev/null'
}

# Run the helper expecting a one-line "urun-slirp: " error containing TEXT.
expect_slirp_error() {
  local text=$1 rc=0
  shift
  out=$("${SLIRP_IN[@]}" "$SLIRP" "$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] || fail "expected failure from urun-slirp $* (got: $out)"
  [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || fail "expected one line of error: $out"
  case "$out" in urun-slirp:\ *) ;; *) fail "error does not start with 'urun-slirp: ': $out" ;; esac
  assert_contains "$out" "$text"
}

test_net_interface_setup() {
  need_slirp
  net_container n1
  start_slirp --mtu 1500 "$CPID"
  local addr route
  addr=$(in_ctr n1 'busybox ip -4 addr show dev tap0') || fail "no tap0 inside"
  assert_contains "$addr" "inet 10.0.2.100/24"
  assert_contains "$addr" "mtu 1500"
  assert_contains "$addr" "UP"
  route=$(in_ctr n1 'busybox ip route')
  assert_contains "$route" "default via 10.0.2.2 dev tap0"
  assert_contains "$(in_ctr n1 'busybox ip link show dev lo')" "UP"
  # IPv6 by SLAAC from libslirp's router advertisements
  wait_for eval 'in_ctr n1 "busybox ip -6 addr show dev tap0" | grep -q "inet6 fd00::"'
  urun delete -f n1
}

test_net_cidr_and_tap_name() {
  need_slirp
  net_container n2
  start_slirp --cidr 10.9.8.0/24 --disable-ipv6 "$CPID" eth7
  assert_contains "$(in_ctr n2 'busybox ip -4 addr show dev eth7')" "inet 10.9.8.100/24"
  assert_contains "$(in_ctr n2 'busybox ip route')" "default via 10.9.8.2 dev eth7"
  assert_eq "$(in_ctr n2 'busybox ip -6 addr show dev eth7 | grep -c fd00')" 0 "no IPv6 with --disable-ipv6"
  stop_slirp
  # by path: the namespace files, as a runtime would hold them
  start_slirp --netns-type=path --userns-path "/proc/$CPID/ns/user" "/proc/$CPID/ns/net" tap1
  assert_contains "$(in_ctr n2 'busybox ip -4 addr show dev tap1')" "inet 10.0.2.100/24"
  urun delete -f n2
}

test_net_host_loopback() {
  need_slirp
  local tport uport
  tport=$(free_port)
  uport=$(free_port)
  bg nettool tcp-serve 127.0.0.1 "$tport" "$T/tready"
  bg nettool udp-serve 127.0.0.1 "$uport" "$T/uready"
  wait_for test -s "$T/tready"
  wait_for test -s "$T/uready"
  net_container n3
  # default: the gateway does not lead to the host's loopback
  start_slirp "$CPID"
  ! in_ctr n3 "busybox nc -w 2 10.0.2.2 $tport" >"$T/out" 2>&1 || fail "host loopback reachable by default (TCP): $(cat "$T/out")"
  ! in_ctr n3 "$PY /nettool.py udp-get 10.0.2.2 $uport" >"$T/out" 2>&1 || fail "host loopback reachable by default (UDP)"
  stop_slirp
  start_slirp --allow-host-loopback "$CPID"
  assert_eq "$(in_ctr n3 "busybox nc -w 2 10.0.2.2 $tport")" "peer 127.0.0.1" "TCP to the host's loopback"
  assert_contains "$(in_ctr n3 "$PY /nettool.py udp-get 10.0.2.2 $uport")" "udp peer 127.0.0.1 got ping" "UDP to the host's loopback"
  urun delete -f n3
}

# A server on the host that closes first leaves libslirp's end of each
# connection in TIME_WAIT for 10 s with its host socket and buffers; the
# helper closes those ends at once (tcp_reap.c), and the container still
# reads every answer whole.
test_net_tcp_time_wait_reaped() {
  need_slirp
  local port out socks
  port=$(free_port)
  bg nettool tcp-serve 127.0.0.1 "$port" "$T/tready"
  wait_for test -s "$T/tready"
  net_container n10
  start_slirp --allow-host-loopback "$CPID"
  out=$(in_ctr n10 "$PY /nettool.py tcp-get-many 10.0.2.2 $port 200") || fail "200 connections failed: $out"
  assert_eq "$out" "200 connections: peer 127.0.0.1" "what the container read"
  socks=$(find /proc/"$SPID"/fd -lname 'socket:*' | wc -l)
  [ "$socks" -lt 20 ] || fail "the helper holds $socks sockets after 200 closed connections (TIME_WAIT kept)"
  urun delete -f n10
}

# ... and what the container sent before its FIN still reaches a server
# that closed its side first and reads only after the container is done
# (the reset waits while libslirp holds data for the host; tcp_reap.c).
test_net_tcp_time_wait_keeps_data() {
  need_slirp
  local port out sent
  port=$(free_port)
  bg nettool tcp-slow-sink-serve 127.0.0.1 "$port" "$T/sready" "$T/sgot" "$T/sgo"
  wait_for test -s "$T/sready"
  net_container n11
  start_slirp --allow-host-loopback "$CPID"
  out=$(timeout 20 "$URUN" --root "$STATE" exec n11 /bin/sh -c "$PY /nettool.py tcp-push 10.0.2.2 $port 1048576") ||
    fail "push through slirp failed: $out"
  touch "$T/sgo"
  assert_contains "$out" "hello" "the server's greeting"
  wait_for test -s "$T/sgot"
  sent=$(printf '%s\n' "$out" | sed -n 's/^sent //p')
  assert_eq "$(cat "$T/sgot")" "got $sent" "what the host received"
  urun delete -f n11
}

# libslirp has no window scaling: with the tap's MTU of 65520 two segments
# would fill its window and sender and helper would take turns. SYNs through
# the helper carry an MSS of at most 21800, and the data still arrives whole.
test_net_tcp_mss_clamped() {
  need_slirp
  local port out
  port=$(free_port)
  bg nettool tcp-sink-serve 127.0.0.1 "$port" "$T/sready"
  wait_for test -s "$T/sready"
  net_container n9
  start_slirp --allow-host-loopback "$CPID"
  assert_contains "$(in_ctr n9 'busybox ip link show dev tap0')" "mtu 65520"
  out=$(in_ctr n9 "$PY /nettool.py tcp-push 10.0.2.2 $port 8388608") || fail "push through slirp failed: $out"
  local mss sent got
  mss=$(printf '%s\n' "$out" | sed -n 's/^mss //p')
  [ -n "$mss" ] && [ "$mss" -le 21800 ] && [ "$mss" -ge 20000 ] || fail "send MSS $mss, expected 20000-21800: $out"
  sent=$(printf '%s\n' "$out" | sed -n 's/^sent //p')
  got=$(printf '%s\n' "$out" | sed -n 's/^got //p')
  assert_eq "$got" "$sent" "the host received what the container sent"
  urun delete -f n9
}

test_net_dns() {
  need_slirp
  local port
  port=$(free_port)
  bg nettool dns-serve "$port" "$T/dready"
  wait_for test -s "$T/dready"
  net_container n4
  start_slirp --dns-upstream "127.0.0.1:$port" "$CPID"
  local out
  out=$(in_ctr n4 'busybox nslookup -type=a host.example 10.0.2.3') || fail "no DNS answer: $out"
  assert_contains "$out" "192.0.2.77"
  # DNS works with host loopback closed: only the upstream is reached
  ! in_ctr n4 "busybox nc -w 1 10.0.2.2 $port" </dev/null >/dev/null 2>&1 || true
  stop_slirp
  start_slirp --disable-dns --dns-upstream "127.0.0.1:$port" "$CPID"
  ! in_ctr n4 'timeout 3 busybox nslookup -type=a host.example 10.0.2.3' >/dev/null 2>&1 || fail "answer with --disable-dns"
  urun delete -f n4
}

test_net_dns_systemd_resolved() {
  need_slirp
  net_container n12
  # resolv.conf names only resolved's stub; resolved's own file names the
  # test's server. Port 53 (resolv.conf has no port) in namespaces of the
  # test's own, nothing listening at 127.0.0.53 there.
  private_host_ns -m -n
  printf 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n' >"$T/stub.conf"
  mkdir -p "$T/run/systemd/resolve"
  printf '# resolved upstreams\nnameserver 127.0.0.1\n' >"$T/run/systemd/resolve/resolv.conf"
  # bind over the deepest of these that exists (only in that namespace)
  local d sub=run/systemd/resolve
  for d in /run/systemd/resolve /run/systemd /run; do
    [ -d "$d" ] && break
    sub=${sub%/*}
  done
  "${HNS_IN[@]}" mount --bind "$T/$sub" "$d" || fail "cannot mount over $d"
  "${HNS_IN[@]}" mount --bind "$T/stub.conf" /etc/resolv.conf || fail "cannot mount over /etc/resolv.conf"
  assert_eq "$("${HNS_IN[@]}" cat /run/systemd/resolve/resolv.conf)" "$(cat "$T/run/systemd/resolve/resolv.conf")"
  bg "${HNS_IN[@]}" "$PY" "$T/nettool.py" dns-serve 53 "$T/dready" 192.0.2.53
  wait_for test -s "$T/dready"
  SLIRP_IN=("${HNS_IN[@]}")
  start_slirp "$CPID"
  # the upstream the helper chose: resolved's server, not the stub
  if [ -r "/proc/$SPID/root/etc/resolv.conf" ]; then
    assert_eq "$(cat "/proc/$SPID/root/etc/resolv.conf")" "nameserver 127.0.0.1" "upstream in the sandbox"
  fi
  local out
  out=$(in_ctr n12 'busybox nslookup -type=a host.example 10.0.2.3') || fail "no DNS answer: $out"
  assert_contains "$out" "192.0.2.53" "answer of the server named by /run/systemd/resolve/resolv.conf"
  stop_slirp
  # without resolved's file the stub itself is asked
  rm "$T/run/systemd/resolve/resolv.conf"
  bg "${HNS_IN[@]}" "$PY" "$T/nettool.py" dns-serve 53 "$T/dready2" 192.0.2.54 127.0.0.53
  wait_for test -s "$T/dready2"
  start_slirp "$CPID"
  if [ -r "/proc/$SPID/root/etc/resolv.conf" ]; then
    assert_eq "$(cat "/proc/$SPID/root/etc/resolv.conf")" "nameserver 127.0.0.53" "stub as the upstream"
  fi
  out=$(in_ctr n12 'busybox nslookup -type=a host.example 10.0.2.3') || fail "no DNS answer from the stub: $out"
  assert_contains "$out" "192.0.2.54" "answer of the stub"
  urun delete -f n12
}

test_net_outbound_addr() {
  need_slirp
  local port
  port=$(free_port)
  bg nettool tcp-serve 127.0.0.1 "$port" "$T/tready"
  wait_for test -s "$T/tready"
  net_container n13
  start_slirp --allow-host-loopback --outbound-addr=127.0.0.2 "$CPID"
  assert_eq "$(in_ctr n13 "busybox nc -w 2 10.0.2.2 $port")" "peer 127.0.0.2" "source with --outbound-addr"
  stop_slirp
  start_slirp --allow-host-loopback "$CPID"
  assert_eq "$(in_ctr n13 "busybox nc -w 2 10.0.2.2 $port")" "peer 127.0.0.1" "source without --outbound-addr"
  stop_slirp
  expect_slirp_error "--outbound-addr: expected an IPv4 address or an interface name, got 'nosuch0'" --outbound-addr=nosuch0 1
  expect_slirp_error "--outbound-addr6: expected an IPv6 address or an interface name, got '127.0.0.2'" --outbound-addr6=127.0.0.2 1
  # an interface name stands for its address: an interface of a namespace
  # of the test's own (a tap: no module needed), with no IPv6 address
  private_host_ns -n
  "${HNS_IN[@]}" sh -c 'ip tuntap add mode tap name ob0 && ip link set ob0 addrgenmode none &&
    ip addr add 198.51.100.7/32 dev ob0 && ip link set ob0 up' || fail "cannot add an interface in the private namespace"
  bg "${HNS_IN[@]}" "$PY" "$T/nettool.py" tcp-serve 127.0.0.1 "$port" "$T/tready2"
  wait_for test -s "$T/tready2"
  SLIRP_IN=("${HNS_IN[@]}")
  start_slirp --allow-host-loopback --outbound-addr=ob0 "$CPID"
  assert_eq "$(in_ctr n13 "busybox nc -w 2 10.0.2.2 $port")" "peer 198.51.100.7" "source with --outbound-addr=ob0"
  stop_slirp
  expect_slirp_error "--outbound-addr6: interface ob0 has no IPv6 address" --outbound-addr6=ob0 "$CPID"
  urun delete -f n13
}

test_net_port_forward() {
  need_slirp
  local tport uport
  tport=$(free_port)
  uport=$(free_port)
  net_container n5
  start_slirp -p "127.0.0.1:$tport:80" -p "$uport:81/udp" --api-socket "$T/api.sock" "$CPID"
  bg urun exec n5 "$PY" /nettool.py tcp-serve 0.0.0.0 80 /tmp/tready
  bg urun exec n5 "$PY" /nettool.py udp-serve 0.0.0.0 81 /tmp/uready
  wait_for test -s b/rootfs/tmp/tready
  wait_for test -s b/rootfs/tmp/uready
  # a loopback client cannot be kept: the container sees its own address
  assert_eq "$(nettool tcp-get 127.0.0.1 "$tport")" "peer 10.0.2.100" "TCP forward"
  assert_eq "$(nettool udp-get 127.0.0.1 "$uport")" "udp peer 10.0.2.100 got ping" "UDP forward"
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    assert_eq "$(nettool tcp-get 127.0.0.1 "$tport")" "peer 10.0.2.100" "TCP forward, connection $i"
  done
  # more at once than the helper keeps spare sockets: the rest are made on request
  local pids=()
  for i in $(seq 12); do
    nettool tcp-get 127.0.0.1 "$tport" >"$T/par.$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for i in $(seq 12); do assert_eq "$(cat "$T/par.$i")" "peer 10.0.2.100" "TCP forward, parallel connection $i"; done
  # nothing listens on the container's port: the client's connection ends
  # at once, and the helper goes on
  local rport out
  rport=$(free_port)
  nettool api "$T/api.sock" '{"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "127.0.0.1", "host_port": '"$rport"', "guest_port": 82}}' >/dev/null
  out=$(timeout 5 "$PY" "$T/nettool.py" tcp-get 127.0.0.1 "$rport" 2>&1) || true
  assert_eq "$out" "" "a forward to a closed port ends the client's connection"
  assert_eq "$(nettool tcp-get 127.0.0.1 "$tport")" "peer 10.0.2.100" "TCP forward after a refused one"
  urun delete -f n5
}

test_net_port_forward_keeps_client_address() {
  need_slirp
  local ip port
  # a client on one of the host's own non-loopback addresses (stays local)
  ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4; exit}')
  [ -n "$ip" ] || skip "no global IPv4 address on the host"
  case "$ip" in 10.0.2.*) skip "the host is itself on 10.0.2.0/24" ;; esac
  port=$(free_port)
  net_container n6
  start_slirp -p "$port:80" "$CPID"
  bg urun exec n6 "$PY" /nettool.py tcp-serve 0.0.0.0 80 /tmp/tready
  wait_for test -s b/rootfs/tmp/tready
  assert_eq "$(nettool tcp-get "$ip" "$port" "$ip")" "peer $ip" "client address seen inside"
  urun delete -f n6
}

test_net_api() {
  need_slirp
  local port out
  port=$(free_port)
  net_container n7
  start_slirp -a "$T/api.sock" "$CPID"
  bg urun exec n7 "$PY" /nettool.py tcp-serve 0.0.0.0 80 /tmp/tready
  wait_for test -s b/rootfs/tmp/tready
  out=$(nettool api "$T/api.sock" "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":$port,\"guest_port\":80}}")
  assert_eq "$out" '{"return":{"id":1}}' "add_hostfwd"
  assert_eq "$(nettool tcp-get 127.0.0.1 "$port")" "peer 10.0.2.100" "forward added through the API"
  out=$(nettool api "$T/api.sock" '{"execute":"list_hostfwd"}')
  assert_eq "$(jq -c '.return.entries' <<<"$out")" \
    "[{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":$port,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}]" "list_hostfwd"
  # several requests on one connection, one answer line each
  out=$(nettool api "$T/api.sock" '{"execute":"remove_hostfwd","arguments":{"id":1}}' '{"execute":"remove_hostfwd","arguments":{"id":1}}' \
    '{"execute":"list_hostfwd"}' '{"execute":"frobnicate"}' 'not json' \
    "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"sctp\",\"host_port\":$port,\"guest_port\":80}}")
  assert_eq "$(sed -n 1p <<<"$out")" '{"return":{}}' "remove_hostfwd"
  assert_eq "$(sed -n 2p <<<"$out" | jq -r .error.desc)" "no forward with that id"
  assert_eq "$(sed -n 3p <<<"$out")" '{"return":{"entries":[]}}' "list after remove"
  assert_contains "$(sed -n 4p <<<"$out" | jq -r .error.desc)" "unknown execute"
  assert_contains "$(sed -n 5p <<<"$out" | jq -r .error.desc)" "bad request"
  assert_contains "$(sed -n 6p <<<"$out" | jq -r .error.desc)" "proto"
  ! nettool tcp-get 127.0.0.1 "$port" >/dev/null 2>&1 || fail "forward still there after remove"
  # slirp4netns clients send one request without a newline
  out=$("$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"{\"execute\":\"list_hostfwd\"}"); s.shutdown(socket.SHUT_WR); print(s.makefile().read(), end="")' "$T/api.sock")
  assert_eq "$out" '{"return":{"entries":[]}}' "request ended by shutdown"
  if ! is_root && [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -gt 80 ]; then
    out=$(nettool api "$T/api.sock" '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_port":80,"guest_port":80}}')
    assert_contains "$(jq -r .error.desc <<<"$out")" "ip_unprivileged_port_start"
  fi
  urun delete -f n7
  wait_for eval '! kill -0 $SPID 2>/dev/null'
  assert_file_absent "$T/api.sock" "API socket left behind"
}

test_net_exit() {
  need_slirp
  net_container n8
  start_slirp "$CPID"
  urun kill n8 KILL
  # the target process is gone: so is the helper, and its child
  wait_for eval '! kill -0 $SPID 2>/dev/null'
  local rc=0
  wait "$SPID" || rc=$?
  assert_eq "$rc" 0 "helper exit status"
  urun delete -f n8
  # --exit-fd: the helper ends when the other end of a pipe closes
  net_container n9
  assert_eq "$(nettool exit-fd-run "$SLIRP" "$CPID")" "exit status 0" "helper after --exit-fd closed"
  urun delete -f n9
}

test_net_sandboxed() {
  need_slirp
  net_container n10
  start_slirp "$CPID"
  local st child
  st=$(cat /proc/"$SPID"/status)
  assert_eq "$(awk '/^Seccomp:/ {print $2}' <<<"$st")" 2 "seccomp filter mode"
  assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' <<<"$st")" 1 "no new privileges"
  if is_root; then
    assert_eq "$(awk '/^CapEff:/ {print $2}' <<<"$st")" 0000000000000400 "only CAP_NET_BIND_SERVICE"
  else
    assert_eq "$(awk '/^CapEff:/ {print $2}' <<<"$st")" 0000000000000000 "no capabilities"
  fi
  assert_ne "$(readlink /proc/"$SPID"/ns/mnt)" "$(readlink /proc/self/ns/mnt)" "own mount namespace"
  child=$(cat /proc/"$SPID"/task/*/children | tr -d " ")
  [ -n "$child" ] || fail "no namespace child"
  assert_eq "$(awk '/^Seccomp:/ {print $2}' /proc/"$child"/status)" 2 "child's seccomp filter"
  assert_eq "$(readlink /proc/"$child"/ns/net)" "$(readlink /proc/"$CPID"/ns/net)" "child in the container's netns"
  if is_root; then
    assert_eq "$(ls -A /proc/"$SPID"/root/ | tr '\n' ' ')" "etc " "the helper's root holds only etc/resolv.conf"
  fi
  urun delete -f n10
}

test_net_bad_arguments() {
  need_slirp
  expect_slirp_error "--mtu: expected 576..65520" --mtu 70000 1
  expect_slirp_error "--mtu: expected 576..65520" --mtu abc 1
  expect_slirp_error "--cidr: expected an IPv4 network" --cidr 10.0.2.0 1
  expect_slirp_error "has host bits set" --cidr 10.0.2.1/24 1
  expect_slirp_error "-p 80: expected [HOSTIP:]HOSTPORT:CONTAINERPORT" -p 80 1
  expect_slirp_error "protocol must be tcp or udp" -p 80:80/sctp 1
  expect_slirp_error "host port must be 1..65535" -p 0:80 1
  expect_slirp_error "--netns-type: expected pid or path" --netns-type=foo 1
  expect_slirp_error "--dns-upstream: expected a numeric" --dns-upstream dns.example 1
  expect_slirp_error "unknown option --frob" --frob 1
  expect_slirp_error "expected PID|PATH" --mtu 1500
  expect_slirp_error "PID: expected a process id" notapid
  expect_slirp_error "--ready-fd 77: not an open file descriptor" --ready-fd 77 1
  expect_slirp_error "--stop-pidfd 0: not a pidfd" --stop-pidfd 0 1
  expect_slirp_error "--stop-pidfd 77: not a pidfd" --stop-pidfd 77 1
  expect_slirp_error "process 999999999: No such process" 999999999
  expect_slirp_error "network namespace /nonexistent" --netns-type=path /nonexistent
  if ! is_root && [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -gt 80 ]; then
    expect_slirp_error "ip_unprivileged_port_start" -p 80:80 "$$"
  fi
  local port
  port=$(free_port)
  bg nettool tcp-serve 127.0.0.1 "$port" "$T/tready"
  wait_for test -s "$T/tready"
  expect_slirp_error "Address already in use" -p "127.0.0.1:$port:80" "$$"
}
