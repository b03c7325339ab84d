/* sandbox.h: what is left to the helper once its setup is done. */
#ifndef URUN_SLIRP_SANDBOX_H
#define URUN_SLIRP_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

/* Private mount namespace whose root is an empty read-only tmpfs holding
 * only FILES (pairs of path, content; NULL-terminated; may be NULL).
 * NEW_USERNS: first a user namespace of our own (no privilege needed). */
int sandbox_mounts(bool new_userns, const char *const *files);
/* The syscall filters: the helper's main process, its namespace child
 * and its watchdog. */
enum sandbox_profile { PROFILE_MAIN, PROFILE_NSCHILD, PROFILE_WATCHDOG };
int sandbox_seccomp(enum sandbox_profile p);

#endif
