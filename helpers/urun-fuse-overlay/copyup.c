/* copyup.c: copy-up as the kernel overlay does it: the copy is built in
 * the work directory with everything but its name, then renamed into the
 * upper layer in one step, so a crash never leaves a half copy in view. */
#define _GNU_SOURCE
#include "copyup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "lookup.h"
#include "ovl.h"
#include "whiteout.h"

void work_name(char *buf, size_t size) {
  static unsigned long counter;
  static int pid;
  if (!pid) pid = (int)getpid();
  snprintf(buf, size, "#urun%lx.%d", ++counter, pid);
}

void copy_xattrs(int sdir, const char *sname, int ddir, const char *dname) {
  char list[16384];
  ssize_t len = at_listxattr(sdir, sname, list, sizeof(list));
  for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(list + off) + 1) {
    const char *key = list + off;
    if ((is_private_xattr(key) && !is_escaped_xattr(key)) || is_foreign_marker(key)) continue;
    char value[65536];
    ssize_t n = at_getxattr(sdir, sname, key, value, sizeof(value));
    /* best effort, as the upper filesystem allows (security.* of another LSM, trusted.* as a user) */
    if (n >= 0) (void)at_setxattr(ddir, dname, key, value, (size_t)n, 0);
  }
}

/* Data with its holes: reflink where the filesystem can, else
 * copy_file_range of each data extent, else read/write. */
static int copy_data(int src, int dst, const struct stat *st) {
  /* reflink, until the filesystem has said it cannot */
  static bool no_reflink;
  if (!no_reflink) {
    if (ioctl(dst, FICLONE, src) == 0) return 0;
    if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL || errno == EXDEV) no_reflink = true;
  }
  off_t size = st->st_size, off = 0, last = 0;
  bool sparse = (off_t)st->st_blocks * 512 < size;
  while (off < size) {
    /* holes stay holes; a file with all its blocks has none to look for */
    off_t data = sparse ? lseek(src, off, SEEK_DATA) : off;
    if (data < 0) {
      if (errno == ENXIO) break; /* only a hole is left */
      data = off;                /* no SEEK_DATA: copy it all */
    }
    off_t end = sparse ? lseek(src, data, SEEK_HOLE) : size;
    if (end < 0) end = size;
    off_t in = data, out = data;
    while (in < end) {
      ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)(end - in), 0);
      if (n == 0) break;
      if (n < 0) {
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return -errno;
        char buf[65536];
        ssize_t r = pread(src, buf, sizeof(buf) < (size_t)(end - in) ? sizeof(buf) : (size_t)(end - in), in);
        if (r <= 0) return r < 0 ? -errno : 0;
        for (ssize_t w = 0; w < r;) {
          ssize_t k = pwrite(dst, buf + w, (size_t)(r - w), out + w);
          if (k < 0) return -errno;
          w += k;
        }
        in += r;
        out += r;
      }
    }
    off = end;
    last = out;
  }
  /* a trailing hole (or a short copy) keeps the size */
  return last != size && ftruncate(dst, size) < 0 ? -errno : 0;
}

/* A regular file's copy, attributes by its fds (no path walked again);
 * SRC -1: no data to copy, and xattrs from (SDIR, NAME). ST's mode is the
 * one the copy gets (the caller's new mode already, for a chmod). */
static int copy_file(int src, int dst, const struct stat *st, bool data, int sdir, const char *name) {
  if (data && st->st_size > 0) {
    int rc = copy_data(src, dst, st);
    if (rc < 0) return rc;
  }
  /* the new file is the helper's already */
  bool own = st->st_uid == ovl.euid && st->st_gid == ovl.egid;
  if (!own && fchown(dst, st->st_uid, st->st_gid) < 0 && ovl.euid == 0 && errno != EINVAL) return -errno;
  if (src >= 0) copy_xattrs(src, NULL, dst, NULL);
  else copy_xattrs(sdir, name, dst, NULL);
  if (fchmod(dst, st->st_mode & 07777) < 0) return -errno;
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  return futimens(dst, ts) < 0 ? -errno : 0;
}

