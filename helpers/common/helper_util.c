/* helper_util.c: errors, writes, capability drop, seccomp allowlists. */
#define _GNU_SOURCE
#include "helper_util.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *helper_prog = "urun-helper";

static void verr(const char *fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  /* one write: lines of concurrent processes do not interleave */
  dprintf(STDERR_FILENO, "%s: %s\n", helper_prog, buf);
}

void errmsg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(fmt, ap);
  va_end(ap);
}

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(fmt, ap);
  va_end(ap);
  exit(1);
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int helper_drop_caps(uint64_t keep) {
  for (int cap = 0; cap <= 63; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the last capability */
      if (errno == EPERM) continue; /* no CAP_SETPCAP: nothing to drop there */
      return -1;
    }
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capget, &hdr, data) < 0) return -1;
  for (int i = 0; i < 2; i++) {
    uint32_t k = (uint32_t)(keep >> (32 * i));
    data[i].permitted &= k;
    data[i].effective &= k;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &hdr, data) < 0) return -1;
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int helper_seccomp_allow(void *ctx, const char *const *names) {
  for (size_t i = 0; names[i]; i++) {
    int nr = seccomp_syscall_resolve_name(names[i]);
    if (nr == __NR_SCMP_ERROR) continue; /* not on this architecture */
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    if (rc < 0) {
      errno = -rc;
      return -1;
    }
  }
  return 0;
}

int helper_seccomp_load(void *ctx, int rc) {
  if (rc == 0) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc < 0) {
    errno = -rc;
    return -1;
  }
  return 0;
}
