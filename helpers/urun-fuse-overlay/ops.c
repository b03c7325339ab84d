/* ops.c: the operations table, and lookup, forget, attributes, statfs. */
#define _GNU_SOURCE
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "copyup.h"
#include "idmap.h"
#include "lookup.h"
#include "ovl.h"
#include "readahead.h"

void ovl_lock(void) { pthread_mutex_lock(&ovl.lock); }
void ovl_unlock(void) { pthread_mutex_unlock(&ovl.lock); }

void node_at(const struct node *n, int layer, int *dirfd, const char **name) {
  if (n->parent) {
    *dirfd = node_parentfd(n, layer);
    *name = n->name;
  } else {
    *dirfd = node_dirfd(n, layer);
    *name = ".";
  }
}

double node_timeout(const struct node *n) {
  /* lower layers do not change under a mount: the kernel may keep them */
  return n->layer == UPPER && ovl.has_upper ? ovl.opt->timeout : ovl.lower_timeout;
}

void reply_entry(fuse_req_t req, const struct node *n, const struct stat *st) {
  struct fuse_entry_param e = {.ino = node_id(n), .attr = *st};
  e.attr_timeout = e.entry_timeout = node_timeout(n);
  fuse_reply_entry(req, &e);
}

int new_owner(fuse_req_t req, int udir, uid_t *uid, gid_t *gid) {
  const struct fuse_ctx *c = fuse_req_ctx(req);
  uint32_t u, g;
  /* a creator the map leaves out gets the overflow id, as in fuse-overlayfs:
   * podman, root of its namespace, makes /etc/mtab in the mount, then chowns it */
  if (!idmap_store(&ovl.opt->uidmap, c->uid, &u)) u = OVERFLOW_ID;
  if (!idmap_store(&ovl.opt->gidmap, c->gid, &g)) g = OVERFLOW_ID;
  struct stat st;
  /* a set-group-id directory gives its group, as the upper filesystem would */
  if (fstat(udir, &st) == 0 && (st.st_mode & S_ISGID)) g = st.st_gid;
  *uid = u;
  *gid = g;
  return 0;
}

