/* watchdog.c: nothing of urun outlives `urun start`, so when urun-slirp
 * is killed (kill -9, a crash) while the container runs, the container
 * would live on without a network and nobody would notice.  A small
 * child of the helper notices (its pipe reaches end of file) and stops
 * the container, as urun-slirp(1) documents.
 *
 * It holds no socket and no file but its log, cannot open any (seccomp),
 * and signals only through the pidfd urun took of the container's init
 * while it was proven to be that init: a reused pid is never hit. */
#define _GNU_SOURCE
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static int disarm_fd = -1;
static pid_t watchdog_pid;

/* Close every fd from 3 up but KEEP1 and KEEP2. */
static void close_all_but(int keep1, int keep2) {
  int lo = keep1 < keep2 ? keep1 : keep2, hi = keep1 < keep2 ? keep2 : keep1;
  if (lo > 3) syscall(SYS_close_range, 3, lo - 1, 0);
  if (hi > lo + 1) syscall(SYS_close_range, lo + 1, hi - 1, 0);
  syscall(SYS_close_range, hi + 1, ~0U, 0);
}

/* True when the helper died (end of file), false when it disarmed us or
 * init is gone (nothing left to guard). */
static bool helper_died(int pidfd, int pipe_rd) {
  struct pollfd p[2] = {{.fd = pipe_rd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
  for (;;) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (p[1].revents) return false;
    if (p[0].revents) {
      char c;
      ssize_t n = read(pipe_rd, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      return n == 0;
    }
  }
}

/* errmsg's dprintf stats the fd first, which the filter refuses: one
 * plain write of the whole line instead. */
static void say(const char *what, int err) {
  char line[256];
  int n = snprintf(line, sizeof(line), PROG ": %s%s%s\n", what, err ? ": " : "", err ? strerror(err) : "");
  if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {}
}

static _Noreturn void watchdog_main(int pidfd, int pipe_rd) {
  prctl(PR_SET_NAME, WATCHDOG_NAME);
  /* the sockets, the tap and the API stay the helper's alone: once it
   * dies they close, and the ports are free again */
  close_all_but(pidfd, pipe_rd);
  if (chdir("/") < 0) _exit(1);
  /* the helper blocks these for its signalfd; here they keep their
   * default (a SIGTERM ends the watchdog, never the container) */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* root keeps CAP_KILL: the container's init may run as another user.
   * Unprivileged, we own the container's user namespace from its parent,
   * which lets us signal inside it without any capability. */
  uint64_t keep = geteuid() == 0 ? 1ULL << CAP_KILL : 0;
  if (helper_drop_caps(keep) < 0 || sandbox_seccomp(PROFILE_WATCHDOG) < 0) {
    errmsg("watchdog: cannot sandbox: %s", strerror(errno));
    _exit(1);
  }
  if (!helper_died(pidfd, pipe_rd)) _exit(0);
  /* init dead already (its end and the helper's death crossed): quiet */
  if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) _exit(0);
  /* said first: whoever sees the container stopped finds the reason */
  say(WATCHDOG_KILLED, 0);
  if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
    say("the helper died; cannot stop its container", errno);
  _exit(0);
}

/* An orderly exit (the container's end, SIGTERM, an error at start):
 * tell the watchdog, and reap it so that nothing of ours outlives us. */
static void watchdog_disarm(void) {
  if (watchdog_pid <= 0) return;
  if (write(disarm_fd, "x", 1) < 0) kill(watchdog_pid, SIGKILL);
  close(disarm_fd);
  while (waitpid(watchdog_pid, NULL, 0) < 0 && errno == EINTR) {}
  watchdog_pid = 0;
}

void watchdog_check_pidfd(int pidfd) {
  /* a pidfd, not any fd: signal 0 checks that and that init lives */
  if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
    die("--stop-pidfd %d: %s", pidfd, errno == EBADF ? "not a pidfd" : strerror(errno));
}

int watchdog_start(int pidfd) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    errmsg("watchdog: pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    errmsg("watchdog: fork: %s", strerror(errno));
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) watchdog_main(pidfd, p[0]);
  close(p[0]);
  disarm_fd = p[1];
  watchdog_pid = pid;
  atexit(watchdog_disarm);
  return 0;
}