/* Owner, xattrs, mode, then times: chown clears set-id bits and file
 * capabilities, so mode and xattrs come after it. */
static int copy_attrs(int wdir, const char *tmp, const struct stat *st, int sdir, const char *sname) {
  if (fchownat(wdir, tmp, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && ovl.euid == 0 && errno != EINVAL)
    return -errno;
  copy_xattrs(sdir, sname, wdir, tmp);
  if (!S_ISLNK(st->st_mode) && fchmodat(wdir, tmp, st->st_mode & 07777, 0) < 0) return -errno;
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (utimensat(wdir, tmp, ts, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  return 0;
}

static int build_copy(int sdir, const char *name, const struct stat *st, const char *tmp, bool data) {
  int w = ovl.workfd;
  switch (st->st_mode & S_IFMT) {
  case S_IFDIR:
    if (mkdirat(w, tmp, 0700) < 0) return -errno;
    break;
  case S_IFLNK: {
    char target[PATH_MAX + 1];
    ssize_t n = readlinkat(sdir, name, target, PATH_MAX);
    if (n < 0) return -errno;
    target[n] = '\0';
    if (symlinkat(target, w, tmp) < 0) return -errno;
    break;
  }
  case S_IFREG: {
    _cleanup_close_ int src = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    /* a truncate to 0 copies no data: an unreadable file may still be copied */
    if (src < 0 && (data || errno != EACCES)) return -errno;
    _cleanup_close_ int dst = openat(w, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (dst < 0) return -errno;
    return copy_file(src, dst, st, data, sdir, name);
  }
  default:
    if (mknodat(w, tmp, st->st_mode & (S_IFMT | 0600), st->st_rdev) < 0) return -errno;
  }
  return copy_attrs(w, tmp, st, sdir, name);
}

static void remove_tmp(const char *tmp, bool dir) { (void)unlinkat(ovl.workfd, tmp, dir ? AT_REMOVEDIR : 0); }

int copyup_mode(struct node *n, bool data, mode_t mode) {
  if (!ovl.has_upper) return -EROFS;
  if (n->layer == UPPER) return 0;
  if (!n->parent) return -EIO; /* the root always has its upper directory */
  int rc = copyup(n->parent, true);
  if (rc < 0) return rc;
  int sdir = node_parentfd(n, n->layer);
  int udir = node_dirfd(n->parent, UPPER);
  struct stat st;
  if (fstatat(sdir, n->name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (mode != (mode_t)-1) st.st_mode = (st.st_mode & S_IFMT) | (mode & 07777);
  char tmp[64];
  work_name(tmp, sizeof(tmp));
  rc = build_copy(sdir, n->name, &st, tmp, data);
  bool dir = S_ISDIR(st.st_mode);
  struct stat parent;
  if (rc == 0 && fstat(udir, &parent) < 0) rc = -errno;
  if (rc == 0 && renameat(ovl.workfd, tmp, udir, n->name) < 0) rc = -errno;
  if (rc < 0) {
    remove_tmp(tmp, dir);
    return rc;
  }
  /* a copy-up is no change of the directory: its times stay (best effort) */
  struct timespec times[2] = {parent.st_atim, parent.st_mtim};
  (void)futimens(udir, times);
  if (dir) {
    int fd = open_layer_dir(udir, n->name);
    if (fd < 0) return -errno;
    n->fds[UPPER] = fd;
    /* empty but for what comes through us: lookups need not look for ".wh." files there */
    n->wh_known |= 1ULL << UPPER;
  }
  struct stat up;
  if (fstatat(udir, n->name, &up, AT_SYMLINK_NOFOLLOW) == 0) ino_remember(up.st_dev, up.st_ino, n->ino);
  n->layer = UPPER;
  return 0;
}

int copyup(struct node *n, bool data) { return copyup_mode(n, data, (mode_t)-1); }
