/* lifecycle.h: what start, kill and delete share: reading a container. */
#ifndef URUN_LIFECYCLE_H
#define URUN_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

/* Send `sig` to init, or to every process of the container with `all`. */
urun_error *lifecycle_signal(const struct state *st, int sig, bool all);
/* Every process whose mount namespace has inode `ino` (the container's
 * processes when it has no cgroup).  Caller frees *ret. */
urun_error *lifecycle_pids_in_mount_ns(uint64_t ino, pid_t **ret, size_t *ret_len);
/* Kill everything of the container and wait until init is gone. */
urun_error *lifecycle_kill_and_wait(const struct state *st);

#endif
