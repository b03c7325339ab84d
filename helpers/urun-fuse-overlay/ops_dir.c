/* ops_dir.c: operations that change a directory's names (create, link,
 * unlink, rename) and the merged listing. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copyup.h"
#include "lookup.h"
#include "ops.h"
#include "ovl.h"
#include "readdir.h"
#include "whiteout.h"

static int must_be_absent(struct node *parent, const char *name) {
  if (is_marker_name(name)) return -EINVAL; /* the layers' own markers */
  bool upper_whiteout;
  return lookup_absent(parent, name, &upper_whiteout);
}

int create_entry(fuse_req_t req, struct node *parent, const char *name, mode_t type,
                 int (*build)(int dirfd, const char *name, void *arg), void *arg, struct node **ret, struct stat *st) {
  if (is_marker_name(name)) return -EINVAL; /* the layers' own markers */
  bool over_whiteout = false, dir = type == S_IFDIR;
  int rc = lookup_absent(parent, name, &over_whiteout);
  if (rc == 0) rc = copyup(parent, true);
  if (rc < 0) return rc;
  int udir = node_dirfd(parent, UPPER);
  uid_t uid;
  gid_t gid;
  if ((rc = new_owner(req, udir, &uid, &gid)) < 0) return rc;
  /* as the kernel overlay: made in place, unless a whiteout is there; then
   * built in the work directory (a directory made opaque) and renamed over it */
  char tmp[64];
  int bdir = udir;
  const char *bname = name;
  if (over_whiteout) {
    work_name(tmp, sizeof(tmp));
    bdir = ovl.workfd;
    bname = tmp;
  }
  if ((rc = build(bdir, bname, arg)) < 0) return rc;
  int *fds = NULL;
  struct node *n = NULL;
  rc = set_new_owner(bdir, bname, uid, gid);
  if (rc == 0 && dir) {
    fds = malloc(ovl.nlayers * sizeof(*fds));
    if (!fds) rc = -ENOMEM;
    for (int i = 0; fds && i < ovl.nlayers; i++) fds[i] = -1;
    if (fds && (fds[UPPER] = open_layer_dir(bdir, bname)) < 0) rc = -errno;
    /* what was below the whiteout stays hidden */
    if (rc == 0 && over_whiteout && set_opaque(fds[UPPER]) < 0) rc = -errno;
  }
  if (rc == 0 && over_whiteout && remove_whiteout(udir, name) < 0) rc = -errno;
  if (rc == 0 && over_whiteout && renameat2(bdir, bname, udir, name, RENAME_NOREPLACE) < 0) rc = -errno;
  if (rc == 0 && fstatat(udir, name, st, AT_SYMLINK_NOFOLLOW) < 0) rc = -errno;
  if (rc == 0 && !(n = node_new(parent, name, UPPER, type, ino_show(UPPER, st->st_dev, st->st_ino), fds)))
    rc = -ENOMEM;
  if (rc < 0) {
    unlinkat(bdir, bname, dir ? AT_REMOVEDIR : 0);
    if (fds && fds[UPPER] >= 0) close(fds[UPPER]);
    free(fds);
    return rc;
  }
  n->nlookup++;
  *ret = n;
  node_present(n, st);
  return 0;
}

struct special {
  mode_t mode;
  dev_t rdev;
  const char *link;
};

static int build_node(int wdir, const char *tmp, void *arg) {
  struct special *s = arg;
  return mknodat(wdir, tmp, s->mode, s->rdev) < 0 ? -errno : 0;
}

static int build_dir(int wdir, const char *tmp, void *arg) {
  return mkdirat(wdir, tmp, ((struct special *)arg)->mode & 07777) < 0 ? -errno : 0;
}

static int build_symlink(int wdir, const char *tmp, void *arg) {
  return symlinkat(((struct special *)arg)->link, wdir, tmp) < 0 ? -errno : 0;
}

static void create_and_reply(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t type,
                             int (*build)(int, const char *, void *), struct special *s) {
  struct node *n = NULL;
  struct stat st;
  ovl_lock();
  int rc = create_entry(req, node_get(parent), name, type, build, s, &n, &st);
  ovl_unlock();
  if (rc < 0) fuse_reply_err(req, -rc);
  else reply_entry(req, n, &st);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev) {
  struct special s = {.mode = mode, .rdev = rdev};
  create_and_reply(req, parent, name, mode & S_IFMT, build_node, &s);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
  struct special s = {.mode = mode};
  create_and_reply(req, parent, name, S_IFDIR, build_dir, &s);
}

void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name) {
  struct special s = {.link = link};
  create_and_reply(req, parent, name, S_IFLNK, build_symlink, &s);
}

