/* helper_util.h: what every urun helper shares: one-line errors, whole
 * writes, the capability drop and seccomp allowlists by name. */
#ifndef URUN_HELPER_UTIL_H
#define URUN_HELPER_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The program's name in every message ("urun-slirp: ..."); set in main. */
extern const char *helper_prog;

/* One-line error on stderr: "PROG: what". */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* errmsg() then exit(1): only for setup, before a loop owns resources. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Write the whole buffer (blocking fds only). */
int write_all(int fd, const void *buf, size_t len);

/* Keep only the capabilities in KEEP (bit mask of CAP_*) in every set and
 * the bounding set, clear the ambient set, then set no_new_privs. */
int helper_drop_caps(uint64_t keep);

/* Add an allow rule for each syscall name in the NULL-terminated NAMES
 * (names unknown on this architecture are skipped) to a libseccomp
 * filter (a scmp_filter_ctx). */
int helper_seccomp_allow(void *ctx, const char *const *names);
/* Load the filter CTX unless RC (a libseccomp -errno) already failed, and
 * release it. 0, or -1 with errno. */
int helper_seccomp_load(void *ctx, int rc);

#endif
