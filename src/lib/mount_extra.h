/* mount_extra.h: tmpcopyup and idmapped bind mounts. */
#ifndef URUN_MOUNT_EXTRA_H
#define URUN_MOUNT_EXTRA_H
#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Copy the tree under `from_dir` into `to_dir` (modes, owners, symlinks). */
urun_error *mount_copy_up(int from_dir, int to_dir);
/* Bind `source` on `target` (a path the caller resolved in the rootfs),
 * idmapped through a user namespace with the given mappings. */
urun_error *mount_idmapped_bind(const char *source, const char *target, bool recursive,
                                const struct spec_id_mappings *uids, const struct spec_id_mappings *gids);
/* The mappings of an idmapped mount: its own, else the container's. */
void mount_idmaps_of(const struct spec *s, const struct spec_mount *m, const struct spec_id_mappings **ret_uids,
                     const struct spec_id_mappings **ret_gids);

/* What the runtime makes before init is cloned, as detached trees that
 * init inherits and attaches where they belong: with `idmap` (root on the
 * host), idmapped trees (the root of a new user namespace cannot idmap the
 * host's filesystems); and, root of the host or of a user namespace,
 * copies of bind sources the container's root could not reach (a
 * directory on the way closed to its id).  *ret_trees: one fd per mount
 * (-1 for the others), NULL when there is none. */
urun_error *mount_prepare_trees(const struct spec *s, const char *bundle, bool idmap, int **ret_trees);
void mount_prepared_free(int *trees, size_t n);
/* Move a detached tree onto `target`. */
urun_error *mount_attach_tree(int tree, const char *target);

#endif
