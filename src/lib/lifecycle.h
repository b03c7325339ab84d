/* lifecycle.h: what start, kill and delete share: reading a container. */
#ifndef URUN_LIFECYCLE_H
#define URUN_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

/* Send `sig` to init, or to every process of the container with `all`. */
urun_error *lifecycle_signal(const struct state *st, int sig, bool all);
/* Kill everything of the container and wait until init is gone. */
urun_error *lifecycle_kill_and_wait(const struct state *st);

#endif
