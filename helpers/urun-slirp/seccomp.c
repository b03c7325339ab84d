/* seccomp.c: syscall allowlists of the helper's three processes.
 * Anything else fails with EPERM rather than killing: a library call we
 * did not foresee then shows up as an error message, not a dead network. */
#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "helper_util.h"
#include "sandbox.h"

/* What any process of ours needs: memory, signals, exit, fd basics. */
static const char *const base[] = {
    "read", "write", "readv", "writev", "close", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask",
    "rt_sigaction", "mmap", "munmap", "mremap", "brk", "madvise", "mprotect", "futex", "getpid", "gettid",
    "clock_gettime", "clock_getres", "gettimeofday", "time", "restart_syscall", "nanosleep", "clock_nanosleep",
    "recvmsg", "sendmsg", "connect", "bind", "setsockopt", "getsockopt", "fcntl", "getrandom", NULL,
};

/* The main process: libslirp's sockets, forwards, the API, timers. */
static const char *const main_only[] = {
    "recvfrom", "sendto", "recvmmsg", "sendmmsg", "listen", "accept", "accept4", "getsockname", "getpeername",
    "shutdown", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "timerfd_create", "timerfd_settime",
    "timerfd_gettime", "splice", "pipe2", "kill", "wait4", "waitid", "unlinkat",
    /* libslirp reads /etc/resolv.conf (the sandbox's copy) for DNS over TCP */
    "openat", "open", "newfstatat", "fstat", "stat", "lstat", "statx", "lseek", "getuid", "geteuid", "getgid",
    "getegid", "poll", "ppoll", "sched_yield", "uname", NULL,
};

/* The watchdog: wait, signal init through its pidfd, say so, exit. */
static const char *const watchdog[] = {
    "read", "write", "poll", "ppoll", "pidfd_send_signal", "exit", "exit_group", "rt_sigreturn", "restart_syscall",
    NULL,
};

int sandbox_seccomp(enum sandbox_profile p) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return -1;
  if (p == PROFILE_WATCHDOG) return helper_seccomp_load(ctx, helper_seccomp_allow(ctx, watchdog));
  int rc = helper_seccomp_allow(ctx, base);
  if (rc == 0 && p == PROFILE_MAIN) rc = helper_seccomp_allow(ctx, main_only);
  /* new sockets: only IP ones (no netlink, no unix, no packet) */
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET));
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6));
  /* libslirp asks how much a socket holds */
  static const unsigned long ioctls[] = {FIONREAD, FIONBIO, TIOCOUTQ};
  for (size_t i = 0; rc == 0 && p == PROFILE_MAIN && i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, ioctls[i]));
  return helper_seccomp_load(ctx, rc);
}
