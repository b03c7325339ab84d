/* ops_xattr.c: extended attributes, less the overlay's own markers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/limits.h>

#include "copyup.h"
#include "ops.h"
#include "ovl.h"
#include "whiteout.h"

/* asked by the kernel before every write and chown, to drop it */
#define XATTR_CAPS "security.capability"

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
  char esc[XATTR_NAME_MAX + 16];
  if (is_foreign_marker(name)) {
    fuse_reply_err(req, ENODATA);
    return;
  }
  if (!(name = xattr_escape(name, esc, sizeof(esc)))) {
    fuse_reply_err(req, ERANGE);
    return;
  }
  char *buf = size ? malloc(size) : NULL;
  if (size && !buf) {
    fuse_reply_err(req, ENOMEM);
    return;
  }
  struct node *n = node_get(ino);
  bool caps = !strcmp(name, XATTR_CAPS);
  ovl_lock();
  ssize_t len = -1;
  int e = ENODATA;
  if (!caps || n->nocaps_gen != ovl.caps_gen) {
    int dfd;
    const char *entry;
    node_at(n, n->layer, &dfd, &entry);
    len = at_getxattr(dfd, entry, name, buf, size);
    e = errno;
    if (caps && len < 0 && e == ENODATA) n->nocaps_gen = ovl.caps_gen;
  }
  ovl_unlock();
  if (len < 0) fuse_reply_err(req, e);
  else if (size == 0) fuse_reply_xattr(req, (size_t)len);
  else fuse_reply_buf(req, buf, (size_t)len);
  free(buf);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  struct node *n = node_get(ino);
  char list[65536];
  ovl_lock();
  int dfd;
  const char *entry;
  node_at(n, n->layer, &dfd, &entry);
  ssize_t len = at_listxattr(dfd, entry, list, sizeof(list));
  int e = errno;
  ovl_unlock();
  if (len < 0) {
    fuse_reply_err(req, e);
    return;
  }
  /* drop the overlay's own names, unescape the escaped ones, in place */
  size_t out = 0;
  for (ssize_t off = 0; off < len; off += (ssize_t)strlen(list + off) + 1) {
    char *name = list + off;
    size_t l = strlen(name) + 1;
    if (is_foreign_marker(name)) continue;
    if (is_private_xattr(name)) {
      if (!is_escaped_xattr(name)) continue;
      xattr_unescape(name);
      l -= 8;
    }
    memmove(list + out, name, l);
    out += l;
  }
  if (size == 0) fuse_reply_xattr(req, out);
  else if (size < out) fuse_reply_err(req, ERANGE);
  else fuse_reply_buf(req, list, out);
}

static int change_xattr(struct node *n, const char *name, const char *value, size_t size, int flags, bool remove) {
  char esc[XATTR_NAME_MAX + 16];
  if (is_foreign_marker(name)) return -EPERM;
  if (!(name = xattr_escape(name, esc, sizeof(esc)))) return -ERANGE;
  int rc = copyup(n, true);
  if (rc < 0) return rc;
  if (!strcmp(name, XATTR_CAPS)) ovl.caps_gen++;
  int dfd;
  const char *entry;
  node_at(n, UPPER, &dfd, &entry);
  rc = remove ? at_removexattr(dfd, entry, name) : at_setxattr(dfd, entry, name, value, size, flags);
  return rc < 0 ? -errno : 0;
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size, int flags) {
  ovl_lock();
  int rc = change_xattr(node_get(ino), name, value, size, flags, false);
  ovl_unlock();
  fuse_reply_err(req, -rc);
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name) {
  ovl_lock();
  int rc = change_xattr(node_get(ino), name, NULL, 0, 0, true);
  ovl_unlock();
  fuse_reply_err(req, -rc);
}
