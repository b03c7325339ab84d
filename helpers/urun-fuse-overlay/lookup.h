/* lookup.h: a name through the layers, top to bottom. Callers hold ovl.lock. */
#ifndef URUN_FUSE_OVL_LOOKUP_H
#define URUN_FUSE_OVL_LOOKUP_H

#include <stdbool.h>
#include <sys/stat.h>

#include "node.h"

/* The child NAME of directory PARENT: its node (found or made, one more
 * kernel reference when COUNT) and what it shows in *ST. -errno. */
int lookup_child(struct node *parent, const char *name, bool count, struct node **ret, struct stat *st);
/* 0 when NAME shows nothing in PARENT (*RET_UPPER_WHITEOUT: a whiteout in
 * the upper layer hides a lower entry), -EEXIST when it shows, else -errno. */
int lookup_absent(struct node *parent, const char *name, bool *ret_upper_whiteout);
/* What node N shows now (ids mapped, inode number stable). -errno. */
int node_stat(const struct node *n, struct stat *st);
/* Turn a layer's stat of N into what the mount shows. */
void node_present(const struct node *n, struct stat *st);
/* NAME shows through from a lower layer of directory PARENT (below the
 * upper one): deleting it then needs a whiteout. */
bool lower_has(const struct node *parent, const char *name);
/* Open a directory of a layer by name, for the node's fds. */
int open_layer_dir(int dirfd, const char *name);

#endif
