#!/usr/bin/env python3
"""net_load.py TOOLS [OUTDIR]: HTTP load through a port forward, urun-slirp
beside slirp4netns (hostfwd) and pasta (-t), as an unprivileged user.

In each helper's namespace a small HTTP/1.1 server that does not fork (one
asyncio loop, keep-alive); on the host N clients at once for a bounded time:
half keep one connection and send request after request, half connect for
every request (Connection: close).  Every request has a deadline; one that
fails or misses it counts as failed.  Reported per helper: requests, failed
requests, requests/s, p50 and p99 latency, mean, max, requests over 1 s
and the forward's CPU per request.  Loopback only.

By default each client sends its next request once the last is answered
(a closed loop).  That hides a stall: a client parked in a SYN
retransmission sends nothing for a second and so adds one slow request,
not the hundred it would have sent.  BENCH_LOAD_RATE=R puts R requests a
second in all on a fixed schedule instead (an open loop, as wrk2 does) and
counts each request's latency from when it was due.
"""
import asyncio
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import net  # noqa: E402  (Setup: one helper serving a namespace)

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "200"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
DEADLINE = float(os.environ.get("BENCH_LOAD_DEADLINE", "5"))
RATE = float(os.environ.get("BENCH_LOAD_RATE", "0"))

SERVER = r"""
import asyncio, sys
BODY = b"x" * 512
async def serve(r, w):
    try:
        while True:
            head = await r.readuntil(b"\r\n\r\n")
            close = b"connection: close" in head.lower()
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(BODY), b"Connection: close\r\n" if close else b"") + BODY)
            await w.drain()
            if close: break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    w.close()
async def main():
    s = await asyncio.start_server(serve, "0.0.0.0", int(sys.argv[1]), backlog=1024)
    async with s: await s.serve_forever()
asyncio.run(main())
"""

REQ_KEEP = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
REQ_CLOSE = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


async def read_response(r):
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ConnectionError("bad status")
    n = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    await r.readexactly(n)


async def client(port, keep, end, lat, fails, interval=0.0, first=0.0):
    r = w = None
    due = first
    while time.monotonic() < end:
        t = time.monotonic()
        if interval:
            # open loop: the request is due at a fixed time, and its latency
            # counts from then, so a stall delays (and counts against) every
            # request due during it; a closed loop would send fewer instead
            if due > t:
                await asyncio.sleep(due - t)
            t, due = due, due + interval
            if t >= end:
                break
        try:
            async def one():
                nonlocal r, w
                if w is None:
                    r, w = await asyncio.open_connection("127.0.0.1", port)
                w.write(REQ_KEEP if keep else REQ_CLOSE)
                await read_response(r)
                if not keep:
                    w.close()
                    r = w = None
            await asyncio.wait_for(one(), DEADLINE)
            lat.append((time.monotonic() - t) * 1e6)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            fails.append(1)
            if w is not None:
                w.close()
            r = w = None
    if w is not None:
        w.close()


async def load(port):
    lat, fails = [], []
    end = time.monotonic() + SECONDS
    start = time.monotonic()
    # BENCH_LOAD_RATE: requests a second in all, on a schedule (open loop)
    interval = CLIENTS / RATE if RATE else 0.0
    await asyncio.gather(*(client(port, i % 2 == 0, end, lat, fails, interval, start + interval * i / CLIENTS)
                           for i in range(CLIENTS)))
    took = time.monotonic() - start
    lat.sort()
    return {"requests": len(lat) + len(fails), "failed": len(fails), "rps": len(lat) / took,
            "p50_us": statistics.median(lat) if lat else 0.0,
            "p99_us": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0,
            # a forward that drops SYNs keeps its p99 low by parking clients
            # in a retransmission (1 s, 3 s...): the tail says so
            "mean_us": statistics.mean(lat) if lat else 0.0, "max_us": lat[-1] if lat else 0.0,
            "over_1s": sum(1 for x in lat if x >= 1e6)}


def tree_cpu_s(root):
    """CPU seconds (user+sys) of process root and its living descendants."""
    parent, cpu = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d)], cpu[int(d)] = int(f[1]), (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in cpu:
        p = pid
        while p > 1 and p != root:
            p = parent.get(p, 0)
        if p == root:
            total += cpu[pid]
    return total


def main():
    tools = os.path.abspath(sys.argv[1])
    work = net.tempfile.mkdtemp(prefix="urun-bench-load.")
    helpers = os.environ.get("BENCH_LOAD_HELPERS", "urun-slirp slirp4netns pasta").split()
    print("\nHTTP load through a port forward as %s: %d clients (half keep-alive, half a connection a request) "
          "for %.0f s, deadline %.0f s a request; %s; loopback only" % (
              os.environ.get("USER", str(os.getuid())), CLIENTS, SECONDS, DEADLINE,
              "%.0f requests/s on a schedule, latency from when each was due" % RATE if RATE
              else "each client sends its next request when the last is answered"))
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "clients": CLIENTS, "seconds": SECONDS, "rate": RATE,
               "helpers": {}}
    for h in helpers:
        st = net.Setup(h, tools, work)
        srv = None
        try:
            srv = subprocess.Popen(net.ns_cmd(st.pid, [net.PY, "-c", SERVER, "5201"]))
            net.wait_until(lambda: net.ns_listening(st.pid, 5201), "the HTTP server in the namespace")
            before = tree_cpu_s(st.procs[0].pid)
            r = results["helpers"][h] = asyncio.run(load(st.fwd))
            # what the forward costs, apart from the clients' and the server's CPU
            r["helper_cpu_us_per_req"] = (tree_cpu_s(st.procs[0].pid) - before) * 1e6 / max(1, r["requests"])
        finally:
            if srv:
                srv.kill()
                srv.wait()
            st.close()
    print("  %-12s %9s %7s %9s %10s %10s %10s %10s %7s %12s" % ("", "requests", "failed", "req/s", "p50 (us)",
                                                               "p99 (us)", "mean (us)", "max (ms)", ">= 1 s",
                                                               "cpu/req (us)"))
    for h, r in results["helpers"].items():
        print("  %-12s %9d %7d %9.0f %10.0f %10.0f %10.0f %10.1f %7d %12.1f" % (
            h, r["requests"], r["failed"], r["rps"], r["p50_us"], r["p99_us"], r["mean_us"], r["max_us"] / 1000,
            r["over_1s"], r["helper_cpu_us_per_req"]))
    net.save_results(results, "net-load", work)


if __name__ == "__main__":
    main()