static int do_link(struct node *n, struct node *newparent, const char *newname, struct node **ret, struct stat *st) {
  int rc = must_be_absent(newparent, newname);
  if (rc == 0) rc = copyup(n, true);
  if (rc == 0) rc = copyup(newparent, true);
  if (rc < 0) return rc;
  int udir = node_dirfd(newparent, UPPER);
  if (remove_whiteout(udir, newname) < 0) return -errno;
  if (linkat(node_parentfd(n, UPPER), n->name, udir, newname, 0) < 0) return -errno;
  struct node *l = node_new(newparent, newname, UPPER, n->type, n->ino, NULL);
  if (!l) return -ENOMEM;
  l->nlookup++;
  *ret = l;
  return node_stat(l, st);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname) {
  struct node *n = NULL;
  struct stat st;
  ovl_lock();
  int rc = do_link(node_get(ino), node_get(newparent), newname, &n, &st);
  ovl_unlock();
  if (rc < 0) {
    fuse_reply_err(req, -rc);
    return;
  }
  /* the other name is another node here: the kernel's copy of its link
   * count is stale now (attributes only: takes no lock the link holds) */
  fuse_lowlevel_notify_inval_inode(ovl.se, ino, -1, 0);
  reply_entry(req, n, &st);
}

/* A whiteout for NAME in PARENT's upper directory; a ".wh." file there is
 * then looked for by lookups in it again. */
static int leave_whiteout(struct node *parent, const char *name) {
  int rc = make_whiteout(node_dirfd(parent, UPPER), name);
  if (rc < 0) return -errno;
  if (rc == 1) parent->wh_present |= 1ULL << UPPER;
  return 0;
}

/* Take NAME out of PARENT: remove the upper entry, leave a whiteout where
 * a lower layer would show through. */
static int remove_entry(struct node *parent, const char *name, bool dir) {
  struct node *n = NULL;
  struct stat st;
  int rc = lookup_child(parent, name, false, &n, &st);
  if (rc < 0) return rc;
  if (dir && !S_ISDIR(st.st_mode)) rc = -ENOTDIR;
  else if (!dir && S_ISDIR(st.st_mode)) rc = -EISDIR;
  else if (!ovl.has_upper) rc = -EROFS;
  else if (dir && (rc = dir_is_empty(n)) >= 0) rc = rc ? 0 : -ENOTEMPTY;
  if (rc < 0) {
    node_forget(n, 0);
    return rc;
  }
  bool whiteout = lower_has(parent, name);
  if (n->layer == UPPER) {
    if (dir && (rc = dir_clear_upper(n->fds[UPPER])) < 0) return rc;
    if (unlinkat(node_parentfd(n, UPPER), name, dir ? AT_REMOVEDIR : 0) < 0) return -errno;
  }
  if (whiteout) {
    if ((rc = copyup(parent, true)) < 0) return rc;
    if ((rc = leave_whiteout(parent, name)) < 0) return rc;
  }
  node_unhash(n);
  node_forget(n, 0);
  return 0;
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
  ovl_lock();
  int rc = remove_entry(node_get(parent), name, false);
  ovl_unlock();
  fuse_reply_err(req, -rc);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name) {
  ovl_lock();
  int rc = remove_entry(node_get(parent), name, true);
  ovl_unlock();
  fuse_reply_err(req, -rc);
}

static bool in_lower(const struct node *n) {
  for (int i = UPPER + 1; n->fds && i < ovl.nlayers; i++)
    if (n->fds[i] >= 0) return true;
  return !n->fds && n->layer != UPPER;
}

/* The target T (or NULL) may be replaced by S. */
static int check_target(const struct node *s, struct node *t, unsigned int flags) {
  if (!t) return 0;
  if (flags & RENAME_NOREPLACE) return -EEXIST;
  bool sdir = s->type == S_IFDIR, tdir = t->type == S_IFDIR;
  if (sdir && !tdir) return -ENOTDIR;
  if (!sdir && tdir) return -EISDIR;
  if (tdir) {
    int rc = dir_is_empty(t);
    if (rc <= 0) return rc < 0 ? rc : -ENOTEMPTY;
  }
  return 0;
}

