#!/usr/bin/env python3
"""net.py TOOLS [OUTDIR]: urun-slirp beside slirp4netns and pasta, as an unprivileged user.

Each helper serves the same kind of namespace (a user and network namespace
made with unshare, holding a sleep), one after another in one run:
  - container -> host: iperf3 from the namespace to a server on the host's
    loopback, through the gateway address (host loopback enabled);
  - host -> container: iperf3 from the host to a server in the namespace
    through a port forward (slirp4netns: its hostfwd API);
  - latency: TCP connect + 1-byte request/response, both directions.
Traffic stays on this machine.  Prints a table with ratios; JSON goes to
bench/results/.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

DUR = int(os.environ.get("BENCH_NET_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_NET_ROUNDS", "300"))
REPEAT = int(os.environ.get("BENCH_NET_REPEAT", "3"))
HELPERS = ["urun-slirp", "slirp4netns", "pasta"]
PY = sys.executable


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_until(pred, what, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.02)
    sys.exit("bench/net: timed out waiting for %s" % what)


def ns_cmd(pid, argv):
    return ["nsenter", "-t", str(pid), "-U", "-n", "--preserve-credentials"] + argv


def listening(port):
    out = subprocess.run(["ss", "-Htln", "sport = :%d" % port], capture_output=True, text=True).stdout
    return bool(out.strip())


def ns_listening(pid, port):
    out = subprocess.run(ns_cmd(pid, ["ss", "-Htln", "sport = :%d" % port]), capture_output=True, text=True).stdout
    return bool(out.strip())


ECHO = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
while True:
    c, _ = s.accept()
    d = c.recv(1)
    if d: c.sendall(d)
    c.close()
"""

RR = r"""
import socket, statistics, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = []
for _ in range(n):
    a = time.perf_counter()
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"x"); assert s.recv(1) == b"x"; s.close()
    t.append((time.perf_counter() - a) * 1e6)
print(statistics.median(t))
"""


def iperf(client_argv):
    out = subprocess.run(client_argv, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("bench/net: iperf3 failed: %s %s" % (out.stdout[-300:], out.stderr[-300:]))
    return json.loads(out.stdout)["end"]["sum_received"]["bits_per_second"] / 1e9


class Setup:
    """One helper serving a namespace of its own: holder, helper, echo servers."""

    def __init__(self, name, tools, work):
        self.name, self.procs = name, []
        self.holder = subprocess.Popen(["unshare", "--user", "--map-root-user", "--net", "sleep", "infinity"])
        pid = self.pid = self.holder.pid
        me = os.readlink("/proc/self/ns/net")
        wait_until(lambda: os.readlink("/proc/%d/ns/net" % pid) != me, "the namespace")
        self.fwd, self.lat = free_port(), free_port()
        fwd, lat = self.fwd, self.lat
        if name == "urun-slirp":
            r, w = os.pipe()
            self.procs.append(subprocess.Popen([tools + "/urun-slirp", "--ready-fd", str(w), "--allow-host-loopback",
                                                "-p", "127.0.0.1:%d:5201" % fwd, "-p", "127.0.0.1:%d:7000" % lat,
                                                str(pid)], pass_fds=[w]))
            os.close(w)
            assert os.read(r, 1) == b"1", "urun-slirp did not get ready"
            os.close(r)
            self.gw = "10.0.2.2"
        elif name == "slirp4netns":
            r, w = os.pipe()
            api = "%s/slirp4netns-%d.sock" % (work, pid)
            self.procs.append(subprocess.Popen(["slirp4netns", "--configure", "--mtu=65520", "--ready-fd", str(w),
                                                "--api-socket", api, str(pid), "tap0"], pass_fds=[w],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            os.close(w)
            assert os.read(r, 1) == b"1", "slirp4netns did not get ready"
            os.close(r)
            for hp, gp in ((fwd, 5201), (lat, 7000)):
                s = socket.socket(socket.AF_UNIX)
                s.connect(api)
                s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {
                    "proto": "tcp", "host_addr": "127.0.0.1", "host_port": hp, "guest_port": gp}}).encode())
                s.shutdown(socket.SHUT_WR)
                ans = s.makefile().read()
                if "error" in ans:
                    sys.exit("bench/net: slirp4netns add_hostfwd: " + ans)
            self.gw = "10.0.2.2"
        else:
            self.procs.append(subprocess.Popen(["pasta", "--config-net", "-f", "-q", "-t", "%d:5201" % fwd, "-t",
                                                "%d:7000" % lat, "--userns", "/proc/%d/ns/user" % pid,
                                                "--netns", "/proc/%d/ns/net" % pid]))
            wait_until(lambda: listening(fwd) and listening(lat), "pasta's forwards")
            def default_route():
                return subprocess.run(ns_cmd(pid, ["ip", "-4", "route", "show", "default"]),
                                      capture_output=True, text=True).stdout.split()
            # pasta configures the namespace after its forwards listen
            end = time.time() + 5
            while len(default_route()) < 3 and time.time() < end:
                time.sleep(0.05)
            route = default_route()
            if len(route) < 3:
                self.close()
                sys.exit("bench/net: pasta gave the namespace no default route (the host needs one)")
            self.gw = route[2]
        self.procs.append(subprocess.Popen(ns_cmd(pid, [PY, "-c", ECHO, "0.0.0.0", "7000"])))
        wait_until(lambda: ns_listening(pid, 7000), "the echo server in the namespace")

    def measure(self, host_echo_port):
        pid, res = self.pid, {}
        # container -> host
        port = free_port()
        srv = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL)
        wait_until(lambda: listening(port), "iperf3 on the host")
        res["container_to_host_gbps"] = iperf(ns_cmd(pid, ["iperf3", "-J", "-c", self.gw, "-p", str(port),
                                                           "-t", str(DUR)]))
        srv.wait()
        # host -> container through the forward
        srv = subprocess.Popen(ns_cmd(pid, ["iperf3", "-s", "-1", "-p", "5201"]), stdout=subprocess.DEVNULL)
        wait_until(lambda: ns_listening(pid, 5201), "iperf3 in the namespace")
        res["host_to_container_fwd_gbps"] = iperf(["iperf3", "-J", "-c", "127.0.0.1", "-p", str(self.fwd),
                                                   "-t", str(DUR)])
        srv.wait()
        # latency: connect + request/response, both ways
        res["host_to_container_rr_us"] = float(subprocess.run(
            [PY, "-c", RR, "127.0.0.1", str(self.lat), str(ROUNDS)], capture_output=True, text=True,
            check=True).stdout)
        res["container_to_host_rr_us"] = float(subprocess.run(
            ns_cmd(pid, [PY, "-c", RR, self.gw, str(host_echo_port), str(ROUNDS)]), capture_output=True, text=True,
            check=True).stdout)
        return res

    def close(self):
        for p in reversed(self.procs):
            p.kill()
            p.wait()
        self.holder.kill()
        self.holder.wait()


