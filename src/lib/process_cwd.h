/* process_cwd.h: the working directory of a container's process. */
#ifndef URUN_PROCESS_CWD_H
#define URUN_PROCESS_CWD_H

#include <stdbool.h>

#include "error.h"

/* The directory, opened inside our root (the container's, after pivot_root
 * or setns): never through a magic link such as /proc/self/fd/N, never
 * above the root.  `field` names it in errors. */
urun_error *cwd_open(const char *cwd, const char *field, int *ret_fd);

/* fchdir to it.  With `may_retry`, a permission error leaves *ret_done
 * false (runc's order: tried with the runtime's privileges before the user
 * switch, again after it, as the process's user). */
urun_error *cwd_enter(int fd, const char *cwd, const char *field, bool may_retry, bool *ret_done);

#endif
