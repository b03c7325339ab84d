/* recover.h: delete --force of a container whose state.json cannot be
 * trusted: a create that died before writing it, or a damaged file. */
#ifndef URUN_RECOVER_H
#define URUN_RECOVER_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

/* Kill what is proven the container's (init by the journal's pid and start
 * time, or as the holder of exec.fifo, then through a pidfd; the rest by
 * the cgroup create recorded as its own), stop its helper, remove its
 * cgroup or scope and its directory.  The caller holds dirfd's lock. */
urun_error *recover_container(struct state_root *root, const char *id, int dirfd);
/* The process that holds exec.fifo open as O_PATH (init until start), or 0. */
pid_t recover_fifo_holder(int dirfd, uint64_t *ret_start_time);

#endif
