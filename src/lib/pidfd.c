/* pidfd.c: process handles; see pidfd.h. */
#define _GNU_SOURCE
#include "pidfd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

urun_error *proc_open(pid_t pid, uint64_t start_time, struct proc_handle *ret) {
  *ret = (struct proc_handle){.pid = pid, .start_time = start_time, .pidfd = -1};
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0 && errno != ENOSYS) return urun_error_errno("process %d", pid);
  /* Checked after opening: a pidfd then refers to the right process for good. */
  if (process_start_time(pid) != start_time) {
    if (fd >= 0) close(fd);
    return urun_error_code(ESRCH, "process %d", pid);
  }
  ret->pidfd = fd;
  return NULL;
}

void proc_close(struct proc_handle *h) {
  if (h->pidfd >= 0) close(h->pidfd);
  h->pidfd = -1;
}

bool proc_alive(const struct proc_handle *h) { return process_start_time(h->pid) == h->start_time; }

urun_error *proc_signal(const struct proc_handle *h, int sig) {
  if (h->pidfd >= 0) {
    if (syscall(SYS_pidfd_send_signal, h->pidfd, sig, NULL, 0) == 0) return NULL;
    if (errno != ENOSYS) return urun_error_errno("signal process %d", h->pid);
  }
  if (!proc_alive(h)) return urun_error_code(ESRCH, "signal process %d", h->pid);
  if (kill(h->pid, sig) < 0) return urun_error_errno("signal process %d", h->pid);
  return NULL;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool proc_wait_exit(const struct proc_handle *h, int timeout_ms) {
  if (h->pidfd >= 0) {
    struct pollfd p = {.fd = h->pidfd, .events = POLLIN};
    int r;
    do r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r > 0;
  }
  long end = now_ms() + timeout_ms;
  while (proc_alive(h)) {
    if (timeout_ms >= 0 && now_ms() >= end) return false;
    usleep(5000);
  }
  return true;
}
