/* sandbox.c: the helper's capabilities and seccomp filter. The filter is
 * sandbox_rules.c's, compiled by libseccomp when urun is built
 * (filter_gen.c, sandbox_filter.h): here it is only loaded. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include "helper_util.h"
#include "sandbox_filter.h"

int sandbox_enter(void) {
  /* root: what serving files as their owners takes; trusted.* xattrs (opaque
   * markers) need CAP_SYS_ADMIN. A user has none of these anyway. */
  uint64_t keep = (1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH) |
                  (1ULL << CAP_FOWNER) | (1ULL << CAP_FSETID) | (1ULL << CAP_MKNOD) | (1ULL << CAP_SETFCAP) |
                  (1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_LINUX_IMMUTABLE);
  if (helper_drop_caps(keep) < 0) return -1;
  /* no_new_privs is set: an unprivileged process may load a filter */
  struct sock_fprog prog = {.len = sizeof(sandbox_filter) / sizeof(sandbox_filter[0]),
                            .filter = (struct sock_filter *)sandbox_filter};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
