/* options.h: urun-fuse-overlay's command line (fuse-overlayfs's names). */
#ifndef URUN_FUSE_OVL_OPTIONS_H
#define URUN_FUSE_OVL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "idmap.h"

#define PROG "urun-fuse-overlay"
#define PROG_VERSION "1.0"

struct options {
  char **lowers; /* top first, as lowerdir=A:B:C lists them */
  size_t nlowers;
  const char *upperdir, *workdir, *mountpoint;
  struct idmap uidmap, gidmap;
  bool squash_to_root;
  long squash_uid, squash_gid; /* -1: not set */
  bool static_nlink, noacl, no_fsync, foreground, debug, readonly;
  bool threaded; /* serve requests on several threads */
  double timeout; /* entry/attribute cache of upper files, seconds */
  /* FUSE mount options passed on to libfuse: "allow_other,nosuid,..." */
  char fuse_opts[1024];
};

/* Parse argv; on bad input print one line and exit 1 (--help exits 0). */
void options_parse(struct options *o, int argc, char **argv);

#endif
