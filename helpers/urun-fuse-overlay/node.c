/* node.c: the node table: a hash of (parent, name), reference counts, and
 * the inode numbers shown. Callers hold ovl.lock. */
#define _GNU_SOURCE
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovl.h"

static struct node **table;
static size_t table_size, table_count;

static size_t hash(const struct node *parent, const char *name) {
  uint64_t h = 1469598103934665603ULL ^ (uintptr_t)parent;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 1099511628211ULL;
  return (size_t)(h ^ (h >> 29));
}

int node_table_init(void) {
  table_size = 4096;
  table = calloc(table_size, sizeof(*table));
  return table ? 0 : -1;
}

struct node *node_get(fuse_ino_t ino) {
  return ino == FUSE_ROOT_ID ? ovl.root : (struct node *)(uintptr_t)ino;
}

struct node *node_find(struct node *parent, const char *name) {
  for (struct node *n = table[hash(parent, name) & (table_size - 1)]; n; n = n->hnext)
    if (n->parent == parent && !strcmp(n->name, name)) return n;
  return NULL;
}

static void grow(void) {
  size_t size = table_size * 2;
  struct node **t = calloc(size, sizeof(*t));
  if (!t) return; /* longer chains, still correct */
  for (size_t i = 0; i < table_size; i++)
    for (struct node *n = table[i], *next; n; n = next) {
      next = n->hnext;
      size_t h = hash(n->parent, n->name) & (size - 1);
      n->hnext = t[h];
      t[h] = n;
    }
  free(table);
  table = t;
  table_size = size;
}

static void insert(struct node *n) {
  if (table_count + 1 > table_size) grow();
  size_t h = hash(n->parent, n->name) & (table_size - 1);
  n->hnext = table[h];
  table[h] = n;
  n->hashed = true;
  table_count++;
}

void node_unhash(struct node *n) {
  if (!n->hashed) return;
  struct node **p = &table[hash(n->parent, n->name) & (table_size - 1)];
  while (*p && *p != n) p = &(*p)->hnext;
  if (*p) *p = n->hnext;
  n->hashed = false;
  table_count--;
}

struct node *node_new(struct node *parent, const char *name, int layer, mode_t type, ino_t ino, int *fds) {
  struct node *n = calloc(1, sizeof(*n));
  if (!n || !(n->name = strdup(name))) {
    free(n);
    return NULL;
  }
  n->parent = parent;
  if (parent) parent->children++;
  n->layer = layer;
  n->type = type;
  n->ino = ino;
  n->fds = fds;
  insert(n);
  return n;
}

int node_move(struct node *n, struct node *parent, const char *name) {
  char *copy = strdup(name);
  if (!copy) return -ENOMEM;
  bool was_hashed = n->hashed;
  node_unhash(n);
  free(n->name);
  n->name = copy;
  if (n->parent != parent) {
    parent->children++;
    n->parent->children--; /* the old parent stays referenced by the kernel */
    struct node *old = n->parent;
    n->parent = parent;
    node_forget(old, 0);
  }
  if (was_hashed) insert(n);
  return 0;
}

static void node_free(struct node *n) {
  node_unhash(n);
  if (n->fds)
    for (int i = 0; i < ovl.nlayers; i++)
      if (n->fds[i] >= 0) close(n->fds[i]);
  free(n->fds);
  free(n->name);
  free(n);
}

void node_forget(struct node *n, uint64_t count) {
  while (n && n != ovl.root) {
    n->nlookup = count > n->nlookup ? 0 : n->nlookup - count;
    if (n->nlookup || n->children) return;
    struct node *parent = n->parent;
    node_free(n);
    if (!parent) return;
    parent->children--;
    n = parent;
    count = 0;
  }
}

int node_parentfd(const struct node *n, int layer) {
  return n->parent ? node_dirfd(n->parent, layer) : -1;
}

/* upper (dev, ino) -> shown number, for files copied up during the mount */
struct ino_entry {
  dev_t dev;
  ino_t upper, shown;
};
static struct ino_entry *inos;
static size_t inos_size, inos_count;

static size_t ino_hash(dev_t dev, ino_t ino) { return (size_t)((ino * 0x9E3779B97F4A7C15ULL) ^ dev); }

void ino_remember(dev_t dev, ino_t upper, ino_t shown) {
  if (upper == shown && !inos_count) return;
  if ((inos_count + 1) * 2 > inos_size) {
    size_t size = inos_size ? inos_size * 2 : 1024;
    struct ino_entry *t = calloc(size, sizeof(*t));
    if (!t) return;
    for (size_t i = 0; i < inos_size; i++) {
      if (!inos[i].upper) continue;
      size_t h = ino_hash(inos[i].dev, inos[i].upper) & (size - 1);
      while (t[h].upper) h = (h + 1) & (size - 1);
      t[h] = inos[i];
    }
    free(inos);
    inos = t;
    inos_size = size;
  }
  size_t h = ino_hash(dev, upper) & (inos_size - 1);
  while (inos[h].upper && !(inos[h].upper == upper && inos[h].dev == dev)) h = (h + 1) & (inos_size - 1);
  if (!inos[h].upper && upper == shown) return; /* an upper file shows its own number */
  if (!inos[h].upper) inos_count++;
  inos[h] = (struct ino_entry){dev, upper, shown};
}

ino_t ino_show(int layer, dev_t dev, ino_t ino) {
  if (layer_is_upper(layer) && inos_size) {
    for (size_t h = ino_hash(dev, ino) & (inos_size - 1); inos[h].upper; h = (h + 1) & (inos_size - 1))
      if (inos[h].upper == ino && inos[h].dev == dev) return inos[h].shown;
  }
  return ino | ovl.layers[layer].tag;
}
