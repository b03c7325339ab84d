/* readdir.c: merge the layers' entries: the first layer that has a name
 * decides (a whiteout hides it, an opaque directory stops the merge). */
#define _GNU_SOURCE
#include "readdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovl.h"
#include "whiteout.h"

/* The names seen so far (shown or hidden), an open-addressed set. */
struct seen {
  char **slot;
  size_t size, count;
};

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* 1: newly added, 0: already there, -1: no memory. Stores a copy. */
static int seen_add(struct seen *s, const char *name) {
  if ((s->count + 1) * 2 > s->size) {
    size_t size = s->size ? s->size * 2 : 64;
    char **t = calloc(size, sizeof(*t));
    if (!t) return -1;
    for (size_t i = 0; i < s->size; i++) {
      if (!s->slot[i]) continue;
      size_t h = str_hash(s->slot[i]) & (size - 1);
      while (t[h]) h = (h + 1) & (size - 1);
      t[h] = s->slot[i];
    }
    free(s->slot);
    s->slot = t;
    s->size = size;
  }
  size_t h = str_hash(name) & (s->size - 1);
  for (; s->slot[h]; h = (h + 1) & (s->size - 1))
    if (!strcmp(s->slot[h], name)) return 0;
  if (!(s->slot[h] = strdup(name))) return -1;
  s->count++;
  return 1;
}

static void seen_free(struct seen *s) {
  for (size_t i = 0; i < s->size; i++) free(s->slot[i]);
  free(s->slot);
}

static int add(struct dirlist *l, const char *name, ino_t ino, unsigned char type) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    struct dent *e = realloc(l->e, cap * sizeof(*e));
    if (!e) return -ENOMEM;
    l->e = e;
    l->cap = cap;
  }
  if (!(l->e[l->n].name = strdup(name))) return -ENOMEM;
  l->e[l->n].ino = ino;
  l->e[l->n].type = type;
  l->n++;
  return 0;
}

/* A stream of its own over directory DIRFD (whose offset stays untouched). */
static DIR *opendir_at(int dirfd) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return NULL;
  DIR *d = fdopendir(fd);
  if (!d) close(fd);
  return d;
}

/* One layer's directory: its names not seen in a higher layer. */
static int merge_layer(struct dirlist *l, struct seen *seen, int layer, int dirfd) {
  _cleanup_closedir_ DIR *d = opendir_at(dirfd);
  if (!d) return -errno;
  struct dirent *de;
  bool markers = false;
  errno = 0;
  while ((de = readdir(d))) {
    const char *name = de->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
    if (is_marker_name(name)) {
      markers = true;
      /* ".wh.NAME" hides NAME below; ".wh..wh..opq" was read as opacity */
      if (strcmp(name, WH_OPAQUE) && seen_add(seen, name + sizeof(WH_PREFIX) - 1) < 0) return -ENOMEM;
      continue;
    }
    int fresh = seen_add(seen, name);
    if (fresh < 0) return -ENOMEM;
    if (!fresh) continue;
    unsigned char type = de->d_type;
    if (type == DT_CHR || type == DT_UNKNOWN) {
      struct stat st;
      if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
      if (is_whiteout(&st)) continue;
      type = (unsigned char)IFTODT(st.st_mode);
    }
    struct node *n = node_find(l->dir, name);
    int rc = add(l, name, n ? n->ino : ino_show(layer, 0, de->d_ino), type);
    if (rc < 0) return rc;
    errno = 0;
  }
  if (errno) return -errno;
  /* what lookups in this directory need not look for again (only the
   * upper layer changes, and only through us: a new marker sets it) */
  if (layer < 64) {
    l->dir->wh_known |= 1ULL << layer;
    if (markers) l->dir->wh_present |= 1ULL << layer;
  }
  return 0;
}

int dirlist_build(struct node *dir, bool with_dots, struct dirlist *out) {
  memset(out, 0, sizeof(*out));
  out->dir = dir;
  int rc = 0;
  if (with_dots) {
    rc = add(out, ".", dir->ino, DT_DIR);
    if (rc == 0) rc = add(out, "..", dir->parent ? dir->parent->ino : dir->ino, DT_DIR);
  }
  struct seen seen = {0};
  for (int i = 0; rc == 0 && i < ovl.nlayers; i++)
    if (node_dirfd(dir, i) >= 0) rc = merge_layer(out, &seen, i, node_dirfd(dir, i));
  seen_free(&seen);
  if (rc < 0) dirlist_free(out);
  return rc;
}

void dirlist_free(struct dirlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->e[i].name);
  free(l->e);
  memset(l, 0, sizeof(*l));
}

int dir_is_empty(struct node *dir) {
  struct dirlist l;
  int rc = dirlist_build(dir, false, &l);
  if (rc < 0) return rc;
  bool empty = l.n == 0;
  dirlist_free(&l);
  return empty;
}

int dir_clear_upper(int dirfd) {
  _cleanup_closedir_ DIR *d = opendir_at(dirfd);
  if (!d) return -errno;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    /* only markers are left in a directory that shows nothing */
    if (unlinkat(dirfd, de->d_name, 0) < 0) return -errno;
  }
  return 0;
}