def save_results(results, prefix, work):
    """JSON into OUTDIR (argv[2]) or the work directory."""
    out = sys.argv[2] if len(sys.argv) > 2 else work
    path = os.path.join(out, "%s-%s.json" % (prefix, time.strftime("%Y%m%d-%H%M%S")))
    json.dump(results, open(path, "w"), indent=1)
    print("results: %s" % path)


def main():
    tools = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="urun-bench-net.")
    print("\nnetworking as %s: %d s per iperf3 run, %d connect+request/response rounds, medians of %d interleaved "
          "rounds; traffic on loopback only" % (os.environ.get("USER", str(os.getuid())), DUR, ROUNDS, REPEAT))
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "repeats": REPEAT, "samples": {h: [] for h in HELPERS}}
    setups, hecho = [], None
    try:
        hport = free_port()
        hecho = subprocess.Popen([PY, "-c", ECHO, "127.0.0.1", str(hport)])
        wait_until(lambda: listening(hport), "the echo server on the host")
        for h in HELPERS:
            setups.append(Setup(h, tools, work))
        # interleaved: every helper once per round, medians over the rounds
        for _ in range(REPEAT):
            for st in setups:
                results["samples"][st.name].append(st.measure(hport))
    finally:
        for st in setups:
            st.close()
        if hecho:
            hecho.kill()
            hecho.wait()
    results["helpers"] = {h: {k: statistics.median(x[k] for x in results["samples"][h])
                              for k in results["samples"][h][0]} for h in HELPERS}
    r = results["helpers"]
    rows = [("container -> host (Gbit/s)", "container_to_host_gbps", True),
            ("host -> container, forward (Gbit/s)", "host_to_container_fwd_gbps", True),
            ("host -> container connect+RR (us)", "host_to_container_rr_us", False),
            ("container -> host connect+RR (us)", "container_to_host_rr_us", False)]
    print("  %-38s %11s %11s %11s %10s %10s" % ("", "urun-slirp", "slirp4netns", "pasta", "u/slirp4n", "u/pasta"))
    for label, key, higher_better in rows:
        u, s, p = r["urun-slirp"][key], r["slirp4netns"][key], r["pasta"][key]
        # ratios read as "times better than": throughput u/x, latency x/u
        rs, rp = (u / s, u / p) if higher_better else (s / u, p / u)
        print("  %-38s %11.2f %11.2f %11.2f %9.2fx %9.2fx" % (label, u, s, p, rs, rp))
    print("  (ratios: how many times better urun-slirp is; above 1 is better)")
    save_results(results, "net", work)

if __name__ == "__main__":
    main()
