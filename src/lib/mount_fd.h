/* mount_fd.h: bind mounts between files already opened and checked. */
#ifndef URUN_MOUNT_FD_H
#define URUN_MOUNT_FD_H

#include "error.h"

/* Bind the file behind srcfd onto the file behind dstfd: no path is
 * resolved again, so nothing swapped in meanwhile can be mounted. */
urun_error *mount_bind_fd(int srcfd, int dstfd, const char *what);

/* The container's /dev/null (from our root), checked to be the null
 * device 1:3 and not reached through a symlink. */
urun_error *open_null_device(int *ret_fd);

/* /dev/console of our root (created as an empty file where missing, never
 * through a symlink), as a bind of the pty `peer`, as runc makes it. */
urun_error *mount_console(int peer);

#endif
