#!/usr/bin/env python3
"""bench/fuse.py HELPER: urun-fuse-overlay beside fuse-overlayfs (Debian) and
the kernel's overlayfs, on the same layers, interleaved (A B C A B C ...),
as root. Each run gets a fresh upper directory and a fresh mount; the lower
layers are built once, and their pages stay in the page cache for all three
(what is measured is the overlay, not the disk).

Cases: a stat walk of a 20,000-file tree, reading 5,000 small files,
creating 5,000 small files, copy-up of 1,000 small files (chmod), a
sequential read and write of BENCH_FUSE_BIG_MB (1024) MiB, unpacking a
tarball of the tree, rm -rf of the tree, and mount + unmount (the median
of ten cycles per round: the directories made outside the time, the unmount
by umount2(2)). Then the
helpers' peak RSS after the stat walk. BENCH_FUSE_ROUNDS (3) rounds; the
median is shown. BENCH_FUSE_DIR (/var/tmp/urun-bench-fuse) holds the layers;
BENCH_FUSE_CASES (a regular expression) picks cases by name.

Wall time on a busy machine moves with the other work; CPU time moves less:
a second table shows the CPU seconds (user + system) of the FUSE program
(from /proc/PID/stat, all its threads) and of the command that did the work
(its rusage: the kernel overlay's work is all there), medians as well.
"""
import ctypes
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HELPER = os.path.realpath(sys.argv[1])
FO = shutil.which("fuse-overlayfs")
BASE = os.environ.get("BENCH_FUSE_DIR", "/var/tmp/urun-bench-fuse")
ROUNDS = int(os.environ.get("BENCH_FUSE_ROUNDS", "3"))
BIG_MB = int(os.environ.get("BENCH_FUSE_BIG_MB", "1024"))
LOWER, MNT = f"{BASE}/lower", f"{BASE}/mnt"


def sh(cmd, **kw):
    subprocess.run(cmd, shell=True, check=True, **kw)


def build_layers():
    # a tmpfs of its own: what is measured is the overlay, not a disk shared
    # with other work (BENCH_FUSE_DISK=1: the directory's own filesystem)
    os.makedirs(BASE, exist_ok=True)
    if os.environ.get("BENCH_FUSE_DISK") != "1":
        sh(f"mount -t tmpfs -o size={BIG_MB * 3 + 1024}m urun-bench-fuse {BASE}")
    os.makedirs(f"{LOWER}/tree")
    data = b"x" * 100
    for d in range(100):
        os.makedirs(f"{LOWER}/tree/d{d}")
        for f in range(200):
            with open(f"{LOWER}/tree/d{d}/f{f}", "wb") as fh:
                fh.write(data)
    os.makedirs(f"{LOWER}/small")
    block = b"s" * 4096
    for f in range(5000):
        with open(f"{LOWER}/small/f{f}", "wb") as fh:
            fh.write(block)
    chunk = os.urandom(1 << 20)
    with open(f"{LOWER}/big", "wb") as fh:
        for _ in range(BIG_MB):
            fh.write(chunk)
    sh(f"tar -C {LOWER} -cf {BASE}/tree.tar tree")


def cleanup():
    if os.environ.get("BENCH_FUSE_DISK") != "1":
        # the last helper may still be exiting, holding its layers
        for _ in range(50):
            if subprocess.run(["umount", BASE], stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.1)
    else:
        shutil.rmtree(BASE, ignore_errors=True)


def fresh_dirs():
    for d in ("upper", "work"):
        shutil.rmtree(f"{BASE}/{d}", ignore_errors=True)
        os.makedirs(f"{BASE}/{d}")
    os.makedirs(MNT, exist_ok=True)


def mount_argv(driver):
    opts = f"lowerdir={LOWER},upperdir={BASE}/upper,workdir={BASE}/work"
    if driver == "kernel":
        return ["mount", "-t", "overlay", "overlay", "-o", opts, MNT]
    return [HELPER if driver == "urun" else FO, "-o", opts, MNT]


def mount(driver):
    fresh_dirs()
    subprocess.run(mount_argv(driver), check=True, stderr=subprocess.DEVNULL)
    os.stat(f"{MNT}/tree")  # served


def umount():
    sh(f"umount {MNT}")


