/* pidfd.h: a process handle that is a pidfd where the kernel has them, and
 * pid + start time (checked before every use) where it does not. */
#ifndef URUN_PIDFD_H
#define URUN_PIDFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct proc_handle {
  pid_t pid;
  uint64_t start_time; /* /proc/<pid>/stat field 22 */
  int pidfd;           /* -1 without pidfd support */
};

/* Open a handle on a live process whose start time is `start_time`;
 * fails with ESRCH when it is gone (or the pid was recycled). */
urun_error *proc_open(pid_t pid, uint64_t start_time, struct proc_handle *ret);
void proc_close(struct proc_handle *h);
urun_error *proc_signal(const struct proc_handle *h, int sig);
/* Wait up to timeout_ms (-1: forever) for the process to exit; true if it did. */
bool proc_wait_exit(const struct proc_handle *h, int timeout_ms);
/* For poll(): the pidfd, or -1 (callers then poll with a timeout and ask proc_alive). */
bool proc_alive(const struct proc_handle *h);

#endif