int set_new_owner(int wdir, const char *name, uid_t uid, gid_t gid) {
  if (uid == ovl.euid && gid == ovl.egid) return 0;
  if (fchownat(wdir, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0) return 0;
  /* a user without other ids keeps the entry as its own, as a plain directory would */
  if ((errno == EPERM || errno == EINVAL) && ovl.euid != 0) return 0;
  return -errno;
}

static void op_init(void *userdata, struct fuse_conn_info *conn) {
  unsigned want = FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_PARALLEL_DIROPS |
                  FUSE_CAP_READDIRPLUS | FUSE_CAP_ASYNC_READ;
  conn->want |= conn->capable & want;
  /* requests are small: one read(2) each, not a splice through a pipe */
  conn->want &= ~FUSE_CAP_SPLICE_READ;
  /* every listing with the entries' attributes: `cat *`, `ls -l`, find and
   * tar then look nothing up one by one */
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  /* the kernel clears set-id bits on write, truncate and chown: the helper
   * writes with CAP_FSETID, the layer's filesystem would keep them */
  conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
  /* writes go through to the layer at once: O_APPEND and sizes stay exact */
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  /* the kernel takes the smaller of this and the mount's window, which
   * root widened before this request (readahead.c) */
  conn->max_readahead = READAHEAD_KIB * 1024;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  struct node *n = NULL;
  struct stat st;
  ovl_lock();
  int rc = lookup_child(node_get(parent), name, true, &n, &st);
  ovl_unlock();
  if (rc == -ENOENT) {
    /* remember the absence too: every change comes through this mount */
    struct fuse_entry_param e = {.ino = 0, .entry_timeout = ovl.opt->timeout};
    fuse_reply_entry(req, &e);
  } else if (rc < 0) {
    fuse_reply_err(req, -rc);
  } else {
    reply_entry(req, n, &st);
  }
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  ovl_lock();
  node_forget(node_get(ino), nlookup);
  ovl_unlock();
  fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
  ovl_lock();
  for (size_t i = 0; i < count; i++) node_forget(node_get(forgets[i].ino), forgets[i].nlookup);
  ovl_unlock();
  fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  struct node *n = node_get(ino);
  struct stat st;
  ovl_lock();
  int rc = node_stat(n, &st);
  double timeout = node_timeout(n);
  ovl_unlock();
  if (rc < 0 && fi && fstat((int)fi->fh, &st) == 0) {
    /* unlinked but still open */
    st.st_ino = n->ino;
    idmap_present(&st);
    rc = 0;
  }
  if (rc < 0) fuse_reply_err(req, -rc);
  else fuse_reply_attr(req, &st, timeout);
}

static int set_ids(struct node *n, const struct stat *attr, int to_set) {
  uint32_t uid = (uint32_t)-1, gid = (uint32_t)-1;
  if ((to_set & FUSE_SET_ATTR_UID) && !idmap_store(&ovl.opt->uidmap, attr->st_uid, &uid)) return -EINVAL;
  if ((to_set & FUSE_SET_ATTR_GID) && !idmap_store(&ovl.opt->gidmap, attr->st_gid, &gid)) return -EINVAL;
  int dfd;
  const char *name;
  node_at(n, UPPER, &dfd, &name);
  return fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int set_size(struct node *n, off_t size, struct fuse_file_info *fi) {
  if (fi && (fi->flags & O_ACCMODE) != O_RDONLY) return ftruncate((int)fi->fh, size) < 0 ? -errno : 0;
  int dfd;
  const char *name;
  node_at(n, UPPER, &dfd, &name);
  _cleanup_close_ int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  return ftruncate(fd, size) < 0 ? -errno : 0;
}

static int set_times(struct node *n, const struct stat *attr, int to_set) {
  struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) ts[0].tv_nsec = UTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_ATIME) ts[0] = attr->st_atim;
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) ts[1].tv_nsec = UTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_MTIME) ts[1] = attr->st_mtim;
  int dfd;
  const char *name;
  node_at(n, UPPER, &dfd, &name);
  return utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int do_setattr(struct node *n, const struct stat *attr, int to_set, struct fuse_file_info *fi) {
  /* a truncate to 0 needs no data copied up */
  bool data = !((to_set & FUSE_SET_ATTR_SIZE) && attr->st_size == 0);
  /* a chmod without a chown (which would clear set-id bits after it) is
   * the copy's own mode: one step less for each file copied up */
  bool mode_in_copy = (to_set & FUSE_SET_ATTR_MODE) && !(to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
                      n->layer != UPPER && n->type == S_IFREG;
  int rc = copyup_mode(n, data, mode_in_copy ? attr->st_mode : (mode_t)-1);
  if (rc < 0) return rc;
  /* owner first: chown clears the set-id bits a chmod of the same call sets */
  if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID) && (rc = set_ids(n, attr, to_set)) < 0) return rc;
  if ((to_set & FUSE_SET_ATTR_MODE) && !mode_in_copy) {
    int dfd;
    const char *name;
    node_at(n, UPPER, &dfd, &name);
    if (fchmodat(dfd, name, attr->st_mode & 07777, 0) < 0) return -errno;
  }
  if ((to_set & FUSE_SET_ATTR_SIZE) && (rc = set_size(n, attr->st_size, fi)) < 0) return rc;
  if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))
    return set_times(n, attr, to_set);
  return 0;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi) {
  struct node *n = node_get(ino);
  struct stat st;
  ovl_lock();
  int rc = do_setattr(n, attr, to_set, fi);
  if (rc == 0) rc = node_stat(n, &st);
  double timeout = node_timeout(n);
  ovl_unlock();
  if (rc < 0) fuse_reply_err(req, -rc);
  else fuse_reply_attr(req, &st, timeout);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  struct node *n = node_get(ino);
  char buf[PATH_MAX + 1];
  ovl_lock();
  ssize_t len = readlinkat(node_parentfd(n, n->layer), n->name, buf, PATH_MAX);
  int e = errno;
  ovl_unlock();
  if (len < 0) {
    fuse_reply_err(req, e);
    return;
  }
  buf[len] = '\0';
  fuse_reply_readlink(req, buf);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  struct statvfs sv;
  if (fstatvfs(ovl.layers[0].fd, &sv) < 0) fuse_reply_err(req, errno);
  else fuse_reply_statfs(req, &sv);
}

const struct fuse_lowlevel_ops ovl_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write_buf = op_write_buf,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_releasedir,
    .fsyncdir = op_fsyncdir,
    .statfs = op_statfs,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .removexattr = op_removexattr,
    .create = op_create,
    .fallocate = op_fallocate,
    .copy_file_range = op_copy_file_range,
    .lseek = op_lseek,
};
