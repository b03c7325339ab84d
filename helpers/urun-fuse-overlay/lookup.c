/* lookup.c: resolve a name through the layers, as overlayfs.rst describes:
 * the topmost entry wins; a whiteout hides everything below it; directories
 * merge down to the first opaque one or the first non-directory. Every
 * step is relative to a directory fd the node already holds, one name at
 * a time and without following symlinks, so no layer's symlink can lead
 * outside it. */
#define _GNU_SOURCE
#include "lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"
#include "ovl.h"
#include "whiteout.h"

int open_layer_dir(int dirfd, const char *name) {
  /* a readable fd serves fgetxattr and getdents; O_PATH where no read right */
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EACCES) fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd;
}

static void close_fds(int *fds) {
  if (!fds) return;
  for (int i = 0; i < ovl.nlayers; i++)
    if (fds[i] >= 0) close(fds[i]);
  free(fds);
}

/* Resolve NAME in PARENT: layer and stat of the topmost entry, and for a
 * directory the fds of each layer it merges. -ENOENT when hidden or absent. */
/* A ".wh.NAME" file in a layer of PARENT from FROM to TO (excluded), where
 * NAME itself is absent. Looked for only once NAME shows up below: most
 * lookups (absent names, names of the top layer) pay nothing for it. */
static bool wh_file_between(const struct node *parent, const char *name, int from, int to) {
  for (int k = from; k < to; k++) {
    uint64_t bit = k < 64 ? 1ULL << k : 0;
    if (bit && (parent->wh_known & bit) && !(parent->wh_present & bit)) continue; /* listed: none there */
    if (node_dirfd(parent, k) >= 0 && has_wh_file(node_dirfd(parent, k), name)) return true;
  }
  return false;
}

static int resolve(const struct node *parent, const char *name, int *ret_layer, struct stat *ret_st, int **ret_fds,
                   int *ret_whiteout) {
  int found = -1, gap = 0;
  *ret_whiteout = -1;
  int *fds = NULL;
  for (int i = 0; i < ovl.nlayers; i++) {
    int dfd = node_dirfd(parent, i);
    if (dfd < 0) continue;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT && errno != ENOTDIR) {
        int e = errno;
        close_fds(fds);
        return -e;
      }
      continue;
    }
    if (is_whiteout(&st)) {
      *ret_whiteout = i;
      break;
    }
    if (wh_file_between(parent, name, gap, i)) {
      *ret_whiteout = gap; /* in some layer from there on: where exactly, no caller needs */
      break;
    }
    gap = i + 1;
    if (found >= 0 && !S_ISDIR(st.st_mode)) break; /* a non-directory below a directory is hidden */
    if (found < 0) {
      found = i;
      *ret_st = st;
      if (!S_ISDIR(st.st_mode)) break;
      fds = malloc(ovl.nlayers * sizeof(*fds));
      if (!fds) return -ENOMEM;
      for (int k = 0; k < ovl.nlayers; k++) fds[k] = -1;
    }
    fds[i] = open_layer_dir(dfd, name);
    if (fds[i] < 0) {
      int e = errno;
      close_fds(fds);
      return -e;
    }
    if (dir_is_opaque(fds[i])) break;
  }
  if (found < 0) return -ENOENT;
  *ret_layer = found;
  *ret_fds = fds;
  return 0;
}

/* A layer's stat of N as the mount shows it. */
void node_present(const struct node *n, struct stat *st) {
  st->st_ino = n->ino;
  /* as the kernel overlay: a merged directory's link count is unknown, 1 */
  if (n->fds) {
    int layers = 0;
    for (int i = 0; i < ovl.nlayers; i++) layers += n->fds[i] >= 0;
    if (layers > 1) st->st_nlink = 1;
  }
  idmap_present(st);
}

int node_stat(const struct node *n, struct stat *st) {
  int rc = n->fds ? fstat(n->fds[n->layer], st) : fstatat(node_parentfd(n, n->layer), n->name, st, AT_SYMLINK_NOFOLLOW);
  if (rc < 0) return -errno;
  node_present(n, st);
  return 0;
}

int lookup_child(struct node *parent, const char *name, bool count, struct node **ret, struct stat *st) {
  if (!parent->fds) return -ENOTDIR;
  if (is_marker_name(name)) return -ENOENT;
  struct node *n = node_find(parent, name);
  if (n) {
    int rc = node_stat(n, st);
    if (rc < 0) return rc;
  } else {
    int layer = 0, *fds = NULL, whiteout;
    int rc = resolve(parent, name, &layer, st, &fds, &whiteout);
    if (rc < 0) return rc;
    ino_t ino = ino_show(layer, st->st_dev, st->st_ino);
    n = node_new(parent, name, layer, st->st_mode & S_IFMT, ino, fds);
    if (!n) {
      close_fds(fds);
      return -ENOMEM;
    }
    node_present(n, st);
  }
  if (count) n->nlookup++;
  *ret = n;
  return 0;
}

int lookup_absent(struct node *parent, const char *name, bool *ret_upper_whiteout) {
  if (!parent->fds) return -ENOTDIR;
  if (node_find(parent, name)) return -EEXIST;
  int layer, *fds = NULL, whiteout;
  struct stat st;
  int rc = resolve(parent, name, &layer, &st, &fds, &whiteout);
  if (rc == 0) {
    close_fds(fds);
    return -EEXIST;
  }
  *ret_upper_whiteout = ovl.has_upper && whiteout == UPPER;
  return rc == -ENOENT ? 0 : rc;
}

bool lower_has(const struct node *parent, const char *name) {
  int first = ovl.has_upper ? 1 : 0;
  for (int i = first; i < ovl.nlayers; i++) {
    int dfd = node_dirfd(parent, i);
    if (dfd < 0) continue;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    return !is_whiteout(&st) && !wh_file_between(parent, name, first, i);
  }
  return false;
}