def helper_pid(driver):
    if driver == "kernel":
        return None
    name = "urun-fuse-overlay" if driver == "urun" else "fuse-overlayfs"
    out = subprocess.run(["pgrep", "-n", "-f", f"{name} .*{MNT}"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def cpu_seconds(pid):
    """user + system time of process PID and all its threads, dead or alive"""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


CASES = [
    ("stat walk, 20,000 files", f"find {MNT}/tree -printf '%s %m\\n' >/dev/null"),
    ("read 5,000 small files", f"cd {MNT}/small && cat * >/dev/null"),
    ("create 5,000 small files", f"mkdir {MNT}/new && cd {MNT}/new && for i in $(seq 5000); do echo x >f$i; done"),
    ("copy-up 1,000 files (chmod)", f"cd {MNT}/small && chmod 600 $(seq -f 'f%g' 0 999)"),
    (f"sequential read {BIG_MB} MiB", f"dd if={MNT}/big of=/dev/null bs=1M status=none"),
    (f"sequential write {BIG_MB} MiB", f"dd if=/dev/zero of={MNT}/out bs=1M count={BIG_MB} status=none"),
    ("unpack a tarball (20,000 files)", f"mkdir {MNT}/x && tar -C {MNT}/x -xf {BASE}/tree.tar"),
    ("rm -rf of the tree", f"rm -rf {MNT}/tree"),
]


def run_case(driver, cmd, rss, cpu):
    mount(driver)
    pid = helper_pid(driver)
    helper0, cmd0 = cpu_seconds(pid), children_cpu()
    t = time.perf_counter()
    sh(cmd)
    dt = time.perf_counter() - t
    cpu.append((cpu_seconds(pid) - helper0, children_cpu() - cmd0))
    if rss is not None and pid:
        rss.setdefault(driver, []).append(peak_rss_kib(pid))
    umount()
    return dt


LIBC = ctypes.CDLL(None, use_errno=True)


def mount_cycle(driver):
    """from starting the mount program (mount(8) for the kernel) until the
    mount serves, then the umount2 system call (not umount(8), whose own
    start-up, 2 ms here, would be most of the time); the directories are
    made beforehand"""
    fresh_dirs()
    argv = mount_argv(driver)
    t = time.perf_counter()
    subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)
    os.stat(f"{MNT}/tree")
    if LIBC.umount2(MNT.encode(), 0) != 0:
        raise OSError(ctypes.get_errno(), f"umount2 {MNT}")
    return time.perf_counter() - t


def main():
    if os.geteuid() != 0:
        sys.exit("bench/fuse.py: run as root (the kernel overlay is mounted beside the FUSE ones)")
    if not FO:
        sys.exit("bench/fuse.py: fuse-overlayfs is not installed")
    build_layers()
    try:
        run()
    finally:
        cleanup()


def run():
    drivers = ["kernel", "fuse-overlayfs", "urun"]
    pick = re.compile(os.environ.get("BENCH_FUSE_CASES", ""))
    times = {}
    cpus = {}
    rss = {}
    for r in range(ROUNDS):
        order = drivers[r % 3:] + drivers[: r % 3]
        for name, cmd in CASES:
            if not pick.search(name):
                continue
            for d in order:
                sh("sync")
                times.setdefault(name, {}).setdefault(d, []).append(
                    run_case(d, cmd, rss if name.startswith("stat") else None,
                             cpus.setdefault(name, {}).setdefault(d, [])))
        if pick.search("mount + unmount"):
            for d in order:
                # a few milliseconds each: the median of ten per round
                cycles = [mount_cycle(d) for _ in range(10)]
                times.setdefault("mount + unmount", {}).setdefault(d, []).append(statistics.median(cycles))
    print(f"urun-fuse-overlay ({HELPER}) vs fuse-overlayfs ({FO}) vs kernel overlayfs;"
          f" median of {ROUNDS} rounds, seconds")
    print(f"{'case':34} {'kernel':>9} {'fuse-ovl':>9} {'urun':>9} {'urun/fo':>8} {'urun/kern':>9}")
    result = {}
    for name, per in times.items():
        m = {d: statistics.median(v) for d, v in per.items()}
        result[name] = m
        p = 4 if m["kernel"] < 0.1 else 3  # short cases (copy-up, mount): one more digit
        print(f"{name:34} {m['kernel']:9.{p}f} {m['fuse-overlayfs']:9.{p}f} {m['urun']:9.{p}f}"
              f" {m['urun'] / m['fuse-overlayfs']:7.2f}x {m['urun'] / m['kernel']:8.2f}x")
    print("CPU seconds, median: FUSE program + command (kernel: the command alone)")
    print(f"{'case':34} {'kernel':>13} {'fuse-ovl':>13} {'urun':>13} {'urun/fo':>8} {'urun/kern':>9}")
    for name, per in cpus.items():
        m = {d: (statistics.median(h for h, _ in v), statistics.median(c for _, c in v)) for d, v in per.items()}
        tot = {d: statistics.median(h + c for h, c in v) for d, v in per.items()}
        result[name + " (cpu)"] = {d: {"helper": h, "command": c} for d, (h, c) in m.items()}
        cols = " ".join(f"{m[d][0]:6.3f}+{m[d][1]:6.3f}" for d in drivers)
        print(f"{name:34} {cols} {tot['urun'] / max(tot['fuse-overlayfs'], 1e-9):7.2f}x"
              f" {tot['urun'] / max(tot['kernel'], 1e-9):8.2f}x")
    for d in ("fuse-overlayfs", "urun"):
        if d in rss:
            print(f"peak RSS after the stat walk, {d}: {max(rss[d]) / 1024:.1f} MiB")
    result["peak_rss_kib"] = {d: max(v) for d, v in rss.items()}
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    out = os.path.join(os.path.dirname(__file__), "results", "fuse-%s.json" % time.strftime("%Y%m%d-%H%M%S"))
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
