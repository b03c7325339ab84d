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

#endif
