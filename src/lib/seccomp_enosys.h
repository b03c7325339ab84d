/* seccomp_enosys.h: ENOSYS for syscalls newer than a profile knows.
 *
 * A profile that denies what it does not name (default ERRNO, KILL, ...)
 * would answer a syscall newer than the profile with EPERM: glibc then
 * takes the failure as final instead of falling back to the older call
 * (clone3 -> clone, faccessat2 -> faccessat, ...).  As runc does, a stub in
 * front of the compiled filter answers ENOSYS ("no such call") to every
 * syscall number above the largest the profile names, per architecture. */
#ifndef URUN_SECCOMP_ENOSYS_H
#define URUN_SECCOMP_ENOSYS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "seccomp_filter.h"
#include "spec.h"

/* Put the stub in front of `p` (its cBPF), for the libseccomp architecture
 * tokens `archs` (the native one among them).  Nothing to do where the
 * default action lets syscalls through (ALLOW, LOG, TRACE) or already
 * answers ENOSYS. */
urun_error *seccomp_enosys_prepend(const struct spec_seccomp *s, uint32_t default_action, const uint32_t *archs,
                                   size_t narchs, struct seccomp_program *p);

#endif
