/* mount_overlay.h: overlay mounts: the kernel's overlayfs in the
 * container's user namespace, else the urun-fuse-overlay helper. */
#ifndef URUN_MOUNT_OVERLAY_H
#define URUN_MOUNT_OVERLAY_H

#include "error.h"
#include "mount.h"

#define ROOTFS_OVERLAY_ANNOTATION "run.urun.rootfs.overlay"
/* kernel (no fallback), fuse (the helper only), auto (the default) */
#define OVERLAY_DRIVER_ANNOTATION "run.urun.overlay.driver"

/* A mount of type "overlay" of the config: DATA its lowerdir=...,
 * upperdir=..., workdir=... options, FLAGS its MS_* flags, TARGET an fd of
 * the mount point, DEST its name for messages. */
urun_error *mount_overlay(const struct mount_context *ctx, const char *dest, int target, unsigned long flags,
                          const char *data);

/* The rootfs as the lower layer of a writable overlay mounted over it.
 * UPPER: "" or "1"/"true" for a tmpfs that goes with the container, "0" or
 * "false" for none, else a directory whose upper/ and work/ keep the changes. */
urun_error *mount_rootfs_overlay(const struct mount_context *ctx, const char *upper);

/* Add the annotation for `--overlay[=DIR]` to the config ("" for none;
 * a relative DIR is taken from the working directory). */
urun_error *rootfs_overlay_annotate(struct spec *spec, const char *dir);

#endif