static int do_rename(struct node *parent, const char *name, struct node *newparent, const char *newname,
                     unsigned int flags) {
  if (flags & ~RENAME_NOREPLACE) return -EINVAL;
  if (is_marker_name(newname)) return -EINVAL;
  struct node *s, *t = NULL;
  struct stat st;
  int rc = lookup_child(parent, name, false, &s, &st);
  if (rc < 0) return rc;
  rc = lookup_child(newparent, newname, false, &t, &st);
  if (rc == -ENOENT) t = NULL;
  else if (rc < 0) goto out;
  if (s == t) {
    rc = 0;
    goto out;
  }
  /* a directory from a lower layer would need a redirect: the kernel
   * overlay (redirect_dir=off) answers EXDEV, and mv copies instead */
  if (s->type == S_IFDIR && in_lower(s)) rc = -EXDEV;
  else if (!ovl.has_upper) rc = -EROFS;
  else rc = check_target(s, t, flags);
  if (rc < 0) goto out;
  bool src_whiteout = lower_has(parent, name), dst_lower = lower_has(newparent, newname);
  if ((rc = copyup(s, true)) < 0 || (rc = copyup(newparent, true)) < 0 || (rc = copyup(parent, true)) < 0) goto out;
  int udir = node_dirfd(newparent, UPPER);
  if (t && t->layer == UPPER && t->type == S_IFDIR && (rc = dir_clear_upper(t->fds[UPPER])) < 0) goto out;
  if (!t && remove_whiteout(udir, newname) < 0) {
    rc = -errno;
    goto out;
  }
  if (renameat(node_parentfd(s, UPPER), name, udir, newname) < 0) {
    rc = -errno;
    goto out;
  }
  if (s->type == S_IFDIR && dst_lower && set_opaque(s->fds[UPPER]) < 0) {
    rc = -errno;
    goto out;
  }
  if (src_whiteout && (rc = leave_whiteout(parent, name)) < 0) goto out;
  if (t) node_unhash(t);
  rc = node_move(s, newparent, newname);
out:
  if (t) node_forget(t, 0);
  node_forget(s, 0);
  return rc;
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
               unsigned int flags) {
  ovl_lock();
  int rc = do_rename(node_get(parent), name, node_get(newparent), newname, flags);
  ovl_unlock();
  fuse_reply_err(req, -rc);
}

struct dirhandle {
  struct dirlist list;
  bool started;
};

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  struct dirhandle *h = calloc(1, sizeof(*h));
  if (!h) {
    fuse_reply_err(req, ENOMEM);
    return;
  }
  ovl_lock();
  int rc = dirlist_build(node_get(ino), true, &h->list);
  ovl_unlock();
  if (rc < 0) {
    free(h);
    fuse_reply_err(req, -rc);
    return;
  }
  fi->fh = (uintptr_t)h;
  fuse_reply_open(req, fi);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi, bool plus) {
  struct dirhandle *h = (struct dirhandle *)(uintptr_t)fi->fh;
  char *buf = malloc(size);
  if (!buf) {
    fuse_reply_err(req, ENOMEM);
    return;
  }
  ovl_lock();
  if (off == 0 && h->started) {
    /* rewinddir: a fresh listing */
    struct dirlist fresh;
    if (dirlist_build(node_get(ino), true, &fresh) == 0) {
      dirlist_free(&h->list);
      h->list = fresh;
    }
  }
  h->started = true;
  size_t pos = 0;
  for (size_t i = (size_t)off; i < h->list.n; i++) {
    const struct dent *d = &h->list.e[i];
    size_t need;
    if (!plus) {
      struct stat st = {.st_ino = d->ino, .st_mode = (mode_t)d->type << 12};
      need = fuse_add_direntry(req, buf + pos, size - pos, d->name, &st, (off_t)i + 1);
    } else {
      struct fuse_entry_param e = {.attr = {.st_ino = d->ino, .st_mode = (mode_t)d->type << 12}};
      struct node *n = NULL;
      bool dot = !strcmp(d->name, ".") || !strcmp(d->name, "..");
      if (!dot) {
        if (lookup_child(h->list.dir, d->name, true, &n, &e.attr) < 0) continue; /* gone meanwhile */
        e.ino = node_id(n);
        e.attr_timeout = e.entry_timeout = node_timeout(n);
      }
      need = fuse_add_direntry_plus(req, buf + pos, size - pos, d->name, &e, (off_t)i + 1);
      if (need > size - pos && n) node_forget(n, 1); /* not sent: no reference */
    }
    if (need > size - pos) break;
    pos += need;
  }
  ovl_unlock();
  fuse_reply_buf(req, buf, pos);
  free(buf);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  struct dirhandle *h = (struct dirhandle *)(uintptr_t)fi->fh;
  dirlist_free(&h->list);
  free(h);
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
  struct node *n = node_get(ino);
  int rc = 0;
  ovl_lock();
  int fd = node_dirfd(n, n->layer);
  if (!ovl.opt->no_fsync && layer_is_upper(n->layer) && fd >= 0 && (datasync ? fdatasync(fd) : fsync(fd)) < 0)
    rc = errno;
  ovl_unlock();
  fuse_reply_err(req, rc);
}
