/* seccomp_cache.h: compiled seccomp filters kept in the state root.
 *
 * libseccomp needs milliseconds to turn a default profile (hundreds of
 * syscall names) into BPF; the same profile starts container after
 * container.  The BPF is kept under ROOT/.seccomp-cache, keyed by the whole
 * profile (every field that shapes the program, and libseccomp's version):
 * the file name is a hash of the key and the file holds the key itself,
 * compared byte for byte, so a collision can only miss.  Files and the
 * directory must be the caller's own and writable by nobody else. */
#ifndef URUN_SECCOMP_CACHE_H
#define URUN_SECCOMP_CACHE_H

#include "error.h"
#include "seccomp_filter.h"
#include "spec.h"

/* seccomp_compile(), through the cache in ROOT_FD (a state root); a
 * cache that cannot be used only costs the compile. */
urun_error *seccomp_compile_cached(const struct spec_seccomp *s, int root_fd, struct seccomp_program *ret);

#endif
