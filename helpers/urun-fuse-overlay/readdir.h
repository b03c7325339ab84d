/* readdir.h: the merged listing of a directory, taken once at opendir so
 * that offsets (telldir/seekdir) stay valid while the directory changes. */
#ifndef URUN_FUSE_OVL_READDIR_H
#define URUN_FUSE_OVL_READDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "node.h"

struct dent {
  char *name;
  ino_t ino;
  unsigned char type; /* DT_* */
};

struct dirlist {
  struct dent *e;
  size_t n, cap;
  struct node *dir;
};

/* List directory DIR across its layers, whiteouts and markers left out,
 * "." and ".." first (WITH_DOTS). -errno. Caller holds ovl.lock. */
int dirlist_build(struct node *dir, bool with_dots, struct dirlist *out);
void dirlist_free(struct dirlist *l);
/* DIR shows no entry (rmdir may remove it). 1, 0 or -errno. */
int dir_is_empty(struct node *dir);
/* Remove the markers an upper directory holds once it shows nothing
 * (before rmdir or replacing it). -errno. */
int dir_clear_upper(int fd);

#endif
