/* node.h: the inodes the kernel knows (one per name in a directory),
 * found again by (parent, name) without walking paths from the root. */
#ifndef URUN_FUSE_OVL_NODE_H
#define URUN_FUSE_OVL_NODE_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct node {
  struct node *parent; /* holds a reference on it */
  char *name;
  struct node *hnext;  /* hash chain */
  uint64_t nlookup;    /* the kernel's references (lookup minus forget) */
  uint64_t children;   /* nodes whose parent this is */
  int layer;           /* topmost layer that holds the entry */
  mode_t type;         /* S_IFMT bits */
  ino_t ino;           /* inode number shown: stable for the life of the mount */
  bool hashed;         /* findable by name (false once unlinked) */
  /* directories: an fd per layer where the directory is part of the merge,
   * -1 elsewhere (absent, or hidden by an opaque directory or a whiteout) */
  int *fds;
  /* per layer (bit i): the directory was listed (known), and it holds
   * ".wh." files (present): lookups skip looking for one where known and
   * absent */
  uint64_t wh_known, wh_present;
  /* equal to ovl.caps_gen: the file has no security.capability (asked
   * before every write by the kernel); any change of it anywhere moves
   * ovl.caps_gen on, which a hard link's other node must see too */
  uint64_t nocaps_gen;
  /* a lower file's data is in the kernel's cache, given at its first open */
  bool data_given;
};

int node_table_init(void);
struct node *node_get(fuse_ino_t ino);
static inline fuse_ino_t node_id(const struct node *n) { return (fuse_ino_t)(uintptr_t)n; }

/* The child NAME of PARENT if the kernel knows it. */
struct node *node_find(struct node *parent, const char *name);
/* A new node, hashed under (PARENT, NAME); FDS (directories) is taken. */
struct node *node_new(struct node *parent, const char *name, int layer, mode_t type, ino_t ino, int *fds);
/* Make a node unfindable: unlinked, or replaced by a rename. */
void node_unhash(struct node *n);
/* Move a node to another (parent, name). */
int node_move(struct node *n, struct node *parent, const char *name);
/* The kernel drops COUNT references; frees the node when nothing holds it. */
void node_forget(struct node *n, uint64_t count);
/* A directory node's fd in LAYER, or -1. */
static inline int node_dirfd(const struct node *n, int layer) { return n->fds ? n->fds[layer] : -1; }

/* The fd of the directory holding N's entry in LAYER (its parent's). */
int node_parentfd(const struct node *n, int layer);

/* Inode numbers kept across copy-up: the upper file (dev, ino) shows as SHOWN. */
void ino_remember(dev_t dev, ino_t upper_ino, ino_t shown);
/* The number a file of LAYER with stat ST shows. */
ino_t ino_show(int layer, dev_t dev, ino_t ino);

#endif
