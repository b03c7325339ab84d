#!/usr/bin/env python3
"""fuse_overlay_tool.py: the layers, operations and views that
fuse_overlay.sh compares between the kernel's overlayfs and urun-fuse-overlay.

  layers DIR XATTR_PREFIX   build lower layers DIR/l1 (top) and DIR/l2
  ops ROOT SCENARIO         run a scenario's operations in a mounted overlay,
                            one line per operation: "name: OK" or the errno
  view ROOT                 every entry of the tree: type, mode, owner, size,
                            links, content digest, link target, xattrs
"""
import errno
import fcntl
import hashlib
import mmap
import os
import socket
import stat
import sys

OLD = 1577836800  # 2020-01-01: every layer file's times, "old" in the view


def write(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def layers(base, prefix):
    l1, l2 = os.path.join(base, "l1"), os.path.join(base, "l2")
    for d in (l1, l2):
        os.makedirs(d)
    # l2: the bottom layer
    write(f"{l2}/a", b"lower a\n")
    write(f"{l2}/exec", b"#!/bin/sh\n", 0o755)
    write(f"{l2}/gone", b"whited out by l1\n")
    os.makedirs(f"{l2}/dir/sub")
    write(f"{l2}/dir/x", b"x in l2\n")
    write(f"{l2}/dir/sub/y", b"y\n")
    os.makedirs(f"{l2}/opq")
    write(f"{l2}/opq/hidden", b"hidden by the opaque l1/opq\n")
    os.makedirs(f"{l2}/empty")
    os.makedirs(f"{l2}/full")
    write(f"{l2}/full/f", b"f\n")
    with open(f"{l2}/sparse", "wb") as f:
        f.truncate(8 << 20)
        f.seek(4 << 20)
        f.write(b"data in the middle")
    write(f"{l2}/xattr", b"with xattr\n")
    os.setxattr(f"{l2}/xattr", "user.k", b"v")
    write(f"{l2}/hl1", b"hard linked\n")
    os.link(f"{l2}/hl1", f"{l2}/hl2")
    os.symlink("a", f"{l2}/link")
    os.mkfifo(f"{l2}/fifo")
    write(f"{l2}/setuid", b"suid\n", 0o4755)
    # l1: over it
    os.makedirs(f"{l1}/dir")
    write(f"{l1}/dir/x", b"x in l1\n")
    write(f"{l1}/b", b"upper-lower b\n")
    os.mknod(f"{l1}/gone", stat.S_IFCHR | 0, os.makedev(0, 0))  # no privilege needed for 0/0
    os.makedirs(f"{l1}/opq")
    os.setxattr(f"{l1}/opq", prefix + ".opaque", b"y")
    write(f"{l1}/opq/shown", b"shown\n")
    for root, dirs, files in os.walk(base):
        for n in dirs + files:
            os.utime(os.path.join(root, n), (OLD, OLD), follow_symlinks=False)


def fo_layers(base):
    """Layers in the forms fuse-overlayfs writes where it cannot make a
    device or set trusted.* xattrs: .wh.NAME files, user.fuseoverlayfs.opaque,
    .wh..wh..opq."""
    l1, l2 = os.path.join(base, "l1"), os.path.join(base, "l2")
    for d in (f"{l2}/d2", f"{l2}/o", f"{l1}/d2", f"{l1}/o"):
        os.makedirs(d)
    for f in ("a", "b", "d2/z", "o/y"):
        write(f"{l2}/{f}", f.encode() + b"\n")
    write(f"{l1}/.wh.a", b"")
    os.setxattr(f"{l1}/d2", "user.fuseoverlayfs.opaque", b"y")
    write(f"{l1}/d2/shown", b"shown\n")
    write(f"{l1}/o/.wh..wh..opq", b"")
    write(f"{l1}/o/kept", b"kept\n")
    for root, dirs, files in os.walk(base):
        for n in dirs + files:
            os.utime(os.path.join(root, n), (OLD, OLD), follow_symlinks=False)


def op(name, fn, *args):
    try:
        r = fn(*args)
        print(f"{name}: OK" + (f" {r}" if r is not None else ""))
    except OSError as e:
        print(f"{name}: {errno.errorcode.get(e.errno, e.errno)}")


def append(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, b"+")  # O_APPEND: still at the end
    finally:
        os.close(fd)


def mmap_write(path):
    fd = os.open(path, os.O_RDWR)
    try:
        m = mmap.mmap(fd, 0)
        m[0:5] = b"MMAP!"
        m.flush()
        m.close()
    finally:
        os.close(fd)


def mmap_read(path):
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        data = m[:7]
        m.close()
    return data.decode()


def locks(path):
    with open(path, "r+b") as f, open(path, "r+b") as g:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            fcntl.flock(g, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return "second flock granted"
        except OSError as e:
            r = "second flock " + errno.errorcode[e.errno]
        fcntl.lockf(f, fcntl.LOCK_EX)
        return r


def fallocate(path):
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, 1 << 20)
    finally:
        os.close(fd)


def copy_range(src, dst):
    with open(src, "rb") as s, open(dst, "wb") as d:
        return os.copy_file_range(s.fileno(), d.fileno(), 1 << 20)


def bind_socket(path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()


def seek_listing(path):
    # offsets stay valid while the directory changes: list, note an
    # offset, create and delete entries, seek back, list the rest
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.opendir.restype = ctypes.c_void_p
    libc.readdir.restype = ctypes.c_void_p
    libc.readdir.argtypes = [ctypes.c_void_p]
    libc.telldir.restype = ctypes.c_long
    libc.telldir.argtypes = [ctypes.c_void_p]
    libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
    libc.closedir.argtypes = [ctypes.c_void_p]
    d = libc.opendir(path.encode())
    if not d:
        raise OSError(ctypes.get_errno(), "opendir")
    name_off = 19  # struct dirent64: ino(8) off(8) reclen(2) type(1) name
    def names():
        out = []
        while True:
            e = libc.readdir(d)
            if not e:
                return out
            out.append(ctypes.string_at(e + name_off).decode())
    first = []
    for _ in range(3):
        e = libc.readdir(d)
        first.append(ctypes.string_at(e + name_off).decode())
    pos = libc.telldir(d)
    rest1 = names()
    write(os.path.join(path, "added-while-listing"), b"")
    libc.seekdir(d, pos)
    rest2 = names()
    libc.closedir(d)
    os.unlink(os.path.join(path, "added-while-listing"))
    return "same" if rest1 == rest2 and len(first + rest1) == len(set(first + rest1)) else f"{rest1} != {rest2}"


def scenario(root, name):
    p = lambda *a: os.path.join(root, *a)
    root_user = os.geteuid() == 0
    if name == "copyup":
        op("chmod", os.chmod, p("a"), 0o600)
        op("chown", os.chown, p("exec"), 0, 0)
        op("chown-setuid", os.chown, p("setuid"), 0, 0)
        op("utime", os.utime, p("dir/x"), (OLD + 7, OLD + 7))
        op("setxattr", os.setxattr, p("xattr"), "user.k2", b"v2")
        op("removexattr", os.removexattr, p("xattr"), "user.k")
        op("truncate", os.truncate, p("b"), 3)
        op("append", append, p("dir/sub/y"), b"more\n")
        op("sparse-chmod", os.chmod, p("sparse"), 0o640)
        op("dir-chmod", os.chmod, p("dir"), 0o700)
        op("private-xattr", os.setxattr, p("a"), "user.overlay.opaque", b"y")
    elif name == "rename":
        op("file", os.rename, p("a"), p("a2"))
        op("file-into-dir", os.rename, p("b"), p("dir/b"))
        op("file-over-lower", os.rename, p("exec"), p("xattr"))
        op("lower-dir", os.rename, p("dir"), p("dir2"))
        op("mkdir-new", os.mkdir, p("new"))
        op("write-new", write, p("new/f"), b"new\n")
        op("new-dir", os.rename, p("new"), p("new2"))
        op("new-dir-over-lower-empty", os.rename, p("new2"), p("empty"))
        op("dir-over-nonempty", os.rename, p("opq"), p("full"))
        op("file-over-dir", os.rename, p("link"), p("full"))
        op("noent", os.rename, p("nothing"), p("x"))
    elif name == "links":
        op("link-lower", os.link, p("a"), p("a-link"))
        op("nlink", lambda: os.stat(p("a")).st_nlink)
        op("write-new", write, p("n1"), b"n\n")
        op("link-new", os.link, p("n1"), p("n2"))
        op("nlink-new", lambda: os.stat(p("n2")).st_nlink)
        op("hl-write", append, p("hl1"), b"changed\n")
        op("link-exists", os.link, p("b"), p("a"))
    elif name == "delete":
        op("unlink-lower", os.unlink, p("a"))
        op("unlink-upper-lower", os.unlink, p("b"))
        op("unlink-again", os.unlink, p("a"))
        op("rmdir-nonempty", os.rmdir, p("full"))
        op("unlink-f", os.unlink, p("full/f"))
        op("rmdir-emptied", os.rmdir, p("full"))
        op("rmdir-dir-files", lambda: [os.unlink(p("dir", f)) for f in ("x",)] and None)
        op("rmdir-merged", os.rmdir, p("dir"))
        op("rm-sub-y", os.unlink, p("dir/sub/y"))
        op("rmdir-sub", os.rmdir, p("dir/sub"))
        op("rmdir-dir", os.rmdir, p("dir"))
        op("mkdir-again", os.mkdir, p("dir"))
        op("listing-new-dir", lambda: sorted(os.listdir(p("dir"))))
        op("recreate-file", write, p("a"), b"new a\n")
        op("unlink-dir", os.unlink, p("empty"))
        op("rmdir-file", os.rmdir, p("link"))
        op("mkdir-over-whiteout", os.mkdir, p("gone"))
        op("listing", lambda: sorted(os.listdir(root)))
    elif name == "special":
        op("mkfifo", os.mkfifo, p("f2"))
        if root_user:
            op("mknod-null", os.mknod, p("null"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
        op("symlink", os.symlink, "dir/x", p("s"))
        op("readlink", os.readlink, p("s"))
        op("read-through-symlink", lambda: open(p("s")).read().strip())
        op("socket", bind_socket, p("sock"))
        op("statfs", lambda: os.statvfs(root).f_namemax)
        op("exists", os.mkdir, p("dir"))
        op("whiteout-name", lambda: os.path.exists(p("gone")))
        op("opaque-hides", lambda: sorted(os.listdir(p("opq"))))
    elif name == "io":
        op("mmap-read", mmap_read, p("a"))
        op("mmap-write", mmap_write, p("b"))
        op("o-append", append, p("a"), b"appended\n")
        op("fallocate", fallocate, p("exec"))
        op("locks", locks, p("dir/x"))
        op("copy-range", copy_range, p("sparse"), p("copy"))
        op("seekdir", seek_listing, p("dir"))
        op("read-sparse", lambda: open(p("sparse"), "rb").read()[4 << 20:(4 << 20) + 18].decode())
    else:
        sys.exit(f"unknown scenario {name}")


def digest(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def view(root):
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + files):
            path = os.path.join(dirpath, n)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            line = [rel, oct(st.st_mode), f"{st.st_uid}:{st.st_gid}", "old" if st.st_mtime < OLD + 86400 else "new"]
            if not stat.S_ISDIR(st.st_mode):
                line += [f"links={st.st_nlink}"]
            if stat.S_ISREG(kind):
                line += [f"size={st.st_size}", digest(path), "sparse" if st.st_blocks * 512 < st.st_size // 2 else "dense"]
            elif stat.S_ISLNK(kind):
                line += ["->" + os.readlink(path)]
            elif stat.S_ISCHR(kind) or stat.S_ISBLK(kind):
                line += [f"dev={os.major(st.st_rdev)},{os.minor(st.st_rdev)}"]
            try:
                names = sorted(x for x in os.listxattr(path, follow_symlinks=False) if x.startswith("user."))
                line += [f"{x}={os.getxattr(path, x, follow_symlinks=False).decode()}" for x in names]
            except OSError as e:
                line += ["xattr:" + errno.errorcode.get(e.errno, str(e.errno))]
            out.append(" ".join(line))
    print("\n".join(out))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "layers":
        layers(sys.argv[2], sys.argv[3])
    elif cmd == "fo-layers":
        fo_layers(sys.argv[2])
    elif cmd == "ops":
        scenario(sys.argv[2], sys.argv[3])
    elif cmd == "view":
        view(sys.argv[2])
    else:
        sys.exit(f"unknown command {cmd}")
