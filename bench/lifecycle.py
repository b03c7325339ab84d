#!/usr/bin/env python3
"""lifecycle.py: urun, crun and runc side by side, as root and as a user.

Run as root (make bench does): python3 bench/lifecycle.py URUN BENCHDIR.
Every iteration runs each runtime once, interleaved (A B C A B C ...), on the
same bundles; a small C tool (measure) spawns each command and reports wall
time, CPU time and peak RSS from wait4.  Prints a table and writes the same
as JSON into bench/results/.

crun 1.8 refuses hybrid-cgroup hosts ("cgroups in hybrid mode not
supported"): on such a host crun runs in a mount namespace of its own where
the cgroup2 mount is covered by an empty tmpfs, and the bench says so.
"""
import ctypes
import json
import os
import platform
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ITER = int(os.environ.get("BENCH_ITER", "20"))
SEQ = int(os.environ.get("BENCH_SEQ", "100"))
USER = os.environ.get("BENCH_USER", "uruntest")
# BENCH_CASES: a regular expression over "MODE VARIANT OP" ("root seccomp run"),
# "MODE sequential" and "MODE rss"; only the cases it finds run
CASES = re.compile(os.environ.get("BENCH_CASES", ""))
RUNTIMES = ["urun", "crun", "runc"]
VARIANTS = ["plain", "netns", "seccomp"]
HYBRID_CG2 = "/sys/fs/cgroup/unified"


# ---------------------------------------------------------------- runner side
# A runner is a long-lived child in the environment a runtime needs (the
# user's credentials, crun's private mount namespace): it takes one JSON
# request per line and answers with one JSON line.

def _libc_call(name, *args):
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (name, os.strerror(e)))


def cover_cgroup2(in_userns):
    CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
    uid, gid = os.getuid(), os.getgid()
    _libc_call("unshare", CLONE_NEWNS | (CLONE_NEWUSER if in_userns else 0))
    if in_userns:
        # the user as itself: crun still runs rootless in here
        open("/proc/self/uid_map", "w").write("%d %d 1\n" % (uid, uid))
        open("/proc/self/setgroups", "w").write("deny")
        open("/proc/self/gid_map", "w").write("%d %d 1\n" % (gid, gid))
    MS_REC, MS_PRIVATE = 0x4000, 1 << 18
    _libc_call("mount", None, b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None)
    _libc_call("mount", b"tmpfs", HYBRID_CG2.encode(), b"tmpfs", ctypes.c_ulong(0), b"mode=755")


