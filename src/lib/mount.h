/* mount.h: the container's filesystem: rootfs, config mounts, pivot_root. */
#ifndef URUN_MOUNT_H
#define URUN_MOUNT_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

struct mount_context {
  const struct spec *spec;
  const char *rootfs;   /* absolute host path of the rootfs */
  const char *bundle;   /* absolute bundle path (relative bind sources) */
  bool in_userns;       /* running in a user namespace: no mknod, locked flags */
  bool own_netns;       /* a new network namespace (sysfs can be mounted) */
  bool no_pivot;
  const int *host_trees; /* per mount: made by the runtime (mount_prepare_trees), or NULL */
};

/* Parse mount options into flags; unknown options are filesystem data.
 * Errors name the option by JSON path (.mounts[i].options[j]). */
struct mount_flags {
  unsigned long flags;       /* MS_* set */
  unsigned long clear;       /* MS_* explicitly cleared (rw, suid, dev, exec, ...) */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC] */
  unsigned long long attr_set, attr_clr; /* recursive attributes (rro, rnosuid...) */
  bool bind, rbind;
  bool idmap, ridmap;        /* an idmapped bind mount (ridmap: recursively) */
  bool tmpcopyup;            /* tmpfs starting with the directory's contents */
  char *data;                /* comma-joined filesystem options; caller frees */
};
urun_error *mount_parse_options(const struct spec_mount *m, size_t index, struct mount_flags *ret);
/* Check every mount of the config the way setup will use it (used by create
 * before anything starts, so bad options fail early and clearly). */
urun_error *mount_check_config(const struct spec *spec);

/* Inside the container's new mount namespace, before pivot_root: set up
 * the rootfs and every mount of the config. */
urun_error *mount_setup_rootfs(const struct mount_context *ctx);
/* Switch root (pivot_root, or MS_MOVE + chroot with no_pivot). */
urun_error *mount_pivot_root(const struct mount_context *ctx);
/* Without a mount namespace of the container's own: chroot into the rootfs. */
urun_error *mount_chroot(const struct mount_context *ctx);
/* After the switch: masked paths, read-only paths, read-only root. */
urun_error *mount_finish(const struct mount_context *ctx);
/* Unmap a propagation name ("rslave"...) to MS_* flags; 0 when unknown. */
unsigned long mount_propagation_flags(const char *name);
/* The option names this build knows (for `features`); NULL-terminated. */
const char *mount_option_name(size_t i);

#endif
