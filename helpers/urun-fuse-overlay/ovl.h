/* ovl.h: the mounted overlay: its layers and the state every file of the
 * helper shares. Layer 0 is the upper directory when there is one, then the
 * lower directories top to bottom. */
#ifndef URUN_FUSE_OVL_H
#define URUN_FUSE_OVL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"

struct layer {
  const char *path;
  int fd;        /* the layer's root directory */
  dev_t dev;     /* its filesystem */
  uint64_t tag;  /* high bits set in inode numbers of layers on another filesystem */
};

struct node;
struct fuse_session;

struct ovl {
  struct options *opt;
  struct layer *layers;
  int nlayers;
  bool has_upper;   /* layers[0] is the writable upper directory */
  int workfd;       /* workdir/work: files are built there, then renamed in */
  bool userxattr;   /* write user.overlay.* (unprivileged), not trusted.overlay.* */
  uid_t euid;
  gid_t egid;
  double lower_timeout;
  uint64_t caps_gen; /* see node.nocaps_gen */ /* entries and attributes of files only in lower layers */
  /* guards the node tree and every change of the layers */
  pthread_mutex_t lock;
  struct node *root;
  struct fuse_session *se;
};

extern struct ovl ovl;

#define UPPER 0
static inline bool layer_is_upper(int layer) { return ovl.has_upper && layer == UPPER; }

#endif
