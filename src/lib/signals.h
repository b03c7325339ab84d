/* signals.h: signal names and the foreground wait of `run`. */
#ifndef URUN_SIGNALS_H
#define URUN_SIGNALS_H

#include <sys/types.h>

#include "error.h"

/* "TERM", "SIGTERM", "15", "RTMIN+3"; an error names the bad signal. */
urun_error *signal_parse(const char *name, int *ret);
/* Block the signals `run` forwards (before the container starts). */
void signals_block_forwarded(void);
/* Wait for `pid` (our child), forwarding every signal we receive to it.
 * With a pty `master` (>= 0), proxy it to our stdio meanwhile.
 * Returns the container's status as an exit code (128+N when killed by N). */
urun_error *signals_wait_forwarding(pid_t pid, int master, int *ret_exit);

#endif
