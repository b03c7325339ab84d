/* ops_file.c: open files: open (copy-up for writing), create, data. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "copyup.h"
#include "lookup.h"
#include "ops.h"
#include "ovl.h"

static bool opens_for_write(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

static int open_flags(int flags) {
  return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC | O_NOFOLLOW;
}

/* Files up to this size have their data given with the first open. */
#define GIVE_MAX (32 * 1024)

/* Put the whole of a small lower file (open on FD) into the kernel's cache
 * for N, so that reading it takes no READ request: one round trip per file
 * read instead of two. The data of a lower file never changes, and the
 * kernel keeps the pages across opens (keep_cache); a file bigger than
 * GIVE_MAX is read as usual. */
static void give_data(struct node *n, fuse_ino_t ino, int fd) {
  char buf[GIVE_MAX];
  ssize_t len = pread(fd, buf, sizeof(buf), 0);
  n->data_given = true; /* tried once: pages the kernel drops are read as usual */
  if (len <= 0 || len == GIVE_MAX) return;
  struct fuse_bufvec bv = FUSE_BUFVEC_INIT((size_t)len);
  bv.buf[0].mem = buf;
  fuse_lowlevel_notify_store(ovl.se, ino, 0, &bv, 0);
}

/* Open N's file in its layer. A lower file is read without touching its
 * atime where the helper may ask that, as the kernel overlay reads it. */
static int open_in_layer(const struct node *n, int flags) {
  int dfd;
  const char *name;
  node_at(n, n->layer, &dfd, &name);
  if (!layer_is_upper(n->layer)) {
    int fd = openat(dfd, name, open_flags(flags) | O_NOATIME);
    if (fd >= 0 || errno != EPERM) return fd;
  }
  return openat(dfd, name, open_flags(flags));
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  struct node *n = node_get(ino);
  int rc = 0, fd = -1;
  ovl_lock();
  if (opens_for_write(fi->flags)) rc = copyup(n, !(fi->flags & O_TRUNC));
  if (rc == 0 && (fd = open_in_layer(n, fi->flags)) < 0) rc = -errno;
  bool lower = !layer_is_upper(n->layer);
  ovl_unlock();
  if (rc < 0) {
    fuse_reply_err(req, -rc);
    return;
  }
  fi->fh = (uint64_t)fd;
  /* a lower file never changes: its cached pages stay good across opens */
  fi->keep_cache = lower;
  /* before the reply: once the file is open, a read may hold the page
   * locked while it waits for this helper, and the store would wait on it */
  if (lower && n->type == S_IFREG && !n->data_given) give_data(n, ino, fd);
  fi->noflush = 1;
  if (fuse_reply_open(req, fi) == -ENOENT) close(fd); /* the caller was interrupted */
}

struct create_arg {
  mode_t mode;
  int flags;
  int fd;
};

static int build_file(int wdir, const char *tmp, void *arg) {
  struct create_arg *c = arg;
  c->fd = openat(wdir, tmp, open_flags(c->flags) | O_CREAT | O_EXCL, c->mode & 07777);
  return c->fd < 0 ? -errno : 0;
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi) {
  struct create_arg c = {.mode = mode, .flags = fi->flags & ~O_TRUNC, .fd = -1};
  struct node *n = NULL;
  struct stat st;
  ovl_lock();
  int rc = create_entry(req, node_get(parent), name, S_IFREG, build_file, &c, &n, &st);
  if (rc == 0) n->nocaps_gen = ovl.caps_gen; /* a new file has no capabilities */
  ovl_unlock();
  if (rc < 0) {
    if (c.fd >= 0) close(c.fd);
    fuse_reply_err(req, -rc);
    return;
  }
  struct fuse_entry_param e = {.ino = node_id(n), .attr = st};
  e.attr_timeout = e.entry_timeout = node_timeout(n);
  fi->fh = (uint64_t)c.fd;
  fi->noflush = 1;
  if (fuse_reply_create(req, &e, fi) == -ENOENT) close(c.fd);
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  if (size <= 32768) {
    /* small: one pread and one write beat setting up a splice */
    char buf[32768];
    ssize_t n = pread((int)fi->fh, buf, size, off);
    if (n < 0) fuse_reply_err(req, errno);
    else fuse_reply_buf(req, buf, (size_t)n);
    return;
  }
  struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
  buf.buf[0].fd = (int)fi->fh;
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off, struct fuse_file_info *fi) {
  struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
  out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
  out.buf[0].fd = (int)fi->fh;
  out.buf[0].pos = off;
  ssize_t n = fuse_buf_copy(&out, in, 0);
  if (n < 0) fuse_reply_err(req, (int)-n);
  else fuse_reply_write(req, (size_t)n);
}

void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) { fuse_reply_err(req, 0); }

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  close((int)fi->fh);
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
  int rc = 0;
  if (!ovl.opt->no_fsync && (datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh)) < 0) rc = errno;
  fuse_reply_err(req, rc);
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
  fuse_reply_err(req, fallocate((int)fi->fh, mode, off, len) < 0 ? errno : 0);
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, struct fuse_file_info *fi_in,
                        fuse_ino_t ino_out, off_t off_out, struct fuse_file_info *fi_out, size_t len, int flags) {
  ssize_t n = copy_file_range((int)fi_in->fh, &off_in, (int)fi_out->fh, &off_out, len, (unsigned)flags);
  if (n < 0) fuse_reply_err(req, errno);
  else fuse_reply_write(req, (size_t)n);
}

void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi) {
  off_t r = lseek((int)fi->fh, off, whence);
  if (r < 0) fuse_reply_err(req, errno);
  else fuse_reply_lseek(req, r);
}