def runner_main(cover):
    if cover:
        cover_cgroup2(os.getuid() != 0)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "measure":
            with tempfile.TemporaryFile() as err:
                p = subprocess.run(req["argv"], stdout=subprocess.PIPE, stderr=err, cwd=req.get("cwd"))
                err.seek(0)
                res = json.loads(p.stdout.decode().strip().splitlines()[-1])
                if res["status"] != 0:
                    res["stderr"] = err.read().decode(errors="replace")[-400:]
        elif req["op"] == "rss":
            res = {"rss_kb": 0}
            for l in open("/proc/%d/status" % req["pid"]):
                if l.startswith("VmRSS:"):
                    res["rss_kb"] = int(l.split()[1])
        elif req["op"] == "spawn":
            # a create: the container's init keeps create's stdio, so no pipes to wait on
            p = subprocess.run(req["argv"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=req.get("cwd"))
            res = {"status": p.returncode}
        else:
            p = subprocess.run(req["argv"], capture_output=True, cwd=req.get("cwd"))
            res = {"status": p.returncode, "stdout": p.stdout.decode(), "stderr": p.stderr.decode()[-400:]}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


class Runner:
    def __init__(self, user, cover):
        cmd = [sys.executable, os.path.abspath(__file__), "--runner"] + (["--cover"] if cover else [])
        env = None
        if user:
            pw = pwd.getpwnam(user)
            rt = "/run/user/%d" % pw.pw_uid
            cmd = ["runuser", "-u", user, "--", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                   "HOME=" + pw.pw_dir, "XDG_RUNTIME_DIR=" + rt] + cmd
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)

    def ask(self, **req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            sys.exit("bench: a runner died")
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# ---------------------------------------------------------------- bench side

def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def make_bundle(dirname, mode, variant, uid, gid, seccomp_profile):
    os.makedirs(dirname + "/rootfs", exist_ok=True)
    shutil.copy(BENCH + "/true", dirname + "/rootfs/true")
    for d in ("proc", "dev", "sys", "tmp"):
        os.makedirs(dirname + "/rootfs/" + d, exist_ok=True)
    run([URUN, "spec", "--bundle", dirname] + (["--rootless"] if mode == "user" else []))
    cfg = json.load(open(dirname + "/config.json"))
    cfg["ociVersion"] = "1.0.2"  # crun 1.8 refuses versions it does not know
    cfg["process"]["args"] = ["/true"]
    cfg["process"]["terminal"] = False
    cfg["root"] = {"path": "rootfs", "readonly": True}
    ns = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
    if variant == "netns":
        ns.append({"type": "network"})
    if mode == "user":
        ns.append({"type": "user"})
        cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": uid, "size": 1}]
        cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": gid, "size": 1}]
        # without a network namespace of its own, sysfs cannot be mounted: bind the host's
        cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/sys"]
        if variant != "netns":
            cfg["mounts"].append({"destination": "/sys", "type": "none", "source": "/sys",
                                  "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]})
        else:
            cfg["mounts"].append({"destination": "/sys", "type": "sysfs", "source": "sysfs",
                                  "options": ["nosuid", "noexec", "nodev", "ro"]})
    cfg["linux"]["namespaces"] = ns
    cfg["linux"].pop("resources", None)
    cfg["linux"].pop("cgroupsPath", None)
    if variant == "seccomp":
        cfg["linux"]["seccomp"] = json.load(open(seccomp_profile))
    else:
        cfg["linux"].pop("seccomp", None)
    json.dump(cfg, open(dirname + "/config.json", "w"), indent=1)


def pct(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary(samples):
    w = [s["wall_ms"] for s in samples]
    c = [s["cpu_ms"] for s in samples]
    r = [s["maxrss_kb"] for s in samples]
    return {"n": len(w), "wall_median": statistics.median(w), "wall_p10": pct(w, 0.1), "wall_p90": pct(w, 0.9),
            "cpu_median": statistics.median(c), "maxrss_kb_median": statistics.median(r)}


def fs_type(path):
    return subprocess.run(["stat", "-fc", "%T", path], capture_output=True, text=True).stdout.strip()


def main():
    global URUN, BENCH
    URUN, BENCH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    hybrid = os.path.ismount(HYBRID_CG2) and os.statvfs("/sys/fs/cgroup").f_fsid is not None and \
        fs_type("/sys/fs/cgroup") == "tmpfs"
    pw = pwd.getpwnam(USER)
    work = tempfile.mkdtemp(prefix="urun-bench.", dir="/var/tmp")
    os.chmod(work, 0o755)
    # State directories on a tmpfs, where each runtime keeps them by default
    # (/run/<runtime> as root, $XDG_RUNTIME_DIR as a user); BENCH_STATE_DIR
    # picks another place (say, a disk: create, start and delete each write there).
    state_base = os.environ.get("BENCH_STATE_DIR") or next(
        (d for d in ("/run", "/dev/shm") if fs_type(d) == "tmpfs"), "/var/tmp")
    state_work = tempfile.mkdtemp(prefix="urun-bench-state.", dir=state_base)
    os.chmod(state_work, 0o755)
    # the default profile the tests use (361 syscalls allowed, the rest EPERM)
    seccomp_profile = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                                   "seccomp", "default.json")
    bins = {"urun": URUN, "crun": shutil.which("crun"), "runc": shutil.which("runc")}
    for k, v in bins.items():
        if not v:
            sys.exit("bench: %s not found (make bench installs crun and runc)" % k)
    print("urun %s | %s | %s" % (run([URUN, "--version"]).stdout.splitlines()[0],
                                    run(["crun", "--version"]).stdout.splitlines()[0],
                                    run(["runc", "--version"]).stdout.splitlines()[0]))
    print("machine: %s, %d cpus, kernel %s; %d iterations, interleaved" %
          (platform.node(), os.cpu_count(), platform.release(), ITER))
    print("state directories in %s (%s)" % (state_work, fs_type(state_work)))
    if hybrid:
        print("hybrid cgroups: crun runs in a private mount namespace with %s covered by an empty tmpfs" % HYBRID_CG2)
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "iterations": ITER, "hybrid": hybrid,
               "state_fs": fs_type(state_work), "cases": []}
    try:
        for mode in ("root", "user"):
            uid, gid = (0, 0) if mode == "root" else (pw.pw_uid, pw.pw_gid)
            host = Runner(USER if mode == "user" else None, False)
            crun = Runner(USER if mode == "user" else None, hybrid)
            runner = {"urun": host, "runc": host, "crun": crun}
            states = {}
            for rt in RUNTIMES:
                states[rt] = "%s/state-%s-%s" % (state_work, mode, rt)
                os.makedirs(states[rt])
                os.chown(states[rt], uid, gid)
            bundles = {}
            for v in VARIANTS:
                bundles[v] = "%s/%s-%s" % (work, mode, v)
                make_bundle(bundles[v], mode, v, uid, gid, seccomp_profile)
                subprocess.run(["chown", "-R", "%d:%d" % (uid, gid), bundles[v]], check=True)
            measure, floor = BENCH + "/measure", BENCH + "/floor"

            def cmd(rt, *args):
                return [bins[rt], "--root", states[rt]] + list(args)

            for v in VARIANTS:
                for op in ("run", "create+start+delete"):
                    if not CASES.search("%s %s %s" % (mode, v, op)):
                        continue
                    samples = {rt: [] for rt in RUNTIMES}
                    for i in range(ITER + 1):  # the first round warms caches and is dropped
                        for rt in RUNTIMES:
                            cid = "b%d" % i
                            if op == "run":
                                argv = [measure] + cmd(rt, "run", "--bundle", bundles[v], cid)
                            else:
                                argv = [measure] + cmd(rt, "create", "--bundle", bundles[v], cid) + [";;"] + \
                                    cmd(rt, "start", cid) + [";;", "retry"] + cmd(rt, "delete", cid)
                            res = runner[rt].ask(op="measure", argv=argv, cwd=bundles[v])
                            if res["status"] != 0:
                                runner[rt].ask(op="exec", argv=cmd(rt, "delete", "-f", cid))
                                sys.exit("bench: %s %s %s %s failed: %s" % (mode, v, op, rt, res.get("stderr", "")))
                            if i:
                                samples[rt].append(res)
                    fl = None
                    if op == "run" and v != "seccomp":
                        fs = [host.ask(op="measure", argv=[measure, floor] + (["--net"] if v == "netns" else []) +
                                       [bundles[v] + "/rootfs", "/true"]) for _ in range(ITER)]
                        fl = summary(fs)
                    results["cases"].append({"mode": mode, "variant": v, "op": op, "floor": fl,
                                             "runtimes": {rt: summary(samples[rt]) for rt in RUNTIMES}})
                    print_case(results["cases"][-1])
            # 100 sequential runs, as crun's README measures it
            seq = {}
            for rt in (RUNTIMES if CASES.search(mode + " sequential") else []):
                argv = [measure]
                for i in range(SEQ):
                    argv += cmd(rt, "run", "--bundle", bundles["plain"], "s%d" % i) + [";;"]
                res = runner[rt].ask(op="measure", argv=argv[:-1], cwd=bundles["plain"])
                if res["status"] != 0:
                    sys.exit("bench: %d sequential runs with %s failed: %s" % (SEQ, rt, res.get("stderr", "")))
                seq[rt] = res["wall_ms"]
            if seq:
                results.setdefault("sequential", {})[mode] = seq
                print("  %-28s %9.0f ms %9.0f ms %9.0f ms   urun/crun %.2f" %
                      ("%s: %d sequential runs" % (mode, SEQ), seq["urun"], seq["crun"], seq["runc"], seq["urun"] / seq["crun"]))
            # what each runtime keeps running beside a created container
            rss = {}
            for rt in (RUNTIMES if CASES.search(mode + " rss") else []):
                r = runner[rt].ask(op="spawn", argv=cmd(rt, "create", "--bundle", bundles["plain"], "m"), cwd=bundles["plain"])
                st = runner[rt].ask(op="exec", argv=cmd(rt, "state", "m"))
                pid = json.loads(st["stdout"])["pid"] if r["status"] == 0 else 0
                rss[rt] = runner[rt].ask(op="rss", pid=pid)["rss_kb"] if pid else None
                runner[rt].ask(op="exec", argv=cmd(rt, "delete", "-f", "m"))
            if rss:
                results.setdefault("created_init_rss_kb", {})[mode] = rss
                print("  %-28s %9s kB %9s kB %9s kB" % ("%s: RSS of a created init" % mode, rss["urun"], rss["crun"], rss["runc"]))
            host.close()
            crun.close()
    finally:
        subprocess.run(["rm", "-rf", work, state_work])
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "lifecycle-%s.json" % time.strftime("%Y%m%d-%H%M%S"))
    json.dump(results, open(path, "w"), indent=1)
    print("results: %s" % path)


HEADER_DONE = False


def print_case(c):
    global HEADER_DONE
    if not HEADER_DONE:
        print("\nwall time median (p10-p90) in ms; cpu = user+sys of the runtime and all it reaped; rss = peak kB")
        print("  %-28s %-20s %-20s %-20s %7s %9s %8s %8s" % ("case", "urun", "crun", "runc", "floor",
                                                           "urun/crun", "cpu u/c", "rss u/c"))
        HEADER_DONE = True
    r = c["runtimes"]
    cell = lambda s: "%6.1f (%5.1f-%5.1f)" % (s["wall_median"], s["wall_p10"], s["wall_p90"])
    print("  %-28s %-20s %-20s %-20s %7s %9.2f %8.2f %8.2f" % (
        "%s %s %s" % (c["mode"], c["variant"], c["op"]), cell(r["urun"]), cell(r["crun"]), cell(r["runc"]),
        "%.1f" % c["floor"]["wall_median"] if c["floor"] else "-",
        r["urun"]["wall_median"] / r["crun"]["wall_median"], r["urun"]["cpu_median"] / r["crun"]["cpu_median"],
        r["urun"]["maxrss_kb_median"] / r["crun"]["maxrss_kb_median"]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--runner":
        runner_main("--cover" in sys.argv)
    else:
        main()
